"""`llmcards plan`: what llama.cpp or vLLM allocates for a model on given hardware, and whether it loads.

The model is read exactly as `llmcards calc` reads it (card id, card file or config.json:
generator.commands.calc.resolve). The plan is generator.calc.engines.plan(); this module
parses the options, builds the Hardware and prints the result. Exit codes as the README:
0 ok (also for "does not fit" and "this engine cannot run the model": that is the answer),
1 invalid input (a card the calculator cannot read, a broken catalog), 2 usage error (an
unknown engine, GPU id or option, the other engine's option, a value out of range, a
context above the model's maximum, a tensor-parallel size that does not divide the heads).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Mapping

NAME = "plan"
HELP = "Memory plan for one engine (llama.cpp or vLLM) on given hardware: will it load, with which flags, how fast."
EPILOG = """examples:
  llmcards plan meta/llama-3.1-8b --engine llama.cpp --gpu rtx-4090 --quant Q4_K_M --context 32768
  llmcards plan openai/gpt-oss-120b --engine llama.cpp --gpu rtx-4090 --ram-gb 128 --cpu-moe-layers auto
  llmcards plan meta/llama-3.1-70b --engine vllm --gpu h100-sxm-80gb --gpus 2 --tensor-parallel 2 --format json
"""

GIB = 2**30
# The options passed to the engine, as (flag, metavar, help); values stay strings here and
# are read by the engine's own parsers (generator.calc.engines.parse_options), so that the
# command line, the site and the accuracy cases share one reading and one set of messages.
COMMON = (
    ("--quant", "Q", "quantization id from schema/quantizations.yaml (default: the engine's)"),
    ("--context", "N", "context tokens (default: the model's maximum): vLLM --max-model-len, per request; llama.cpp -c, "
                       "the cache the -np slots share (each gets 1/N with -np N, all of it with -np auto)"),
    ("--kv-dtype", "T", "KV-cache dtype (default F16 / the model's dtype)"),
    ("--parallel", "N", "concurrent sequences (llama.cpp -np N or auto, its default: 4 slots sharing one cache; "
                        "vLLM: requests of --context each that must fit at once)"),
)
LLAMACPP = (
    ("--kv-type-k", "T", "llama.cpp: K cache type -ctk (default: --kv-dtype)"),
    ("--kv-type-v", "T", "llama.cpp: V cache type -ctv (default: --kv-dtype)"),
    ("--batch", "N", "llama.cpp: logical batch size -b"),
    ("--ubatch", "N", "llama.cpp: physical batch size -ub"),
    ("--flash-attn", "on|off|auto", "llama.cpp: flash attention -fa (default auto: on where the backend runs it)"),
    ("--tensor-split", "A,B,...|auto", "llama.cpp: each GPU's share of the layers -ts (default auto: equal)"),
    ("--n-gpu-layers", "N|auto", "llama.cpp: layers on the GPU -ngl (auto: all that fit)"),
    ("--cpu-moe-layers", "N|auto", "llama.cpp: layers whose MoE experts stay in system RAM --n-cpu-moe (auto: as needed)"),
)
VLLM = (
    ("--tensor-parallel", "N", "vLLM: tensor-parallel size -tp"),
    ("--gpu-memory-utilization", "F", "vLLM: share of device memory vLLM may use (0 to 1; default: vLLM's, 0.92 from v0.20.0, 0.9 before)"),
    ("--max-num-batched-tokens", "N", "vLLM: tokens per scheduler step"),
    ("--max-num-seqs", "N", "vLLM: most sequences per step"),
    # Written out rather than read from generator.calc.engines.vllm (whose import would slow every
    # command's start); tests/test_plan_cli.py checks it against vllm.RELEASE_LINES and LINE_RELEASES.
    ("--vllm-version", "0.21|0.34|0.17|0.11",
     "vLLM: release line of the rules (0.21: v0.21.0-0.33.x, default; 0.34: v0.34.0 and later; "
     "0.17: v0.17.0-0.20.x; 0.11: v0.11.0-0.16.x), or a release number (0.27.1)"),
    ("--cudagraph-estimate", "off|on",
     "vLLM 0.21+: off (default; the command sets VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0) or on (vLLM's "
     "default: KV figures become upper bounds)"),
    ("--model-runner", "v1|v2",
     "vLLM 0.21 line: v1 (default; the command sets VLLM_USE_V2_MODEL_RUNNER=0) or v2 (Model Runner V2 as "
     "v0.27.0-0.32.x run it, vLLM's default for every model from v0.29; warm torch.compile cache); the 0.34 "
     "line runs v2 only"),
    ("--mxfp4-backend", "auto|marlin", "vLLM: MXFP4 MoE kernel (marlin: VLLM_MXFP4_USE_MARLIN=1 or no triton_kernels)"),
)
SWITCHES = (
    ("--swa-full", "llama.cpp: full-size cache for sliding-window layers"),
    ("--cpu-only", "llama.cpp: no GPU; everything in system RAM (give --ram-gb, and --ram-class for speed)"),
    ("--enforce-eager", "vLLM: no CUDA graphs"),
)


def _dest(flag: str) -> str:
    return flag[2:].replace("-", "_")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="card id (org/model), card .yaml path, or Hugging Face config.json")
    parser.add_argument("--engine", metavar="llama.cpp|vllm", required=True, help="the engine to plan for")
    parser.add_argument("--gpu", metavar="GPU_ID", default=None,
                        help="GPU id from schema/gpus.yaml (none: report what the model needs)")
    parser.add_argument("--gpus", metavar="N", default=None,
                        help="how many of that GPU (default 1; vLLM: the --tensor-parallel size)")
    parser.add_argument("--ram-gb", metavar="N", default=None, help="system RAM in GB (10^9 bytes)")
    parser.add_argument("--ram-class", metavar="ID", default=None,
                        help="system-memory class id from schema/gpus.yaml host_memory, read at its bandwidth when "
                             "weights are offloaded (default: the GPU's usual class)")
    for flag, metavar, text in (*COMMON, *LLAMACPP, *VLLM):
        parser.add_argument(flag, metavar=metavar, default=None, help=text)
    for flag, text in SWITCHES:
        parser.add_argument(flag, action="store_const", const=True, default=None, help=text)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--registry", type=Path, default=None, help="registry directory (default: ./registry)")


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The engine options the user gave, by option name (underscores), raw."""
    flags = [f for f, _, _ in (*COMMON, *LLAMACPP, *VLLM)] + [f for f, _ in SWITCHES]
    return {_dest(f): getattr(args, _dest(f)) for f in flags if getattr(args, _dest(f)) is not None}


