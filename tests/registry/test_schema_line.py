"""Every card starts with the yaml-language-server line, pointing at the schema's published $id."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_ID = json.loads((ROOT / "schema" / "model-card.schema.json").read_text(encoding="utf-8"))["$id"]


def test_every_card_starts_with_the_schema_line():
    cards = sorted((ROOT / "registry").glob("*/*.yaml"))
    assert cards
    wrong = [str(p.relative_to(ROOT)) for p in cards
             if p.read_text(encoding="utf-8").splitlines()[0] != f"# yaml-language-server: $schema={SCHEMA_ID}"]
    assert not wrong, f"cards without the schema line: {wrong}"


def test_schema_id_is_where_the_site_publishes_it():
    site_url = next(line.split(":", 1)[1].strip() for line in (ROOT / "mkdocs.yml").read_text().splitlines()
                    if line.startswith("site_url:"))
    assert SCHEMA_ID == site_url.rstrip("/") + "/schema/model-card.schema.json"
