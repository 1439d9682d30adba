"""A closed model's page says plainly that its maker has not published its size (issue 12:
"the site says plainly that sizes are unpublished"), instead of calling the card incomplete."""

from generator.site.pages import no_estimate_sentence

CLOSED = {"name": "GPT-5", "organization": "OpenAI", "open_weights": False,
          "parameters": {"total": None, "active": None, "extra": None}}


def test_closed_model_without_a_size_names_the_maker() -> None:
    assert no_estimate_sentence(CLOSED) == (
        "No memory estimate: OpenAI has not published the size or architecture of GPT-5, "
        "and its weights are not available to download, so there is nothing to compute.")


def test_open_model_with_an_incomplete_card_keeps_the_card_wording() -> None:
    card = dict(CLOSED, open_weights=True)
    assert "the architecture of this card is incomplete" in no_estimate_sentence(card)


def test_closed_model_with_a_published_size_is_not_called_unpublished() -> None:
    card = dict(CLOSED, parameters={"total": 2_000_000_000_000, "active": None, "extra": None})
    assert "has not published" not in no_estimate_sentence(card)
