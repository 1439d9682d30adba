"""Validate cards in stages: gather files, check each card, then registry-wide checks.

Public API (used by the CLI and the site builder):

* ``load_registry(root) -> (cards, errors)``: every card under a registry root;
  ``cards`` holds only the cards without errors, ``errors`` every problem found.
* ``validate_paths(paths, jobs=1, keep_cards=True) -> Report``: the same for any
  mix of folders and single card files (what ``llmcards validate`` runs, with
  ``jobs`` worker processes and without keeping the cards).

What a folder given on the command line is (``folder_kind``):

* an **organization folder** when it holds card files (``*.yaml``) directly and
  none of its subfolders holds any: ``registry/meta`` checks ``meta/<model>.yaml``
  ids, as if the whole registry had been given;
* otherwise a **registry root**: cards live at ``<root>/<org>/<model>.yaml``.

Card files must be regular files: symbolic links (to files or folders) are
reported, never followed, so nothing outside the registry can be read or
published through one.

Nothing here raises for bad input; every problem is a located ``CardError``.
Paths that do not exist, and folders without a single card file, are usage
problems (``Report.usage_errors``); the rest is still checked.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
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
CARD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Target:
    """One file to check: its path, how to print it, and the id its location implies."""

    path: Path
    display: str
    expected_id: Optional[str]
    location_problem: Optional[str] = None


@dataclass
class Report:
    cards: list[Card] = field(default_factory=list)  # only those without errors
    errors: list[CardError] = field(default_factory=list)  # sorted by file and line
    files: int = 0
    # Paths that do not exist or hold no card file ("PATH: why"); the rest was still checked.
    usage_errors: list[str] = field(default_factory=list)
    # How the cards were checked: "serial" (this process) or "parallel" (``workers`` processes).
    mode: str = "serial"
    workers: int = 1

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


def _is_card_name(name: str) -> bool:
    return name.endswith(CARD_SUFFIXES) and name not in CARD_SUFFIXES


def _card_files(root: Path) -> list[tuple[str, ...]]:
    """Relative parts of every card file under ``root``, sorted as paths sort.

    ``os.scandir`` with an explicit stack: no Path object per directory entry.
    Symbolic links are listed (the loader reports them) but never entered, so
    a link loop cannot hang the run and nothing outside ``root`` is read.
    """
    found: list[tuple[str, ...]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while pending:
        directory, rel = pending.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    name = entry.name
                    if entry.is_symlink():
                        if _is_card_name(name) or entry.is_dir():
                            found.append(rel + (name,))  # refused, with a located message, by the loader
                    elif entry.is_dir():
                        pending.append((entry.path, rel + (name,)))
                    elif _is_card_name(name):
                        found.append(rel + (name,))  # also devices and pipes: the loader refuses them
        except OSError:
            continue  # an unreadable folder holds no cards we can check
    found.sort()
    return found


def folder_kind(files: Sequence[tuple[str, ...]]) -> str:
    """ "organization" when every card file sits directly in the folder, else "registry"."""
    if files and all(len(rel) == 1 for rel in files):
        return "organization"
    return "registry"


def gather(paths: Iterable[Path | str]) -> tuple[list[Target], list[str]]:
    """Files to check, and usage problems ("PATH: why") for paths that cannot be checked.

    A folder is a registry root or an organization folder (see ``folder_kind``);
    a file is checked on its own, its id taken from its last two path parts.
    """
    targets: list[Target] = []
    keys: list[str] = []
    usage: list[str] = []
    for given in paths:
        given_path = Path(given)
        if given_path.is_dir():  # a link given by name is followed; links inside it are not
            base = str(given_path)
            absolute = os.path.abspath(base)
            files = _card_files(given_path)
            if not files:
                usage.append(f"{given_path}: no card files in this folder (cards are <registry>/<org>/<model>.yaml)")
            org = (Path(absolute).name,) if folder_kind(files) == "organization" else ()
            for rel in files:
                joined = os.path.join(*rel)
                display = joined if base == "." else os.path.join(base, joined)
                targets.append(_target(Path(display), display, org + rel))
                keys.append(os.path.join(absolute, joined))
        elif os.path.lexists(given_path):  # a file, a link, a device: the loader says what is wrong
            display = str(given_path)
            targets.append(_target(given_path, display, Path(os.path.abspath(given_path)).parts[-2:]))
            keys.append(os.path.abspath(given_path))
        else:
            usage.append(f"{given_path}: no such file or directory")
    unique = []
    seen: set[str] = set()
    for t, key in zip(targets, keys, strict=True):
        key = os.path.normcase(key)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return unique, usage


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
        if loaded.data is None:
            return None, list(loaded.errors), loaded
        data = loaded.data
        schema_problems = self.checker.check(data)
        # The parameter count needs a well-formed architecture, so it waits for a clean schema check.
        problems = schema_problems + check_card(
            data, self.catalog.benchmarks or None, None if schema_problems else self.count
        )
        problems += self._location(target, data)
        # A value the loader already reported (a duplicate key, an impossible number) is not reported twice.
        reported = [e.path for e in loaded.errors]
        problems = [p for p in problems if not any(tuple(p.path[: len(r)]) == r for r in reported)]
        errors = list(loaded.errors) + [_locate(target.display, loaded, p) for p in problems]
        card = None
        if not errors:
            card = Card(data["id"], target.path, target.display, data, loaded.positions)
        return card, errors, loaded

    @staticmethod
    def _location(target: Target, data: Mapping[str, Any]) -> list[Problem]:
        if target.location_problem:
            return [Problem((), target.location_problem)]
        card_id = data.get("id")
        if isinstance(card_id, str) and target.expected_id is not None and card_id != target.expected_id:
            return [Problem(("id",), f"id {card_id!r} does not match the file's location: expected {target.expected_id!r}")]
        return []


def _locate(display: str, loaded: Loaded, problem: Problem) -> CardError:
    line, col = loaded.positions.locate(problem.path, key=problem.at_key)
    return CardError(display, line, col, tuple(problem.path), problem.message)


@dataclass(frozen=True)
class _Outcome:
    """What one card's check hands to the registry-wide stage (small: no position map unless kept)."""

    target: Target
    card: Optional[Card]
    errors: list[CardError]
    card_id: Optional[str]
    id_position: tuple[int, int]


