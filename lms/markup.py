"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only harmless tags and attributes."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def _shift_headings(tokens) -> None:
    """The page's h1 is its title, so the text's own top heading level becomes h2 and the others follow
    (a lesson written from ### on reads h2, h3, …): no level is skipped after the page's h1."""
    levels = [int(t.tag[1]) for t in tokens if t.type in ("heading_open", "heading_close")]
    if not levels:
        return
    shift = 2 - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + shift)}"


def render_markdown(text: str) -> Markup:
    tokens = _md.parse(text or "")
    _shift_headings(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - nh3 has just sanitised it
