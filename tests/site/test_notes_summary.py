"""Notes read as plain language for readers (issue 11 item 2, review P11): a model page shows a short
summary generated from the card's fields (native format, parts of the total outside the text model,
declared against counted parameters) above the notes, which stay collapsed for contributors.

Expected figures are worked out here from the published configs and the cards' own counts:
* DeepSeek-V3 (config.json: hidden 7,168, 61 layers of which the first 3 dense, 256 routed experts
  with 8 active, moe_intermediate_size 2,048; safetensors: MTP layer 61 has 13,463,426,304
  parameters, the true total is 684,489,845,504):
  unused routed experts per token = 58 layers x 248 experts x 3 x 7,168 x 2,048 = 633,474,121,728,
  so active = 684,489,845,504 - 13,463,426,304 - 633,474,121,728 = 37,552,297,472 -> "37.6B",
  against the 37B DeepSeek states -> "37.0B"; MTP 13,463,426,304 -> "13.5B".
* Gemma 3 27B: SigLIP encoder 416,866,032 + projector 1,152 x 5,376 + a 1,152-wide norm
  = 423,060,336 -> "423M" of a 27,432,406,640 total -> "27.4B".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import pages
from generator.site.render import render
from helpers import REGISTRY, ROOT


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs(ROOT / "schema")


def _summary(card_id: str, catalogs) -> tuple[dict, list[str]]:
    card = load_file(Path(REGISTRY / f"{card_id}.yaml")).data
    return card, pages.notes_summary(card, derive(card, catalogs))


def test_deepseek_v3_summary_says_format_mtp_and_active(catalogs):
    _, lines = _summary("deepseek/deepseek-v3", catalogs)
    assert lines[0].startswith("The weights are published in FP8 (8-bit floats")
    assert "Of the 684B total parameters, 13.5B are a multi-token-prediction module" in lines[1]
    assert lines[2].startswith("Per generated token 37.6B parameters are used, counted from the architecture; "
                               "the maker states 37.0B active")
    assert len(lines) == 3
    # plain words: none of the card's or config's field names
    for word in ("parameters.", "num_nextn", "weight_scale_inv", "release.", "_"):
        assert not any(word in line for line in lines), word


def test_vision_encoder_and_nothing_to_explain(catalogs):
    _, lines = _summary("google/gemma-3-27b", catalogs)
    assert lines == ["Of the 27.4B total parameters, 423M are the vision encoder (for images)."]
    _, lines = _summary("meta/llama-3.1-8b", catalogs)   # declared = counted, no extra parts, BF16 not stated
    assert lines == []


def test_declared_only_and_closed_cards(catalogs):
    _, lines = _summary("meta/llama-4-behemoth", catalogs)
    assert lines == ["The architecture is not published: layer and head counts are unknown, and the memory "
                     "figures come from the parameter count the maker states."]
    _, lines = _summary("openai/gpt-5", catalogs)   # no size at all: nothing is "from the stated count"
    assert lines == []


def test_page_shows_the_summary_and_collapses_the_notes(catalogs):
    card, lines = _summary("deepseek/deepseek-v3", catalogs)
    m = pages.model_summary(card, derive(card, catalogs))
    html = render("model.html", m=m, base="../../../", run=None, rest_marker="")
    summary = html[html.index('id="notes-summary"'):html.index('<details class="llmc-contrib"')]
    assert "About these figures" in summary and "13.5B are a multi-token-prediction module" in summary
    contrib = html[html.index('<details class="llmc-contrib"'):]
    assert "weight_scale_inv" in contrib.split("</details>")[0]   # field-level detail, collapsed
    assert "<details" not in summary


def test_gpt_oss_says_why_its_gguf_sizes_differ_little(catalogs):
    # review P4: "Q4_K_M 88.9 > Q3_K_M 72.1 > Q4_0 67.2 ... Nothing on the page explains it"; the card's
    # release.gguf_routed_experts is MXFP4 (llama.cpp keeps the experts in MXFP4 at every GGUF type)
    _, lines = _summary("openai/gpt-oss-120b", catalogs)
    assert ("In every GGUF file of this model the routed experts stay in MXFP4: a GGUF type such as Q4_K_M "
            "changes only the other tensors, so the GGUF sizes differ little.") in lines
    _, lines = _summary("deepseek/deepseek-v3", catalogs)
    assert not any("GGUF file" in line for line in lines)
