"""The engine accuracy cases: what llama.cpp and vLLM printed at start-up, and our plans for the same runs.

Shared by tests/calc/test_engine_accuracy.py (the bounds of issue 10) and bench/engine_accuracy.py
(the report and the site page site/engine-accuracy.md). The case format is in README.md beside this
file: one YAML list ``cases`` per engine file (llamacpp.yaml, vllm.yaml), measured numbers as the
engine printed them in ``unit`` (MiB or GiB), settings by the option names of `llmcards plan`.

A case becomes a plan request exactly as `llmcards plan` builds one: the registry card, the engine,
the options read by the engine's own parsers (generator.calc.engines.parse_options), and a Hardware
from the GPU catalog, with the device memory the log printed (``memory_gib``) when it printed one.
Every measured name is compared with the plan's ``components`` of the same name; two sums are
compared besides, each from the same parts on both sides and only where the case measured every part:
``non_kv`` (vLLM, per GPU: weights + activation_peak + non_torch, what vLLM subtracts from its budget
before the KV cache) and ``total`` (llama.cpp: device_weights + device_kv_cache + device_compute_buffer,
summed over the GPUs; vLLM: non_kv + kv_cache_memory, per GPU).
A CPU-only run (``gpus: 0``) is planned as `-ngl 0` unless its settings say otherwise.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import yaml

from generator.calc import engines
from generator.calc.engines import Hardware
from generator.load import load_file

CASE_DIR = Path(__file__).resolve().parent
ROOT = CASE_DIR.parents[2]
REGISTRY = ROOT / "registry"
MIB = 2**20
UNITS = {"MiB": 2**20, "GiB": 2**30}
COUNTS = {"kv_cache_tokens", "max_concurrency"}  # measured names that are not bytes (tokens, a ratio)
REQUIRED = ("id", "engine", "engine_version", "model", "quant", "hardware", "settings", "unit", "measured", "source")
# parts: the printed pieces of a summed number (README.md); engine_generation: what the log text proves
# about the engine generation when it prints no version (e.g. "V0"), for the engine's outside_basis();
# runner: the vLLM model runner the log's file names show ("v1": gpu_model_runner.py, "v2":
# model_runner.py), where vLLM's default for the release depends on the model (vllm.runs_model_runner_v2);
# compile_cache: "cold" where the log shows vLLM compiling the model at start-up (torch.compile with no
# cache from an earlier start), "warm" where it loads that cache (vllm.outside_basis).
OPTIONAL = ("log", "notes", "parts", "engine_generation", "runner", "compile_cache")
RUNNERS = ("v1", "v2")
COMPILE_CACHES = ("cold", "warm")
# The sums compared besides the printed components: name -> engine -> parts (see the docstring).
SUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "non_kv": {"vllm": ("weights", "activation_peak", "non_torch")},
    "total": {"llama.cpp": ("device_weights", "device_kv_cache", "device_compute_buffer"),
              "vllm": ("weights", "activation_peak", "non_torch", "kv_cache_memory")},
}

# What depends on the device memory: without it (a GPU outside the catalog and no printed size) a
# plan may leave these out; every other printed number must be predicted.
NEEDS_MEMORY_SIZE = {"vllm": ("kv_budget", "kv_cache_memory", "kv_cache_tokens", "max_concurrency", "total")}


class CaseError(ValueError):
    """A case file that does not follow the format; the message names the file and the case."""


@dataclass(frozen=True)
class Case:
    id: str
    engine: str
    engine_version: str | None
    model: str
    quant: str
    hardware: Mapping[str, Any]
    settings: Mapping[str, Any]
    unit: str
    measured: Mapping[str, Any]  # as printed, in ``unit`` (see measured_values for bytes)
    source: str
    file: str
    log: str | None = None
    notes: str | None = None
    parts: Mapping[str, Any] | None = None
    engine_generation: str | None = None
    runner: str | None = None
    compile_cache: str | None = None

    @property
    def hardware_known(self) -> bool:
        """Whether the case says how much memory the devices have (a catalog GPU or a printed size)."""
        return self.hardware.get("gpu") is not None or self.hardware.get("memory_gib") is not None

    def needs_memory_size(self, component: str) -> bool:
        """Whether a plan can give ``component`` only when it knows the device memory (vLLM's KV budget)."""
        return component in NEEDS_MEMORY_SIZE.get(self.engine, ())


class Target(NamedTuple):
    """One bound of issue 10 on one engine's component: on |error %|, or on the median |error| in bytes."""

    engine: str
    component: str
    median_pct: float | None
    worst_pct: float | None
    median_abs_bytes: int | None
    wording: str

    def describe(self) -> str:
        parts = []
        if self.median_pct is not None:
            parts.append(f"median < {self.median_pct:g}%")
        if self.worst_pct is not None:
            parts.append(f"worst < {self.worst_pct:g}%")
        if self.median_abs_bytes is not None:
            parts.append(f"median < {self.median_abs_bytes / MIB:g} MiB")
        return ", ".join(parts)

    def shortfalls(self, s: Summary) -> list[str]:
        """What of this target the summary misses ("median 2.82% (target < 1%)", ...); [] when met."""
        out = []
        if self.median_pct is not None and not s.median_pct < self.median_pct:
            out.append(f"median {s.median_pct:.2f}% (target < {self.median_pct:g}%)")
        if self.worst_pct is not None and not s.worst_pct < self.worst_pct:
            out.append(f"worst {s.worst_pct:.2f}% (target < {self.worst_pct:g}%)")
        if self.median_abs_bytes is not None and not s.median_abs_bytes < self.median_abs_bytes:
            out.append(f"median {s.median_abs_bytes / MIB:.1f} MiB (target < {self.median_abs_bytes / MIB:g} MiB)")
        return out

    def beyond(self, p: Point) -> bool:
        """Whether one case alone disagrees beyond this target."""
        if p.predicted is None:
            return False
        if self.worst_pct is not None:
            return abs(p.error_pct) >= self.worst_pct
        return self.median_abs_bytes is not None and abs(p.error) >= self.median_abs_bytes


# The bounds of issue 10 ("How good"). Per-GPU lists (``*_per_gpu``) are held to their sum's bounds.
TARGETS: tuple[Target, ...] = (
    Target("llama.cpp", "device_weights", 1, 5, None, "weights per device"),
    Target("llama.cpp", "device_weights_per_gpu", 1, 5, None, "weights per device"),
    Target("llama.cpp", "device_kv_cache", 1, 5, None, "KV cache per device"),
    Target("llama.cpp", "device_kv_cache_per_gpu", 1, 5, None, "KV cache per device"),
    Target("llama.cpp", "device_compute_buffer", None, 15, None, "compute buffer (flash attention on and off)"),
    Target("llama.cpp", "device_compute_buffer_per_gpu", None, 15, None, "compute buffer per device"),
    Target("llama.cpp", "total", None, None, 128 * MIB, "total on the GPUs"),
    Target("vllm", "weights", 1, 5, None, "weights per GPU"),
    Target("vllm", "kv_cache_memory", 1, 5, None, "KV cache per GPU"),
    # v0.21+ runs with the CUDA graph estimate on: the budget before it (printed KV + printed estimate)
    Target("vllm", "kv_budget", 1, 5, None, "KV cache per GPU, before vLLM's CUDA graph estimate"),
    Target("vllm", "non_kv", None, 5, None, "non-KV memory per GPU"),
    Target("vllm", "kv_cache_tokens", None, 5, None, "KV capacity in tokens"),
    Target("vllm", "total", None, None, 128 * MIB, "total per GPU"),
)


class Point(NamedTuple):
    """One compared number of one case: predicted (None: the plan gives none) and measured, in bytes
    (tokens for kv_cache_tokens, a ratio for max_concurrency)."""

    case: Case
    component: str
    predicted: float | None
    measured: float
    # Why the rule for this component does not follow the engine version/backend the case ran on
    # (the engine module's outside_basis), else None: such points are published, not summarized.
    outside: str | None = None

    @property
    def error(self) -> float:
        return math.nan if self.predicted is None else self.predicted - self.measured

    @property
    def error_pct(self) -> float:
        if self.predicted is None:
            return math.nan
        if self.measured == 0:
            return 0.0 if self.predicted == 0 else math.inf
        return (self.predicted - self.measured) * 100 / abs(self.measured)


class Result(NamedTuple):
    """A case's plan and its points, or why no plan came (a PlanError or another exception).

    ``outside``: why the engine version or backend the case ran on is not what the engine module
    models for any of the case's numbers (its ``outside_basis``), else None. Such cases, and the
    points outside of the others, are published apart and do not count toward the bounds.
    """

    case: Case
    plan: Mapping[str, Any] | None
    points: list[Point]
    failure: str | None
    outside: str | None = None


# -- loading ------------------------------------------------------------------------------------

def case_files(directory: Path = CASE_DIR) -> list[Path]:
    """The engine case files (``*.yaml`` directly in the folder; fixtures/ holds the harness's own)."""
    return sorted(directory.glob("*.yaml"))


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, dict):
        return [f"{where}: a case is a mapping"]
    problems = [f"{where}: missing {k!r}" for k in REQUIRED if k not in raw]
    problems += [f"{where}: unknown key {k!r}" for k in raw if k not in REQUIRED + OPTIONAL]
    if problems:
        return problems
    if raw["engine"] not in engines.ENGINES:
        problems.append(f"{where}: engine {raw['engine']!r}: choose from {', '.join(engines.ENGINES)}")
    if raw["unit"] not in UNITS:
        problems.append(f"{where}: unit {raw['unit']!r}: choose from {', '.join(UNITS)}")
    if not isinstance(raw["hardware"], dict) or not isinstance(raw["settings"], dict):
        problems.append(f"{where}: hardware and settings are mappings")
    measured = raw["measured"]
    if not isinstance(measured, dict) or not measured:
        problems.append(f"{where}: measured: a mapping of at least one printed number")
    else:
        for k, v in measured.items():
            ok = _number(v) or (k.endswith("_per_gpu") and isinstance(v, list) and v and all(map(_number, v)))
            if not ok:
                problems.append(f"{where}: measured.{k}: a number (a list of numbers for *_per_gpu), got {v!r}")
    if raw.get("runner") is not None and (raw["engine"] != "vllm" or raw["runner"] not in RUNNERS):
        problems.append(f"{where}: runner {raw['runner']!r}: a vLLM case's model runner, one of {', '.join(RUNNERS)}")
    if raw.get("compile_cache") is not None and (raw["engine"] != "vllm" or raw["compile_cache"] not in COMPILE_CACHES):
        problems.append(f"{where}: compile_cache {raw['compile_cache']!r}: a vLLM case's torch.compile cache at "
                        f"start-up, one of {', '.join(COMPILE_CACHES)}")
    if not str(raw["source"]).startswith(("https://", "http://")):
        problems.append(f"{where}: source: the URL where the log is public")
    return problems


