"""One Subsonic call: its parameters (query and form POST merged), format and caller.

Parameter readers raise SubsonicError 10 for a missing required parameter and 0 for a
malformed one, so every handler gets the same messages for the same mistakes.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from sqlite_utils import Database

from tunecamp.daemon.appkeys import CONFIG, DB
from tunecamp.daemon.subsonic.auth import AuthCache, Caller
from tunecamp.daemon.subsonic.credentials import PasswordBox
from tunecamp.daemon.subsonic.ids import ItemId, parse
from tunecamp.daemon.subsonic.items import Annotations
from tunecamp.daemon.subsonic.library import View
from tunecamp.daemon.subsonic.library_cache import LibraryCache
from tunecamp.daemon.subsonic.listening import NotesCache
from tunecamp.daemon.subsonic.render import GENERIC, MISSING_PARAMETER, NOT_FOUND, Format, SubsonicError
from tunecamp.daemon.subsonic.slots import TranscodeSlots
from tunecamp.daemon.users import User

T = TypeVar("T")
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off", ""})


@dataclass
class NowPlayingEntry:
    username: str
    track_id: int
    player: str
    player_id: int
    started: float


@dataclass
class Listen:
    """One listen of one song by one user in one app, as `reportPlayback` follows it."""

    track_id: int
    position_ms: int
    state: str
    at: float  # monotonic time of the last report
    heard: float = 0.0  # seconds played through (seeks and pauses left out)
    counted: bool = False  # its one play is counted (by reportPlayback or scrobble)
    ignore: bool = False  # the app asked not to count it (ignoreScrobble)


@dataclass
class Subsonic:
    """The feature's state, built when the app starts."""

    box: PasswordBox
    library: LibraryCache
    slots: TranscodeSlots
    auth_cache: AuthCache = field(default_factory=AuthCache)
    now_playing: dict[tuple[int, str], NowPlayingEntry] = field(default_factory=dict)
    listens: dict[tuple[int, str], Listen] = field(default_factory=dict)
    transcodes: set[asyncio.subprocess.Process] = field(default_factory=set)
    covers: OrderedDict[str, bytes] = field(default_factory=OrderedDict)  # recent covers, by cache key
    notes: NotesCache = field(default_factory=NotesCache)


SUBSONIC = web.AppKey("subsonic", Subsonic)


@dataclass(frozen=True)
class Call:
    request: web.Request
    params: MultiDictProxy[str]
    fmt: Format
    caller: Caller | None
    state: Subsonic

    @property
    def user(self) -> User:
        if self.caller is None:  # only the endpoints marked auth=False run without one
            raise SubsonicError(GENERIC, "this call needs a user")
        return self.caller.user

    @property
    def config(self) -> Any:
        return self.request.app[CONFIG]

    async def db(self, fn: Callable[[Database], T]) -> T:
        return await self.request.app[DB].run(fn)

    async def view(self) -> View:
        library = await self.state.library.get()
        return library.view(self.caller is not None and self.caller.sees_drafts)

    async def notes(self) -> Annotations:
        """The caller's stars, ratings and plays (all of them: they are kept in memory)."""
        return await self.state.notes.get(self.request.app[DB], self.user.id)

    async def write_notes(self, fn: Callable[[Database], T]) -> T:
        """Change the caller's stars, ratings or plays."""
        return await self.state.notes.write(self.request.app[DB], self.user.id, fn)

    # --- parameters ---------------------------------------------------------------

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.params.get(name)
        return default if value is None else value

    def required(self, name: str) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            raise SubsonicError(MISSING_PARAMETER, f"required parameter is missing: {name}")
        return value

    def all(self, name: str) -> list[str]:
        return [v for v in self.params.getall(name, []) if v != ""]

    def integer(
        self, name: str, default: int | None = None, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SubsonicError(GENERIC, f"{name} must be a whole number, not {raw[:40]!r}") from None
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        return value

    def number(self, name: str, default: float = 0.0) -> float:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SubsonicError(GENERIC, f"{name} must be a number, not {raw[:40]!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise SubsonicError(GENERIC, f"{name} must be a finite number")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.params.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise SubsonicError(GENERIC, f"{name} must be true or false, not {raw[:40]!r}")

    def item(self, name: str, *kinds: str) -> ItemId:
        raw = self.required(name)
        found = parse(raw, *kinds)
        if found is None:
            raise SubsonicError(NOT_FOUND, f"{name}: no {' or '.join(kinds) or 'item'} with ID {raw[:60]!r}")
        return found

    def items(self, name: str, *kinds: str) -> list[ItemId]:
        out = []
        for raw in self.all(name):
            found = parse(raw, *kinds)
            if found is None:
                raise SubsonicError(
                    NOT_FOUND, f"{name}: no {' or '.join(kinds) or 'item'} with ID {raw[:60]!r}"
                )
            out.append(found)
        return out


def merge_params(query: Any, form: Any) -> MultiDictProxy[str]:
    merged: MultiDict[str] = MultiDict(query)
    if form:
        for key, value in form.items():
            if isinstance(value, str):
                merged.add(key, value)
    return MultiDictProxy(merged)
