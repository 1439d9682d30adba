"""Cross-field checks on one card: the contradictions a schema cannot express.

Pure functions over the card mapping. They run even when the schema found
other problems, so each check reads its fields through ``_count`` and friends:
a value of the wrong type, or one outside the range the schema allows (0 heads,
a 401-digit total), reads as unknown here, and only the schema's message is
shown for it. Each check yields ``Problem``s (path + message) that the caller
turns into located errors.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import re
import unicodedata
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Callable, Iterator, Optional

from generator.calc.params import _Missing, attention_structure, count_parameters, encoder_params, moe_layer_count
from generator.schema_check import Problem

CardData = Mapping[str, Any]
FieldPath = tuple[Any, ...]  # a field path: mapping keys and list indexes

ARCH = ("architecture",)
ATT = ("architecture", "attention")
EXP = ("architecture", "experts")
WINDOW = ATT + ("sliding_window",)
ROPE = ARCH + ("rope_scaling",)
MTP = ARCH + ("mtp",)
PARAM_TOLERANCE = Fraction(1, 100)  # declared vs derived total parameters
# Publishers round active counts and some leave out the embeddings and the output
# head: in the registry, GLM-4.5's 32B is 2.6% and DeepSeek-V2-Lite's 2.4B 2.1% under
# the derived count without the input embedding (and 4.9% / 9.8% under the count with it).
ACTIVE_SHORTFALL = Fraction(10, 100)
# Far above every bound in the schema; anything larger is the schema's to report.
_HUGE = 10**18
FIRST_RELEASE_YEAR = 2015  # earlier than any model the registry covers (the Transformer is from 2017)
CUTOFF_YEARS = 10  # a knowledge cutoff more than this many years before the release is a typo
EVALUATION_YEARS = 1  # a score dated more than this many years before the release is a typo


def _int(value: Any) -> Optional[int]:
    """An integer the checks can compute with, else None (floats, booleans, absurd sizes)."""
    if isinstance(value, int) and not isinstance(value, bool) and -_HUGE <= value <= _HUGE:
        return value
    return None


def _count(value: Any, least: int = 1) -> Optional[int]:
    """A count the schema accepts the form of (``least`` or more), else None."""
    number = _int(value)
    return number if number is not None and number >= least else None


def _map(value: Any) -> CardData:
    return value if isinstance(value, Mapping) else {}


def n(value: int) -> str:
    """1234567 -> '1,234,567' (big counts are unreadable otherwise)."""
    return f"{value:,}"


def check_parameters(card: CardData) -> Iterator[Problem]:
    params = _map(card.get("parameters"))
    arch = _map(card.get("architecture"))
    total, active = _count(params.get("total")), _count(params.get("active"))
    kind = arch.get("type")
    if kind == "dense" and total is not None and active is not None and active != total:
        # One mistake, one message: this one also covers active > total.
        yield Problem(
            ("parameters", "active"),
            f"a dense model uses every parameter per token: active must be null or equal to total ({n(total)}), got {n(active)}",
        )
    elif total is not None and active is not None and active > total:
        yield Problem(
            ("parameters", "active"),
            f"active parameters ({n(active)}) exceed total parameters ({n(total)}); "
            "active counts the parameters used per token, so it cannot be larger (are the two swapped?)",
        )
    if kind == "moe" and "active" in params and params.get("active") is None:
        yield Problem(("parameters", "active"), "required for MoE models (architecture.type is moe): give the parameters used per token")
    extra = _count(params.get("extra"), least=0)
    if extra is not None and total is not None and extra > total:
        yield Problem(
            ("parameters", "extra"),
            f"{n(extra)} parameters outside the architecture are more than the total of {n(total)}; "
            "extra is the part of parameters.total that the architecture does not describe",
        )


def check_experts(card: CardData) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    kind, experts = arch.get("type"), arch.get("experts")
    if "type" in arch and kind is None and card.get("open_weights") is not False:
        # The schema allows null only so that closed models can leave it undisclosed.
        yield Problem(ARCH + ("type",), "must be dense or moe; null is only for closed models (open_weights: false) "
                      "whose makers do not disclose it")
    if kind == "moe" and "experts" in arch and experts is None:
        yield Problem(EXP, "architecture.type is moe, so experts must describe the experts (it is null)", at_key=True)
    if kind == "dense" and isinstance(experts, Mapping):
        yield Problem(EXP, "architecture.type is dense but experts is filled in: set type: moe, or experts: null", at_key=True)
    if not isinstance(experts, Mapping):
        return
    total, active = _count(experts.get("total")), _count(experts.get("active"))
    if total is not None and active is not None and active > total:
        yield Problem(EXP + ("active",), f"{active} active experts per token exceed the {total} routed experts")
    shared = _count(experts.get("shared"), least=0)
    if shared == 0 and experts.get("shared_intermediate_size") is not None:
        yield Problem(EXP + ("shared_intermediate_size",), "is set but shared is 0: with no shared experts it must be null")
    if shared and "shared_intermediate_size" in experts and experts.get("shared_intermediate_size") is None:
        yield Problem(
            EXP + ("shared_intermediate_size",),
            f"is null but there {'is 1 shared expert' if shared == 1 else f'are {shared} shared experts'}: "
            "give the inner width of one shared expert (null means there are none)",
            at_key=True,
        )
    if shared == 0 and experts.get("shared_expert_gate") is True:
        yield Problem(EXP + ("shared_expert_gate",), "is true but shared is 0: with no shared expert there is nothing to gate; set false")
    layers = _count(arch.get("layers"))
    first, step = _count(experts.get("first_dense_layers"), least=0), _count(experts.get("interleave_step"))
    if first is not None and layers is not None and first >= layers:
        yield Problem(EXP + ("first_dense_layers",), f"{first} dense layers leave no MoE layer in a {layers}-layer model")
    elif layers is not None and first is not None and step is not None and kind == "moe":
        moe_layers = moe_layer_count(layers, first, step)
        if moe_layers == 0:
            yield Problem(
                EXP + ("interleave_step",),
                f"a {layers}-layer model with {first} first dense layers and interleave_step {step} has no MoE layer "
                "(layer i is MoE when (i - first_dense_layers) % step == step - 1)",
            )
        elif moe_layers == layers and arch.get("intermediate_size") is not None:
            yield Problem(
                ARCH + ("intermediate_size",),
                f"is set but all {layers} layers are MoE (first_dense_layers 0, interleave_step 1): with no dense "
                "layer it must be null (the experts' width is experts.intermediate_size)",
            )


def check_attention(card: CardData) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    att = _map(arch.get("attention"))
    heads, kv = _count(att.get("heads")), _count(att.get("kv_heads"))
    structure = att.get("structure")
    if structure == "MLA":
        yield from _check_mla(att, heads, kv)
    elif heads is not None and kv is not None:
        if kv > heads:
            yield Problem(ATT + ("kv_heads",), f"{kv} KV heads is more than the {heads} query heads")
        elif heads % kv:
            yield Problem(ATT + ("kv_heads",), f"{kv} does not divide {heads} query heads")
        elif structure in ("MHA", "MQA", "GQA"):
            fits = attention_structure(heads, kv)
            rule = {"MHA": "kv_heads = heads", "MQA": "kv_heads = 1", "GQA": "1 < kv_heads < heads"}[structure]
            if fits != structure:
                yield Problem(
                    ATT + ("structure",),
                    f"{structure} means {rule}, but there are {kv} KV heads for {heads} query heads: that is {fits}",
                )
    mla = att.get("mla")
    if structure is not None and structure != "MLA" and isinstance(mla, Mapping):
        yield Problem(ATT + ("mla",), f"the mla block only applies to structure MLA (structure is {structure}); set mla: null", at_key=True)
    hidden = _count(arch.get("hidden_size"))
    if structure != "MLA" and "head_dim" in att and att.get("head_dim") is None and hidden and heads and hidden % heads:
        yield Problem(
            ATT + ("head_dim",),
            f"null means hidden_size / heads, but {hidden} is not divisible by {heads} heads: give head_dim from config.json",
        )
    yield from _check_window(card, arch, att)


def _check_mla(att: CardData, heads: Optional[int], kv: Optional[int]) -> Iterator[Problem]:
    mla = att.get("mla")
    if "mla" in att and mla is None:
        yield Problem(ATT + ("mla",), "structure is MLA, so the mla block (ranks and head widths) must be filled in", at_key=True)
    if att.get("fused_qkv") is True:
        yield Problem(ATT + ("fused_qkv",), "MLA projects queries and the key/value latent separately, so there is "
                      "no fused QKV matrix; set fused_qkv: false or null", at_key=True)
    if att.get("head_dim") is not None:
        yield Problem(ATT + ("head_dim",), "MLA heads take their widths from the mla block (qk_nope_head_dim, "
                      "qk_rope_head_dim, v_head_dim): set head_dim: null")
    if heads is not None and kv is not None and kv != heads:
        yield Problem(ATT + ("kv_heads",), f"MLA expands the key/value latent to every query head: kv_heads must "
                      f"equal heads ({heads}) or be null, got {kv}")
    if isinstance(att.get("sliding_window"), Mapping):
        yield Problem(WINDOW, "no MLA model uses local attention, and the KV cache has no formula for it: "
                      "set sliding_window: null", at_key=True)
    rope = _count(_map(mla).get("qk_rope_head_dim"))
    if rope is not None and rope % 2:
        yield Problem(ATT + ("mla", "qk_rope_head_dim"), f"rotary dimensions come in pairs, so it must be even, got {rope}")


def _check_window(card: CardData, arch: CardData, att: CardData) -> Iterator[Problem]:
    window = att.get("sliding_window")
    if not isinstance(window, Mapping):
        return
    size = _count(window.get("size"))
    context, positions = _count(card.get("context_length")), _count(arch.get("max_position_embeddings"))
    if size is not None and context is not None and size > context:
        yield Problem(WINDOW + ("size",), f"a window of {n(size)} tokens is longer than the context_length of {n(context)} tokens")
    elif size is not None and positions is not None and size > positions:
        yield Problem(WINDOW + ("size",), f"a window of {n(size)} tokens is longer than max_position_embeddings ({n(positions)})")
    pattern = window.get("pattern")
    if not isinstance(pattern, str) or not re.fullmatch(r"[LG]+", pattern):
        return
    if "L" not in pattern:
        yield Problem(WINDOW + ("pattern",), f"{pattern!r} has no local (L) layer, so no layer uses the window: "
                      "set sliding_window: null, or mark the local layers with L")
    layers = _count(arch.get("layers"))
    if layers is not None and len(pattern) > layers:
        yield Problem(WINDOW + ("pattern",), f"the pattern has {len(pattern)} letters but the model has {layers} layers "
                      "(it repeats from the first layer, so it is at most one letter per layer)")


PATTERN_KINDS = (
    # (block, letters of the layers that use it, what those layers are)
    ("ssm", frozenset("MmP"), "state-space (M, m or P)"),
    ("linear_attention", frozenset("R"), "linear-attention (R)"),
)


def check_layer_pattern(card: CardData) -> Iterator[Problem]:
    """layer_pattern against layers, and the ssm / linear_attention blocks against the layers that use them."""
    arch = _map(card.get("architecture"))
    att = _map(arch.get("attention"))
    pattern = arch.get("layer_pattern")
    kinds = pattern if isinstance(pattern, str) and re.fullmatch(r"[AaMmPRF]+", pattern) else None
    layers = _count(arch.get("layers"))
    if kinds is not None and layers is not None and len(kinds) != layers:
        yield Problem(ARCH + ("layer_pattern",), f"has {len(kinds)} letters but the model has {layers} layers: "
                      "give one letter per layer")
    for block, letters, what in PATTERN_KINDS:
        filled = isinstance(arch.get(block), Mapping)
        used = kinds is not None and any(c in letters for c in kinds)
        if filled and pattern is None:
            yield Problem(ARCH + (block,), f"is filled in but there is no layer_pattern, so every layer is attention: "
                          f"give layer_pattern with the {what} layers, or set {block}: null", at_key=True)
        elif filled and kinds is not None and not used:
            yield Problem(ARCH + (block,), f"is filled in but layer_pattern {_short(kinds)} has no {what} layer: "
                          f"mark those layers, or set {block}: null", at_key=True)
        elif used and block in arch and arch.get(block) is None:
            yield Problem(ARCH + (block,), f"is null but layer_pattern {_short(kinds or '')} has {what} layers: "
                          "describe them here", at_key=True)
    if kinds is not None and isinstance(att.get("sliding_window"), Mapping):
        yield Problem(WINDOW, "a model with a layer_pattern has no formula for local attention (its window "
                      "pattern would count the state-space and linear layers): set sliding_window: null", at_key=True)
    yield from _check_ssm(_map(arch.get("ssm")))
    lin = _map(arch.get("linear_attention"))
    if lin.get("kind") == "lightning" and lin.get("conv_kernel") is not None:
        yield Problem(ARCH + ("linear_attention", "conv_kernel"), "lightning attention has no short convolution: "
                      "set conv_kernel: null")
    elif lin.get("kind") in ("gated_deltanet", "kda") and "conv_kernel" in lin and lin.get("conv_kernel") is None:
        yield Problem(ARCH + ("linear_attention", "conv_kernel"), f"is null but {lin['kind']} layers have a short "
                      "convolution: give its length (linear_conv_kernel_dim, short_conv_kernel_size)", at_key=True)
    indexer = att.get("sparse_indexer")
    structure = att.get("structure")
    if isinstance(indexer, Mapping) and structure is not None and structure != "MLA":
        yield Problem(ATT + ("sparse_indexer",), f"the DeepSeek sparse-attention indexer reads the MLA query latent, "
                      f"but structure is {structure}: set sparse_indexer: null", at_key=True)
    elif isinstance(indexer, Mapping) and "mla" in att and isinstance(att.get("mla"), Mapping) \
            and "q_lora_rank" in att["mla"] and att["mla"].get("q_lora_rank") is None:
        yield Problem(ATT + ("sparse_indexer",), "the indexer's queries come from the query latent, but "
                      "mla.q_lora_rank is null (uncompressed queries): set sparse_indexer: null", at_key=True)


def _short(pattern: str) -> str:
    return repr(pattern) if len(pattern) <= 24 else repr(pattern[:24] + "...")


def _check_ssm(ssm: CardData) -> Iterator[Problem]:
    kind = ssm.get("kind")
    path = ARCH + ("ssm",)
    if kind == "mamba2":
        heads, dim, inner = _count(ssm.get("heads")), _count(ssm.get("head_dim")), _count(ssm.get("inner_size"))
        if heads is not None and dim is not None and inner is not None and heads * dim != inner:
            yield Problem(path + ("inner_size",), f"Mamba-2 works in heads x head_dim = {heads} x {dim} = "
                          f"{n(heads * dim)} channels, not {n(inner)}")
        for key in ("dt_rank", "inner_norms"):
            if ssm.get(key) not in (None, False):
                yield Problem(path + (key,), f"is a Mamba-1 field; for mamba2 set {key}: null")
    elif kind == "mamba1":
        for key in ("heads", "head_dim", "n_groups", "gated_norm"):
            if ssm.get(key) not in (None, False):
                yield Problem(path + (key,), f"is a Mamba-2 field; for mamba1 set {key}: null")


# --- optional parts: rope scaling, MTP modules, encoders -------------------------------------

# Scaling types whose reach is factor x the original context (transformers
# modeling_rope_utils.py); llama3 only reshapes frequencies within max_position_embeddings.
_STRETCHING = ("linear", "dynamic", "yarn", "longrope")


def _factor(value: Any) -> Optional[Fraction]:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 1024:
        return Fraction(value)
    return None


def check_rope_scaling(card: CardData) -> Iterator[Problem]:
    """A context beyond max_position_embeddings must be explained by rope_scaling, and the scaling must reach it."""
    arch = _map(card.get("architecture"))
    context, positions = _count(card.get("context_length")), _count(arch.get("max_position_embeddings"))
    rope = arch.get("rope_scaling")
    if not isinstance(rope, Mapping):
        if context is not None and positions is not None and context > positions:
            yield Problem(("context_length",), f"{n(context)} tokens is longer than max_position_embeddings "
                          f"({n(positions)}): give architecture.rope_scaling (the scaling the publisher documents, "
                          "e.g. yarn with its factor), or type none when the model reaches it without rescaling")
        return
    kind, factor = rope.get("type"), _factor(rope.get("factor"))
    original = _count(rope.get("original_max_position_embeddings")) or positions
    if kind == "none":
        if rope.get("factor") is not None:
            yield Problem(ROPE + ("factor",), "type none rescales nothing, so factor must be null")
        return
    if kind in (*_STRETCHING, "llama3") and "factor" in rope and rope.get("factor") is None:
        yield Problem(ROPE + ("factor",), f"is null but type {kind} scales positions by a factor: give it from config.json "
                      "or the model card", at_key=True)
    if kind == "llama3":
        if context is not None and positions is not None and context > positions:
            yield Problem(ROPE + ("type",), f"llama3 scaling reshapes frequencies within max_position_embeddings "
                          f"({n(positions)}) and does not reach the context_length of {n(context)} tokens")
        return
    if kind in _STRETCHING and factor is not None and original is not None and context is not None:
        reach = factor * original
        if context > reach:
            yield Problem(ROPE + ("factor",), f"{kind} with factor {float(factor):g} stretches the original "
                          f"{n(original)} positions to {n(int(reach))} tokens, short of the context_length of "
                          f"{n(context)} tokens")


def check_mtp(card: CardData) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    mtp = arch.get("mtp")
    if not isinstance(mtp, Mapping):
        return
    if mtp.get("block") == "moe" and arch.get("type") == "dense":
        yield Problem(MTP + ("block",), "is moe but the model is dense (architecture.type): an MTP module repeats "
                      "a block of its own model, so it cannot hold experts the model does not have; use dense")
    if mtp.get("block") == "moe" and arch.get("type") == "moe" and not isinstance(arch.get("experts"), Mapping):
        return
    if mtp.get("block") == "dense" and arch.get("intermediate_size") is None and "intermediate_size" in arch:
        yield Problem(MTP + ("block",), "is dense but architecture.intermediate_size is null: a dense MTP block uses "
                      "the dense FFN width, so give it (or block: moe)")


# Fields an encoder kind's count needs beyond the common ones (encoder_params).
_ENCODER_FIELDS = {
    "siglip": ("image_size",),
    "llama4": ("image_size", "projector_dim"),
    "qwen2_5_vl": ("temporal_patch_size", "merge_size"),
    "qwen3_vl": ("temporal_patch_size", "merge_size", "positions", "deepstack_mergers"),
    "pixtral": ("merge_size",),
}
_ENCODER_INPUT = {"vision_encoder": ("image", "an image"), "audio_encoder": ("audio", "an audio")}


def check_encoders(card: CardData) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    inputs = _map(card.get("modalities")).get("input")
    inputs = inputs if isinstance(inputs, list) else None
    for key, (modality, article) in _ENCODER_INPUT.items():
        enc = arch.get(key)
        if not isinstance(enc, Mapping):
            continue
        path = ARCH + (key,)
        if inputs is not None and modality not in inputs:
            yield Problem(path, f"{article} encoder is described but modalities.input ({', '.join(map(str, inputs))}) "
                          f"has no {modality}: add {modality} to the inputs, or set {key}: null", at_key=True)
        kind = enc.get("kind")
        if kind == "other":
            if "parameters" in enc and enc.get("parameters") is None:
                yield Problem(path + ("parameters",), "kind other is not counted by the calculator: give the encoder's "
                              "published parameter count", at_key=True)
            continue
        for field in _ENCODER_FIELDS.get(str(kind), ()):
            if field in enc and enc.get(field) is None:
                yield Problem(path + (field,), f"is null but a {kind} encoder needs it for its parameter count "
                              "(see the schema's description)", at_key=True)
        out, hidden = _count(enc.get("output_size")), _count(arch.get("hidden_size"))
        if out is not None and hidden is not None and out != hidden:
            yield Problem(path + ("output_size",), f"the projector hands {n(out)}-wide embeddings to a language model "
                          f"of hidden_size {n(hidden)}: they must be equal (or leave output_size null)")
        declared = _count(enc.get("parameters"))
        if declared is None or hidden is None:
            continue
        try:
            derived = encoder_params(enc, hidden)
        except (_Missing, TypeError, ValueError):
            continue
        if derived != declared:
            yield Problem(path + ("parameters",), f"declared {n(declared)} but the {kind} layout gives {n(derived)}: "
                          "check the encoder fields against vision_config, or use kind other")


def check_kv_sharing(card: CardData) -> Iterator[Problem]:
    """Gemma 3n's KV-shared layers need earlier layers of their own kind to read the cache of."""
    arch = _map(card.get("architecture"))
    att = _map(arch.get("attention"))
    shared, layers = _count(att.get("kv_shared_layers"), least=0), _count(arch.get("layers"))
    if not shared or layers is None:
        return
    path = ARCH + ("attention", "kv_shared_layers")
    if shared >= layers:
        yield Problem(path, f"is {n(shared)} but the model has {n(layers)} layers: shared layers reuse the keys and "
                      "values of an earlier layer, so at least one layer must compute its own")
        return
    pattern = _map(att.get("sliding_window")).get("pattern")
    if not isinstance(pattern, str) or not pattern:
        return
    kinds = [pattern[i % len(pattern)] for i in range(layers)]
    owning = layers - shared
    missing = sorted(set(kinds[owning:]) - set(kinds[:owning]))
    if missing:
        what = " and ".join("sliding-window" if k == "L" else "global" for k in missing)
        yield Problem(path, f"the last {n(shared)} layers include {what} layers, but none of the first {n(owning)} "
                      "layers is one: a shared layer reads the cache of the last earlier layer of its own kind")


