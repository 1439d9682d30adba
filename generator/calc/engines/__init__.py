"""Engine memory plans: what llama.cpp and vLLM really allocate for a model (pure, no I/O).

``plan(card, catalogs, engine, options, hardware) -> dict`` is what ``llmcards plan --format json`` prints,
what the site exports per model for a few common setups, and what
tests/calc/test_engine_accuracy.py compares with engines' printed numbers.

One module per engine (``llamacpp``, ``vllm``). Each exposes:

    NAME: str                       # "llama.cpp" | "vllm" (the --engine value)
    BASIS: str                      # the engine version the rules follow, e.g. "llama.cpp b6700 (2025-10-08)"
    OPTIONS: dict[str, Option]      # the engine's own options (CLI name without "--", "-" -> "_")
    def unsupported(card, settings) -> str | None  # why this engine version cannot run the card, else None
    def plan(card, catalogs, settings, hardware) -> dict   # the fields of the shape below from "settings" on

``settings`` holds every option: the common ones (``COMMON_OPTIONS``) and the engine's
own, as given, else the Option's default; a default of None means "the engine resolves it
from the card" (e.g. the context), and the engine's returned "settings" holds every
value resolved. ``hardware`` is a ``Hardware``. Engines raise ``PlanError`` for a setting
that cannot apply to this card (a tensor-parallel size that does not divide the
heads, a context above the model's maximum, ...).

Shape (stable API, ``API_VERSION``)::

    {
      "api_version": 1,
      "engine": "llama.cpp" | "vllm",
      "engine_basis": str,                 # BASIS of the engine module
      "model": str,                        # card id
      "supported": bool,                   # false: "unsupported_reason" says why; no numbers then:
                                           # the record ends after "settings" (given, else defaults)
      "unsupported_reason": str | null,
      "settings": {option: value},         # every option, resolved, defaults included
      "devices": [{"name": str,            # "CUDA0", "GPU 0", ... ("GPU" when no hardware given)
                   "gpu": str | null,      # catalog id; null: no hardware given
                   "weights_bytes": int, "kv_cache_bytes": int, "compute_buffer_bytes": int,
                   "overhead_bytes": int, "total_bytes": int,
                   "capacity_bytes": int | null}],   # what the engine may use on this device
      "host": {"weights_bytes": int, "kv_cache_bytes": int, "compute_buffer_bytes": int, "total_bytes": int},
      "kv_cache_bytes_per_token": int,     # all layers, all devices, one sequence (full-attention layers)
      "fits": bool | null,                 # null: no hardware given
      "max_context_that_fits": int | null,
      "kv_cache_capacity_tokens": int | null,   # vllm; null for llama.cpp
      "max_concurrency": float | null,          # vllm; null for llama.cpp
      "offload": {...} | null,             # llama.cpp: what moved to system RAM and the flags that do it
      "components": {str: int | float},    # every quantity the engine prints at start-up, by the names
                                           # of tests/calc/engine_cases/*.yaml "measured" (bytes, tokens,
                                           # or a ratio for max_concurrency): what the accuracy test compares
      "command": str,                      # llama-server / vllm serve command line for this plan
      "speed": {"decode_tokens_per_s_upper_bound": float | null,
                "prefill_tokens_per_s_upper_bound": float | null, "basis": str},
      "assumptions": [str]
    }
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple

if TYPE_CHECKING:
    from generator.calc.catalogs import Catalogs

API_VERSION = 1

# Options every engine takes (each engine's OPTIONS defines them too, with its own default):
# --quant, --context, --kv-dtype, --parallel.
COMMON_OPTIONS = ("quant", "context", "kv_dtype", "parallel")

# The engines, by --engine value: a module path (imported on first use, so that a command
# planning for one engine does not import the other) or an object with the module's
# attributes (tests register fakes this way: ``monkeypatch.setitem(ENGINES, "vllm", fake)``).
ENGINES: dict[str, str | Any] = {
    "llama.cpp": "generator.calc.engines.llamacpp",
    "vllm": "generator.calc.engines.vllm",
}

MAX_GPUS = 64  # as generator.calc.hardware.MAX_DEVICES: the most devices any plan considers
GB = 10**9  # --ram-gb is in GB (10^9 bytes) like every size llmcards prints; conservative for RAM sold in GiB


class PlanError(ValueError):
    """A usage error in a plan request: names the option and the allowed values (exit 2)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option  # as the user wrote it: "--tensor-parallel"
        self.message = message


