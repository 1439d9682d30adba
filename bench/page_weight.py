"""Page weight: what a reader's browser downloads for a page's first view, on the real registry.

    python bench/page_weight.py [--site public] [--pages N]

Builds nothing: point it at a built site (``llmcards build`` writes ``public/``). Serves it on
127.0.0.1, opens the N model pages with the largest HTML (the heaviest embedded data) and the home
page in Debian's chromium at 1280 and 390 px, waits until the network is idle and prints, per page,
the bytes transferred (each response gzip-compressed at level 6, as a static host sends it; the
search index, loaded only when the search opens, left out), the number of requests and the three
largest responses. The baseline in the same run: the home page, which carries no model data.
Issue 11's bound: a model page's first view under 200 KB.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = os.environ.get("LLMCARDS_CHROMIUM", "/usr/bin/chromium")
SEARCH_INDEX = "search/search_index.json"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", default="public", help="a built site (default: public)")
    ap.add_argument("--pages", type=int, default=5, help="model pages to open, largest HTML first")
    args = ap.parse_args(argv)
    root = Path(args.site)
    models = sorted((root / "models").glob("*/*/index.html"), key=lambda p: p.stat().st_size, reverse=True)
    if not models:
        print(f"{root}: no built model pages (run `llmcards build` first)", file=sys.stderr)
        return 2
    paths = [""] + [str(p.parent.relative_to(root)) + "/" for p in models[: args.pages]]
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    print(f"{'page':50} {'width':>5} {'KB sent':>8} {'requests':>8}  largest responses (KB)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for path in paths:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 800})
                responses: list = []
                page.on("response", lambda r, out=responses: out.append(r))
                page.goto(base + path, wait_until="networkidle")
                sizes = sorted(((len(gzip.compress(r.body(), 6)), urlparse(r.url).path) for r in responses
                                if r.status == 200 and SEARCH_INDEX not in r.url), reverse=True)
                total = sum(s for s, _ in sizes)
                top = ", ".join(f"{u.rsplit('/', 2)[-2] if u.endswith('/') else u.rsplit('/', 1)[-1]} {s / 1000:.1f}"
                                for s, u in sizes[:3])
                print(f"{path or '(home)':50} {width:>5} {total / 1000:>8.1f} {len(responses):>8}  {top}")
                page.close()
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