def check_gemma3n_audio(card: CardData) -> Iterator[Problem]:
    """The gemma3n_audio layout has 4 x hidden_size feed-forward halves (Gemma3nAudioConformerFeedForward)."""
    enc = _map(_map(card.get("architecture")).get("audio_encoder"))
    if enc.get("kind") != "gemma3n_audio":
        return
    hidden, inner = _count(enc.get("hidden_size")), _count(enc.get("intermediate_size"))
    if hidden is not None and inner is not None and inner != 4 * hidden:
        yield Problem(ARCH + ("audio_encoder", "intermediate_size"), f"is {n(inner)} but a gemma3n_audio encoder's "
                      f"feed-forward width is 4 x hidden_size = {n(4 * hidden)}; for another layout use kind other")


def check_norms(card: CardData) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    norm = arch.get("normalization")
    if norm is not None and _count(arch.get("norms_per_layer"), least=0) == 0:
        yield Problem(ARCH + ("norms_per_layer",), f"is 0 but normalization is {norm}: give the norms in each block "
                      "(2 for pre-norm), or set normalization: null")
    if "normalization" in arch and norm is None and arch.get("norm_bias") is True:
        yield Problem(ARCH + ("norm_bias",), "is true but normalization is null: a norm bias needs a norm "
                      "(give normalization, or set norm_bias: null)")


