"""Golden cards: every valid card passes; every invalid card gives exactly the errors it states.

Each invalid card lists its expected errors in leading comments:
``# expect: <line>: <field path>: <the whole message>``. A card may be .yaml or .yml
(the .yml one is there to be rejected for its extension).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from generator.validate import validate_paths

CARDS = Path(__file__).parent / "cards"
VALID = CARDS / "valid"
INVALID = CARDS / "invalid"
EXPECT = re.compile(r"^# expect: (\d+): (.+?): (.+)$")


def _expectations(path: Path) -> list[tuple[int, str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = EXPECT.match(line)
        if m:
            # {INVALID} stands for this folder, as the messages that name another file print it.
            found.append((int(m.group(1)), m.group(2), m.group(3).replace("{INVALID}", str(INVALID))))
    return found


INVALID_FILES = sorted([*INVALID.rglob("*.yaml"), *INVALID.rglob("*.yml")])


@pytest.fixture(scope="module")
def invalid_report():
    return validate_paths([INVALID])


@pytest.fixture(scope="module")
def valid_report():
    return validate_paths([VALID])


def test_valid_cards_pass(valid_report):
    assert [e.format() for e in valid_report.errors] == []
    assert len(valid_report.cards) == len(list(VALID.rglob("*.yaml"))) >= 10


def test_valid_cards_keep_positions(valid_report):
    card = next(c for c in valid_report.cards if c.id == "meta/llama-3.1-8b")
    lines = card.path.read_text().splitlines()
    line, col = card.positions.locate(("architecture", "attention", "kv_heads"))
    assert lines[line - 1][col - 1:] == "8"
    assert lines[line - 1].strip() == "kv_heads: 8"


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: str(p.relative_to(INVALID)))
def test_invalid_card_reports_its_expected_errors(path, invalid_report):
    expected = _expectations(path)
    if not expected:
        # duplicate-id-a is the innocent first holder of the id; its twin carries the error.
        assert path.name == "duplicate-id-a.yaml"
    display = str(INVALID / path.relative_to(INVALID))
    actual = [e for e in invalid_report.errors if e.file == display]
    remaining = list(actual)
    for line, field, message in expected:
        match = [e for e in remaining if e.line == line and e.field == field and e.message == message]
        assert match, f"expected {line}: {field}: {message}\n got: " + "\n".join(e.format() for e in actual)
        remaining.remove(match[0])
    assert remaining == [], "unexpected errors:\n" + "\n".join(e.format() for e in remaining)


def test_every_invalid_file_is_rejected(invalid_report):
    bad = {e.file for e in invalid_report.errors}
    for path in INVALID_FILES:
        if path.name != "duplicate-id-a.yaml":
            assert str(path) in bad
    ids = {c.id for c in invalid_report.cards}
    assert ids == {"test/duplicate-id-a"}


def test_behemoth_swapped_counts_rejected(invalid_report):
    # Published: 288B active of about 2T total. A spec page swapped them; that must fail.
    errors = [e for e in invalid_report.errors if e.file.endswith("behemoth-swapped.yaml")]
    assert [e.field for e in errors] == ["parameters.active"]
    assert "2,000,000,000,000" in errors[0].message and "288,000,000,000" in errors[0].message


def test_all_errors_in_one_run(invalid_report):
    per_file = defaultdict(int)
    for e in invalid_report.errors:
        per_file[e.file] += 1
    assert len(per_file) == len(INVALID_FILES) - 1
    assert max(per_file.values()) >= 3  # wrong-types: three problems, all reported
