"""Every card's history from git (generator/site/history.py): a tiny repository made here, with
known edits, and the exact change lists written out by hand."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.site import history
from generator.site.history import NO_GIT_NOTE, card_histories, diff

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FOO_1 = """\
id: acme/foo
name: Foo
parameters:
  total: 1000
license:
  url: https://example.org/license
modalities:
  input: [text]
evaluations:
- benchmark: mmlu
  score: 50.0
- benchmark: gsm8k
  score: 30.0
"""

# parameters.total 1000 -> 1200, license.url changed, a second input modality, mmlu 50.0 -> 52.5,
# gsm8k removed, math added, a comment (not a fact)
FOO_2 = """\
id: acme/foo
name: Foo
parameters:
  total: 1200   # from the safetensors index
license:
  url: https://example.org/license.txt
modalities:
  input: [text, image]
evaluations:
- benchmark: math
  score: 12.5
- benchmark: mmlu
  score: 52.5
"""

BAR_1 = "id: acme/bar\nname: Bar\ncontext_length: 4096\n"
BAR_2 = "# only a comment and blank lines change\nid: acme/bar\n\nname: Bar\ncontext_length: 4096\n"


def _git(repo: Path, *args: str, date: str = "2026-01-01T12:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """Three commits under <repo>/registry: foo added; foo edited and bar added; foo renamed (its id
    with it) while bar gets only a comment."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    reg = root / "registry"
    _write(reg / "acme/foo.yaml", FOO_1)
    _write(root / "README.md", "not a card\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Add foo", date="2026-01-02T10:00:00+00:00")
    _write(reg / "acme/foo.yaml", FOO_2)
    _write(reg / "acme/bar.yaml", BAR_1)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Fix foo; add bar", date="2026-02-03T10:00:00+00:00")
    _git(root, "mv", "registry/acme/foo.yaml", "registry/acme/foo-v1.yaml")
    _write(reg / "acme/foo-v1.yaml", FOO_2.replace("id: acme/foo", "id: acme/foo-v1"))
    _write(reg / "acme/bar.yaml", BAR_2)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Rename foo to foo-v1", date="2026-03-04T10:00:00+00:00")
    return root


def _entry(repo: Path, rev: str, date: str, subject: str, action: str, changes: list[dict],
           **extra: str) -> dict:
    full = _git(repo, "rev-parse", rev)
    return {"commit": full[:7], "hash": full, "url": f"https://git.example/r/commit/{full}",
            "date": date, "subject": subject, "action": action, "changes": changes, **extra}


@needs_git
def test_history_of_a_tiny_repository(repo: Path):
    got = card_histories(repo / "registry", "https://git.example/r/commit")
    assert got.note is None
    assert set(got.cards) == {"acme/foo-v1", "acme/bar"}     # current ids only; README.md is not a card
    assert got.cards["acme/foo-v1"] == [
        _entry(repo, "HEAD", "2026-03-04", "Rename foo to foo-v1", "renamed",
               [{"field": "id", "from": "acme/foo", "to": "acme/foo-v1"}], renamed_from="acme/foo"),
        _entry(repo, "HEAD~1", "2026-02-03", "Fix foo; add bar", "changed", [
            {"field": "parameters.total", "from": 1000, "to": 1200},
            {"field": "license.url", "from": "https://example.org/license", "to": "https://example.org/license.txt"},
            {"field": "modalities.input", "from": ["text"], "to": ["text", "image"]},
            {"field": "evaluations[math]", "from": None, "to": {"benchmark": "math", "score": 12.5}},
            {"field": "evaluations[mmlu].score", "from": 50.0, "to": 52.5},
            {"field": "evaluations[gsm8k]", "from": {"benchmark": "gsm8k", "score": 30.0}, "to": None},
        ]),
        _entry(repo, "HEAD~2", "2026-01-02", "Add foo", "added", []),
    ]
    # bar: added; the comment-only commit changed no fact and is not listed
    assert got.cards["acme/bar"] == [_entry(repo, "HEAD~1", "2026-02-03", "Fix foo; add bar", "added", [])]


@needs_git
def test_history_without_a_repository_url(repo: Path):
    got = card_histories(repo / "registry")
    assert [e["url"] for e in got.cards["acme/foo-v1"]] == [None, None, None]


@needs_git
def test_a_deleted_card_has_no_history_and_a_new_one_at_its_path_starts_afresh(repo: Path):
    _git(repo, "rm", "-q", "registry/acme/bar.yaml")
    _git(repo, "commit", "-q", "-m", "Drop bar", date="2026-04-01T10:00:00+00:00")
    assert "acme/bar" not in card_histories(repo / "registry").cards
    _write(repo / "registry/acme/bar.yaml", "id: acme/bar\nname: Bar 2\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Bar again", date="2026-05-01T10:00:00+00:00")
    entries = card_histories(repo / "registry").cards["acme/bar"]
    assert [(e["subject"], e["action"]) for e in entries] == [("Bar again", "added")]


