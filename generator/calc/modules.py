"""Which engine loads which part outside the text model, and what a llama.cpp mmproj file weighs.

Pure. A card's optional parts (``params.module_parts``: the MTP modules, the vision and audio
encoders, plus Gemma 3n's per-layer embedding table) are priced and placed by each engine's own
rules; this module states those rules once, with the engine source they come from, for the
engine plans (generator/calc/engines) and the site's methodology (site/architectures.md).

llama.cpp (ggml-org/llama.cpp, master as of 2025-10):
* vision and audio encoders live in a separate GGUF (``mmproj``) written by
  convert_hf_to_gguf.py ``--mmproj`` (class MmprojModel); llama-server loads it only when
  started with ``--mmproj`` (tools/server/server.cpp, server_context::load_model: mtmd_init_from_file
  when params.mmproj.path is set), on the GPU unless ``--no-mmproj-offload``
  (mparams.use_gpu = params.mmproj_use_gpu). The converter keeps 1-D tensors in F32 and, for
  Gemma 3 (Gemma3VisionModel.tensor_force_quant), the patch and position embeddings too.
* DeepSeek-V3 MTP: dropped at conversion (convert_hf_to_gguf.py DeepseekV2Model.modify_tensors,
  "skip Multi-Token Prediction (MTP) layers": layers >= num_hidden_layers), so neither in the
  file nor in memory.
* GLM-4.5 / 4.6 MTP: written to the GGUF as the last block (the NextN layer) but created with
  TENSOR_SKIP by the loader (src/llama-model.cpp llama_model::load_tensors, LLM_ARCH_GLM4_MOE:
  "NextN/MTP tensors (preserved but unused)"), so in the file, not in memory.
* Gemma 3n per-layer embeddings: an input tensor (src/llama-arch.cpp LLM_TENSOR_INFOS:
  LLM_TENSOR_PER_LAYER_TOKEN_EMBD is LLM_TENSOR_LAYER_INPUT with GGML_OP_GET_ROWS), placed in
  host memory like token_embd.

vLLM (vllm-project/vllm v0.10-0.11):
* encoders are built and loaded with the language model for multimodal architectures
  (model_executor/models/gemma3_mm.py Gemma3ForConditionalGeneration, mllama4.py
  Llama4ForConditionalGeneration, qwen2_5_vl.py Qwen2_5_VLForConditionalGeneration,
  mistral3.py Mistral3ForConditionalGeneration);
* MTP layers are skipped when the weights load (deepseek_v2.py DeepseekV2ForCausalLM.load_weights
  and glm4_moe.py Glm4MoeForCausalLM.load_weights skip the layers get_spec_layer_idx_from_weight_name
  finds) and loaded only as a draft model with a speculative config (deepseek_mtp.py, glm4_moe_mtp.py).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from generator.calc.params import _Missing, encoder_params, encoder_vectors, mtp_params, per_layer_embedding_params

ENGINES = ("llama.cpp", "vllm")


class PartRule(NamedTuple):
    """How one engine treats one part of a card."""

    part: str  # mtp, vision_encoder, audio_encoder, per_layer_embeddings
    parameters: int
    loaded: bool  # in device or host memory in the engine's default plan
    where: str  # "main file", "mmproj file", "not in the file", "host memory", "device"
    rule: str  # the rule in words, with its source


def _mtp_rule(card: Mapping[str, Any], engine: str, n: int) -> PartRule:
    arch = card["architecture"]
    qwen3_next = (arch.get("linear_attention") or {}).get("kind") == "gated_deltanet"
    glm_like = arch.get("type") == "moe" and (arch.get("attention") or {}).get("structure") != "MLA" and not qwen3_next
    # ERNIE 4.5: a dense MTP block beside MoE layers, and no final norm of its own.
    ernie = arch.get("type") == "moe" and (arch.get("mtp") or {}).get("final_norm") is False
    if engine == "vllm":
        return PartRule("mtp", n, False, "not loaded",
                        "skipped by load_weights unless a speculative config loads it as a draft model "
                        "(model_executor/models/deepseek_v2.py, glm4_moe.py; qwen3_next.py skips the mtp. prefix; "
                        "ernie45_moe.py skips names with mtp)")
    if qwen3_next:
        return PartRule("mtp", n, False, "not in the file",
                        "dropped at conversion (convert_hf_to_gguf.py Qwen3NextModel skips the mtp.* tensors)")
    if ernie:
        return PartRule("mtp", n, False, "not in the file",
                        "dropped at conversion (convert_hf_to_gguf.py Ernie4_5MoeModel skips the "
                        "model.mtp_block, mtp_emb_norm, mtp_hidden_norm and mtp_linear_proj tensors)")
    if glm_like:
        return PartRule("mtp", n, False, "main file",
                        "written as the last (NextN) block of the GGUF but created with TENSOR_SKIP "
                        "(src/llama-model.cpp llama_model::load_tensors)")
    return PartRule("mtp", n, False, "not in the file",
                    "dropped at conversion (convert_hf_to_gguf.py DeepseekV2Model.modify_tensors)")


def part_rules(card: Mapping[str, Any], engine: str) -> tuple[PartRule, ...]:
    """Each optional part of the card and how ``engine`` (llama.cpp or vllm) treats it."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    arch = card.get("architecture") or {}
    rules: list[PartRule] = []
    try:
        if isinstance(arch.get("mtp"), Mapping):
            rules.append(_mtp_rule(card, engine, mtp_params(arch)))
        hidden = int(arch.get("hidden_size") or 0)
        for key in ("vision_encoder", "audio_encoder"):
            enc = arch.get(key)
            if not isinstance(enc, Mapping):
                continue
            n = encoder_params(enc, hidden)
            if engine == "vllm":
                rules.append(PartRule(key, n, True, "device", "built and loaded with the language model"))
            else:
                rules.append(PartRule(key, n, False, "mmproj file",
                                      "a separate GGUF, loaded only with --mmproj (on the GPU unless "
                                      "--no-mmproj-offload)"))
        ple = per_layer_embedding_params(arch)
    except (_Missing, TypeError, ValueError):
        return tuple(rules)
    if ple:
        where = "host memory" if engine == "llama.cpp" else "device"
        rules.append(PartRule("per_layer_embeddings", ple, True, where,
                              "an input (lookup) tensor, kept in host memory like token_embd "
                              "(src/llama-arch.cpp LLM_TENSOR_INFOS)" if engine == "llama.cpp"
                              else "loaded with the model"))
    return tuple(rules)


# GGUF type sizes: F16 and F32 bytes per element.
F16_BYTES, F32_BYTES = 2, 4
# Encoder kinds whose converter keeps the patch and position embeddings in F32
# (convert_hf_to_gguf.py Gemma3VisionModel.tensor_force_quant: ".embeddings." -> F32).
F32_EMBEDDINGS = frozenset({"siglip"})


def mmproj_tensor_bytes(enc: Mapping[str, Any], text_hidden: int) -> int:
    """Tensor bytes of an F16 mmproj GGUF of this encoder (header and alignment not counted).

    Matrices in F16; 1-D tensors (norms, biases, the class embedding) in F32; for the kinds in
    F32_EMBEDDINGS the patch and position embeddings in F32 as well.
    """
    total = encoder_params(enc, text_hidden)
    vectors, embeddings = encoder_vectors(enc, text_hidden)
    f32 = vectors + (embeddings if enc.get("kind") in F32_EMBEDDINGS else 0)
    return (total - f32) * F16_BYTES + f32 * F32_BYTES
