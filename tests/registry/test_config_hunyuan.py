"""Hunyuan-A13B's config.json lists some MoE values once per layer (top-k, expert width,
shared experts); the card records one value of each, so every layer's entry must equal it.

The config itself is recorded in tests/registry/configs/tencent/hunyuan-a13b-instruct.json
and compared with the card's other fields by tests/registry/test_config_agreement.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator.card import Card

CONFIG = Path(__file__).parent / "configs" / "tencent" / "hunyuan-a13b-instruct.json"


def test_hunyuan_per_layer_lists_match_the_card(registry_cards: dict[str, Card]) -> None:
    # The shared MLP's width is intermediate_size x num_shared_expert (HunYuanMLP with is_shared_mlp).
    config = json.loads(CONFIG.read_text())["config"]
    experts = registry_cards["tencent/hunyuan-a13b-instruct"].data["architecture"]["experts"]
    layers = config["num_hidden_layers"]
    assert config["moe_topk"] == [experts["active"]] * layers
    assert config["moe_intermediate_size"] == [experts["intermediate_size"]] * layers
    assert config["num_shared_expert"] == [experts["shared"]] * layers
    assert experts["shared_intermediate_size"] == config["intermediate_size"]
