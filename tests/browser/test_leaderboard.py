"""The leaderboard in a real browser: a synthetic board with hand-computed ranks, and the empty state."""

from __future__ import annotations

import json
import shutil

import pytest

from generator.site import fmt, whatrun
from helpers import TEST_REGISTRY, built_and_served

SOURCE = "https://example.com/synthetic-scores"
# Six synthetic open-weight cards (copies of the Llama 2 7B test card with new ids) on three
# catalog benchmarks, each reported by exactly 5 of them (K = 5), plus ifeval from only 2 (not counted).
BOARD = {
    "a": {"gpqa-diamond": 60, "livecodebench": 50, "aime-2024": 40, "ifeval": 90},
    "b": {"gpqa-diamond": 50, "livecodebench": 50, "aime-2024": 80, "ifeval": 70},
    "c": {"gpqa-diamond": 40, "livecodebench": 30, "aime-2024": 20},
    "d": {"gpqa-diamond": 30, "livecodebench": 70, "aime-2024": 60},
    "e": {"gpqa-diamond": 20, "livecodebench": 10},
    "f": {"aime-2024": 10},
}
# Hand computation, p = (w + (t - 1) / 2) / (n - 1), n = 5 on every counted benchmark:
#   gpqa-diamond (reasoning): A 1, B 0.75, C 0.5, D 0.25, E 0
#   livecodebench (coding):   D 1; A, B tie at 50 (w = 2, t = 2) -> 0.625 each; C 0.25; E 0
#   aime-2024 (math):         B 1, D 0.75, A 0.5, C 0.25, F 0
# Overall = mean of the three one-benchmark categories:
#   B (0.75 + 0.625 + 1) / 3 = 0.7917 -> 79.2;  A (1 + 0.625 + 0.5) / 3 = 0.7083 -> 70.8
#   D (0.25 + 1 + 0.75) / 3 = 0.6667 -> 66.7;   C (0.5 + 0.25 + 0.25) / 3 = 0.3333 -> 33.3
#   E (0 + 0) / 2 = 0 -> 0.0: 2 of the 3 counted benchmarks, more than half, in 2 categories: ranked 5th.
#   F: 1 of 3 counted benchmarks -> below the coverage rule (more than half, in 2 categories): listed apart.
# Coding: D 100 (1), A and B 62.5 (2, 2, listed by name), C 25.0 (4), E 0.0 (5).


@pytest.fixture(scope="module")
def board_site(tmp_path_factory, browser):
    reg = tmp_path_factory.mktemp("board") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    template = (reg / "meta" / "llama-2-7b.yaml").read_text()
    head, _, tail = template.partition("\nevaluations:")
    notes = "\nnotes:" + tail.split("\nnotes:", 1)[1]
    # Board E is a copy of the Mixtral 8x7B test card (46.7B): on an 8 GB GPU it runs only with offload,
    # where the Llama 2 7B copies fit on the GPU (the hardware filter tells them apart).
    big = (reg / "mistralai" / "mixtral-8x7b.yaml").read_text()
    big_head, _, big_tail = big.partition("\nevaluations:")
    big_notes = "\nnotes:" + big_tail.split("\nnotes:", 1)[1]
    for key, scores in BOARD.items():
        evals = "".join(f"\n- benchmark: {b}\n  score: {s}\n  source: {SOURCE}\n  date: '2025-01-01'"
                        for b, s in scores.items())
        if key == "e":
            text = (big_head.replace("id: mistralai/mixtral-8x7b", "id: example/board-e")
                    .replace("name: Mixtral 8x7B", "name: Board E"))
            (reg / "example" / "board-e.yaml").write_text(text + "\nevaluations:" + evals + big_notes)
            continue
        text = (head.replace("id: meta/llama-2-7b", f"id: example/board-{key}")
                .replace("name: Llama 2 7B", f"name: Board {key.upper()}"))
        (reg / "example" / f"board-{key}.yaml").write_text(text + "\nevaluations:" + evals + notes)
    yield from built_and_served(reg, reg.parent / "public")


def _rows(page, selector):
    return [[c.strip() for c in row.split("\t")] for row in page.locator(selector).inner_text().splitlines()]


