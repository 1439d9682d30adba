"""`llmcards import-hf`: print a card draft from a Hugging Face config.json."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

from generator.importers.hf import SUPPORTED_TYPES, ImportErrorHF, card_draft

NAME = "import-hf"
HELP = "Print a card draft (architecture filled, other fields null) from a Hugging Face config.json."

SCHEMA_LINE = "# yaml-language-server: $schema=https://llmcards.github.io/llmcards/schema/model-card.schema.json"
_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9.-]*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="path to config.json")
    parser.add_argument("--id", required=True, dest="card_id", help="card id, <org>/<model> (lowercase)")


def read_config(path: Path) -> dict:
    """Parse config.json; ImportErrorHF with file:line:column on bad JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportErrorHF(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ImportErrorHF(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportErrorHF(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ImportErrorHF(f"{path}: config.json must hold a JSON object")
    return data


def draft_yaml(config: dict, card_id: str, source: str) -> str:
    body = yaml.safe_dump(card_draft(config, card_id), sort_keys=False, allow_unicode=True, width=100)
    return (
        f"{SCHEMA_LINE}\n"
        f"# Draft from {source} by `llmcards import-hf`: fill every null, list sources.\n"
        f"{body}"
    )


def is_hf_config(path: Path) -> bool:
    return path.suffix == ".json"


def run(args: argparse.Namespace) -> int:
    if not _ID.match(args.card_id):
        print(f"llmcards import-hf: --id {args.card_id!r} must look like org/model (lowercase)", file=sys.stderr)
        return 2
    try:
        config = read_config(args.config)
        text = draft_yaml(config, args.card_id, args.config.name)
    except ImportErrorHF as exc:
        msg = str(exc)
        if not msg.startswith(str(args.config)):
            msg = f"{args.config}: {msg}"
        print(f"llmcards import-hf: {msg}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


__all__ = ["NAME", "HELP", "add_arguments", "run", "SUPPORTED_TYPES"]
