"""A link checker for a built site: every local link, source and data-URL must be a file.

Import with `from tests.generator.sitelinks import broken_links`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

import html5lib

# Attributes that hold one URL, and those (srcset) that hold several.
URL_ATTRIBUTES = (
    "href",
    "src",
    "action",
    "poster",
    "data-url",
    "data-cover",
    "data-release-url",
    "data-play-track",
    "data-lyrics",
    "data-index",
    "data-track-page",
    "data-release-page",
)
DYNAMIC = ("api/", "live/")  # served by the daemon, not files


def parse(data: bytes) -> Element:
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


def local_name(el: Element) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def urls_in(doc: Element) -> Iterator[tuple[str, str]]:
    """(element, url) for every URL an element carries."""
    for el in doc.iter():
        name = local_name(el)
        for attr, value in el.attrib.items():
            if (
                attr in URL_ATTRIBUTES
                or attr.endswith("}href")
                or (attr == "data-wave" and value != "player")
            ):
                yield name, value
            elif attr == "srcset":
                for candidate in value.split(","):
                    yield name, candidate.strip().split(" ")[0]


def ids_in(doc: Element) -> set[str]:
    return {el.get("id", "") for el in doc.iter() if el.get("id")}


def broken_links(out: Path, base_url: str) -> list[str]:
    """Every local URL in every HTML page of `out` that does not lead to a file (or an id on the page)."""
    base = urlsplit(base_url)
    base_path = base.path.rstrip("/") + "/"
    broken: list[str] = []
    for page in sorted(out.rglob("*.html")):
        doc = parse(page.read_bytes())
        ids = ids_in(doc)
        where = page.relative_to(out).as_posix()
        for element, url in urls_in(doc):
            parts = urlsplit(url)
            if parts.scheme in ("mailto", "data"):
                continue
            if parts.scheme and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                continue  # another site
            if not parts.path and not parts.scheme:
                fragment = unquote(parts.fragment)
                if fragment and not fragment.startswith("t=") and fragment not in ids:
                    broken.append(f"{where}: <{element}> #{fragment} is no id on the page")
                continue
            if not parts.path.startswith(base_path):
                broken.append(f"{where}: <{element}> {url} is outside the site's base path {base_path}")
                continue
            path = unquote(parts.path[len(base_path) :])
            if path.startswith(DYNAMIC):
                continue
            target = out / (path + "index.html" if path == "" or path.endswith("/") else path)
            if not target.is_file():
                broken.append(f"{where}: <{element}> {url} -> {target.relative_to(out)} does not exist")
    return broken
