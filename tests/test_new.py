"""`llmcards new`: a skeleton with every schema field, never overwriting."""

from __future__ import annotations

import json
import re
from pathlib import Path

from generator.cli import main
from generator.load import load_file
from generator.validate import validate_paths

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schema" / "model-card.schema.json").read_text())


def _resolve(node):
    ref = node.get("$ref")
    return SCHEMA["$defs"][ref.split("/")[-1]] if ref else node


def _schema_paths(node, prefix=()):
    """Every property path of the schema, following objects that are not nullable."""
    for key, sub in node.get("properties", {}).items():
        sub = _resolve(sub)
        yield prefix + (key,)
        types = sub.get("type")
        if types == "object":
            yield from _schema_paths(sub, prefix + (key,))


def test_new_writes_a_loadable_skeleton_with_every_field(tmp_path, capsys):
    assert main(["new", "acme/widget-7b", "--registry", str(tmp_path)]) == 0
    path = tmp_path / "acme" / "widget-7b.yaml"
    assert str(path) in capsys.readouterr().out
    text = path.read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA['$id']}"
    loaded = load_file(path)
    assert loaded.ok, [e.format() for e in loaded.errors]
    assert loaded.data["id"] == "acme/widget-7b"
    paths = list(_schema_paths(SCHEMA))
    assert len(paths) > 40
    for p in paths:
        node = loaded.data
        for part in p:
            assert isinstance(node, dict) and part in node, f"skeleton lacks {'.'.join(p)}"
            node = node[part]
    # Nullable blocks start as null, with their fields in a commented template.
    attention = loaded.data["architecture"]["attention"]
    assert attention["mla"] is None and "#   kv_lora_rank: null" in text
    assert loaded.data["architecture"]["experts"] is None and "#   first_dense_layers: null" in text
    assert loaded.data["sources"] == [{"title": None, "url": None}]


def test_skeleton_fails_validation_with_located_messages(tmp_path, capsys):
    main(["new", "acme/widget-7b", "--registry", str(tmp_path)])
    report = validate_paths([tmp_path])
    fields = {e.field for e in report.errors}
    assert {"name", "status", "open_weights", "architecture.type", "sources[0].url"} <= fields
    assert all(e.line > 0 for e in report.errors)
    name = next(e for e in report.errors if e.field == "name")
    assert name.message == "must be text, not null (this field needs a value)"


def test_new_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "acme" / "widget-7b.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n")
    assert main(["new", "acme/widget-7b", "--registry", str(tmp_path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "mine\n"


def test_new_rejects_bad_ids(tmp_path, capsys):
    for bad in ("Acme/widget", "acme", "acme/widget/7b", "../etc/passwd", "acme/-x", "acme/wid get"):
        assert main(["new", bad, "--registry", str(tmp_path)]) == 2, bad
        assert "not a card id" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# A field line of the skeleton: "  key: null  # comment", "  - key: null", "key:" (a block).
_FIELD = re.compile(r"^(?P<indent> *)(?P<dash>- )?(?P<key>[a-z_]+):(?P<value>| null| \[\]| [a-z0-9./-]+)"
                    r"(?:  # (?P<comment>.*))?$")


def _uncomment(line: str) -> str:
    """A line of a commented-out template as it reads once uncommented (the first '# ' removed)."""
    while True:
        head, sep, rest = line.partition("# ")
        if not sep or head.strip() or not (_FIELD.match(head + rest) or rest.lstrip().startswith(("# ", "- "))):
            return line
        line = head + rest


def _skeleton_comments(text: str) -> dict[str, str]:
    """Field path -> its comment (the end-of-line one, or the comment lines just above)."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    above: list[str] = []
    for raw in text.splitlines()[3:]:   # after the schema line and the two general comments
        line = _uncomment(raw)
        m = _FIELD.match(line)
        if m is None:
            assert line.lstrip().startswith("# "), f"neither a field nor a comment: {raw!r}"
            above.append(line.lstrip()[2:])
            continue
        indent = len(m["indent"]) + (2 if m["dash"] else 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [m["key"]])
        stack.append((indent, m["key"]))
        out.setdefault(path, m["comment"] or " ".join(above))
        above = []
    return out


def _with_siblings(node):
    """A $ref'd node with the keywords written beside the $ref (a description) on top."""
    return {**_resolve(node), **{k: v for k, v in node.items() if k != "$ref"}}


def _description(path: str) -> str:
    """The schema's description of a field, followed by its list items' description."""
    node = SCHEMA
    for part in path.split("."):
        if "items" in node and "properties" not in node:
            node = _with_siblings(node["items"])
        node = _with_siblings(node["properties"][part])
    text = node.get("description", "")
    if "items" in node:
        text += " " + _with_siblings(node["items"]).get("description", "")
    return " ".join(text.replace("`", "").split())


def test_skeleton_comments_are_whole_sentences(tmp_path):
    """Every field has a comment, and no comment stops in the middle of a sentence (they were
    cut at 100 characters with '...'). Long comments are wrapped onto lines above the field."""
    assert main(["new", "acme/widget-7b", "--registry", str(tmp_path)]) == 0
    text = (tmp_path / "acme" / "widget-7b.yaml").read_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    comments = _skeleton_comments(text)
    assert len(comments) > 60    # every field, the commented-out templates' ones included
    for path, comment in comments.items():
        assert comment, f"{path} has no comment"
        assert "..." not in comment and comment.endswith(".") and not comment.endswith(("e.g.", "i.e.")), \
            f"{path}: comment cut short: {comment!r}"
        # Its last sentence is a whole one from the schema: it continues there with a new
        # sentence or ends.
        own = comment.split(": ", 1)[1] if comment.startswith("null, or fill in the block below: ") else comment
        own = re.sub(r" One of: .*\.$", "", own)  # the values may hold dots (BSL-1.0)
        desc = _description(path)
        tail = own[-30:]
        assert tail in desc, f"{path}: {own!r} is not from the description {desc!r}"
        after = desc[desc.index(tail) + len(tail):]
        assert after == "" or after.startswith(" "), f"{path}: comment ends mid-sentence: {own!r}"
    assert comments["id"] == "<org>/<model>, lowercase; must equal the card's path under registry/ without .yaml."
    assert comments["architecture.attention.mla.q_lora_rank"].endswith("(DeepSeek-V2-Lite).")