def test_leaderboard_with_evaluations(page, board_site):
    page.goto(board_site + "leaderboard/")
    rows = _rows(page, "#board-overall tbody")
    # columns: rank, model, organization, params, memory, score, coding, math, reasoning, coverage
    assert [(r[0], r[1], r[5], r[9]) for r in rows] == [
        ("#1 of 5", "Board B", "79.2", "3 of 3"), ("#2 of 5", "Board A", "70.8", "3 of 3"),
        ("#3 of 5", "Board D", "66.7", "3 of 3"), ("#4 of 5", "Board C", "33.3", "3 of 3"),
        ("#5 of 5", "Board E", "0.0", "2 of 3")]
    assert [r[6:9] for r in rows[:1]] == [["62.5", "100.0", "75.0"]]   # B: coding, math, reasoning
    assert rows[-1][6:9] == ["0.0", "unknown", "0.0"]                  # E reports no math benchmark
    # sizes (review P8): Llama 2 7B declares 6,738,415,616 parameters -> 6.74B; Mixtral 8x7B 46,702,792,704 -> 46.7B
    assert rows[0][3] == "6.74B" and rows[-1][3] == "46.7B"
    assert "more than half of the 3 counted benchmarks (at least 2 of 3)" in page.locator("#board-rule").inner_text()
    unranked = _rows(page, "#board-unranked tbody")
    # columns: model, organization, params, memory, coverage, categories
    assert [(r[0], r[4], r[5]) for r in unranked] == [("Board F", "1 of 3", "math")]
    coding = _rows(page, "table[data-category=coding] tbody")
    assert [(r[0], r[1], r[2]) for r in coding] == [
        ("#1 of 5", "Board D", "100.0"), ("#2 of 5", "Board A", "62.5"), ("#2 of 5", "Board B", "62.5"),
        ("#4 of 5", "Board C", "25.0"), ("#5 of 5", "Board E", "0.0")]
    assert "Llama 2 7B" not in page.locator("#board-overall").inner_text()  # its benchmarks have < 5 reporters
    assert page.locator("ol.llmc-method li").count() == 7


def test_leaderboard_memory_matches_the_model_page(page, board_site):
    """One value per quantity: the leaderboard's Q4_K_M memory is the model page's VRAM table cell."""
    page.goto(board_site + "leaderboard/")
    heads = page.locator("#board-overall thead th").all_inner_texts()
    # Llama 2 7B's context is 4,096 tokens: the reference context of five of the six cards
    assert heads[4] == "Memory at Q4_K_M @ 4K"
    board = {r[1]: r[4] for r in _rows(page, "#board-overall tbody")}
    for key, ctx in (("a", "4K"), ("e", "8K")):
        page.goto(board_site + f"models/example/board-{key}/")
        cols = page.locator("#vram-table thead th").all_inner_texts()
        cell = page.locator("#vram-table tbody tr", has_text="Q4_K_M").first.locator("td").nth(cols.index(ctx) - 1)
        text = cell.inner_text().split("\n")[0].split(" (")[0]   # without the screen-reader tier words
        assert board[f"Board {key.upper()}"] == (text if key == "a" else f"{text} @ {ctx}"), key


def test_leaderboard_fits_my_hardware(page, board_site):
    """Review P8: with the reader's hardware a memory column for it and a "fits my hardware" filter; the
    figures are the api/fit list's (what "What can I run?" and the models index show), ranks unchanged."""
    page.goto(board_site)
    page.evaluate("c => localStorage.setItem('llmcards.hardware', JSON.stringify(c))",
                  {"setup": "rtx-4060-x1", "engine": "llama.cpp"})
    page.goto(board_site + "leaderboard/")
    page.wait_for_selector("#board-overall th.llmc-fit-mem")
    assert page.locator("#board-fit").is_visible()
    assert page.locator("#board-setup").input_value() == "rtx-4060-x1"
    data = json.loads(page.evaluate("fetch('../api/fit/rtx-4060-x1.json').then(r => r.text())"))
    by_id = {m["id"]: m["engines"]["llama.cpp"] for m in data["models"]}
    a, e = by_id["example/board-a"], by_id["example/board-e"]
    assert a["fit"] == "yes" and e["fit"] == "offload"      # 7B fits 8 GB; 46.7B needs system RAM
    rows = {r[1]: r for r in _rows(page, "#board-overall tbody")}
    assert rows["Board A"][-1] == f"{fmt.gb(a['bytes'])} · {a['quant']}"
    assert rows["Board E"][-1] == f"{fmt.gb(e['bytes'])} · {e['quant']} (offload)"
    page.select_option("#board-fits", "gpu")
    assert page.locator('#board-overall tr[data-id="example/board-e"]').is_hidden()
    assert page.locator('table[data-category=coding] tr[data-id="example/board-e"]').is_hidden()
    assert page.locator("#board-count").inner_text() == "5 of 6 models shown"
    shown = [r[0] for r in _rows(page, "#board-overall tbody") if r]   # hidden rows have no text
    assert "#5 of 5" not in shown and shown[0] == "#1 of 5"             # ranks are the whole board's
    page.select_option("#board-fits", "runs")
    assert page.locator('#board-overall tr[data-id="example/board-e"]').is_visible()
    # a new choice (vLLM) reloads nothing but the column: vLLM cannot offload, so Board E does not run
    page.select_option("#board-engine", "vllm")
    page.wait_for_function("document.querySelector('#board-overall th.llmc-fit-mem').textContent.includes('vLLM')")
    assert page.locator('#board-overall tr[data-id="example/board-e"]').is_hidden()


