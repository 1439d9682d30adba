"""The CLI dispatcher: usage errors exit 2, and a bug never shows a user a traceback."""

from __future__ import annotations

import pytest

from generator import cli


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_internal_error_is_reported_without_traceback(monkeypatch, capsys):
    import generator.commands.validate as validate_cmd

    def boom(args):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(validate_cmd, "run", boom)
    monkeypatch.delenv("LLMCARDS_DEBUG", raising=False)
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "internal error (RuntimeError: simulated bug)" in err
    assert "Traceback" not in err


def test_debug_env_shows_the_traceback(monkeypatch, capsys):
    import generator.commands.validate as validate_cmd

    monkeypatch.setattr(validate_cmd, "run", lambda args: 1 / 0)
    monkeypatch.setenv("LLMCARDS_DEBUG", "1")
    assert cli.main(["validate"]) == 1
    assert "Traceback" in capsys.readouterr().err
