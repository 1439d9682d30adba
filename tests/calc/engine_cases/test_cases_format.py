"""Format checks for the engine accuracy cases (tests/calc/engine_cases/*.yaml).

Every case must name a registry card and a catalog quantization, use only the measured names
of its engine, cite an https source, and carry the engine's printed lines: each measured number
must appear in its ``log`` text as the engine prints it (two decimals, "1536.00"), which catches
transcription mistakes. A number that is a sum of several printed lines (several GPUs, or the
SWA and non-SWA KV caches of one GPU) gives those lines' numbers as a ``<name>_per_gpu`` list in
``measured`` or a ``parts`` list, and must equal their sum. See README.md in this folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CASE_FILES = sorted(HERE.glob("*.yaml"))

REQUIRED_KEYS = ("id", "engine", "engine_version", "model", "quant", "hardware", "settings", "unit",
                 "measured", "log", "source", "notes")
OPTIONAL_KEYS = ("parts", "engine_generation", "runner", "compile_cache")
# What shows the vLLM model runner in a log: the file of a log line's prefix (Model Runner V1:
# v1/worker/gpu_model_runner.py; V2: v1/worker/gpu/model_runner.py) or its model-loading messages
# (V1: "Starting to load model", "Model loading took X GiB memory and"; V2: "Loading model from
# scratch", "Model loading took X GiB and"; the v0.22-v0.33 wheels' log calls).
RUNNER_LOG_MARKS = {"v1": r"\[gpu_model_runner\.py:\d+\]|Starting to load model|Model loading took:? [\d.]+ GiB memory and",
                    "v2": r"\[model_runner\.py:\d+\]|Loading model from scratch|Model loading took [\d.]+ GiB and"}
# What shows the state of vLLM's torch.compile cache at start-up: a compile ("Compiling a graph for
# compile range", compilation/backends.py) or a load of the cache ("Directly load AOT compilation",
# compilation/decorators.py).
COMPILE_LOG_MARKS = {"cold": r"Compiling a graph for", "warm": r"Directly load AOT compilation"}
ENGINES = ("llama.cpp", "vllm")
MEASURED = {
    "llama.cpp": ("device_weights", "host_weights", "device_kv_cache", "host_kv_cache",
                  "device_compute_buffer", "host_compute_buffer", "output_buffer"),
    "vllm": ("weights", "activation_peak", "non_torch", "cuda_graph", "kv_cache_memory",
             "kv_cache_tokens", "max_concurrency", "kv_budget"),
}
# Per-GPU lists are allowed for the quantities that live on GPUs.
PER_GPU = {
    "llama.cpp": ("device_weights", "device_kv_cache", "device_compute_buffer"),
    "vllm": (),
}
# Option names of `llmcards plan` (underscores) a case may state; vLLM's are given with their cases.
SETTINGS = {
    "llama.cpp": ("context", "ubatch", "batch", "flash_attn", "parallel", "kv_dtype", "kv_type_k",
                  "kv_type_v", "n_gpu_layers", "cpu_moe_layers", "swa_full", "tensor_split"),
    "vllm": ("context", "parallel", "kv_dtype", "gpu_memory_utilization", "max_num_batched_tokens",
             "max_num_seqs", "tensor_parallel", "enforce_eager", "mxfp4_backend", "cudagraph_estimate"),
}
HARDWARE_KEYS = ("gpu", "gpus", "backend", "memory_gib")
UNITS = ("MiB", "GiB")


def _load(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("cases"), list), f"{path.name}: top level must be {{cases: [...]}}"
    return data["cases"]


def _catalog_ids(name: str, key: str) -> set[str]:
    data = yaml.safe_load((ROOT / "schema" / name).read_text(encoding="utf-8"))
    return {entry["id"] for entry in data[key]}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path.name}:{case.get('id', i)}", case) for path in CASE_FILES for i, case in enumerate(_load(path))]


CASES = _cases()


def printed(value: float) -> str:
    """A number as llama.cpp prints buffer sizes: two decimals."""
    return f"{value:.2f}"


def spellings(value: float) -> set[str]:
    """The ways an engine may have printed ``value``: two decimals (llama.cpp "1536.00", or
    "1536,00" under a decimal-comma locale), as written in the case (vLLM "14.9888", "0.82"), or a
    whole number ("23648", "23,648")."""
    as_written = repr(float(value))  # "14.9888", "1536.0"
    if "." in as_written and "e" not in as_written:
        as_written = as_written.rstrip("0").rstrip(".")
    # Logs from a locale with a decimal comma print "4608,00" (llama.cpp formats with printf).
    forms = {printed(value), printed(value).replace(".", ","), as_written}
    # vLLM also prints fixed decimals with trailing zeros: "Loading model weights took 57.7520 GB"
    # (4 decimals), "Available KV cache memory: 32.0 GiB" (1 decimal); only spellings of exactly this value.
    forms |= {f for f in (f"{value:.1f}", f"{value:.4f}") if float(f) == float(value)}
    if float(value).is_integer():
        forms |= {str(int(value)), f"{int(value):,}"}
    return forms


def appears(value: float, text: str) -> bool:
    """True when ``value`` is printed in ``text`` as a whole number token (1536.00, not 11536.00
    nor 1536.001)."""
    return any(re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", text) for form in spellings(value))


def case_problems(case: dict[str, Any], quants: set[str], kv_dtypes: set[str], gpus: set[str]) -> list[str]:
    """Everything wrong with one case (empty: the case is well formed)."""
    problems: list[str] = []
    missing = [k for k in REQUIRED_KEYS if k not in case]
    if missing:
        return [f"missing keys {missing}"]
    unknown = sorted(set(case) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        problems.append(f"unknown keys {unknown}")
    engine = case["engine"]
    if engine not in ENGINES:
        return problems + [f"engine {engine!r} not one of {ENGINES}"]
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", str(case["id"])):
        problems.append(f"id {case['id']!r}: lower case letters, digits, '.', '_', '-'")
    if not (ROOT / "registry" / f"{case['model']}.yaml").is_file():
        problems.append(f"model {case['model']!r} has no card registry/{case['model']}.yaml")
    if case["quant"] not in quants:
        problems.append(f"quant {case['quant']!r} not a schema/quantizations.yaml id")
    if case["unit"] not in UNITS:
        problems.append(f"unit {case['unit']!r} not one of {UNITS}")
    if not re.fullmatch(r"https://\S+", str(case["source"])):
        problems.append(f"source {case['source']!r} is not an https URL")
    if "runner" in case and (engine != "vllm" or case["runner"] not in RUNNER_LOG_MARKS):
        problems.append(f"runner {case['runner']!r}: a vLLM case's model runner as its log shows it, v1 or v2")
    elif "runner" in case and not re.search(RUNNER_LOG_MARKS[case["runner"]], str(case["log"])):
        problems.append(f"runner {case['runner']!r}: the log shows no line of that runner "
                        f"(pattern {RUNNER_LOG_MARKS[case['runner']]!r})")
    if "compile_cache" in case and (engine != "vllm" or case["compile_cache"] not in COMPILE_LOG_MARKS):
        problems.append(f"compile_cache {case['compile_cache']!r}: a vLLM case's torch.compile cache, cold or warm")
    elif "compile_cache" in case and not re.search(COMPILE_LOG_MARKS[case["compile_cache"]], str(case["log"])):
        problems.append(f"compile_cache {case['compile_cache']!r}: the log shows no line of it "
                        f"(pattern {COMPILE_LOG_MARKS[case['compile_cache']]!r})")
    if case["engine_version"] is not None and not isinstance(case["engine_version"], str):
        problems.append("engine_version must be a string or null")
    hardware = case["hardware"]
    if not isinstance(hardware, dict) or set(hardware) - set(HARDWARE_KEYS):
        problems.append(f"hardware must be a map with keys from {HARDWARE_KEYS}")
    else:
        if hardware.get("gpu") is not None and hardware["gpu"] not in gpus:
            problems.append(f"hardware.gpu {hardware['gpu']!r} not a schema/gpus.yaml id (use null and say which in notes)")
        if not isinstance(hardware.get("gpus"), int) or hardware["gpus"] < 0:
            problems.append("hardware.gpus must be a count (0 for CPU only)")
    settings = case["settings"]
    if not isinstance(settings, dict):
        problems.append("settings must be a map")
    else:
        bad = sorted(set(settings) - set(SETTINGS[engine]))
        if bad:
            problems.append(f"settings {bad} not among {SETTINGS[engine]}")
        for key in ("kv_dtype", "kv_type_k", "kv_type_v"):
            if key in settings and settings[key] not in kv_dtypes:
                problems.append(f"settings.{key} {settings[key]!r} not a kv_cache_dtypes id")
        if "flash_attn" in settings and settings["flash_attn"] not in ("on", "off"):
            problems.append("settings.flash_attn must be 'on' or 'off' (as the run resolved it)")
    problems += _measured_problems(case, engine)
    return problems


def _measured_problems(case: dict[str, Any], engine: str) -> list[str]:
    problems: list[str] = []
    measured, log = case["measured"], case["log"]
    parts = case.get("parts") or {}
    if not isinstance(measured, dict) or not measured:
        return ["measured must be a non-empty map"]
    if not isinstance(log, str) or not log.strip():
        return ["log must hold the engine's printed lines"]
    names = set(MEASURED[engine])
    allowed = names | {f"{n}_per_gpu" for n in PER_GPU[engine]}
    bad = sorted(set(measured) - allowed)
    if bad:
        problems.append(f"measured {bad} not among {sorted(allowed)}")
    bad_parts = sorted(set(parts) - names) if isinstance(parts, dict) else ["parts must be a map"]
    if bad_parts:
        problems.append(f"parts {bad_parts} not measured names")
    for name, value in measured.items():
        if name.endswith("_per_gpu"):
            continue
        # A number; vLLM prints a negative KV budget when the model does not fit, so no sign rule.
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"measured.{name} must be a number")
            continue
        pieces = measured.get(f"{name}_per_gpu") or parts.get(name)
        if pieces is None:
            if not appears(value, log):
                problems.append(f"measured.{name} = {printed(value)} is not printed in the log")
            continue
        for piece in pieces:
            if not appears(piece, log):
                problems.append(f"{name} piece {printed(piece)} is not printed in the log")
        if round(sum(pieces), 2) != round(value, 2):
            problems.append(f"measured.{name} = {printed(value)} is not the sum of its pieces {pieces}")
    for name in measured:
        if name.endswith("_per_gpu") and name[: -len("_per_gpu")] not in measured:
            problems.append(f"{name} given without the total {name[: -len('_per_gpu')]}")
    return problems


@pytest.fixture(scope="module")
def catalogs() -> tuple[set[str], set[str], set[str]]:
    quants = _catalog_ids("quantizations.yaml", "quantizations")
    kv_dtypes = _catalog_ids("quantizations.yaml", "kv_cache_dtypes")
    gpus = _catalog_ids("gpus.yaml", "gpus")
    return quants, kv_dtypes, gpus


def test_case_files_exist() -> None:
    assert (HERE / "llamacpp.yaml").is_file()


@pytest.mark.parametrize("label,case", CASES, ids=[label for label, _ in CASES])
def test_case_is_well_formed(label: str, case: dict[str, Any], catalogs: tuple[set[str], set[str], set[str]]) -> None:
    problems = case_problems(case, *catalogs)
    assert not problems, f"{label}: " + "; ".join(problems)


def test_ids_unique() -> None:
    ids = [case.get("id") for _, case in CASES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate case ids: {duplicates}"


def test_engine_matches_file() -> None:
    for path in CASE_FILES:
        expected = {"llamacpp.yaml": "llama.cpp", "vllm.yaml": "vllm"}.get(path.name)
        if expected:
            assert {c.get("engine") for c in _load(path)} <= {expected}, f"{path.name} holds cases of another engine"


# The checker itself, on hand-made cases: a transcription slip must be caught.
_GOOD = {
    "id": "t", "engine": "llama.cpp", "engine_version": "b1", "model": "meta/llama-3.1-8b", "quant": "Q4_K_M",
    "hardware": {"gpu": None, "gpus": 2, "backend": "CUDA", "memory_gib": None},
    "settings": {"context": 4096, "flash_attn": "on"}, "unit": "MiB",
    "measured": {"device_kv_cache": 512.0, "device_kv_cache_per_gpu": [256.0, 256.0], "output_buffer": 0.49},
    "log": "CUDA0 KV buffer size =   256.00 MiB\nCUDA1 KV buffer size =   256.00 MiB\noutput buffer size =     0.49 MiB\n",
    "source": "https://github.com/ggml-org/llama.cpp/issues/1", "notes": None,
}


def test_checker_accepts_a_good_case(catalogs: tuple[set[str], set[str], set[str]]) -> None:
    assert case_problems(dict(_GOOD), *catalogs) == []


@pytest.mark.parametrize("change,message", [
    ({"measured": {"output_buffer": 0.94}}, "0.94 is not printed"),
    ({"measured": {"device_kv_cache": 513.0, "device_kv_cache_per_gpu": [256.0, 256.0]}}, "not the sum"),
    ({"measured": {"device_kv_cache": 512.0, "device_kv_cache_per_gpu": [256.0, 265.0]}}, "265.00 is not printed"),
    ({"measured": {"weights_total": 1.0}}, "not among"),
    ({"model": "meta/llama-9"}, "has no card"),
    ({"quant": "UD-Q4_K_XL"}, "not a schema/quantizations.yaml id"),
    ({"unit": "MB"}, "unit"),
    ({"source": "http://example.com"}, "not an https URL"),
    ({"settings": {"ctx": 4096}}, "not among"),
])
def test_checker_rejects(change: dict[str, Any], message: str, catalogs: tuple[set[str], set[str], set[str]]) -> None:
    problems = case_problems({**_GOOD, **change}, *catalogs)
    assert any(message in p for p in problems), problems


def test_printed_number_must_be_a_whole_token() -> None:
    assert appears(256.0, "size =   256.00 MiB")
    assert not appears(256.0, "size =  1256.00 MiB")
    assert not appears(56.0, "size =   256.00 MiB")


def test_vllm_fixed_decimals_with_trailing_zeros() -> None:
    # vLLM prints "%.4f" for V0's "Loading model weights took 57.7520 GB" and one decimal in
    # "Available KV cache memory: 32.0 GiB"; a different value is still caught.
    assert appears(57.752, "Loading model weights took 57.7520 GB")
    assert appears(32.0, "Available KV cache memory: 32.0 GiB")
    assert not appears(57.75, "Loading model weights took 57.7520 GB")
    assert not appears(57.8, "Loading model weights took 57.7520 GB")
    assert not appears(57.752, "took 57.8 GB")
