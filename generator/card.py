"""The validated card handed to later stages (calculator, site builder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

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
