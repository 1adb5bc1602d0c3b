"""Markdown from content/ to safe HTML.

Notes, bios and credits are written by artists but end up on public pages: the HTML is
sanitised (nh3, an allow-list) unless the catalog opts in with `allow_html: true`.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

_TAGS = set(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "abbr": {"title"}}


def render_markdown(text: str, *, allow_html: bool = False, line_breaks: bool = False) -> str:
    """Markdown to HTML; raw HTML and unsafe URLs are removed unless `allow_html`.

    `line_breaks`: every line break stays one (`credits:`, written a person per line), not only
    Markdown's two trailing spaces.
    """
    if not text.strip():
        return ""
    extensions = ["extra", "sane_lists", "smarty", *(["nl2br"] if line_breaks else [])]
    rendered = markdown.markdown(text, extensions=extensions, output_format="html")
    if allow_html:
        return rendered
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def summary(html_text: str, limit: int = 200) -> str:
    """The first paragraph as plain text, for meta descriptions and feeds."""
    first = re.search(r"<p>(.*?)</p>", html_text, re.S)
    text = re.sub(r"<[^>]+>", "", first.group(1) if first else html_text)
    text = " ".join(html.unescape(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
