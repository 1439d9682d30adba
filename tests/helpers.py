"""Helpers shared by the tests: paths, building the test registry, serving a site.

Importable as ``helpers`` from any test module or conftest (pyproject's
``[tool.pytest.ini_options] pythonpath`` puts ``tests/`` on ``sys.path``), so plain
``pytest`` and ``python -m pytest`` behave the same. Fixtures live in the conftest files;
this module holds plain functions and constants only.
"""

from __future__ import annotations

import errno
import functools
import http.server
import os
import queue
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "registry"
TEST_REGISTRY = ROOT / "tests" / "site" / "registry"
# One page of each type of the site built from TEST_REGISTRY (the accessibility and phone-width
# browser tests visit every one).
PAGE_TYPES = {
    "home": "",
    "models-index": "models/",
    "what-can-i-run": "what-can-i-run/",
    "model": "models/meta/llama-3.1-8b/",
    "model-moe": "models/mistralai/mixtral-8x7b/",
    "organization": "models/meta/",
    "compare": "compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b",
    "leaderboard": "leaderboard/",
    "methodology": "methodology/",
    "engine-accuracy": "engine-accuracy/",
    "api": "api/",
    "card-format": "card-format/",
}

# A card whose architecture is incomplete (only the declared total and active counts), kept
# outside the default test registry so the other tests' counts and orderings stay as they are.
INCOMPLETE_CARD = ROOT / "tests" / "site" / "extra" / "example" / "unreleased-moe.yaml"


def load_test_card(card_id: str) -> dict:
    """One card of the test registry (the site the browser tests build), as loaded."""
    from generator.load import load_file

    card = load_file(TEST_REGISTRY / f"{card_id}.yaml").data
    assert card is not None, card_id
    return card


def registry_card_ids() -> list[str]:
    """Every card id of the real registry, from the file names alone (cheap enough for
    ``parametrize`` at collection; the cards themselves are loaded by fixtures)."""
    return sorted(f"{p.parent.name}/{p.stem}" for p in REGISTRY.glob("*/*.yaml"))


def build(registry: Path, out: Path, quiet: bool = True) -> int:
    """``llmcards build`` of ``registry`` into ``out`` with the repository's mkdocs.yml."""
    from generator.commands.build import build_site

    return build_site(ROOT / "mkdocs.yml", registry, out, quiet=quiet)


# -- a static server for a built site (the browser tests) ---------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1; yields the base URL. The socket is bound to port 0 and
    kept open by the server, so the port cannot be taken by anyone else meanwhile."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def built_and_served(registry: Path, out: Path) -> Iterator[str]:
    """Build ``registry`` into ``out``, serve it, yield its URL, stop the server (for fixtures)."""
    assert build(registry, out) == 0
    with serve_directory(out) as url:
        yield url


# -- `mkdocs serve` (the development server) ----------------------------------------------

def get(url: str) -> str | None:
    """The body of ``url``, or None when the server does not answer (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except (urllib.error.URLError, OSError):
        return None


def _unused_port() -> int:
    # Only a candidate: another process may take it before mkdocs binds it. MkdocsServer
    # notices that (mkdocs exits with "address in use") and tries again with a new candidate.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_EOF = None
# Safety net against a hung process, never a speed check: mkdocs logs a line at least at
# every build step, so minutes without one means something is stuck.
_LINE_WAIT_S = 120


class MkdocsServer:
    """A real ``mkdocs serve`` in ``project`` on 127.0.0.1, driven by its log.

    Waiting is on conditions, not on the clock: the server is up when it logs
    "Serving on" (it binds only then, after the first build), and a rebuild is done when it
    logs "Reloading browsers". If the chosen port was taken in between, mkdocs exits with
    "address in use" and a new port is tried (a bounded number of times).
    """

    ATTEMPTS = 5

    def __init__(self, project: Path) -> None:
        self.project = project
        self.log: list[str] = []
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def __enter__(self) -> MkdocsServer:
        try:
            for _ in range(self.ATTEMPTS):
                first = len(self.log)
                self._start(_unused_port())
                if self.wait_for_log("Serving on"):
                    return self
                self._stop()
                if not any(_in_use(line) for line in self.log[first:]):
                    raise AssertionError("mkdocs serve did not start:\n" + self.text())
            raise AssertionError(f"mkdocs serve found no free port in {self.ATTEMPTS} tries:\n" + self.text())
        except BaseException:
            self._stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _start(self, port: int) -> None:
        self.port = port
        self._lines = queue.Queue()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=self.project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self._reader = threading.Thread(target=self._read, args=(self._proc, self._lines), daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(_EOF)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._reader is not None:
            self._reader.join()  # it stops at the end of the output, now that the process is gone
        assert proc.stdout is not None
        proc.stdout.close()

    def wait_for_log(self, needle: str) -> bool:
        """Read the server's log up to the next line containing ``needle``; False when it exits first."""
        while True:
            try:
                line = self._lines.get(timeout=_LINE_WAIT_S)
            except queue.Empty:
                raise AssertionError(f"mkdocs serve logged nothing for {_LINE_WAIT_S} s:\n" + self.text()) from None
            if line is _EOF:
                self._lines.put(_EOF)  # every later wait sees the exit too
                return False
            self.log.append(line)
            if needle in line:
                return True

    def text(self) -> str:
        return "\n".join(self.log)


def _in_use(line: str) -> bool:
    return os.strerror(errno.EADDRINUSE) in line or "Address already in use" in line
