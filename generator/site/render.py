"""Jinja environment for the generated pages (autoescape always on)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value from a card is escaped unless marked safe after sanitising
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def macro(template: str, name: str) -> Callable[..., Markup]:
    """A macro of a template, as a function returning escaped HTML (Markup)."""
    return getattr(environment().get_template(template).module, name)  # type: ignore[no-any-return]
