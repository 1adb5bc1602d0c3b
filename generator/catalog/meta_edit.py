"""Setting values in a release.yaml by editing its text, as publishing sets `status`.

Enrichment adds what the public databases know (a date, a label, a track's ISRC...) to a file
that belongs to the artist: a YAML emitter would re-indent it and drop its comments. So each
value is placed by the parser's marks: an existing key's value characters are replaced, a new key
is one line added after the mapping's last pair (before `tracks:` at the top), a track without an
entry gets one at the end of `tracks:`. The result is parsed again and must equal the old data
with exactly the new values, or nothing is written and the error names the file and key.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tunecamp.generator.catalog.publish import PublishError, rewrite

Value = str | int | dt.date | list[str]
_STR = "tag:yaml.org,2002:str"
_PLAIN = re.compile(r"[A-Za-z0-9\u00c0-\uffff][\w\u00c0-\uffff .'()/&+!?-]*")
_TAG_MISMATCH = (ValueError, LookupError, AttributeError, TypeError)


@dataclass(frozen=True)
class Edits:
    """Values to set: release-level keys, and per track (by its `file`, as release.yaml names it)."""

    release: Mapping[str, Value] = field(default_factory=dict)
    tracks: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.release) or any(self.tracks.values())


def write_values(meta: Path, edits: Edits) -> bool:
    """Set `edits` in `meta` (created when missing); False when it already said all of it."""
    if not edits:
        return False
    return rewrite(meta, lambda text: with_values(text, edits, meta))


def with_values(text: str, edits: Edits, meta: Path) -> str:
    old = _load(text, meta)
    new_text = text
    for key, value in edits.release.items():
        new_text = _set_top(new_text, key, value, meta)
    for file, values in edits.tracks.items():
        for key, value in values.items():
            new_text = _set_track(new_text, file, key, value, meta)
    _check(old, new_text, edits, meta)
    return new_text


def render(value: Value) -> str:
    """`value` as one line of YAML that reads back as itself (plain when that is safe, else JSON)."""
    if isinstance(value, bool):
        raise TypeError("booleans are not written")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if _PLAIN.fullmatch(value) and not value.endswith(" ") and _reads_as(value, value):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _reads_as(text: str, value: object) -> bool:
    try:
        return bool(yaml.safe_load(f"[{text}]") == [value])
    except yaml.YAMLError:
        return False


def _compose(text: str, meta: Path) -> Node | None:
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise PublishError(f"{meta}: invalid YAML ({exc}); fix it first") from None
    finally:
        loader.dispose()


def _load(text: str, meta: Path) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise PublishError(f"{meta}: invalid YAML ({exc}); fix it first") from None
    except _TAG_MISMATCH as exc:
        raise PublishError(f"{meta}: invalid YAML: a value does not fit its !!tag ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PublishError(f"{meta}: expected a mapping of keys")
    return data


def _pair(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    found = [
        (k, v) for k, v in mapping.value if isinstance(k, ScalarNode) and k.tag == _STR and k.value == key
    ]
    return found[0] if len(found) == 1 else None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _set_top(text: str, key: str, value: Value, meta: Path) -> str:
    root = _compose(text, meta)
    if root is None:
        glue = _newline(text) if text and not text.endswith("\n") else ""
        return f"{text}{glue}{key}: {render(value)}{_newline(text)}"
    if not isinstance(root, MappingNode):
        raise PublishError(f"{meta}: expected a mapping of keys")
    before = _pair(root, "tracks") if key != "tracks" else None
    return _set_in(text, root, (key, render(value)), meta, before=before)


def _set_in(
    text: str,
    mapping: MappingNode,
    pair: tuple[str, str],
    meta: Path,
    before: tuple[Node, Node] | None = None,
) -> str:
    """`key: written` (`pair`) in `mapping`: its value replaced, or a new pair added."""
    key, written = pair
    found = _pair(mapping, key)
    if found is not None:
        return _replace_value(text, found, written, meta, key)
    if any(isinstance(k, ScalarNode) and k.value == key for k, _ in mapping.value):
        raise PublishError(f"{meta} [{key}]: the key appears more than once; keep one")
    if mapping.flow_style:
        at = mapping.end_mark.index - 1
        sep = ", " if mapping.value else ""
        return f"{text[:at]}{sep}{key}: {written}{text[at:]}"
    if not mapping.value:
        raise PublishError(f"{meta} [{key}]: cannot place the key; write `{key}: {written}` by hand")
    column = mapping.value[0][0].start_mark.column
    line = f"{' ' * column}{key}: {written}"
    if before is not None:  # beside the other release keys, above `tracks:`
        index = next(i for i, pair in enumerate(mapping.value) if pair[0] is before[0])
        if index > 0:
            return _after(text, mapping.value[index - 1][1].end_mark.index, line)
        start = before[0].start_mark.index
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip():
            raise PublishError(f"{meta} [{key}]: cannot place the key; write `{key}: {written}` by hand")
        return f"{text[:line_start]}{line}{_newline(text)}{text[line_start:]}"
    return _after(text, mapping.value[-1][1].end_mark.index, line)


def _after(text: str, at: int, line: str) -> str:
    """`line` on a line of its own after the line holding `at` (a value's end, blank lines after it aside)."""
    newline = _newline(text)
    at = len(text[:at].rstrip())
    if at > 0 and text[at - 1] == "\n":
        return f"{text[:at]}{line}{newline}{text[at:]}"
    end = text.find("\n", at)
    if end == -1:
        return f"{text}{newline}{line}{newline}"
    return f"{text[: end + 1]}{line}{newline}{text[end + 1 :]}"


def _replace_value(text: str, pair: tuple[Node, Node], written: str, meta: Path, key: str) -> str:
    name, value = pair
    if value.start_mark.index < name.end_mark.index:
        raise PublishError(f"{meta} [{key}]: an alias (*name); write the value itself")
    if isinstance(value, ScalarNode) and value.value == "" and not value.style:
        at = value.end_mark.index
        return f"{text[:at]} {written}{text[at:]}"
    start, end = value.start_mark.index, value.end_mark.index
    if isinstance(value, ScalarNode):
        tokens = yaml.scan(text, Loader=yaml.SafeLoader)
        token = next(
            (t for t in tokens if isinstance(t, yaml.ScalarToken) and t.end_mark.index == end),
            None,
        )
        if token is None:
            raise PublishError(f"{meta} [{key}]: cannot find its value; write `{key}: {written}` by hand")
        start = token.start_mark.index
    span = text[start:end]
    if "\n" in span.rstrip() and isinstance(value, SequenceNode | MappingNode) and not value.flow_style:
        # A block list starts on its own line; the flow list written in its place stays beside the key.
        start = name.end_mark.index + text[name.end_mark.index :].index(":") + 1
        span = text[start:end]
        return text[:start] + " " + written + _trailing(span, text, end) + text[end:]
    return text[:start] + written + span[len(span.rstrip()) :] + text[end:]


def _trailing(span: str, text: str, end: int) -> str:
    tail = span[len(span.rstrip()) :]
    return tail if "\n" in tail or end >= len(text) else _newline(text)


def _set_track(text: str, file: str, key: str, value: Value, meta: Path) -> str:
    root = _compose(text, meta)
    if root is None or (isinstance(root, MappingNode) and _pair(root, "tracks") is None):
        if root is not None and root.flow_style:
            entry = f"[{{file: {render(file)}, {key}: {render(value)}}}]"
            return _set_in(text, root, ("tracks", entry), meta)
        newline = _newline(text)
        glue = newline if text and not text.endswith("\n") else ""
        block = f"tracks:{newline}  - file: {render(file)}{newline}    {key}: {render(value)}{newline}"
        return f"{text}{glue}{block}"
    if not isinstance(root, MappingNode):
        raise PublishError(f"{meta}: expected a mapping of keys")
    pair = _pair(root, "tracks")
    assert pair is not None
    tracks = pair[1]
    if not isinstance(tracks, SequenceNode):
        raise PublishError(f"{meta} [tracks]: expected a list of tracks, each with a `file`")
    for entry in tracks.value:
        named = _pair(entry, "file") if isinstance(entry, MappingNode) else None
        if named is not None and isinstance(named[1], ScalarNode) and _same_file(named[1].value, file):
            assert isinstance(entry, MappingNode)
            return _set_in(text, entry, (key, render(value)), meta)
    return _add_entry(text, tracks, file, (key, render(value)), meta)


def _same_file(written: str, file: str) -> bool:
    return os.path.normpath(written.strip()) == os.path.normpath(file)


def _add_entry(text: str, tracks: SequenceNode, file: str, pair: tuple[str, str], meta: Path) -> str:
    key, written = pair
    if tracks.flow_style:
        at = tracks.end_mark.index - 1
        sep = ", " if tracks.value else ""
        return f"{text[:at]}{sep}{{file: {render(file)}, {key}: {written}}}{text[at:]}"
    first = tracks.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash = text.find("-", line_start, first.start_mark.index)
    if dash == -1:
        raise PublishError(f"{meta} [tracks]: cannot place a new entry; add `- file: {file}` by hand")
    indent = " " * (dash - line_start)
    entry = f"{indent}- file: {render(file)}{_newline(text)}{indent}  {key}: {written}"
    return _after(text, tracks.value[-1].end_mark.index, entry)


def _check(old: dict[str, Any], new_text: str, edits: Edits, meta: Path) -> None:
    expected = copy.deepcopy(old)
    for key, value in edits.release.items():
        expected[key] = value
    if any(edits.tracks.values()):
        entries = expected.setdefault("tracks", [])
        for file, values in edits.tracks.items():
            entry = next(
                (e for e in entries if isinstance(e, dict) and _same_file(str(e.get("file")), file)), None
            )
            if entry is None:
                entry = {"file": file}
                entries.append(entry)
            entry.update(values)
    try:
        new = yaml.load(new_text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, *_TAG_MISMATCH):
        new = None
    if _plain(new) != _plain(expected):
        keys = ", ".join([*edits.release, *(f"tracks[{f}].{k}" for f, v in edits.tracks.items() for k in v)])
        raise PublishError(f"{meta}: its layout is too unusual to set {keys} safely; set them by hand")


def _plain(data: Any) -> Any:
    """`data` compared by meaning: key order aside, and by repr (a NaN equals nothing, not even itself)."""
    if isinstance(data, dict):
        return sorted((repr(k), _plain(v)) for k, v in data.items())
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return repr(data)
