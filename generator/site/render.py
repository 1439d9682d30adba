"""Jinja environment for the generated pages (autoescape always on)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from generator.site import fmt, glossary

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """A Jinja environment whose ``x.name`` looks a plain dict's key up first.

    Jinja's ``x.name`` tries ``getattr(x, "name")`` and then ``x["name"]``; on a plain dict the
    first try fails (raising AttributeError) for every name that is not a dict method, and the
    page data is dicts read this way hundreds of thousands of times in a build. For a plain dict
    and a name that is not a dict attribute, the result is the same, found without the exception.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value from a card is escaped unless marked safe after sanitising
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    # The missing-value words of fmt.py ("unknown", "n/a"), the same on every page.
    env.globals["missing"] = fmt.missing()
    # One-line meanings of quantization names (schema/quantizations.yaml), for <abbr title>.
    env.globals["quant_meanings"] = glossary.meanings()
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def macro(template: str, name: str) -> Callable[..., Markup]:
    """A macro of a template, as a function returning escaped HTML (Markup)."""
    return getattr(environment().get_template(template).module, name)  # type: ignore[no-any-return]


_HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def toc_tokens(html: str) -> list[dict[str, Any]]:
    """The table of contents of generated HTML, as mkdocs' toc tokens: each <h2 id> with the
    <h3 id> under it as children (the page title, <h1>, is not listed). Heading text is
    already escaped HTML; it is kept as is (the theme prints names unescaped)."""
    tokens: list[dict[str, Any]] = []
    for level, anchor, inner in _HEADING.findall(html):
        name = " ".join(_TAGS.sub("", inner).split())
        token = {"level": int(level), "id": anchor, "name": name, "children": []}
        if level == "3" and tokens:
            tokens[-1]["children"].append(token)
        else:
            tokens.append(token)
    return tokens
