"""The real registry, loaded once by the project's own validator (generator.validate)."""

from __future__ import annotations

import pytest

from generator.card import Card
from generator.validate import load_registry
from helpers import REGISTRY


@pytest.fixture(scope="session")
def registry_cards() -> dict[str, Card]:
    """Every card by id. Fails (for each test that uses it) when the registry does not validate:
    tests/test_validate_registry.py::test_registry_passes is the test that says why."""
    cards, errors = load_registry(REGISTRY)
    if errors:
        pytest.fail(f"the registry does not validate ({len(errors)} errors), first: {errors[0].format()}", pytrace=False)
    return {card.id: card for card in cards}
