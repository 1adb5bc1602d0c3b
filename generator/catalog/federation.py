"""The fediverse settings of catalog.yaml: `daemon_url` and the `federation:` mapping.

Without a `daemon_url` the site publishes no ActivityPub documents: an actor whose inbox
nobody can reach is not followable. Every value is checked here, and a bad one is reported
against catalog.yaml and its key while the default is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tunecamp.generator.catalog.slugs import is_safe_slug
from tunecamp.generator.problems import Problems

FEDERATION_KEYS = frozenset(
    {"label_username", "manually_approves_followers", "preview_start", "preview_length"}
)
ARTIST_FEDERATION_KEYS = frozenset({"manually_approves_followers"})
MAX_PREVIEW = 120.0  # seconds: a preview is an excerpt, not a second stream of the track


@dataclass(frozen=True)
class FederationConfig:
    label_username: str = "label"  # the label's handle (a Group actor)
    manually_approves_followers: bool = False  # artists may override it in artist.yaml
    preview_start: float = 30.0  # seconds into a track where its preview starts
    preview_length: float = 30.0  # seconds


def daemon_url(data: Mapping[str, Any], path: Path, problems: Problems) -> str | None:
    """The daemon's public origin, without a trailing slash; None when unset or unusable."""
    value = data.get("daemon_url")
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        problems.error(
            path,
            f"{value!r} is not an http(s) URL like https://music.example.org; no ActivityPub documents are written",
            key="daemon_url",
        )
        return None
    return text.rstrip("/")


def federation_config(data: Mapping[str, Any], path: Path, problems: Problems) -> FederationConfig:
    """The `federation:` mapping of catalog.yaml."""
    value = data.get("federation")
    default = FederationConfig()
    if value is None:
        return default
    if not isinstance(value, dict):
        problems.error(
            path, "expected a mapping (" + ", ".join(sorted(FEDERATION_KEYS)) + ")", key="federation"
        )
        return default
    _unknown(value, FEDERATION_KEYS, path, problems)
    username = value.get("label_username", default.label_username)
    if not isinstance(username, str) or not is_safe_slug(username):
        problems.error(
            path,
            f"{username!r} is not a usable handle (a-z, 0-9 and -); using {default.label_username!r}",
            key="federation.label_username",
        )
        username = default.label_username
    approves = bool_setting(
        value, "manually_approves_followers", default.manually_approves_followers, path, problems
    )
    where = _Where(path, problems)
    start = _seconds(value, "preview_start", (0.0, 24 * 3600.0), where)
    length = _seconds(value, "preview_length", (1.0, MAX_PREVIEW), where)
    return FederationConfig(username, approves, start, length)


def artist_federation(data: Mapping[str, Any], path: Path, problems: Problems) -> bool | None:
    """An artist's `federation:` override: whether it approves followers by hand (None: the catalog's)."""
    value = data.get("federation")
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.error(path, "expected a mapping (manually_approves_followers)", key="federation")
        return None
    _unknown(value, ARTIST_FEDERATION_KEYS, path, problems)
    if "manually_approves_followers" not in value:
        return None
    return bool_setting(value, "manually_approves_followers", None, path, problems)


def bool_setting(data: Mapping[str, Any], key: str, default: Any, path: Path, problems: Problems) -> Any:
    value = data.get(key, default)
    if value is not default and not isinstance(value, bool):
        problems.error(path, f"expected true or false, got {value!r}", key=f"federation.{key}")
        return default
    return value


def _seconds(data: Mapping[str, Any], key: str, bounds: tuple[float, float], where: _Where) -> float:
    default = getattr(FederationConfig, key)
    value = data.get(key, default)
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        where.problems.error(
            where.path,
            f"expected a number of seconds from {low:g} to {high:g}, got {value!r}; using {default:g}",
            key=f"federation.{key}",
        )
        return float(default)
    return float(value)


@dataclass(frozen=True)
class _Where:
    path: Path
    problems: Problems


def _unknown(data: Mapping[str, Any], allowed: frozenset[str], path: Path, problems: Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.error(
                path,
                f"unknown key (one of: {', '.join(sorted(allowed))}); it is ignored",
                key=f"federation.{key}",
            )
