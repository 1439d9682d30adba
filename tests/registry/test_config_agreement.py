"""Every card's architecture agrees with the config.json it cites.

For each card whose sources list a Hugging Face ``config.json``, a copy of that config is recorded
in tests/registry/configs/<org>/<model>.json (with the URL it was read from, the date, and the
copy it was read through): see CONTRIBUTING.md, "Recording a card's config.json". The card's
``architecture`` is compared with what the importer (``llmcards import-hf``,
generator/importers/hf.py) makes of that config, field by field: layers, hidden and MLP width,
vocabulary, tied embeddings, heads, key/value heads, head size, biases, sliding window and its
layer pattern, MLA sizes, experts, max_position_embeddings and every other field the importer
fills. For a model type the importer does not read yet, the fields it names the config keys of
(``config_key_for``) are compared directly.

A card whose config is not recorded yet must be in NOT_RECORDED, with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

import pytest

from generator.card import Card
from generator.importers.hf import ImportErrorHF, architecture_from_config, config_key_for
from helpers import ROOT

CONFIGS = ROOT / "tests" / "registry" / "configs"

# Cards that cite a config.json whose copy is not recorded yet: card id -> why.
NOT_RECORDED: dict[str, str] = {
    "deepseek/deepseek-v3.1": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "mistralai/mistral-small-3.1-24b-instruct-2503": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "mistralai/mistral-small-3.2-24b-instruct-2506": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen2.5-vl-32b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen2.5-vl-3b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen2.5-vl-72b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen2.5-vl-7b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen3-vl-235b-a22b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen3-vl-30b-a3b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen3-vl-32b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen3-vl-4b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "qwen/qwen3-vl-8b-instruct": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "xiaomimimo/mimo-7b-rl": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "zai-org/glm-4.5-air": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "zai-org/glm-4.6": "added with the MTP / vision-encoder classes; its total is pinned to the Hub count in tests/registry/test_counts_modules.py, but no full copy of the config.json is recorded yet",
    "ai21labs/jamba-1.5-mini": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there",
    "qwen/qwen3-next-80b-a3b-instruct": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there",
    "qwen/qwen3.6-35b-a3b": "public inventories of the Qwen3.5-35B-A3B and Qwen3.6-35B-A3B snapshots list the same values for every key the importer reads; the Qwen3.5 copy is recorded (configs/qwen/qwen3.5-35b-a3b.json) and the card is compared with it in tests/registry/test_counts_modules.py and tests/test_import_hf.py; no full copy of the Qwen3.6 config.json recorded",
    "qwen/qwen3-next-80b-a3b-thinking": "cites the Instruct version's config.json for the values its model card does not list; those keys are pinned in tests/test_import_hf.py and compared with the Instruct card there; no copy of the Thinking config.json recorded",
    "minimaxai/minimax-m1-80k": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there",
    "moonshotai/kimi-linear-48b-a3b-instruct": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there",
    "moonshotai/kimi-linear-48b-a3b-base": "cites the Instruct checkpoint's config.json (same model, README), whose keys are pinned in tests/test_import_hf.py and compared with the Instruct card there; no copy of the Base config.json recorded",
    "deepseek/deepseek-v3.2-exp": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there",
    "tiiuae/falcon-h1-0.5b-base": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there; read through public copies, no full copy of the config.json recorded yet",
    "tiiuae/falcon-h1-1.5b-instruct": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there; read through public copies, no full copy of the config.json recorded yet",
    "tiiuae/falcon-h1-7b-instruct": "the config.json keys the importer reads are pinned in tests/test_import_hf.py (hybrid model types) and compared with this card there; read through public copies, no full copy of the config.json recorded yet",
    "ai21labs/jamba-1.5-large": "added with the issue-12 architecture classes; no full copy of the config.json recorded yet",
    "ai21labs/jamba-large-1.7": "cites Jamba 1.5 Large's config.json (the architecture 1.7 keeps), not recorded either (see ai21labs/jamba-1.5-large); 1.7's own config.json is gated and not recorded",
    "ai21labs/jamba-mini-1.7": "cites Jamba 1.5 Mini's config.json (the architecture 1.7 keeps), whose keys are pinned in tests/test_import_hf.py and compared with the 1.5 Mini card there; 1.7's own config.json is gated and not recorded",
    "deepseek/deepseek-v3.2": "added with the issue-12 architecture classes; no full copy of the config.json recorded yet",
    "ibm-granite/granite-4.0-h-small": "the one copy found (debaditc/kvfit's trimmed config) gives max_position_embeddings 131,072 where the card records the GGUF's context_length 1,048,576; not settled, so not recorded",
    "allenai/olmo-2-0325-32b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "allenai/olmo-2-0425-1b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "bigcode/starcoder2-15b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "bigcode/starcoder2-3b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "bigcode/starcoder2-7b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "cohere/aya-expanse-32b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "cohere/aya-expanse-8b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "cohere/c4ai-command-a-03-2025": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "cohere/c4ai-command-r-plus-08-2024": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "cohere/c4ai-command-r7b-12-2024": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "google/gemma-3-270m": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "huggingfacetb/smollm2-1.7b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "huggingfacetb/smollm2-135m-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "huggingfacetb/smollm2-360m-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "huggingfacetb/smollm3-3b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "ibm-granite/granite-3.1-3b-a800m-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "ibm-granite/granite-3.3-2b-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "ibm-granite/granite-3.3-8b-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "meta/codellama-13b-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "meta/codellama-34b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "meta/codellama-70b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "meta/codellama-7b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "microsoft/phi-3.5-mini-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "microsoft/phi-3.5-moe-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "microsoft/phi-4-mini-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "microsoft/phi-4-reasoning": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/codestral-22b-v0.1": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/devstral-small-2505": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "mistralai/devstral-small-2507": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/magistral-small-2506": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/mathstral-7b-v0.1": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/ministral-8b-instruct-2410": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/mistral-7b-instruct-v0.2": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "mistralai/mistral-large-instruct-2407": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "nvidia/llama-3.1-nemotron-70b-instruct": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "nvidia/mistral-nemo-minitron-8b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "nvidia/nemotron-mini-4b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "tiiuae/falcon-180b": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "tiiuae/falcon-40b": "added in the issue-12 batch; no full copy of the config.json recorded yet (its total is checked in tests/registry/test_counts_cards_b.py)",
    "tiiuae/falcon3-10b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "tiiuae/falcon3-1b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "tiiuae/falcon3-3b-instruct": "the values it uses are pinned field by field in tests/registry/test_counts_cards_b.py (CONFIG); a full copy of the config.json is not recorded yet",
    "cohere/c4ai-command-r-v01": "no copy of the config.json found in the indexed sources yet",
    "deepseek/deepseek-r1": "no copy of DeepSeek-R1's own config.json found yet (DeepSeek-V3's is recorded)",
    "deepseek/deepseek-v2": "no copy of the config.json found in the indexed sources yet",
    "google/gemma-3-12b": "the copies found (maxtext) differ from the Hub config in max_position_embeddings",
    "google/gemma-3-27b": "the copies found (maxtext) differ from the Hub config in max_position_embeddings",
    "meta/llama-3.3-70b": "no copy of the config.json found in the indexed sources yet",
    "meta/llama-4-maverick-17b-128e": "no copy of the config.json found in the indexed sources yet",
    "microsoft/phi-4": "the one copy found (mlc-llm preset 'phi-4') is Phi-4-mini's config",
    "mistralai/mistral-nemo-12b": "no copy of the config.json found in the indexed sources yet",
    "mistralai/mistral-small-24b-2501": "no copy of the config.json found in the indexed sources yet",
    "moonshotai/kimi-k2-instruct": "no copy of the config.json found in the indexed sources yet",
    "qwen/qwen2.5-coder-1.5b": "no copy of the config.json found in the indexed sources yet",
    "qwen/qwen2.5-coder-7b": "no copy of the config.json found in the indexed sources yet",
    "qwen/qwen2.5-coder-14b": "no copy of the config.json found in the indexed sources yet",
    "qwen/qwen2.5-coder-32b": "no copy of the config.json found in the indexed sources yet",
    "qwen/qwen3-235b-a22b": "the copy found (maxtext) is the 2507 Thinking release's, whose context differs",
    "tiiuae/falcon-7b": "no copy of the config.json found in the indexed sources yet",
    "tiiuae/falcon3-7b-instruct": "no copy of the config.json found in the indexed sources yet",
    "zai-org/glm-4.5": "no copy of the config.json found in the indexed sources yet",
}

# Fields compared key by key for a model type the importer does not read (their config keys come
# from the importer's config_key_for); at least MIN_DIRECT of them must be in the config.
DIRECT_FIELDS: tuple[tuple[str, ...], ...] = (
    ("layers",), ("hidden_size",), ("intermediate_size",), ("vocab_size",), ("max_position_embeddings",),
    ("attention", "heads"), ("attention", "kv_heads"), ("attention", "head_dim"),
    ("experts", "total"), ("experts", "active"),
)
MIN_DIRECT = 5
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def config_sources(card: Card) -> list[str]:
    return [s["url"] for s in card.data.get("sources") or [] if str(s.get("url", "")).endswith("config.json")]


def record_path(card_id: str) -> Path:
    return CONFIGS / f"{card_id}.json"


def load_record(card_id: str) -> dict[str, Any]:
    return json.loads(record_path(card_id).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _head_dim(arch: Mapping[str, Any]) -> Any:
    """A null head_dim from the importer means hidden_size / heads (the transformers default)."""
    heads = (arch.get("attention") or {}).get("heads")
    return arch["hidden_size"] // heads if heads else None


def _compare(expected: Any, card: Any, path: tuple[str, ...], arch: Mapping[str, Any], out: list[str]) -> None:
    if isinstance(expected, Mapping) and isinstance(card, Mapping):
        for key, value in expected.items():
            if key in card:        # a field the card does not state is the validator's business
                _compare(value, card[key], (*path, key), arch, out)
        return
    if path == ("attention", "head_dim") and expected is None and card is not None:
        expected = _head_dim(arch)
    if expected != card:
        out.append(f"architecture.{'.'.join(path)} is {json.dumps(card)}, config.json says {json.dumps(expected)}")


def disagreements(card_arch: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[list[str], int]:
    """(the card's fields that disagree with ``config``, how many fields were compared)."""
    out: list[str] = []
    try:
        expected = architecture_from_config(config)
    except ImportErrorHF as exc:
        if not str(exc).startswith("model_type: unsupported"):
            return [f"the recorded config does not import: {exc}"], 0
        return _direct(card_arch, config)
    _compare(expected, card_arch, (), card_arch, out)
    return out, _count_leaves(expected)


def _count_leaves(value: Any) -> int:
    return sum(_count_leaves(v) for v in value.values()) if isinstance(value, Mapping) else 1


def _direct(card_arch: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[list[str], int]:
    """Key-by-key comparison for a model type the importer does not read yet."""
    out: list[str] = []
    compared = 0
    for path in DIRECT_FIELDS:
        names = config_key_for(("architecture", *path)) or ""
        key = next((k.strip() for k in names.split("/") if k.strip() in config), None)
        node: Any = card_arch
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if key is None or node is None:
            continue
        compared += 1
        if node != config[key]:
            out.append(f"architecture.{'.'.join(path)} is {json.dumps(node)}, config.json {key} is {json.dumps(config[key])}")
    return out, compared


def _located(card: Card, problems: list[str]) -> str:
    lines = []
    for p in problems:
        field = p.split(" ", 1)[0].split(".")
        line, _ = card.positions.locate(tuple(field))
        lines.append(f"{card.display_path}:{line}: {p}")
    return "\n".join(lines)


# -- the recorded configs --------------------------------------------------------------

def _recorded_ids() -> list[str]:
    return sorted(p.relative_to(CONFIGS).with_suffix("").as_posix() for p in CONFIGS.glob("*/*.json"))


def test_every_cited_config_is_recorded_or_a_named_gap(registry_cards: dict[str, Card]):
    citing = {cid for cid, card in registry_cards.items() if config_sources(card)}
    recorded = set(_recorded_ids())
    missing = sorted(citing - recorded - set(NOT_RECORDED))
    assert not missing, ("cards that cite a config.json with no copy in tests/registry/configs (record it, see "
                         f"CONTRIBUTING.md, or name it in NOT_RECORDED with the reason): {missing}")
    stale = sorted(set(NOT_RECORDED) & recorded)
    assert not stale, f"recorded now, remove from NOT_RECORDED: {stale}"
    unknown = sorted(set(NOT_RECORDED) - citing)
    assert not unknown, f"NOT_RECORDED names cards that do not exist or cite no config.json: {unknown}"
    orphans = sorted(recorded - set(registry_cards))
    assert not orphans, f"tests/registry/configs has records for cards that do not exist: {orphans}"


def test_known_gaps(registry_cards: dict[str, Card]):
    """The cards whose config is not checked yet, printed with the reason (pytest -rP shows them)."""
    for cid, why in sorted(NOT_RECORDED.items()):
        print(f"not recorded: {cid}: {why}")
    assert all(why.strip() for why in NOT_RECORDED.values())


@pytest.mark.parametrize("card_id", _recorded_ids())
def test_record_says_where_it_comes_from(card_id: str, registry_cards: dict[str, Card]):
    rec = load_record(card_id)
    assert rec.get("card") == card_id
    assert str(rec.get("url", "")).startswith("https://huggingface.co/") and rec["url"].endswith("config.json")
    assert DATE.match(str(rec.get("read", ""))), "read: the date the copy was read, YYYY-MM-DD"
    assert str(rec.get("via", "")).strip(), "via: the copy the values were read from (repository, path, commit)"
    assert isinstance(rec.get("config"), dict) and rec["config"].get("model_type")
    cited = config_sources(registry_cards[card_id]) if card_id in registry_cards else []
    if rec["url"] not in cited:
        assert str(rec.get("note", "")).strip(), (
            f"{rec['url']} is not the config.json the card cites ({cited}): a note must say why it stands in")


@pytest.mark.parametrize("card_id", _recorded_ids())
def test_architecture_agrees_with_config(card_id: str, registry_cards: dict[str, Card]):
    card = registry_cards[card_id]
    problems, compared = disagreements(card.data["architecture"], load_record(card_id)["config"])
    assert not problems, "\n" + _located(card, problems)
    assert compared >= MIN_DIRECT, f"only {compared} fields could be compared"


# -- the check itself catches a wrong field --------------------------------------------------

# Llama 3.1 8B's config.json, as published (the values written out here, independently of the
# record): 32 layers, width 4096, 14336 MLP, 32 heads, 8 KV heads, vocabulary 128256, untied.
LLAMA_31_8B = {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
               "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
               "max_position_embeddings": 131072, "tie_word_embeddings": False, "hidden_act": "silu"}


def test_a_wrong_field_is_reported(registry_cards: dict[str, Card]):
    arch = json.loads(json.dumps(registry_cards["meta/llama-3.1-8b"].data["architecture"]))
    assert disagreements(arch, LLAMA_31_8B)[0] == []
    arch["layers"] = 33
    arch["attention"]["kv_heads"] = 4
    arch["tied_embeddings"] = True
    assert disagreements(arch, LLAMA_31_8B)[0] == [
        "architecture.layers is 33, config.json says 32",
        "architecture.tied_embeddings is true, config.json says false",
        "architecture.attention.kv_heads is 4, config.json says 8",
    ]


def test_an_unsupported_model_type_is_compared_key_by_key():
    arch = {"layers": 40, "hidden_size": 5120, "intermediate_size": 13824, "vocab_size": 100352,
            "max_position_embeddings": 4096, "attention": {"heads": 40, "kv_heads": 40, "head_dim": None},
            "experts": None}
    config = {"model_type": "olmo2", "num_hidden_layers": 40, "hidden_size": 5120, "intermediate_size": 13824,
              "vocab_size": 100352, "max_position_embeddings": 4096, "num_attention_heads": 40,
              "num_key_value_heads": 40}
    assert disagreements(arch, config) == ([], 7)
    assert disagreements({**arch, "hidden_size": 4096}, config)[0] == [
        "architecture.hidden_size is 4096, config.json hidden_size is 5120"]
