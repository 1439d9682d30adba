"""The loader turns hostile or broken YAML into located errors, never exceptions or hangs."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import load
from generator.load import load_bytes, load_file, load_text


def only_error(result):
    assert result.data is None
    assert len(result.errors) == 1, [e.format() for e in result.errors]
    return result.errors[0]


def test_plain_card_values_and_positions():
    text = "name: x\nsizes:\n  layers: 32\n  ratio: 0.5\nflags: [true, false, null]\n"
    r = load_text(text, "c.yaml")
    assert r.ok
    assert r.data == {"name": "x", "sizes": {"layers": 32, "ratio": 0.5}, "flags": [True, False, None]}
    assert r.positions.locate(("sizes", "layers")) == (3, 11)
    assert r.positions.locate(("sizes", "layers"), key=True) == (3, 3)
    assert r.positions.locate(("flags", 2)) == (5, 22)  # "flags: [true, false, " is 21 characters
    assert r.positions.locate(("sizes", "missing")) == (2, 1)  # falls back to the parent key


def test_duplicate_keys_name_both_lines():
    r = load_text("a: 1\nb:\n  c: 1\n  c: 2\n", "d.yaml")
    (e,) = r.errors
    assert (e.line, e.column, e.field) == (4, 3, "b.c")
    assert "duplicate key 'c'" in e.message and "line 3" in e.message
    # Not fatal: the rest of the file is built (the first value stays), so later checks can run.
    assert not r.ok and r.data == {"a": 1, "b": {"c": 1}}
    assert r.positions.locate(("b", "c")) == (3, 6)


def test_all_duplicates_reported():
    r = load_text("a: 1\na: 2\nb: 1\nb: 2\n", "d.yaml")
    assert [(e.line, e.field) for e in r.errors] == [(2, "a"), (4, "b")]
    assert r.data == {"a": 1, "b": 1}


def test_duplicate_key_with_a_collection_value_is_dropped_whole():
    r = load_text("a:\n  x: 1\na:\n  y: [1, 2]\nc: 3\n", "d.yaml")
    assert [(e.line, e.field) for e in r.errors] == [(3, "a")]
    assert r.data == {"a": {"x": 1}, "c": 3}


def test_multiple_documents_rejected():
    e = only_error(load_text("a: 1\n---\nb: 2\n", "m.yaml"))
    assert e.line == 2 and "one YAML document" in e.message


@pytest.mark.parametrize(
    "text,found",
    [("- a\n- b\n", "a list"), ("just text\n", "a single value"), ("42\n", "a single value")],
)
def test_top_level_must_be_mapping(text, found):
    e = only_error(load_text(text, "t.yaml"))
    assert e.line == 1 and "must be a mapping" in e.message and found in e.message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_file(text):
    assert "empty" in only_error(load_text(text, "e.yaml")).message


@pytest.mark.parametrize(
    "text,tag",
    [
        ("a: 1\nb: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system"),
        ("b: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("b: !custom 3\n", "!custom"),
        ("b: !!binary aGVsbG8=\n", "!!binary"),
        ("b: !!timestamp 2024-01-01\n", "!!timestamp"),
        ("b: !!set {a, b}\n", "!!set"),
    ],
)
def test_non_standard_tags_rejected(text, tag):
    e = only_error(load_text(text, "p.yaml"))
    assert tag in e.message and "not allowed" in e.message
    assert e.line == text.count("\n")


def test_standard_tags_allowed():
    r = load_text("a: !!str 2024\nb: !!int '7'\nc: !!float 1\n", "s.yaml")
    assert r.data == {"a": "2024", "b": 7, "c": 1.0}


def test_oversized_file_rejected_before_parsing(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (load.MAX_BYTES + 10) + b"\n")
    e = only_error(load_file(big))
    assert "bytes" in e.message and f"{load.MAX_BYTES:,}" in e.message


def test_non_utf8_located():
    raw = "a: 1\nname: caf".encode() + b"\xe9\n"
    e = only_error(load_bytes(raw, "u.yaml"))
    # "name: caf" is 9 characters, so the bad byte is column 10 of line 2, offset 5 + 9 = 14.
    assert (e.line, e.column) == (2, 10)
    assert "UTF-8" in e.message and "0xe9" in e.message and "offset 14" in e.message


def test_utf8_bom_accepted():
    assert load_bytes(b"\xef\xbb\xbfa: 1\n", "b.yaml").data == {"a": 1}


@pytest.fixture
def events_read(monkeypatch) -> list[int]:
    """How many YAML events the loader pulled from the parser (bounded work, not time)."""
    count = [0]
    make = load._make_parser

    class Counting:
        def __init__(self, text: str) -> None:
            self.parser = make(text)

        def get_event(self):
            count[0] += 1
            return self.parser.get_event()

    monkeypatch.setattr(load, "_make_parser", Counting)
    return count


def test_alias_bomb_stops_at_the_first_alias(events_read):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    e = only_error(load_text("\n".join(lines) + "\n", "bomb.yaml"))
    assert e.line == 2 and "aliases" in e.message
    # Stream, document, mapping, key a, list, 9 scalars, list end, key b, list, first alias: 18 events.
    # An expanding loader would build 9**10 values; this one reads no event after the first alias.
    assert events_read[0] == 18


def test_any_alias_rejected():
    e = only_error(load_text("base: &b {x: 1}\nother: *b\n", "al.yaml"))
    assert (e.line, e.column, e.field) == (2, 8, "other")


@pytest.mark.parametrize("depth", [load.MAX_DEPTH + 1, 200_000])
def test_deep_flow_nesting_rejected(depth, events_read):
    # 200k nested brackets crash libyaml's recursive composer; we never use it.
    e = only_error(load_text("a: " + "[" * depth + "]" * depth + "\n", "deep.yaml"))
    assert "nesting" in e.message and e.line == 1
    # Stream, document, mapping, key a, then lists until one more would be level MAX_DEPTH + 1:
    # the loader stops there, whatever the file's depth. The libyaml in PyYAML 6.0.4 wheels also
    # refuses flow nesting past 1,000 levels while it scans ahead, before those events are read
    # ("exceeded maximum nesting depth", located): then fewer are read, never more.
    if depth == load.MAX_DEPTH + 1:
        assert events_read[0] == 4 + load.MAX_DEPTH
    else:
        assert 4 <= events_read[0] <= 4 + load.MAX_DEPTH


def test_deep_block_nesting_rejected():
    text = "".join(" " * (2 * i) + "k:\n" for i in range(40))
    e = only_error(load_text(text, "deep.yaml"))
    assert "nesting" in e.message and e.line == load.MAX_DEPTH + 1


def test_tab_indentation_located():
    e = only_error(load_text("a:\n\tb: 1\n", "tab.yaml"))
    assert (e.line, e.column) == (2, 1) and "tab" in e.message


def test_syntax_error_located():
    e = only_error(load_text("a: [1, 2\nb: 3\n", "s.yaml"))
    assert e.line == 2 and "YAML syntax error" in e.message


def test_control_character_located():
    e = only_error(load_text("a: 1\nb: x\x07\n", "c.yaml"))
    assert (e.line, e.column) == (2, 5) and "U+0007" in e.message


@pytest.mark.parametrize("text", ["1: a\n", "null: a\n", "true: a\n", "? [a]\n: b\n"])
def test_keys_must_be_text(text):
    e = only_error(load_text(text, "k.yaml"))
    assert e.line == 1 and "keys" in e.message


def test_yaml_12_core_scalars():
    r = load_text("a: yes\nb: on\nc: 017\nd: 0x1F\ne: 1e3\nf: 2024-07-23\ng: 1_000\nh: ~\n", "y.yaml")
    # YAML 1.1 would give True, True, 15, 31, '1e3', date(2024, 7, 23), 1000.
    assert r.data == {"a": "yes", "b": "on", "c": 17, "d": 31, "e": 1000.0, "f": "2024-07-23", "g": "1_000", "h": None}


def test_non_finite_numbers_rejected():
    r = load_text("a: .inf\nb: .nan\n", "n.yaml")
    assert [(e.line, e.field) for e in r.errors] == [(1, "a"), (2, "b")]


def test_unreadable_path_is_an_error(tmp_path: Path):
    e = only_error(load_file(tmp_path / "missing.yaml"))
    assert "cannot read" in e.message


def test_pure_python_parser_gives_same_result(monkeypatch):
    text = "a: 1\nb: [x, {c: 2024-01-01}]\n"
    fast = load_text(text, "f.yaml")
    monkeypatch.setattr(load, "_FastParser", None)
    slow = load_text(text, "f.yaml")
    assert fast.data == slow.data and fast.positions == slow.positions
    assert "aliases" in only_error(load_text("a: &x 1\nb: *x\n", "f.yaml")).message


def test_number_over_the_digit_limit_is_located_and_not_fatal():
    digits = "9" * 4401
    text = f"name: x\nsizes:\n  hidden: {digits}\n  layers: 32\n"
    r = load_text(text, "big.yaml")
    (e,) = r.errors
    # The value starts on line 3 after "  hidden: " (10 characters): column 11.
    assert (e.line, e.column, e.field) == (3, 11, "sizes.hidden")
    assert "4,401-digit number" in e.message
    assert r.data == {"name": "x", "sizes": {"hidden": None, "layers": 32}}


def test_number_at_the_digit_limit_is_a_number():
    assert load_text("a: " + "9" * 4300 + "\n", "n.yaml").data == {"a": int("9" * 4300)}


def test_overflowing_float_is_not_finite():
    r = load_text("a: 1\nb: 1e400\n", "f.yaml")
    assert [(e.line, e.column, e.field) for e in r.errors] == [(2, 4, "b")]
    assert "not a finite number" in r.errors[0].message and r.data == {"a": 1, "b": None}


def test_oversized_file_points_at_line_1(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * (load.MAX_BYTES // 5 + 1))
    e = only_error(load_file(big))
    assert (e.line, e.column) == (1, 1) and e.format().startswith(f"{big}:1:1: (top level): the file is ")


def test_symlinked_file_is_refused_not_followed(tmp_path: Path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: hunter2-secret-token\n")
    link = tmp_path / "card.yaml"
    link.symlink_to(secret)
    e = only_error(load_file(link))
    assert (e.line, e.column) == (1, 1) and "symbolic link" in e.message
    assert "hunter2" not in e.format()


@pytest.mark.parametrize("device", ["/dev/null"])
def test_device_is_not_a_card(device):
    e = only_error(load_file(Path(device)))
    assert (e.line, e.column) == (1, 1) and "not a regular file" in e.message


def test_folder_is_not_a_card(tmp_path: Path):
    e = only_error(load_file(tmp_path))
    assert "folder" in e.message