# -- output -----------------------------------------------------------------------------------

def _gib(b: int | None) -> str:
    return "-" if b is None else f"{b / GIB:,.2f}"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    return "default" if v is None else str(v)


def _memory_lines(p: Mapping[str, Any], ram_bytes: int | None) -> list[str]:
    head = ("", "weights", "KV cache", "compute", "overhead", "total", "capacity", "free")
    rows: list[tuple[str, ...]] = []
    for d in p["devices"]:
        cap = d["capacity_bytes"]
        free = None if cap is None else cap - d["total_bytes"]
        label = f"{d['name']} ({d['gpu']})" if d["gpu"] else d["name"]
        rows.append((label, _gib(d["weights_bytes"]), _gib(d["kv_cache_bytes"]), _gib(d["compute_buffer_bytes"]),
                     _gib(d["overhead_bytes"]), _gib(d["total_bytes"]), _gib(cap), _gib(free)))
    h = p["host"]
    if h is not None:
        free = None if ram_bytes is None else ram_bytes - h["total_bytes"]
        rows.append(("host (system RAM)", _gib(h["weights_bytes"]), _gib(h["kv_cache_bytes"]),
                     _gib(h["compute_buffer_bytes"]), "-", _gib(h["total_bytes"]), _gib(ram_bytes), _gib(free)))
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    out = ["  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
           for r in (head, *rows)]
    return ["memory in GiB (2^30 bytes; engines print MiB/GiB); free = capacity - total:", *out]


def _fits(p: Mapping[str, Any]) -> str:
    fits = p["fits"]
    if fits is None:
        if p["settings"].get("cpu_only"):
            return "fits: unknown (no --ram-gb given: the numbers are what the model needs)"
        return "fits: unknown (no --gpu given: the numbers are what the model needs)"
    most = p["max_context_that_fits"]
    ctx = p["settings"].get("context")
    most_text = "none" if most is None else f"{most:,} tokens"
    return f"fits: {'yes' if fits else 'NO'} at context {_value(ctx)}; max context that fits: {most_text}"


def _offload_lines(offload: Any) -> list[str]:
    if not offload:
        return []
    if not isinstance(offload, Mapping):
        return [f"offload: {offload}"]
    out = ["offload (to system RAM):"]
    for k, v in offload.items():
        shown = ", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else _value(v)
        out.append(f"  {k.replace('_', ' ')}: {shown or '-'}")
    return out


def _speed_line(speed: Mapping[str, Any]) -> str:
    def tps(x: float | None) -> str:
        return "unknown" if x is None else f"<= {x:,.1f} tok/s"

    return (f"speed (upper bounds per sequence): decode {tps(speed['decode_tokens_per_s_upper_bound'])}, "
            f"prefill {tps(speed['prefill_tokens_per_s_upper_bound'])}; basis: {speed['basis']}")


