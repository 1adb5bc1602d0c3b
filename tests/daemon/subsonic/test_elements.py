"""Elements written once per snapshot: the same answer as the plain tree, in XML and JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from tunecamp.daemon.subsonic.elements import NOT_PLAYED, Shared, element
from tunecamp.daemon.subsonic.render import to_json, to_xml

FIELDS: dict[str, Any] = {
    "id": "tr-1",
    "title": 'Tom & "Jerry" <live>\nÉté',
    "isDir": False,
    "duration": 245,
    "genres": [{"name": "folk"}, {"name": "jazz"}],
    "replayGain": {"trackGain": -6.5, "albumPeak": 0.98},
    "isrc": ["GBAYE0601498"],
}


def _xml_tree(node: ET.Element) -> Any:
    # attributes in any order; children in document order
    return (node.tag, sorted(node.attrib.items()), node.text or "", [_xml_tree(c) for c in node])


def test_an_element_answers_as_its_plain_dict() -> None:
    shared = Shared(FIELDS)
    for own in ({"playCount": 3, "played": "2026-01-01T00:00:00.000Z", "userRating": 4}, {}, NOT_PLAYED):
        item = element(shared, own)
        assert item == {**FIELDS, **own} and dict(item) == {**FIELDS, **own}  # read as any other element
        assert len(item) == len({**FIELDS, **own}) and list(item) == list({**FIELDS, **own})
        album = element(Shared({"id": "al-1", "genres": [{"name": "folk"}]}), {**own, "song": [item, item]})
        for body in ({"song": item}, {"album": {"id": "al-1", "song": [item, item]}}, {"album": album}):
            plain = json.loads(json.dumps(body, default=dict))  # the same tree without Elements
            assert json.loads(to_json(body)) == json.loads(to_json(plain))
            assert _xml_tree(ET.fromstring(to_xml(body))) == _xml_tree(ET.fromstring(to_xml(plain)))


def test_the_shared_part_is_written_once_and_each_caller_gets_their_own_fields() -> None:
    shared = Shared({"id": "al-1", "name": "A"})
    mine = json.loads(to_json({"album": element(shared, {"playCount": 2, "starred": "x"})}))
    theirs = json.loads(to_json({"album": element(shared, {"playCount": 0})}))
    assert mine["subsonic-response"]["album"] == {"id": "al-1", "name": "A", "playCount": 2, "starred": "x"}
    assert theirs["subsonic-response"]["album"] == {"id": "al-1", "name": "A", "playCount": 0}
    only_own = json.loads(to_json({"x": element(Shared({}), {"playCount": 1})}))
    assert only_own["subsonic-response"]["x"] == {"playCount": 1}
    assert json.loads(to_json({"x": element(Shared({}), {})}))["subsonic-response"]["x"] == {}


def test_plain_trees_keep_their_shapes_around_elements() -> None:
    item = element(Shared({"id": "tr-1"}), {"playCount": 0})
    body = {"playlist": {"id": "pl-1", "name": None, "entry": [item], "tags": [], "owner": {"a": None}}}
    data = json.loads(to_json(body))["subsonic-response"]["playlist"]
    assert data == {"id": "pl-1", "entry": [{"id": "tr-1", "playCount": 0}], "tags": [], "owner": {}}


def test_the_not_played_text_is_the_shared_part_and_a_zero_play_count() -> None:
    for fields in (FIELDS, {}):
        item = element(Shared(fields), NOT_PLAYED)
        plain = json.loads(json.dumps({"song": [dict(item), dict(item)]}))
        assert json.loads(to_json({"song": [item, item]})) == json.loads(to_json(plain))
        assert json.loads(to_json({"song": [item]}))["subsonic-response"]["song"] == [
            {**fields, "playCount": 0}
        ]


def test_an_element_holding_elements_is_written_once_as_its_plain_tree() -> None:
    # getAlbum's album with its songs, for a caller who never touched them (items.album_with_songs)
    songs = [element(Shared(FIELDS), NOT_PLAYED), element(Shared({"id": "tr-2"}), {"playCount": 2})]
    album = element(Shared({"id": "al-1", "name": "A & B", "playCount": 0, "song": songs}), {})
    plain = json.loads(json.dumps({"album": album}, default=dict))
    for _ in range(2):  # the kept text the second time
        assert json.loads(to_json({"album": album})) == json.loads(to_json(plain))
        assert _xml_tree(ET.fromstring(to_xml({"album": album}))) == _xml_tree(ET.fromstring(to_xml(plain)))
    assert json.loads(to_json({"album": album}))["subsonic-response"]["album"]["song"][1]["playCount"] == 2
