"""The page left at a release's old address when its slug changed (slughistory.py decides when)."""

from __future__ import annotations

from html import escape

from tunecamp.generator.catalog import urls as u
from tunecamp.generator.catalog.model import Release
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.output import Output


def redirect_pages(release: Release, old: str, urls: Urls, language: str) -> list[Output]:
    """The old release page and its old track pages, each sending on to where it lives now."""
    pairs = [(f"releases/{old}/", u.release(release), release.title)]
    pairs += [(f"releases/{old}/{t.slug}/", u.track(release, t), t.title) for t in release.tracks]
    return [Output(u.page_file(src), data=_page(urls, dst, title, language)) for src, dst, title in pairs]


def _page(urls: Urls, target: str, title: str, language: str) -> bytes:
    link, absolute, name = escape(urls.link(target)), escape(urls.absolute(target)), escape(title)
    return (
        f'<!doctype html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{name} has moved</title>\n"
        f'<link rel="canonical" href="{absolute}">\n'
        f'<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n</head>\n<body>\n'
        f'<main><p><a href="{link}">{name}</a> has moved to <a href="{link}">{absolute}</a>.</p></main>\n'
        "</body>\n</html>\n"
    ).encode()