@dataclass(frozen=True)
class Option:
    """One engine option: its default and how a raw value is read (raise PlanError on a bad one)."""

    default: Any
    parse: Callable[[str, Any], Any]  # (option name, raw value) -> value
    help: str


class Hardware(NamedTuple):
    """The hardware a plan is for; ``gpu`` None: no hardware given (report needs only)."""

    gpu: Mapping[str, Any] | None  # the schema/gpus.yaml entry
    count: int  # type: ignore[assignment]  # how many of that GPU (shadows tuple.count)
    ram_bytes: int | None  # system RAM, --ram-gb
    ram_bandwidth_bytes_per_s: int | None  # system memory class (for bytes read from RAM)
    # Device memory as the driver reports it (vLLM's total_gpu_memory); None: the catalog's
    # memory_bytes. The accuracy cases set it from the log.
    memory_bytes: int | None = None


# -- option parsers the engines' OPTIONS may share ------------------------------------------------
# A raw value is a string from the command line, or an already typed value from the site or a
# test case (an int, a float, a bool); each parser accepts both.

def flag(name: str) -> str:
    """The command-line spelling of an option name: "tensor_parallel" -> "--tensor-parallel"."""
    return "--" + name.replace("_", "-")


def parse_int(lo: int, hi: int) -> Callable[[str, Any], int]:
    """A whole number from ``lo`` to ``hi``."""

    def parse(option: str, raw: Any) -> int:
        if isinstance(raw, bool):
            raise PlanError(option, f"{raw!r} is not a whole number; allowed: {lo:,} to {hi:,}")
        try:
            value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise PlanError(option, f"{raw!r} is not a whole number; allowed: {lo:,} to {hi:,}")
        if not lo <= value <= hi:
            raise PlanError(option, f"{value:,} is out of range; allowed: {lo:,} to {hi:,}")
        return value

    return parse


def parse_int_or_auto(lo: int, hi: int) -> Callable[[str, Any], int | str]:
    """"auto" or a whole number from ``lo`` to ``hi``."""
    whole = parse_int(lo, hi)

    def parse(option: str, raw: Any) -> int | str:
        if isinstance(raw, str) and raw.strip().lower() == "auto":
            return "auto"
        try:
            return whole(option, raw)
        except PlanError:
            raise PlanError(option, f"{raw!r}: allowed: auto or {lo:,} to {hi:,}") from None

    return parse


def parse_float(lo: float, hi: float, *, lo_open: bool = False) -> Callable[[str, Any], float]:
    """A number from ``lo`` (excluded when ``lo_open``) to ``hi``."""
    shown = f"{'more than' if lo_open else 'from'} {lo:g} to {hi:g}"

    def parse(option: str, raw: Any) -> float:
        try:
            value = float(raw) if not isinstance(raw, bool) else None
        except (TypeError, ValueError):
            value = None
        if value is None or value != value:  # also NaN
            raise PlanError(option, f"{raw!r} is not a number; allowed: {shown}")
        if value > hi or value < lo or (lo_open and value == lo):
            raise PlanError(option, f"{value:g} is out of range; allowed: {shown}")
        return value

    return parse


def parse_choice(*choices: str) -> Callable[[str, Any], str]:
    """One of ``choices`` (any case); returns the choice as spelled here."""
    by_lower = {c.lower(): c for c in choices}

    def parse(option: str, raw: Any) -> str:
        value = by_lower.get(str(raw).strip().lower()) if not isinstance(raw, bool) else None
        if value is None:
            raise PlanError(option, f"{raw!r}: allowed: {', '.join(choices)}")
        return value

    return parse