def test_no_git_tree(tmp_path: Path):
    reg = tmp_path / "registry"       # under a temporary folder, outside any repository
    _write(reg / "acme/foo.yaml", FOO_1)
    got = card_histories(reg)
    assert (got.cards, got.note) == ({}, NO_GIT_NOTE)
    assert got.record("acme/foo") == {"entries": [], "note": NO_GIT_NOTE}


def test_no_git_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))       # no git to be found
    got = card_histories(Path(__file__).resolve().parent)
    assert (got.cards, got.note) == ({}, NO_GIT_NOTE)


def test_diff_names_list_items_by_key_and_falls_back_to_positions():
    # two evaluations of one benchmark: the key does not name them, positions do
    old = {"evaluations": [{"benchmark": "mmlu", "score": 1}, {"benchmark": "mmlu", "score": 2}]}
    new = {"evaluations": [{"benchmark": "mmlu", "score": 1}, {"benchmark": "mmlu", "score": 3}]}
    assert diff(old, new) == [{"field": "evaluations[1].score", "from": 2, "to": 3}]
    # sources are named by URL; a nested mapping gives a dotted path; a type change is one change
    old2 = {"sources": [{"title": "a", "url": "u1"}], "architecture": {"attention": {"kv_heads": 8}}, "x": [1]}
    new2 = {"sources": [{"title": "b", "url": "u1"}], "architecture": {"attention": {"kv_heads": 4}}, "x": 1}
    assert diff(old2, new2) == [
        {"field": "sources[u1].title", "from": "a", "to": "b"},
        {"field": "architecture.attention.kv_heads", "from": 8, "to": 4},
        {"field": "x", "from": [1], "to": 1},
    ]


def test_page_view_cuts_long_values_and_names_nulls():
    record = {"note": None, "entries": [{"commit": "abc1234", "changes": [
        {"field": "notes", "from": None, "to": "x" * 200},
        {"field": "tied", "from": True, "to": False}]}]}
    view = history.page_view(record)
    assert view is not None
    row, flag = view["entries"][0]["changes"]
    assert row["from"] == "none" and len(row["to"]) == history.VALUE_CHARS and row["to"].endswith("…")
    assert (flag["from"], flag["to"]) == ("true", "false")


@needs_git
def test_site_shows_and_exports_the_history(tmp_path: Path):
    """A built site: the model page's History section and the API record's ``history``."""
    from helpers import TEST_REGISTRY, build

    root = tmp_path / "repo"
    reg = root / "registry"
    shutil.copytree(TEST_REGISTRY / "meta", reg / "meta")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Two cards", date="2026-01-02T10:00:00+00:00")
    card = reg / "meta/llama-2-7b.yaml"
    text = card.read_text(encoding="utf-8")
    assert "context_length: 4096\n" in text
    card.write_text(text.replace("context_length: 4096\n", "context_length: 4000\n"), encoding="utf-8")
    _git(root, "commit", "-q", "-am", "Llama 2 7B: a <wrong> context", date="2026-02-03T10:00:00+00:00")
    out = tmp_path / "public"
    assert build(reg, out) == 0
    record = json.loads((out / "api/models/meta/llama-2-7b.json").read_text(encoding="utf-8"))
    full = _git(root, "rev-parse", "HEAD")
    assert record["history"]["note"] is None
    assert [(e["date"], e["action"], e["changes"]) for e in record["history"]["entries"]] == [
        ("2026-02-03", "changed", [{"field": "context_length", "from": 4096, "to": 4000}]),
        ("2026-01-02", "added", []),
    ]
    # mkdocs.yml's repo_url names the repository
    assert record["history"]["entries"][0]["url"] == f"https://github.com/llmcards/llmcards/commit/{full}"
    page = (out / "models/meta/llama-2-7b/index.html").read_text(encoding="utf-8")
    section = page[page.index('<details class="llmc-history"'):]
    section = section[: section.index("</details>")]
    assert "History (2 commits)" in section
    assert "<code>context_length</code></th><td>4096</td><td>4000</td>" in section
    assert "Llama 2 7B: a &lt;wrong&gt; context" in section          # escaped
    assert f'href="https://github.com/llmcards/llmcards/commit/{full}"' in section


def test_site_without_git_says_so(tmp_path: Path):
    from helpers import TEST_REGISTRY, build

    reg = tmp_path / "registry"
    shutil.copytree(TEST_REGISTRY / "meta", reg / "meta")
    out = tmp_path / "public"
    assert build(reg, out) == 0
    record = json.loads((out / "api/models/meta/llama-2-7b.json").read_text(encoding="utf-8"))
    assert record["history"] == {"entries": [], "note": NO_GIT_NOTE}
    page = (out / "models/meta/llama-2-7b/index.html").read_text(encoding="utf-8")
    assert NO_GIT_NOTE in page
