"""`llmcards new <org>/<model>`: write a card skeleton with every field of the schema."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

NAME = "new"
HELP = "Create registry/<org>/<model>.yaml with every field present (null where unknown)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ORG/MODEL", help="the card id, e.g. meta/llama-3.1-8b (lowercase)")
    parser.add_argument("--registry", default="registry", metavar="DIR", help="registry root (default: registry)")


def run(args: argparse.Namespace) -> int:
    from generator.schema_files import card_schema
    from generator.skeleton import skeleton

    schema = card_schema()
    pattern = schema["properties"]["id"]["pattern"]
    if not re.fullmatch(pattern.strip("^$"), args.id):
        print(
            f"llmcards new: {args.id!r} is not a card id: use <org>/<model> in lowercase letters, "
            "digits, dots and dashes, e.g. meta/llama-3.1-8b",
            file=sys.stderr,
        )
        return 2
    org, model = args.id.split("/")
    target = Path(args.registry) / org / f"{model}.yaml"
    if target.exists():
        print(f"llmcards new: {target} already exists; edit it instead (nothing was written)", file=sys.stderr)
        return 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
            fh.write(skeleton(schema, args.id))
    except OSError as exc:
        print(f"llmcards new: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {target}; fill it in, then run: llmcards validate {target}")
    return 0
