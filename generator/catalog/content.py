"""Reading the metadata files of content/: YAML with known keys, Markdown, paths kept inside.

Every problem is reported against its file and key, and what can still be used is used:
a bad `price` does not lose the release, an unknown key is named with a suggestion.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tunecamp.generator.catalog.dates import PartialDate, Precision
from tunecamp.generator.catalog.settings import SETTING_KEYS, Settings, parse_settings
from tunecamp.generator.problems import Problems

# libyaml's loader is several times faster; PyYAML may be built without it.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CATALOG_KEYS = (
    frozenset(
        [
            "title",
            "description",
            "base_url",
            "language",
            "theme",
            "label",
            "allow_html",
            "podcast",
            "feed_limit",
            "daemon_url",
            "federation",
        ]
    )
    | SETTING_KEYS
)
ARTIST_KEYS = (
    frozenset(
        {
            "name",
            "slug",
            "location",
            "image",
            "image_description",
            "links",
            "federation",
            "moved_to",
            "also_known_as",
        }
    )
    | SETTING_KEYS
)
RELEASE_KEYS = (
    frozenset(
        [
            "title",
            "slug",
            "artist",
            "date",
            "status",
            "cover",
            "cover_description",
            "genres",
            "credits",
            "catalog_number",
            "label",
            "tracks",
            "discs",
        ]
    )
    | SETTING_KEYS
)
TRACK_KEYS = (
    frozenset(
        ["file", "title", "artist", "number", "disc", "genres", "lyrics", "credits", "isrc", "composer"]
    )
    | SETTING_KEYS
)
PODCAST_KEYS = frozenset({"category", "explicit", "owner_name", "owner_email"})
COVER_NAMES = ("cover", "folder", "front", "album")
ARTIST_IMAGE_NAMES = ("artist", "image", "photo", "portrait")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")


def load_yaml(path: Path, problems: Problems) -> dict[str, Any] | None:
    """A YAML mapping, {} for an empty file, None (and a problem) when unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(path, f"cannot read: {exc}")
        return None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        problems.error(path, f"invalid YAML{yaml_error_place(exc, text)}")
        return None
    except (ValueError, LookupError, AttributeError, TypeError) as exc:
        # PyYAML's constructors raise these, not YAMLError, for a value that does not fit its
        # explicit tag (`!!int draft`, `!!bool x`, `!!timestamp x`)
        problems.error(path, f"invalid YAML: a value does not fit its tag ({type(exc).__name__}: {exc})")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.error(path, f"expected a mapping of keys, got {type(data).__name__}")
        return None
    return {str(k): v for k, v in data.items()}


def check_keys(
    data: Mapping[str, Any], allowed: Iterable[str], path: Path, problems: Problems, where: str = ""
) -> None:
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.error(path, f"unknown key{hint}; it is ignored", key=where + key)


def settings_from(
    data: Mapping[str, Any], parent: Settings, path: Path, problems: Problems, where: str = ""
) -> Settings:
    values, errors = parse_settings(data)
    for key, message in errors.items():
        problems.error(path, f"{message}; the inherited value is used", key=where + key)
    for link in values.get("payment", ()):
        if not link.secure:
            problems.warning(
                path,
                f"{link.url!r} is not https: a payment page should be; use its https:// address",
                key=where + "payment",
            )
    return parent.override(values)


def text_value(
    data: Mapping[str, Any], key: str, path: Path, problems: Problems, where: str = ""
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        problems.error(path, f"expected text, got {type(value).__name__}", key=where + key)
        return None
    return str(value).strip() or None


def list_value(
    data: Mapping[str, Any], key: str, path: Path, problems: Problems, where: str = ""
) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, str | int | float) and not isinstance(i, bool) for i in items):
        problems.error(path, "expected text or a list of text", key=where + key)
        return ()
    return tuple(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))


def int_value(
    data: Mapping[str, Any], key: str, path: Path, problems: Problems, where: str = ""
) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.error(path, f"expected a whole number, got {value!r}", key=where + key)
        return None
    return value


def bool_value(data: Mapping[str, Any], key: str, default: bool, path: Path, problems: Problems) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        problems.error(path, f"expected true or false, got {value!r}", key=key)
        return default
    return value


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def yaml_error_place(exc: yaml.YAMLError, text: str) -> str:
    """` at line L, column C: what`, pointing at a line of the file.

    A construct left open (a quote, a bracket) is only noticed at the end of the file, one line
    past its last: the line where it was opened is the one to fix, so that line is named.
    """
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f": {reason}"
    context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    at_end = mark.index >= len(text.rstrip())
    if at_end and opened is not None:
        return f" at line {opened.line + 1}, column {opened.column + 1}: {context or 'opened here'} never closed ({reason})"
    line = min(mark.line + 1, max(1, text.count("\n") + (0 if text.endswith("\n") else 1)))
    return f" at line {line}, column {mark.column + 1}: {reason}"


def parse_date(value: Any) -> dt.date | None:
    """A date from YAML (a date or text) or a tag: '2024', '2024-05', '2024-05-01T10:00'."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and 1000 <= value <= 9999:
        return PartialDate(value, precision="year")
    m = _DATE_RE.match(str(value).strip()) if isinstance(value, str) else None
    if not m:
        return None
    precision: Precision = "day" if m.group(3) else "month" if m.group(2) else "year"
    try:
        return PartialDate(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1), precision)
    except ValueError:
        return None


def date_value(
    data: Mapping[str, Any], key: str, path: Path, problems: Problems, where: str = ""
) -> dt.date | None:
    value = data.get(key)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        problems.error(path, f"{value!r} is not a date (write 2024-05-01, 2024-05 or 2024)", key=where + key)
    return parsed


def inside(base: Path, name: Any, path: Path, problems: Problems, key: str) -> Path | None:
    """`base/name` if it is an existing file inside `base`; hostile or missing paths are reported."""
    if not isinstance(name, str) or not name.strip():
        problems.error(path, "expected a file name", key=key)
        return None
    candidate = (base / name).resolve()
    if not candidate.is_relative_to(base.resolve()):
        problems.error(path, f"{name!r} points outside {base.name}/; it is ignored", key=key)
        return None
    if not candidate.is_file():
        problems.error(path, f"{name!r} does not exist in {base.name}/", key=key)
        return None
    return candidate


def read_markdown(path: Path, problems: Problems) -> str:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(path, f"cannot read: {exc}")
        return ""


def find_image(folder: Path, names: tuple[str, ...], files: frozenset[str] | None = None) -> Path | None:
    """The first `<name>.<ext>` picture in `folder`, in the order of `names`.

    `files`, the folder's file names when the caller has listed it, saves a stat per guess.
    """
    for name in names:
        for ext in IMAGE_EXTS:
            for candidate in (f"{name}{ext}", f"{name}{ext.upper()}"):
                if (candidate in files) if files is not None else (folder / candidate).is_file():
                    return folder / candidate
    return None
