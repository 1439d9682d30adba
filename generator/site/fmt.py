"""Display formatting. Numbers stay exact until here; rounding happens once, at display."""

from __future__ import annotations

DASH = "—"


def params(n: int | None) -> str:
    """8030261248 -> '8.03B'; None -> '—'."""
    if n is None:
        return DASH
    for size, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= size:
            value = n / size
            digits = 2 if value < 10 else 1 if value < 100 else 0
            return f"{value:.{digits}f}{unit}"
    return str(n)


def exact(n: int | None) -> str:
    """8030261248 -> '8,030,261,248'."""
    return DASH if n is None else f"{n:,}"


def gb(n_bytes: int | float | None) -> str:
    """Bytes -> decimal gigabytes (10^9), two significant decimals below 10 GB."""
    if n_bytes is None:
        return DASH
    value = n_bytes / 1e9
    if value < 10:
        return f"{value:.2f} GB"
    if value < 100:
        return f"{value:.1f} GB"
    return f"{value:,.0f} GB"


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
