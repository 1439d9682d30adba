"""Every card's history: the dated changes to its facts, from git.

One ``git log`` lists every commit that touched a card file (with the blob ids of the file before
and after, renames followed), and one ``git cat-file --batch`` reads all those blobs; each
version is parsed with the cards' own loader and compared field by field. Two git processes per
build, however many cards there are.

A commit's entry in a card's history::

    {"commit": "1a2b3c4", "hash": "<40 hex>", "url": "<repo>/commit/<hash>" or None,
     "date": "YYYY-MM-DD", "subject": "...", "action": "added" | "changed" | "renamed",
     "renamed_from": "<org>/<model>" (renames only),
     "changes": [{"field": "parameters.total", "from": ..., "to": ...}, ...]}

newest first. A field that did not exist is ``from: null``; a removed one is ``to: null``. List
items are named by their key where they have one (``evaluations[mmlu]``, ``sources[<url>]``),
else by position (``modalities.input`` is compared as a whole).

Outside a git checkout (a build from a tarball), or without git, there is no history and
``Histories.note`` says why; a shallow clone gives the history it has, with a note that says so.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from generator.load import load_bytes

# A card file, relative to the registry folder: <org>/<model>.yaml
CARD_PATH = re.compile(r"^[^/]+/[^/]+\.yaml$")
NULL_BLOB = "0" * 40
# Lists whose items are named by one of their fields rather than by position.
LIST_KEYS = {"evaluations": "benchmark", "sources": "url"}
GIT_TIMEOUT_S = 120

NO_GIT_NOTE = ("No change history: this site was built from a copy of the registry without its "
               "git history.")
SHALLOW_NOTE = ("The change history is partial: this site was built from a shallow git clone, "
                "so changes older than its first commit are not listed.")

Change = dict[str, Any]
Entry = dict[str, Any]


@dataclass
class Histories:
    """Card id -> its history entries (newest first), and a note when the history is missing or partial."""

    cards: dict[str, list[Entry]] = field(default_factory=dict)
    note: str | None = None

    def record(self, card_id: str) -> dict[str, Any]:
        """The ``history`` value of a card's API record."""
        return {"entries": self.cards.get(card_id, []), "note": self.note}


# -- comparing two versions of a card -------------------------------------------

