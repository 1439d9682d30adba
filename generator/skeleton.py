"""A new card's skeleton, generated from the schema so it never drifts from it.

Every property appears, in schema order, as ``null`` (lists as ``[]``) with a
comment: the first sentence of the schema's description (and the allowed values of
an enum), never cut. A comment that fits goes at the end of the line; a longer one
is wrapped onto comment lines above the field. Optional blocks that are usually
null (``mla``, ``sliding_window``, ``experts``, an evaluation) are written as
``null`` followed by a commented-out template to uncomment when they apply.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Mapping

from generator.schema_files import resolve_ref

_COMMENT_WIDTH = 100


def header(schema: Mapping[str, Any]) -> str:
    return f"# yaml-language-server: $schema={schema['$id']}"


def _types(node: Mapping[str, Any]) -> set[str]:
    t = node.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return set(t)
    return set()


def _first_sentence(node: Mapping[str, Any]) -> str:
    desc = " ".join(str(node.get("description", "")).replace("`", "").split())
    # The first sentence; "e.g." and "i.e." do not end one.
    return re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=\.)\s+(?=[A-Z(])", desc, maxsplit=1)[0]


def _hint(node: Mapping[str, Any]) -> str:
    """The comment for a field: its description's first sentence, then its allowed values."""
    text = _first_sentence(node)
    if "enum" in node:
        values = ["null" if v is None else str(v) for v in node["enum"]]
        named = all(re.search(rf"\b{re.escape(v)}\b", text) for v in values if v != "null")
        if not named:  # the description does not list the values itself
            text = f"{text} One of: {', '.join(values)}.".strip()
    return text


def _comment(text: str, indent: int, line: str, width: int) -> list[str]:
    """``line`` with ``text`` as a comment: at its end when it fits in ``width``,
    else wrapped onto whole comment lines above it."""
    if not text:
        return [line]
    inline = f"{line}  # {text}"
    if len(inline) <= width:
        return [inline]
    pad = " " * indent
    wrapped = textwrap.wrap(text, width=width - indent - 2, break_long_words=False,
                            break_on_hyphens=False)
    return [f"{pad}# {chunk}" for chunk in wrapped] + [line]


def _is_object(node: Mapping[str, Any]) -> bool:
    return "object" in _types(node) and "properties" in node


def _commented_out(lines: list[str], indent: int) -> list[str]:
    """A template to uncomment: each line behind '# ' at ``indent``."""
    pad = " " * indent
    return [f"{pad}# {line[indent:]}" for line in lines]


def _block(node: Mapping[str, Any], root: Mapping[str, Any], indent: int, values: Mapping[str, Any],
           width: int = _COMMENT_WIDTH) -> list[str]:
    """The lines of ``node``'s properties at ``indent``, each at most ``width`` characters
    (a commented-out template is built 2 narrower for its '# ')."""
    lines: list[str] = []
    pad = " " * indent
    for key, raw in node.get("properties", {}).items():
        sub = resolve_ref(raw, root)[0]
        if key in values:
            lines.extend(_comment(_hint(sub), indent, f"{pad}{key}: {values[key]}", width))
        elif _is_object(sub) and "null" in _types(sub):
            lines.extend(_comment(f"null, or fill in the block below: {_hint(sub)}", indent,
                                  f"{pad}{key}: null", width))
            template = [f"{pad}{key}:"] + _block(sub, root, indent + 2, {}, width - 2)
            lines.extend(_commented_out(template, indent))
        elif _is_object(sub):
            lines.extend(_comment(_hint(sub), indent, f"{pad}{key}:", width))
            lines.extend(_block(sub, root, indent + 2, {}, width))
        elif "array" in _types(sub):
            lines.extend(_array(key, sub, root, indent, width))
        else:
            lines.extend(_comment(_hint(sub), indent, f"{pad}{key}: null", width))
    return lines


def _array(key: str, node: Mapping[str, Any], root: Mapping[str, Any], indent: int, width: int) -> list[str]:
    pad = " " * indent
    items = resolve_ref(node.get("items", {}), root)[0]
    if not _is_object(items):
        return _comment(f"{_hint(node)} {_hint(items)}".strip(), indent, f"{pad}{key}: []", width)
    required = node.get("minItems", 0) >= 1
    item_lines = _block(items, root, indent + 4, {}, width if required else width - 2)
    # The first field of the item carries the list dash (comment lines above it stay as they are).
    first = next(i for i, line in enumerate(item_lines) if not line.lstrip().startswith("#"))
    item_lines[first] = f"{pad}  - " + item_lines[first].lstrip()
    if required:
        return _comment(_hint(node), indent, f"{pad}{key}:", width) + item_lines
    # Optional lists start empty, with one commented-out item to copy.
    return _comment(_hint(node), indent, f"{pad}{key}: []", width) + _commented_out(item_lines, indent)


def skeleton(schema: Mapping[str, Any], card_id: str) -> str:
    """The text of a new card for ``card_id`` (``<org>/<model>``): every field, unknowns null."""
    lines = [header(schema)]
    lines.append("# A new card: replace each null you can source, keep null where the value is undisclosed.")
    lines.append("# Run `llmcards validate` to see what is still missing. See CONTRIBUTING.md.")
    lines.extend(_block(schema, schema, 0, {"id": card_id}))
    return "\n".join(lines) + "\n"
