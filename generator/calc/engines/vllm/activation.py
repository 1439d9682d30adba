"""The profile run's activation peak (gpu_model_runner.py GPUModelRunner.profile_run): the dummy
forward over max_num_batched_tokens, then the dummy sampler, per release line and model runner."""

from __future__ import annotations

from typing import Any, Mapping

from generator.calc.engines import (
    PlanError,
)
from generator.calc.params import head_dim_of
from generator.calc.engines.vllm.constants import (
    ACT_BYTES, SAMPLER_BYTES_PER_LOGIT, TRITON_SAMPLER_BYTES_PER_LOGIT, TRITON_SAMPLER_MIN_ROWS,
    TRITON_SAMPLER_SMS,
)
from generator.calc.engines.vllm.releases import (
    DEFAULT_RELEASE, ESTIMATE_LINES, EXTENSIBLE_KV_OFF, MODEL_RUNNER_V1, MODEL_RUNNER_V2, MRV2_ONLY_LINES,
    MRV2_RELEASES, WARMUP_PASS_BYTES_PER_LOGIT,
)


# --- activation peak -----------------------------------------------------------------------------

# Model Runner V2's sampler tables per request slot, GPU tensors of v1/worker/gpu/sample/ (v0.27.0-v0.34.0):
# logit_bias.py LogitBiasState: allowed token ids, logit-bias token ids (int32) and biases (FP32), 1024 each,
# and 128 int32 stop token ids; bad_words.py BadWordsState: VLLM_MAX_BAD_WORDS_TOTAL_TOKENS (1024) token
# ids and VLLM_MAX_NUM_BAD_WORDS + 1 (129) offsets, int32; logprob.py LogprobTokenIdsState: 128 int32 ids.
MRV2_SLOT_TABLE_BYTES = (3 * 1024 + 128) * 4 + (1024 + 129) * 4 + 128 * 4  # 17,924


def cudagraph_estimate(settings: Mapping[str, Any], release: str, eager: bool) -> str:
    """--cudagraph-estimate as planned: "on" only on the 0.21 line (older releases have no estimate)
    and with CUDA graphs (gpu_worker.py profiles no estimate under --enforce-eager)."""
    value = str(settings.get("cudagraph_estimate") or "off")
    if value == "on" and release not in ESTIMATE_LINES:
        raise PlanError("--cudagraph-estimate", f"on: vLLM's CUDA graph estimate came with v0.21.0; release line "
                        f"{release} has none; allowed: off, or --vllm-version 0.21")
    return "off" if eager else value


def model_runner(settings: Mapping[str, Any], release: str) -> str:
    """--model-runner as planned: "v2" only on the 0.21 line (older releases default to Model Runner V1
    and the rules of their V2 are not modelled)."""
    value = str(settings.get("model_runner") or ("v2" if release in MRV2_ONLY_LINES else "v1"))
    if value == "v2" and release not in ESTIMATE_LINES:
        raise PlanError("--model-runner", f"v2: Model Runner V2 is modelled as v0.27.0 to v0.32.x and v0.34.0 run "
                        f"it; release line {release} is older; allowed: v1, or --vllm-version 0.21 or 0.34")
    if value == "v1" and release in MRV2_ONLY_LINES:
        raise PlanError("--model-runner", "v1: vLLM 0.34.0 removed Model Runner V1; allowed: v2, or "
                        "--vllm-version 0.21 (v0.21.0-v0.33.x)")
    return value


def runner_note(release: str, runner: str) -> str:
    """The plan's words on the model runner its command picks (release line 0.21 only)."""
    if release not in ESTIMATE_LINES:
        return ""
    warm = ("The plan assumes a warm torch.compile cache (from an earlier start of the same model and settings): a "
            "first start profiles about 0.5-1 GiB more for the compile, so its KV cache is that much smaller.")
    if release in MRV2_ONLY_LINES:
        return (f" Model Runner V2, the only one. The command sets {EXTENSIBLE_KV_OFF}: without it vLLM 0.34 "
                "reserves the whole device (gpu_memory_utilization 1.0) and sizes the KV cache after warm-up and "
                "CUDA graph capture from the memory then free, less a margin of max(1 GiB, 0.75 x the transient "
                "peak), which usually gives more KV cache than this plan but is not predicted here. " + warm
                + " No public vLLM 0.34 start-up log was found to check this line against.")
    if runner == "v2":
        return (f" The command sets {MODEL_RUNNER_V2}: Model Runner V2 as v{MRV2_RELEASES} run it (vLLM's default "
                "for every model from v0.29.0, for some from v0.22.0). " + warm + " v0.33.x added an FP32 sampler "
                "pass to the profile run (planned by --vllm-version 0.34, whose blocks differ); not modelled.")
    return (f" The command also sets {MODEL_RUNNER_V1}: from v0.22.0 vLLM runs more and more models on Model Runner "
            f"V2 by default (every model from v0.29.0; --model-runner v2 plans it as v{MRV2_RELEASES} run it). "
            "v0.34.0 removed Model Runner V1 and refuses this setting at start-up, so this plan holds for v0.21.0 "
            "to v0.33.x; plan v0.34.0 and later with --vllm-version 0.34.")


