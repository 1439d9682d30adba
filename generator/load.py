"""Safe, exact YAML loading for cards.

PyYAML (libyaml's C parser where available) turns the text into events; this
module builds the Python values itself, one event at a time, with an explicit
stack. Doing the construction here rather than in PyYAML lets us:

* keep the 1-based line/column of every key and value (``Positions``);
* reject duplicate keys (PyYAML silently keeps the last one), aliases (no
  billion-laughs expansion is possible), non-standard tags (``!!python/...``),
  more than one document and absurd nesting (libyaml's recursive composer
  crashes the interpreter on ~100k nested brackets, so we never use it);
* resolve plain scalars with the YAML 1.2 core schema, as editors do: no
  timestamps (dates stay strings), ``yes``/``no``/``on``/``off`` stay strings,
  ``017`` is 17. Plain numbers at "text" paths (dates such as a bare ``2024``)
  are kept as their original text.

Nothing here raises on bad input: every problem becomes a ``CardError``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml
from yaml import events as ev

from generator.errors import CardError

try:  # libyaml's parser; the pure-Python one is the fallback.
    from yaml._yaml import CParser as _FastParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _FastParser = None

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20

KeepText = Callable[[tuple], bool]

_TAG = "tag:yaml.org,2002:"
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z")


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _make_parser(text: str):
    return _FastParser(text) if _FastParser is not None else _PyParser(text)


@dataclass
class Positions:
    """1-based (line, column) of every value and every mapping key, by field path."""

    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int, int]:
        """Where to point for ``path``: its key (``key=True``) or value; else the nearest ancestor."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while True:
            if path in self.values:
                return self.values[path]
            if not path:
                return (1, 1)
            path = path[:-1]


@dataclass
class Loaded:
    """The result of loading one file: the top-level mapping, or ``None`` with errors."""

    data: Optional[dict]
    positions: Positions
    errors: list

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