def test_model_page_ranks_match_the_leaderboard(page, board_site):
    page.goto(board_site + "models/example/board-a/")
    ranks = page.locator("#ranks").inner_text()
    assert "Overall rank: #2 of 5" in ranks and "Coding rank: #2 of 5" in ranks
    page.goto(board_site + "models/example/board-f/")
    ranks = page.locator("#ranks").inner_text()
    assert "Overall rank: #" not in ranks and "Coding rank: #" not in ranks  # a math rank only
    # F: aime-2024 10 is the lowest of 5 -> math rank 5; 1 counted benchmark -> no overall rank
    assert "Math rank: #5 of 5" in ranks
    assert page.locator("#rank-reason").inner_text() == (
        "Not ranked overall: it reports 1 of the 3 counted benchmarks, in 1 category; an overall rank needs "
        "at least 2 of 3 (more than half) in at least 2 categories.")
    assert page.locator("#ranks a").get_attribute("href").endswith("leaderboard/#method")
    page.goto(board_site + "models/example/board-a/")
    # A's raw scores, one row each: gpqa-diamond, livecodebench, aime-2024 (5 reporters), ifeval (2)
    rows = [[c.strip() for c in r.split("\t")] for r in page.locator("#eval-table tbody").inner_text().splitlines()]
    assert [(r[0], r[2], r[4], r[5]) for r in rows] == [
        ("GPQA Diamond", "60", "2025-01-01", "5 (counted)"), ("LiveCodeBench", "50", "2025-01-01", "5 (counted)"),
        ("AIME 2024", "40", "2025-01-01", "5 (counted)"), ("IFEval", "90", "2025-01-01", "2 (not counted: fewer than 5)")]
    assert page.locator("#eval-table tbody a").first.get_attribute("href") == SOURCE


def test_model_page_unranked_with_scores(page, site):
    # Llama 2 7B has 7 scores; in the small test registry no benchmark has 5 open-weight reporters.
    page.goto(site + "models/meta/llama-2-7b/")
    assert "No evaluation benchmarks" not in page.locator("#rankings ~ *").first.inner_text()
    assert page.locator("#rank-reason").inner_text() == (
        "Not ranked: its 7 scores are on benchmarks too few open-weight models report "
        "(a benchmark counts once 5 do).")
    assert page.locator("#eval-table tbody tr").count() == 7
    mmlu = page.locator("#eval-table tbody tr", has_text="MMLU").first.inner_text()
    assert "45.7" in mmlu and "2024-04-18" in mmlu


def test_leaderboard_lists_reporters_per_benchmark(page, board_site):
    page.goto(board_site + "leaderboard/")
    # ifeval: boards A and B only -> 2 reporters, not counted; aime-2024: A, B, C, D, F -> 5, counted
    table = page.locator("#board-benchmarks")
    assert "2\tno" in table.locator("tr", has_text="IFEval").inner_text()
    assert "5\tyes" in table.locator("tr", has_text="AIME 2024").inner_text()


def test_leaderboard_without_evaluations(page, empty_board_site):
    page.goto(empty_board_site + "leaderboard/")
    assert page.locator("#board-empty").is_visible()
    assert page.locator("ol.llmc-method li").count() == 7


# The board's copies and the test cards they copy: the rule's choice depends on the architecture only.
COPIES = {**{f"example/board-{k}": "meta/llama-2-7b" for k in "abcdf"}, "example/board-e": "mistralai/mixtral-8x7b"}
# (reader, the choice through the header's dialog): any GPU x count with the reader's RAM, and no GPU.
CUSTOM = (("2x-rtx-3090-64gb", {"gpu": "rtx-3090", "count": 2, "ram": 64}),
          ("cpu-only-16gb-ddr5", {"cpu": True, "ram": 16, "ram_class": "ddr5-dual"}))


def _custom_summaries(catalogs, choice, engine):
    """The Python rule's api/fit summary of each board card on the reader's custom hardware."""
    from generator.calc import engines
    from generator.site import fit, plans, setups
    from helpers import load_test_card

    from tests.browser.test_custom_hardware import _rule

    out = {}
    for board_id, card_id in COPIES.items():
        if choice.get("cpu"):
            hw = engines.hardware(catalogs, None, None, choice["ram"], choice["ram_class"], cpu_only=True)
            e = plans._entry(load_test_card(card_id), catalogs, engine, setups.Setup("cpu", None), hw, cpu_only=True)
        else:
            e = _rule(card_id, catalogs, choice["gpu"], choice["count"], choice["ram"], engine)
        out[board_id] = fit.summary(e)
    return out


