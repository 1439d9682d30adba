"""Edit loop benchmark: from a card edit to its rebuilt page under `mkdocs serve`, at N synthetic cards.

    python bench/serve_bench.py [--cards 1000] [--edits 5]

Prints, in one run on the same registry:

* ``served``: a real `mkdocs serve` (its own process, 127.0.0.1): the time from
  writing the card file (a new ``name``) until a GET of that card's page returns
  the new name. This includes mkdocs' file watcher (it polls every 0.5 s, then
  waits 0.1 s for more changes), so about 0.35 s of it is the watcher;
* ``rebuild``: the plugin's own rebuild after the same kind of edit, in-process
  (``LLMCardsPlugin.refresh``: re-read the cards, redo the edited one, re-render
  the pages it touches);
* ``full build``: `llmcards build` of the same registry, for comparison.

Medians over ``--edits`` edits, with the minimum and maximum.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_bench import make_registry  # noqa: E402  (bench/ is not a package)


def project(base: Path, n: int) -> tuple[Path, Path]:
    """A copy of the site sources with N synthetic cards; (project dir, the card that gets edited)."""
    for name in ("mkdocs.yml", "CONTRIBUTING.md"):
        shutil.copy(ROOT / name, base / name)
    for name in ("site", "schema"):
        shutil.copytree(ROOT / name, base / name)
    make_registry(base, n)
    card = sorted((base / "registry").rglob("*.yaml"))[n // 2]
    return base, card


def rename(card: Path, name: str) -> None:
    lines = card.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [f"name: {name}\n" if line.startswith("name:") else line for line in lines]
    card.write_text("".join(lines), encoding="utf-8")


def page_url(card: Path, registry: Path) -> str:
    return "models/" + card.relative_to(registry).with_suffix("").as_posix() + "/"


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.read().decode()
    except (urllib.error.URLError, OSError):
        return ""


def _listening_port(pid: int) -> int | None:
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
        if fields[3] == "0A" and fields[9] in inodes:
            return int(fields[1].split(":")[1], 16)
    return None


def served(base: Path, card: Path, edits: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", "127.0.0.1:0"], cwd=base,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    ready = threading.Event()

    def read_log() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Serving on" in line:
                ready.set()

    threading.Thread(target=read_log, daemon=True).start()
    times = []
    try:
        if not ready.wait(600):
            sys.exit("mkdocs serve did not start")
        port = _listening_port(proc.pid)
        url = f"http://127.0.0.1:{port}/llmcards/" + page_url(card, base / "registry")
        for i in range(edits):
            time.sleep(1.0)
            marker = f"Edited {i} {time.time_ns()}"
            t0 = time.perf_counter()
            rename(card, marker)
            while marker not in _get(url):
                if time.perf_counter() - t0 > 120:
                    sys.exit("edit not served within 120 s")
                time.sleep(0.02)
            times.append(time.perf_counter() - t0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return times


def rebuilds(base: Path, card: Path, edits: int) -> list[float]:
    """The plugin's rebuild after an edit, in-process, driven as `mkdocs serve` drives it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    cfg = load_config(str(base / "mkdocs.yml"), site_dir=str(base / "served"))
    cfg.plugins.on_startup(command="serve", dirty=False)
    try:
        build(cfg)
        plugin = cfg.plugins["llmcards"]
        times = []
        for i in range(edits):
            rename(card, f"Rebuilt {i}")
            t0 = time.perf_counter()
            if not plugin.refresh():
                sys.exit("refresh() asked for a full build")
            times.append(time.perf_counter() - t0)
        return times
    finally:
        cfg.plugins.on_shutdown()


def full_build(base: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", "build", "--registry", str(base / "registry"),
                           "--config", str(base / "mkdocs.yml"), "--out", str(base / "public"), "--quiet"],
                          cwd=base, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False)
    if proc.returncode != 0:
        sys.exit("llmcards build failed")
    return time.perf_counter() - t0


def _stats(times: list[float]) -> str:
    return f"{statistics.median(times):7.3f} s  (min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmcards-serve-bench-") as tmp:
        base, card = project(Path(tmp), args.cards)
        print(f"{args.cards} cards; editing {card.relative_to(base)}", flush=True)
        print(f"served  (edit -> page served):  {_stats(served(base, card, args.edits))}", flush=True)
        print(f"rebuild (in-process refresh):   {_stats(rebuilds(base, card, args.edits))}", flush=True)
        print(f"full build (llmcards build):    {full_build(base):7.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
