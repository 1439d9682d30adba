"""Validate cards in stages: gather files, check each card, then registry-wide checks.

Public API (used by the CLI and the site builder):

* ``load_registry(root) -> (cards, errors)``: every card under a registry root;
  ``cards`` holds only the cards without errors, ``errors`` every problem found.
* ``validate_paths(paths, jobs=1, keep_cards=True) -> Report``: the same for any
  mix of registry roots and single card files (what ``llmcards validate`` runs,
  with ``jobs`` worker processes and without keeping the cards).

Nothing here raises for bad input; every problem is a located ``CardError``.
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from generator.benchmarks import Catalog, load_catalog
from generator.calc.catalogs import catalog_errors
from generator.card import Card
from generator.checks import check_card, parameter_counter
from generator.errors import CardError
from generator.load import Loaded, load_file
from generator.schema_check import Problem, SchemaChecker
from generator.schema_files import card_schema

CARD_SUFFIX = ".yaml"


@dataclass(frozen=True)
class Target:
    """One file to check: its path, how to print it, and the id its location implies."""

    path: Path
    display: str
    expected_id: Optional[str]
    location_problem: Optional[str] = None


@dataclass
class Report:
    cards: list = field(default_factory=list)  # list[Card], only those without errors
    errors: list = field(default_factory=list)  # list[CardError], sorted by file and line
    files: int = 0

    @property
    def files_with_errors(self) -> int:
        return len({e.file for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


# -- stage 1: gather ---------------------------------------------------------

def _id_from(parts: Sequence[str]) -> Optional[str]:
    if len(parts) != 2 or not parts[1].endswith(CARD_SUFFIX):
        return None
    return f"{parts[0]}/{parts[1][: -len(CARD_SUFFIX)]}"


def _card_files(root: Path) -> list[tuple[str, ...]]:
    """Relative parts of every .yaml/.yml file under ``root``, sorted as paths sort.

    ``os.scandir`` with an explicit stack: no Path object per directory entry
    (a thousand of them cost more than the walk), and symlinked directories are
    not entered (a link loop cannot hang the run).
    """
    found: list[tuple[str, ...]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while pending:
        directory, rel = pending.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    name = entry.name
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, rel + (name,)))
                    elif name.endswith((".yaml", ".yml")) and name not in (".yaml", ".yml") and entry.is_file():
                        found.append(rel + (name,))
        except OSError:
            continue  # an unreadable folder holds no cards we can check
    found.sort()
    return found


def gather(paths: Iterable[Path | str]) -> tuple[list[Target], list[CardError]]:
    """Files to check. A directory is a registry root (ids relative to it); a file is checked on its own."""
    targets: list[Target] = []
    keys: list[str] = []
    errors: list[CardError] = []
    for given in paths:
        given_path = Path(given)
        if given_path.is_dir():
            base = str(given_path)
            absolute = os.path.abspath(base)
            for rel in _card_files(given_path):
                joined = os.path.join(*rel)
                display = joined if base == "." else os.path.join(base, joined)
                targets.append(_target(Path(display), display, rel))
                keys.append(os.path.join(absolute, joined))
        elif given_path.is_file():
            display = str(given_path)
            targets.append(_target(given_path, display, given_path.parts[-2:]))
            keys.append(os.path.abspath(given_path))
        else:
            errors.append(CardError(str(given_path), 0, 0, (), "no such file or directory"))
    unique = []
    seen: set[str] = set()
    for t, key in zip(targets, keys):
        key = os.path.normcase(key)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return unique, errors


def _target(path: Path, display: str, rel: Sequence[str]) -> Target:
    if path.suffix == ".yml":
        return Target(path, display, None, "cards use the .yaml extension: rename this file to .yaml")
    expected = _id_from(rel)
    if expected is None:
        return Target(path, display, None, "cards live at <registry>/<org>/<model>.yaml: move this file into its organization's folder")
    return Target(path, display, expected)


# -- stage 2: each card --------------------------------------------------------

class CardValidator:
    """Checks single cards against the schema, the cross-field rules and the catalog."""

    def __init__(self, schema: Optional[Mapping[str, Any]] = None, catalog: Optional[Catalog] = None) -> None:
        self.schema = schema if schema is not None else card_schema()
        self.checker = SchemaChecker(self.schema)
        self.catalog = catalog if catalog is not None else load_catalog()
        self.count = parameter_counter()

    def validate(self, target: Target) -> tuple[Optional[Card], list[CardError], Optional[Loaded]]:
        # Plain YAML 1.2, as editors and the published schema read it: a bare 2024 is an integer.
        loaded = load_file(target.path, target.display)
        if loaded.data is None or loaded.errors:
            return None, list(loaded.errors), loaded
        data = loaded.data
        schema_problems = self.checker.check(data)
        # The parameter count needs a well-formed architecture, so it waits for a clean schema check.
        problems = schema_problems + check_card(
            data, self.catalog.benchmarks or None, None if schema_problems else self.count
        )
        problems += self._location(target, data)
        errors = [_locate(target.display, loaded, p) for p in problems]
        card = None
        if not errors:
            card = Card(data["id"], target.path, target.display, data, loaded.positions)
        return card, errors, loaded

    @staticmethod
    def _location(target: Target, data: Mapping) -> list[Problem]:
        if target.location_problem:
            return [Problem((), target.location_problem)]
        card_id = data.get("id")
        if isinstance(card_id, str) and target.expected_id is not None and card_id != target.expected_id:
            return [Problem(("id",), f"id {card_id!r} does not match the file's location: expected {target.expected_id!r}")]
        return []


def _locate(display: str, loaded: Loaded, problem: Problem) -> CardError:
    line, col = loaded.positions.locate(problem.path, key=problem.at_key)
    return CardError(display, line, col, tuple(problem.path), problem.message)


# -- stage 3: registry-wide ----------------------------------------------------

@dataclass(frozen=True)
class _Outcome:
    """What one card's check hands back to the registry-wide stage."""

    target: Target
    card: Optional[Card]
    errors: list
    card_id: Optional[str]
    id_position: tuple


