"""CONTRIBUTING.md's table of registry folders lists exactly the folders registry/ has
(a contributor picks the folder from it; a missing row invites a duplicate folder)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_registry_folder_is_in_the_table() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z0-9.-]+)` \|", text, flags=re.M))
    folders = {p.name for p in (ROOT / "registry").iterdir() if p.is_dir()}
    assert folders - listed == set(), "registry folders missing from CONTRIBUTING.md's table"
    assert listed - folders == set(), "CONTRIBUTING.md lists folders registry/ does not have"
