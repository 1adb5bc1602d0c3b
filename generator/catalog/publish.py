"""Changing a release's status in its release.yaml and nothing else, byte for byte.

release.yaml belongs to the artist (content/ is kept in git), so promotion must not reflow it:
a YAML emitter, even a round-trip one, re-indents sequences, wraps long lines, drops `---`, a
BOM and CRLF line ends. Instead the parser's marks locate the `status:` value and only those
characters are replaced (or one `status:` line is added); the result is parsed again and must
equal the old data with the new status, or the file is left alone with an error.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog.model import STATUSES
from tunecamp.generator.catalog.release_folders import (
    PublishError,
    ReleaseFolder,
    find_release_folder,
    release_folders,
    select_releases,
)
from tunecamp.generator.problems import Problems

__all__ = ["PublishError", "find_release_folder", "publish_many", "rewrite", "set_status", "with_status"]

_STR = "tag:yaml.org,2002:str"
# A save by the artist's editor between our read and our rename would be lost; we look again
# just before the rename and start over this many times.
_ATTEMPTS = 3
# PyYAML's constructors raise these, not YAMLError, for a value that does not fit its explicit
# tag (`!!int draft`, `!!bool x`, `!!timestamp x`).
_TAG_MISMATCH = (ValueError, LookupError, AttributeError, TypeError)


def set_status(content_dir: Path, release_slug: str, status: str) -> Path:
    """Write `status` into the release's release.yaml (created if missing); returns its path.

    A file that already says `status` is not written at all (no rebuild from the watcher).
    """
    meta = find_release_folder(content_dir, release_slug) / "release.yaml"
    write_status(meta, status)
    return meta


@dataclass(frozen=True)
class Change:
    slug: str
    meta: Path
    before: str  # the status it had


@dataclass(frozen=True)
class PublishResult:
    changed: tuple[Change, ...]
    unchanged: tuple[str, ...]  # slugs that already had the status


def publish_many(
    content_dir: Path, patterns: tuple[str, ...], status: str, *, all_drafts: bool = False
) -> PublishResult:
    """Set `status` on the releases named by slugs or globs (and every draft with `all_drafts`).

    Only those releases' release.yaml are read and written (with `all_drafts`, every release.yaml
    is read once, as finding the drafts needs). Every name is checked before any file changes.
    """
    if status not in STATUSES:
        raise PublishError(f"{status!r} is not one of: {', '.join(STATUSES)}")
    chosen = {r.folder: r for r in select_releases(content_dir, patterns)} if patterns else {}
    named = set(chosen)
    if all_drafts:
        for r in release_folders(content_dir):
            chosen.setdefault(r.folder, r)
    changed, unchanged = [], []
    for r in chosen.values():
        before = _current_status(r)
        if r.folder not in named and before != "draft":
            continue
        if write_status(r.meta, status):
            changed.append(Change(r.slug, r.meta, before))
        else:
            unchanged.append(r.slug)
    return PublishResult(tuple(changed), tuple(unchanged))


def _current_status(release: ReleaseFolder) -> str:
    try:
        raw = release.meta.read_bytes()
    except OSError:
        return "draft"
    if b"status" not in raw and b"\\" not in raw:  # no status written: a draft
        return "draft"
    try:
        data = c.load_yaml(release.meta, Problems()) or {}
    except _TAG_MISMATCH:
        data = {}
    value = data.get("status")
    return value if isinstance(value, str) and value in STATUSES else "draft"


def write_status(meta: Path, status: str) -> bool:
    """Write `status` into `meta`; False when it already said so (then nothing is written)."""
    if status not in STATUSES:
        raise PublishError(f"{status!r} is not one of: {', '.join(STATUSES)}")
    return rewrite(meta, lambda text: with_status(text, status, meta))


def rewrite(meta: Path, edit: Callable[[str], str]) -> bool:
    """Put `edit(text)` in `meta` (text is "" when it does not exist yet), in place and safely:
    False when the edit changes nothing (then nothing is written). Enrichment writes through it too.
    """
    # Through a symlink the link stays and its target is edited.
    target = meta.resolve()
    _check_backup(target)
    for _ in range(_ATTEMPTS):
        before = _read(target, meta)
        after = edit(before.decode("utf-8") if before is not None else "")
        if before is not None and after.encode("utf-8") == before:
            return False
        if _replace_if_unchanged(target, before, after.encode("utf-8")):
            return True
    raise PublishError(f"{meta} keeps changing while it is written; try again")


def with_status(text: str, status: str, meta: Path) -> str:
    """`text` with its top-level `status` set; every other character as it was."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        # Found before constructing: a merge key (<<) would splice other mappings' pairs in.
        pairs = _status_pairs(root)
        old = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise PublishError(f"{meta}: invalid YAML{c.yaml_error_place(exc, text)}; fix it first") from None
    except _TAG_MISMATCH as exc:
        raise PublishError(
            f"{meta}: invalid YAML: a value does not fit its !!tag ({exc}); fix it first"
        ) from None
    finally:
        loader.dispose()
    if old is None:
        old = {}
    if not isinstance(old, dict) or not (root is None or isinstance(root, MappingNode)):
        raise PublishError(f"{meta}: expected a mapping of keys")
    if len(pairs) > 1:
        lines = ", ".join(str(k.start_mark.line + 1) for k, _ in pairs)
        raise PublishError(f"{meta} [status]: the key appears on lines {lines}; keep one")
    if pairs and old.get("status") == status:
        return text
    new = _replace(text, pairs[0], status, meta) if pairs else _insert(text, root, status)
    _check(old, new, status, meta)
    return new


