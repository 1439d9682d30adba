"""Falcon-H1 (attention and Mamba-2 side by side in every layer): weight bytes against real GGUF files.

The cards' parameter counts are checked against the exact counts in tests/test_import_hf.py
(test_hybrid_import_counts_match_published_figures) and by the registry's derived = declared rule.
Here the 7B model's GGUF files:

- TII's Falcon-H1-7B-Instruct-Q4_K_M.gguf (tiiuae/Falcon-H1-7B-Instruct-GGUF at revision
  058c8c8f08e57da131ba5f070f9ff1280d141c39): 4,598,344,960 bytes, SHA-256 145def0b...ff25d, as
  recorded by a public evaluation log that downloaded it and compared the size with the Hub's
  x-linked-size.
- TII's Falcon-H1R-7B Q8_0 GGUF (tiiuae/Falcon-H1R-7B-GGUF), a 7B model of the same shapes and
  vocabulary: 8,069,003,296 bytes, and llama.cpp's model metadata for it ("7,585,648,736
  parameters ... Q8_0 size 8,063,277,440 bytes excluding GGUF overhead"), as a public
  qualification report records them.
"""

from __future__ import annotations

import pytest

from generator.calc.catalogs import load_catalogs
from generator.calc.memory import weight_bytes
from generator.calc.tensors import inventory
from generator.validate import load_registry
from helpers import ROOT

Q4_K_M_FILE = 4_598_344_960  # Falcon-H1-7B-Instruct-Q4_K_M.gguf
Q8_0_FILE = 8_069_003_296  # Falcon-H1R-7B Q8_0 GGUF
Q8_0_TENSORS = 8_063_277_440  # llama.cpp's size of that file's tensors


@pytest.fixture(scope="module")
def card() -> dict:
    cards = {c.data["id"]: c.data for c in load_registry(ROOT / "registry")[0]}
    return cards["tiiuae/falcon-h1-7b-instruct"]


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def _tensor_bytes(card: dict, quant: str, catalogs) -> int:
    return weight_bytes(inventory(card), catalogs.quantization(quant), catalogs, 0).total


def test_q8_0_tensor_bytes_are_llama_cpps_by_hand(card, catalogs):
    # Q8_0 stores every matrix at 34 bytes per 32 weights; llama.cpp's quantizer keeps 1-D
    # tensors and ssm_conv1d in F32 (src/llama-quant.cpp). Hidden 3,072, 44 layers, vocabulary
    # 130,048 (untied: token_embd and output), per layer: q 3,072 x 1,536, k and v 3,072 x 256,
    # o 1,536 x 3,072, ssm_in 3,072 x (2 x 3,072 + 2 x 256 + 24) = 3,072 x 6,680, ssm_out
    # 3,072 x 3,072, and a SwiGLU MLP of 3 x 3,072 x 12,288. F32 per layer: two RMSNorms
    # (2 x 3,072), the conv over x, B and C (3,584 channels x 4 taps + 3,584 bias), dt_bias,
    # A and D (3 x 24 heads) and the gated RMSNorm (3,072); plus the final norm (3,072).
    h, vocab, layers = 3072, 130_048, 44
    matrices = 2 * vocab * h + layers * (
        h * 1536 + 2 * h * 256 + 1536 * h + h * 6680 + 3072 * h + 3 * h * 12288)
    f32 = layers * (2 * h + 3584 * 4 + 3584 + 3 * 24 + 3072) + h
    assert matrices + f32 == 7_585_648_736 == card["parameters"]["total"]
    assert matrices * 34 // 32 + f32 * 4 == Q8_0_TENSORS
    assert _tensor_bytes(card, "Q8_0", catalogs) == Q8_0_TENSORS


def test_q4_k_m_file_within_a_percent_and_above_by_its_metadata(card, catalogs):
    predicted = _tensor_bytes(card, "Q4_K_M", catalogs)
    assert abs(predicted - Q4_K_M_FILE) / Q4_K_M_FILE < 0.01
    # A GGUF file is its tensors plus metadata (a 130,048-token vocabulary: about 5.7 MB) that does
    # not depend on the quantization: the Q8_0 file of the same vocabulary exceeds its tensors by
    # 5,725,856 bytes, the Q4_K_M file exceeds the predicted tensors by as much, to within the few
    # KB two uploads' chat templates and alignment padding can differ by. A wrong per-layer type
    # rule in Q4_K_M would move the prediction by 100 KB or more.
    metadata = Q8_0_FILE - Q8_0_TENSORS
    assert metadata == 5_725_856
    assert abs((Q4_K_M_FILE - predicted) - metadata) <= 4096, Q4_K_M_FILE - predicted
