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
