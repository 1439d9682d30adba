"""Display formatting. Numbers stay exact until here; rounding happens once, at display.

The rules (units, significant digits, decimals) are the constants below. The
browser formats with the same rules: site/assets/js/format-rules.js is generated
from ``rules()`` (``python -m generator.site.fmt``) and site/assets/js/format.js
applies them with integer (BigInt) arithmetic. tests/site/test_format_js.py checks
that the generated file is current and that both languages give the same strings.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Missing values, one wording on every page (and in format.js): UNKNOWN when the fact is
# not known (not in the card, not derivable), NOT_APPLICABLE when it does not apply to this
# model (expert counts of a dense model), MORE_THAN for a count past a calculator's bound
# ("more than 64" devices).
UNKNOWN = "unknown"
NOT_APPLICABLE = "n/a"
# NONE: a figure that is known to be nothing, where "unknown" would mislead (the longest context
# that fits on hardware where no context fits).
NONE = "none"
MORE_THAN = "more than {n}"
DASH = UNKNOWN   # the old name of the missing-value text, kept for callers: it is "unknown", no dash
THOUSANDS = ","
# Parameter counts: PARAM_DIGITS significant figures with the largest unit (a power
# of ten and its suffix) not above the rounded value; plain integers below the first.
PARAM_UNITS: tuple[tuple[int, str], ...] = ((3, "K"), (6, "M"), (9, "B"), (12, "T"))
PARAM_DIGITS = 3
# Bytes in decimal gigabytes: at most GB_DIGITS significant figures with up to
# GB_MAX_DECIMALS decimals (5.90 GB, 17.0 GB), whole gigabytes from then on (1,370 GB).
GB_BYTES = 10**9
GB_UNIT = " GB"
GB_DIGITS = 3
GB_MAX_DECIMALS = 2
# Bytes in binary gibibytes (2^30), by the same digits and decimals: the unit memory is sold in
# (a "24 GB" card holds 24 GiB, "32 GB" of RAM are 32 GiB) and engines print (vLLM GiB, llama.cpp MiB).
GIB_BYTES = 2**30
GIB_UNIT = " GiB"
# A device's or the RAM's capacity: both units, so that "25.8 GB" is seen to be the "24 GB" card's 24.0 GiB.
CAPACITY = "{gb} ({gib})"
# Token counts: the first unit that divides the count exactly (131072 -> 128K,
# 1000000 -> 1M); otherwise the integer with thousands separators.
TOKEN_UNITS: tuple[tuple[int, str], ...] = ((2**20, "M"), (2**10, "K"), (10**6, "M"), (10**3, "K"))
# Rates (tokens per second, a float): whole numbers from RATE_WHOLE_FROM on, else
# RATE_DECIMALS decimals (58 tok/s, 3.4 tok/s). Ratios (vLLM's maximum concurrency):
# RATIO_DECIMALS decimals and RATIO_UNIT, as vLLM prints it (3.25x).
RATE_UNIT = " tok/s"
RATE_WHOLE_FROM = 10
RATE_DECIMALS = 1
RATIO_UNIT = "×"
RATIO_DECIMALS = 2

RULES_JS = "site/assets/js/format-rules.js"  # relative to the repository root


def more_than(n: int) -> str:
    """A count past a bound: more_than(64) -> 'more than 64'."""
    return MORE_THAN.format(n=_grouped(n))


def missing() -> dict[str, str]:
    """The missing-value words, for templates (``missing.unknown`` / ``missing.na``)."""
    return {"unknown": UNKNOWN, "na": NOT_APPLICABLE}


def _round_half_up(n: int, div: int) -> int:
    """round(n / div) for n >= 0, halves up (Python's round() goes to even)."""
    return (n + div // 2) // div


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", THOUSANDS)


def _decimals(scaled: int, places: int) -> str:
    """scaled / 10**places written with exactly ``places`` decimals (scaled >= 0)."""
    if places <= 0:
        return str(scaled * 10**-places)
    return f"{scaled // 10**places}.{scaled % 10**places:0{places}d}"


def params(n: int | None) -> str:
    """Three significant figures with a K/M/B/T unit: 8030261248 -> '8.03B'; None -> 'unknown'.

    Rounding happens before the unit is chosen, so 999,885,952 becomes '1.00B'
    (not '1000M') and 9,996,000 becomes '10.0M' (not '10.00M').
    """
    if n is None:
        return DASH
    sign, n = ("-" if n < 0 else ""), abs(int(n))
    if n < 10 ** PARAM_UNITS[0][0]:
        return f"{sign}{n}"
    e = max(len(str(n)) - PARAM_DIGITS, 0)   # n ~ m * 10**e with m of PARAM_DIGITS digits
    m = _round_half_up(n, 10**e)
    if m == 10**PARAM_DIGITS:                # 999.5 -> 1000: one more digit of magnitude
        m, e = m // 10, e + 1
    lead = e + PARAM_DIGITS - 1              # the leading digit is 10**lead
    unit_exp, unit = max((u for u in PARAM_UNITS if u[0] <= lead), key=lambda u: u[0])
    return f"{sign}{_decimals(m, unit_exp - e)}{unit}"


def exact(n: int | None) -> str:
    """8030261248 -> '8,030,261,248'."""
    return DASH if n is None else _grouped(n)


def _sized(n_bytes: int | float | None, unit_bytes: int, unit: str) -> str:
    """Bytes in ``unit_bytes`` units, at most GB_DIGITS significant figures with up to
    GB_MAX_DECIMALS decimals, whole units from then on; halves up (a float is first rounded
    to whole bytes by round(), halves to even)."""
    if n_bytes is None:
        return DASH
    n = int(round(n_bytes))
    if n < 0:
        return "-" + _sized(-n, unit_bytes, unit)
    for places in range(GB_MAX_DECIMALS, 0, -1):
        scaled = _round_half_up(n * 10**places, unit_bytes)
        if scaled < 10**GB_DIGITS:
            return _decimals(scaled, places) + unit
    return _grouped(_round_half_up(n, unit_bytes)) + unit


def gb(n_bytes: int | float | None) -> str:
    """Bytes -> decimal gigabytes (10^9): '5.90 GB', '17.0 GB', '1,370 GB'.

    The number of decimals follows the rounded value, so 9,996,000,000 bytes is
    '10.0 GB' (not '10.00 GB'). Halves round up. A float is first rounded to whole
    bytes by round() (halves to even).
    """
    return _sized(n_bytes, GB_BYTES, GB_UNIT)


def gib(n_bytes: int | float | None) -> str:
    """Bytes -> binary gibibytes (2^30), as gb() rounds: 25757220864 -> '24.0 GiB'."""
    return _sized(n_bytes, GIB_BYTES, GIB_UNIT)


def capacity(n_bytes: int | float | None) -> str:
    """A memory capacity in both units: 25757220864 -> '25.8 GB (24.0 GiB)'; None -> 'unknown'."""
    return DASH if n_bytes is None else CAPACITY.format(gb=gb(n_bytes), gib=gib(n_bytes))


def gb_exact(n_bytes: int | None, unit: str = "GB") -> str:
    """A catalog figure in decimal units of 10^9 bytes, exact, as the vendor states it:
    24000000000 -> '24 GB'; 3350000000000 with 'GB/s' -> '3,350 GB/s'; 4800000000 -> '4.8 GB'."""
    if n_bytes is None:
        return DASH
    whole, rest = divmod(abs(int(n_bytes)), GB_BYTES)
    sign = "-" if n_bytes < 0 else ""
    fraction = str(rest).rjust(len(str(GB_BYTES)) - 1, "0").rstrip("0")
    return f"{sign}{_grouped(whole)}{'.' + fraction if fraction else ''} {unit}"


def fitting_context(n: int | None, fits: bool | None) -> str:
    """The longest context that fits (a plan's max_context_that_fits, "null when none or no hardware"):
    tokens(n); NONE where none fits (n None, ``fits`` False: the plan does not fit at any context);
    UNKNOWN otherwise (no hardware chosen)."""
    return NONE if n is None and fits is False else tokens(n)


def tokens(n: int | None) -> str:
    """131072 -> '128K'; 1000000 -> '1M'; 1000 -> '1K'; 1500 -> '1,500'."""
    if n is None:
        return DASH
    for size, unit in TOKEN_UNITS:
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return _grouped(n)


def fixed(x: float | None, places: int) -> str:
    """A float with exactly ``places`` decimals, halves up, thousands grouped: 1234.56 -> '1,234.6' (1).

    The scaling is one float multiplication and floor(), which JavaScript does identically.
    """
    if x is None:
        return DASH
    if x < 0:
        return "-" + fixed(-x, places)
    scaled = math.floor(x * 10**places + 0.5)
    if places <= 0:
        return _grouped(scaled)
    whole, frac = divmod(scaled, 10**places)
    return f"{_grouped(whole)}.{frac:0{places}d}"


def rate(x: float | None) -> str:
    """Tokens per second: 57.6 -> '58 tok/s', 3.44 -> '3.4 tok/s'; None -> 'unknown'."""
    if x is None:
        return DASH
    return fixed(x, 0 if x >= RATE_WHOLE_FROM else RATE_DECIMALS) + RATE_UNIT


def ratio(x: float | None) -> str:
    """A ratio such as vLLM's maximum concurrency: 3.254 -> '3.25×'; None -> 'unknown'."""
    return DASH if x is None else fixed(x, RATIO_DECIMALS) + RATIO_UNIT


def value(v: object) -> str:
    """Generic cell: None -> 'unknown', bools -> yes/no, lists joined."""
    if v is None:
        return DASH
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v) if v else DASH
    if isinstance(v, int):
        return _grouped(v)
    return str(v)


def rules() -> dict[str, Any]:
    """The constants above, for site/assets/js/format.js."""
    return {
        "dash": DASH,
        "missing": {"unknown": UNKNOWN, "na": NOT_APPLICABLE, "none": NONE, "more_than": MORE_THAN},
        "thousands": THOUSANDS,
        "params": {"units": [list(u) for u in PARAM_UNITS], "digits": PARAM_DIGITS},
        "gb": {"bytes": GB_BYTES, "unit": GB_UNIT, "digits": GB_DIGITS, "max_decimals": GB_MAX_DECIMALS},
        "gib": {"bytes": GIB_BYTES, "unit": GIB_UNIT, "digits": GB_DIGITS, "max_decimals": GB_MAX_DECIMALS},
        "capacity": CAPACITY,
        "tokens": {"units": [list(u) for u in TOKEN_UNITS]},
        "rate": {"unit": RATE_UNIT, "whole_from": RATE_WHOLE_FROM, "decimals": RATE_DECIMALS},
        "ratio": {"unit": RATIO_UNIT, "decimals": RATIO_DECIMALS},
    }


def rules_js() -> str:
    """The text of site/assets/js/format-rules.js."""
    entries = [f"    {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(rules().items())]
    body = "{\n" + ",\n".join(entries) + "\n  }"
    return (
        "/* Generated from generator/site/fmt.py by `python -m generator.site.fmt`: do not edit.\n"
        " * tests/site/test_format_js.py fails when this file differs from what fmt.py generates. */\n"
        "(function (root) {\n"
        "  \"use strict\";\n"
        f"  var rules = {body};\n"
        "  if (typeof module !== \"undefined\" && module.exports) { module.exports = rules; }\n"
        "  if (root) { root.LLMCardsFormatRules = rules; }\n"
        "})(typeof window !== \"undefined\" ? window : (typeof globalThis !== \"undefined\" ? globalThis : null));\n"
    )


if __name__ == "__main__":
    # python -m generator.site.fmt > site/assets/js/format-rules.js
    import sys

    sys.stdout.write(rules_js())