def check_status(card: CardData) -> Iterator[Problem]:
    if card.get("status") == "unreleased" and card.get("open_weights") is True:
        yield Problem(("open_weights",), "is true but status is unreleased: weights cannot be downloaded before "
                      "the release (set open_weights: false, or the status)")


_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")


def parse_partial_date(text: Any) -> Optional[tuple[int, ...]]:
    """'2024' -> (2024,), '2024-07' -> (2024, 7), '2024-07-23' -> (2024, 7, 23); None otherwise."""
    if not isinstance(text, str):
        return None
    m = _DATE.match(text)
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def _after(date: tuple[int, ...], other: tuple[int, ...]) -> bool:
    """Whether ``date`` is later than ``other`` at the coarser precision (2024-12 is not after 2024)."""
    k = min(len(date), len(other))
    return date[:k] > other[:k]


def _date_fields(card: CardData) -> Iterator[tuple[FieldPath, Any]]:
    yield ("release_date",), card.get("release_date")
    yield ("knowledge_cutoff",), card.get("knowledge_cutoff")
    evals = card.get("evaluations")
    if isinstance(evals, list):
        for i, item in enumerate(evals):
            yield ("evaluations", i, "date"), _map(item).get("date")


def today_utc() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def check_dates(card: CardData, today: Optional[datetime.date] = None) -> Iterator[Problem]:
    """Calendar dates, their order, and dates in the future (after ``today``, default: today in UTC)."""
    now = today or today_utc()
    now_parts = (now.year, now.month, now.day)
    for path, text in _date_fields(card):
        parts = parse_partial_date(text)
        if parts and len(parts) == 3 and 1 <= parts[1] <= 12:
            last = calendar.monthrange(parts[0], parts[1])[1]
            if not 1 <= parts[2] <= last:
                month = calendar.month_name[parts[1]]
                yield Problem(path, f"{text} is not a calendar date: {month} {parts[0]} has {last} days")
                continue
        if parts and _after(parts, now_parts):
            yield Problem(path, f"{text} is in the future")
    release_text, cutoff_text = card.get("release_date"), card.get("knowledge_cutoff")
    release, cutoff = parse_partial_date(release_text), parse_partial_date(cutoff_text)
    if release and release[0] < FIRST_RELEASE_YEAR:
        yield Problem(("release_date",), f"{release_text} is before {FIRST_RELEASE_YEAR}, earlier than any model "
                      "this registry covers (the Transformer was published in 2017)")
    if cutoff and release:
        if _after(cutoff, release):
            yield Problem(("knowledge_cutoff",), f"the knowledge cutoff {cutoff_text} is after the release date {release_text}")
        elif cutoff[0] < release[0] - CUTOFF_YEARS:
            yield Problem(("knowledge_cutoff",), f"the knowledge cutoff {cutoff_text} is more than {CUTOFF_YEARS} years "
                          f"before the release date {release_text}")
    evals = card.get("evaluations")
    if release and isinstance(evals, list):
        for i, item in enumerate(evals):
            text = _map(item).get("date")
            parts = parse_partial_date(text)
            if parts and parts[0] < release[0] - EVALUATION_YEARS:
                yield Problem(("evaluations", i, "date"), f"{text} is more than a year before the model's release "
                              f"date {release_text}: a score is published with the model or after it")


