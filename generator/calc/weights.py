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
operations instead of a pass over the layers; they are priced as corrections
over the base type, which is exact because bytes add up tensor by tensor.

All quantizations of a catalog are priced at once: a slot's bytes at every
quantization form one packed integer (generator/calc/packed.py), so the fast
path is one big-integer multiplication per slot, not one per quantization.
tests/calc/test_calc_weights_reference.py checks all of this against a plain
layer-by-layer, tensor-by-tensor reference.
"""

from __future__ import annotations

from math import gcd, lcm
from typing import Any, Mapping, NamedTuple

from generator.calc.packed import DEFAULT_BITS, Packer, bits_for
from generator.calc.tensors import Inventory

# The conditions a per-layer rule may test (schema/quantizations.yaml); a tensor of a
# role without a matching rule is stored at the default (or routed-expert) type.
CONDITIONS = frozenset({"always", "more_bits", "first_eighth", "first_sixteenth", "first_two",
                        "gqa_ge_4", "experts_eq_8", "experts_ge_4", "layers_eq_80"})


_TypeRef = tuple[str, int, int, bool]  # (tensor type id, block_weights, block_bytes, GGUF shape fallback applies)


class CompiledQuant(NamedTuple):
    """A quantization entry reduced to what weight bytes need (built once per catalog)."""

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
    kind = _KIND
    embedding_role = "output" if inv.tied else "embedding"
    for role, ne0, out, copies, layers, routed in inv.matrices:
        if role == "token_embd":
            role = embedding_role
        key = (role, routed)
        e = ne0 * out * copies
        k = kind[layers]
        s = slots.get(key)
        if s is None:
            s = slots[key] = [ne0, 0, 0, 0, 0, [(ne0, e, k - 1)], e]
            s[k] = e
        else:
            # (row length, elements, kind index into multiplicities) per tensor
            s[5].append((ne0, e, k - 1))
            s[0] = gcd(s[0], ne0)
            s[6] = gcd(s[6], e)
            s[k] += e
    # Every linear matrix, by routed: the slots of the linear roles summed.
    linear = {False: [0, 0, 0, 0, 0, [], 0], True: [0, 0, 0, 0, 0, [], 0]}
    simple = _SIMPLE_INDEX
    for (role, routed), s in slots.items():
        if role not in simple:
            lin = linear[routed]
            lin[0] = gcd(lin[0], s[0])
            lin[6] = gcd(lin[6], s[6])
            lin[1] += s[1]
            lin[2] += s[2]
            lin[3] += s[3]
            lin[4] += s[4]
            lin[5] += s[5]
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


# Layer counts whose rule masks RuleTable keeps (real models have at most ~130 layers); a
# card with more layers evaluates its rules itself, with the same code.
RULE_TABLE_LAYERS = 160

_Key = tuple[int, bool, bool, bool]  # (layers, gqa_ge_4, experts == 8, experts >= 4)


class RuleTable:
    """The layers every per-layer rule list of a catalog takes, per layer-count key.

    Which layers a rule takes depends only on the card's layer count and three
    card-level flags (gqa_ge_4, experts == 8, experts >= 4), not on its tensors, so
    the masks are computed once per key (on first use, then kept) for layer counts
    up to RULE_TABLE_LAYERS. Per card only the multiplicities of its own dense and
    MoE layers are counted from the masks (for a model without MoE layers that is a
    popcount, also kept here: a layer mask's weights are then (0, k, k, 0)).
    """

    def __init__(self, quants: tuple[CompiledQuant, ...], max_layers: int = RULE_TABLE_LAYERS) -> None:
        lists = {id(rules): rules for q in quants for _, rules in q.rules}
        self._lists = tuple(lists.values())  # keeps the rule tuples (and so their ids) alive
        self.max_layers = max_layers
        # key -> {id(rules): (taken masks, remaining mask)}
        self._masks: dict[_Key, dict[int, tuple[tuple, int]]] = {}
        # key (cards without MoE layers) -> {id(rules): _taken_layers() result}
        self._dense: dict[_Key, dict[int, list]] = {}

    def masks(self, key: _Key) -> dict[int, tuple[tuple, int]] | None:
        """Per rule list id, the layers each rule takes and those left; None beyond max_layers."""
        per_list = self._masks.get(key)
        if per_list is None:
            n, gqa, experts_eq_8, experts_ge_4 = key
            if n > self.max_layers:
                return None
            # 8, 4 and 0 experts stand for the three flag combinations
            cm = condition_masks(n, gqa, 8 if experts_eq_8 else 4 if experts_ge_4 else 0)
            full = (1 << n) - 1
            per_list = self._masks[key] = {id(r): _rule_masks(r, cm, full) for r in self._lists}
        return per_list

    def dense(self, key: _Key) -> dict[int, list] | None:
        """masks() as layer multiplicities, for a card without MoE layers."""
        taken_by_list = self._dense.get(key)
        if taken_by_list is None:
            per_list = self.masks(key)
            if per_list is None:
                return None
            taken_by_list = self._dense[key] = {
                i: [(ref, _dense_weights(m)) for ref, m in taken] for i, (taken, _) in per_list.items()}
        return taken_by_list


def _dense_weights(mask: int) -> tuple[int, int, int, int]:
    k = mask.bit_count()
    return (0, k, k, 0)


def _slow(mats: list[tuple[int, int, int]], ref: _TypeRef, w: tuple[int, int, int, int],
          types: Mapping[str, tuple[int, int]], fallback: Mapping[str, str]) -> int:
    """Tensor by tensor: rows that are not whole blocks floor per tensor or fall back (GGUF)."""
    tid, bw, _, fa = ref
    total = 0
    for ne0, e, k in mats:
        if not w[k]:
            continue
        t = fallback[tid] if fa and ne0 % bw else tid
        tbw, tbb = types[t]
        total += e * tbb // tbw * w[k]
    return total


def _bytes(s: _Slot, ref: _TypeRef, w: tuple[int, int, int, int], types: Mapping[str, tuple[int, int]],
           fallback: Mapping[str, str]) -> int:
    """Bytes of slot ``s`` at one type, kind multiplicities ``w``."""
    _, bw, bb, fa = ref
    # Exact in one step when no tensor falls back (every row whole blocks) and every
    # tensor is whole blocks (no per-tensor floor).
    if s[0 if fa else 6] % bw == 0:
        return _weighted(s, w) // bw * bb
    return _slow(s[5], ref, w, types, fallback)


class WeightBytes(NamedTuple):
    total: int
    routed_experts: int  # bytes of all routed experts (MoE), 0 otherwise
    input_embedding: int  # bytes of the token-embedding table when untied, else 0
    extra: int


class WeightColumns(NamedTuple):
    """WeightBytes fields, each a list with one entry per quantization of a QuantTable."""

    total: list[int]
    routed_experts: list[int]
    input_embedding: list[int]
    extra: list[int]


class _Column(NamedTuple):
    """One slot kind (a simple role, or the linear matrices) across a table's quantizations."""

    refs: tuple[_TypeRef, ...]  # the distinct storage types the quantizations give it
    index: tuple[int, ...]  # per quantization, the position of its type in refs
    rows_lcm: int  # lcm of the block sizes of refs that may fall back (GGUF): tested on a slot's row gcd
    elements_lcm: int  # lcm of the other refs' block sizes: tested on the slot's element gcd
    unit: int  # lcm of every block size in the column
    rates: tuple[int, ...]  # per quantization, bytes per `unit` elements
    packed: int  # rates packed with 64-bit fields (packed.Packer)


def _block_lcms(refs) -> tuple[int, int, int]:
    """(rows, elements, unit): lcm of the block sizes of types that may fall back (GGUF), of the
    others, and of all. A slot whose row gcd is a multiple of `rows` and element gcd a multiple
    of `elements` is whole blocks at every one of the types (_whole_blocks), so its elements
    are a multiple of `unit`."""
    rows = lcm(*(bw for _, bw, _, fa in refs if fa))
    elements = lcm(*(bw for _, bw, _, fa in refs if not fa))
    return rows, elements, lcm(rows, elements)


def _whole_blocks(s: _Slot, rows_lcm: int, elements_lcm: int) -> bool:
    return s[0] % rows_lcm == 0 and s[6] % elements_lcm == 0


def _column(per_quant: list[_TypeRef], packer: Packer) -> _Column:
    refs = list(dict.fromkeys(per_quant))
    rows, elements, unit = _block_lcms(refs)
    rates = tuple(bb * (unit // bw) for _, bw, bb, _ in per_quant)
    return _Column(tuple(refs), tuple(refs.index(r) for r in per_quant), rows, elements, unit, rates,
                   packer.pack(rates))


_LINEAR, _ROUTED = 4, 5  # column indices after the four simple roles (_SIMPLE_INDEX)


class _RoleRules(NamedTuple):
    """What the per-layer rules of one role add, per quantization, for one layer-count key.

    Built once per catalog and key (QuantTable.role_rules). A rule takes a set of layers (a
    mask); a layer holding e elements of the role at type t instead of the base type b
    adds e * (rate(t) - rate(b)) bytes. Per distinct mask, those rate differences are
    kept packed (one field per quantization) per `unit` elements.
    """

    role: str
    rows_lcm: int  # a slot whose row gcd and element gcd pass these is whole blocks at every type involved
    elements_lcm: int
    unit: int
    dense: int  # packed bytes added per `unit` elements of one layer, on a card without MoE layers
    masks: tuple[tuple[int, int, int], ...]  # (layer mask, packed vs base type, packed vs routed base type)


class QuantTable:
    """Compiled quantizations arranged for weight_bytes_all(), built once per catalog.

    A card's weight bytes at every quantization are computed as packed vectors (one
    field per quantization, generator.calc.packed): each slot (tensors stored alike)
    whose tensors are whole blocks at every type of its column costs one big-int
    multiplication, its elements times the column's packed bytes-per-element; other
    slots are priced per distinct type. Per-layer rules then add, per quantization,
    the difference between their types and the base type on the layers they take
    (bytes are additive over tensors, so this is exact).
    """

    def __init__(self, quants: tuple[CompiledQuant, ...], fallback: Mapping[str, str], types: Mapping[str, tuple[int, int]],
                 rule_table: bool = True) -> None:
        self.quants = quants
        self.fallback = fallback
        self.packer = Packer(len(quants))
        self.columns = tuple(_column([q.simple[i] for q in quants], self.packer) for i in range(4)) + (
            _column([q.default for q in quants], self.packer), _column([q.routed for q in quants], self.packer))
        # (quantization index, role, rule list, base type, base type of routed experts)
        self.ruled = tuple((i, role, rules, q.default, q.routed)
                           for i, q in enumerate(quants) for role, rules in q.rules)
        self.extra_factor = tuple(q.extra_bytes_per_param for q in quants)
        self.extra_packed = self.packer.pack(self.extra_factor)
        # Upper bound on bytes per weight at any type (fallback types included): with a card's
        # element count it bounds every result field, which picks the packing width.
        self.max_bytes_per_weight = max(-(-bb // bw) for bw, bb in types.values())
        # Layer masks of the rules, per layer count (None: evaluated per card).
        self.rule_table = RuleTable(quants) if rule_table and self.ruled else None
        # Per layer-count key, per rule role: packed per-mask rate differences (see _RoleRules),
        # computed on first use of a key.
        self._role_rules: dict[_Key, tuple[_RoleRules, ...]] = {}
        by_role: dict[str, list] = {}
        for qi, role, rules, base, base_r in self.ruled:
            by_role.setdefault(role, []).append((qi, rules, base, base_r))
        # The lcms are over every type a role's rules or bases use (see _block_lcms).
        self._roles = []
        for role, entries in by_role.items():
            refs = {b for _, _, b0, b1 in entries for b in (b0, b1)} | {ref for _, rules, _, _ in entries for _, ref in rules}
            self._roles.append((role, *_block_lcms(refs), entries))

    def role_rules(self, key: _Key) -> tuple[_RoleRules, ...] | None:
        """What each rule role adds for cards of this key; None without a rule table or beyond it."""
        plan = self._role_rules.get(key)
        if plan is not None:
            return plan
        taken_by_list = None if self.rule_table is None else self.rule_table.masks(key)
        if taken_by_list is None:
            return None
        n = len(self.quants)
        out = []
        for role, rows, elements, unit, entries in self._roles:

            def rate(ref: _TypeRef) -> int:
                return ref[2] * (unit // ref[1])  # bytes per `unit` elements

            by_mask: dict[int, tuple[list[int], list[int]]] = {}
            for qi, rules, base, base_r in entries:
                for ref, mask in taken_by_list[id(rules)][0]:
                    diff, diff_r = by_mask.setdefault(mask, ([0] * n, [0] * n))
                    diff[qi] += rate(ref) - rate(base)
                    diff_r[qi] += rate(ref) - rate(base_r)
            by_mask = {m: d for m, d in by_mask.items() if any(d[0]) or any(d[1])}
            if by_mask:
                # the same few difference vectors recur for every key: Packer.const packs each once
                const = self.packer.const
                masks = tuple((m, const(tuple(d)), const(tuple(d_r))) for m, (d, d_r) in by_mask.items())
                # every layer dense: each mask's difference once per layer it holds
                dense = sum(m.bit_count() * pk for m, pk, _ in masks)
                out.append(_RoleRules(role, rows, elements, unit, dense, masks))
        plan = self._role_rules[key] = tuple(out)
        return plan


def _slot_bytes(s: _Slot, col: _Column, e_w: int, w: tuple[int, int, int, int],
                types: Mapping[str, tuple[int, int]], fallback: Mapping[str, str], packer: Packer) -> int:
    """Packed bytes of slot ``s`` (``e_w`` weighted elements) at each quantization of the column."""
    if _whole_blocks(s, col.rows_lcm, col.elements_lcm):
        # Every tensor whole blocks at every type, no fallback: the slot's elements are a
        # multiple of the column's unit, and all quantizations cost one multiplication.
        return e_w // col.unit * (col.packed if packer.bits == DEFAULT_BITS else packer.pack(col.rates))
    per_type = [_bytes(s, ref, w, types, fallback) for ref in col.refs]
    return packer.pack([per_type[i] for i in col.index])


def weight_bytes_all(ct: CardTensors, table: QuantTable, types: Mapping[str, tuple[int, int]],
                     extra_params: int) -> WeightColumns:
    """Weight bytes at every quantization of ``table`` (all experts resident)."""
    w = ct.weights
    cols = table.columns
    simple = _SIMPLE_INDEX
    # Every tensor is in one simple-role slot or in one of the two linear aggregates.
    terms = []  # (column, slot, weighted elements, routed?, input embedding?)
    elements = 0
    for (role, is_routed), s in ct.slots.items():
        i = simple.get(role)
        if i is not None:
            e_w = _weighted(s, w)
            elements += e_w
            terms.append((cols[i], s, e_w, is_routed, i == 3 and not is_routed))
    for is_routed, s in ct.linear.items():
        if s[5]:
            e_w = _weighted(s, w)
            elements += e_w
            terms.append((cols[_ROUTED if is_routed else _LINEAR], s, e_w, is_routed, False))
    # Every result field is below this bound; 64-bit fields unless the card is absurdly large.
    bound = elements * table.max_bytes_per_weight + extra_params * max(table.extra_factor, default=0) + 1
    bits = bits_for(bound)
    packer = table.packer if bits == DEFAULT_BITS else Packer(len(table.quants), bits)
    fallback = table.fallback
    total = routed = embd = 0  # packed vectors
    for col, s, e_w, is_routed, is_embd in terms:
        v = _slot_bytes(s, col, e_w, w, types, fallback, packer)
        total += v
        if is_routed:
            routed += v
        elif is_embd:
            embd = v
    if table.ruled:
        fix, fix_r = _rule_corrections(ct, table, types, packer)
        total += fix
        routed += fix_r
    extra = extra_params * (table.extra_packed if bits == DEFAULT_BITS else packer.pack(table.extra_factor))
    total += extra
    unpack = packer.unpack
    zeros = [0] * len(table.quants)
    return WeightColumns(unpack(total), unpack(routed) if routed else zeros, unpack(embd) if embd else zeros,
                         unpack(extra) if extra else zeros)


def _rule_corrections(ct: CardTensors, table: QuantTable, types: Mapping[str, tuple[int, int]],
                      packer: Packer) -> tuple[int, int]:
    """Packed bytes the per-layer rules add over the base type, per quantization (all, routed experts)."""
    inv = ct.inv
    key = (inv.n_layers, inv.gqa_ge_4, inv.n_experts == 8, inv.n_experts >= 4)
    plan = table.role_rules(key) if packer.bits == DEFAULT_BITS else None
    if plan is None:  # beyond the precomputed layer counts, or wider fields: rule by rule
        return tuple(map(packer.pack, _corrections_by_rule(ct, table, types, key, None)))
    total = routed = 0
    slow: set[str] = set()
    slots = ct.slots
    dense_mask, moe_mask = ct.dense_mask, ct.moe_mask
    for rr in plan:
        role = rr.role
        s, s_r = slots.get((role, False)), slots.get((role, True))  # shared / dense, routed experts
        if (s is not None and not _whole_blocks(s, rr.rows_lcm, rr.elements_lcm)) or \
                (s_r is not None and not _whole_blocks(s_r, rr.rows_lcm, rr.elements_lcm)):
            slow.add(role)  # not whole blocks at some type involved: priced tensor by tensor
            continue
        if not moe_mask:
            # every layer dense (routed experts, if any, sit in no layer): elements per
            # layer times the precomputed per-layer sum
            if s is not None:
                total += (s[2] + s[3]) // rr.unit * rr.dense
            continue
        for mask, packed, packed_r in rr.masks:
            d, m = (mask & dense_mask).bit_count(), (mask & moe_mask).bit_count()
            # a slot's elements in one dense layer are s[2] + s[3], in one MoE layer s[2] + s[4]
            if s is not None:
                total += ((s[2] + s[3]) * d + (s[2] + s[4]) * m) // rr.unit * packed
            if s_r is not None:
                v = ((s_r[2] + s_r[3]) * d + (s_r[2] + s_r[4]) * m) // rr.unit * packed_r
                total += v
                routed += v
    if slow:
        fix, fix_r = _corrections_by_rule(ct, table, types, key, slow)
        total += packer.pack(fix)
        routed += packer.pack(fix_r)
    return total, routed


def _corrections_by_rule(ct: CardTensors, table: QuantTable, types: Mapping[str, tuple[int, int]],
                         key: _Key, roles: set[str] | None
                         ) -> tuple[list[int], list[int]]:
    """_rule_corrections() unpacked, rule list by rule list, slot by slot (``roles``: only those)."""
    fallback = table.fallback
    slots = ct.slots
    masks: dict[str, int] | None = None
    layer_memo: dict[int, list] = {}  # rule list id -> _taken_layers()
    table_masks = dense_layers = None
    rule_table = table.rule_table
    if rule_table is not None:
        if ct.moe_mask:
            table_masks = rule_table.masks(key)
        else:
            # Every layer dense: the multiplicities are the catalog's precomputed ones
            # (read only; None for a layer count beyond the table: evaluated below).
            dense_layers = rule_table.dense(key)
    present_memo: dict[str, list] = {}
    fix = [0] * len(table.quants)
    fix_r = [0] * len(table.quants)
    for qi, role, rules, base, base_r in table.ruled:
        if roles is not None and role not in roles:
            continue
        taken = (dense_layers if dense_layers is not None else layer_memo).get(id(rules))
        if taken is None:
            if table_masks is not None:
                taken = [(ref, _layer_weights(m, ct)) for ref, m in table_masks[id(rules)][0]]
            else:
                if masks is None:
                    masks = _condition_masks(ct)
                taken = _taken_layers(rules, ct, masks)
            layer_memo[id(rules)] = taken
        if not taken:
            continue  # no layer of this card matches (e.g. experts_eq_8 on a dense model)
        present = present_memo.get(role)
        if present is None:
            present = present_memo[role] = [(r, slots[(role, r)]) for r in (False, True) if (role, r) in slots]
        for is_routed, s in present:
            b0 = base_r if is_routed else base
            d = 0
            for ref, w in taken:
                d += _bytes(s, ref, w, types, fallback) - _bytes(s, b0, w, types, fallback)
            fix[qi] += d
            if is_routed:
                fix_r[qi] += d
    return fix, fix_r


def _weighted(s: _Slot, w: tuple[int, int, int, int]) -> int:
    """Elements of slot ``s`` with each kind of layer counted ``w`` times (global, all, dense, MoE)."""
    return s[1] * w[0] + s[2] * w[1] + s[3] * w[2] + s[4] * w[3]


def _taken_layers(rules, ct: CardTensors, masks: dict[str, int]) -> list[tuple[_TypeRef, tuple[int, int, int, int]]]:
    """Per rule that takes some layer (first match wins), its type and the layer multiplicities it takes."""
    taken, _ = _rule_masks(rules, masks, ct.full)
    return [(ref, _layer_weights(m, ct)) for ref, m in taken]


def _layer_weights(mask: int, ct: CardTensors) -> tuple[int, int, int, int]:
    """Multiplicities for the layers in ``mask``: 'all' tensors count each, dense/moe tensors their kind."""
    d = (mask & ct.dense_mask).bit_count()
    m = (mask & ct.moe_mask).bit_count()
    return (0, d + m, d, m)