def load_cases(files: Iterable[Path] | None = None) -> list[Case]:
    """Every case of ``files`` (default: case_files()); CaseError lists every problem found."""
    cases: list[Case] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in case_files() if files is None else files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = doc.get("cases") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            problems.append(f"{path.name}: a top-level list 'cases'")
            continue
        for i, raw in enumerate(entries):
            where = f"{path.name}: cases[{i}] ({raw.get('id') if isinstance(raw, dict) else '?'})"
            found = _check(raw, where)
            if not found and raw["id"] in seen:
                found = [f"{where}: id repeats the case in {seen[raw['id']]}"]
            problems += found
            if not found:
                seen[raw["id"]] = path.name
                cases.append(Case(file=path.name, **{k: raw.get(k) for k in REQUIRED + OPTIONAL}))
    if problems:
        raise CaseError("\n".join(problems))
    return cases


def measured_values(case: Case) -> dict[str, Any]:
    """The measured numbers in bytes (tokens and ratios unchanged; per-GPU lists element by element)."""
    scale = UNITS[case.unit]

    def conv(name: str, v: float) -> float:
        return float(v) if name in COUNTS else float(round(v * scale))

    return {k: [conv(k, x) for x in v] if isinstance(v, list) else conv(k, v) for k, v in case.measured.items()}


