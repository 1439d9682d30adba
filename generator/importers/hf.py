"""Hugging Face ``config.json`` -> card ``architecture`` block (and a card draft).

Pure functions over the parsed JSON mapping; the command module reads the file. The readers
and builders are in ``families.py`` (transformer families) and ``hybrid.py`` (state-space,
linear-attention and sparse-attention types); this module puts their model types together.
Where a config omits a key, the value the transformers configuration class uses
by default is applied (see ``_DEFAULTS``), because that is what the released
checkpoint was built with.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping

from generator.importers import families, hybrid
from generator.importers.families import (
    _DEFAULTS,
    _WRAPPERS,
    ImportErrorHF,
    _audio_encoder,
    _Config,
    _shown,
    _vision_encoder,
)

__all__ = ["ImportErrorHF", "SUPPORTED_TYPES", "architecture_from_config", "card_draft", "config_key_for",
           "is_multimodal", "language_config", "read_config"]

# The hybrid types join the families': their defaults where _Config reads them, their builders here.
_DEFAULTS.update(hybrid.DEFAULTS)
_BUILDERS = {**families._BUILDERS, **hybrid.BUILDERS}
_DEFAULTS["qwen3_5_moe"] = _DEFAULTS["qwen3_5_moe_text"]  # the wrapper (text_config + vision_config)
# Model types with a builder (or a wrapper around one); the defaults of sub-configs
# (vision_config, Gemma 3n's audio_config) are not model types.
SUPPORTED_TYPES = tuple(sorted(k for k in _DEFAULTS if k in _BUILDERS or k in _WRAPPERS))


def language_config(config: Mapping[str, Any]) -> tuple[str, Mapping[str, Any], str]:
    """(model_type, mapping, key prefix for messages) of the language model, unwrapping text_config."""
    if not isinstance(config, Mapping):
        raise ImportErrorHF("config.json must hold a JSON object")
    if "model_type" not in config:
        raise ImportErrorHF(
            "model_type: missing; this is not a transformers config.json (use the config.json next to the "
            "model's weights on the Hub, or add \"model_type\": one of " + ", ".join(SUPPORTED_TYPES) + ")"
        )
    mtype = config.get("model_type")
    if mtype not in SUPPORTED_TYPES:
        raise ImportErrorHF(
            f"model_type: unsupported model_type {_shown(mtype)}; supported: {', '.join(SUPPORTED_TYPES)}"
        )
    if mtype in _WRAPPERS:
        text = config.get("text_config")
        if not isinstance(text, Mapping):
            raise ImportErrorHF(f"text_config: model_type {mtype!r} needs a 'text_config' object")
        return _WRAPPERS[mtype], text, "text_config."
    if isinstance(config.get("text_config"), Mapping):
        return mtype, {**config, **config["text_config"]}, ""
    return mtype, config, ""


def architecture_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The card ``architecture`` block for a Hugging Face config.json mapping."""
    mtype, cfg, prefix = language_config(config)
    get = _Config(cfg, mtype, prefix)
    try:
        arch = _BUILDERS[mtype](cfg, get, mtype)
        vision = _vision_encoder(config, str(config.get("model_type")))
        if vision is not None:
            arch["vision_encoder"] = vision
        audio = _audio_encoder(config, str(config.get("model_type")))
        if audio is not None:
            arch["audio_encoder"] = audio
        return arch
    except ImportErrorHF:
        raise
    except (TypeError, ValueError, KeyError, OverflowError, MemoryError) as exc:
        raise ImportErrorHF(f"bad value ({type(exc).__name__}: {exc}) in a {mtype} config") from None


# Card fields and the config.json keys they come from (Llama-style configs), for messages
# about a draft; GPT-2 style names in the second map.
_CONFIG_KEYS = {
    ("architecture", "layers"): "num_hidden_layers",
    ("architecture", "hidden_size"): "hidden_size",
    ("architecture", "intermediate_size"): "intermediate_size",
    ("architecture", "vocab_size"): "vocab_size",
    ("architecture", "max_position_embeddings"): "max_position_embeddings",
    ("architecture", "attention", "heads"): "num_attention_heads",
    ("architecture", "attention", "kv_heads"): "num_key_value_heads",
    ("architecture", "attention", "head_dim"): "head_dim",
    ("architecture", "attention", "structure"): "num_key_value_heads",
    ("architecture", "experts", "total"): "num_local_experts / num_experts / n_routed_experts",
    ("architecture", "experts", "active"): "num_experts_per_tok",
}


def config_key_for(path: tuple[Any, ...]) -> str | None:
    """The config.json key a draft field comes from, when there is one obvious key."""
    return _CONFIG_KEYS.get(path)


# JSON numbers: integers of at most this many digits (Python refuses 4,300 and more; a
# config never needs 30), floats finite; NaN and Infinity are not JSON numbers at all.
MAX_DIGITS = 30
MAX_NESTING = 100


class _BadNumber(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _BadNumber(f"a number with {len(text.lstrip('-')):,} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"{text[:20]} is too large for a number")
    return value


def _parse_constant(text: str) -> Any:
    raise _BadNumber(f"{text} is not a JSON number")


def _nesting(text: str) -> int:
    """Deepest bracket nesting outside strings (checked before parsing: json recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def read_config(path: Path) -> dict[str, Any]:
    """Parse config.json; ImportErrorHF starting with the path (and line:column where known)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportErrorHF(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ImportErrorHF(f"{path}: not UTF-8 text") from None
    # Cheap test first: a config holds a few dozen brackets, not a hundred levels of them.
    if text.count("[") + text.count("{") > MAX_NESTING and _nesting(text) > MAX_NESTING:
        raise ImportErrorHF(f"{path}: bad value: JSON nested more than {MAX_NESTING} levels deep")
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except json.JSONDecodeError as exc:
        raise ImportErrorHF(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # _BadNumber, and anything json itself refuses
        raise ImportErrorHF(f"{path}: bad value: {exc}") from None
    if not isinstance(data, dict):
        raise ImportErrorHF(f"{path}: config.json must hold a JSON object")
    return data


def is_multimodal(config: Mapping[str, Any]) -> bool:
    return any(k in config for k in ("vision_config", "audio_config"))


def card_draft(config: Mapping[str, Any], card_id: str) -> dict[str, Any]:
    """A card with every schema key: architecture filled, descriptive fields null."""
    arch = architecture_from_config(config)
    multimodal = is_multimodal(config)
    text_only = not multimodal
    # Every tower described (a vision_config the importer reads, no audio): extra is 0 as well.
    described = "vision_encoder" in arch and "audio_config" not in config
    return {
        "id": card_id,
        "name": None,
        "organization": None,
        "family": None,
        "status": None,
        "release_date": None,
        "knowledge_cutoff": None,
        "description": None,
        "license": {"name": None, "spdx": None, "url": None},
        "open_weights": None,
        "modalities": {
            "input": ["text"] if text_only else (["text", "image"] if described else None),
            "output": ["text"],
        },
        "context_length": None,
        # extra: 0 for a text-only config (architecture describes everything);
        # unknown (null) when the checkpoint carries a vision/audio tower.
        "parameters": {"total": None, "active": None, "extra": 0 if text_only or described else None},
        "architecture": arch,
        "sources": [],
        "evaluations": [],
        "notes": None,
    }
