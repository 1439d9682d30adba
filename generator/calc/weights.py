"""Weight bytes of one card at many quantizations, from its tensor inventory (pure).

Each tensor is stored whole: ``elements * block_bytes // block_weights`` bytes, and
GGUF falls back to another type when a row (``ne0``) is not a whole number of
blocks. Tensors that a quantization stores alike are summed as one *slot*: when no
tensor of the slot can fall back (gcd of the rows a multiple of the block size)
and every tensor is whole blocks (gcd of the element counts likewise), the
per-tensor floors are exact and the slot costs one multiplication; otherwise it
is summed tensor by tensor, as llama.cpp writes it. Same bytes either way.

Per-layer rules (llama.cpp's mixes, e.g. ``more_bits``) are evaluated on bit
masks of layer indices (bit i = layer i), so a rule costs a few integer
operations instead of a pass over the layers.
"""

from __future__ import annotations

from math import gcd
from typing import Any, Mapping, NamedTuple

from generator.calc.tensors import Inventory

# Roles that some quantization may give per-layer rules; every other linear role
# is stored at the quantization's default (or routed-expert) type.
CONDITIONS = frozenset({"always", "more_bits", "first_eighth", "first_sixteenth", "first_two",
                        "gqa_ge_4", "experts_eq_8", "experts_ge_4", "layers_eq_80"})


_TypeRef = tuple[str, int, int, bool]  # (tensor type id, block_weights, block_bytes, GGUF shape fallback applies)


class CompiledQuant(NamedTuple):
    """A quantization entry reduced to what weight bytes need (built once per catalog)."""

    fallback: Mapping[str, str] | None  # GGUF shape fallback, None for other formats
    simple: tuple[_TypeRef, _TypeRef, _TypeRef, _TypeRef]  # one_d, router, output, embedding
    default: _TypeRef
    routed: _TypeRef
    rules: tuple[tuple[str, tuple[tuple[tuple[str, ...], _TypeRef], ...]], ...]  # (role, ((conditions, type), ...))
    extra_bytes_per_param: int


_SIMPLE_INDEX = {"one_d": 0, "router": 1, "output": 2, "embedding": 3}


def compile_quant(quant: Mapping[str, Any], types: Mapping[str, tuple[int, int]], fallback: Mapping[str, str],
                  interned: dict | None = None) -> CompiledQuant:
    """Resolve a quantization's type ids against the catalog (``interned`` shares equal rule lists)."""

    gguf = quant.get("format") == "gguf"

    def ref(tid: str) -> _TypeRef:
        return (tid, *types[tid], gguf and tid in fallback)

    t = quant["types"]
    default = t["default"]
    rules = []
    for role, rs in (quant.get("rules") or {}).items():
        if rs:
            frozen = tuple((tuple(r["when"]) if isinstance(r["when"], list) else (r["when"],), ref(r["type"])) for r in rs)
            for when, _ in frozen:
                for c in when:
                    if c not in CONDITIONS:
                        raise ValueError(f"unknown rule condition {c!r}")
            if interned is not None:
                frozen = interned.setdefault(frozen, frozen)
            rules.append((role, frozen))
    return CompiledQuant(
        fallback=fallback if quant.get("format") == "gguf" else None,
        simple=(ref(t["one_d"]), ref(t["router"]), ref(t["output"]), ref(t["embedding"])),
        default=ref(default),
        routed=ref(t.get("routed_experts", default)),
        rules=tuple(rules),
        # Parameters outside the architecture (vision tower, MTP): kept at 16 bits,
        # 32 when the whole model is FP32 (GGUF ships vision projectors as F16).
        extra_bytes_per_param=4 if default == "F32" else 2,
    )


# A slot (tensors stored alike) is a list, for speed: [gcd of rows (ne0), elements by kind of
# layer (global, all, dense, moe) as 4 ints, [(ne0, elements, kind index), ...], gcd of elements].
_Slot = list
_KIND = {"global": 1, "all": 2, "dense": 3, "moe": 4}  # index of the kind's element sum in a slot


class CardTensors(NamedTuple):
    """An inventory grouped into slots, plus the layer masks rules are evaluated on."""

    slots: dict[tuple[str, bool], _Slot]
    linear: dict[bool, _Slot]  # every linear matrix, by routed
    weights: tuple[int, int, int, int]  # layer multiplicity per kind
    full: int
    dense_mask: int
    moe_mask: int
    inv: Inventory