def _check(validator: CardValidator, target: Target, keep_card: bool) -> _Outcome:
    """Check one card. The loaded file (and its position map) is dropped here unless the card is kept."""
    try:
        card, errors, loaded = validator.validate(target)
    except Exception as exc:  # a bug of ours: report it on this card and go on with the others
        message = (f"internal error while checking this card ({type(exc).__name__}: {exc}); "
                   "please report it with this card")
        return _Outcome(target, None, [CardError(target.display, 1, 1, (), message)], None, (1, 1))
    card_id = loaded.data.get("id") if loaded is not None and loaded.data else None
    position = loaded.positions.locate(("id",)) if loaded is not None else (1, 1)
    return _Outcome(target, card if keep_card else None, errors,
                    card_id if isinstance(card_id, str) else None, position)


def _check_all(validator: CardValidator, targets: Sequence[Target], keep_cards: bool) -> list[_Outcome]:
    return [_check(validator, t, keep_cards) for t in targets]


# -- parallel checking -----------------------------------------------------------
# Worker processes come from a "forkserver" (POSIX) or "spawn" context: both
# start clean processes, so they are safe however many threads this process
# runs (forking a threaded process can deadlock the child). Each worker builds
# its own validator once, from the schema and catalog sent to it; the targets
# go out and the outcomes (plain picklable values) come back, in order.

_worker_validator: Optional[CardValidator] = None


def _start_worker(schema: Mapping[str, Any], catalog: Catalog) -> None:
    global _worker_validator
    _worker_validator = CardValidator(schema, catalog)


def _check_chunk(targets: Sequence[Target], keep_cards: bool) -> list[_Outcome]:
    assert _worker_validator is not None, "the worker was started without a validator"
    return _check_all(_worker_validator, targets, keep_cards)


