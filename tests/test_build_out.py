"""`llmcards build --out DIR` never deletes anything the build did not make (generator/outdir.py).

Every build here runs in a throwaway copy of the project under tmp_path (mkdocs.yml, site/,
schema/ and a registry of two cards), never in the real tree. A refused --out must leave
every file under tmp_path byte-for-byte as it was, and say why in one line (exit 2).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator import outdir
from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
CARDS = ("meta/llama-3.1-8b.yaml", "mistralai/mixtral-8x7b.yaml")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """<tmp>/work/proj: a copy of the project with user files and a .git; cwd is proj."""
    proj = tmp_path / "work" / "proj"
    proj.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", proj / "mkdocs.yml")
    shutil.copytree(ROOT / "site", proj / "site")
    shutil.copytree(ROOT / "schema", proj / "schema")
    for card in CARDS:
        (proj / "registry" / card).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "tests/site/registry" / card, proj / "registry" / card)
    (proj / ".git").mkdir()
    (proj / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (proj / "notes.txt").write_text("uncommitted notes\n")
    (tmp_path / "work" / "report.txt").write_text("a report beside the clone\n")
    home = tmp_path / "home"
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "thesis.txt").write_text("chapter 1\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(proj)
    return proj


def snapshot(top: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``top``, by relative path."""
    return {str(p.relative_to(top)): (p.read_bytes() if p.is_file() else None) for p in sorted(top.rglob("*"))}


def build(proj: Path, out: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(["build", "--config", str(proj / "mkdocs.yml"), "--out", out, "--quiet"])
    return rc, capsys.readouterr().err


# --out value (relative to the project root), what the one-line refusal must say
HOSTILE = [
    (".", "refusing to replace the repository root (the folder with mkdocs.yml)"),
    ("..", "refusing to replace a folder that holds the repository root (the folder with mkdocs.yml)"),
    ("registry", "refusing to replace the registry folder"),
    ("registry/meta", "refusing to write the site inside the registry folder"),
    ("site", "refusing to replace the docs folder (mkdocs docs_dir)"),
    ("site/assets", "refusing to write the site inside the docs folder (mkdocs docs_dir)"),
    ("schema", "refusing to replace the schema folder"),
    ("../report.txt", "it is a file, not a folder"),
    ("/dev/null/x", "cannot create a folder there: /dev/null is a file, not a folder"),
]


@pytest.mark.parametrize("value,reason", HOSTILE, ids=[v for v, _ in HOSTILE])
def test_project_folders_and_odd_paths_are_refused(project: Path, value: str, reason: str, capsys):
    top = project.parent.parent
    before = snapshot(top)
    rc, err = build(project, value, capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"llmcards build: --out {value}: "), err
    assert reason in lines[0], err
    assert "internal error" not in err
    assert snapshot(top) == before


def test_user_folder_with_files_is_refused(project: Path, capsys):
    user = project.parent / "mine"
    (user / "photos").mkdir(parents=True)
    (user / "thesis.txt").write_text("my thesis\n")
    (user / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    top = project.parent.parent
    before = snapshot(top)
    rc, err = build(project, str(user), capsys)
    assert rc == 2
    assert err.strip() == (
        f"llmcards build: --out {user}: refusing to replace {user} (it holds files llmcards did not write: "
        f"photos, thesis.txt); choose a new or empty folder, or the output of an earlier build "
        f"(it holds {outdir.MARKER})"
    )
    assert snapshot(top) == before


def test_home_folder_is_refused(project: Path, capsys):
    home = Path(os.environ["HOME"])
    before = snapshot(home)
    rc, err = build(project, str(home), capsys)
    assert rc == 2 and "refusing to replace the home folder" in err
    rc, err = build(project, str(home.parent), capsys)
    assert rc == 2 and "a folder that holds the home folder" in err
    assert snapshot(home) == before


def test_symlink_to_the_registry_is_refused(project: Path, capsys):
    (project.parent / "link").symlink_to(project / "registry")
    before = snapshot(project)
    rc, err = build(project, "../link", capsys)
    assert rc == 2 and "refusing to replace the registry folder" in err
    assert snapshot(project) == before


def test_marked_folder_holding_a_repository_is_refused(project: Path, capsys):
    # Even a folder with the marker is not replaced when it holds .git (say a gh-pages worktree).
    pages = project.parent / "pages"
    (pages / ".git").mkdir(parents=True)
    outdir.write_marker(pages)
    before = snapshot(pages)
    rc, err = build(project, str(pages), capsys)
    assert rc == 2 and "it holds a git repository (.git)" in err
    assert snapshot(pages) == before


def test_new_and_empty_folders_are_built_and_marked(project: Path, capsys):
    rc, err = build(project, "public", capsys)
    assert rc == 0, err
    assert (project / "public" / "index.html").is_file()
    assert (project / "public" / outdir.MARKER).read_text() == outdir.MARKER_TEXT
    empty = project.parent / "empty"
    empty.mkdir()
    rc, err = build(project, str(empty), capsys)
    assert rc == 0, err
    assert (empty / "models" / "meta" / "llama-3.1-8b" / "index.html").is_file()
    assert (project / "notes.txt").read_text() == "uncommitted notes\n"


def test_previous_build_is_replaced(project: Path, capsys):
    assert build(project, "public", capsys)[0] == 0
    stale = project / "public" / "models" / "old-org" / "gone.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("a page of a card deleted since")
    rc, err = build(project, "public", capsys)
    assert rc == 0, err
    assert not stale.exists()
    assert (project / "public" / outdir.MARKER).is_file()
    # only the output itself was replaced: no temporary folders are left beside it
    assert sorted(p.name for p in project.iterdir()) == [".git", "mkdocs.yml", "notes.txt", "public", "registry",
                                                          "schema", "site"]


def test_failed_build_keeps_previous_output(project: Path, capsys):
    assert build(project, "public", capsys)[0] == 0
    before = snapshot(project / "public")
    card = project / "registry" / CARDS[0]
    card.write_text(card.read_text().replace("layers: 32", "layers: many"))
    rc, err = build(project, "public", capsys)
    assert rc == 1 and "layers" in err
    assert snapshot(project / "public") == before


def test_refusal_rules_without_a_build(tmp_path: Path):
    # The cases that are too dangerous to try with a real command, checked on the rule itself.
    home = tmp_path / "home"
    home.mkdir()
    assert outdir.refusal(Path("/"), [], home=home) == "refusing to replace the filesystem root"
    assert outdir.refusal(tmp_path, [], home=home) == "refusing to replace a folder that holds the home folder"
    assert outdir.refusal(tmp_path / "new" / "deeper", [], home=home) is None
    marked = tmp_path / "marked"
    marked.mkdir()
    (marked / outdir.MARKER).mkdir()  # a folder named like the marker is not the marker
    assert "did not write" in (outdir.refusal(marked, [], home=home) or "")


def test_build_reads_only_the_working_directorys_mkdocs_yml(tmp_path: Path, monkeypatch, capsys):
    # newcomer review #12: from another folder, an editable install built its own checkout's
    # registry into ./public. Now the default config is ./mkdocs.yml and nothing else.
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 2
    assert "no mkdocs.yml found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing was built
