"""A seeded mutation fuzzer for `llmcards validate` (used by tests/test_fuzz.py and bench/fuzz.py).

Each mutant is a real registry card changed one way: a value swapped for an
extreme or odd one (structure), or the text itself damaged or given unusual
YAML (text). For every mutant, `generator.cli.main(["validate", ...])` runs in
this process and the promises of the README are checked:

* the exit code is 0 or 1, with no traceback and no "internal error";
* every error line names the file and a line and column (text, json and github
  formats), and the whole output can be written to a UTF-8 terminal;
* exit 0 exactly when no error line was printed;
* a card that passes also survives the build's per-card steps: the calculator's
  derive, the page contexts and the exports ("validate passes, then the build
  crashes" is a failure too).

``run(seed, count, workdir)`` returns a ``Summary``; its ``failures`` list one
line per broken promise, naming the mutation, so a failure can be rebuilt.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from generator.cli import main
from generator.load import MAX_BYTES, load_file

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "registry"

# Values a field can be swapped for (structure mutations).
SPECIAL_VALUES: list[Any] = [
    0, -1, 1, 2**63, 10**400, 10**4000, 1e308, -1e308, float("nan"), float("inf"), float("-inf"),
    0.5, 5.0, 32.0, 9.0, True, False, None, "", " ", "x" * 100_000, "\u202eevil", "a\x00b", "a\u200db",
    "\ud800", "\U0001f600", "\x1b[31mred", "line\nbreak", "2099-01-01", "2024", "1,000", "128k",
    [], {}, [1, 2], {"a": 1}, [[[[]]]], "<script>alert(1)</script>",
]

# Whole-text mutations: name -> function(text, rng) -> bytes.
TextMutation = Callable[[str, random.Random], bytes]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _random_line(text: str, rng: random.Random) -> int:
    lines = _lines(text)
    return rng.randrange(len(lines))


def _insert_at(text: str, rng: random.Random, what: str) -> bytes:
    i = rng.randrange(len(text) + 1)
    return (text[:i] + what + text[i:]).encode("utf-8", "surrogatepass")


def _replace_a_value(text: str, rng: random.Random, new: str) -> bytes:
    """Replace the value of a random `key: value` line with ``new`` (written as is)."""
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if re.match(r"\s*[A-Za-z_]+: \S", line)]
    i = rng.choice(candidates)
    key = lines[i].split(":", 1)[0]
    lines[i] = f"{key}: {new}"
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _duplicate_line(text: str, rng: random.Random) -> bytes:
    lines = _lines(text)
    i = _random_line(text, rng)
    lines.insert(i, lines[i])
    return "\n".join(lines).encode()


def _shift_indent(text: str, rng: random.Random) -> bytes:
    lines = _lines(text)
    i = _random_line(text, rng)
    lines[i] = rng.choice([" ", "   ", "\t", ""]) + lines[i].lstrip(" ") if rng.random() < 0.5 else " " + lines[i]
    return "\n".join(lines).encode()


def _flip_byte(text: str, rng: random.Random) -> bytes:
    raw = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(raw))
        raw[i] = rng.randrange(256)
    return bytes(raw)


def _deep(text: str, rng: random.Random) -> bytes:
    depth = rng.choice([18, 19, 20, 21, 200, 5000, 200_000])
    opener, closer = rng.choice([("[", "]"), ("{a: ", "}")])
    return (text + f"\nnotes: {opener * depth}{closer * depth}\n").encode()


TEXT_MUTATIONS: dict[str, TextMutation] = {
    "bom": lambda t, r: b"\xef\xbb\xbf" + t.encode(),
    "double-bom": lambda t, r: b"\xef\xbb\xbf\xef\xbb\xbf" + t.encode(),
    "crlf": lambda t, r: t.replace("\n", "\r\n").encode(),
    "cr-only": lambda t, r: t.replace("\n", "\r").encode(),
    "tab-indent": lambda t, r: t.replace("\n  ", "\n\t", 1).encode(),
    "nul": lambda t, r: _insert_at(t, r, "\x00"),
    "control": lambda t, r: _insert_at(t, r, r.choice(["\x07", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff"])),
    "lone-surrogate-escape": lambda t, r: _replace_a_value(t, r, '"\\ud800"'),
    "nul-escape": lambda t, r: _replace_a_value(t, r, r.choice(['"\\0"', '"\\x00"', '"a\\u202eb"'])),
    "bad-escape": lambda t, r: _replace_a_value(t, r, '"\\q"'),
    "invalid-utf8": lambda t, r: t.encode()[: len(t) // 2] + b"\xff\xfe" + t.encode()[len(t) // 2:],
    "utf16": lambda t, r: t.encode("utf-16"),
    "second-document": lambda t, r: (t + "\n---\nid: x/y\n").encode(),
    "directive": lambda t, r: ("%YAML 1.1\n---\n" + t).encode(),
    "anchor-alias": lambda t, r: (t + "\nnotes: &n hello\nextra: *n\n").encode(),
    "merge-key": lambda t, r: (t + "\nbase: &b {a: 1}\nother:\n  <<: *b\n").encode(),
    "python-tag": lambda t, r: _replace_a_value(t, r, "!!python/object/apply:os.system ['touch /tmp/pwned']"),
    "binary-tag": lambda t, r: _replace_a_value(t, r, "!!binary aGVsbG8="),
    "timestamp-tag": lambda t, r: _replace_a_value(t, r, "!!timestamp 2024-01-01"),
    "set-tag": lambda t, r: _replace_a_value(t, r, "!!set {a, b}"),
    "omap-tag": lambda t, r: _replace_a_value(t, r, "!!omap [a: 1]"),
    "custom-tag": lambda t, r: _replace_a_value(t, r, "!custom 3"),
    "int-tag": lambda t, r: _replace_a_value(t, r, r.choice(["!!int '7'", "!!int x", "!!float 1", "!!bool yes", "!!null ''"])),
    "tag-on-key": lambda t, r: ("!!str id2: x\n" + t).encode(),
    "complex-key": lambda t, r: (t + "\n? [a, b]\n: c\n").encode(),
    "duplicate-line": _duplicate_line,
    "truncate": lambda t, r: t.encode()[: r.randrange(len(t))],
    "empty": lambda t, r: r.choice([b"", b"\n", b"# only a comment\n", b"---\n", b"~\n", b"[]\n", b"42\n"]),
    "deep-nesting": _deep,
    "unclosed-bracket": lambda t, r: (t + "\nnotes: [a, b\n").encode(),
    "long-line": lambda t, r: (t + "\nnotes: " + "y" * 250_000 + "\n").encode(),
    "oversized": lambda t, r: (t + "\n# " + "z" * (MAX_BYTES + 10) + "\n").encode(),
    "flip-bytes": _flip_byte,
    "indent-shift": _shift_indent,
    "huge-integer-text": lambda t, r: _replace_a_value(t, r, "9" * r.choice([401, 4300, 4301, 4401, 20_000])),
    "huge-float-text": lambda t, r: _replace_a_value(t, r, r.choice(["1e400", "-1e400", "1.0e+308", ".inf", ".nan", "1e-400"])),
    "block-scalar": lambda t, r: _replace_a_value(t, r, "|\n  multi\n  line"),
    "unknown-keys": lambda t, r: (t + "\n" + "".join(f"k{i}: {i}\n" for i in range(2000))).encode(),
    "long-key": lambda t, r: (t + "\n" + "k" * 100_000 + ": 1\n").encode(),
    "newline-key": lambda t, r: (t + '\n"name\\n": x\n').encode(),
}


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def structure_mutation(data: dict[str, Any], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """Change one place in a copy of ``data``: delete, rename or retype a key, or swap a value."""
    data = json.loads(json.dumps(data))  # a deep copy of plain values
    paths = [p for p in _paths(data) if p]
    numbers = [p for p in paths if type(_parent(data, p)[p[-1]]) in (int, float)]
    # Half the time a number: the cross-field checks and the calculator do arithmetic on them.
    path = rng.choice(numbers if numbers and rng.random() < 0.5 else paths)
    parent, last = _parent(data, path), path[-1]
    kind = rng.choice(["value", "value", "value", "delete", "rename", "wrap", "duplicate-item"])
    if kind == "delete":
        del parent[last]
    elif kind == "rename" and isinstance(last, str):
        new = rng.choice([last + "s", last[:-1], last.upper(), last + "\u200b", "\u202e" + last, last + "\n", ""])
        parent[new] = parent.pop(last)
        kind = f"rename to {new!r}"
    elif kind == "wrap":
        parent[last] = rng.choice([[parent[last]], {"value": parent[last]}])
    elif kind == "duplicate-item" and isinstance(parent, list):
        parent.insert(last, json.loads(json.dumps(parent[last])))
    else:
        value = rng.choice(SPECIAL_VALUES)
        parent[last] = value
        shown = repr(value)
        kind = f"value {shown if len(shown) <= 60 else shown[:57] + '...'}"
    where = ".".join(str(p) for p in path)
    return f"structure {where}: {kind}", data


def _dump(data: dict[str, Any]) -> bytes:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**9)
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Mutant:
    card_id: str
    description: str
    content: bytes


def real_cards(registry: Path = REGISTRY) -> list[tuple[str, str]]:
    """(id, text) of every card in the registry, sorted by id."""
    cards = []
    for path in sorted(registry.glob("*/*.yaml")):
        cards.append((f"{path.parent.name}/{path.stem}", path.read_text(encoding="utf-8")))
    return cards


def mutants(seed: int, count: int, cards: list[tuple[str, str]]) -> Iterator[Mutant]:
    """``count`` mutants, the same ones for the same seed: half structure, half text mutations."""
    rng = random.Random(seed)
    parsed: dict[str, dict[str, Any]] = {}
    names = sorted(TEXT_MUTATIONS)
    for i in range(count):
        card_id, text = rng.choice(cards)
        if i % 2 == 0:
            if card_id not in parsed:
                loaded = load_file_text(text)
                parsed[card_id] = loaded
            description, data = structure_mutation(parsed[card_id], rng)
            try:
                content = _dump(data)
            except (yaml.YAMLError, ValueError, UnicodeError):
                continue  # PyYAML cannot write this value: nothing to test
        else:
            name = names[(i // 2) % len(names)] if i < 2 * len(names) else rng.choice(names)
            description, content = f"text {name}", TEXT_MUTATIONS[name](text, rng)
        yield Mutant(card_id, description, content)


def load_file_text(text: str) -> dict[str, Any]:
    from generator.load import load_text

    loaded = load_text(text, "card.yaml")
    assert loaded.data is not None, loaded.errors
    return loaded.data


@dataclass
class Summary:
    mutants: int = 0
    runs: int = 0
    accepted: int = 0
    rejected: int = 0
    built: int = 0
    by_format: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


_LOCATED = r":[1-9][0-9]*:[1-9][0-9]*: "


def _gh_escape_prop(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace(":", "%3A").replace(",", "%2C")


def _text_display(path: str) -> str:
    """The file name as the text format must show it: control characters escaped."""
    from generator.errors import one_line

    return one_line(path)


def check_output(fmt: str, display: str, rc: int, out: str, err: str) -> list[str]:
    """Broken promises in one run's output (empty when all is well)."""
    problems = []
    both = out + err
    if rc not in (0, 1):
        problems.append(f"exit code {rc}")
    if "Traceback" in both:
        problems.append("a traceback was printed")
    if "internal error" in both:
        cause = re.search(r"internal error[^(]*\((.*?)\)[;:]", both)
        problems.append(f"internal error: {cause.group(1)[:160] if cause else both[:160]!s}")
    try:
        both.encode("utf-8")
    except UnicodeEncodeError as exc:
        problems.append(f"output cannot be written as UTF-8 ({exc.reason})")
    lines = [line for line in out.splitlines() if line]
    if fmt == "json":
        try:
            errors = json.loads(out)
        except ValueError:
            return problems + ["json output does not parse"]
        count = len(errors)
        for e in errors:
            if e.get("file") != display or not (isinstance(e.get("line"), int) and e["line"] >= 1):
                problems.append(f"json error without the file or a line: {str(e)[:200]}")
    elif fmt == "github":
        count = len(lines)
        start = re.compile(re.escape(f"::error file={_gh_escape_prop(display)},line=") + r"[1-9][0-9]*,col=[1-9][0-9]*::")
        problems += [f"github line without the file and line: {line[:200]!r}" for line in lines if not start.match(line)]
    else:
        count = len(lines)
        start = re.compile(re.escape(_text_display(display)) + _LOCATED)
        problems += [f"text line without file:line:col: {line[:200]!r}" for line in lines if not start.match(line)]
    if (rc == 0) != (count == 0):
        problems.append(f"exit code {rc} with {count} error lines")
    return problems


