"""Display formatting. Numbers stay exact until here; rounding happens once, at display."""

from __future__ import annotations

DASH = "—"


def _round_half_up(n: int, div: int) -> int:
    """round(n / div) for n >= 0, halves up (Python's round() goes to even)."""
    return (n + div // 2) // div


def params(n: int | None) -> str:
    """Three significant figures with a K/M/B/T unit: 8030261248 -> '8.03B'; None -> '—'.

    Rounding happens before the unit is chosen, so 999,885,952 becomes '1.00B'
    (not '1000M') and 9,996,000 becomes '10.0M' (not '10.00M').
    """
    if n is None:
        return DASH
    sign, n = ("-" if n < 0 else ""), abs(int(n))
    if n < 1000:
        return f"{sign}{n}"
    e = len(str(n)) - 3                      # n ~ m * 10**e with m of three digits
    m = _round_half_up(n, 10**e)
    if m == 1000:                            # 999.5 -> 1000: one more digit of magnitude
        m, e = 100, e + 1
    unit_exp = min(12, (e + 2) // 3 * 3)     # leading digit is 10**(e+2)
    unit = {3: "K", 6: "M", 9: "B", 12: "T"}[unit_exp]
    shift = e - unit_exp                     # -2, -1, 0 (or > 0 beyond 'T')
    if shift == -2:
        text = f"{m // 100}.{m % 100:02d}"
    elif shift == -1:
        text = f"{m // 10}.{m % 10}"
    else:
        text = str(m * 10**shift)
    return f"{sign}{text}{unit}"


def exact(n: int | None) -> str:
    """8030261248 -> '8,030,261,248'."""
    return DASH if n is None else f"{n:,}"


def gb(n_bytes: int | float | None) -> str:
    """Bytes -> decimal gigabytes (10^9): '5.90 GB', '17.0 GB', '1,370 GB'.

    The number of decimals follows the rounded value, so 9,996,000,000 bytes is
    '10.0 GB' (not '10.00 GB'). Halves round up, like Math.round in calculator.js.
    """
    if n_bytes is None:
        return DASH
    n = int(round(n_bytes))
    if n < 0:
        return "-" + gb(-n)
    centi = _round_half_up(n, 10**7)
    if centi < 1000:
        return f"{centi // 100}.{centi % 100:02d} GB"
    deci = _round_half_up(n, 10**8)
    if deci < 1000:
        return f"{deci // 10}.{deci % 10} GB"
    return f"{_round_half_up(n, 10**9):,} GB"


def tokens(n: int | None) -> str:
    """131072 -> '128K'; 1000000 -> '1M'."""
    if n is None:
        return DASH
    if n >= 2**20 and n % 2**20 == 0:
        return f"{n // 2**20}M"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024}K"
    if n >= 10**6 and n % 10**6 == 0:
        return f"{n // 10**6}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}K"
    return f"{n:,}"


def value(v: object) -> str:
    """Generic cell: None -> '—', bools -> yes/no, lists joined."""
    if v is None:
        return DASH
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v) if v else DASH
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
