"""Catalog-derived constants, computed once per Catalogs value (not per card).

``plan_of(catalogs)`` builds this on first use and keeps it while the catalogs live; derive()
reads it for every card.
"""

from __future__ import annotations

import json
import weakref
from typing import Any, Mapping, NamedTuple, Sequence

from generator.calc.catalogs import Catalogs
from generator.calc.hardware import GpuPlan, gpu_plan
from generator.calc.native import as_stored
from generator.calc.training import TRAINING_QUANTS
from generator.calc.weights import QuantSet, compile_quant


class StoredSet(NamedTuple):
    """The quantization rows one card is priced at: the catalog's, each as a file of that name
    stores the card (generator.calc.native.as_stored), rows that match no file left out."""

    ids: tuple[str, ...]
    declared_types: tuple[tuple[int, int] | None, ...]  # as Plan.declared_types, for these rows
    weight_set: QuantSet  # these rows, then the training storage types
    weight_rows: tuple[dict[str, Any], ...]  # as Plan.weight_rows, for these rows


class Plan(NamedTuple):
    ids: tuple[str, ...]  # catalog quantization ids, in catalog order
    # Per quant, the storage type (block_weights, block_bytes) that stands for every parameter of
    # a card known only by its declared count; None where no single type does (MXFP4 stores
    # only routed experts in FP4).
    declared_types: tuple[tuple[int, int] | None, ...]
    gpus: tuple[GpuPlan, ...]
    kv_types: dict[str, tuple[int, int]]
    # The catalog quantizations, then the training storage types (training.TRAINING_QUANTS:
    # BF16, QLoRA NF4), in the order derive() asks weight bytes in (weight_set.quants), with the
    # memo of their per-layer types.
    weight_set: QuantSet
    weight_rows: tuple[dict[str, Any], ...]  # per quantization, its "weights" entry less weights_bytes (copied per card)
    quantizations: tuple[Mapping[str, Any], ...]  # the catalog entries (as_stored() reads them per card)
    tensor_types: Mapping[str, tuple[int, int]]
    shape_fallback: Mapping[str, str]
    # StoredSet per distinct as_stored() outcome (most cards: the catalog's own rows).
    stored_sets: dict[tuple[Any, ...], StoredSet]

    def stored(self, card: Mapping[str, Any]) -> StoredSet:
        """The rows ``card`` is priced at (every consumer of weight bytes goes through this)."""
        stored = [as_stored(card, q) for q in self.quantizations]
        key = tuple(None if s is None else True if s is q else json.dumps(s, sort_keys=True)
                    for s, q in zip(stored, self.quantizations, strict=True))
        found = self.stored_sets.get(key)
        if found is None:
            found = self.stored_sets[key] = _stored_set(self, [s for s in stored if s is not None])
        return found


_PLANS: weakref.WeakKeyDictionary[Catalogs, Plan] = weakref.WeakKeyDictionary()


def plan_of(catalogs: Catalogs) -> Plan:
    """The Plan of ``catalogs``, built once per catalogs value (Catalogs compare by identity)."""
    found = _PLANS.get(catalogs)
    if found is None:
        found = _PLANS[catalogs] = build_plan(catalogs)
    return found


def build_plan(catalogs: Catalogs) -> Plan:
    qs = catalogs.quantizations
    types, fallback = catalogs.tensor_types, catalogs.shape_fallback
    return Plan(
        ids=tuple(q["id"] for q in qs),
        declared_types=tuple(_declared_type(q, types) for q in qs),
        gpus=tuple(gpu_plan(g) for g in catalogs.gpus),
        kv_types={k: types[t] for k, t in catalogs.kv_dtypes.items()},
        weight_set=QuantSet(tuple(compile_quant(q, types, fallback) for q in (*qs, *TRAINING_QUANTS))),
        weight_rows=tuple(_weight_row(q) for q in qs),
        quantizations=tuple(qs),
        tensor_types=types,
        shape_fallback=fallback,
        stored_sets={},
    )


def _weight_row(q: Mapping[str, Any]) -> dict[str, Any]:
    return {"quantization": q["id"], "name": q["name"], "bits_per_weight": q["bits_per_weight"], "weights_bytes": None}


def _stored_set(plan: Plan, stored: Sequence[Mapping[str, Any]]) -> StoredSet:
    if len(stored) == len(plan.quantizations) and all(s is q for s, q in zip(stored, plan.quantizations, strict=True)):
        return StoredSet(plan.ids, plan.declared_types, plan.weight_set, plan.weight_rows)
    types, fallback = plan.tensor_types, plan.shape_fallback
    return StoredSet(
        ids=tuple(q["id"] for q in stored),
        declared_types=tuple(_declared_type(q, types) for q in stored),
        weight_set=QuantSet(tuple(compile_quant(q, types, fallback) for q in (*stored, *TRAINING_QUANTS))),
        weight_rows=tuple(_weight_row(q) for q in stored),
    )


def _declared_type(quant: Mapping[str, Any], tensor_types: Mapping[str, tuple[int, int]]) -> tuple[int, int] | None:
    """types.default, unless routed experts use another type: then the split is unknowable from a count."""
    types = quant["types"]
    experts = types.get("routed_experts", types["default"])
    return tensor_types[types["default"]] if experts == types["default"] else None
