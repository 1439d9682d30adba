"""api/models.json stays light as the registry grows (issue 11.6): under 2 KB per card.

A size test on the built output of the real registry (not a timing test): the index holds facts
and headline figures only; the full tables are in api/models/<org>/<model>.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REGISTRY, build

LIMIT = 2048    # bytes per card in api/models.json


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real") / "public"
    assert build(REGISTRY, out) == 0
    return out


def test_models_json_is_under_2kb_per_card(real_site: Path):
    path = real_site / "api/models.json"
    data = json.loads(path.read_text())
    cards = sorted(REGISTRY.glob("*/*.yaml"))
    assert data["count"] == len(data["models"]) == len(cards) > 0
    assert path.stat().st_size < LIMIT * data["count"]
    for entry in data["models"]:
        size = len(json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
        assert size < LIMIT, (entry["id"], size)
        assert "card" not in entry and "derived" not in entry     # the full record is elsewhere


def test_full_records_are_in_the_per_model_files(real_site: Path):
    for entry in json.loads((real_site / "api/models.json").read_text())["models"]:
        record = json.loads((real_site / entry["record_url"]).read_text())
        assert record["id"] == entry["id"] and set(record) == {"id", "url", "card", "derived", "history"}
        assert record["derived"] is None or "vram" in record["derived"]
