"""Last change date of every card, from a single ``git log`` pass."""

from __future__ import annotations

import subprocess
from pathlib import Path


def parse_git_log(output: str) -> dict[str, str]:
    """Map path -> date of its newest commit.

    ``output`` is ``git log --format=@@%cs --name-only``: newest commit first,
    so the first date seen for a path is its last change.
    """
    dates: dict[str, str] = {}
    current = ""
    for line in output.splitlines():
        if line.startswith("@@"):
            current = line[2:].strip()
        elif line.strip() and current:
            dates.setdefault(line.strip(), current)
    return dates


def last_changes(root: Path) -> dict[str, str]:
    """Path relative to ``root`` -> YYYY-MM-DD; empty outside a git checkout."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "log", "--format=@@%cs", "--name-only", "--relative", "--", "."],
            capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if proc.returncode != 0:
        return {}
    return parse_git_log(proc.stdout)