def _check(validator: CardValidator, target: Target) -> _Outcome:
    card, errors, loaded = validator.validate(target)
    card_id = loaded.data.get("id") if loaded is not None and loaded.data else None
    position = loaded.positions.locate(("id",)) if loaded is not None else (0, 0)
    return _Outcome(target, card, errors, card_id if isinstance(card_id, str) else None, position)


def _duplicate_ids(outcomes: Sequence[_Outcome]) -> list[CardError]:
    first: dict[str, str] = {}
    errors = []
    for o in outcomes:
        if o.card_id is None:
            continue
        if o.card_id in first:
            line, col = o.id_position
            errors.append(CardError(o.target.display, line, col, ("id",), f"id {o.card_id!r} is already used by {first[o.card_id]}"))
        else:
            first[o.card_id] = o.target.display
    return errors


def default_jobs(n_targets: int) -> int:
    """Worker processes worth using: one per CPU, but at least ~100 cards each (a fork costs ~10 ms)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_targets // 100))


def _check_all(validator: CardValidator, targets: Sequence[Target], keep_cards: bool) -> list[_Outcome]:
    outcomes = [_check(validator, t) for t in targets]
    if not keep_cards:
        outcomes = [_Outcome(o.target, None, o.errors, o.card_id, o.id_position) for o in outcomes]
    return outcomes


def _check_parallel(validator: CardValidator, targets: Sequence[Target], jobs: int, keep_cards: bool) -> list[_Outcome]:
    """Split the targets over ``jobs`` processes (this one plus forked children, in file order).

    Forked children inherit the compiled schema and catalog, check their share
    and send the outcomes back pickled through a pipe. Forking is only safe
    with a single thread, and only exists on POSIX; otherwise, or if a child
    fails for any reason, the work is done here.
    """
    if jobs <= 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return _check_all(validator, targets, keep_cards)
    size = -(-len(targets) // jobs)
    chunks = [targets[i:i + size] for i in range(0, len(targets), size)]
    children = []
    for chunk in chunks[1:]:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(read_fd)
                data = pickle.dumps(_check_all(validator, chunk, keep_cards), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        children.append((pid, read_fd, chunk))
    outcomes = _check_all(validator, chunks[0], keep_cards)
    for pid, read_fd, chunk in children:
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        part = None
        if status == 0 and data:
            try:
                part = pickle.loads(data)
            except Exception:  # a damaged message: redo that share here
                part = None
        outcomes.extend(part if part is not None else _check_all(validator, chunk, keep_cards))
    return outcomes


def validate_paths(
    paths: Iterable[Path | str],
    validator: Optional[CardValidator] = None,
    *,
    jobs: Optional[int] = 1,
    keep_cards: bool = True,
) -> Report:
    """Check every card under ``paths`` and return all errors (never stops at the first).

    ``jobs`` > 1 spreads the cards over that many processes (POSIX; None: one
    per CPU when there are enough cards, see ``default_jobs``). With
    ``keep_cards=False`` the report's ``cards`` list stays empty (the CLI only
    needs the errors, and sending cards between processes costs more than it saves).
    """
    targets, errors = gather(paths)
    validator = validator or CardValidator()
    errors.extend(validator.catalog.errors)
    errors.extend(catalog_errors())  # the calculator's catalogs (quantizations, GPUs): every page needs them
    # Cards are trees without cycles: the cyclic collector only costs time here.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        n_jobs = default_jobs(len(targets)) if jobs is None else jobs
        outcomes = _check_parallel(validator, targets, n_jobs, keep_cards)
    finally:
        if gc_was_enabled:
            gc.enable()
    for o in outcomes:
        errors.extend(o.errors)
    registry_errors = _duplicate_ids(outcomes)
    errors.extend(registry_errors)
    bad_files = {e.file for e in registry_errors}
    cards = [o.card for o in outcomes if o.card is not None and o.target.display not in bad_files]
    errors.sort(key=CardError.sort_key)
    return Report(cards=cards, errors=errors, files=len(targets))


def load_registry(root: Path | str) -> tuple[list[Card], list[CardError]]:
    """Every valid card under a registry root, and every error (empty when all is well)."""
    report = validate_paths([root])
    return report.cards, report.errors