def group(inv: Inventory) -> CardTensors:
    slots: dict[tuple[str, bool], _Slot] = {}
    linear = {False: [0, 0, 0, 0, 0, [], 0], True: [0, 0, 0, 0, 0, [], 0]}
    kind = _KIND
    simple = _SIMPLE_INDEX
    tied = inv.tied
    for role, ne0, out, copies, layers, routed in inv.matrices:
        if role == "token_embd":
            role = "output" if tied else "embedding"
        key = (role, routed)
        s = slots.get(key)
        if s is None:
            s = slots[key] = [0, 0, 0, 0, 0, [], 0]
        k = kind[layers]
        e = ne0 * out * copies
        t = (ne0, e, k - 1)  # one object shared by both slots (the slow path drops by identity)
        s[0] = gcd(s[0], ne0)
        s[6] = gcd(s[6], e)
        s[k] += e
        s[5].append(t)
        if role not in simple:
            lin = linear[routed]
            lin[0] = gcd(lin[0], ne0)
            lin[6] = gcd(lin[6], e)
            lin[k] += e
            lin[5].append(t)
    L = inv.n_layers
    full = (1 << L) - 1
    moe_mask = 0
    if inv.n_moe:
        step = inv.step
        # bits first_dense + step - 1 + k * step for k < n_moe
        moe_mask = (((1 << (step * inv.n_moe)) - 1) // ((1 << step) - 1)) << (inv.first_dense + step - 1)
    return CardTensors(slots, linear, (1, L, inv.n_dense, inv.n_moe), full, full ^ moe_mask, moe_mask, inv)


def _condition_masks(ct: CardTensors) -> dict[str, int]:
    """Layer set of every rule condition for this card (see schema/quantizations.yaml)."""
    inv = ct.inv
    return condition_masks(inv.n_layers, inv.gqa_ge_4, inv.n_experts)


def condition_masks(n: int, gqa_ge_4: bool, n_experts: int) -> dict[str, int]:
    """Layer set (bit i = layer i) of every rule condition for n layers and the card-level flags."""
    full = (1 << n) - 1
    n8 = n // 8
    # llama.cpp use_more_bits: i < n/8 or i >= 7n/8 or (i - n/8) % 3 == 2
    start = n8 + 2
    thirds = 0
    if start < n:
        count = (n - 1 - start) // 3 + 1
        thirds = (((1 << (3 * count)) - 1) // 7) << start
    more = ((1 << n8) - 1) | (full & ~((1 << (7 * n // 8)) - 1)) | thirds
    return {
        "always": full,
        "more_bits": more & full,
        "first_eighth": (1 << n8) - 1,
        "first_sixteenth": (1 << (n // 16)) - 1,
        "first_two": (1 << min(2, n)) - 1,
        "gqa_ge_4": full if gqa_ge_4 else 0,
        "experts_eq_8": full if n_experts == 8 else 0,
        "experts_ge_4": full if n_experts >= 4 else 0,
        "layers_eq_80": full if n == 80 else 0,
    }


def _rule_masks(rules, masks: dict[str, int], full: int) -> tuple[tuple, int]:
    """Per rule the layers it takes (non-empty only, first match wins), and the layers left over."""
    remaining = full
    taken = []
    for when, ref in rules:
        cond = 0
        for c in when:
            cond |= masks[c]
        take = remaining & cond
        if take:
            remaining ^= take
            taken.append((ref, take))
    return tuple(taken), remaining


# Layer counts whose rule masks RuleTable computes ahead (real models have at most ~130 layers);
# a card with more layers evaluates its rules itself, with the same code.
RULE_TABLE_LAYERS = 160


class RuleTable:
    """The layers every per-layer rule list of a catalog takes, computed once per catalog.

    Which layers a rule takes depends only on the card's layer count and three
    card-level flags (gqa_ge_4, experts == 8, experts >= 4), not on its tensors, so
    the masks are computed here for every layer count up to RULE_TABLE_LAYERS and
    every flag combination. Per card only the multiplicities of its own dense and
    MoE layers are counted from the masks (for a model without MoE layers that is a
    popcount, also done here: a layer mask's weights are then (0, k, k, 0)).
    """

    def __init__(self, quants: tuple[CompiledQuant, ...], max_layers: int = RULE_TABLE_LAYERS) -> None:
        lists = {id(rules): rules for q in quants for _, rules in q.rules}
        self._lists = tuple(lists.values())  # keeps the rule tuples (and so their ids) alive
        # key (layers, gqa_ge_4, experts_eq_8, experts_ge_4) -> {id(rules): (taken masks, remaining mask)}
        self.masks: dict[tuple[int, bool, bool, bool], dict[int, tuple[tuple, int]]] = {}
        # same key (only for cards without MoE layers) -> {id(rules): _rule_layers() result}
        self.dense: dict[tuple[int, bool, bool, bool], dict[int, tuple]] = {}
        for n in range(max_layers + 1):
            full = (1 << n) - 1
            for gqa in (False, True):
                # experts == 8 implies experts >= 4: three combinations (0, 4 and 8 stand for them)
                for n_experts in (0, 4, 8):
                    key = (n, gqa, n_experts == 8, n_experts >= 4)
                    cm = condition_masks(n, gqa, n_experts)
                    per_list = {id(r): _rule_masks(r, cm, full) for r in self._lists}
                    self.masks[key] = per_list
                    self.dense[key] = {
                        i: ([(ref, _dense_weights(m)) for ref, m in taken], _dense_weights(rest) if rest else None)
                        for i, (taken, rest) in per_list.items()
                    }


def _dense_weights(mask: int) -> tuple[int, int, int, int]:
    k = mask.bit_count()
    return (0, k, k, 0)


def _slow(mats: list[tuple[int, int, int]], tid: str, bw: int, w: tuple[int, int, int, int],
          types: Mapping[str, tuple[int, int]], fallback: Mapping[str, str] | None) -> int:
    """Tensor by tensor: rows that are not whole blocks floor per tensor or fall back (GGUF)."""
    total = 0
    for ne0, e, k in mats:
        if not w[k]:
            continue
        t = tid
        if fallback is not None and ne0 % bw and tid in fallback:
            t = fallback[tid]
        tbw, tbb = types[t]
        total += e * tbb // tbw * w[k]
    return total


def _bytes(s: _Slot, ref: _TypeRef, w: tuple[int, int, int, int], types: Mapping[str, tuple[int, int]],
           fallback: Mapping[str, str] | None) -> int:
    """Bytes of slot ``s`` at one type, kind multiplicities ``w``."""
    tid, bw, bb, fa = ref
    # Exact in one step when no tensor falls back (every row whole blocks) and every
    # tensor is whole blocks (no per-tensor floor).
    if s[0 if fa else 6] % bw == 0:
        return (s[1] * w[0] + s[2] * w[1] + s[3] * w[2] + s[4] * w[3]) // bw * bb
    return _slow(s[5], tid, bw, w, types, fallback)


class WeightBytes(NamedTuple):
    total: int
    routed_experts: int  # bytes of all routed experts (MoE), 0 otherwise
    input_embedding: int  # bytes of the token-embedding table when untied, else 0
    extra: int


def _rule_layers(rules, ct: CardTensors, masks: dict[str, int]) -> tuple[list, tuple[int, int, int, int] | None]:
    """Per rule type the layer multiplicities it takes, and those left to the base type (first match wins)."""
    taken, remaining = _rule_masks(rules, masks, ct.full)
    return [(ref, _layer_weights(m, ct)) for ref, m in taken], (_layer_weights(remaining, ct) if remaining else None)


def weight_bytes_all(ct: CardTensors, quants: tuple[CompiledQuant, ...], types: Mapping[str, tuple[int, int]],
                     extra_params: int, rule_table: RuleTable | None = None) -> list[tuple[int, int, int, int]]:
    """WeightBytes fields (as plain tuples, for speed) for each compiled quantization (all experts resident).

    ``rule_table`` (built from the same ``quants``) holds the rules' layer masks; without
    it, or for a layer count beyond it, the rules are evaluated for this card.
    """
    w_all = ct.weights
    # Simple slots: (index into CompiledQuant.simple, 0 plain / 1 routed / 2 input embedding, rows gcd,
    # weighted elements, tensors)
    simple = []
    for (role, is_routed), s in ct.slots.items():
        i = _SIMPLE_INDEX.get(role)
        if i is not None:
            simple.append((i, 1 if is_routed else 2 if i == 3 else 0, s[0], s[6], _weighted(s, w_all), s[5]))
    lin = [(is_routed, s, s[0], s[6], _weighted(s, w_all)) for is_routed, s in ct.linear.items() if s[5]]
    ruled_slots = {}  # role -> [(routed?, slot)] for roles that some rule names
    masks: dict[str, int] | None = None
    layer_memo: dict[int, tuple] = {}  # rule list id -> _rule_layers
    table_masks = dense_layers = None
    if rule_table is not None:
        inv = ct.inv
        key = (inv.n_layers, inv.gqa_ge_4, inv.n_experts == 8, inv.n_experts >= 4)
        if ct.moe_mask:
            table_masks = rule_table.masks.get(key)
        else:
            # Every layer dense: the multiplicities are the catalog's precomputed ones
            # (read only; None for a layer count beyond the table: evaluated below).
            dense_layers = rule_table.dense.get(key)
    slots = ct.slots
    out = []
    for q in quants:
        fb = q.fallback
        total = routed = embd = 0
        qs = q.simple
        for i, flag, g, ge, e_w, mats in simple:
            tid, bw, bb, fa = qs[i]
            b = e_w // bw * bb if (g if fa else ge) % bw == 0 else _slow(mats, tid, bw, w_all, types, fb)
            total += b
            if flag:
                if flag == 1:
                    routed += b
                else:
                    embd = b
        ruled_nr = ruled_r = 0  # weighted elements (fast path) of rule roles, removed from the linear slot
        ruled_mats: list = []
        for role, rules in q.rules:
            layers = (dense_layers if dense_layers is not None else layer_memo).get(id(rules))
            if layers is None:
                if table_masks is not None:
                    taken_m, rest_m = table_masks[id(rules)]
                    layers = ([(ref, _layer_weights(m, ct)) for ref, m in taken_m],
                              _layer_weights(rest_m, ct) if rest_m else None)
                else:
                    if masks is None:
                        masks = _condition_masks(ct)
                    layers = _rule_layers(rules, ct, masks)
                layer_memo[id(rules)] = layers
            taken, rest = layers
            if not taken:
                # No layer of this card matches (e.g. experts_eq_8 on a dense model): the role
                # stays in the linear slot at the base type, which gives the same bytes.
                continue
            present = ruled_slots.get(role)
            if present is None:
                present = ruled_slots[role] = [
                    (r, slots[(role, r)], _weighted(slots[(role, r)], w_all)) for r in (False, True) if (role, r) in slots
                ]
            for is_routed, s, s_w in present:
                b = 0
                for ref, w in taken:
                    b += _bytes(s, ref, w, types, fb)
                base = q.routed if is_routed else q.default
                if s[1]:
                    b += _bytes(s, base, (1, 0, 0, 0), types, fb)  # rules skip global tensors
                if rest is not None:
                    b += _bytes(s, base, rest, types, fb)
                total += b
                if is_routed:
                    routed += b
                    ruled_r += s_w
                else:
                    ruled_nr += s_w
                ruled_mats.extend(s[5])
        for is_routed, s, g, ge, e_w in lin:
            tid, bw, bb, fa = q.routed if is_routed else q.default
            if (g if fa else ge) % bw == 0:
                b = (e_w - (ruled_r if is_routed else ruled_nr)) // bw * bb
            else:
                skip = {id(x) for x in ruled_mats}
                b = _slow([x for x in s[5] if id(x) not in skip], tid, bw, w_all, types, fb)
            total += b
            if is_routed:
                routed += b
        extra_b = extra_params * q.extra_bytes_per_param
        out.append((total + extra_b, routed, embd, extra_b))
    return out


def _weighted(s: _Slot, w: tuple[int, int, int, int]) -> int:
    return s[1] * w[0] + s[2] * w[1] + s[3] * w[2] + s[4] * w[3]


def _layer_weights(mask: int, ct: CardTensors) -> tuple[int, int, int, int]:
    """Multiplicities for the layers in ``mask``: 'all' tensors count each, dense/moe tensors their kind."""
    d = (mask & ct.dense_mask).bit_count()
    m = (mask & ct.moe_mask).bit_count()
    return (0, d + m, d, m)
