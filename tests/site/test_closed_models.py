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


def test_a_declared_size_without_architecture_points_at_the_weights_only_bound() -> None:
    card = dict(CLOSED, open_weights=True, name="Llama 4 Behemoth",
                parameters={"total": 2_000_000_000_000, "active": None, "extra": None})
    assert no_estimate_sentence(card) == (
        "No full memory estimate: the architecture of Llama 4 Behemoth is not published, so only "
        "the weights are known (System requirements gives them as a lower bound).")


def test_unpublished_weights_with_a_declared_size_say_it_cannot_run() -> None:
    # Review P14: Llama 4 Behemoth's weights are not published; the answer box says so plainly.
    card = dict(CLOSED, name="Llama 4 Behemoth", organization="Meta", status="unreleased",
                parameters={"total": 2_000_000_000_000, "active": None, "extra": None})
    assert no_estimate_sentence(card) == (
        "Not runnable: Meta has not published the weights of Llama 4 Behemoth (it has been announced, "
        "not released): it cannot be downloaded or run on any hardware. System requirements gives the "
        "size its weights would take, from the declared parameter count.")
