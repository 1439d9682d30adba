"""The sub-commands, one module each (NAME, HELP, add_arguments, run), and what they share."""

from __future__ import annotations

import argparse
from typing import Callable, Optional


def positive_int(most: Optional[int] = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from 1 to ``most`` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
        if most is not None and value > most:
            shown = text if len(text) < 30 else text[:20] + "..."
            raise argparse.ArgumentTypeError(f"must be at most {most:,}, got {shown}")
        return value

    return parse
