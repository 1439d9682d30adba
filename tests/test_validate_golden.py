"""Golden cards: every valid card passes; every invalid card gives exactly the errors it states.

Each invalid card lists its expected errors in leading comments:
``# expect: <line>: <field path>: <the whole message>``. A card may be .yaml or .yml
(the .yml one is there to be rejected for its extension).
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from generator.benchmarks import load_catalog
from generator.checks import check_card, check_dates
from generator.load import load_file
from generator.schema_check import Problem
from generator.schema_files import card_schema
from generator.validate import CardValidator, gather, validate_paths

REPO = Path(__file__).resolve().parents[1]
REGISTRY = REPO / "registry"
SCHEMA_FILE = REPO / "schema" / "model-card.schema.json"
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


# -- a second, standard validator agrees ---------------------------------------

def _rejected_by_check_jsonschema(files: list[Path]) -> set[str]:
    """The files check-jsonschema rejects: it reads YAML as YAML 1.2 (ruamel.yaml), as editors do."""
    command = [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMA_FILE), *map(str, files)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    rejected = set(re.findall(r"^\s+(\S.*?)::\$", proc.stdout, flags=re.M))
    assert (proc.returncode == 1) == bool(rejected), proc.stdout + proc.stderr
    return rejected


def test_a_second_validator_accepts_every_valid_card():
    files = sorted([*VALID.rglob("*.yaml"), *REGISTRY.rglob("*.yaml")])
    assert len(files) > 60
    assert _rejected_by_check_jsonschema(files) == set()


def test_a_second_validator_rejects_the_golden_cards_with_schema_errors():
    # "Schema errors" as standard JSON Schema sees our loader's data. The two must
    # agree, so our loader reads YAML as YAML 1.2 does (a bare 2024 is an integer).
    # Cards outside that set break only our own rules (cross-field checks, and 5.0
    # where a whole number belongs, which JSON Schema counts as an integer).
    standard = Draft202012Validator(card_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator = CardValidator()
    targets, _ = gather(INVALID_FILES)
    read = {str(t.path): validator.validate(t)[2] for t in targets}  # the data as validate reads it
    files = [p for p in INVALID_FILES if read[str(p)] is not None and read[str(p)].data is not None]
    expected = {str(p) for p in files if not standard.is_valid(read[str(p)].data)}
    assert str(INVALID / "test" / "bare-year-dates.yaml") in expected
    assert len(expected) >= 25
    assert _rejected_by_check_jsonschema(files) == expected


# -- rules a card cannot reach on its own --------------------------------------

def _llama() -> dict:
    data = load_file(REGISTRY / "meta" / "llama-3.1-8b.yaml").data
    assert data is not None
    return data


def test_a_calculator_failure_is_a_located_error_not_silence():
    def broken(card):
        raise ZeroDivisionError("integer division or modulo by zero")

    assert check_card(_llama(), None, broken) == [
        Problem(
            ("parameters", "total"),
            "could not derive the parameter count: ZeroDivisionError: integer division or modulo by zero "
            "(a calculator bug; please report it with this card)",
        )
    ]


def test_a_derived_active_count_above_the_total_is_never_accepted():
    class Count:  # what a calculator bug could return: more active than total parameters
        total = 8_030_261_248
        active = 9_000_000_000
        active_excluding_input_embedding = 8_500_000_000

    assert check_card(_llama(), None, lambda card: Count) == [
        Problem(
            ("parameters", "active"),
            "the architecture gives 9,000,000,000 active parameters, more than its 8,030,261,248 total "
            "(a calculator bug; please report it with this card)",
        )
    ]


def test_future_dates_are_judged_against_the_given_day():
    card = {"release_date": "2026-12-04", "knowledge_cutoff": None}
    assert [p.message for p in check_dates(card, datetime.date(2026, 12, 3))] == ["2026-12-04 is in the future"]
    assert list(check_dates(card, datetime.date(2026, 12, 4))) == []
    # A month or a year is in the future only while it has not begun.
    assert list(check_dates({"release_date": "2026-12"}, datetime.date(2026, 12, 1))) == []
    assert [p.message for p in check_dates({"release_date": "2027"}, datetime.date(2026, 12, 31))] == ["2027 is in the future"]


def test_benchmark_catalog_duplicate_id(tmp_path):
    text = (REPO / "schema" / "benchmarks.yaml").read_text(encoding="utf-8")
    before = text.count("\n  - id: ")
    path = tmp_path / "benchmarks.yaml"
    path.write_text(
        text + "  - id: mmlu\n    name: MMLU again\n    category: knowledge\n    higher_is_better: true\n"
        "    scale: {min: 0, max: 100}\n    url: https://arxiv.org/abs/2009.03300\n",
        encoding="utf-8",
    )
    line = len(text.splitlines()) + 1  # the appended "  - id: mmlu"; the value starts in column 9
    assert [e.format() for e in load_catalog(path).errors] == [
        f"{path}:{line}:9: benchmarks[{before}].id: duplicate benchmark id 'mmlu'"
    ]


def test_whole_number_floats_are_found_after_fastjsonschema_rewrote_the_refs():
    # fastjsonschema.compile() rewrites "$ref": "#/$defs/x" in the schema it is given into an
    # absolute URI; the float scan must still find every integer field.
    import copy

    import fastjsonschema

    from generator.schema_check import integer_paths

    schema = copy.deepcopy(card_schema())
    before = integer_paths(schema)
    fastjsonschema.compile(schema)
    assert any(str(node).startswith("https://") for node in _refs(schema))
    assert integer_paths(schema) == before
    assert ("architecture", "experts", "active") in before and ("evaluations", "*", "score") not in before


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
