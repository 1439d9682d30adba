"""Untrusted card Markdown to safe HTML.

Cards come from strangers' pull requests. Markdown is rendered with no raw-HTML
pass-through guarantees, then every tag, attribute and URL scheme goes through
nh3 (a real HTML sanitiser) with a small allow-list. Curly braces are turned
into entities so no template engine downstream (ours or a browser framework)
ever sees a ``{{ expression }}`` from a card.
"""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "hr", "sub", "sup",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"https", "http", "mailto"}

# One converter for every call: building a Markdown object costs more than converting
# a short description; reset() clears its state between texts (same output).
_MARKDOWN = markdown.Markdown(extensions=["tables"], output_format="html")


def render_markdown(text: str | None) -> Markup:
    """Card Markdown -> sanitised HTML fragment ('' for None), marked safe for the templates."""
    if not text:
        return Markup("")
    html = _MARKDOWN.reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean.replace("{", "&#123;").replace("}", "&#125;"))
