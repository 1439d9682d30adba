"""JSON Schema validation of one card, fast when valid, thorough when not.

The fast path is the schema compiled to Python by fastjsonschema (tens of
microseconds per card; the compiled code is cached, see compiled_schema). Only when it rejects a card do we import
python-jsonschema (Draft 2020-12, format checking on) to collect *every*
error, and turn each into a message a contributor can act on.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Iterator, Mapping, NamedTuple

import fastjsonschema

from generator.compiled_schema import compile_validator


class Problem(NamedTuple):
    """A finding before it is given a file position. ``at_key`` points at the key, not the value."""

    path: tuple[Any, ...]
    message: str
    at_key: bool = False


class SchemaChecker:
    """Validates card data against one schema."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._fast = compile_validator(schema)
        self._slow = None
        self._integer_tree = _path_tree(integer_paths(schema))

    def check(self, data: Any) -> list[Problem]:
        try:
            self._fast(data)
            # JSON Schema counts 5.0 as an integer; cards must write 5. Such a
            # float sends the card to the detailed validator, whose integer is strict.
            if not _has_float_at(data, self._integer_tree):
                return []
            return self.explain(data)
        except fastjsonschema.JsonSchemaException as exc:
            problems = self.explain(data)
            if problems:
                return problems
            # The two validators disagree (e.g. on a format); report the fast one's finding.
            return [Problem(fast_path(getattr(exc, "path", None), data), _fast_message(exc))]

    def explain(self, data: Any) -> list[Problem]:
        validator = self._detailed()
        problems: list[Problem] = []
        # The type error first: 1.0e+308 is "not a whole number" before it is "too large".
        errors = sorted(validator.iter_errors(data), key=lambda e: e.validator != "type")
        for error in errors:
            problems.extend(_describe(error, validator))
        # One message per field: the first is the most basic (type before range or form).
        seen: set[tuple[Any, ...]] = set()
        unique = []
        for p in problems:
            if p.path not in seen:
                seen.add(p.path)
                unique.append(p)
        return unique

    def _detailed(self) -> Any:
        if self._slow is None:
            from jsonschema import Draft202012Validator, validators

            def is_integer(checker: Any, instance: Any) -> bool:
                return isinstance(instance, int) and not isinstance(instance, bool)

            strict = validators.extend(
                Draft202012Validator,
                type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer),
            )
            self._slow = strict(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return self._slow


def integer_paths(schema: Mapping[str, Any]) -> frozenset[tuple[Any, ...]]:
    """Paths whose schema allows an integer ('*' stands for any list index), following local $refs."""
    defs = schema.get("$defs", {})
    found: set[tuple[Any, ...]] = set()

    def walk(node: Any, path: tuple[Any, ...], depth: int) -> None:
        if not isinstance(node, Mapping) or depth > 20:
            return
        ref = node.get("$ref")
        # "#/$defs/x", or the absolute form fastjsonschema.compile() writes into a schema it is given.
        if isinstance(ref, str) and "#/$defs/" in ref:
            walk(defs.get(ref.rsplit("#/$defs/", 1)[1]), path, depth + 1)
        types = node.get("type")
        if types == "integer" or (isinstance(types, list) and "integer" in types):
            found.add(path)
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, path + (key,), depth + 1)
        walk(node.get("items"), path + ("*",), depth + 1)
        for sub in node.get("anyOf", []) + node.get("oneOf", []):
            walk(sub, path, depth + 1)

    walk(schema, (), 0)
    return frozenset(found)


def _path_tree(paths: frozenset[tuple[Any, ...]]) -> dict[Any, Any]:
    """The paths as nested dicts; the key None marks the end of a path."""
    tree: dict[Any, Any] = {}
    for path in paths:
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[None] = True
    return tree


def _has_float_at(node: Any, tree: dict[Any, Any]) -> bool:
    """Whether a float sits where the schema expects an integer (walks only those paths)."""
    if type(node) is float:
        return None in tree
    if type(node) is dict:
        return any(key in node and _has_float_at(node[key], sub) for key, sub in tree.items() if key is not None)
    if type(node) is list and "*" in tree:
        return any(_has_float_at(item, tree["*"]) for item in node)
    return False


def fast_path(parts: Any, data: Any) -> tuple[Any, ...]:
    """fastjsonschema's ``['data', 'a', '0']`` -> ``('a', 0)`` (list indexes come back as text)."""
    path: list[Any] = []
    node = data
    for part in list(parts or [])[1:]:
        key: Any = int(part) if isinstance(node, list) and str(part).isdigit() else part
        path.append(key)
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(path)


def _fast_message(exc: Any) -> str:
    return re.sub(r"^data(\.[\w.\[\]-]*)? ", "", exc.message)


def _path(error: Any) -> tuple[Any, ...]:
    return tuple(error.absolute_path)


def _describe(error: Any, validator: Any) -> Iterator[Problem]:
    kind = error.validator
    path = _path(error)
    value = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "required":
        for name in error.validator_value:
            if isinstance(value, Mapping) and name not in value:
                yield Problem(path + (name,), _missing_message(name, schema, validator))
        return
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for name in value:
            if name not in schema.get("properties", {}):
                yield Problem(path + (name,), _unknown_key_message(name, allowed), at_key=True)
        return
    if kind in ("anyOf", "oneOf") and error.context:
        yield from _describe(_best_branch(error), validator)
        return
    yield Problem(path, _message(kind, value, error, schema))


