"""The validated card handed to later stages (calculator, site builder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from generator.errors import FieldPath
from generator.load import Positions


@dataclass(frozen=True)
class Card:
    """One card: its id, where it came from, its data and where each value was written.

    ``data`` is the YAML mapping as plain Python values (dates are strings).
    ``positions.locate(("architecture", "layers"))`` gives the 1-based
    (line, column) for messages that point back into the file.
    """

    id: str
    path: Path
    display_path: str
    data: Mapping[str, Any]
    positions: Positions

    def get(self, *path: str | int, default: Any = None) -> Any:
        """``card.get("architecture", "attention", "heads")``; ``default`` when absent or null."""
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return default if node is None else node


def schema_text_paths(schema: Mapping[str, Any]) -> frozenset[tuple[str, ...]]:
    """Paths whose schema is the partial-date definition ('*' stands for any list index).

    The loader keeps plain numbers there as text, so a bare ``2024`` stays "2024".
    """
    found: set[tuple[str, ...]] = set()

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        if str(node.get("$ref", "")).endswith("/partial_date"):
            found.add(path)
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, path + (key,))
        if isinstance(node.get("items"), Mapping):
            walk(node["items"], path + ("*",))

    walk(schema, ())
    return frozenset(found)


def text_path_predicate(paths: frozenset[tuple[str, ...]]) -> Callable[[FieldPath], bool]:
    """``keep_text(path)``: is ``path`` one of ``paths`` (any list index matching '*')?"""
    last_keys = frozenset(p[-1] for p in paths if p)

    def keep_text(path: FieldPath) -> bool:
        # The loader asks for every number: most are rejected by their last key alone.
        if not path or ("*" if isinstance(path[-1], int) else path[-1]) not in last_keys:
            return False
        return tuple("*" if isinstance(p, int) else p for p in path) in paths

    return keep_text