def build_steps(card_path: Path) -> None:
    """The build's per-card work for an accepted card: derive, page contexts, exports."""
    from generator.calc import derive
    from generator.calc.catalogs import load_catalogs
    from generator.site import exports, pages

    card = load_file(card_path).data
    assert card is not None
    derived = derive(card, _catalogs(load_catalogs))
    pages.index_row(card, derived)
    pages.model_summary(card, derived)
    pages.model_details(card, derived, ranks=None, coding_category=None, last_change=None, edit_url=None)
    exports.dumps(exports.model_record(card, derived))
    exports.vram_csv_rows(card["id"], derived)


_CATALOGS: list[Any] = []


def _catalogs(load: Callable[[], Any]) -> Any:
    if not _CATALOGS:
        _CATALOGS.append(load())
    return _CATALOGS[0]


def _validate(fmt: str, path: Path) -> tuple[int, str, str]:
    """``llmcards validate --format FMT PATH`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["validate", "--format", fmt, str(path)])
    except BaseException as exc:  # SystemExit included: validate must return, not exit
        rc = -1
        err.write("Traceback (from the fuzzer)\n" + "".join(traceback.format_exception(exc)))
    return rc, out.getvalue(), err.getvalue()


def run(seed: int, count: int, workdir: Path, cards: list[tuple[str, str]] | None = None) -> Summary:
    """Validate ``count`` mutants and check every promise (see the module docstring).

    ``runs`` counts validate runs: two per mutant (text, then json or github in turn).
    """
    return run_mutants(mutants(seed, count, cards or real_cards()), workdir, label=f"seed {seed} ")


def run_mutants(mutants: Iterable[Mutant], workdir: Path, label: str = "") -> Summary:
    """Validate each mutant (text, then json or github) and check every promise."""
    summary = Summary()
    for n, mutant in enumerate(mutants):
        folder = workdir / f"m{n}"
        org, model = mutant.card_id.split("/")
        path = folder / org / f"{model}.yaml"
        path.parent.mkdir(parents=True)
        path.write_bytes(mutant.content)
        summary.mutants += 1
        # Every mutant in the text format, and in json or github in turn.
        problems: list[str] = []
        outcomes = set()
        for fmt in ("text", "json" if (n // 2) % 2 == 0 else "github"):
            rc, out, err = _validate(fmt, path)
            summary.runs += 1
            summary.by_format[fmt] = summary.by_format.get(fmt, 0) + 1
            problems += [f"{fmt}: {p}" for p in check_output(fmt, str(path), rc, out, err)]
            outcomes.add(rc)
        if len(outcomes) > 1:
            problems.append(f"exit codes differ between formats: {sorted(outcomes)}")
        if rc == 0:
            summary.accepted += 1
            try:
                build_steps(path)
                summary.built += 1
            except Exception as exc:
                problems.append(f"accepted, then the build step failed: {type(exc).__name__}: {str(exc)[:200]}")
        else:
            summary.rejected += 1
        summary.failures += [f"{label}mutant {n} ({mutant.card_id}, {mutant.description}): {p}" for p in problems]
        shutil.rmtree(folder)
    return summary
