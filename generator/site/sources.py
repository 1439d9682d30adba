"""Adapters onto the other stages: loading cards, catalogs and derived figures.

The loader/validator (generator.load, generator.validate) and the calculator
(generator.calc) are owned by other modules; this file is the only place the
site touches their APIs, so an API change is fixed here once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml


@dataclass
class Registry:
    """Everything the site needs, loaded once per build."""

    root: Path
    cards: list[dict[str, Any]]                      # plain mappings, sorted by id
    paths: dict[str, Path]                            # card id -> YAML file
    catalogs: Any = None                              # whatever the calculator loads
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)   # formatted validator messages


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


class _StringDates(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that keeps YYYY-MM-DD as strings (cards store dates as text)."""


_StringDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_StringDates)  # noqa: S506 - SafeLoader subclass


def _as_mapping(card: Any) -> dict[str, Any]:
    """The validator may hand back a typed Card; the site works on plain mappings."""
    if isinstance(card, Mapping):
        return dict(card)
    for attr in ("data", "raw", "mapping"):
        value = getattr(card, attr, None)
        if isinstance(value, Mapping):
            return dict(value)
    if hasattr(card, "to_dict"):
        return dict(card.to_dict())
    raise TypeError(f"cannot read card of type {type(card).__name__}")


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def format_errors(errors: list[Any]) -> list[str]:
    validate = _optional("generator.validate")
    load = _optional("generator.load")
    for mod in (validate, load):
        for name in ("format_errors", "format_error_text", "format_text"):
            fn = getattr(mod, name, None) if mod else None
            if fn is not None:
                text = fn(errors)
                return [text] if isinstance(text, str) else list(text)
    out = []
    for err in errors:
        fmt = getattr(err, "format", None)
        out.append(fmt() if callable(fmt) else str(err))
    return out


def load_cards(root: Path) -> tuple[list[dict[str, Any]], dict[str, Path], list[str]]:
    """Cards under ``root`` (validated when the validator is present) and error messages."""
    fn = None
    for modname in ("generator.validate", "generator.load"):
        mod = _optional(modname)
        fn = getattr(mod, "load_registry", None) if mod else None
        if fn is not None:
            break
    paths: dict[str, Path] = {}
    if fn is not None:
        cards_raw, errors = fn(root)
        if errors:
            return [], {}, format_errors(list(errors))
        cards = [_as_mapping(c) for c in cards_raw]
    else:  # fallback until the loader lands: plain YAML, no validation
        cards = [read_yaml(p) for p in sorted(root.glob("*/*.yaml"))]
    for card in cards:
        paths[card["id"]] = root / (card["id"] + ".yaml")
    cards.sort(key=lambda c: c["id"])
    return cards, paths, []


def load_catalogs(schema_dir: Path) -> Any:
    """The calculator's catalogs (quantizations, GPUs), or None if not available."""
    for modname, fname in (
        ("generator.calc.catalogs", "load_catalogs"),
        ("generator.calc.catalog", "load_catalogs"),
        ("generator.catalogs", "load_catalogs"),
    ):
        mod = _optional(modname)
        fn = getattr(mod, fname, None) if mod else None
        if fn is not None:
            try:
                return fn(schema_dir)
            except TypeError:
                return fn()
    return None


def load_benchmarks(schema_dir: Path) -> list[dict[str, Any]]:
    path = schema_dir / "benchmarks.yaml"
    if not path.exists():
        return []
    data = read_yaml(path)
    if isinstance(data, Mapping):
        data = data.get("benchmarks", [])
    return [dict(b) for b in (data or [])]


def derive(card: Mapping[str, Any], catalogs: Any) -> dict[str, Any] | None:
    """The calculator's derived figures for one card (None without the calculator).

    Derived figures are large (every quantization x context); the site computes
    them one card at a time and does not keep them, so memory stays flat.
    """
    calc = _optional("generator.calc")
    fn = getattr(calc, "derive", None) if calc else None
    if fn is None or catalogs is None:
        return None
    return fn(card, catalogs)


def load_all(root: Path, schema_dir: Path) -> Registry:
    cards, paths, errors = load_cards(root)
    if errors:
        return Registry(root=root, cards=[], paths={}, errors=errors)
    catalogs = load_catalogs(schema_dir)
    return Registry(
        root=root,
        cards=cards,
        paths=paths,
        catalogs=catalogs,
        benchmarks=load_benchmarks(schema_dir),
    )
