"""The static site: an mkdocs plugin that turns registry cards into pages and exports.

Modules: ``stages`` (gather, derive, render, export: the build's steps),
``gitdates`` (last change per card), ``sanitize`` (untrusted Markdown to safe HTML),
``fmt`` (display formatting), ``chart`` (SVG), ``pages`` (page data, pure),
``leaderboard`` (ranking, pure), ``exports`` (JSON/CSV), ``render`` (Jinja),
``setups`` (the common hardware setups engine plans are exported for), ``plans``
(those plans per model and the "Will it run?" panel's view), ``plugin`` (mkdocs hooks).
"""
