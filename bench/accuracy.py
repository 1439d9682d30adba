"""Accuracy report: derived vs published parameters, predicted vs real GGUF bytes.

Run: python bench/accuracy.py
Reference data: tests/calc/refdata/ (copied from the shared reference set) and
tests/calc/real_file_sizes.json (the project's GGUF and safetensors file sizes).
Parameters must match exactly; GGUF weight bytes target within 3% of the file size
(the file also holds metadata such as the tokenizer, which is not predicted). For
models with several files, "metadata" is real - predicted: the same value at every
quantization means the predicted tensor bytes are exact.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's generator/ and tests/, installed or not

from generator.calc.catalogs import load_catalogs  # noqa: E402
from generator.calc.memory import weight_bytes  # noqa: E402
from generator.calc.params import count_parameters  # noqa: E402
from generator.calc.tensors import inventory  # noqa: E402
from generator.importers.hf import card_draft  # noqa: E402
from tests.calc.calc_refmodels import gguf_sizes, real_file_cards, real_file_sizes, reference_models  # noqa: E402


def main() -> int:
    catalogs = load_catalogs()
    cards = {}
    exact = 0
    print(f"{'model':<28}{'published':>18}{'derived':>18}{'diff':>6}{'active (ref)':>16}{'active':>16}")
    for m in reference_models():
        stem = m["_file"]
        card = card_draft(m["config"], "ref/" + stem)
        cards[stem] = card
        pc = count_parameters(card)
        want = m.get("parameters_text_only") or m["parameters_true"]
        ref_act = (m.get("active_parameters_computed") or {}).get("including_input_embedding")
        ok = pc.total == want and (ref_act is None or ref_act == pc.active)
        exact += ok
        print(f"{stem:<28}{want:>18,}{pc.total:>18,}{pc.total - want:>6}"
              f"{(f'{ref_act:,}' if ref_act else '-'):>16}{(f'{pc.active:,}' if ref_act else '-'):>16}")
    total = len(cards)
    print(f"exact: {exact}/{total}")
    print()
    sizes = gguf_sizes()
    stems = [Path(e["reference_model_file"].split(" ")[0]).stem for e in sizes["exact"]]
    files = [(e["file"], e["quant"], e["bytes"], cards[stem], stem) for e, stem in zip(sizes["exact"], stems, strict=True)]
    more = real_file_sizes()
    cards.update(real_file_cards())  # the tests' own reading of the data file: one rule for both
    files += [(e["file"], e["quant"], e["bytes"], cards[e["model"]], e.get("group", e["model"])) for e in more["files"]]
    print(f"{'GGUF file':<44}{'quant':>7}{'real bytes':>16}{'predicted':>16}{'error %':>9}{'metadata':>11}")
    worst = 0.0
    residuals: dict[str, set[int]] = {}
    for name, quant, real, card, model in files:
        pred = weight_bytes(inventory(card), catalogs.quantization(quant), catalogs, 0).total
        err = (pred - real) * 100 / real
        worst = max(worst, abs(err))
        if model:
            residuals.setdefault(model, set()).add(real - pred)
        print(f"{name:<44}{quant:>7}{real:>16,}{pred:>16,}{err:>9.3f}{real - pred:>11,}")
    print(f"files: {len(files)}  worst |error|: {worst:.3f}% (target < 3%)")
    several = {m: v for m, v in residuals.items() if sum(f[4] == m for f in files) > 1}
    # Alignment padding can move the residual by a few hundred bytes; a wrong tensor type moves it by 100 KB+.
    constant = sum(max(v) - min(v) <= 4096 for v in several.values())
    print(f"models with several files whose metadata residual is the same (within 4 KiB) at every quantization: "
          f"{constant}/{len(several)}")
    print()
    print(f"{'safetensors checkpoint':<44}{'quant':>9}{'real bytes':>18}{'predicted':>18}{'error %':>9}")
    worst_st = 0.0
    for e in more["safetensors"]:
        card = cards[e["model"]]
        extra = int((card.get("parameters") or {}).get("extra") or 0)
        pred = weight_bytes(inventory(card), catalogs.quantization(e["quant"]), catalogs, extra).total
        err = (pred - e["bytes"]) * 100 / e["bytes"]
        worst_st = max(worst_st, abs(err))
        print(f"{e['checkpoint']:<44}{e['quant']:>9}{e['bytes']:>18,}{pred:>18,}{err:>9.3f}")
    print(f"checkpoints: {len(more['safetensors'])}  worst |error|: {worst_st:.3f}% (target < 3%)")
    ok = exact == total and worst < 3 and constant == len(several) and worst_st < 3
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
