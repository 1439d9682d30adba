"""A real `mkdocs serve` with an invalid card keeps answering, shows the located errors, and recovers.

The server binds port 0 and the test reads the port it got from /proc (no port
is picked, freed and reused). Takes several seconds.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers import ROOT, TEST_REGISTRY

PAGE = "llmcards/models/meta/llama-3.1-8b/"   # site_url in mkdocs.yml ends in /llmcards/
HOME = "llmcards/"


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
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


def _listening_port(pid: int) -> int | None:
    """The TCP port process ``pid`` listens on (Linux /proc), or None."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:     # 0A: LISTEN
            return int(fields[1].split(":")[1], 16)
    return None


@pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="reads the server's port from Linux /proc")
def test_invalid_card_keeps_serving_and_recovers(tmp_path: Path):
    for name in ("mkdocs.yml", "CONTRIBUTING.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("site", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(TEST_REGISTRY / "meta", tmp_path / "registry" / "meta")
    card = tmp_path / "registry" / "meta" / "llama-3.1-8b.yaml"
    good = card.read_text(encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", "127.0.0.1:0"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    log: list[str] = []
    try:
        base = None
        end = time.monotonic() + 60
        while base is None and time.monotonic() < end:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            log.append(line)
            if "Serving on" in line:
                port = _listening_port(proc.pid)
                base = f"http://127.0.0.1:{port}/" if port else None
        assert base, "server did not come up:\n" + "".join(log)
        assert _wait_for(base + PAGE, '<h1 id="model-name">Llama 3.1 8B</h1>', 30)

        card.write_text(good.replace("layers: 32", "layers: many"), encoding="utf-8")
        # the server answers (it does not hang) and the page says what is wrong, and where
        assert _wait_for(base + HOME, 'id="llmc-errors"', 30), "no error banner"
        home = _get(base + HOME) or ""
        assert "registry/meta/llama-3.1-8b.yaml:" in home and "architecture.layers" in home
        page = _get(base + PAGE) or ""
        assert 'id="llmc-errors"' in page and '<h1 id="model-name">Llama 3.1 8B</h1>' in page

        card.write_text(good.replace("\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Fixed\n"), encoding="utf-8")
        assert _wait_for(base + PAGE, '<h1 id="model-name">Llama 3.1 8B Fixed</h1>', 30), "fix not picked up"
        assert 'id="llmc-errors"' not in (_get(base + HOME) or "")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # the console got the located error too
    while not lines.empty():
        log.append(lines.get())
    assert any("llama-3.1-8b.yaml:" in line and "architecture.layers" in line for line in log), "".join(log)
