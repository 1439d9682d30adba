"""`llmcards import-hf`: a card draft from a Hugging Face config.json (stdout or --output FILE)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Mapping

# yaml, the importer and the calculator are imported in run(): every `llmcards` command
# builds this module's parser, and must not pay for them.

NAME = "import-hf"
HELP = "Print a card draft (architecture filled, other fields null) from a Hugging Face config.json."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="path to config.json")
    parser.add_argument("--id", required=True, dest="card_id", help="card id, <org>/<model> (lowercase)")
    parser.add_argument("--output", "-o", type=Path, default=None,
                        help="write the draft to this file (its folders are created; an existing file is "
                             "never overwritten) instead of printing it")


def _active_comment(card: Mapping[str, Any]) -> str:
    """For an MoE draft: the derived active counts, as a hint for parameters.active."""
    from generator.calc.params import count_parameters

    if (card.get("architecture") or {}).get("type") != "moe":
        return ""
    pc = count_parameters(card)
    if pc is None:
        return ""
    return (
        "# parameters.active: the registry uses the publisher's figure (for example 17B, 37B) for MoE models.\n"
        f"# From the architecture: {pc.active:,} per token with the input embedding, "
        f"{pc.active_excluding_input_embedding:,} without it.\n"
    )


def draft_yaml(config: Mapping[str, Any], card_id: str, source: str) -> str:
    import yaml

    from generator.importers.hf import card_draft
    from generator.schema_files import card_schema
    from generator.skeleton import header

    card = card_draft(config, card_id)
    body = yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=100)
    hint = _active_comment(card)
    if hint:
        body = body.replace("\nparameters:\n", f"\n{hint}parameters:\n", 1)
    return (
        f"{header(card_schema())}\n"
        f"# Draft from {source} by `llmcards import-hf`: fill every null, list sources.\n"
        f"{body}"
    )


def _id_problem(card_id: str) -> str | None:
    """The schema's own id rule (the one `validate` and `new` apply)."""
    from generator.schema_files import card_schema

    rule = card_schema()["properties"]["id"]
    if re.search(rule["pattern"], card_id) and len(card_id) <= rule.get("maxLength", len(card_id)):
        return None
    return f"--id {card_id!r} must look like org/model: lowercase letters, digits, '.' and '-' (e.g. acme/my-model-7b)"


def _write_new(path: Path, text: str) -> str | None:
    """Create path (and its folders) with text; a message when it cannot (an existing file is kept)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        return f"{path}: already exists; not overwritten (remove it or choose another --output)"
    except OSError as exc:
        return f"{path}: cannot write ({exc.strerror or exc})"
    return None


def run(args: argparse.Namespace) -> int:
    from generator.importers.hf import ImportErrorHF, read_config

    problem = _id_problem(args.card_id)
    if problem:
        print(f"llmcards import-hf: {problem}", file=sys.stderr)
        return 2
    if not args.config.is_file():
        reason = "not a file" if args.config.exists() else "no such file"
        print(f"llmcards import-hf: {args.config}: {reason}", file=sys.stderr)
        return 2
    try:
        config = read_config(args.config)
        text = draft_yaml(config, args.card_id, args.config.name)
    except ImportErrorHF as exc:
        print(f"llmcards import-hf: {exc.located(args.config)}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
        return 0
    failure = _write_new(args.output, text)
    if failure:
        print(f"llmcards import-hf: {failure}", file=sys.stderr)
        return 1
    print(f"llmcards import-hf: wrote {args.output}", file=sys.stderr)
    return 0


__all__ = ["NAME", "HELP", "add_arguments", "run"]
