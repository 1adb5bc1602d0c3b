"""What a chat message and a room name may be, who is talking, and the errors the protocol sends.

Text is kept as typed, minus what could hide or fake text (control characters, bidi overrides):
it is never HTML. Every page that shows it sets it as text (the panel's textContent, the
dashboard's autoescaping), and links are made clickable by the panel alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tunecamp.daemon.bodies import MalformedBody, check_text
from tunecamp.daemon.users import User
from tunecamp.generator.catalog.slugs import is_safe_slug

LOBBY = "lobby"
ARTIST_PREFIX = "artist:"
# Control characters but the newline, and the bidi embeddings, overrides and isolates.
_HIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


class ChatError(Exception):
    """A refusal the client is told about: `reason` is a stable word, `message` for people."""

    def __init__(self, reason: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.extra = extra

    def event(self) -> dict[str, Any]:
        return {"type": "error", "reason": self.reason, "message": str(self), **self.extra}


def check_room(value: Any) -> str:
    """The room's name: "lobby" or "artist:<slug>"."""
    if value == LOBBY:
        return LOBBY
    if (
        isinstance(value, str)
        and value.startswith(ARTIST_PREFIX)
        and is_safe_slug(value[len(ARTIST_PREFIX) :])
    ):
        return value
    raise ChatError("bad_room", 'room: "lobby" or "artist:<slug>"')


def clean_text(value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise ChatError("bad_request", "text: a string")
    try:
        check_text(value, "text")
    except MalformedBody as exc:
        raise ChatError("bad_request", str(exc)) from None
    text = _HIDDEN.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    if not text:
        raise ChatError("empty", "text: nothing to send")
    if len(text) > max_length:
        raise ChatError("too_long", f"text: at most {max_length} characters", max=max_length)
    return text


def message_id(value: Any, field: str = "id") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ChatError("bad_request", f"{field}: a message id (a positive whole number)")
    return value


@dataclass(frozen=True)
class Caller:
    """Who is on a socket or a request: an account, or a visitor known by address only."""

    user: User | None
    address: str
    guest_name: str  # derived from the address (keyed hash), shown instead of it

    @property
    def name(self) -> str:
        return self.user.username if self.user else self.guest_name

    @property
    def key(self) -> str:
        """Whom the per-user rate limit and reports count: the account, or the guest's address."""
        return f"user:{self.user.id}" if self.user else f"guest:{self.address}"
