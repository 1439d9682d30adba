"""Weight bytes of one card at a quantization, tensor by tensor, as llama.cpp stores them (pure).

A quantization (schema/quantizations.yaml) names a storage type per tensor role:
``one_d`` (norms, biases), ``router``, ``output``, ``embedding``, ``default`` for the
linear matrices and ``routed_experts`` for the experts of MoE layers. GGUF mixes
(Q4_K_M, Q3_K_M, ...) add per-layer *rules*: llama.cpp's quantizer
(``src/llama-quant.cpp``, function ``llama_tensor_get_type``) gives some tensors a
different type on some layers, e.g. attn_v.weight and ffn_down on the layers that
``use_more_bits(i_layer, n_layers)`` picks. The catalog writes each of those branches
as a rule of its role: ``{when: <condition or list of conditions>, type: <type>}``;
the first rule whose condition holds for the layer wins, else the base type. For
example Q4_K_M's attn_v list reads: 8 experts -> Q8_0, else use_more_bits -> Q6_K, else
80 layers -> Q5_K, else the default Q4_K (the attn_v.weight branch of that function).

One tensor costs ``elements * block_bytes // block_weights`` bytes at its type. In GGUF
a tensor whose rows (``ne0``, the input width) are not a whole number of blocks cannot
use a block type; llama.cpp then stores it at a fallback type (``gguf_shape_fallback``).

Memoised, because a catalog prices thousands of cards of a few hundred layer layouts:
which rule a rule list gives each layer depends only on the rule list, the layer count
and two card-level facts (first_rule); how many layers of a tensor's kind (all, dense,
MoE) take each rule depends on that and the MoE layout (rule_counts); both are cached by
value. The types of a tensor kind at every quantization (QuantSet.layer_types) are cached
per layout, or per layer count for a role no rule touches. None depends on tensor widths:
each card's tensors are still priced one by one, at each type their layers take.
tests/calc/test_calc_weights_reference.py is the specification: it checks this module
against a reference that walks every layer and every tensor one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections import Counter
from functools import lru_cache
from typing import Any, Callable, Mapping, NamedTuple

from generator.calc import state
from generator.calc.tensors import MIXER_LETTERS, Inventory, Matrix


def use_more_bits(i_layer: int, n_layers: int) -> bool:
    """llama.cpp ``use_more_bits``: the first and last eighth of the layers, and every third layer between."""
    return i_layer < n_layers // 8 or i_layer >= 7 * n_layers // 8 or (i_layer - n_layers // 8) % 3 == 2


class RuleContext(NamedTuple):
    """What a rule condition looks at besides the layer index (as in llama_tensor_get_type)."""

    n_layers: int
    gqa_ge_4: bool  # heads / kv_heads >= 4 (llama.cpp: n_gqa() >= 4)
    n_experts: int


class LayerLayout(NamedTuple):
    """Which layers hold MoE blocks, and the rule context: all a per-layer rule outcome depends on.

    Flat (no nested tuple): it is part of a memo key looked up for every tensor.
    """

    n_layers: int
    gqa_ge_4: bool
    n_experts: int
    first_dense: int  # dense blocks before the first MoE block
    step: int  # then one MoE block every `step` layers
    n_moe: int
    kinds: str = ""  # Inventory.kinds: one layer_pattern letter per layer, "" for a plain transformer

    @classmethod
    def of(cls, inv: Inventory) -> LayerLayout:
        return cls(inv.n_layers, inv.gqa_ge_4, inv.n_experts, inv.first_dense, inv.step, inv.n_moe, inv.kinds)

    @property
    def context(self) -> RuleContext:
        return RuleContext(self.n_layers, self.gqa_ge_4, self.n_experts)

    def is_moe(self, i_layer: int) -> bool:
        """MoE blocks sit at layers first_dense + step - 1 + k * step, k < n_moe (params.moe_layer_count)."""
        if self.kinds:
            return i_layer in state.moe_layers(self.kinds, self.first_dense, self.step)
        k, r = divmod(i_layer - (self.first_dense + self.step - 1), self.step)
        return r == 0 and 0 <= k < self.n_moe

    def layer_count(self, which: str) -> int:
        """How many layers hold a tensor of Matrix.layers ``which`` (1 for "global"; Inventory.layer_count)."""
        if which == "global":
            return 1
        if which == "all":
            return self.n_layers
        if which in MIXER_LETTERS or self.kinds:
            return len(self.layers(which))
        return self.n_moe if which == "moe" else self.n_layers - self.n_moe

    def layers(self, which: str) -> list[int]:
        """The layer indices that hold a tensor of Matrix.layers ``which`` ("all", "dense" or "moe")."""
        every = range(self.n_layers)
        if which == "all":
            return list(every)
        kinds = self.kinds or "A" * self.n_layers
        if which in MIXER_LETTERS:
            return [i for i in every if kinds[i] in MIXER_LETTERS[which]]
        want_moe = which == "moe"
        return [i for i in every if kinds[i] in state.FFN_LETTERS and self.is_moe(i) == want_moe]


# The conditions a rule may test (schema/quantizations.yaml), as llama_tensor_get_type tests them.
CONDITIONS: dict[str, Callable[[int, RuleContext], bool]] = {
    "always": lambda i, c: True,
    "more_bits": lambda i, c: use_more_bits(i, c.n_layers),
    "first_eighth": lambda i, c: i < c.n_layers // 8,
    "first_sixteenth": lambda i, c: i < c.n_layers // 16,
    "first_two": lambda i, c: i < 2,
    "gqa_ge_4": lambda i, c: c.gqa_ge_4,
    "experts_eq_8": lambda i, c: c.n_experts == 8,
    "experts_ge_4": lambda i, c: c.n_experts >= 4,
    "layers_eq_80": lambda i, c: c.n_layers == 80,
}


@dataclass(frozen=True, slots=True)
class StorageType:
    """A tensor type of the catalog: ``block_bytes`` bytes per block of ``block_weights`` weights."""

    id: str
    block_weights: int
    block_bytes: int
    fallback: StorageType | None = None  # GGUF: the type llama.cpp uses when a row is not whole blocks

    def tensor_bytes(self, ne0: int, elements: int) -> int:
        """Bytes of one tensor of ``elements`` weights in rows of ``ne0``."""
        t = self
        if self.fallback is not None and ne0 % self.block_weights:
            t = self.fallback
        return elements * t.block_bytes // t.block_weights


@dataclass(frozen=True, slots=True)
class Rule:
    when: tuple[str, ...]  # conditions (CONDITIONS); the rule applies when any holds
    type: StorageType

    def applies(self, i_layer: int, context: RuleContext) -> bool:
        return any(CONDITIONS[c](i_layer, context) for c in self.when)


@lru_cache(maxsize=4096)
def first_rule(rules: tuple[Rule, ...], context: RuleContext) -> tuple[int | None, ...]:
    """Per layer index, the index in ``rules`` of the first rule that applies (None: no rule, the base type).

    Keyed by value, so quantizations with the same rule list (and a rebuilt catalog) share it.
    """
    return tuple(next((k for k, r in enumerate(rules) if r.applies(i, context)), None)
                 for i in range(context.n_layers))


@lru_cache(maxsize=16384)
def rule_counts(rules: tuple[Rule, ...], layout: LayerLayout, which: str) -> tuple[tuple[int | None, int], ...]:
    """How many of the layers ``which`` of ``layout`` take each rule: (index in ``rules``, or None for
    no rule, number of layers). Keyed by value, like first_rule."""
    by_layer = first_rule(rules, layout.context)
    return tuple(Counter(by_layer[i] for i in layers_holding(layout, which)).items())


@lru_cache(maxsize=4096)
def layers_holding(layout: LayerLayout, which: str) -> tuple[int, ...]:
    """LayerLayout.layers(which), once per layout (each rule list of each quantization asks it)."""
    return tuple(layout.layers(which))


class TensorKind(NamedTuple):
    """What decides a tensor's storage type on each layer; tensors of one kind differ only in shape."""

    role: str  # Matrix.role, with token_embd renamed "embedding" or (tied) "output"
    routed: bool
    layers: str  # Matrix.layers: "global", "all", "dense" or "moe"