def parse_flag(option: str, raw: Any) -> bool:
    """A switch: True when given (the command line passes True), or a boolean from the site or a case."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "on", "1", "yes"):
        return True
    if text in ("false", "off", "0", "no"):
        return False
    raise PlanError(option, f"{raw!r}: allowed: true or false (on the command line: give the flag or leave it out)")


def parse_text(option: str, raw: Any) -> str:
    """A non-empty word (a quantization or KV dtype id; the plan checks it against the catalogs)."""
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if not text:
        raise PlanError(option, "needs a value")
    return text


# -- bisection over a monotone choice (llama.cpp's offload search, vLLM's longest context) --------

def smallest_that_fits(lo: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    """The smallest n in [lo, hi] with fits(n), for fits false below some n and true from it on."""
    if not fits(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def largest_that_fits(lo: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    """The largest n in [lo, hi] with fits(n), for fits true up to some n and false above it."""
    if not fits(lo):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


# -- engines and their options --------------------------------------------------------------------

def engine_names() -> tuple[str, ...]:
    return tuple(ENGINES)


def canonical_engine(name: str) -> str:
    """The ENGINES key of an engine name in any case ("vLLM" -> "vllm"); unknown names as given."""
    return {n.lower(): n for n in ENGINES}.get(str(name).lower(), str(name))


def engine_module(name: str) -> Any:
    """The module (or registered object) of engine ``name``; PlanError (--engine) for an unknown one."""
    name = canonical_engine(name)
    entry = ENGINES.get(name)
    if entry is None:
        guess = next(iter(difflib.get_close_matches(name, list(ENGINES), 1, 0.6)), None)
        hint = f" (did you mean {guess!r}?)" if guess else ""
        raise PlanError("--engine", f"{name!r}: unknown engine{hint}; choose from {', '.join(ENGINES)}")
    if isinstance(entry, str):
        # A module missing here is a broken installation, not bad input: let the import error say so.
        entry = ENGINES[name] = importlib.import_module(entry)
    return entry


def _options_of(name: str) -> Mapping[str, Option] | None:
    """The OPTIONS of engine ``name``, None when its module cannot be imported (only for messages)."""
    try:
        return engine_module(name).OPTIONS  # type: ignore[no-any-return]
    except ImportError:
        return None


def _own_flags(name: str, options: Mapping[str, Option]) -> str:
    own = [flag(o) for o in options if o not in COMMON_OPTIONS]
    common = [flag(o) for o in COMMON_OPTIONS if o in options]
    return f"{name} takes {', '.join(own) or 'no options of its own'}" + (
        f" and the common {', '.join(common)}" if common else "")


def check_options(engine: str, names: Any) -> None:
    """PlanError for the first option name (underscores) that ``engine`` does not take.

    An option of another engine says whose it is and what this engine takes instead:
    "--tensor-parallel: is a vllm option; llama.cpp takes --ubatch, ...".
    """
    engine = canonical_engine(engine)
    mine: Mapping[str, Option] = engine_module(engine).OPTIONS
    for name in names:
        if name in mine:
            continue
        owners = [other for other in ENGINES if other != engine and name in (_options_of(other) or {})]
        what = f"is a {' and '.join(owners)} option" if owners else "unknown option"
        raise PlanError(flag(name), f"{what}; {_own_flags(engine, mine)}")


def parse_options(engine: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Raw option values (command-line strings, or typed values) -> values read by the engine's parsers.

    Checks the names first (check_options), then each value; PlanError names the option.
    """
    check_options(engine, raw)
    opts: Mapping[str, Option] = engine_module(engine).OPTIONS
    return {name: opts[name].parse(flag(name), value) for name, value in raw.items()}


