"""Cross-field checks on one card: the contradictions a schema cannot express.

Pure functions over the card mapping. Each check guards its own types, so it
can run even when the schema found other problems, and yields ``Problem``s
(path + message) that the caller turns into located errors.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Optional

from generator.schema_check import Problem

ARCH = ("architecture",)
ATT = ("architecture", "attention")
EXP = ("architecture", "experts")
PARAM_TOLERANCE = 0.01  # declared vs derived total parameters


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _map(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def n(value: int) -> str:
    """1234567 -> '1,234,567' (big counts are unreadable otherwise)."""
    return f"{value:,}"


def check_parameters(card: Mapping) -> Iterator[Problem]:
    params = _map(card.get("parameters"))
    arch = _map(card.get("architecture"))
    total, active = _int(params.get("total")), _int(params.get("active"))
    if total is not None and active is not None and active > total:
        yield Problem(
            ("parameters", "active"),
            f"active parameters ({n(active)}) exceed total parameters ({n(total)}); "
            "active counts the parameters used per token, so it cannot be larger (are the two swapped?)",
        )
    kind = arch.get("type")
    if kind == "moe" and "active" in params and params.get("active") is None:
        yield Problem(("parameters", "active"), "required for MoE models (architecture.type is moe): give the parameters used per token")
    if kind == "dense" and total is not None and active is not None and active != total:
        yield Problem(
            ("parameters", "active"),
            f"a dense model uses every parameter per token: active must be null or equal to total ({n(total)}), got {n(active)}",
        )


def check_experts(card: Mapping) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    kind, experts = arch.get("type"), arch.get("experts")
    if kind == "moe" and "experts" in arch and experts is None:
        yield Problem(EXP, "architecture.type is moe, so experts must describe the experts (it is null)", at_key=True)
    if kind == "dense" and isinstance(experts, Mapping):
        yield Problem(EXP, "architecture.type is dense but experts is filled in: set type: moe, or experts: null", at_key=True)
    if not isinstance(experts, Mapping):
        return
    total, active = _int(experts.get("total")), _int(experts.get("active"))
    if total is not None and active is not None and active > total:
        yield Problem(EXP + ("active",), f"{active} active experts per token exceed the {total} routed experts")
    shared = _int(experts.get("shared"))
    if shared == 0 and experts.get("shared_intermediate_size") is not None:
        yield Problem(EXP + ("shared_intermediate_size",), "is set but shared is 0: with no shared experts it must be null")
    first, layers = _int(experts.get("first_dense_layers")), _int(arch.get("layers"))
    if first is not None and layers is not None and first >= layers:
        yield Problem(EXP + ("first_dense_layers",), f"{first} dense layers leave no MoE layer in a {layers}-layer model")


def structure_for(heads: int, kv: int) -> str:
    """The attention structure that standard (non-MLA) head counts imply."""
    if kv == heads:
        return "MHA"
    if kv == 1:
        return "MQA"
    return "GQA"


def check_attention(card: Mapping) -> Iterator[Problem]:
    arch = _map(card.get("architecture"))
    att = _map(arch.get("attention"))
    heads, kv = _int(att.get("heads")), _int(att.get("kv_heads"))
    structure = att.get("structure")
    if heads is not None and kv is not None:
        if kv > heads:
            yield Problem(ATT + ("kv_heads",), f"{kv} KV heads is more than the {heads} query heads")
        elif heads % kv:
            yield Problem(ATT + ("kv_heads",), f"{kv} does not divide {heads} query heads")
        elif structure in ("MHA", "MQA", "GQA"):
            fits = structure_for(heads, kv)
            rule = {"MHA": "kv_heads = heads", "MQA": "kv_heads = 1", "GQA": "1 < kv_heads < heads"}[structure]
            if fits != structure:
                yield Problem(
                    ATT + ("structure",),
                    f"{structure} means {rule}, but there are {kv} KV heads for {heads} query heads: that is {fits}",
                )
    mla = att.get("mla")
    if structure == "MLA" and "mla" in att and mla is None:
        yield Problem(ATT + ("mla",), "structure is MLA, so the mla block (ranks and head widths) must be filled in", at_key=True)
    if structure is not None and structure != "MLA" and isinstance(mla, Mapping):
        yield Problem(ATT + ("mla",), f"the mla block only applies to structure MLA (structure is {structure}); set mla: null", at_key=True)
    if structure == "MLA" and att.get("fused_qkv") is True:
        yield Problem(ATT + ("fused_qkv",), "MLA projects queries and the key/value latent separately, so there is "
                      "no fused QKV matrix; set fused_qkv: false or null", at_key=True)
    hidden = _int(arch.get("hidden_size"))
    if structure != "MLA" and "head_dim" in att and att.get("head_dim") is None and hidden and heads and hidden % heads:
        yield Problem(
            ATT + ("head_dim",),
            f"null means hidden_size / heads, but {hidden} is not divisible by {heads} heads: give head_dim from config.json",
        )


_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")


def parse_partial_date(text: Any) -> Optional[tuple[int, ...]]:
    """'2024' -> (2024,), '2024-07' -> (2024, 7), '2024-07-23' -> (2024, 7, 23); None otherwise."""
    if not isinstance(text, str):
        return None
    m = _DATE.match(text)
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def _date_fields(card: Mapping) -> Iterator[tuple[tuple, Any]]:
    yield ("release_date",), card.get("release_date")
    yield ("knowledge_cutoff",), card.get("knowledge_cutoff")
    evals = card.get("evaluations")
    if isinstance(evals, list):
        for i, item in enumerate(evals):
            yield ("evaluations", i, "date"), _map(item).get("date")


def check_dates(card: Mapping) -> Iterator[Problem]:
    for path, text in _date_fields(card):
        parts = parse_partial_date(text)
        if parts and len(parts) == 3 and 1 <= parts[1] <= 12:
            last = calendar.monthrange(parts[0], parts[1])[1]
            if not 1 <= parts[2] <= last:
                month = calendar.month_name[parts[1]]
                yield Problem(path, f"{text} is not a calendar date: {month} {parts[0]} has {last} days")
    cutoff, release = parse_partial_date(card.get("knowledge_cutoff")), parse_partial_date(card.get("release_date"))
    if cutoff and release:
        # Compare at the coarser precision: 2024-12 is not after 2024.
        k = min(len(cutoff), len(release))
        if cutoff[:k] > release[:k]:
            yield Problem(
                ("knowledge_cutoff",),
                f"the knowledge cutoff {card['knowledge_cutoff']} is after the release date {card['release_date']}",
            )


def check_evaluations(card: Mapping, benchmarks: Optional[Mapping[str, Mapping]]) -> Iterator[Problem]:
    evals = card.get("evaluations")
    if benchmarks is None or not isinstance(evals, list):
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
        if isinstance(score, (int, float)) and not isinstance(score, bool) and lo is not None and hi is not None:
            if not lo <= score <= hi:
                yield Problem(("evaluations", i, "score"), f"{score} is outside {entry.get('name', bench)}'s scale {lo} to {hi}")


CountFn = Callable[[Mapping], Any]


def parameter_counter() -> Optional[CountFn]:
    """The calculator's ``count_parameters`` when it is available (it is optional here)."""
    try:
        from generator.calc.params import count_parameters
    except ImportError:
        return None
    return count_parameters


