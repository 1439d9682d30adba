"""The search index (search/search_index.json, the largest file a page would load) is
requested only when the reader opens the search; search works once it is open."""

from __future__ import annotations

import pytest

INDEX = "search/search_index.json"


def index_requests(page) -> list[str]:
    return [u for u in page.llmc_requests if INDEX in u]


@pytest.fixture()
def tracked(page):
    page.llmc_requests = []
    page.on("request", lambda r: page.llmc_requests.append(r.url))
    return page


@pytest.mark.parametrize("path", ["", "models/meta/llama-3.1-8b/", "leaderboard/"])
def test_no_index_request_on_page_load(tracked, site, path):
    tracked.goto(site + path)
    tracked.wait_for_load_state("networkidle")
    tracked.mouse.wheel(0, 600)          # reading the page does not load it either
    tracked.keyboard.press("Tab")
    tracked.wait_for_load_state("networkidle")
    assert index_requests(tracked) == []


def test_search_loads_the_index_when_opened_and_finds_a_model(tracked, site):
    tracked.set_viewport_size({"width": 1280, "height": 900})
    tracked.goto(site)
    tracked.wait_for_load_state("networkidle")
    assert index_requests(tracked) == []
    with tracked.expect_response(lambda r: INDEX in r.url) as response:
        tracked.click(".md-search__input")
    assert response.value.ok
    tracked.fill(".md-search__input", "mixtral")
    first = tracked.locator(".md-search-result__item a").first
    first.wait_for()
    assert "mistralai/mixtral-8x7b" in first.get_attribute("href")
    assert len(index_requests(tracked)) == 1


def test_keyboard_shortcut_opens_search_on_a_phone(tracked, site):
    tracked.set_viewport_size({"width": 390, "height": 800})
    tracked.goto(site + "models/")
    tracked.wait_for_load_state("networkidle")
    assert index_requests(tracked) == []
    with tracked.expect_response(lambda r: INDEX in r.url):
        tracked.keyboard.press("/")     # the theme's shortcut: opens the search overlay
    tracked.keyboard.type("llama 3.1")
    tracked.locator(".md-search-result__item").first.wait_for()
    assert len(index_requests(tracked)) == 1


def test_highlight_link_loads_the_index_at_once(tracked, site):
    # ?h= asks the theme to highlight terms, which needs the index: not held back.
    tracked.goto(site + "methodology/?h=memory")
    tracked.wait_for_load_state("networkidle")
    assert len(index_requests(tracked)) == 1
