"""`llmcards new`: a skeleton with every schema field, never overwriting."""

from __future__ import annotations

import json
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
