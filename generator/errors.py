"""The error value every stage returns: where (file, line, column, field) and why.

Errors are plain values, never exceptions, so a run can report every problem
in every file at once. Formatting lives here too so the CLI, CI annotations and
the site builder print them the same way.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

# A location inside a card: mapping keys (str) and list indexes (int).
FieldPath = tuple[Union[str, int], ...]


def dotted(path: Sequence[str | int]) -> str:
    """``('sources', 0, 'url')`` -> ``sources[0].url``; the empty path -> ``(top level)``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def json_path(path: Sequence[str | int]) -> str:
    """``('sources', 0, 'url')`` -> ``$.sources[0].url``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass(frozen=True)
class CardError:
    """One problem in one file. ``line``/``column`` are 1-based.

    A problem with the whole file (too big, not UTF-8, not a regular file)
    points at line 1, column 1: every error line has the same shape.
    """

    file: str
    line: int
    column: int
    path: FieldPath
    message: str

    def __post_init__(self) -> None:
        if self.line < 1:
            object.__setattr__(self, "line", 1)
        if self.column < 1:
            object.__setattr__(self, "column", 1)

    @property
    def field(self) -> str:
        return dotted(self.path)

    @property
    def json_path(self) -> str:
        return json_path(self.path)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.message)

    def format(self) -> str:
        """``registry/meta/x.yaml:14:3: architecture.attention.kv_heads: message``, always one line.

        Control characters (newlines included) in the file name, the field or the
        message are written as escapes, so a crafted name cannot split or forge a line.
        """
        return one_line(f"{self.file}:{self.line}:{self.column}: {self.field}: {self.message}")

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.field,
            "json_path": self.json_path,
            "message": self.message,
        }

    def github(self) -> str:
        """A GitHub Actions workflow command that annotates the line in a pull request."""
        msg = _gh_escape_data(f"{self.field}: {self.message}")
        props = f"file={_gh_escape_prop(self.file)},line={self.line},col={self.column}"
        return _escape_surrogates(f"::error {props}::{msg}")


# Characters that would break or disguise a line of text output: control
# characters (newline, carriage return, escape, ...), line/paragraph separators,
# invisible format characters (bidi overrides, zero-width joiners) and lone
# surrogates (from undecodable file names; they cannot even be printed).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def one_line(text: str) -> str:
    """``text`` with every unsafe character written as a Python-style escape (``\\n``, ``\\u202e``)."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch != " " and unicodedata.category(ch) in _UNSAFE_CATEGORIES:
            code = ord(ch)
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or
                       (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"))
        else:
            out.append(ch)
    return "".join(out)


def _escape_surrogates(text: str) -> str:
    """Lone surrogates as ``\\udcxx`` (also a valid JSON escape): they cannot be encoded as UTF-8."""
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_text(errors: Iterable[CardError]) -> str:
    return "\n".join(e.format() for e in errors)


def format_json(errors: Iterable[CardError]) -> str:
    return _escape_surrogates(json.dumps([e.to_dict() for e in errors], indent=2, ensure_ascii=False))


def format_github(errors: Iterable[CardError]) -> str:
    return "\n".join(e.github() for e in errors)