class Tensor(NamedTuple):
    """A Matrix of the inventory as the quantizer sees it: its kind and its shape."""

    kind: TensorKind
    ne0: int  # row length (input width)
    elements: int  # in one layer

    @classmethod
    def of(cls, m: Matrix, inv: Inventory) -> Tensor:
        role = m.role
        if role == "token_embd":
            role = "output" if inv.tied else "embedding"
        elif role in LLAMA_QUANTIZE_KEEPS:
            role = "unquantized"
        return cls(TensorKind(role, m.routed, m.layers), m.ne0, m.ne0 * m.out * m.copies)


# Roles stored at one type on every layer (no per-layer rules); token_embd is "embedding",
# or "output" when tied (llama.cpp quantizes a tied token_embd as the output tensor).
SIMPLE_ROLES = ("one_d", "router", "output", "embedding")

# Matrices llama.cpp's quantizer leaves as they are in the file it reads (src/llama-quant.cpp,
# the "quantize &= ..." list: tensor names containing "altup" or "laurel" and
# "per_layer_model_proj", Gemma 3n's, added with its support in 2025). That file is
# convert_hf_to_gguf.py's F16 (or BF16) output, so in a GGUF of any type they stay 16-bit:
# ggml-org's Q8_0 files of Gemma 3n E2B and E4B are 46 and 50 MB larger than an all-Q8_0
# layout (tests/calc/test_gemma3n.py). Other formats store them at their default type.
LLAMA_QUANTIZE_KEEPS = ("altup", "laurel", "per_layer_model_proj")
GGUF_UNQUANTIZED = "F16"