def _repeats(items: list[Any], key: str) -> Iterator[tuple[int, str, int]]:
    """(index, value, index of its first occurrence) for each item whose text ``key`` repeats an earlier one."""
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        value = _map(item).get(key)
        if isinstance(value, str):
            if value in first:
                yield i, value, first[value]
            else:
                first[value] = i


def check_evaluations(card: CardData, benchmarks: Optional[Mapping[str, CardData]]) -> Iterator[Problem]:
    evals = card.get("evaluations")
    if not isinstance(evals, list):
        return
    for i, repeated, first in _repeats(evals, "benchmark"):
        yield Problem(("evaluations", i, "benchmark"), f"{repeated!r} is already given in evaluations[{first}]: "
                      "give each benchmark once")
    if benchmarks is None:
        return
    for i, item in enumerate(evals):
        item = _map(item)
        bench = item.get("benchmark")
        if not isinstance(bench, str):
            continue
        entry = benchmarks.get(bench)
        if entry is None:
            guess = difflib.get_close_matches(bench, list(benchmarks), n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            yield Problem(
                ("evaluations", i, "benchmark"),
                f"unknown benchmark {bench!r}{hint}; ids come from schema/benchmarks.yaml (add the benchmark there first)",
            )
            continue
        score, scale = item.get("score"), _map(entry.get("scale"))
        lo, hi = scale.get("min"), scale.get("max")
        if isinstance(score, (int, float)) and not isinstance(score, bool) and abs(score) <= _HUGE and lo is not None and hi is not None:
            if not lo <= score <= hi:
                yield Problem(("evaluations", i, "score"), f"{score} is outside {entry.get('name', bench)}'s scale {lo} to {hi}")


def check_sources(card: CardData) -> Iterator[Problem]:
    sources = card.get("sources")
    if not isinstance(sources, list):
        return
    for i, _url, first in _repeats(sources, "url"):
        yield Problem(("sources", i, "url"), f"the same URL as sources[{first}]: list each source once")


# Words a license's name contains when it is the license its SPDX id names (by id prefix).
_LICENSE_WORDS = (
    ("Apache-", ("Apache",)),
    ("MIT", ("MIT",)),
    ("BSD-", ("BSD",)),
    ("ISC", ("ISC",)),
    ("Unlicense", ("Unlicense",)),
    ("BSL-", ("Boost",)),
    ("MPL-", ("Mozilla", "MPL")),
    ("GPL-", ("GPL", "General Public")),
    ("LGPL-", ("LGPL", "Lesser General Public")),
    ("AGPL-", ("AGPL", "Affero")),
    ("CC0-", ("CC0", "Creative Commons Zero")),
    ("CC-BY", ("Creative Commons", "CC BY", "CC-BY")),
    ("BigScience-", ("RAIL",)),
    ("CreativeML-", ("RAIL",)),
    ("CDLA-", ("CDLA", "Community Data License")),
)


def check_license(card: CardData) -> Iterator[Problem]:
    lic = _map(card.get("license"))
    spdx, name = lic.get("spdx"), lic.get("name")
    if not isinstance(spdx, str) or not isinstance(name, str):
        return
    if "modified" in name.lower():
        yield Problem(("license", "spdx"), f"{spdx} names the unmodified license, but this one is {name!r}: "
                      "use null (no SPDX id matches a modified license)")
        return
    for prefix, words in _LICENSE_WORDS:
        if spdx.startswith(prefix):
            if not any(w.lower() in name.lower() for w in words):
                yield Problem(("license", "spdx"), f"{spdx} does not match the license name {name!r}: "
                              "give the SPDX id of that license, or null when it has none")
            return


# Characters that are invisible, change the text direction or are not text
# (categories Cc, Cf, Cs, Co, Zl, Zp). Line breaks and tabs are allowed only
# in the Markdown fields.
_BAD_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
MULTILINE_FIELDS = frozenset(("description", "notes"))


def _character_name(char: str) -> str:
    named = {"\n": "a line break", "\t": "a tab", "\r": "a carriage return", "\0": "a NUL character"}
    if char in named:
        return f"{named[char]} (U+{ord(char):04X})"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"


def _strings(node: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, path + (i,))


def _all_printable(node: Any) -> bool:
    """The fast common case: every string in the card is printable (no path bookkeeping)."""
    stack = [node]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not item.isprintable():
                return False
        elif kind is dict or isinstance(item, Mapping):
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return True


def check_text(card: CardData) -> Iterator[Problem]:
    """No control, invisible or direction-changing characters in any string (they hide or disguise text)."""
    if _all_printable(card):
        return
    for path, text in _strings(card, ()):
        if text.isprintable():
            continue
        allowed = "\n\t" if path and path[-1] in MULTILINE_FIELDS and len(path) == 1 else ""
        for i, char in enumerate(text):
            if char not in allowed and unicodedata.category(char) in _BAD_CATEGORIES:
                yield Problem(path, f"contains {_character_name(char)} at character {i + 1}: control, invisible "
                              "and direction-changing characters are not allowed in card text")
                break


CountFn = Callable[[CardData], Any]


def parameter_counter() -> CountFn:
    """The calculator's exact parameter count (validate.py passes it to ``check_card``)."""
    return count_parameters


def _percent(diff: Fraction) -> str:
    return f"{float(diff * 100):+.1f}%"


def check_parameter_count(card: CardData, count: Optional[CountFn]) -> Iterator[Problem]:
    """Declared against derived parameter counts; a calculator failure is reported, not hidden."""
    params = _map(card.get("parameters"))
    declared, declared_active = _count(params.get("total")), _count(params.get("active"))
    if count is None or (declared is None and declared_active is None):
        return
    try:
        result = count(card)
    except Exception as exc:  # any calculator failure becomes a located error, never a crash or silence
        yield Problem(("parameters", "total"), f"could not derive the parameter count: {type(exc).__name__}: {exc} "
                      "(a calculator bug; please report it with this card)")
        return
    if result is None:  # a field the count needs is null
        return
    derived, derived_active = _int(result.total), _int(result.active)
    if not derived or derived_active is None:
        return
    if declared is not None:
        diff = Fraction(declared - derived, derived)
        if abs(diff) > PARAM_TOLERANCE:
            yield Problem(
                ("parameters", "total"),
                f"declared {n(declared)} but the architecture gives {n(derived)} ({_percent(diff)}); "
                "check the architecture fields, or put parameters the architecture does not describe (a vision tower, "
                "an MTP module) in parameters.extra; quantization scales (FP8, MXFP4) are not parameters",
            )
    if derived_active > derived:  # cannot happen with the checks above; never publish it if it does
        yield Problem(("parameters", "active"), f"the architecture gives {n(derived_active)} active parameters, more than "
                      f"its {n(derived)} total (a calculator bug; please report it with this card)")
        return
    kind = _map(card.get("architecture")).get("type")
    if kind != "moe" or declared_active is None:
        return
    if Fraction(declared_active - derived_active, derived_active) > PARAM_TOLERANCE:
        diff = Fraction(declared_active - derived_active, derived_active)
        yield Problem(
            ("parameters", "active"),
            f"declared {n(declared_active)} but the architecture uses {n(derived_active)} parameters per token "
            f"({_percent(diff)}); check experts.active and the expert sizes",
        )
    else:
        floor = _int(result.active_excluding_input_embedding) or derived_active
        diff = Fraction(declared_active - floor, floor)
        if diff < -ACTIVE_SHORTFALL:
            yield Problem(
                ("parameters", "active"),
                f"declared {n(declared_active)} but the architecture uses {n(floor)} parameters per token even "
                f"without the input embedding ({_percent(diff)}); check experts.active and the expert sizes",
            )


def check_card(
    card: CardData,
    benchmarks: Optional[Mapping[str, CardData]] = None,
    count: Optional[CountFn] = None,
    today: Optional[datetime.date] = None,
) -> list[Problem]:
    """Every cross-field problem in one card; ``count`` (the calculator) only runs when nothing else is wrong.

    ``today`` (default: today in UTC) is the date after which a date is in the future.
    """
    problems: list[Problem] = []
    problems.extend(check_parameters(card))
    problems.extend(check_experts(card))
    problems.extend(check_attention(card))
    problems.extend(check_layer_pattern(card))
    problems.extend(check_norms(card))
    problems.extend(check_rope_scaling(card))
    problems.extend(check_mtp(card))
    problems.extend(check_encoders(card))
    problems.extend(check_kv_sharing(card))
    problems.extend(check_gemma3n_audio(card))
    problems.extend(check_status(card))
    problems.extend(check_dates(card, today))
    problems.extend(check_evaluations(card, benchmarks))
    problems.extend(check_sources(card))
    problems.extend(check_license(card))
    problems.extend(check_text(card))
    if not problems:  # a self-contradicting architecture makes the derived count noise
        problems.extend(check_parameter_count(card, count))
    return problems
