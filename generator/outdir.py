"""Which folders `llmcards build --out DIR` may replace, and the marker that tells.

A build writes the site into a new folder beside DIR and then swaps it in, so
whatever DIR held is deleted. That is only safe for a folder the build made
itself, so every build leaves a marker file (``MARKER``) in its output and the
rules are:

* DIR may be replaced when it does not exist yet, is an empty folder, or holds
  the marker (a previous build);
* DIR is refused, marker or not, when it is the filesystem root, the home
  folder or a folder above it, an existing file, a path below a file, or one of
  the project's own folders (the folder with mkdocs.yml, the registry, the docs
  dir, the schema folder), a folder above one of them, or a folder inside the
  registry, the docs dir or the schema folder; and when it holds a ``.git``.

``refusal`` only reads the disk; ``new_build_folder`` and ``swap_in`` create
and rename the folders the build itself owns.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

MARKER = ".llmcards-build"
MARKER_TEXT = (
    "This folder was written by `llmcards build`.\n"
    "The next build into it deletes everything here and writes the site again;\n"
    "llmcards only ever replaces a folder that holds this file (or an empty one).\n"
    "Do not keep your own files in this folder.\n"
)


@dataclass(frozen=True)
class Kept:
    """A folder of the project that no build may replace.

    ``label`` names it in messages ("the registry folder"); with ``inside`` a
    folder below it is refused too (the output must not mix with the cards,
    the hand-written pages or the schema).
    """

    label: str
    path: Path
    inside: bool = True


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _is_above(folder: Path, path: Path) -> bool:
    """True when ``path`` lies strictly below ``folder``."""
    return folder in path.parents


def refusal(out: Path, kept: Iterable[Kept], home: Optional[Path] = None) -> Optional[str]:
    """Why the build must not replace ``out``; None when it may. Reads the disk, changes nothing."""
    try:
        target = _resolved(out)
    except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable folder
        return f"cannot resolve the path ({exc})"
    if target == Path(target.anchor):
        return "refusing to replace the filesystem root"
    home = _resolved(home if home is not None else Path.home())
    if target == home or _is_above(target, home):
        return f"refusing to replace {'the home folder' if target == home else 'a folder that holds the home folder'}"
    for k in kept:
        path = _resolved(k.path)
        if target == path:
            return f"refusing to replace {k.label} ({path})"
        if _is_above(target, path):
            return f"refusing to replace a folder that holds {k.label} ({path})"
        if k.inside and _is_above(path, target):
            return f"refusing to write the site inside {k.label} ({path})"
    if target.exists() and not target.is_dir():
        return f"refusing to replace {target}: it is a file, not a folder"
    if not target.exists():
        parent = next(p for p in target.parents if p.exists())  # the root always exists
        if not parent.is_dir():
            return f"cannot create a folder there: {parent} is a file, not a folder"
        return None
    try:
        entries = sorted(os.listdir(target))
    except OSError as exc:
        return f"cannot read the folder ({exc.strerror or exc})"
    if not entries:
        return None
    if ".git" in entries:
        return f"refusing to replace {target}: it holds a git repository (.git)"
    if MARKER in entries and (target / MARKER).is_file():
        return None
    shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
    return (
        f"refusing to replace {target} (it holds files llmcards did not write: {shown}); "
        f"choose a new or empty folder, or the output of an earlier build (it holds {MARKER})"
    )


def new_build_folder(out: Path) -> Path:
    """A fresh, empty folder beside ``out`` to build into (same filesystem, so the swap is a rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))


def write_marker(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def swap_in(built: Path, out: Path) -> None:
    """Replace ``out`` (checked by ``refusal``) by ``built`` with renames; the old output goes last.

    The old output is first moved into a new folder of our own, so the only
    folder ever deleted is one this build made.
    """
    holder = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    try:
        old = holder / out.name
        if out.exists():
            out.rename(old)
        try:
            built.rename(out)
        except OSError:
            if old.exists():
                old.rename(out)
            raise
    finally:
        shutil.rmtree(holder, ignore_errors=True)
