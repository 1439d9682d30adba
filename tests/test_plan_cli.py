"""`llmcards plan`: exit codes and messages for bad input, the JSON shape, the table; the request
resolution of generator.calc.engines (engine lookup, option checks, settings, hardware).

The engines run are the real modules where they exist, else the stand-ins of tests/fake_engines.py
(the tests marked ``fake`` in their name always use the stand-ins: they check the wrapping, not an engine).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fake_engines
from generator.calc import engines as E
from generator.calc.catalogs import load_catalogs
from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
CARD = "meta/llama-3.1-8b"  # 32 attention heads, 8 KV heads, context 131,072
SHAPE_KEYS = {"api_version", "engine", "engine_basis", "model", "supported", "unsupported_reason", "settings",
              "devices", "host", "kv_cache_bytes_per_token", "fits", "max_context_that_fits",
              "kv_cache_capacity_tokens", "max_concurrency", "offload", "components", "command", "speed",
              "assumptions"}
DEVICE_KEYS = {"name", "gpu", "weights_bytes", "kv_cache_bytes", "compute_buffer_bytes", "overhead_bytes",
               "total_bytes", "capacity_bytes"}
HOST_KEYS = {"weights_bytes", "kv_cache_bytes", "compute_buffer_bytes", "total_bytes"}


@pytest.fixture(autouse=True)
def _engines(monkeypatch):
    return fake_engines.use_fakes(monkeypatch)


@pytest.fixture
def fakes(monkeypatch):
    fake_engines.force_fakes(monkeypatch)


def _usage_error(capsys, argv):
    """Run `llmcards plan ...`; assert exit 2 with one stderr line and no traceback; return that line."""
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("llmcards plan: ")
    return lines[0]


# -- bad input: exit 2, one line naming the option and the allowed values ------------------------

def test_unknown_engine_names_the_option_and_both_engines(capsys):
    line = _usage_error(capsys, [CARD, "--engine", "ollama"])
    assert "--engine" in line and "'ollama'" in line and "llama.cpp, vllm" in line


def test_engine_names_are_read_in_any_case_like_gpu_and_quant_ids(capsys):
    assert main(["plan", CARD, "--engine", "VLLM", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == "vllm"
    assert main(["plan", CARD, "--engine", "LLAMA.CPP", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == "llama.cpp"
    line = _usage_error(capsys, [CARD, "--engine", "vlm"])
    assert "did you mean 'vllm'" in line


def test_a_file_that_is_no_card_says_so(capsys, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a card", encoding="utf-8")
    line = _usage_error(capsys, [str(other), "--engine", "vllm"])
    assert line == f"llmcards plan: {other}: not a card file (.yaml) or a Hugging Face config.json"


def test_missing_engine_is_an_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", CARD])
    assert exc.value.code == 2
    assert "--engine" in capsys.readouterr().err


def test_a_value_that_starts_with_a_dash_says_how_to_pass_it(capsys):
    # argparse reads "-1,2" as an option: the error says to write --tensor-split=-1,2, and that form
    # reaches the option's own check, which names the allowed values
    with pytest.raises(SystemExit) as exc:
        main(["plan", CARD, "--engine", "llama.cpp", "--gpu", "rtx-3090", "--gpus", "2", "--tensor-split", "-1,2"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == ("llmcards plan: error: argument --tensor-split: expected one argument "
                                            "(a value that starts with '-' is written --tensor-split=VALUE)")
    line = _usage_error(capsys, [CARD, "--engine", "llama.cpp", "--gpu", "rtx-3090", "--gpus", "2", "--tensor-split=-1,2"])
    assert line.startswith("llmcards plan: --tensor-split: '-1,2': allowed: auto, or one share per GPU")


def test_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", CARD, "--engine", "vllm", "--tensor-paralel", "2"])
    assert exc.value.code == 2
    assert "--tensor-paralel" in capsys.readouterr().err


@pytest.mark.parametrize(("engine", "argv", "owner", "takes"), [
    ("llama.cpp", ["--tensor-parallel", "2"], "vllm", "--ubatch"),
    ("llama.cpp", ["--enforce-eager"], "vllm", "--flash-attn"),
    ("llama.cpp", ["--gpu-memory-utilization", "0.8"], "vllm", "--n-gpu-layers"),
    ("vllm", ["--ubatch", "256"], "llama.cpp", "--tensor-parallel"),
    ("vllm", ["--swa-full"], "llama.cpp", "--max-num-seqs"),
    ("vllm", ["--cpu-moe-layers", "auto"], "llama.cpp", "--gpu-memory-utilization"),
    ("vllm", ["--tensor-split", "3,1"], "llama.cpp", "--enforce-eager"),
])
def test_an_option_of_the_other_engine_says_whose_it_is(capsys, engine, argv, owner, takes):
    line = _usage_error(capsys, [CARD, "--engine", engine, *argv])
    assert f"{argv[0]}: is a {owner} option; {engine} takes " in line
    assert takes in line


def test_unknown_gpu_lists_the_catalog_ids(capsys):
    line = _usage_error(capsys, [CARD, "--engine", "llama.cpp", "--gpu", "rtx4090"])
    assert line.startswith("llmcards plan: --gpu: 'rtx4090': unknown GPU id")
    assert "did you mean 'rtx-4090'" in line
    for gid in E.gpu_ids(load_catalogs()):
        assert gid in line


@pytest.mark.parametrize("engine", ["llama.cpp", "vllm"])
@pytest.mark.parametrize("count", ["0", "-1", "65", "two"])
def test_gpu_count_outside_1_to_64_is_refused(capsys, engine, count):
    line = _usage_error(capsys, [CARD, "--engine", engine, "--gpu", "rtx-4090", "--gpus", count])
    assert "--gpus" in line and "1 to 64" in line


def test_gpus_without_a_gpu_says_to_name_one(capsys):
    line = _usage_error(capsys, [CARD, "--engine", "vllm", "--gpus", "2"])
    assert "--gpus: needs --gpu GPU_ID" in line and "h100-sxm-80gb" in line


@pytest.mark.parametrize("engine", ["llama.cpp", "vllm"])
def test_context_above_the_models_maximum(capsys, engine):
    line = _usage_error(capsys, [CARD, "--engine", engine, "--context", "131073"])
    assert "--context" in line and "131,072" in line and "allowed: 1 to 131,072" in line


def test_context_at_the_maximum_is_accepted(capsys):
    assert main(["plan", CARD, "--engine", "llama.cpp", "--context", "131072", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["context"] == 131072


@pytest.mark.parametrize("tp", ["3", "5", "64"])
def test_tensor_parallel_that_does_not_divide_the_heads(capsys, tp):
    line = _usage_error(capsys, [CARD, "--engine", "vllm", "--gpu", "h100-sxm-80gb", "--gpus", "8",
                                 "--tensor-parallel", tp])
    assert line.startswith("llmcards plan: --tensor-parallel: ")
    assert tp in line


def test_unknown_quantization_lists_the_catalog(capsys):
    line = _usage_error(capsys, [CARD, "--engine", "llama.cpp", "--quant", "Q4KM"])
    assert "--quant" in line and "did you mean 'Q4_K_M'" in line and "Q8_0" in line and "IQ2_XXS" in line


@pytest.mark.parametrize(("engine", "argv", "option"), [
    ("llama.cpp", ["--flash-attn", "maybe"], "--flash-attn"),
    ("llama.cpp", ["--ubatch", "0"], "--ubatch"),
    ("llama.cpp", ["--n-gpu-layers", "all"], "--n-gpu-layers"),
    ("llama.cpp", ["--parallel", "x"], "--parallel"),
    ("vllm", ["--gpu-memory-utilization", "1.5"], "--gpu-memory-utilization"),
    ("vllm", ["--gpu-memory-utilization", "0"], "--gpu-memory-utilization"),
    ("vllm", ["--max-num-seqs", "0"], "--max-num-seqs"),
    ("vllm", ["--vllm-version", "0.9"], "--vllm-version"),
])
def test_bad_values_name_the_option(capsys, engine, argv, option):
    line = _usage_error(capsys, [CARD, "--engine", engine, *argv])
    assert line.startswith(f"llmcards plan: {option}: ")


def test_vllm_version_names_the_release_lines(capsys):
    line = _usage_error(capsys, [CARD, "--engine", "vllm", "--vllm-version", "latest"])
    assert line == ("llmcards plan: --vllm-version: 'latest': allowed: 0.11, 0.17, 0.21, 0.34, or a vLLM version "
                    "from 0.11.0 on")
    # v0.34.0 removed Model Runner V1: its line plans Model Runner V2, and refuses --model-runner v1
    assert main(["plan", CARD, "--engine", "vllm", "--vllm-version", "0.34.0", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["vllm_version"] == "0.34" and out["settings"]["model_runner"] == "v2"
    line = _usage_error(capsys, [CARD, "--engine", "vllm", "--vllm-version", "0.34.0", "--model-runner", "v1"])
    assert line.startswith("llmcards plan: --model-runner: v1: vLLM 0.34.0 removed Model Runner V1")
    assert main(["plan", CARD, "--engine", "vllm", "--vllm-version", "0.11", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["vllm_version"] == "0.11" and out["engine_basis"].startswith("vLLM 0.11.0-0.16.x")
    # a release number picks its line
    assert main(["plan", CARD, "--engine", "vllm", "--vllm-version", "0.19.1", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["vllm_version"] == "0.17" and out["engine_basis"].startswith("vLLM 0.17.0-0.20.x")


def test_vllm_help_and_readme_name_every_release_line():
    """The --vllm-version help and the README's row are written out; they must name each line the
    engine plans, with the releases it covers (vllm.LINE_RELEASES), and the Model Runner V2 range."""
    from generator.calc.engines import vllm
    from generator.commands import plan as plan_command

    flags = {flag: (metavar, text) for flag, metavar, text in plan_command.VLLM}
    metavar, text = flags["--vllm-version"]
    assert sorted(metavar.split("|")) == sorted(vllm.RELEASE_LINES)
    assert metavar.split("|")[0] == vllm.DEFAULT_RELEASE
    for line in vllm.RELEASE_LINES:
        assert f"{line}: v{vllm.LINE_RELEASES[line]}" in text, line
    assert f"v{vllm.MRV2_RELEASES} run it" in flags["--model-runner"][1]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(r for r in readme.splitlines() if r.startswith("| plan | `--vllm-version"))
    assert "\\|".join(metavar.split("|")) in row
    for line in vllm.RELEASE_LINES:
        first = vllm.LINE_RELEASES[line].split("-")[0].split(" ")[0]
        assert f"`{line}` (" in row and f"v{first}" in row, line


def test_bad_ram_size(capsys):
    line = _usage_error(capsys, [CARD, "--engine", "llama.cpp", "--gpu", "rtx-4090", "--ram-gb", "-4"])
    assert "--ram-gb" in line


def test_unknown_card_is_a_usage_error_as_in_calc(capsys):
    line = _usage_error(capsys, ["meta/llama-3.1-8", "--engine", "vllm"])
    assert "no such card" in line and "meta/llama-3.1-8b" in line


def test_a_card_the_calculator_cannot_read_exits_1(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x/y\narchitecture: 7\n")
    assert main(["plan", str(bad), "--engine", "llama.cpp"]) == 1
    assert "Traceback" not in capsys.readouterr().err


# -- good input: the JSON shape, the table -------------------------------------------------------

@pytest.mark.parametrize(("engine", "extra"), [
    ("llama.cpp", ["--gpu", "rtx-4090", "--ram-gb", "64", "--quant", "Q4_K_M", "--context", "8192"]),
    ("vllm", ["--gpu", "h100-sxm-80gb", "--gpus", "2", "--tensor-parallel", "2", "--quant", "BF16"]),
])
def test_json_has_every_key_of_the_shape(capsys, engine, extra):
    assert main(["plan", CARD, "--engine", engine, *extra, "--format", "json"]) == 0
    p = json.loads(capsys.readouterr().out)
    assert set(p) == SHAPE_KEYS
    assert (p["api_version"], p["engine"], p["model"], p["supported"]) == (1, engine, CARD, True)
    assert isinstance(p["engine_basis"], str) and p["engine_basis"]
    assert set(p["settings"]) >= set(E.COMMON_OPTIONS)
    assert set(p["settings"]) >= set(E.engine_module(engine).OPTIONS)  # an engine may add what it derived
    assert p["devices"] and all(set(d) == DEVICE_KEYS for d in p["devices"])
    assert all(d["gpu"] == extra[1] for d in p["devices"])
    assert set(p["host"]) == HOST_KEYS
    assert set(p["speed"]) == {"decode_tokens_per_s_upper_bound", "prefill_tokens_per_s_upper_bound", "basis"}
    assert isinstance(p["fits"], bool)
    assert p["command"]


def test_given_options_reach_the_settings_and_defaults_fill_the_rest(capsys):
    assert main(["plan", CARD, "--engine", "llama.cpp", "--ubatch", "1024", "--flash-attn", "off", "--swa-full",
                 "--quant", "q8_0", "--format", "json"]) == 0
    s = json.loads(capsys.readouterr().out)["settings"]
    assert (s["ubatch"], s["flash_attn"], s["swa_full"], s["quant"]) == (1024, "off", True, "Q8_0")


def test_settings_of_a_fake_engine_are_the_options_defaults(capsys, fakes):
    assert main(["plan", CARD, "--engine", "vllm", "--max-num-seqs", "8", "--format", "json"]) == 0
    s = json.loads(capsys.readouterr().out)["settings"]
    # the fake returns the resolved settings it got, with its own context and quant choices
    assert s == {"quant": "Q4_K_M", "context": 131072, "kv_dtype": "F16", "parallel": 1, "tensor_parallel": 1,
                 "gpu_memory_utilization": 0.9, "max_num_batched_tokens": None, "max_num_seqs": 8,
                 "enforce_eager": False}


def test_tensor_parallel_alone_sets_the_gpu_count(capsys):
    assert main(["plan", CARD, "--engine", "vllm", "--gpu", "h100-sxm-80gb", "--tensor-parallel", "2",
                 "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["devices"]) == 2
    line = _usage_error(capsys, [CARD, "--engine", "vllm", "--gpu", "h100-sxm-80gb", "--gpus", "1",
                                 "--tensor-parallel", "2"])
    assert "--gpus" in line or "--tensor-parallel" in line


def test_model_given_as_a_card_file(capsys, tmp_path):
    card = tmp_path / "mine.yaml"
    card.write_text((ROOT / "registry" / "meta" / "llama-3.1-8b.yaml").read_text(encoding="utf-8"))
    assert main(["plan", str(card), "--engine", "llama.cpp", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == CARD


def test_a_config_json_in_a_folder_of_any_name_gives_a_plain_id_and_a_quoted_path(capsys, tmp_path):
    config = json.loads((ROOT / "tests" / "calc" / "refdata" / "qwen2.5-0.5b.json").read_text())["config"]
    path = tmp_path / "Qwen2.5 0.5B (copy)"
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    assert main(["plan", str(path / "config.json"), "--engine", "llama.cpp", "--format", "json"]) == 0
    p = json.loads(capsys.readouterr().out)
    # letters, digits, '.', '_' and '-' alone: the id and the GGUF name need no shell quoting
    assert p["model"] == "import/qwen2.5-0.5b-copy"
    assert p["command"].startswith("llama-server -m qwen2.5-0.5b-copy-Q4_K_M.gguf ")
    assert main(["plan", str(path / "config.json"), "--engine", "vllm", "--format", "json"]) == 0
    assert f" vllm serve '{path}' --max-model-len " in json.loads(capsys.readouterr().out)["command"]


def test_model_given_as_a_config_json_is_named_after_its_folder(capsys, tmp_path):
    """A downloaded checkpoint's config.json: the plan names the model after the folder, the vLLM
    command serves that folder (a local checkpoint) and llama.cpp's GGUF is named after it; a folder
    name with a space is quoted for the shell."""
    config = json.loads((ROOT / "tests" / "calc" / "refdata" / "qwen2.5-0.5b.json").read_text())["config"]
    for folder, served in (("Qwen2.5-0.5B", None), ("my models", "'{}'")):
        path = tmp_path / folder / "Qwen2.5-0.5B" if folder == "my models" else tmp_path / folder
        path.mkdir(parents=True)
        (path / "config.json").write_text(json.dumps(config))
        assert main(["plan", str(path / "config.json"), "--engine", "vllm", "--format", "json"]) == 0
        p = json.loads(capsys.readouterr().out)
        assert p["model"] == "import/qwen2.5-0.5b"
        want = (served or "{}").format(path)
        assert f" vllm serve {want} --max-model-len " in p["command"], p["command"]
        assert main(["plan", str(path / "config.json"), "--engine", "llama.cpp", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["command"].startswith("llama-server -m qwen2.5-0.5b-Q4_K_M.gguf ")


def test_no_hardware_gives_needs_only(capsys):
    assert main(["plan", CARD, "--engine", "llama.cpp", "--format", "json"]) == 0
    p = json.loads(capsys.readouterr().out)
    assert p["fits"] is None
    assert all(d["gpu"] is None and d["capacity_bytes"] is None for d in p["devices"])


def test_table_reads_as_a_load_decision(capsys):
    assert main(["plan", CARD, "--engine", "llama.cpp", "--gpu", "rtx-4090", "--ram-gb", "64"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"{CARD}: llama.cpp plan on 1 x NVIDIA GeForce RTX 4090")
    header = next(x for x in lines if "weights" in x and "KV cache" in x)
    for col in ("compute", "overhead", "total", "capacity", "free"):
        assert col in header
    assert any(x.strip().startswith("host (system RAM)") for x in lines)
    for start in ("fits: ", "command: ", "speed (upper bounds", "assumptions:"):
        assert any(x.startswith(start) for x in lines), start


def test_table_numbers_are_the_json_numbers_in_gib(capsys, fakes):
    # fake llama.cpp, 32 layers: weights 32 x 100 MiB = 3.125 GiB; KV 32 x 1 KiB x 8,192 = 256 MiB = 0.25 GiB;
    # compute 64 MiB = 0.0625 GiB; overhead 300 MiB = 0.29 GiB; total 3,200 + 256 + 64 + 300 = 3,820 MiB
    # = 3.73 GiB; capacity: the 23.99 GiB an RTX 4090's driver reports (schema/gpus.yaml reported_memory_bytes);
    # free 23.99 - 3.7305 = 20.26 GiB.
    assert main(["plan", CARD, "--engine", "llama.cpp", "--gpu", "rtx-4090", "--context", "8192"]) == 0
    row = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("CUDA0"))
    assert row.split()[2:] == ["3.12", "0.25", "0.06", "0.29", "3.73", "23.99", "20.26"]


def test_vllm_table_shows_kv_capacity_and_concurrency(capsys):
    assert main(["plan", CARD, "--engine", "vllm", "--gpu", "h100-sxm-80gb", "--context", "8192"]) == 0
    out = capsys.readouterr().out
    assert "KV cache capacity: " in out and "max concurrency at context 8,192" in out


def test_unsupported_model_says_why_and_prints_no_numbers(capsys, fakes, monkeypatch):
    monkeypatch.setattr(fake_engines.FAKE_LLAMACPP, "unsupported", lambda card, settings=None: "no such architecture in b0")
    assert main(["plan", CARD, "--engine", "llama.cpp", "--gpu", "rtx-4090", "--format", "json"]) == 0
    p = json.loads(capsys.readouterr().out)
    assert p["supported"] is False and p["unsupported_reason"] == "no such architecture in b0"
    assert set(p) == {"api_version", "engine", "engine_basis", "model", "supported", "unsupported_reason", "settings"}
    assert main(["plan", CARD, "--engine", "llama.cpp", "--gpu", "rtx-4090"]) == 0
    out = capsys.readouterr().out
    assert "not supported: no such architecture in b0" in out and "GiB" not in out


# -- generator.calc.engines: the request resolution on its own ------------------------------------

def test_plan_wraps_the_engine_result(fakes):
    catalogs = load_catalogs()
    card = {"id": "t/x", "context_length": 4096, "architecture": {"type": "dense", "layers": 2}}
    p = E.plan(card, catalogs, "llama.cpp", {"ubatch": 256}, E.hardware(catalogs))
    assert list(p)[:6] == ["api_version", "engine", "engine_basis", "model", "supported", "unsupported_reason"]
    assert (p["api_version"], p["engine"], p["engine_basis"], p["model"]) == (1, "llama.cpp", "fake llama.cpp rules", "t/x")
    # 2 layers x 100 MiB; 2 x 1 KiB x 4,096 tokens; 64 MiB x 256 / 512
    assert p["components"]["device_weights"] == 200 * 2**20
    assert p["components"]["device_kv_cache"] == 8 * 2**20
    assert p["components"]["device_compute_buffer"] == 32 * 2**20


def test_plan_refuses_the_other_engines_option_without_the_command_line(fakes):
    card = {"id": "t/x", "architecture": {"type": "dense", "layers": 2}}
    with pytest.raises(E.PlanError) as exc:
        E.plan(card, load_catalogs(), "vllm", {"n_gpu_layers": 3}, E.hardware(load_catalogs()))
    assert exc.value.option == "--n-gpu-layers"
    assert exc.value.message.startswith("is a llama.cpp option; vllm takes --tensor-parallel")


def test_unknown_option_name_is_refused(fakes):
    with pytest.raises(E.PlanError) as exc:
        E.check_options("vllm", ["speculative"])
    assert exc.value.option == "--speculative" and exc.value.message.startswith("unknown option; vllm takes ")


def test_resolve_settings_keeps_given_values_and_fills_defaults(fakes):
    s = E.resolve_settings("llama.cpp", {"flash_attn": "off", "context": 100})
    assert s == {"quant": None, "context": 100, "kv_dtype": "F16", "parallel": 1, "ubatch": 512,
                 "flash_attn": "off", "swa_full": False, "cpu_only": False, "tensor_split": None,
                 "n_gpu_layers": "auto", "cpu_moe_layers": "auto"}


def test_hardware_from_the_catalog():
    catalogs = load_catalogs()
    hw = E.hardware(catalogs, "RTX-4090", None, 64)
    # memory: the 23.99 GiB the driver reports (a vLLM log's "Free memory on device (22.45/23.99 GiB)")
    assert (hw.gpu["id"], hw.count, hw.ram_bytes, hw.memory_bytes) == ("rtx-4090", 1, 64 * 10**9, round(23.99 * 2**30))
    assert E.hardware(catalogs, "h100-sxm-80gb", 8).count == 8
    assert E.hardware(catalogs) == E.Hardware(None, 1, None, None)


def test_apple_unified_memory_reads_ram_at_the_gpus_bandwidth():
    catalogs = load_catalogs()
    apple = next(g for g in catalogs.gpus if g["id"] == "apple-64gb")
    # the catalog may not carry host_memory yet (hwcalc adds it): test the rule on the entry it will have
    assert E._ram_bandwidth({**apple, "host_memory": "apple-unified"}, catalogs) == 273_000_000_000


@pytest.mark.parametrize(("parser", "raw", "value"), [
    (E.parse_int(1, 8), "8", 8), (E.parse_int(1, 8), 3, 3), (E.parse_int(1, 8), 4.0, 4),
    (E.parse_int_or_auto(0, 99), "AUTO", "auto"), (E.parse_int_or_auto(0, 99), "0", 0),
    (E.parse_float(0, 1, lo_open=True), "0.85", 0.85), (E.parse_float(0, 1, lo_open=True), 1, 1.0),
    (E.parse_choice("on", "off"), "ON", "on"), (E.parse_flag, True, True), (E.parse_flag, "off", False),
])
def test_option_parsers_read_strings_and_typed_values(parser, raw, value):
    assert parser("--x", raw) == value


@pytest.mark.parametrize(("parser", "raw", "allowed"), [
    (E.parse_int(1, 8), "9", "1 to 8"), (E.parse_int(1, 8), 2.5, "1 to 8"), (E.parse_int(1, 8), True, "1 to 8"),
    (E.parse_int_or_auto(0, 99), "all", "auto or 0 to 99"),
    (E.parse_float(0, 1, lo_open=True), "0", "more than 0 to 1"), (E.parse_float(0, 1), "nan", "from 0 to 1"),
    (E.parse_choice("on", "off"), "yes", "on, off"), (E.parse_flag, "maybe", "true or false"),
])
def test_option_parsers_refuse_with_the_allowed_values(parser, raw, allowed):
    with pytest.raises(E.PlanError) as exc:
        parser("--x", raw)
    assert exc.value.option == "--x" and allowed in exc.value.message