def _item_keys(path: str, items: Sequence[Any]) -> list[str] | None:
    """Names for a list's items (``[mmlu]``), or None when they are compared by position."""
    key = LIST_KEYS.get(path)
    if key is None or not all(isinstance(i, Mapping) and isinstance(i.get(key), (str, int)) for i in items):
        return None
    names = [str(i[key]) for i in items]
    return names if len(set(names)) == len(names) else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def diff(old: Any, new: Any, path: str = "") -> list[Change]:
    """Changed field paths between two versions of a card (mapping, list or scalar), in document order."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[Change] = []
        keys = list(new) + [k for k in old if k not in new]
        for k in keys:
            if k not in old:
                out.append({"field": _join(path, k), "from": None, "to": new[k]})
            elif k not in new:
                out.append({"field": _join(path, k), "from": old[k], "to": None})
            else:
                out.extend(diff(old[k], new[k], _join(path, k)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        old_names, new_names = _item_keys(path, old), _item_keys(path, new)
        if old_names is not None and new_names is not None:
            before = dict(zip(old_names, old, strict=True))
            after = dict(zip(new_names, new, strict=True))
            return _diff_named(before, after, path)
        if old and new and len(old) == len(new) and all(isinstance(i, (Mapping, list)) for i in old + new):
            return [c for n, (a, b) in enumerate(zip(old, new, strict=True)) for c in diff(a, b, f"{path}[{n}]")]
    return [{"field": path, "from": old, "to": new}]


def _diff_named(before: Mapping[str, Any], after: Mapping[str, Any], path: str) -> list[Change]:
    out: list[Change] = []
    for name in list(after) + [n for n in before if n not in after]:
        item = f"{path}[{name}]"
        if name not in before:
            out.append({"field": item, "from": None, "to": after[name]})
        elif name not in after:
            out.append({"field": item, "from": before[name], "to": None})
        else:
            out.extend(diff(before[name], after[name], item))
    return out


# -- reading git ------------------------------------------------------------------

@dataclass(frozen=True)
class FileChange:
    """One card file in one commit, as ``git log --raw`` lists it."""

    status: str          # A, M, D or R
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


@dataclass
class Commit:
    hash: str
    short: str
    date: str
    subject: str
    files: list[FileChange] = field(default_factory=list)


COMMIT_MARK = "\x1e"   # starts each commit's header line in our --format
FORMAT = f"{COMMIT_MARK}%H%x1f%cs%x1f%s"
SHORT = 7    # characters of a short commit hash


def parse_log(output: str) -> list[Commit]:
    """Commits of ``git log --raw --no-abbrev --format=FORMAT``, in the order git printed them."""
    commits: list[Commit] = []
    for line in output.split("\n"):     # not splitlines(): it splits at the separators too
        if line.startswith(COMMIT_MARK):
            h, date, subject = (line[1:].split("\x1f") + ["", ""])[:3]
            commits.append(Commit(h, h[:SHORT], date, subject))
        elif line.startswith(":") and commits:
            meta, _, paths = line.partition("\t")
            parts = meta.split()
            if len(parts) < 5:
                continue
            status = parts[4][:1]
            names = paths.split("\t")
            old_path = names[0]
            new_path = names[1] if status in "RC" and len(names) > 1 else names[0]
            if status == "C":   # a copy is a new file as far as its history goes
                status, old_path = "A", new_path
            commits[-1].files.append(FileChange(status, parts[2], parts[3], old_path, new_path))
    return commits


def _git(root: Path, args: list[str], stdin: bytes | None = None) -> bytes | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), "-c", "core.quotePath=false", *args],
                              input=stdin, capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def read_blobs(root: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """The content of each blob id, from one ``git cat-file --batch``."""
    if not blobs:
        return {}
    out = _git(root, ["cat-file", "--batch"], "".join(f"{b}\n" for b in blobs).encode())
    if out is None:
        return {}
    found: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].decode(errors="replace").split()
        pos = end + 1
        if len(header) == 3 and header[1] == "blob":
            size = int(header[2])
            found[header[0]] = out[pos:pos + size]
            pos += size + 1      # the content and its trailing newline
    return found


# -- putting it together -------------------------------------------------------------

def _card_id(path: str) -> str:
    return path[: -len(".yaml")]


def _parse(raw: bytes | None, path: str) -> Any:
    if raw is None:
        return None
    return load_bytes(raw, path).data


def _parser(blobs: Mapping[str, bytes]) -> Callable[[str, str], Any]:
    """Parse each blob once: a version is the "after" of one commit and the "before" of the next."""
    parsed: dict[str, Any] = {}

    def parse(blob: str, path: str) -> Any:
        if blob not in parsed:
            parsed[blob] = _parse(blobs.get(blob), path)
        return parsed[blob]
    return parse


def build(commits: Sequence[Commit], blobs: Mapping[str, bytes], commit_url: str | None = None) -> dict[str, list[Entry]]:
    """Card id (its current path) -> history entries, newest first.

    ``commits`` are oldest first with parents before children (``git log --reverse --topo-order``).
    A file's identity follows its renames; a path deleted and later added again starts afresh.
    """
    parse = _parser(blobs)
    identity: dict[str, int] = {}        # path -> file identity
    entries: dict[int, list[Entry]] = {}
    current: dict[int, str] = {}         # identity -> its latest path
    for c in commits:
        for f in c.files:
            old_card, new_card = bool(CARD_PATH.match(f.old_path)), bool(CARD_PATH.match(f.new_path))
            if f.status == "R" and not (old_card and new_card):   # moved in or out of the cards
                f = FileChange("A" if new_card else "D", NULL_BLOB, f.new_blob, f.new_path if new_card
                               else f.old_path, f.new_path if new_card else f.old_path)
            if not CARD_PATH.match(f.new_path):
                continue
            if f.status == "A" or (f.status in "MR" and f.old_path not in identity):
                ident = identity[f.new_path] = len(entries)
                entries[ident] = []
            elif f.status == "D":
                gone = identity.pop(f.old_path, None)
                if gone is not None:
                    current.pop(gone, None)
                continue
            else:
                ident = identity[f.old_path]
                identity[f.new_path] = ident     # the old path stays an alias (a branch may still edit it)
            current[ident] = f.new_path
            if f.status == "A":
                action, changes = "added", []     # (its content is parsed when the next change needs it)
            else:
                action = "renamed" if f.status == "R" and f.old_path != f.new_path else "changed"
                before, after = parse(f.old_blob, f.old_path), parse(f.new_blob, f.new_path)
                changes = diff(before, after) if before is not None and after is not None else []
                if not changes and action == "changed":
                    continue     # formatting or comments only: no fact changed
            entry: Entry = {"commit": c.short, "hash": c.hash,
                            "url": f"{commit_url}/{c.hash}" if commit_url else None,
                            "date": c.date, "subject": c.subject, "action": action, "changes": changes}
            if action == "renamed":
                entry["renamed_from"] = _card_id(f.old_path)
            entries[ident].append(entry)
    return {_card_id(path): entries[ident][::-1] for ident, path in current.items()
            if identity.get(path) == ident}


def card_histories(root: Path, commit_url: str | None = None) -> Histories:
    """Every card's history under the registry folder ``root``; ``commit_url``: the repository's
    commit URL prefix (``https://github.com/o/r/commit``), if known."""
    log = _git(root, ["log", "--reverse", "--topo-order", "-M", "--raw", "--no-abbrev", "--relative",
                      f"--format={FORMAT}", "--", "."])
    if log is None:
        return Histories(note=NO_GIT_NOTE)
    commits = parse_log(log.decode("utf-8", errors="replace"))
    wanted = sorted({b for c in commits for f in c.files for b in (f.old_blob, f.new_blob)
                     if b != NULL_BLOB and CARD_PATH.match(f.new_path)})
    cards = build(commits, read_blobs(root, wanted), commit_url)
    shallow = _git(root, ["rev-parse", "--is-shallow-repository"])
    note = SHALLOW_NOTE if shallow is not None and shallow.strip() == b"true" else None
    return Histories(cards, note)


# -- the model page's "History" section ---------------------------------------------

VALUE_CHARS = 80     # a longer value (a whole evaluation, a description) is cut on the page; the API has it all


def value_text(value: Any) -> str:
    """A field value as the page shows it: null as "none", text as is, lists and mappings as compact JSON."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def page_view(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What generator/templates/history.html shows of a card's ``history`` record (None: no section)."""
    if record is None:
        return None
    entries = [{**e, "changes": [{"field": c["field"], "from": value_text(c["from"]), "to": value_text(c["to"])}
                                 for c in e["changes"]]}
               for e in record.get("entries") or []]
    return {"entries": entries, "note": record.get("note"),
            "count": sum(max(len(e["changes"]), 1) for e in entries)}