def check_parameter_count(card: Mapping, count: Optional[CountFn]) -> Iterator[Problem]:
    declared = _int(_map(card.get("parameters")).get("total"))
    if count is None or declared is None:
        return
    try:
        result = count(card)
    except Exception:  # a calculator bug must not hide the other findings
        return
    derived = _int(getattr(result, "total", None))
    if not derived:
        return
    diff = (declared - derived) / derived
    if abs(diff) > PARAM_TOLERANCE:
        yield Problem(
            ("parameters", "total"),
            f"declared {n(declared)} but the architecture gives {n(derived)} ({diff * 100:+.1f}%); "
            "check the architecture fields, or put parameters the architecture does not describe in parameters.extra",
        )


def check_card(
    card: Mapping,
    benchmarks: Optional[Mapping[str, Mapping]] = None,
    count: Optional[CountFn] = None,
) -> list[Problem]:
    """Every cross-field problem in one card; ``count`` (the calculator) only runs when nothing else is wrong."""
    problems: list[Problem] = []
    problems.extend(check_parameters(card))
    problems.extend(check_experts(card))
    problems.extend(check_attention(card))
    problems.extend(check_dates(card))
    problems.extend(check_evaluations(card, benchmarks))
    if not problems:  # a self-contradicting architecture makes the derived count noise
        problems.extend(check_parameter_count(card, count))
    return problems
