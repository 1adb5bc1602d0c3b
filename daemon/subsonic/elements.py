"""The response tree written out as XML or JSON, with songs and albums written once per snapshot.

A response body is a dict: scalars are attributes (XML) or fields (JSON); a dict is one
child element; a list is repeated child elements (a JSON array, however many items); a list
of scalars is elements holding text; the key "value" is an element's text. None is never
written.

Browsing answers are mostly songs and albums, and most of each is the same for every caller
(everything but plays, stars and ratings). An `Element` carries that part as a `Shared` whose
XML and JSON text is made the first time it is written and kept with the snapshot's items
(items.py), then only the caller's own fields are written per request: that writing was
most of the CPU time of getAlbum and search3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any


class Clean(dict[str, Any]):
    """An element already without None values, all the way down: not walked again."""


class Shared:
    """The fields of an element that every caller gets (no None in them), and their text."""

    __slots__ = ("_json", "_not_played", "_xml", "fields")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self._xml: tuple[str, str | None, str] | None = None
        self._json: str | None = None
        self._not_played: str | None = None

    def not_played_json(self) -> str:
        """The whole element as JSON when its own part is NOT_PLAYED (most songs, most callers)."""
        if self._not_played is None:
            members = self.json()
            self._not_played = f'{{{members},"playCount":0}}' if members else '{"playCount":0}'
        return self._not_played

    def xml(self) -> tuple[str, str | None, str]:
        """(attributes, text, children) as XML."""
        if self._xml is None:
            self._xml = _xml_parts(self.fields)
        return self._xml

    def json(self) -> str:
        """The members as JSON, without the braces."""
        if self._json is None:
            if _holds_elements(self.fields):  # an album with its songs (items.album_with_songs)
                self._json = _members(self.fields)
            else:
                self._json = json.dumps(_clean(self.fields), ensure_ascii=False, separators=(",", ":"))[1:-1]
        return self._json


class Element(Mapping[str, Any]):
    """An element made of a `Shared` part and the caller's own fields (`own`, no None at its top).

    It reads as the mapping of both (`own` over the shared fields), so code and tests may read
    it as any other element; it is not a copy of them (one of these per song of every answer:
    copying a song's 35 fields was a tenth of search3's own time).
    """

    __slots__ = ("own", "shared")

    def __init__(self, shared: Shared, own: Mapping[str, Any]) -> None:
        self.shared = shared
        self.own = own

    def __getitem__(self, key: str) -> Any:
        own = self.own
        return own[key] if key in own else self.shared.fields[key]

    def __iter__(self) -> Iterator[str]:
        fields = self.shared.fields
        yield from fields
        yield from (k for k in self.own if k not in fields)

    def __len__(self) -> int:
        return len(self.shared.fields.keys() | self.own.keys())

    def __repr__(self) -> str:
        return f"Element({dict(self)!r})"


def element(shared: Shared, own: Mapping[str, Any]) -> Element:
    """`own` comes after the shared fields (and its children after theirs, in XML)."""
    return Element(shared, own)


NOT_PLAYED: Mapping[str, Any] = MappingProxyType({"playCount": 0})  # most items' own part, by far


_NESTED = (dict, list, tuple, Clean, Element)


def _clean(value: Any) -> Any:
    # every JSON answer goes through here: scalars are never passed down, only containers
    kind = type(value)
    if kind is Clean or kind is Element:
        return value
    if kind is dict:
        return {k: (_clean(v) if type(v) in _NESTED else v) for k, v in value.items() if v is not None}
    return [(_clean(v) if type(v) in _NESTED else v) for v in value if v is not None]


# --- JSON ---------------------------------------------------------------------------

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_string = json.encoder.c_encode_basestring or json.encoder.py_encode_basestring  # type: ignore[attr-defined]


def _scalar(value: Any) -> str:
    # the caller's own fields are a few ints and strings per item: JSONEncoder.encode costs more
    # to set up than to write them
    kind = type(value)
    if kind is str:
        return str(_string(value))
    if kind is int:
        return str(value)
    return _dumps(value)


def _members(node: Mapping[str, Any]) -> str:
    parts = []
    for key, value in node.items():
        if value is None:
            continue
        if type(value) in _NESTED:  # an album's songs, say
            inner: list[str] = []
            _write_json(value, inner)
            parts.append(f"{_string(key)}:{''.join(inner)}")
        else:
            parts.append(f"{_string(key)}:{_scalar(value)}")
    return ",".join(parts)


def _write_json(value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is Element:
        out.append(_element_json(value))
    elif kind is dict or kind is Clean:
        if not _holds_elements(value):
            out.append(_dumps(_clean(value) if kind is dict else value))
            return
        out.append("{")
        first = True
        for key, item in value.items():
            if item is None:
                continue
            out.append(f"{_string(key)}:" if first else f",{_string(key)}:")
            first = False
            _write_json(item, out)
        out.append("}")
    elif kind is list or kind is tuple:
        out.append("[")
        first = True
        for item in value:
            if item is None:
                continue
            if not first:
                out.append(",")
            first = False
            if type(item) is Element:  # most lists are songs or albums: no call through here for each
                out.append(_element_json(item))
            else:
                _write_json(item, out)
        out.append("]")
    else:
        out.append(_scalar(value))


def _element_json(item: Element) -> str:
    if item.own is NOT_PLAYED:
        return item.shared.not_played_json()
    members, own = item.shared.json(), _members(item.own)
    return f"{{{members},{own}}}" if members and own else f"{{{members}{own}}}"


def _holds_elements(node: dict[str, Any]) -> bool:
    """Whether an Element is a child or in a child list (where they are): else C's json writes it."""
    for value in node.values():
        kind = type(value)
        if kind is Element or kind is dict or kind is Clean:
            return True
        if (kind is list or kind is tuple) and value and type(value[0]) in _NESTED:
            return True
    return False


