"""The README is part of the interface: its commands must be the ones CI runs and the CLI offers."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from generator.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands() -> list[str]:
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_readme_has_exactly_two_setup_commands():
    cmds = _setup_commands()
    assert len(cmds) == 2, cmds
    assert "llmcards build" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = _setup_commands()[1]
    assert test_cmd in ci.splitlines(), f"{test_cmd!r} is not a line of .ci/run"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_subcommand_is_documented():
    for name in _subcommands():
        assert f"`llmcards {name}" in README, f"llmcards {name} is missing from README.md"


def test_every_option_is_documented():
    missing = []
    for name, sub in _subcommands().items():
        for action in sub._actions:
            for flag in action.option_strings:
                if flag in ("-h", "--help"):
                    continue
                # a row of the options table: "| <command> | `--flag ..."
                row = re.search(rf"^\| {re.escape(name)} \|[^|\n]*`{re.escape(flag)}[ `]", README, re.M)
                if not row:
                    missing.append(f"{name} {flag}")
    assert not missing, "undocumented options: " + ", ".join(missing)


def test_the_usage_error_example_is_what_plan_prints(capsys):
    # the README's example of a usage error is the command's real output, word for word
    from generator.cli import main

    example = next(line for line in README.splitlines() if line.startswith("llmcards plan: --tensor-parallel: "))
    assert main(["plan", "meta/llama-3.1-8b", "--engine", "llama.cpp", "--tensor-parallel", "2"]) == 2
    assert capsys.readouterr().err.strip() == example
