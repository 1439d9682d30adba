"""Command-line entry point: argument parsing and exit codes only.

Each sub-command lives in its own module under ``generator.commands`` and
exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Exit codes: 0 success, 1 invalid input (e.g. a bad card), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from types import ModuleType
from typing import NoReturn, Sequence

from generator import __version__

# Order here is the order in `llmcards --help`.
COMMAND_MODULES = ("validate", "new", "calc", "plan", "import_hf", "build")


def _load_commands() -> list[ModuleType]:
    mods = []
    for name in COMMAND_MODULES:
        try:
            mods.append(importlib.import_module(f"generator.commands.{name}"))
        except ModuleNotFoundError as exc:  # a command not written yet
            if exc.name != f"generator.commands.{name}":
                raise
    return mods


class _Parser(argparse.ArgumentParser):
    """argparse, with one hint: a value that starts with '-' ("--tensor-split -1,2") is read as an
    option, so argparse says the option "expected one argument"; say how to pass such a value."""

    def error(self, message: str) -> NoReturn:
        if message.endswith("expected one argument"):
            option = message.removeprefix("argument ").partition(":")[0].split("/")[-1]
            message += f" (a value that starts with '-' is written {option}=VALUE)"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    return _build_parsers()[0]


def _build_parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each command's own (for usage messages that name the command's options)."""
    parser: argparse.ArgumentParser = _Parser(
        prog="llmcards",
        description="Validate LLM spec cards, compute parameter counts and VRAM, build the site.",
    )
    parser.add_argument("--version", action="version", version=f"llmcards {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    commands: dict[str, argparse.ArgumentParser] = {}
    for mod in _load_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP, epilog=getattr(mod, "EPILOG", None),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
        commands[mod.NAME] = p
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = _build_parsers()
    args, unknown = parser.parse_known_args(argv)  # argparse exits 2 on usage errors
    if unknown:  # an option the command does not have: show that command's usage, not the top-level one
        commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        print("llmcards: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for debugging
        if os.environ.get("LLMCARDS_DEBUG"):
            traceback.print_exc()
        print(f"llmcards {args.command}: internal error ({type(exc).__name__}: {exc}); "
              "please report it with the command you ran "
              "(set LLMCARDS_DEBUG=1 for the traceback).", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