# The types of a tensor kind over the layers that hold it: ((type, number of layers), ...).
LayerTypes = tuple[tuple[StorageType, int], ...]


@dataclass(frozen=True, eq=False)
class CompiledQuant:
    """A quantization entry with its type ids resolved against the catalog (built once per catalog)."""

    id: str
    simple: Mapping[str, StorageType]  # type of each of SIMPLE_ROLES, and of "unquantized"
    default: StorageType  # linear matrices
    routed_experts: StorageType  # linear matrices of routed experts
    rules: Mapping[str, tuple[Rule, ...]]  # per-layer rules by role (attn_v, ffn_down, ...)
    # Parameters outside the architecture (vision tower, MTP): kept at 16 bits,
    # 32 when the whole model is FP32 (GGUF ships vision projectors as F16).
    extra_bytes_per_param: int
    # True: routed experts keep routed_experts on every layer, no per-layer rule applies to
    # them (a file that copies natively quantized experts as they are; generator.calc.native).
    routed_fixed: bool = False

    def base_type(self, routed: bool) -> StorageType:
        return self.routed_experts if routed else self.default

    def layer_types(self, role: str, routed: bool, layout: LayerLayout, which: str) -> LayerTypes:
        """(type, number of layers) over the layers ``which`` that hold a ``role`` tensor: the rules, layer by layer."""
        n = layout.layer_count(which)
        simple = self.simple.get(role)
        if simple is not None:
            return ((simple, n),)
        base = self.base_type(routed)
        rules = self.rules.get(role)
        # tensors outside the blocks take no per-layer rule, nor experts kept as shipped
        if rules is None or which == "global" or (routed and self.routed_fixed):
            return ((base, n),)
        types: dict[StorageType, int] = {}
        for k, n_k in rule_counts(rules, layout, which):
            t = base if k is None else rules[k].type
            types[t] = types.get(t, 0) + n_k
        return tuple(types.items())