# -- the plan for a case ------------------------------------------------------------------------

class Request(NamedTuple):
    card: Mapping[str, Any]
    engine: str
    options: dict[str, Any]
    hardware: Hardware


def _card(model: str, registry: Path) -> Mapping[str, Any]:
    path = registry / f"{model}.yaml"
    if not path.is_file():
        raise CaseError(f"model {model!r}: no card {path}")
    loaded = load_file(path, str(path))  # as the CLI reads cards (duplicate keys refused, dates kept as text)
    if not loaded.ok or not isinstance(loaded.data, dict):
        raise CaseError(f"model {model!r}: {path} is not a readable card")
    return loaded.data


def request(case: Case, catalogs: Any, registry: Path = REGISTRY) -> Request:
    """The plan request `llmcards plan` would build for this run (PlanError for a setting the engine refuses)."""
    hw = case.hardware
    settings = dict(case.settings)
    gpus = 1 if hw.get("gpus") is None else int(hw["gpus"])
    if gpus == 0:  # a CPU-only run: `llmcards plan --cpu-only` (llama.cpp; the command line has no --gpus 0)
        settings.setdefault("cpu_only", True)
        gpus = 1
    card = _card(case.model, registry)
    module = engines.engine_module(case.engine)
    release_line = getattr(module, "release_line", None)
    if release_line is not None and "vllm_version" not in settings:
        # the rules of the release line the run's version belongs to (vllm.release_line)
        settings["vllm_version"] = release_line(case.engine_generation or case.engine_version)
    planned_runner = getattr(module, "planned_runner", None)
    if planned_runner is not None and "model_runner" not in settings:
        # Model Runner V2 where the run had it and the rules model it (vllm.planned_runner)
        settings["model_runner"] = planned_runner(case.engine_generation or case.engine_version, card, case.runner)
    if settings.get("vllm_version") == "0.21" and case.engine_version and "cudagraph_estimate" not in settings:
        # the plan's default (off) is not vLLM's (on): a run of v0.21+ says which it had
        raise CaseError(f"{case.id}: vLLM {case.engine_version} runs need settings.cudagraph_estimate "
                        "(on: vLLM's default; off: VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0)")
    options = engines.parse_options(case.engine, {**settings, "quant": case.quant})
    gpu = None
    if hw.get("gpu") is not None:
        gpu = next((g for g in catalogs.gpus if g["id"] == hw["gpu"]), None)
        if gpu is None:
            raise CaseError(f"{case.id}: hardware.gpu {hw['gpu']!r} is not in schema/gpus.yaml")
    memory = hw.get("memory_gib")
    ram_gb = hw.get("ram_gb")
    return Request(
        card=card,
        engine=case.engine,
        options=options,
        hardware=Hardware(
            gpu=gpu,
            count=gpus,
            ram_bytes=None if ram_gb is None else int(ram_gb * 10**9),
            ram_bandwidth_bytes_per_s=None if gpu is None else engines._ram_bandwidth(gpu, catalogs),
            memory_bytes=None if memory is None else round(memory * 2**30),
        ),
    )