def resolve_settings(engine: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every option of ``engine``, in its OPTIONS order: the value given, else the Option's default."""
    check_options(engine, options)
    opts: Mapping[str, Option] = engine_module(engine).OPTIONS
    return {name: options[name] if name in options else opt.default for name, opt in opts.items()}


# -- hardware -------------------------------------------------------------------------------------

def gpu_ids(catalogs: Catalogs) -> list[str]:
    return [str(g["id"]) for g in catalogs.gpus]


# The system-memory class of a GPU that shares the machine's memory (Apple silicon, AMD Ryzen AI Max):
# the GPU's memory_bytes is the machine's RAM, and what a plan keeps in "system RAM" comes out of it.
UNIFIED_CLASS = "apple-unified"


def unified_memory(gpu: Mapping[str, Any] | None) -> bool:
    """Whether ``gpu`` (a catalog entry) shares one memory with the CPU (catalog ``host_memory``)."""
    return gpu is not None and gpu.get("host_memory") == UNIFIED_CLASS


def _ram_bandwidth(gpu: Mapping[str, Any], catalogs: Catalogs) -> int | None:
    """The bandwidth of the system-memory class such a machine usually has (catalog ``host_memory``)."""
    cls_id = gpu.get("host_memory")
    if cls_id == UNIFIED_CLASS:  # one pool: the GPU's own bandwidth
        return int(gpu["bandwidth_bytes_per_s"])
    lookup = getattr(catalogs, "host_memory_class", None)
    cls = lookup(cls_id) if cls_id and lookup is not None else None
    return int(cls["bandwidth_bytes_per_s"]) if cls else None


def hardware(catalogs: Catalogs, gpu: str | None = None, gpus: int | None = None,
             ram_gb: float | None = None, ram_class: str | None = None, cpu_only: bool = False) -> Hardware:
    """The Hardware for --gpu/--gpus/--ram-gb/--ram-class; PlanError for an unknown GPU id, a count
    outside 1..64, --gpus or --ram-class without --gpu, a RAM size that is not a positive number, or
    a system-memory class the catalog does not have (or that has no bandwidth of its own: unified
    memory). Without --ram-class system RAM is read at the GPU's usual class (``host_memory``)."""
    if gpus is not None and (isinstance(gpus, bool) or not isinstance(gpus, int) or not 1 <= gpus <= MAX_GPUS):
        raise PlanError("--gpus", f"{gpus!r}: allowed: 1 to {MAX_GPUS} (how many of the --gpu device)")
    ram_bytes = None
    if ram_gb is not None:
        ram = parse_float(0, 1_000_000, lo_open=True)("--ram-gb", ram_gb)
        ram_bytes = int(ram * GB)
    if cpu_only:
        # llama.cpp --cpu-only: a machine without a GPU, its RAM read at the class given
        if gpu is not None or gpus is not None:
            raise PlanError("--cpu-only", "plans a machine without a GPU; drop "
                            + ("--gpu" if gpu is not None else "--gpus") + " or --cpu-only")
        return Hardware(None, 1, ram_bytes, None if ram_class is None else _class_bandwidth(catalogs, ram_class))
    if gpu is None:
        if gpus is not None or ram_class is not None:
            raise PlanError("--gpus" if gpus is not None else "--ram-class",
                            f"needs --gpu GPU_ID (or --cpu-only); choose from {', '.join(gpu_ids(catalogs))}")
        return Hardware(None, 1, ram_bytes, None)
    entry = next((g for g in catalogs.gpus if str(g["id"]).lower() == gpu.lower()), None)
    if entry is None:
        ids = gpu_ids(catalogs)
        guess = difflib.get_close_matches(gpu.lower(), ids, n=1, cutoff=0.6)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        raise PlanError("--gpu", f"{gpu!r}: unknown GPU id{hint}; choose from {', '.join(ids)}")
    if unified_memory(entry):
        # one machine: its GPU and its CPU share memory_bytes (the plan's system RAM), read at one bandwidth
        gid, total = entry["id"], int(entry["memory_bytes"])
        if gpus not in (None, 1):
            raise PlanError("--gpus", f"{gpus}: {gid} is one machine's built-in GPU; allowed: 1")
        if ram_gb is not None:
            raise PlanError("--ram-gb", f"{gid} has unified memory: its {total / GB:g} GB are the system RAM too; "
                                        "drop --ram-gb")
        if ram_class is not None:
            raise PlanError("--ram-class", f"{gid} has unified memory, read at the GPU's own bandwidth; "
                                           "drop --ram-class")
    # The memory the driver reports (CUDA/ROCm total, what vLLM prints as total_gpu_memory) where
    # the catalog has it: the vendor's "80 GB" is 80e9 bytes, while an H100 reports 79.18 GiB.
    reported = entry.get("reported_memory_bytes")
    bandwidth = _ram_bandwidth(entry, catalogs) if ram_class is None else _class_bandwidth(catalogs, ram_class)
    return Hardware(entry, gpus or 1, ram_bytes, bandwidth, int(reported) if reported else None)


def _class_bandwidth(catalogs: Catalogs, class_id: str) -> int:
    """--ram-class: the bandwidth of a system-memory class of the catalog (gpus.yaml host_memory)."""
    classes = [c for c in getattr(catalogs, "host_memory", ()) if c.get("bandwidth_bytes_per_s")]
    entry = next((c for c in classes if str(c["id"]) == class_id), None)
    if entry is None:
        raise PlanError("--ram-class", f"{class_id!r}: unknown system-memory class; choose from "
                                       f"{', '.join(str(c['id']) for c in classes)}")
    return int(entry["bandwidth_bytes_per_s"])


def device_memory(hw: Hardware) -> int | None:
    """The memory one device has, as its driver reports it: the figure given (Hardware.memory_bytes),
    else the catalog's reported_memory_bytes (an H100's 79.18 GiB), else the vendor's memory_bytes;
    None without a GPU. Both engines size devices on this, however the Hardware was built (the CLI,
    the site's setups, the accuracy cases)."""
    if hw.gpu is None:
        return None
    return int(hw.memory_bytes or hw.gpu.get("reported_memory_bytes") or hw.gpu["memory_bytes"])


# -- the plan -------------------------------------------------------------------------------------

def _check_common(card: Mapping[str, Any], catalogs: Catalogs, settings: dict[str, Any],
                  module: Any = None) -> None:
    """The checks every engine shares: a known quantization (canonical id), a context within the model's.

    The context checked is one sequence's: an engine module whose context option covers several
    sequences (llama-server's -c with -np N) says how it splits with ``sequence_context(settings)``.
    """
    quant = settings.get("quant")
    if quant is not None:
        entry = catalogs.quantization(str(quant))
        if entry is None:
            ids = [str(q["id"]) for q in catalogs.quantizations]
            guess = difflib.get_close_matches(str(quant).upper(), ids, n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            raise PlanError("--quant", f"{quant!r}: unknown quantization{hint}; choose from {', '.join(ids)}")
        settings["quant"] = entry["id"]
    context = settings.get("context")
    per_sequence = getattr(module, "sequence_context", None)
    if context is not None and per_sequence is not None:
        context = per_sequence(settings)
    if context is not None:
        from generator.calc import max_context_of

        most = max_context_of(card)
        if most is not None and context > most:
            shared = "" if context == settings["context"] else f" per sequence ({settings['context']:,} over the slots)"
            raise PlanError("--context", f"{context:,}{shared} is more than the model's maximum of {most:,} tokens; "
                                         f"allowed: 1 to {most:,} per sequence")


def plan(card: Mapping[str, Any], catalogs: Catalogs, engine: str, options: Mapping[str, Any],
         hardware: Hardware) -> dict[str, Any]:
    """The plan of ``engine`` ("llama.cpp" | "vllm") for ``card`` on ``hardware`` (the shape above).

    ``options``: option name (underscores, e.g. "tensor_parallel") -> value already parsed, for
    the options the user gave; absent means default. Raises PlanError for an unknown engine, an
    unknown option, an option of the other engine, an unknown quantization, a context above the
    model's maximum, or a value the engine cannot take (the engine raises that one).
    """
    module = engine_module(engine)
    settings = resolve_settings(engine, options)
    head: dict[str, Any] = {
        "api_version": API_VERSION,
        "engine": module.NAME,
        "engine_basis": module.BASIS,
        "model": card.get("id"),
    }
    if hasattr(module, "basis"):  # an engine whose rules follow the release line the settings choose
        head["engine_basis"] = module.basis(settings)
    _check_common(card, catalogs, settings, module)  # bad input is a usage error even where the engine cannot run the model
    reason = module.unsupported(card, settings)
    if reason:
        return {**head, "supported": False, "unsupported_reason": str(reason), "settings": settings}
    body = module.plan(card, catalogs, settings, hardware)
    return {**head, "supported": True, "unsupported_reason": None, **body}
