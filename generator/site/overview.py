"""Home-page overview of the registry (pure: index rows in, template data out)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

OVERVIEW_MARKER = "<!-- llmcards:overview -->"


def overview(rows: Sequence[Mapping[str, Any]], limit: int = 5) -> dict[str, Any]:
    """Counts, organizations, newest models and longest contexts, from models-index rows."""
    orgs: dict[str, dict[str, Any]] = {}
    for r in rows:
        o = orgs.setdefault(r["org_slug"], {"slug": r["org_slug"], "name": r["organization"], "count": 0})
        o["count"] += 1
    dated = [r for r in rows if r.get("release_date")]
    # Dates are YYYY, YYYY-MM or YYYY-MM-DD strings: text order is date order
    # (a year alone sorts before any month of that year).
    newest = sorted(dated, key=lambda r: (str(r["release_date"]), r["name"].lower()), reverse=True)[:limit]
    with_ctx = [r for r in rows if r.get("context")]
    longest = sorted(with_ctx, key=lambda r: (-r["context"], r["name"].lower()))[:limit]
    largest = sorted((r for r in rows if r.get("total")), key=lambda r: (-r["total"], r["name"].lower()))[:limit]
    return {
        "models": len(rows),
        "organizations": sorted(orgs.values(), key=lambda o: (-o["count"], o["name"].lower())),
        "open_weights": sum(1 for r in rows if r.get("open_weights")),
        "moe": sum(1 for r in rows if r.get("arch") == "moe"),
        "newest": newest,
        "longest_context": longest,
        "largest": largest,
    }
