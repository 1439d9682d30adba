"""The copied reference models (see refdata/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

REFDATA = Path(__file__).parent / "refdata"


def reference_models() -> list[dict]:
    out = []
    for path in sorted(REFDATA.glob("*.json")):
        if path.name == "gguf_sizes.json":
            continue
        data = json.loads(path.read_text())
        data["_file"] = path.stem
        out.append(data)
    return out


def gguf_sizes() -> dict:
    return json.loads((REFDATA / "gguf_sizes.json").read_text())


def real_file_sizes() -> dict:
    """The project's own real weight-file sizes, GGUF and safetensors (real_file_sizes.json)."""
    return json.loads((Path(__file__).parent / "real_file_sizes.json").read_text())


def real_file_cards() -> dict[str, dict]:
    """Cards for the models of real_file_sizes.json, by model key: drafts from a config, or registry cards."""
    from generator.importers.hf import card_draft
    from generator.validate import load_registry

    models = {m["_file"]: m for m in reference_models()}
    registry = {c.data["id"]: c.data for c in load_registry(REFDATA.parents[2] / "registry")[0]}
    out = {}
    for key, spec in real_file_sizes()["models"].items():
        if "card" in spec:
            card = registry[spec["card"]]
            if "architecture_as_stored" in spec:  # the file lays the weights out differently
                card = {**card, "architecture": {**card["architecture"], **spec["architecture_as_stored"]}}
            out[key] = card
            continue
        config = models[spec["refdata"].removesuffix(".json")]["config"] if "refdata" in spec else spec["config"]
        out[key] = card_draft(config, "ref/" + key)
    return out