def sampler_sorts(rows: int, release: str) -> bool:
    """Whether the dummy sampler's top-k/top-p sorts the logits (every row on the 0.11 line; from
    v0.17, batches under TRITON_SAMPLER_MIN_ROWS rows) rather than running the Triton pivot search."""
    return release == "0.11" or rows < TRITON_SAMPLER_MIN_ROWS


def sampler_bytes(vocab: int, rows: int, release: str) -> int:
    """What the profile run's dummy sampler holds at its peak for ``rows`` rows of ``vocab`` logits
    (gpu_model_runner.py _dummy_sampler_run: top_k and top_p on for every row)."""
    if sampler_sorts(rows, release):
        return rows * vocab * SAMPLER_BYTES_PER_LOGIT
    programs = min(TRITON_SAMPLER_SMS, rows)
    scratch_rows = min(1 << (programs - 1).bit_length(), TRITON_SAMPLER_SMS)  # next power of two, capped
    return rows * vocab * TRITON_SAMPLER_BYTES_PER_LOGIT + scratch_rows * vocab * 4


def activation_peak(card: Mapping[str, Any], tp: int, batched_tokens: int, num_seqs: int,
                    release: str = DEFAULT_RELEASE, runner: str = "v1") -> int:
    """Torch peak increase of the profile run (gpu_model_runner.py GPUModelRunner.profile_run).

    The forward pass over ``batched_tokens`` tokens peaks inside one MLP: the residual and
    the normalised input (2 x hidden), the fused gate/up output (2 x intermediate/tp) and the
    activation output (intermediate/tp) per token; for MoE layers FusedMoE's workspaces
    (fused_moe.py fused_experts_impl: intermediate_cache1/2/3 = top_k x (2I + I)/tp + top_k x
    hidden per token). The dummy sampler run then holds ``min(max_num_seqs, batched_tokens)``
    rows of logits over the vocabulary (all-gathered over TP: full width on each rank), as
    sampler_bytes says for the release line, while the forward's hidden states are still alive.

    Model Runner V2 (``runner`` "v2", v0.27.0-v0.32.x: v1/worker/gpu/model_runner.py profile_run)
    runs the same forward with the attention kernels skipped (the projections still run) and the
    same rows of dummy logits, but its sampler leaves them in the model dtype: the dummy requests'
    default parameters need no processing (v1/worker/gpu/sample/sampler.py apply_sampling_params
    returns the logits as they are), and Gumbel sampling keeps only a row of block maxima.

    From v0.33.0 (the 0.34 line) _dummy_sampler_run runs the sampler a second time with
    SamplingParams.for_sampler_warmup (every feature on), while the model-dtype logits stay alive:
    WARMUP_PASS_BYTES_PER_LOGIT more per logit.
    """
    arch = card["architecture"]
    h = int(arch["hidden_size"])
    widths = [0]
    if arch.get("intermediate_size"):
        widths.append(3 * int(arch["intermediate_size"]) // tp)
    exp = arch.get("experts") if arch.get("type") == "moe" else None
    if exp:
        k, inner = int(exp["active"]), int(exp["intermediate_size"])
        widths.append(k * (3 * inner // tp + h))
        if exp.get("shared"):
            widths.append(3 * int(exp["shared"]) * int(exp["shared_intermediate_size"] or 0) // tp)
    att = arch["attention"]
    if att["structure"] != "MLA":
        hd = head_dim_of(arch)
        kv_rank = max(1, int(att["kv_heads"]) // tp)
        widths.append((2 * int(att["heads"]) // tp + 2 * kv_rank) * hd)  # q, k, v and the output
    forward = batched_tokens * ACT_BYTES * (2 * h + max(widths))
    rows = min(num_seqs, batched_tokens)
    # LogitsProcessor._get_logits drops the vocabulary padding before sampling.
    vocab = int(arch["vocab_size"])
    logits = rows * vocab * ACT_BYTES if runner == "v2" else sampler_bytes(vocab, rows, release)
    if runner == "v2" and release in MRV2_ONLY_LINES:
        logits += rows * vocab * WARMUP_PASS_BYTES_PER_LOGIT
    sampler = batched_tokens * h * ACT_BYTES + logits
    return max(forward, sampler)


def mrv2_sampler_buffers(vocab: int, num_seqs: int) -> int:
    """What Model Runner V2 allocates per request slot for the whole run, before the profile run
    (the same shapes in every wheel from v0.27.0 to v0.34.0):

    - v1/worker/gpu/sample/penalties.py PenaltiesState: an int32 count of every vocabulary entry
      (output_bin_counts) and a bit mask of the prompt's tokens (prompt_bin_mask, 32 entries per int32);
    - the sampler's other per-request tables (MRV2_SLOT_TABLE_BYTES);
    - v1/worker/gpu/structured_outputs.py StructuredOutputsWorker: a grammar bit mask of the vocabulary
      and a logits index (int32) per slot.

    vLLM counts them with the weights and the non-torch memory ("consumed memory"), before the KV cache."""
    bitmask = -(-vocab // 32) * 4
    return num_seqs * (vocab * 4 + bitmask + MRV2_SLOT_TABLE_BYTES + bitmask + 4)
