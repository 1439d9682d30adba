"""A registry of hostile cards: script payloads in every free-text and URL field of a card.

Each payload, if it ever ran, would push the name of its field onto ``window.__xss``
(and call ``alert``); the browser test (tests/browser/test_xss.py) installs both
hooks before any page script and asserts nothing ran. The payloads also carry
``&``, ``<``, quotes and an entity-looking text, so the tests can check that a
reader sees the exact text, escaped once (no ``&amp;lt;`` shown).

The cards are valid (they must be published to be dangerous): they reuse the
architecture of the Llama 3.1 8B test card, under new ids in a new organization.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import yaml

from generator.load import load_file

from helpers import TEST_REGISTRY

ORG = "evil"
COUNT = 5                      # five open-weight cards: enough reporters (K = 5) for a leaderboard rank
BENCHMARKS = ("mmlu", "gpqa-diamond", "hellaswag")   # three categories: knowledge, reasoning, general

# Fields holding free text (shown as text) and the URL fields (shown in href attributes).
TEXT_FIELDS = ("name", "organization", "family", "description", "notes", "license.name", "sources.title")
URL_FIELDS = ("license.url", "sources.url", "evaluations.source")


# A short tag per field keeps the payloads under the schema's 200-character limits.
TAGS = {"name": "n", "organization": "o", "family": "f", "description": "d", "notes": "t",
        "license.name": "ln", "sources.title": "st", "license.url": "lu", "sources.url": "su",
        "evaluations.source": "es"}


def text_payload(field: str, n: int) -> str:
    """Free text that breaks out of every HTML context it could land in, if unescaped."""
    run = f"__xss.push('{TAGS[field]}')"
    return (f"{TAGS[field]}{n} </title></textarea></script><script>{run}</script>"
            f"<img src=x onerror=\"{run}\"><svg onload={run}> "
            f"Tom & Jerry <3 'q' \"dq\" &lt;b&gt; {{{{ 7 * 7 }}}}")


def url_payload(field: str, n: int) -> str:
    """A URL the schema accepts (https://, no whitespace) that breaks out of an attribute, if unescaped."""
    return f"https://evil.example/{n}\"><img/src=x/onerror=__xss.push('{TAGS[field]}')>&x=<'"


def hostile_card(template: dict, n: int) -> dict:
    """The Llama 3.1 8B test card with every free-text and URL field replaced by a payload."""
    card = copy.deepcopy(template)
    card["id"] = f"{ORG}/model-{n}"
    for key in ("name", "organization", "family", "description", "notes"):
        card[key] = text_payload(key, n)
    card["license"] = {"name": text_payload("license.name", n), "spdx": None,
                       "url": url_payload("license.url", n)}
    card["sources"] = [{"title": text_payload("sources.title", n), "url": url_payload("sources.url", n)}]
    card["evaluations"] = [{"benchmark": b, "score": 40 + 10 * n + i,
                            "source": url_payload("evaluations.source", n), "date": "2025-01-01"}
                           for i, b in enumerate(BENCHMARKS)]
    return card


def make_registry(dst: Path) -> Path:
    """The test registry plus ``COUNT`` hostile cards in organization ``evil``; returns ``dst``."""
    shutil.copytree(TEST_REGISTRY, dst)
    template = load_file(TEST_REGISTRY / "meta" / "llama-3.1-8b.yaml").data
    (dst / ORG).mkdir()
    for n in range(1, COUNT + 1):
        text = yaml.safe_dump(hostile_card(template, n), sort_keys=False, allow_unicode=True, width=10**6)
        (dst / ORG / f"model-{n}.yaml").write_text(text, encoding="utf-8")
    return dst