class _Fatal(Exception):
    """Stops construction; carries the message and 0-based mark."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _plain_value(text: str) -> Any:
    """Resolve a plain (unquoted, untagged) scalar with the YAML 1.2 core schema."""
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(text):
            return int(text)
        if _OCT.match(text):
            return int(text[2:], 8)
        if _HEX.match(text):
            return int(text[2:], 16)
        if _FLOAT.match(text):
            return float(text)
        if _SPECIAL_FLOAT.match(text):
            return float(text.replace(".", "").lower())  # "-.inf" -> float("-inf")
    return text


def _tagged_value(tag: str, text: str, mark: Any) -> Any:
    """A scalar with an explicit standard tag (``!!str 2024``, ``!!int "3"``)."""
    kind = tag[len(_TAG):]
    if kind == "str":
        return text
    value = _plain_value(text)
    expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[kind]
    if isinstance(value, bool) and kind in ("int", "float"):
        value = text  # true/false are not numbers
    if not isinstance(value, expected):
        raise _Fatal(f"{text!r} is not a valid !!{kind}", mark)
    return float(value) if kind == "float" else value


_SCALAR = ev.ScalarEvent
_MAP_END = ev.MappingEndEvent
_SEQ_END = ev.SequenceEndEvent
# Plain words that do not resolve to text (everything else starting with a letter does).
_WORDS = frozenset(k for k in _NULL | set(_BOOL) if k[:1].isalpha())

_SCALAR_TAGS = {_TAG + k for k in ("str", "int", "float", "bool", "null")}


class _Builder:
    """Turns an event stream into dicts, lists and scalars, recording positions."""

    def __init__(self, filename: str, keep_text: Optional[KeepText]) -> None:
        self.filename = filename
        self.keep_text = keep_text
        self.positions = Positions()
        self.errors: list[CardError] = []
        # Each frame: [container, path, pending_key, pending_key_mark, first_lines, is_mapping]
        self.stack: list[list] = []
        self.root: Optional[dict] = None

    def error(self, message: str, mark: Any, path: tuple) -> None:
        line, col = _pos(mark)
        self.errors.append(CardError(self.filename, line, col, path, message))

    # -- scalars ---------------------------------------------------------
    def scalar(self, event: ev.ScalarEvent, path: tuple) -> Any:
        tag, text = event.tag, event.value
        plain = not event.style and event.implicit[0]
        if tag is None or tag == "!":
            if not plain or tag == "!":
                return text
            value = _plain_value(text)
            if self.keep_text is not None and _is_number(value) and self.keep_text(path):
                return text  # e.g. a bare year 2024 in a date field stays "2024"
        elif tag in _SCALAR_TAGS:
            value = _tagged_value(tag, text, event.start_mark)
        else:
            raise _Fatal(_tag_message(tag), event.start_mark)
        if isinstance(value, float) and not math.isfinite(value):
            self.error(f"{text!r} is not a finite number", event.start_mark, path)
            return None
        return value

    # -- structure -------------------------------------------------------
    def child_path(self) -> tuple:
        frame = self.stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, dict):
            return path + (frame[2],)
        return path + (len(container),)

    def attach(self, value: Any, path: tuple, value_mark: Any, is_collection: bool, empty: bool) -> None:
        frame = self.stack[-1]
        container = frame[0]
        if isinstance(container, dict):
            key_mark = frame[3]
            # Point collections and empty values at their key: that line names the field.
            self.positions.values[path] = _pos(key_mark if (is_collection or empty) else value_mark)
            container[frame[2]] = value
            frame[2] = None
        else:
            self.positions.values[path] = _pos(value_mark)
            container.append(value)

    def key(self, event: ev.Event) -> None:
        frame = self.stack[-1]
        path = frame[1]
        if not isinstance(event, ev.ScalarEvent):
            raise _Fatal("mapping keys must be plain words, not lists or mappings", event.start_mark)
        if event.tag not in (None, "!", _TAG + "str"):
            raise _Fatal(_tag_message(event.tag), event.start_mark)
        plain = not event.style and event.tag is None
        key = event.value
        if plain and not isinstance(_plain_value(key), str):
            shown = "null" if _plain_value(key) is None else key
            raise _Fatal(f"mapping keys must be text; quote {shown!r} to use it as a key", event.start_mark)
        container = frame[0]
        firsts = frame[4]
        if key in container or key in firsts:
            first_line = firsts.get(key, 0)
            self.error(
                f"duplicate key {key!r} (first defined on line {first_line}); "
                "YAML would silently keep only the last value",
                event.start_mark,
                path + (key,),
            )
            key = _Duplicate(key)  # keep parsing; the value is discarded
        else:
            firsts[key] = event.start_mark.line + 1
            self.positions.keys[path + (key,)] = _pos(event.start_mark)
        frame[2] = key
        frame[3] = event.start_mark

    def run(self, parser: Any) -> None:
        # The hot loop: plain keys and untagged scalars inside mappings (nearly
        # every event in a card) are handled inline with the innermost frame in
        # a local; everything unusual goes through the methods, after which the
        # local is refreshed (they may push frames).
        get_event = parser.get_event
        stack = self.stack
        keys_at = self.positions.keys
        values_at = self.positions.values
        keep_text = self.keep_text
        # Optional fast reject: the last path elements keep_text can accept.
        text_keys = getattr(keep_text, "last_keys", None)
        words = _WORDS
        documents = 0
        frame: Optional[list] = None  # stack[-1], or None when the stack is empty
        while True:
            event = get_event()
            kind = type(event)
            if kind is _SCALAR and frame is not None and frame[5]:
                text = event.value
                key = frame[2]
                if key is None:
                    firsts = frame[4]
                    if event.tag is None and text not in firsts and (
                        event.style or (text[:1].isalpha() and text not in words)
                    ):
                        mark = event.start_mark
                        line = mark.line + 1
                        firsts[text] = line
                        keys_at[frame[1] + (text,)] = (line, mark.column + 1)
                        frame[2] = text
                        frame[3] = mark
                    else:
                        self.key(event)
                    continue
                if event.tag is None and type(key) is str:
                    path = frame[1] + (key,)
                    if event.style:
                        value: Any = text
                        mark = event.start_mark
                    else:
                        if not text:
                            value = None
                            mark = frame[3]  # an empty value: point at its key
                        elif text[:1].isalpha() and text not in words:
                            value = text
                            mark = event.start_mark
                        else:
                            mark = event.start_mark
                            value = int(text) if text.isdigit() and text.isascii() else _plain_value(text)
                            if type(value) is int or type(value) is float:
                                if keep_text is not None and (text_keys is None or key in text_keys) and keep_text(path):
                                    value = text  # e.g. a bare year 2024 in a date field stays "2024"
                                elif type(value) is float and not math.isfinite(value):
                                    self.error(f"{text!r} is not a finite number", mark, path)
                                    value = None
                    values_at[path] = (mark.line + 1, mark.column + 1)
                    frame[0][key] = value
                    frame[2] = None
                    continue
                self.value(event)
                frame = stack[-1]
                continue
            if kind is _MAP_END or kind is _SEQ_END:
                stack.pop()
                frame = stack[-1] if stack else None
                continue
            if kind is ev.StreamEndEvent:
                break
            if kind is ev.StreamStartEvent or kind is ev.DocumentEndEvent:
                continue
            if kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Fatal(
                        "only one YAML document per file: a second document starts here (remove the '---' line)",
                        event.start_mark,
                    )
                continue
            if kind is ev.AliasEvent:
                raise _Fatal(
                    f"aliases (*{event.anchor}) are not allowed in cards: write the value out",
                    event.start_mark,
                )
            if frame is None:
                self.top(event)
            elif frame[5] and frame[2] is None:
                self.key(event)
            else:
                self.value(event)
            frame = stack[-1] if stack else None
        if documents == 0:
            raise _Fatal("the file is empty: a card is a YAML mapping (key: value lines)", None)

    def top(self, event: ev.Event) -> None:
        if isinstance(event, ev.MappingStartEvent):
            self.check_collection_tag(event, "map")
            self.root = {}
            self.positions.values[()] = _pos(event.start_mark)
            self.stack.append([self.root, (), None, None, {}, True])
            return
        found = "a list" if isinstance(event, ev.SequenceStartEvent) else "a single value"
        if isinstance(event, ev.ScalarEvent) and event.value == "" and not event.style:
            raise _Fatal("the file is empty: a card is a YAML mapping (key: value lines)", event.start_mark)
        raise _Fatal(f"the top level of a card must be a mapping (key: value lines), found {found}", event.start_mark)

    def check_collection_tag(self, event: ev.Event, kind: str) -> None:
        if event.tag not in (None, "!", _TAG + kind):
            raise _Fatal(_tag_message(event.tag), event.start_mark)

    def value(self, event: ev.Event) -> None:
        path = self.child_path()
        frame = self.stack[-1]
        discard = isinstance(frame[2], _Duplicate)
        if isinstance(event, ev.ScalarEvent):
            value = self.scalar(event, path)
            empty = event.value == "" and not event.style
            if discard:
                frame[2] = None
                return
            self.attach(value, path, event.start_mark, False, empty)
            return
        if isinstance(event, ev.MappingStartEvent):
            self.check_collection_tag(event, "map")
            container: Any = {}
        else:
            self.check_collection_tag(event, "seq")
            container = []
        if len(self.stack) >= MAX_DEPTH:
            raise _Fatal(f"nesting is deeper than {MAX_DEPTH} levels; cards are at most a few levels deep", event.start_mark)
        if discard:
            frame[2] = None
        else:
            self.attach(container, path, event.start_mark, True, False)
        self.stack.append([container, path, None, None, {}, type(container) is dict])


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Duplicate(str):
    """Marks the value of a duplicated key so it is parsed but not stored."""


def _tag_message(tag: str) -> str:
    return (
        f"tag {_short_tag(tag)} is not allowed: cards hold only plain YAML "
        "(text, numbers, true/false, null, lists and mappings)"
    )


def _offset_position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    column = len(before[start:].decode("utf-8", errors="replace")) + 1
    return line, column


def decode(raw: bytes, filename: str) -> tuple[Optional[str], list[CardError]]:
    """Strict UTF-8 (an optional BOM is dropped); the first bad byte is located."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_position(raw, exc.start)
        bad = raw[exc.start:exc.start + 1].hex()
        msg = f"the file is not valid UTF-8: byte 0x{bad} at offset {exc.start} (save the file as UTF-8)"
        return None, [CardError(filename, line, col, (), msg)]
    return (text[1:] if text.startswith("\ufeff") else text), []