def _component(components: Mapping[str, Any], name: str, index: int | None) -> float | None:
    value = components.get(name)
    if index is not None:
        value = value[index] if isinstance(value, (list, tuple)) and index < len(value) else None
    return None if value is None else float(value)


def _sum(values: Mapping[str, Any], parts: Sequence[str]) -> float | None:
    got = [values.get(p) for p in parts]
    return None if any(v is None or isinstance(v, list) for v in got) else float(sum(got))


def compare(case: Case, plan: Mapping[str, Any]) -> list[Point]:
    """The case's points: every measured name, then the sums (SUMS) the case measured every part of."""
    components = plan.get("components") or {}
    points = []
    measured = measured_values(case)
    for name, value in measured.items():
        if isinstance(value, list):
            points += [Point(case, name, _component(components, name, i), v) for i, v in enumerate(value)]
        else:
            points.append(Point(case, name, _component(components, name, None), value))
    for name, by_engine in SUMS.items():
        parts = by_engine.get(case.engine)
        if parts and _sum(measured, parts) is not None:
            points.append(Point(case, name, _sum(components, parts), _sum(measured, parts) or 0.0))
    return points


def outside_basis(case: Case, component: str | None) -> str | None:
    """The engine module's reason why its rule for ``component`` (None: the case as a whole) does not
    follow the engine version/backend the case ran on, else None.

    What the log proves (``engine_generation``), else the version printed; an unknown version counts
    as inside (the case is held to the bounds). Each rule has its own basis: a weight rule may hold
    for every build while a compute-buffer rule starts at one pull request.
    """
    module = engines.engine_module(case.engine)
    rule = getattr(module, "outside_basis", None)
    if rule is None:
        return None
    # what the log proves wins over a printed version (a v0.8.3 run with VLLM_USE_V1=0 is a V0 run);
    # rules whose history differs by model class or setting (llama.cpp's MLA and sliding-window KV)
    # read the run's card and settings
    try:
        card: Mapping[str, Any] | None = _card(case.model, REGISTRY)
    except CaseError:
        card = None
    # vLLM's rule alone takes these
    extra = {k: v for k, v in (("runner", case.runner), ("compile_cache", case.compile_cache)) if v is not None}
    reason = rule(case.engine_generation or case.engine_version, case.hardware.get("backend"), component,
                  card=card, settings=case.settings, **extra)
    return None if reason is None else str(reason)


