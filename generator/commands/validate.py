"""`llmcards validate [PATH ...]`: check cards and report every error, one per line.

Exit codes: 0 every card is valid; 1 at least one error; 2 a usage error (a bad
option, a path that does not exist, a folder without any card file). Paths
that do exist are still checked and reported when another one is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.commands import positive_int
from generator.errors import format_github, format_json, format_text, one_line

NAME = "validate"
HELP = "Check cards against the schema and the cross-field rules (default: registry/)."
EPILOG = """\
A folder is an organization folder when its card files sit directly in it
(registry/meta: ids meta/<model>); otherwise it is a registry root (cards at
<root>/<org>/<model>.yaml). Symbolic links are reported, never followed.

exit codes: 0 no errors; 1 errors found; 2 usage error (a bad option, a path
that does not exist, a folder without card files: the other paths are still
checked and their errors printed).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="card files, registry roots (folders holding <org>/<model>.yaml) or organization folders "
        "(folders holding <model>.yaml directly, such as registry/meta); default: registry/",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text: file:line:col: field: message; json: a list of error objects; github: Actions annotations",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=positive_int(),
        default=None,
        help="processes to check cards with (default: one per CPU for large registries)",
    )


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in (args.paths or ["registry"])]
    from generator.validate import validate_paths  # imported late: `llmcards --help` stays fast

    try:
        report = validate_paths(paths, jobs=args.jobs, keep_cards=False)
    except FileNotFoundError as exc:  # the schema itself is missing
        print(f"llmcards validate: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(format_json(report.errors))
    elif report.errors:
        print(format_github(report.errors) if args.format == "github" else format_text(report.errors))
    for problem in report.usage_errors:
        print(f"llmcards validate: {one_line(problem)}", file=sys.stderr)
    cards = report.files
    summary = f"{cards} card{'s' if cards != 1 else ''} checked, "
    if report.ok:
        summary += "no errors"
    else:
        n, k = len(report.errors), report.files_with_errors
        summary += f"{n} error{'s' if n != 1 else ''} in {k} file{'s' if k != 1 else ''}"
    print(summary, file=sys.stderr)
    if report.usage_errors:
        return 2
    return 0 if report.ok else 1