def _status_pairs(root: Node | None) -> list[tuple[Node, Node]]:
    if not isinstance(root, MappingNode):
        return []
    return [
        (k, v) for k, v in root.value if isinstance(k, ScalarNode) and k.tag == _STR and k.value == "status"
    ]


def _replace(text: str, pair: tuple[Node, Node], status: str, meta: Path) -> str:
    key, value = pair
    if value.start_mark.index < key.end_mark.index:
        raise PublishError(f"{meta} [status]: an alias (*name); write the status itself")
    if not isinstance(value, ScalarNode):
        raise PublishError(f"{meta} [status]: expected one of {', '.join(STATUSES)}, got a list or mapping")
    if value.value == "" and not value.style:
        # `status:` with nothing after it (or only an anchor or a tag): the value goes at its end.
        at = value.end_mark.index
        return f"{text[:at]} {status}{text[at:]}"
    # The scalar's own characters, without the anchor or tag the node's marks include.
    tokens = yaml.scan(text, Loader=yaml.SafeLoader)
    token = next(
        (t for t in tokens if isinstance(t, yaml.ScalarToken) and t.end_mark.index == value.end_mark.index),
        None,
    )
    if token is None:
        raise PublishError(f"{meta} [status]: cannot find its value; write `status: {status}` by hand")
    start, end = token.start_mark.index, token.end_mark.index
    if value.style in ("'", '"'):
        written = f"{value.style}{status}{value.style}"
    else:
        span = text[start:end]
        # A block scalar (| or >) owns the line breaks after it; they stay.
        written = status + span[len(span.rstrip()) :]
    return text[:start] + written + text[end:]


def _insert(text: str, root: Node | None, status: str) -> str:
    """One `status:` line before the first key (after the artist's heading comments)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if not isinstance(root, MappingNode):  # empty, or only comments
        glue = newline if text and not text.endswith("\n") else ""
        return f"{text}{glue}status: {status}{newline}"
    if root.flow_style:
        if not root.value:
            at = root.start_mark.index + 1
            return f"{text[:at]}status: {status}{text[at:]}"
        at = root.value[0][0].start_mark.index
        return f"{text[:at]}status: {status}, {text[at:]}"
    first = root.value[0][0].start_mark.index
    # Never in front of a byte order mark, which must stay the file's first character.
    line_start = max(text.rfind("\n", 0, first) + 1, 1 if text.startswith("\ufeff") else 0)
    indent = text[line_start:first]
    if indent.strip(" "):  # `? key` or `--- key`: the new line starts at the margin
        indent = ""
    return f"{text[:line_start]}{indent}status: {status}{newline}{text[line_start:]}"


def _check(old: dict[object, object], new_text: str, status: str, meta: Path) -> None:
    """The edited text must mean the old data with the new status, or nothing is written."""
    try:
        new = yaml.load(new_text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, *_TAG_MISMATCH):
        new = None
    if isinstance(new, dict) and new.get("status") == status and _rest(new) == _rest(old):
        return
    raise PublishError(
        f"{meta}: its layout is too unusual to change the status safely; write `status: {status}` by hand"
    )


def _rest(data: dict[object, object]) -> str:
    # repr, not ==: a NaN equals nothing, not even itself.
    return repr({k: v for k, v in data.items() if k != "status"})


def _read(target: Path, meta: Path) -> bytes | None:
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PublishError(f"{meta}: cannot read: {exc}") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PublishError(f"{meta}: not UTF-8 ({exc})") from None
    return data


def _replace_if_unchanged(path: Path, before: bytes | None, after: bytes) -> bool:
    """Put `after` in `path`; False (and nothing written) if the file moved on since `before`.

    An existing file is rewritten in place, not replaced: its inode, and so its owner, mode, hard
    links, ACLs and extended attributes, stay as the artist set them. A fsynced backup beside it
    comes first and goes last, so a crash in between leaves the old text to go back to.
    """
    if before is None:
        return _create(path, after)
    if not path.stat().st_mode & 0o222:
        raise PublishError(f"{path} is read-only; make it writable to change it")
    backup = _backup(path)
    try:
        with open(path, "r+b") as f:
            if f.read() != before:
                return False
            _write_synced(backup, before)
            f.seek(0)
            f.write(after)
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
    except PermissionError as exc:
        raise PublishError(f"{path}: cannot write: {exc.strerror}") from None
    backup.unlink()
    return True


def _backup(path: Path) -> Path:
    return path.with_name(f".{path.name}.publish-backup")


def _check_backup(path: Path) -> None:
    """A backup left beside the file means a status change was cut short: which text is right is
    the artist's call, unless both are the same."""
    backup = _backup(path)
    if not backup.exists():
        return
    try:
        same = backup.read_bytes() == path.read_bytes()
    except FileNotFoundError:
        same = False
    if not same:
        raise PublishError(
            f"{path}: an earlier status change was cut short; compare the file with {backup.name} "
            "beside it, keep the right text and delete the backup"
        )
    backup.unlink()


def _create(path: Path, data: bytes) -> bool:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        if path.exists():  # written by someone else meanwhile
            Path(tmp).unlink()
            return False
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