def run_case(case: Case, catalogs: Any, registry: Path = REGISTRY) -> Result:
    result = _run_case(case, catalogs, registry)

    def reason(component: str) -> str | None:
        # a sum is outside when any of its parts is (or the engine says so of the sum itself)
        parts = SUMS.get(component, {}).get(case.engine, ())
        return next((r for r in map(lambda c: outside_basis(case, c), (component, *parts)) if r), None)

    points = [p._replace(outside=reason(p.component)) for p in result.points]
    whole = outside_basis(case, None) if not points else None
    if points and all(p.outside for p in points):
        whole = "; ".join(dict.fromkeys(str(p.outside) for p in points))
    return result._replace(points=points, outside=whole)


def inside(results: Sequence[Result]) -> list[Result]:
    """What the bounds are held to: the cases the engine modules model, with their modelled points only."""
    return [r._replace(points=[p for p in r.points if p.outside is None]) for r in results if r.outside is None]


def _run_case(case: Case, catalogs: Any, registry: Path) -> Result:
    try:
        req = request(case, catalogs, registry)
        plan = engines.plan(req.card, catalogs, req.engine, req.options, req.hardware)
    except (engines.PlanError, CaseError) as exc:
        return Result(case, None, [], f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # an engine bug: report it with the case, do not stop the others
        return Result(case, None, [], f"{type(exc).__name__}: {exc}")
    if not plan.get("supported", True):
        return Result(case, plan, [], f"unsupported: {plan.get('unsupported_reason')}")
    return Result(case, plan, compare(case, plan), None)


def run_all(cases: Sequence[Case], catalogs: Any, registry: Path = REGISTRY) -> list[Result]:
    return [run_case(c, catalogs, registry) for c in cases]


# -- coverage -----------------------------------------------------------------------------------

# The model classes the accuracy page counts cases for (issue 10: dense GQA, MoE, MLA, sliding
# window; issue 12: the recurrent state of state-space and linear-attention layers).
RECURRENT = "state space / linear attention"
CLASSES = ("dense", "MoE", "MLA", "sliding window", RECURRENT)


def model_classes(card: Mapping[str, Any]) -> tuple[str, ...]:
    """The classes of CLASSES a card belongs to, read from its architecture (a card can be in
    several: DeepSeek-V3 is MoE and MLA; Granite 4.0-H is MoE with state-space layers)."""
    arch = card.get("architecture") or {}
    attention = arch.get("attention") or {}
    found = ["MoE" if arch.get("type") == "moe" else "dense"]
    if attention.get("mla"):
        found.append("MLA")
    if attention.get("sliding_window"):
        found.append("sliding window")
    if arch.get("layer_pattern"):  # Mamba / linear-attention layers beside the attention layers
        found.append(RECURRENT)
    return tuple(found)


def coverage(cases: Sequence[Case], registry: Path = REGISTRY) -> dict[str, dict[str, int]]:
    """Per class of CLASSES, how many cases of each engine ran a model of that class."""
    out = {k: {e: 0 for e in engines.ENGINES} for k in CLASSES}
    for c in cases:
        try:
            classes = model_classes(_card(c.model, registry))
        except CaseError:
            continue  # reported as a failed case
        for k in classes:
            out[k][c.engine] += 1
    return out


# -- statistics ---------------------------------------------------------------------------------

class Summary(NamedTuple):
    engine: str
    component: str
    count: int  # points with a prediction
    unpredicted: int  # measured, but the plan gives no number
    median_pct: float
    worst_pct: float
    worst_case: str
    median_abs_bytes: float


def summarize(results: Sequence[Result]) -> list[Summary]:
    """Per engine x component (in the order first met): count, median and worst |error %|, median |error|."""
    groups: dict[tuple[str, str], list[Point]] = {}
    for r in results:
        for p in r.points:
            groups.setdefault((r.case.engine, p.component), []).append(p)
    out = []
    for (engine, component), pts in groups.items():
        known = [p for p in pts if p.predicted is not None]
        if not known:
            out.append(Summary(engine, component, 0, len(pts), math.nan, math.nan, "", math.nan))
            continue
        worst = max(known, key=lambda p: abs(p.error_pct))
        out.append(Summary(engine, component, len(known), len(pts) - len(known),
                           statistics.median(abs(p.error_pct) for p in known), abs(worst.error_pct), worst.case.id,
                           statistics.median(abs(p.error) for p in known)))
    return out


def target_for(engine: str, component: str) -> Target | None:
    return next((t for t in TARGETS if t.engine == engine and t.component == component), None)
