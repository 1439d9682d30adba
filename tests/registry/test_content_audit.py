"""The findings of the content audit of issue 12 stay fixed, and their kind does not come back.

The audit (issue 12, "Data trust") found three wrong facts; the expected values below are the
issue's, each checked against the source the card now cites:
- Llama 3.2 3B's MATH score is 48.0 in the current Hugging Face model card (47.3 was the first version);
- Mixtral 8x7B's weights were first released on 2023-12-08 (by torrent; the blog post followed on 2023-12-11);
- Falcon-7B's license.url pointed at the model page instead of the license text.
"""

from __future__ import annotations

import re

from generator.card import Card

# A model's page on the Hub (https://huggingface.co/<org>/<repo>) with nothing after it: not a license text.
HUB_MODEL_PAGE = re.compile(r"^https://huggingface\.co/[^/]+/[^/]+/?$")


def test_llama_3_2_3b_math_is_the_current_model_card_score(registry_cards: dict[str, Card]):
    card = registry_cards["meta/llama-3.2-3b"]
    math = [e for e in card.data["evaluations"] if e["benchmark"] == "math"]
    assert [e["score"] for e in math] == [48.0]
    assert math[0]["source"] == "https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct"
    assert math[0]["source"] in {s["url"] for s in card.data["sources"]}
    assert "47.3" in card.data["notes"]          # the change is explained


def test_mixtral_8x7b_release_is_the_weights_release(registry_cards: dict[str, Card]):
    card = registry_cards["mistralai/mixtral-8x7b"]
    assert card.data["release_date"] == "2023-12-08"
    urls = {s["url"] for s in card.data["sources"]}
    assert "https://mistral.ai/news/mixtral-of-experts" in urls          # the blog post (2023-12-11)
    assert any(u.startswith("https://x.com/MistralAI/status/") for u in urls)   # the torrent post (2023-12-08)


def test_license_urls_point_at_license_texts(registry_cards: dict[str, Card]):
    pages = {cid: card.data["license"]["url"] for cid, card in registry_cards.items()
             if HUB_MODEL_PAGE.match(str((card.data.get("license") or {}).get("url") or ""))}
    assert pages == {}, "license.url is a model page, not the license text"
    assert registry_cards["tiiuae/falcon-7b"].data["license"]["url"] == "https://www.apache.org/licenses/LICENSE-2.0.txt"
