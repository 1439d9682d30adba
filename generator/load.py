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

Two kinds of problems:

* fatal ones (bad syntax, a tag, an alias, a second document, ...) stop the
  load: ``Loaded.data`` is None;
* value problems (a duplicate key, a non-finite or absurdly long number) are
  reported while the rest of the file is still built, so ``Loaded.data`` holds
  the mapping (a duplicate key keeps its first value; a bad number becomes
  null) and later stages can report every other error in the file.
  ``Loaded.ok`` is true only when there is no error at all.
"""

from __future__ import annotations

import math
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Protocol, Union

import yaml
from yaml import events as ev

from generator.errors import CardError, FieldPath

try:  # libyaml's parser; the pure-Python one is the fallback.
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    CParser = None  # type: ignore[assignment, misc]

_FastParser: Any = CParser

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20
# Python refuses to turn longer digit strings into int (sys.get_int_max_str_digits).
MAX_DIGITS = 4300

Position = tuple[int, int]
Container = Union[dict[str, Any], list[Any]]


class _Mark(Protocol):
    """Where an event starts (0-based); both parsers' marks have these."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


class _Parser(Protocol):
    def get_event(self) -> Any: ...


_TAG = "tag:yaml.org,2002:"
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z")
_SCALAR_TAGS = {_TAG + k for k in ("str", "int", "float", "bool", "null")}
# Plain words that do not resolve to text (every other word starting with a letter does).
_WORDS = frozenset(k for k in _NULL | set(_BOOL) if k[:1].isalpha())


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _make_parser(text: str) -> _Parser:
    parser: _Parser = _FastParser(text) if _FastParser is not None else _PyParser(text)
    return parser


@dataclass
class Positions:
    """1-based (line, column) of every value and every mapping key, by field path."""

    values: dict[FieldPath, Position] = field(default_factory=dict)
    keys: dict[FieldPath, Position] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, key: bool = False) -> Position:
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
    """The result of loading one file: the top-level mapping (None after a fatal error) and every error."""

    data: Optional[dict[str, Any]]
    positions: Positions
    errors: list[CardError]

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


class _Fatal(Exception):
    """Stops construction; carries the message and the mark it points at."""

    def __init__(self, message: str, mark: Optional[_Mark]) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _BadNumber(Exception):
    """A scalar that looks like a number but cannot be one (the message says why)."""


def _pos(mark: Optional[_Mark]) -> Position:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _plain_value(text: str) -> Any:
    """Resolve a plain (unquoted, untagged) scalar with the YAML 1.2 core schema.

    Raises ``_BadNumber`` for numbers that are not finite or too long to convert.
    """
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    first = text[0]
    if not (first.isdigit() or first in "+-."):
        return text
    if _INT.match(text):
        digits = len(text.lstrip("+-"))
        if digits > MAX_DIGITS:
            raise _BadNumber(f"a {digits:,}-digit number is far too large for any card value")
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text) or _SPECIAL_FLOAT.match(text):
        value = float(text.replace(".", "").lower()) if _SPECIAL_FLOAT.match(text) else float(text)
        if not math.isfinite(value):
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise _BadNumber(f"{shown!r} is not a finite number")
        return value
    return text


def _tagged_value(tag: str, text: str, mark: Optional[_Mark]) -> Any:
    """A scalar with an explicit standard tag (``!!str 2024``, ``!!int "3"``)."""
    kind = tag[len(_TAG):]
    if kind == "str":
        return text
    value = _plain_value(text)
    expected: dict[str, Any] = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}
    if isinstance(value, bool) and kind in ("int", "float"):
        value = text  # true/false are not numbers
    if not isinstance(value, expected[kind]):
        raise _Fatal(f"{text!r} is not a valid !!{kind}", mark)
    return float(value) if kind == "float" else value


def _tag_message(tag: str) -> str:
    return (
        f"tag {_short_tag(tag)} is not allowed: cards hold only plain YAML "
        "(text, numbers, true/false, null, lists and mappings)"
    )


@dataclass(slots=True)
class _Frame:
    """An open mapping or list, and (for a mapping) the key waiting for its value."""

    container: Container
    path: FieldPath
    key: Optional[str] = None
    key_mark: Optional[_Mark] = None
    duplicate: bool = False  # the pending key repeats an earlier one: parse its value, do not store it
    first_lines: dict[str, int] = field(default_factory=dict)

    def child_path(self) -> FieldPath:
        if isinstance(self.container, dict):
            return self.path if self.key is None else self.path + (self.key,)
        return self.path + (len(self.container),)