def json_text(root: dict[str, Any]) -> str:
    out: list[str] = []
    _write_json(root, out)
    return "".join(out)


# --- XML ----------------------------------------------------------------------------


# One pass per value: drop what XML 1.0 cannot hold, escape what it must.
_DROP: dict[int, str | None] = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF)}
_TEXT = str.maketrans({**_DROP, ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"})
_ATTR = str.maketrans(
    {
        **_DROP,
        ord("&"): "&amp;",
        ord("<"): "&lt;",
        ord(">"): "&gt;",
        ord('"'): "&quot;",
        10: "&#10;",
        13: "&#13;",
        9: "&#9;",
    }
)


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _xml_parts(node: Mapping[str, Any]) -> tuple[str, str | None, str]:
    attrs: list[str] = []
    children: list[str] = []
    text: str | None = None
    for key, value in node.items():
        if value is None:
            continue
        if type(value) in _NESTED:
            items = value if isinstance(value, list | tuple) else [value]
            for item in items:
                if isinstance(item, dict | Element):
                    xml_element(key, item, children)
                elif item is not None:
                    children.append(f"<{key}>{_text(item).translate(_TEXT)}</{key}>")
        elif key == "value":
            text = _text(value).translate(_TEXT)
        else:
            attrs.append(f' {key}="{_text(value).translate(_ATTR)}"')
    return "".join(attrs), text, "".join(children)


def xml_element(name: str, node: Mapping[str, Any], out: list[str]) -> None:
    if type(node) is Element:
        attrs, text, children = node.shared.xml()
        own_attrs, own_text, own_children = _xml_parts(node.own)
        attrs, children = attrs + own_attrs, children + own_children
        text = own_text if own_text is not None else text
    else:
        attrs, text, children = _xml_parts(node)
    if not children and not text:
        out.append(f"<{name}{attrs}/>")
    else:
        out.append(f"<{name}{attrs}>{text or ''}{children}</{name}>")
