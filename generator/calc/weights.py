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

Memoised, because a catalog prices thousands of cards of a few dozen layer layouts:
which type a rule list gives each layer depends only on the rule list, the layer count
and two card-level facts (rule_outcome, cached by value); how many layers of a tensor's
kind (all, dense, MoE) get each type depends on that and the MoE layout
(CompiledQuant.layer_types, cached per quantization). Neither depends on tensor widths.
tests/calc/test_calc_weights_reference.py is the specification: it checks this module
against a reference that walks every layer and every tensor one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping, NamedTuple

from generator.calc.tensors import Inventory, Matrix


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

    @classmethod
    def of(cls, inv: Inventory) -> LayerLayout:
        return cls(inv.n_layers, inv.gqa_ge_4, inv.n_experts, inv.first_dense, inv.step, inv.n_moe)

    @property
    def context(self) -> RuleContext:
        return RuleContext(self.n_layers, self.gqa_ge_4, self.n_experts)

    def is_moe(self, i_layer: int) -> bool:
        """MoE blocks sit at layers first_dense + step - 1 + k * step, k < n_moe (params.moe_layer_count)."""
        k, r = divmod(i_layer - (self.first_dense + self.step - 1), self.step)
        return r == 0 and 0 <= k < self.n_moe

    def layers(self, which: str) -> list[int]:
        """The layer indices that hold a tensor of Matrix.layers ``which`` ("all", "dense" or "moe")."""
        every = range(self.n_layers)
        if which == "all":
            return list(every)
        want_moe = which == "moe"
        return [i for i in every if self.is_moe(i) == want_moe]


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
def rule_outcome(rules: tuple[Rule, ...], context: RuleContext) -> tuple[StorageType | None, ...]:
    """Per layer index, the type of the first rule that applies (None: no rule, the base type).

    Keyed by value, so quantizations with the same rule list (and a rebuilt catalog) share it.
    """
    return tuple(next((r.type for r in rules if r.applies(i, context)), None) for i in range(context.n_layers))


class Tensor(NamedTuple):
    """A Matrix of the inventory as the quantizer sees it: one tensor, its role, how many layers hold it."""

    role: str  # Matrix.role, with token_embd renamed "embedding" or (tied) "output"
    routed: bool
    ne0: int  # row length (input width)
    elements: int
    layers: str  # Matrix.layers: "global", "all", "dense" or "moe"
    instances: int  # how many layers hold it (1 for "global")

    @classmethod
    def of(cls, m: Matrix, inv: Inventory) -> Tensor:
        role = m.role
        if role == "token_embd":
            role = "output" if inv.tied else "embedding"
        return cls(role, m.routed, m.ne0, m.ne0 * m.out * m.copies, m.layers, inv.layer_count(m.layers))


# Roles stored at one type on every layer (no per-layer rules); token_embd is "embedding",
# or "output" when tied (llama.cpp quantizes a tied token_embd as the output tensor).
SIMPLE_ROLES = ("one_d", "router", "output", "embedding")


@dataclass(frozen=True, eq=False)
class CompiledQuant:
    """A quantization entry with its type ids resolved against the catalog (built once per catalog)."""

    id: str
    simple: Mapping[str, StorageType]  # type of each of SIMPLE_ROLES
    default: StorageType  # linear matrices
    routed_experts: StorageType  # linear matrices of routed experts
    rules: Mapping[str, tuple[Rule, ...]]  # per-layer rules by role (attn_v, ffn_down, ...)
    # Parameters outside the architecture (vision tower, MTP): kept at 16 bits,
    # 32 when the whole model is FP32 (GGUF ships vision projectors as F16).
    extra_bytes_per_param: int
    # (role, routed, layout, which layers) -> layer_types() result; see layer_types.
    _memo: dict[tuple[str, bool, LayerLayout, str], tuple[tuple[StorageType, int], ...]] = field(
        default_factory=dict, repr=False)

    def base_type(self, routed: bool) -> StorageType:
        return self.routed_experts if routed else self.default

    def layer_types(self, role: str, routed: bool, layout: LayerLayout, which: str
                    ) -> tuple[tuple[StorageType, int], ...]:
        """(type, number of layers) over the layers ``which`` for a ``role`` tensor: the rules, layer by layer.

        The outcome does not depend on the tensor's shape, so it is memoised per layout.
        """
        key = (role, routed, layout, which)
        found = self._memo.get(key)
        if found is None:
            base = self.base_type(routed)
            by_layer = rule_outcome(self.rules[role], layout.context)
            counts: dict[StorageType, int] = {}
            for i_layer in layout.layers(which):
                t = by_layer[i_layer] or base
                counts[t] = counts.get(t, 0) + 1
            found = self._memo[key] = tuple(counts.items())
        return found

    def tensor_bytes(self, t: Tensor, layout: LayerLayout) -> int:
        """Bytes of ``t`` in all the layers that hold it."""
        simple = self.simple.get(t.role)
        if simple is not None:
            return simple.tensor_bytes(t.ne0, t.elements) * t.instances
        if t.role not in self.rules or t.layers == "global":  # tensors outside the blocks take no per-layer rule
            return self.base_type(t.routed).tensor_bytes(t.ne0, t.elements) * t.instances
        return sum(st.tensor_bytes(t.ne0, t.elements) * n
                   for st, n in self.layer_types(t.role, t.routed, layout, t.layers))


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
        simple={role: storage(t[role]) for role in SIMPLE_ROLES},
        default=storage(t["default"]),
        routed_experts=storage(t.get("routed_experts", t["default"])),
        rules=rules,
        extra_bytes_per_param=4 if t["default"] == "F32" else 2,
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


def weight_bytes(inv: Inventory, quant: CompiledQuant, extra_params: int) -> WeightBytes:
    """Bytes of every weight of ``inv`` at one quantization (all experts resident)."""
    return _weight_bytes([Tensor.of(m, inv) for m in inv.matrices], LayerLayout.of(inv), quant, extra_params)


def weight_columns(inv: Inventory, quants: tuple[CompiledQuant, ...], extra_params: int) -> WeightColumns:
    """weight_bytes() at every quantization of ``quants``, as columns."""
    tensors = [Tensor.of(m, inv) for m in inv.matrices]
    layout = LayerLayout.of(inv)
    rows = [_weight_bytes(tensors, layout, q, extra_params) for q in quants]
    return WeightColumns(*(list(column) for column in zip(*rows, strict=True))) if rows else WeightColumns([], [], [], [])


def _weight_bytes(tensors: list[Tensor], layout: LayerLayout, quant: CompiledQuant, extra_params: int) -> WeightBytes:
    total = routed = embedding = 0
    for t in tensors:
        b = quant.tensor_bytes(t, layout)
        total += b
        if t.routed:
            routed += b
        elif t.role == "embedding":
            embedding += b
    extra = extra_params * quant.extra_bytes_per_param
    return WeightBytes(total + extra, routed, embedding, extra)
