"""The error value every stage returns: where (file, line, column, field) and why.

Errors are plain values, never exceptions, so a run can report every problem
in every file at once. Formatting lives here too so the CLI, CI annotations and
the site builder print them the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Sequence

# A location inside a card: mapping keys (str) and list indexes (int).
FieldPath = tuple  # tuple[str | int, ...]


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
    """One problem in one file. ``line``/``column`` are 1-based; 0 when unknown."""

    file: str
    line: int
    column: int
    path: FieldPath
    message: str

    @property
    def field(self) -> str:
        return dotted(self.path)

    @property
    def json_path(self) -> str:
        return json_path(self.path)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.message)

    def format(self) -> str:
        """``registry/meta/x.yaml:14:3: architecture.attention.kv_heads: message``."""
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.field}: {self.message}"

    def to_dict(self) -> dict:
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
        props = f"file={_gh_escape_prop(self.file)}"
        if self.line:
            props += f",line={self.line},col={self.column or 1}"
        return f"::error {props}::{msg}"


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_text(errors: Iterable[CardError]) -> str:
    return "\n".join(e.format() for e in errors)


def format_json(errors: Iterable[CardError]) -> str:
    return json.dumps([e.to_dict() for e in errors], indent=2, ensure_ascii=False)


def format_github(errors: Iterable[CardError]) -> str:
    return "\n".join(e.github() for e in errors)
