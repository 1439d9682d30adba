"""`llmcards validate`: output formats, exit codes, every error in every file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
CARDS = Path(__file__).parent / "cards"
GOOD = CARDS / "valid" / "meta" / "llama-3.1-8b.yaml"


def _registry(tmp_path: Path, *cards: tuple[str, str]) -> Path:
    reg = tmp_path / "registry"
    for card_id, text in cards:
        p = reg / f"{card_id}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return reg


def _card(card_id: str) -> str:
    return GOOD.read_text().replace("id: meta/llama-3.1-8b", f"id: {card_id}")


def test_valid_registry_exits_0(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")), ("meta/b", _card("meta/b")))
    assert main(["validate", str(reg)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "2 cards checked, no errors" in err


def test_errors_in_several_files_all_reported(tmp_path, capsys):
    reg = _registry(
        tmp_path,
        ("meta/a", _card("meta/a").replace("kv_heads: 8", "kv_heads: 12")),
        ("meta/b", _card("meta/b").replace("  layers: 32", "  layerz: 32")),
        ("meta/c", _card("meta/c").replace("status: released", "status: released\nstatus: relased")
                   .replace("kv_heads: 8", "kv_heads: 12")),
    )
    assert main(["validate", str(reg)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    kv_line = 1 + _card("meta/a").splitlines().index("    kv_heads: 8")
    assert f"{reg}/meta/a.yaml:{kv_line}:15: architecture.attention.kv_heads: 12 does not divide 32 query heads" in lines
    assert any(x.startswith(f"{reg}/meta/b.yaml:") and "unknown key 'layerz' (did you mean 'layers'?)" in x for x in lines)
    assert any(x.startswith(f"{reg}/meta/b.yaml:") and "architecture.layers: required key is missing" in x for x in lines)
    status_line = 1 + _card("meta/c").splitlines().index("status: released")
    assert (f"{reg}/meta/c.yaml:{status_line + 1}:1: status: duplicate key 'status' (first defined on line {status_line}); "
            "YAML would silently keep only the last value") in lines
    # A duplicate key does not hide the file's other errors.
    assert f"{reg}/meta/c.yaml:{kv_line + 1}:15: architecture.attention.kv_heads: 12 does not divide 32 query heads" in lines
    assert len(lines) == 5
    assert "3 cards checked, 5 errors in 3 files" in err


def test_json_format(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a").replace("status: released", "status: relased")))
    assert main(["validate", "--format", "json", str(reg)]) == 1
    out, _ = capsys.readouterr()
    errors = json.loads(out)
    assert errors == [
        {
            "file": f"{reg}/meta/a.yaml",
            "line": 6,
            "column": 9,
            "path": "status",
            "json_path": "$.status",
            "message": "must be one of released, preview, unreleased, deprecated; got 'relased' (did you mean 'released'?)",
        }
    ]


def test_json_format_empty_list_when_valid(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")))
    assert main(["validate", "--format", "json", str(reg)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_github_annotations(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a").replace("kv_heads: 8", "kv_heads: 12")))
    assert main(["validate", "--format", "github", str(reg)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"::error file={reg}/meta/a.yaml,line=")
    assert out.endswith("::architecture.attention.kv_heads: 12 does not divide 32 query heads")


def test_single_file_checked_against_its_tail(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/other")))
    assert main(["validate", str(reg / "meta" / "a.yaml")]) == 1
    assert "id 'meta/other' does not match the file's location: expected 'meta/a'" in capsys.readouterr().out


def test_file_outside_org_folder(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")), ("loose", _card("meta/loose")))
    assert main(["validate", str(reg)]) == 1
    # Line 2: the card's mapping starts after the schema comment on line 1.
    assert capsys.readouterr().out == (f"{reg}/loose.yaml:2:1: (top level): cards live at <registry>/<org>/<model>.yaml: "
                                       "move this file into its organization's folder\n")


def test_organization_folder_is_validated_as_such(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")), ("meta/b", _card("meta/other")))
    assert main(["validate", str(reg / "meta")]) == 1
    out, err = capsys.readouterr()
    assert out == f"{reg}/meta/b.yaml:2:5: id: id 'meta/other' does not match the file's location: expected 'meta/b'\n"
    assert "2 cards checked, 1 error in 1 file" in err


def test_real_organization_folder_passes(capsys):
    assert main(["validate", str(ROOT / "registry" / "meta")]) == 0
    assert "no errors" in capsys.readouterr().err


def test_folder_without_cards_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"llmcards validate: {tmp_path / 'empty'}: no card files in this folder" in err


def test_missing_path_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_missing_path_still_checks_the_others(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a").replace("status: released", "status: relased")))
    assert main(["validate", str(reg / "meta" / "a.yaml"), str(tmp_path / "nope.yaml")]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"{reg}/meta/a.yaml:6:9: status: must be one of")
    assert f"llmcards validate: {tmp_path / 'nope.yaml'}: no such file or directory" in err
    assert "1 card checked, 1 error in 1 file" in err


def test_unknown_option_prints_the_commands_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: llmcards validate ") and "--format" in err
    assert "unrecognized arguments: --bogus" in err


def test_device_gets_a_correct_message(capsys):
    assert main(["validate", "/dev/null"]) == 1
    assert capsys.readouterr().out == (
        "/dev/null:1:1: (top level): not a regular file (a device, pipe or socket): cards are regular files\n")


def test_symlinked_card_and_folder_are_refused(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.yaml").write_text(_card("evil/leak").replace("id: evil/leak", "id: hunter2-secret-token"))
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")))
    (reg / "meta" / "leak.yaml").symlink_to(outside / "leak.yaml")
    (reg / "evil").symlink_to(outside)
    assert main(["validate", str(reg)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{reg}/evil:1:1: (top level): the file is a symbolic link: cards must be regular files "
        "(copy the card here instead of linking it)",
        f"{reg}/meta/leak.yaml:1:1: (top level): the file is a symbolic link: cards must be regular files "
        "(copy the card here instead of linking it)",
    ]
    assert "3 cards checked, 2 errors in 2 files" in err


def test_oversized_card_is_located_in_every_format(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a") + "notes: " + "x" * 300_000 + "\n"))
    path = f"{reg}/meta/a.yaml"
    assert main(["validate", str(reg)]) == 1
    assert capsys.readouterr().out.startswith(f"{path}:1:1: (top level): the file is ")
    assert main(["validate", "--format", "json", str(reg)]) == 1
    (error,) = json.loads(capsys.readouterr().out)
    assert (error["line"], error["column"]) == (1, 1)
    assert main(["validate", "--format", "github", str(reg)]) == 1
    assert capsys.readouterr().out.startswith(f"::error file={path},line=1,col=1::(top level): the file is ")


def test_newlines_in_names_cannot_split_or_forge_lines(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a").replace("status: released", 'status: released\n"name\\n": x')))
    forged = reg / "meta" / "evil\nfake.yaml:1:1: id: forged.yaml"
    forged.write_text("a: 1\n")
    assert main(["validate", str(reg)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{reg}/meta/a.yaml:7:1: name\\n: unknown key 'name\\n'" in "\n".join(lines)
    assert sum(1 for line in lines if line.startswith(f"{reg}/meta/evil\\nfake.yaml:1:1: id: forged.yaml:")) > 0
    assert all(line.startswith(f"{reg}/meta/") for line in lines), lines
    assert main(["validate", "--format", "json", str(reg)]) == 1
    files = {e["file"] for e in json.loads(capsys.readouterr().out)}
    assert files == {f"{reg}/meta/a.yaml", str(forged)}


def test_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "xml"])
    assert exc.value.code == 2


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_subprocess_default_registry_and_no_traceback(tmp_path):
    _registry(tmp_path, ("meta/a", _card("meta/a")), ("meta/b", "- not\n- a mapping\n"))
    (tmp_path / "registry" / "meta" / "c.yaml").write_bytes(b"name: \xff\xfe\n")
    proc = _run("validate", cwd=tmp_path)  # default PATH is registry/ in the working directory
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "registry/meta/b.yaml:1:1: (top level): the top level of a card must be a mapping" in proc.stdout
    assert "registry/meta/c.yaml:1:7: (top level): the file is not valid UTF-8" in proc.stdout
    assert "3 cards checked, 2 errors in 2 files" in proc.stderr


def test_subprocess_missing_default_registry_exits_2(tmp_path):
    proc = _run("validate", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_copied_golden_card_passes_in_new_location(tmp_path):
    reg = tmp_path / "registry" / "meta"
    reg.mkdir(parents=True)
    shutil.copy(GOOD, reg / "llama-3.1-8b.yaml")
    assert main(["validate", str(tmp_path / "registry")]) == 0


@pytest.mark.parametrize(
    "org,key",
    # Written out by hand: lowercase, letters and digits only, then the common endings removed.
    [("meta-llama", "meta"), ("meta", "meta"), ("deepseek-ai", "deepseek"), ("CohereForAI", "cohere"),
     ("mistralai", "mistral"), ("allenai", "allen"), ("openai", "open"), ("qwen", "qwen"),
     ("zai-org", "zai"), ("ai", "ai"), ("google", "google")],
)
def test_organization_key(org, key):
    from generator.validate import organization_key

    assert organization_key(org) == key


def test_look_alike_organization_is_flagged_against_the_existing_one(tmp_path, capsys):
    reg = _registry(
        tmp_path,
        ("meta/a", _card("meta/a")),
        ("meta/b", _card("meta/b")),
        ("meta-llama/c", _card("meta-llama/c")),
    )
    assert main(["validate", str(reg)]) == 1
    out, err = capsys.readouterr()
    assert out == (f"{reg}/meta-llama/c.yaml:2:5: id: organization folder 'meta-llama' looks like the existing 'meta' "
                   f"(for example {reg}/meta/a.yaml): put this publisher's cards under meta/\n")


def test_same_model_under_two_organizations_is_flagged(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/llama-3.1-8b", _card("meta/llama-3.1-8b")), ("acme/llama-3.1-8b", _card("acme/llama-3.1-8b")))
    assert main(["validate", str(reg)]) == 1
    out, _ = capsys.readouterr()
    assert out == (f"{reg}/meta/llama-3.1-8b.yaml:2:5: id: model 'llama-3.1-8b' already has a card under another "
                   f"organization: {reg}/acme/llama-3.1-8b.yaml; one card per model, under the folder the registry "
                   "already uses for its publisher\n")


def test_distinct_organizations_and_models_pass(tmp_path):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")), ("metal/b", _card("metal/b")), ("deep/c", _card("deep/c")))
    assert main(["validate", str(reg)]) == 0


def test_undecodable_file_name_is_printable_in_every_format(tmp_path, capsys):
    import os

    reg = _registry(tmp_path, ("meta/a", _card("meta/a")))
    bad = os.fsencode(reg / "meta") + b"/b\xff.yaml"
    with open(bad, "wb") as fh:
        fh.write(b"a: 1\n")
    name = os.fsdecode(bad)  # holds the lone surrogate '\udcff'
    assert main(["validate", str(reg)]) == 1
    out = capsys.readouterr().out
    out.encode("utf-8")  # a UTF-8 terminal can show it
    assert out.startswith(f"{reg}/meta/b\\udcff.yaml:1:1: ")
    assert main(["validate", "--format", "json", str(reg)]) == 1
    out = capsys.readouterr().out
    out.encode("utf-8")
    assert {e["file"] for e in json.loads(out)} == {name}  # the JSON escape reads back as the same name
    assert main(["validate", "--format", "github", str(reg)]) == 1
    out = capsys.readouterr().out
    out.encode("utf-8")
    assert out.startswith(f"::error file={reg}/meta/b\\udcff.yaml,line=1,col=1::")
