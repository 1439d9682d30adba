"""`mkdocs serve` rebuilds when a card changes (the registry is watched by the plugin).

Runs the real development server on a copy of the site sources and the test
registry, on a free 127.0.0.1 port; takes a few seconds.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.site.conftest import ROOT, TEST_REGISTRY

PAGE = "llmcards/models/meta/llama-3.1-8b/"   # site_url in mkdocs.yml ends in /llmcards/


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode()
    except (urllib.error.URLError, OSError):
        return None


def _wait_for(url: str, needle: str, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        text = _get(url)
        if text is not None and needle in text:
            return True
        time.sleep(0.2)
    return False


def test_serve_picks_up_card_edit(tmp_path: Path):
    for name in ("mkdocs.yml", "CONTRIBUTING.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("site", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(TEST_REGISTRY / "meta", tmp_path / "registry" / "meta")
    card = tmp_path / "registry" / "meta" / "llama-3.1-8b.yaml"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/{PAGE}"
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(url, '<h1 id="model-name">Llama 3.1 8B</h1>', 30), "server did not come up"
        text = card.read_text(encoding="utf-8")
        assert "\nname: Llama 3.1 8B\n" in text
        card.write_text(text.replace("\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Edited\n"), encoding="utf-8")
        assert _wait_for(url, '<h1 id="model-name">Llama 3.1 8B Edited</h1>', 15), "card edit not picked up"
        assert "Llama 3.1 8B Edited" in (_get(f"http://127.0.0.1:{port}/llmcards/models/") or "")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
