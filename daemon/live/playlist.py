"""The rolling HLS playlist of one session, kept in memory and written out as text on request.

ffmpeg's segment muxer cuts the AAC stream into MPEG-TS files and reports each finished one
(name, start, end); this model keeps the last `size` of them in the playlist and a few more in
memory for listeners a reload behind. Writing the playlist ourselves, rather than letting ffmpeg's
HLS muxer do it, is what lets a restarted ffmpeg continue the same playlist: its first segment
carries `#EXT-X-DISCONTINUITY`, the media sequence keeps counting, and the discontinuity sequence
counts the discontinuities that scrolled out of the list (RFC 8216, 4.3.3.3).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

SEGMENT_SECONDS = 2.0
LIST_SIZE = 6
KEPT_AFTER = 4  # segments that left the list, still served to a listener a reload or two behind


@dataclass(frozen=True)
class Segment:
    name: str
    duration: float
    data: bytes
    discontinuity: bool = False


@dataclass
class Playlist:
    size: int = LIST_SIZE
    target: int = math.ceil(SEGMENT_SECONDS)
    sequence: int = 0  # media sequence number of the first segment in the list
    discontinuities: int = 0  # discontinuities that left the list
    ended: bool = False
    segments: deque[Segment] = field(default_factory=deque)  # in the list
    retired: deque[Segment] = field(default_factory=deque)  # left the list, still served
    version: int = 0  # bumped on every change: a cache key for the rendered text
    _text: tuple[int, str] = (-1, "")

    def add(self, segment: Segment) -> list[Segment]:
        """Append a finished segment; returns the segments no longer served (to delete)."""
        self.segments.append(segment)
        # a segment longer than the target (the last one before a restart) raises it once
        self.target = max(self.target, round(segment.duration))
        gone: list[Segment] = []
        while len(self.segments) > self.size:
            left = self.segments.popleft()
            self.sequence += 1
            self.discontinuities += left.discontinuity
            self.retired.append(left)
        while len(self.retired) > KEPT_AFTER:
            gone.append(self.retired.popleft())
        self.version += 1
        return gone

    def end(self) -> None:
        self.ended = True
        self.version += 1

    def find(self, name: str) -> Segment | None:
        for segment in (*self.segments, *self.retired):
            if segment.name == name:
                return segment
        return None

    def render(self) -> str:
        if self._text[0] == self.version:
            return self._text[1]
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{self.target}",
            f"#EXT-X-MEDIA-SEQUENCE:{self.sequence}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{self.discontinuities}",
        ]
        for segment in self.segments:
            if segment.discontinuity:
                lines.append("#EXT-X-DISCONTINUITY")
            lines += [f"#EXTINF:{segment.duration:.3f},", segment.name]
        if self.ended:
            lines.append("#EXT-X-ENDLIST")
        text = "\n".join(lines) + "\n"
        self._text = (self.version, text)
        return text
