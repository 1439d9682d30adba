"""Card Markdown is untrusted: nothing executable or template-like may come through."""

from generator.site.sanitize import render_markdown

HOSTILE = """Intro <script>alert("x")</script>
<img src="x" onerror="alert(1)"> <svg onload="alert(5)"></svg>
[click](javascript:alert(2)) [data](data:text/html;base64,PHNjcmlwdD4=)
<a href="javascript:alert(3)">raw</a> <a href="https://ok.example/" onclick="alert(6)">ok</a>
<iframe src="https://evil.example/"></iframe> <object data="x"></object> <style>body{}</style>
{{ 7 * 7 }} {% if x %}y{% endif %} ${7*7}
<div style="background:url(javascript:alert(7))">styled</div>
**bold** and `code`
"""


def test_script_and_handlers_removed():
    html = render_markdown(HOSTILE).lower()
    for bad in ("<script", "onerror", "onload", "onclick", "<iframe", "<object", "<style", "<svg",
                "javascript:", "data:text/html", "style="):
        assert bad not in html, bad


def test_template_expressions_are_inert():
    html = render_markdown(HOSTILE)
    assert "{{" not in html and "{%" not in html
    # the braces are kept as entities, so readers still see what was written
    assert "&#123;&#123; 7 * 7 &#125;&#125;" in html


def test_harmless_markup_survives():
    html = render_markdown(HOSTILE)
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert 'href="https://ok.example/"' in html


def test_empty_and_none():
    assert render_markdown(None) == ""
    assert render_markdown("") == ""