def load_text(text: str, filename: str, *, keep_text: Optional[KeepText] = None) -> Loaded:
    """Parse YAML text into a top-level mapping plus positions; errors are values."""
    builder = _Builder(filename, keep_text)
    try:
        builder.run(_make_parser(text))
    except _Fatal as exc:
        line, col = _pos(exc.mark) if exc.mark is not None else (1, 1)
        path = builder.child_path() if builder.stack and exc.mark is not None else ()
        builder.errors.append(CardError(filename, line, col, _clean(path), exc.message))
        return Loaded(None, builder.positions, builder.errors)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark is not None else (1, 1)
        builder.errors.append(CardError(filename, line, col, (), _syntax_message(exc, text)))
        return Loaded(None, builder.positions, builder.errors)
    except yaml.reader.ReaderError as exc:  # control characters and the like
        line, col = _char_position(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        msg = f"character U+{char:04X} is not allowed in YAML ({exc.reason}); remove it"
        builder.errors.append(CardError(filename, line, col, (), msg))
        return Loaded(None, builder.positions, builder.errors)
    except (yaml.YAMLError, ValueError, RecursionError, MemoryError) as exc:  # anything else refused
        builder.errors.append(CardError(filename, 1, 1, (), f"YAML error: {exc}"))
        return Loaded(None, builder.positions, builder.errors)
    if builder.errors:
        return Loaded(None, builder.positions, builder.errors)
    return Loaded(builder.root, builder.positions, [])


def _char_position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _clean(path: tuple) -> tuple:
    return tuple(str(p) if isinstance(p, _Duplicate) else p for p in path if p is not None)


def _char_at(text: str, mark: Any) -> str:
    if mark is None:
        return ""
    lines = text.split("\n")
    if mark.line >= len(lines):
        return ""
    return lines[mark.line][mark.column:mark.column + 1]


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "invalid YAML"
    if "tab" in problem.lower() or _char_at(text, exc.problem_mark) == "\t":
        problem += " (a tab: indent with spaces, not tabs)"
    if exc.context:
        problem = f"{exc.context}: {problem}"
    return f"YAML syntax error: {problem}"


def load_bytes(raw: bytes, filename: str, *, keep_text: Optional[KeepText] = None) -> Loaded:
    if len(raw) > MAX_BYTES:
        return _too_big(filename, len(raw))
    text, errors = decode(raw, filename)
    if text is None:
        return Loaded(None, Positions(), errors)
    return load_text(text, filename, keep_text=keep_text)


def _too_big(filename: str, size: int) -> Loaded:
    msg = f"the file is {size:,} bytes; cards are limited to {MAX_BYTES:,} bytes"
    return Loaded(None, Positions(), [CardError(filename, 0, 0, (), msg)])


def load_file(path: Path, filename: Optional[str] = None, *, keep_text: Optional[KeepText] = None) -> Loaded:
    """Read and load one file; the size limit is checked before reading it all."""
    name = filename if filename is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return _too_big(name, size)
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Loaded(None, Positions(), [CardError(name, 0, 0, (), f"cannot read the file: {reason}")])
    return load_bytes(raw, name, keep_text=keep_text)