def _fit_cells(page):
    return dict(page.eval_on_selector_all(
        "#board-overall tbody tr, #board-unranked tbody tr",
        "trs => trs.map(tr => [tr.dataset.id, (tr.querySelector('td.llmc-fit-mem') || {}).textContent])"))


@pytest.mark.parametrize("reader,choice", CUSTOM, ids=[c[0] for c in CUSTOM])
def test_leaderboard_fits_custom_hardware(page, board_site, catalogs, reader, choice):
    """Custom hardware or "CPU only" chosen in "My hardware": the board's Hardware select shows the
    reader's choice (as "What can I run?" does), the memory column and "Fits my hardware" filter are the
    list computed in the browser, equal to the Python rule's summaries; no api/fit/custom.json is asked for."""
    from tests.browser.test_cpu_only import _pick_cpu_by_keyboard
    from tests.browser.test_custom_hardware import _pick_gpu

    want = _custom_summaries(catalogs, choice, "llama.cpp")
    page.goto(board_site + "leaderboard/")
    page.wait_for_selector("#board-overall th.llmc-fit-mem")     # the site's default setup first
    # chosen on the board itself (the page follows the new choice), then shown again after a reload
    if choice.get("cpu"):
        _pick_cpu_by_keyboard(page, choice["ram"], choice["ram_class"], "llama.cpp")
    else:
        _pick_gpu(page, choice["gpu"], choice["count"], choice["ram"], "llama.cpp")
    label = page.evaluate("LLMCardsHardware.get().label")
    for reload in (False, True):
        if reload:
            page.reload()
        # the column for the reader's hardware, or what the page says went wrong
        page.wait_for_function("label => (document.querySelector('#board-overall th.llmc-fit-mem') || {textContent: ''})"
                               ".textContent.includes(label) || /cannot|could not/i.test("
                               "document.querySelector('#board-count').textContent)", arg=label)
        assert page.locator("#board-count").inner_text() == ""
        assert page.get_attribute("#board-fit", "data-state") == "ready"
        assert page.eval_on_selector("#board-setup", "s => [s.value, s.selectedOptions[0].textContent]") == ["custom", label]
        assert page.locator("#board-overall th.llmc-fit-mem").inner_text() == f"Memory (llama.cpp, {label})"
        cells = _fit_cells(page)
        for board_id, s in want.items():
            runs = s["fit"] in ("yes", "offload")
            mem = s["host_bytes"] if choice.get("cpu") else s["bytes"]
            text = (f"{fmt.gb(mem)} · {s['quant']}" + (" (offload)" if s["fit"] == "offload" else "")) if runs else None
            assert cells[board_id] == (text or whatrun.FIT_TEXT[s["fit"]]), (reader, board_id)
        # "Fits my hardware": the rows of the models that do not run are hidden, the ranks unchanged
        page.select_option("#board-fits", "runs")
        hidden = set(page.eval_on_selector_all("#board-overall tbody tr[hidden], #board-unranked tbody tr[hidden]",
                                               "trs => trs.map(tr => tr.dataset.id)"))
        assert hidden == {b for b, s in want.items() if s["fit"] not in ("yes", "offload")}
        assert page.locator("#board-count").inner_text() == f"{6 - len(hidden)} of 6 models shown"
        page.select_option("#board-fits", "")
    if choice.get("cpu"):
        assert want["example/board-e"]["fit"] == "no"    # 16 GB of RAM holds the 7B copies, not Mixtral 8x7B
    # the engine picked on the board keeps the custom hardware (vLLM needs a GPU: nothing runs without one)
    page.select_option("#board-engine", "vllm")
    page.wait_for_function("document.querySelector('#board-overall th.llmc-fit-mem').textContent.includes('vLLM')")
    stored = page.evaluate("LLMCardsHardware.get()")
    assert stored["setup"] == "custom" and stored["engine"] == "vllm" and stored["label"] == label
    assert page.locator("#board-setup").input_value() == "custom"
    vllm = _custom_summaries(catalogs, choice, "vllm")
    page.select_option("#board-fits", "runs")
    hidden = set(page.eval_on_selector_all("#board-overall tbody tr[hidden], #board-unranked tbody tr[hidden]",
                                           "trs => trs.map(tr => tr.dataset.id)"))
    assert hidden == {b for b, s in vllm.items() if s["fit"] not in ("yes", "offload")}
    if choice.get("cpu"):
        assert len(hidden) == 6
    assert not [u for u in page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
                if "api/fit/custom" in u]