def table(p: Mapping[str, Any], hardware_text: str, ram_bytes: int | None) -> str:
    out = [f"{p['model']}: {p['engine']} plan on {hardware_text}", f"rules follow: {p['engine_basis']}"]
    settings = ", ".join(f"{k.replace('_', '-')} {_value(v)}" for k, v in p["settings"].items())
    out.append(f"settings: {settings}")
    if not p["supported"]:
        out.append(f"not supported: {p['unsupported_reason']}")
        return "\n".join(out) + "\n"
    out.extend(_memory_lines(p, ram_bytes))
    out.append(_fits(p))
    per_token = p["kv_cache_bytes_per_token"]
    out.append(f"KV cache per token (one sequence, all devices): {per_token / 1024:,.1f} KiB ({per_token:,} bytes)")
    if p.get("kv_cache_capacity_tokens") is not None:
        conc = p.get("max_concurrency")
        out.append(f"KV cache capacity: {p['kv_cache_capacity_tokens']:,} tokens; max concurrency at context "
                   f"{_value(p['settings'].get('context'))}: " + ("unknown" if conc is None else f"{conc:.2f}x"))
    out.extend(_offload_lines(p.get("offload")))
    out.append(f"command: {p['command']}")
    out.append(_speed_line(p["speed"]))
    if p["assumptions"]:
        out.append("assumptions:")
        out.extend(f"  - {a}" for a in p["assumptions"])
    return "\n".join(out) + "\n"


def _gb(n: int) -> str:
    """A size in GB (10^9 bytes) as given: whole GB, or three significant digits below 10 GB."""
    x = n / 10**9
    return f"{x:,.0f}" if x >= 10 else f"{x:.3g}"


def _hardware_text(hw: Any, cpu_only: bool = False) -> str:
    if hw.gpu is None:
        what = "a machine without a GPU" if cpu_only else "no hardware given"
        return what + (f" ({_gb(hw.ram_bytes)} GB RAM)" if hw.ram_bytes else "")
    ram = f", {_gb(hw.ram_bytes)} GB RAM" if hw.ram_bytes else ""
    if hw.gpu.get("host_memory") == "apple-unified":  # engines.unified_memory (not imported here: start-up time)
        ram = ", unified memory shared with the CPU"
    return f"{hw.count} x {hw.gpu['name']} ({int(hw.gpu['memory_bytes']) / 10**9:,.0f} GB){ram}"


# -- run --------------------------------------------------------------------------------------

def _usage(message: str) -> int:
    print(f"llmcards plan: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from generator.calc import engines
    from generator.calc.catalogs import CatalogError, load_catalogs
    from generator.commands.calc import CalcInputError, resolve

    try:  # everything the command line alone decides, before the (slower) card and catalogs
        engine = engines.engine_module(args.engine).NAME
        options = engines.parse_options(engine, given_options(args))
        cpu_only = bool(options.get("cpu_only"))  # llama.cpp --cpu-only: a machine without a GPU
        gpus = None if args.gpus is None else engines.parse_int(1, engines.MAX_GPUS)("--gpus", args.gpus)
        if gpus is None and args.gpu is not None and isinstance(options.get("tensor_parallel"), int):
            gpus = options["tensor_parallel"]  # `--gpu X --tensor-parallel 4` means four of X
    except engines.PlanError as exc:
        return _usage(str(exc))
    try:
        catalogs = load_catalogs()
    except CatalogError as exc:
        for e in exc.errors:
            print(e.format(), file=sys.stderr)
        print("llmcards plan: invalid catalogs", file=sys.stderr)
        return 1
    try:
        hw = engines.hardware(catalogs, args.gpu, gpus, args.ram_gb, args.ram_class, cpu_only)
        card, _where, notes = resolve(args.model, args.registry)
        for line in notes:
            print(f"llmcards plan: {line}", file=sys.stderr)
        result = engines.plan(card, catalogs, engine, options, hw)
    except engines.PlanError as exc:
        return _usage(str(exc))
    except CalcInputError as exc:
        for line in exc.located:
            print(line, file=sys.stderr)
        print(f"llmcards plan: {exc}", file=sys.stderr)
        return exc.code
    if args.format == "json":
        json.dump(result, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        ram = hw.ram_bytes
        if hw.gpu is not None and engines.unified_memory(hw.gpu):
            # one memory: what the GPU's buffers leave of the machine's is the host's room
            ram = int(hw.gpu["memory_bytes"]) - sum(int(d["total_bytes"]) for d in result.get("devices") or [])
        sys.stdout.write(table(result, _hardware_text(hw, cpu_only), ram))
    return 0

