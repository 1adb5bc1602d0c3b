from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.generator.catalog_fixtures import CONTROL_TITLE, HOSTILE_TITLE
from tunecamp.generator.site.syndication import NAMESPACES, feed_root, fragment, mark, serialize, splice, sub

IT = "{" + NAMESPACES["itunes"] + "}"
MRSS = "{" + NAMESPACES["media"] + "}"


def _item(title: str) -> ET.Element:
    item = ET.Element("item")
    sub(item, "title", title)
    sub(item, "itunes:duration", "183")
    sub(item, "media:thumbnail", url=f"https://example.org/{title}?a=1&b=2", width=None)
    return item


def _skeleton() -> tuple[ET.Element, ET.Element]:
    root = feed_root("rss", {"version": "2.0"})
    channel = sub(root, "channel")
    sub(channel, "title", "<!--entries--> & friends")  # text that looks like the marker is escaped
    return root, channel


@pytest.mark.parametrize("titles", [[], ["one"], [HOSTILE_TITLE, CONTROL_TITLE, "three"]])
def test_spliced_fragments_are_the_bytes_of_the_whole_tree(titles: list[str]) -> None:
    whole, channel = _skeleton()
    channel.extend(_item(t) for t in titles)
    skeleton, channel = _skeleton()
    mark(channel)
    pieces = [fragment([_item(t)], 2) for t in titles[:1]] + [fragment(map(_item, titles[1:]), 2)]
    assert splice(skeleton, pieces) == serialize(whole)


def test_a_spliced_feed_resolves_its_prefixes() -> None:
    root, channel = _skeleton()
    mark(channel)
    parsed = ET.fromstring(splice(root, [fragment([_item(HOSTILE_TITLE)], 2)]))
    item = parsed.find("channel/item")
    assert item is not None and item.findtext("title") == HOSTILE_TITLE
    assert item.findtext(f"{IT}duration") == "183"
    thumbnail = item.find(f"{MRSS}thumbnail")
    assert thumbnail is not None and thumbnail.attrib == {
        "url": f"https://example.org/{HOSTILE_TITLE}?a=1&b=2"
    }
    assert parsed.findtext("channel/title") == "<!--entries--> & friends"


def test_a_skeleton_without_its_marker_is_refused() -> None:
    root, _ = _skeleton()
    with pytest.raises(ValueError, match="marker"):
        splice(root, [b"<item />"])
