"""A new card's skeleton, generated from the schema so it never drifts from it.

Every property appears, in schema order, as ``null`` (lists as ``[]``) with a
short comment from the schema's description. Optional blocks that are usually
null (``mla``, ``sliding_window``, ``experts``, an evaluation) are written as
``null`` followed by a commented-out template to uncomment when they apply.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

_COMMENT_WIDTH = 100


def header(schema: Mapping[str, Any]) -> str:
    return f"# yaml-language-server: $schema={schema['$id']}"


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        merged = dict(target)
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return merged
    return node


def _types(node: Mapping[str, Any]) -> set[str]:
    t = node.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return set(t)
    return set()


def _hint(node: Mapping[str, Any]) -> str:
    if "enum" in node:
        values = ", ".join("null" if v is None else str(v) for v in node["enum"])
        return f"one of: {values}"
    desc = str(node.get("description", "")).replace("`", "")
    # The first sentence; "e.g." and "i.e." do not end one.
    return re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=\.)\s+(?=[A-Z(])", desc, maxsplit=1)[0]


def _comment(text: str, indent: int, line: str) -> str:
    room = max(_COMMENT_WIDTH - len(line) - 3, 20)
    if len(text) > room:
        text = text[: room - 3].rstrip() + "..."
    return f"{line}  # {text}" if text else line


def _is_object(node: Mapping[str, Any]) -> bool:
    return "object" in _types(node) and "properties" in node


def _block(node: Mapping[str, Any], root: Mapping[str, Any], indent: int, values: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, raw in node.get("properties", {}).items():
        sub = _resolve(raw, root)
        if key in values:
            lines.append(_comment(_hint(sub), indent, f"{pad}{key}: {values[key]}"))
        elif _is_object(sub) and "null" in _types(sub):
            lines.append(_comment(f"null, or fill in the block below: {_hint(sub)}", indent, f"{pad}{key}: null"))
            lines.extend(f"{pad}# {line[indent:]}" for line in [f"{pad}{key}:"] + _block(sub, root, indent + 2, {}))
        elif _is_object(sub):
            lines.append(_comment(_hint(sub), indent, f"{pad}{key}:"))
            lines.extend(_block(sub, root, indent + 2, {}))
        elif "array" in _types(sub):
            lines.extend(_array(key, sub, root, indent))
        else:
            lines.append(_comment(_hint(sub), indent, f"{pad}{key}: null"))
    return lines


def _array(key: str, node: Mapping[str, Any], root: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    items = _resolve(node.get("items", {}), root)
    if not _is_object(items):
        return [_comment(_hint(node) + " " + _hint(items), indent, f"{pad}{key}: []")]
    item_lines = _block(items, root, indent + 4, {})
    item_lines[0] = f"{pad}  - " + item_lines[0].lstrip()
    if node.get("minItems", 0) >= 1:
        return [_comment(_hint(node), indent, f"{pad}{key}:")] + item_lines
    # Optional lists start empty, with one commented-out item to copy.
    return [_comment(_hint(node), indent, f"{pad}{key}: []")] + [f"{pad}# {line[indent:]}" for line in item_lines]


def skeleton(schema: Mapping[str, Any], card_id: str) -> str:
    """The text of a new card for ``card_id`` (``<org>/<model>``): every field, unknowns null."""
    lines = [header(schema)]
    lines.append("# A new card: replace each null you can source, keep null where the value is undisclosed.")
    lines.append("# Run `llmcards validate` to see what is still missing. See CONTRIBUTING.md.")
    lines.extend(_block(schema, schema, 0, {"id": card_id}))
    return "\n".join(lines) + "\n"