def _best_branch(error: Any) -> Any:
    """Of an anyOf's failed branches, the one about the value's own type (not 'must be null')."""
    ranked = sorted(error.context, key=lambda e: (e.validator == "type", -len(e.absolute_path)))
    return ranked[0]


def _missing_message(name: str, parent_schema: Mapping[str, Any], validator: Any) -> str:
    sub = parent_schema.get("properties", {}).get(name, {})
    try:
        nullable = validator.evolve(schema=sub).is_valid(None)
    except Exception:  # an unresolvable $ref: fall back to the plain message
        nullable = False
    if nullable:
        return f"required key is missing: add `{name}: null` if the value is unknown"
    return "required key is missing (it must have a value)"


def _unknown_key_message(name: str, allowed: list[str]) -> str:
    guess = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
    if guess:
        return f"unknown key {name!r} (did you mean {guess[0]!r}?)"
    return f"unknown key {name!r}; allowed here: {', '.join(allowed)}"


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
    "object": "a mapping (key: value lines)",
    "array": "a list",
}


def _digits(value: int) -> int:
    """How many decimal digits ``value`` has, without str() (which refuses above 4,300 digits)."""
    value = abs(value)
    if value < 10:
        return 1
    k = int(math.log10(value))
    if 10**k > value:
        k -= 1
    elif 10 ** (k + 1) <= value:
        k += 1
    return k + 1


def number_text(value: Any) -> str:
    """A number as a message shows it: 131,072; 1e+308; a 401-digit number."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**18:
            return f"a {_digits(value):,}-digit number"
        return f"{value:,}"
    return repr(value)


def _describe_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, int) and abs(value) >= 10**18:
        return number_text(value)  # repr() refuses more than 4,300 digits
    return repr(value)


def _message(kind: str, value: Any, error: Any, schema: Mapping[str, Any]) -> str:
    shown = _describe_value(value)
    if kind == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in types if t != "null")
        msg = f"must be {words or 'null'}, not {shown}"
        if "null" in types and words:
            msg = f"must be {words} or null, not {shown}"
        if value is None:
            msg += " (this field needs a value)"
        if isinstance(value, float) and value.is_integer() and "integer" in types:
            if abs(value) < 10**15:
                msg += f": write {int(value)}, not {value!r}"
            else:
                msg += ": write it as digits, without a decimal point or exponent"
        if isinstance(value, int) and not isinstance(value, bool) and "string" in types and schema.get("title") == "Partial date":
            msg += f": write dates in quotes, '{value}'"
        if isinstance(value, str) and ("integer" in types or "number" in types):
            if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
                msg += ": remove the quotes"
            elif re.fullmatch(r"[0-9][0-9_,' ]*[0-9]", value):
                msg += ": write the digits without separators"
        if isinstance(value, str) and "boolean" in types and value.lower() in ("yes", "no", "on", "off", "y", "n"):
            msg += ": write true or false"
        return msg
    if kind == "enum":
        options = [("null" if o is None else str(o)) for o in error.validator_value]
        named = [o for o in options if o != "null"]
        if len(named) > 10:  # a long list: name the field and point at the schema instead
            msg = f"{shown} is not a known {schema.get('title', 'value')}"
        else:
            msg = f"must be one of {', '.join(options)}; got {shown}"
        same_case = [o for o in named if o.lower() == str(value).lower()]
        guess = same_case or difflib.get_close_matches(str(value), named, n=1, cutoff=0.5)
        if guess and isinstance(value, str):
            msg += f" (did you mean {guess[0]!r}?)"
        if len(named) > 10:
            msg += "; the accepted values are listed in schema/model-card.schema.json"
            if "null" in options:
                msg += " (null when there is none)"
        return msg
    if kind == "pattern":
        return _pattern_message(value, schema)
    if kind == "format":
        return f"{shown} is not a valid {error.validator_value}"
    if kind == "minimum":
        return f"must be at least {number_text(error.validator_value)}, got {shown}"
    if kind == "maximum":
        return f"must be at most {number_text(error.validator_value)}, got {shown}"
    if kind == "minItems":
        return f"needs at least {error.validator_value} item{'s' if error.validator_value != 1 else ''}"
    if kind == "uniqueItems":
        return "has the same item more than once"
    if kind == "minLength":
        return "must not be empty" if error.validator_value == 1 else f"must be at least {error.validator_value} characters"
    if kind == "maxLength":
        return f"is {len(value)} characters long; the limit is {error.validator_value}"
    return str(error.message)


def _pattern_message(value: Any, schema: Mapping[str, Any]) -> str:
    pattern = schema.get("pattern", "")
    shown = _describe_value(value)
    if pattern.startswith("^[0-9]{4}(-"):
        return f"{shown} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD"
    if pattern.startswith("^https://"):
        return f"{shown} is not an https:// URL"
    if "/" in pattern and pattern.startswith("^[a-z0-9]"):
        return f"{shown} is not a card id: `<org>/<model>` in lowercase letters, digits, dots and dashes"
    if pattern == "\\S":
        return "must not be blank: it holds only whitespace"
    if pattern.startswith("^[LG]"):
        return f"{shown} is not a layer pattern: use L (local) and G (global), e.g. LLLLLG"
    title = schema.get("title")
    hint = f" ({title})" if title else ""
    return f"{shown} does not have the expected form{hint}: must match {pattern}"
