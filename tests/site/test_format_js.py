"""Python (generator/site/fmt.py) and JavaScript (site/assets/js/format.js) format
numbers identically.

The rules live in fmt.py; site/assets/js/format-rules.js is generated from them and
must be current. Then node formats fmt.py's boundary cases and every integer of every
registry card (the card and its derived figures: parameter counts, bytes, contexts)
with params, gb, tokens, exact and value, and every string must equal Python's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterator


from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import fmt

ROOT = Path(__file__).resolve().parents[2]
FORMAT_JS = ROOT / "site" / "assets" / "js" / "format.js"
RULES_JS = ROOT / fmt.RULES_JS
KINDS = ("params", "gb", "gib", "capacity", "tokens", "exact", "value")
SAFE = 2**53  # integers beyond this travel to node as strings (BigInt there)


def test_rules_file_is_generated_from_fmt():
    assert RULES_JS.read_text(encoding="utf-8") == fmt.rules_js(), (
        f"{fmt.RULES_JS} is stale: run `python -m generator.site.fmt > {fmt.RULES_JS}`")


def boundary_cases() -> set[int]:
    """Integers around every place where a unit, a number of decimals or a rounding
    direction changes, over the whole range of the formats."""
    out: set[int] = set()
    prefixes = (1, 5, 9, 10, 15, 95, 99, 100, 105, 137, 499, 995, 999, 1000, 1005, 1371, 4999, 9995, 9999)
    for j in range(19):
        for p in prefixes:
            v = p * 10**j
            out.update((v - 1, v, v + 1, v // 2, -v))
    for k in range(64):  # binary units (tokens)
        out.update((2**k - 1, 2**k, 2**k + 1, 3 * 2**k, 1000 * 2**k))
    for places in (0, 1, 2):  # GiB: the halves between two rounded values, at each number of decimals
        for p in prefixes:
            half = (2 * p + 1) * 2**30 // (2 * 10**places)
            out.update((half - 1, half, half + 1))
    return out


def _integers(node_: Any) -> Iterator[int]:
    if isinstance(node_, bool):
        return
    if isinstance(node_, int):
        yield node_
    elif isinstance(node_, dict):
        for v in node_.values():
            yield from _integers(v)
    elif isinstance(node_, (list, tuple)):
        for v in node_:
            yield from _integers(v)


def registry_numbers() -> set[int]:
    """Every integer in every registry card and in its derived figures."""
    catalogs = load_catalogs()
    out: set[int] = set()
    paths = sorted((ROOT / "registry").glob("*/*.yaml"))
    assert len(paths) >= 60
    for path in paths:
        card = load_file(path).data
        assert card is not None, path
        out.update(_integers(card))
        out.update(_integers(derive(card, catalogs)))
    return out


def _to_js(v: int | float) -> int | float | str:
    return str(v) if isinstance(v, int) and abs(v) >= SAFE else v


def run_js(node: str, jobs: list[tuple[str, Any]]) -> list[str]:
    script = (
        f"const f = require({json.dumps(str(FORMAT_JS))});"
        "const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(jobs.map(j => f[j[0]](j[1]))));"
    )
    out = subprocess.run([node, "-e", script], input=json.dumps(jobs), capture_output=True,
                         text=True, check=True)
    result: list[str] = json.loads(out.stdout)
    return result


def check_equal(node: str, values: list[Any], kinds: tuple[str, ...]) -> int:
    # value() writes a string as it is, so integers too large for a JSON number in
    # JavaScript cannot reach it as integers: only the unit formatters take those.
    jobs = [(kind, v) for v in values for kind in kinds
            if not (kind == "value" and isinstance(v, int) and abs(v) >= SAFE)]
    python = [getattr(fmt, kind)(v) for kind, v in jobs]
    js = run_js(node, [(kind, _to_js(v)) for kind, v in jobs])
    diffs = [f"{kind}({v!r}): Python {p!r}, JavaScript {j!r}"
             for (kind, v), p, j in zip(jobs, python, js, strict=True) if p != j]
    assert not diffs, f"{len(diffs)} differences, first ones:\n" + "\n".join(diffs[:20])
    return len(jobs)


def test_js_formats_boundary_cases_like_python(node_exe):
    values = sorted(boundary_cases())
    assert check_equal(node_exe, values, KINDS) > 5000
    # Spot checks written out by hand, so that a rule broken in both languages fails too.
    got = dict(zip(["p", "p2", "g", "g2", "t", "t2", "t3"],
                   run_js(node_exe, [("params", 999_885_952), ("params", 9_996_000), ("gb", 9_996_000_000),
                           ("gb", 99_960_000_000), ("tokens", 1_000_000), ("tokens", 32_000),
                           ("tokens", 131_072)]), strict=True))
    assert got == {"p": "1.00B", "p2": "10.0M", "g": "10.0 GB", "g2": "100 GB",
                   "t": "1M", "t2": "32K", "t3": "128K"}
    # capacities in both units, by hand: 23.99 GiB (an RTX 4090 as vLLM reads it) = 25,757,220,864 bytes
    # = 25.757 GB and 23.988 GiB; 64 GiB = 68,719,476,736 bytes = 68.72 GB; 24e9 bytes = 22.35 GiB;
    # 1.5 GiB = 1,610,612,736 bytes = 1.61 GB; 999.5 GiB rounds up to 1,000 GiB (3 significant figures)
    got = run_js(node_exe, [("capacity", 25_757_220_864), ("capacity", 64 * 2**30), ("capacity", 24_000_000_000),
                            ("gib", 1_610_612_736), ("gib", 1999 * 2**29), ("capacity", None)])
    assert got == ["25.8 GB (24.0 GiB)", "68.7 GB (64.0 GiB)", "24.0 GB (22.4 GiB)", "1.50 GiB", "1,000 GiB",
                   "unknown"]


def test_js_rounds_float_bytes_like_python(node_exe):
    # Python's fmt.gb first rounds a float to whole bytes with round() (halves to even),
    # then to hundredths of a GB with halves up: 4,999,999.5 -> 5,000,000 (even) -> 0.01 GB,
    # 4,999,998.5 -> 4,999,998 (even) -> 0.00 GB.
    floats = [0.5, 1.5, 2.5, 4_999_999.5, 4_999_998.5, 2_500_000.0, 9.995e9, 1.3705e12, -4_999_999.5]
    check_equal(node_exe, floats, ("gb",))
    assert run_js(node_exe, [("gb", 4_999_999.5), ("gb", 4_999_998.5)]) == ["0.01 GB", "0.00 GB"]


def test_js_formats_every_registry_number_like_python(node_exe):
    values = sorted(registry_numbers())
    assert len(values) > 1000
    check_equal(node_exe, values, KINDS)


def test_js_value_matches_python_for_card_cells(node_exe):
    cells = [None, True, False, [], ["text", "image"], "BF16", 4096, 0, -3]
    check_equal(node_exe, cells, ("value",))


def test_js_formats_rates_and_ratios_like_python(node_exe):
    # floats near every rounding edge: x.x5 and x.5 in both ranges, the 10 tok/s switch, grouping
    floats = [0.0, 0.04, 0.05, 0.95, 1.25, 3.44, 3.45, 9.94, 9.95, 9.96, 10.0, 10.49, 10.5, 57.6, 999.5,
              1234.5, 12345.678, 3.254, 3.255, 2.005, 1e-9, 123456.789]
    check_equal(node_exe, floats, ("rate", "ratio"))
    # written out by hand: halves go up; below 10 tok/s one decimal, from 10 whole numbers, grouped
    got = run_js(node_exe, [("rate", 57.6), ("rate", 3.44), ("rate", 9.96), ("rate", 1234.5), ("ratio", 3.254),
                            ("ratio", 12.5), ("rate", None)])
    assert got == ["58 tok/s", "3.4 tok/s", "10.0 tok/s", "1,235 tok/s", "3.25×", "12.50×", "unknown"]


def test_js_words_the_context_that_fits_like_python(node_exe):
    # (tokens, fits): a number where one fits; "none" where the plan fits at no context (null, fits
    # false); "unknown" where it is not known (null without hardware: fits null), written out by hand
    cases = [(None, False), (None, None), (None, True), (8192, False), (131072, True), (39680, None)]
    want = ["none", "unknown", "unknown", "8K", "128K", "39,680"]
    assert [fmt.fitting_context(n, fits) for n, fits in cases] == want
    script = (f"const f = require({json.dumps(str(FORMAT_JS))});"
              f"process.stdout.write(JSON.stringify({json.dumps(cases)}.map(c => f.fittingContext(c[0], c[1]))));")
    out = subprocess.run([node_exe, "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == want