def compile_quant(quant: Mapping[str, Any], types: Mapping[str, tuple[int, int]],
                  fallback: Mapping[str, str]) -> CompiledQuant:
    """Resolve a quantization's type ids against the catalog's tensor types and GGUF fallbacks."""
    gguf = quant.get("format") == "gguf"

    def storage(tid: str) -> StorageType:
        fb = fallback.get(tid) if gguf else None
        return StorageType(tid, *types[tid], fallback=None if fb is None else StorageType(fb, *types[fb]))

    t = quant["types"]
    rules: dict[str, tuple[Rule, ...]] = {}
    for role, rs in (quant.get("rules") or {}).items():
        if not rs:
            continue
        compiled = []
        for r in rs:
            when = tuple(r["when"]) if isinstance(r["when"], list) else (r["when"],)
            unknown = [c for c in when if c not in CONDITIONS]
            if unknown:
                raise ValueError(f"unknown rule condition {unknown[0]!r}")
            compiled.append(Rule(when, storage(r["type"])))
        rules[role] = tuple(compiled)
    return CompiledQuant(
        id=str(quant.get("id", t["default"])),
        simple={**{role: storage(t[role]) for role in SIMPLE_ROLES},
                "unquantized": storage(GGUF_UNQUANTIZED if gguf else t["default"])},
        default=storage(t["default"]),
        routed_experts=storage(t.get("routed_experts", t["default"])),
        rules=rules,
        extra_bytes_per_param=4 if t["default"] == "F32" else 2,
        routed_fixed=bool(quant.get("routed_experts_fixed")),
    )


class WeightBytes(NamedTuple):
    total: int
    routed_experts: int  # bytes of all routed experts (MoE), 0 otherwise
    input_embedding: int  # bytes of the token-embedding table when untied, else 0
    extra: int


class WeightColumns(NamedTuple):
    """WeightBytes fields, each a list with one entry per quantization."""

    total: list[int]
    routed_experts: list[int]
    input_embedding: list[int]
    extra: list[int]


@dataclass(frozen=True, eq=False)
class QuantSet:
    """The quantizations a card is priced at (Plan.weight_set: the catalog's, then the training
    types), with the per-layer types of each tensor kind memoised per layer layout."""

    quants: tuple[CompiledQuant, ...]
    # memo key (see _key) -> layer_types() at each of quants; filled as cards ask.
    _memo: dict[tuple[TensorKind, LayerLayout | int], tuple[LayerTypes, ...]] = field(
        default_factory=dict, repr=False)
    # Roles that have per-layer rules in any of quants.
    _rule_roles: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rule_roles", frozenset(role for q in self.quants for role in q.rules))

    def _key(self, kind: TensorKind, layout: LayerLayout) -> tuple[TensorKind, LayerLayout | int]:
        """What layer_types(kind, layout) depends on: the whole layout when a rule may apply
        layer by layer, else only how many layers hold the tensor."""
        if kind.role in self._rule_roles and kind.layers != "global":
            return (kind, layout)
        return (kind, layout.layer_count(kind.layers))

    def layer_types(self, kind: TensorKind, layout: LayerLayout) -> tuple[LayerTypes, ...]:
        """CompiledQuant.layer_types() of ``kind`` at every quantization: it does not depend on tensor shapes."""
        key = self._key(kind, layout)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = tuple(q.layer_types(kind.role, kind.routed, layout, kind.layers)
                                            for q in self.quants)
        return found

    def columns(self, inv: Inventory, extra_params: int) -> WeightColumns:
        """weight_bytes() of ``inv`` at every quantization, as columns; tensor by tensor."""
        layout = LayerLayout.of(inv)
        n_quants = len(self.quants)
        total, routed, embedding = [0] * n_quants, [0] * n_quants, [0] * n_quants
        for m in inv.matrices:
            kind, ne0, elements = Tensor.of(m, inv)
            # The column besides total that this tensor also counts in, if any.
            # (Gemma 3n's per-layer table is a lookup like the token embedding: one row per token)
            part = routed if kind.routed else embedding if kind.role in ("embedding", "per_layer_embd") else None
            for i, layer_types in enumerate(self.layer_types(kind, layout)):
                b = 0
                for storage, n_layers in layer_types:
                    b += storage.tensor_bytes(ne0, elements) * n_layers
                total[i] += b
                if part is not None:
                    part[i] += b
        extra = [extra_params * q.extra_bytes_per_param for q in self.quants]
        return WeightColumns([t + x for t, x in zip(total, extra, strict=True)], routed, embedding, extra)


def weight_bytes(inv: Inventory, quant: CompiledQuant, extra_params: int) -> WeightBytes:
    """Bytes of every weight of ``inv`` at one quantization (all experts resident)."""
    return WeightBytes(*(column[0] for column in QuantSet((quant,)).columns(inv, extra_params)))
