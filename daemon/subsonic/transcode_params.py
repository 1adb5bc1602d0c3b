"""`transcodeParams`: what getTranscodeDecision decided, sealed for getTranscodeStream.

Apps pass the string back as it is (the spec forbids them to build it), so it carries the whole
decision, signed with a key derived from the instance secret: the song, the caller, the target
(or "direct"), the bitrate, and an expiry. A changed byte, another user or an old string is
refused, so a stream URL cannot be forged or widened (a higher bitrate, a protected original).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

LIFETIME = 24 * 3600  # a queue prepared in the evening still plays the next morning
_PURPOSE = b"tunecamp subsonic transcodeParams v1"


@dataclass(frozen=True)
class Decision:
    track_id: int
    user_id: int
    target: str  # "direct", "built:<ext>", or a codec ffmpeg makes: mp3, opus, ogg, aac, flac
    kbps: int
    expires: int


class BadParams(ValueError):
    pass


def _key(secret: bytes) -> bytes:
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def seal(secret: bytes, decision: Decision) -> str:
    body = f"{decision.track_id}.{decision.user_id}.{decision.target}.{decision.kbps}.{decision.expires}"
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()[:18]
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def open_params(secret: bytes, text: str, now: float | None = None) -> Decision:
    parts = text.strip().split(".")
    if len(parts) != 6 or len(text) > 200:
        raise BadParams("transcodeParams is not one this server made")
    body, mac = ".".join(parts[:5]), parts[5]
    expected = base64.urlsafe_b64encode(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(expected.decode().rstrip("="), mac):
        raise BadParams("transcodeParams is not one this server made")
    track, user, target, kbps, expires = parts[:5]
    decision = Decision(int(track), int(user), target, int(kbps), int(expires))
    if decision.expires < (now if now is not None else time.time()):
        raise BadParams("transcodeParams has expired: ask getTranscodeDecision again")
    return decision