def _process_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _check_parallel(validator: CardValidator, targets: Sequence[Target], workers: int, keep_cards: bool) -> list[_Outcome]:
    """Split the targets into ``workers`` runs of neighbouring files, one per process; results in file order."""
    size = -(-len(targets) // workers)
    chunks = [list(targets[i:i + size]) for i in range(0, len(targets), size)]
    outcomes: list[_Outcome] = []
    with ProcessPoolExecutor(
        max_workers=len(chunks),
        mp_context=_process_context(),
        initializer=_start_worker,
        initargs=(validator.schema, validator.catalog),
    ) as pool:
        for part in pool.map(_check_chunk, chunks, [keep_cards] * len(chunks)):
            outcomes.extend(part)
    return outcomes


def default_jobs(n_targets: int) -> int:
    """Worker processes worth using: one per CPU, but at least 500 cards each.

    A worker costs about 0.2 s to start (a fresh interpreter imports the
    validator and builds it), about what checking 250 cards costs.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_targets // 500))


# -- stage 3: registry-wide ----------------------------------------------------

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


# Endings publishers add to their name in some places and not others
# (meta-llama, deepseek-ai, CohereForAI, mistralai, allenai).
_ORG_SUFFIXES = ("forai", "research", "llama", "labs", "lab", "inc", "ai", "org")


def organization_key(org: str) -> str:
    """What look-alike organization names share: lowercase letters and digits, common endings removed.

    ``meta-llama`` -> ``meta``, ``deepseek-ai`` -> ``deepseek``, ``CohereForAI`` -> ``cohere``.
    An ending is kept when removing it would leave fewer than 3 characters.
    """
    key = re.sub(r"[^a-z0-9]", "", org.lower())
    stripped = True
    while stripped:
        stripped = False
        for suffix in _ORG_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 3:
                key = key[: -len(suffix)]
                stripped = True
    return key


def _look_alike_organizations(outcomes: Sequence[_Outcome]) -> list[CardError]:
    """One card per model, under the folder the registry already uses for its publisher.

    Two checks over the card files of this run (``<org>/<model>.yaml`` locations):
    an organization folder whose name is a look-alike of another one (``meta`` and
    ``meta-llama``): the folder with fewer cards (then the later name) is flagged;
    and a model name that already has a card under another organization.
    """
    by_org: dict[str, list[_Outcome]] = {}
    for o in outcomes:
        if o.target.expected_id is not None:
            by_org.setdefault(o.target.expected_id.split("/")[0], []).append(o)
    errors: list[CardError] = []
    flagged: set[str] = set()
    by_key: dict[str, list[str]] = {}
    for org in sorted(by_org):
        by_key.setdefault(organization_key(org), []).append(org)
    for orgs in by_key.values():
        if len(orgs) < 2:
            continue
        keep = sorted(orgs, key=lambda org: (-len(by_org[org]), org))[0]  # most cards, then first name
        example = by_org[keep][0].target.display
        for org in orgs:
            if org == keep:
                continue
            flagged.add(org)
            for o in by_org[org]:
                line, col = o.id_position
                errors.append(CardError(
                    o.target.display, line, col, ("id",),
                    f"organization folder {org!r} looks like the existing {keep!r} (for example {example}): "
                    f"put this publisher's cards under {keep}/",
                ))
    first_by_model: dict[str, tuple[str, str]] = {}
    for org in sorted(by_org):
        for o in by_org[org]:
            model = o.target.expected_id.split("/", 1)[1] if o.target.expected_id else ""
            if model not in first_by_model:
                first_by_model[model] = (org, o.target.display)
                continue
            other_org, other_display = first_by_model[model]
            if other_org == org or org in flagged or other_org in flagged:
                continue
            line, col = o.id_position
            errors.append(CardError(
                o.target.display, line, col, ("id",),
                f"model {model!r} already has a card under another organization: {other_display}; "
                "one card per model, under the folder the registry already uses for its publisher",
            ))
    return errors


def validate_paths(
    paths: Iterable[Path | str],
    validator: Optional[CardValidator] = None,
    *,
    jobs: Optional[int] = 1,
    keep_cards: bool = True,
) -> Report:
    """Check every card under ``paths`` and return all errors (never stops at the first).

    ``jobs`` > 1 spreads the cards over that many worker processes (None: one
    per CPU when there are enough cards, see ``default_jobs``); ``Report.mode``
    and ``Report.workers`` say what ran. The workers are started the way
    multiprocessing's "forkserver"/"spawn" methods start them, so a script that
    asks for them must keep its top-level code under ``if __name__ == "__main__":``
    (the ``llmcards`` command, ``python -m generator`` and pytest do). With ``keep_cards=False`` the report's
    ``cards`` list stays empty and each card's data and position map are dropped
    as soon as it is checked (the CLI only needs the errors; memory stays flat).
    """
    targets, usage = gather(paths)
    validator = validator or CardValidator()
    errors: list[CardError] = list(validator.catalog.errors)
    errors.extend(catalog_errors())  # the calculator's catalogs (quantizations, GPUs): every page needs them
    n_jobs = default_jobs(len(targets)) if jobs is None else jobs
    workers = min(n_jobs, len(targets))
    if workers > 1:
        outcomes = _check_parallel(validator, targets, workers, keep_cards)
    else:
        outcomes = _check_all(validator, targets, keep_cards)
    for o in outcomes:
        errors.extend(o.errors)
    registry_errors = _duplicate_ids(outcomes) + _look_alike_organizations(outcomes)
    errors.extend(registry_errors)
    bad_files = {e.file for e in registry_errors}
    cards = [o.card for o in outcomes if o.card is not None and o.target.display not in bad_files]
    errors.sort(key=CardError.sort_key)
    return Report(cards=cards, errors=errors, files=len(targets), usage_errors=usage,
                  mode="parallel" if workers > 1 else "serial", workers=max(workers, 1))


def load_registry(root: Path | str) -> tuple[list[Card], list[CardError]]:
    """Every valid card under a registry root, and every error (empty when all is well).

    A missing root is an error; an empty one is not (it simply has no cards).
    """
    report = validate_paths([root])
    if not os.path.lexists(root):
        return report.cards, report.errors + [CardError(str(root), 1, 1, (), "no such file or directory")]
    return report.cards, report.errors