class _Builder:
    """Turns an event stream into dicts, lists and scalars, recording positions."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.positions = Positions()
        self.errors: list[CardError] = []
        self.stack: list[_Frame] = []
        self.root: Optional[dict[str, Any]] = None

    def error(self, message: str, mark: Optional[_Mark], path: FieldPath) -> None:
        line, col = _pos(mark)
        self.errors.append(CardError(self.filename, line, col, path, message))

    def run(self, parser: _Parser) -> None:
        documents = 0
        stack = self.stack
        while True:
            event = parser.get_event()
            # Keys and values first: they are nearly every event in a card.
            if stack and isinstance(event, (ev.ScalarEvent, ev.CollectionStartEvent)):
                frame = stack[-1]
                if frame.key is None and isinstance(frame.container, dict):
                    self.key(event)
                else:
                    self.value(event)
            elif isinstance(event, ev.CollectionEndEvent):
                stack.pop()
            elif isinstance(event, ev.StreamEndEvent):
                break
            elif isinstance(event, ev.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Fatal(
                        "only one YAML document per file: a second document starts here (remove the '---' line)",
                        event.start_mark,
                    )
            elif isinstance(event, ev.AliasEvent):
                raise _Fatal(f"aliases (*{event.anchor}) are not allowed in cards: write the value out", event.start_mark)
            elif isinstance(event, ev.NodeEvent):  # the top-level value
                self.top(event)
        if documents == 0:
            raise _Fatal("the file is empty: a card is a YAML mapping (key: value lines)", None)

    def top(self, event: ev.Event) -> None:
        if isinstance(event, ev.MappingStartEvent):
            self.check_collection_tag(event, "map")
            self.root = {}
            self.positions.values[()] = _pos(event.start_mark)
            self.stack.append(_Frame(self.root, ()))
            return
        found = "a list" if isinstance(event, ev.SequenceStartEvent) else "a single value"
        if isinstance(event, ev.ScalarEvent) and event.value == "" and not event.style:
            raise _Fatal("the file is empty: a card is a YAML mapping (key: value lines)", event.start_mark)
        raise _Fatal(f"the top level of a card must be a mapping (key: value lines), found {found}", event.start_mark)

    def key(self, event: ev.Event) -> None:
        frame = self.stack[-1]
        if not isinstance(event, ev.ScalarEvent):
            raise _Fatal("mapping keys must be plain words, not lists or mappings", event.start_mark)
        if event.tag not in (None, "!", _TAG + "str"):
            raise _Fatal(_tag_message(event.tag), event.start_mark)
        key = event.value
        if not event.style and event.tag is None and not (key[:1].isalpha() and key not in _WORDS):
            try:
                resolved = _plain_value(key)
            except _BadNumber:
                resolved = 0.0
            if not isinstance(resolved, str):
                shown = "null" if resolved is None else key
                raise _Fatal(f"mapping keys must be text; quote {shown!r} to use it as a key", event.start_mark)
        path = frame.path + (key,)
        where = _pos(event.start_mark)
        frame.key, frame.key_mark = key, event.start_mark
        frame.duplicate = key in frame.first_lines
        if frame.duplicate:
            self.error(
                f"duplicate key {key!r} (first defined on line {frame.first_lines[key]}); "
                "YAML would silently keep only the last value",
                event.start_mark,
                path,
            )
        else:
            frame.first_lines[key] = where[0]
            self.positions.keys[path] = where

    def value(self, event: ev.Event) -> None:
        frame = self.stack[-1]
        path = frame.child_path()
        if isinstance(event, ev.ScalarEvent):
            value = self.scalar(event, path)
            empty = event.value == "" and not event.style
            self.attach(frame, value, path, event.start_mark, point_at_key=empty)
            return
        if isinstance(event, ev.MappingStartEvent):
            self.check_collection_tag(event, "map")
            container: Container = {}
        elif isinstance(event, ev.SequenceStartEvent):
            self.check_collection_tag(event, "seq")
            container = []
        else:  # pragma: no cover - the parser sends no other event here
            raise _Fatal(f"unexpected YAML event {type(event).__name__}", event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise _Fatal(f"nesting is deeper than {MAX_DEPTH} levels; cards are at most a few levels deep", event.start_mark)
        self.attach(frame, container, path, event.start_mark, point_at_key=True)
        self.stack.append(_Frame(container, path))

    def scalar(self, event: ev.ScalarEvent, path: FieldPath) -> Any:
        tag, text = event.tag, event.value
        try:
            if tag is None or tag == "!":
                if event.style or tag == "!" or not event.implicit[0]:
                    return text  # quoted or block text, or the non-specific tag: always text
                return _plain_value(text)
            if tag in _SCALAR_TAGS:
                return _tagged_value(tag, text, event.start_mark)
        except _BadNumber as exc:
            self.error(str(exc), event.start_mark, path)
            return None
        raise _Fatal(_tag_message(tag), event.start_mark)

    def attach(self, frame: _Frame, value: Any, path: FieldPath, mark: Optional[_Mark], *, point_at_key: bool) -> None:
        """Store a finished value in its parent and record where it was written.

        In a mapping, collections and empty values point at their key (that line
        names the field). A duplicate key's value is dropped: the first one stays.
        """
        container = frame.container
        if isinstance(container, dict):
            key, duplicate = frame.key, frame.duplicate
            frame.key, frame.duplicate = None, False
            if duplicate or key is None:
                return
            self.positions.values[path] = _pos(frame.key_mark if point_at_key else mark)
            container[key] = value
        else:
            self.positions.values[path] = _pos(mark)
            container.append(value)

    @staticmethod
    def check_collection_tag(event: ev.CollectionStartEvent, kind: str) -> None:
        if event.tag not in (None, "!", _TAG + kind):
            raise _Fatal(_tag_message(str(event.tag)), event.start_mark)


def _offset_position(raw: bytes, offset: int) -> Position:
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


def load_text(text: str, filename: str) -> Loaded:
    """Parse YAML text into a top-level mapping plus positions; errors are values."""
    builder = _Builder(filename)

    def fatal(line: int, col: int, path: FieldPath, message: str) -> Loaded:
        builder.errors.append(CardError(filename, line, col, path, message))
        builder.errors.sort(key=CardError.sort_key)
        return Loaded(None, builder.positions, builder.errors)

    try:
        builder.run(_make_parser(text))
    except _Fatal as exc:
        path = builder.stack[-1].child_path() if builder.stack and exc.mark is not None else ()
        return fatal(*_pos(exc.mark), path, exc.message)
    except yaml.MarkedYAMLError as exc:
        line, col = _pos(exc.problem_mark or exc.context_mark)
        return fatal(line, col, (), _syntax_message(exc, text))
    except yaml.reader.ReaderError as exc:  # control characters and the like
        line, col = _char_position(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return fatal(line, col, (), f"character U+{char:04X} is not allowed in YAML ({exc.reason}); remove it")
    except (yaml.YAMLError, ValueError, RecursionError, MemoryError) as exc:  # anything else refused
        return fatal(1, 1, (), f"YAML error: {exc}")
    return Loaded(builder.root, builder.positions, builder.errors)


def _char_position(text: str, index: int) -> Position:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _char_at(text: str, mark: Optional[_Mark]) -> str:
    if mark is None:
        return ""
    lines = text.split("\n")
    if mark.line >= len(lines):
        return ""
    return lines[mark.line][mark.column:mark.column + 1]


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = str(exc.problem or "invalid YAML")
    if "tab" in problem.lower() or _char_at(text, exc.problem_mark) == "\t":
        problem += " (a tab: indent with spaces, not tabs)"
    if exc.context:
        problem = f"{exc.context}: {problem}"
    return f"YAML syntax error: {problem}"


def load_bytes(raw: bytes, filename: str) -> Loaded:
    if len(raw) > MAX_BYTES:
        return _whole_file_error(filename, _size_message(len(raw)))
    text, errors = decode(raw, filename)
    if text is None:
        return Loaded(None, Positions(), errors)
    return load_text(text, filename)


def _size_message(size: int) -> str:
    return f"the file is {size:,} bytes; cards are limited to {MAX_BYTES:,} bytes"


def _whole_file_error(filename: str, message: str) -> Loaded:
    """A problem with the file as a whole: it points at line 1, column 1."""
    return Loaded(None, Positions(), [CardError(filename, 1, 1, (), message)])


def load_file(path: Path, filename: Optional[str] = None) -> Loaded:
    """Read and load one regular file; the size limit is checked before reading it all.

    Symbolic links are refused, not followed (a card must be the file itself,
    not a pointer to something elsewhere on the machine), and so are devices,
    pipes and folders.
    """
    name = filename if filename is not None else str(path)
    try:
        info = path.lstat()
    except OSError as exc:
        return _whole_file_error(name, f"cannot read the file: {exc.strerror or exc}")
    problem = not_a_regular_file(info.st_mode)
    if problem:
        return _whole_file_error(name, problem)
    if info.st_size > MAX_BYTES:
        return _whole_file_error(name, _size_message(info.st_size))
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return _whole_file_error(name, f"cannot read the file: {exc.strerror or exc}")
    return load_bytes(raw, name)


def not_a_regular_file(mode: int) -> Optional[str]:
    """Why a file with this ``st_mode`` (from lstat) cannot be a card, or None if it can."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "the file is a symbolic link: cards must be regular files (copy the card here instead of linking it)"
    if stat.S_ISDIR(mode):
        return "this is a folder, not a card file"
    return "not a regular file (a device, pipe or socket): cards are regular files"
