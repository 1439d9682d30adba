"""The loader turns hostile or broken YAML into located errors, never exceptions or hangs."""

from __future__ import annotations

import time
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
    e = only_error(load_text("a: 1\nb:\n  c: 1\n  c: 2\n", "d.yaml"))
    assert (e.line, e.column, e.field) == (4, 3, "b.c")
    assert "duplicate key 'c'" in e.message and "line 3" in e.message


def test_all_duplicates_reported():
    r = load_text("a: 1\na: 2\nb: 1\nb: 2\n", "d.yaml")
    assert [(e.line, e.field) for e in r.errors] == [(2, "a"), (4, "b")]


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


def test_alias_bomb_returns_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    e = only_error(load_text("\n".join(lines) + "\n", "bomb.yaml"))
    assert time.perf_counter() - start < 1.0
    assert e.line == 2 and "aliases" in e.message


def test_any_alias_rejected():
    e = only_error(load_text("base: &b {x: 1}\nother: *b\n", "al.yaml"))
    assert (e.line, e.column, e.field) == (2, 8, "other")


@pytest.mark.parametrize("depth", [load.MAX_DEPTH + 1, 200_000])
def test_deep_flow_nesting_rejected(depth):
    # 200k nested brackets crash libyaml's recursive composer; we never use it.
    start = time.perf_counter()
    e = only_error(load_text("a: " + "[" * depth + "]" * depth + "\n", "deep.yaml"))
    assert time.perf_counter() - start < 2.0
    assert "nesting" in e.message and e.line == 1


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


def test_keep_text_paths_preserve_numbers():
    r = load_text("d: 2024\nn: 2024\nl: [2024]\n", "k.yaml", keep_text=lambda p: p in {("d",), ("l", 0)})
    assert r.data == {"d": "2024", "n": 2024, "l": ["2024"]}


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
