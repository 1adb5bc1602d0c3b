"""Fan-out: one published event reaches every socket subscribed to its room.

The chat talks to a `Broadcaster` only: `publish(room, event)` and `subscribe(room, deliver)`.
`LocalBroadcaster` is the in-process one (one daemon process); `RedisBroadcaster`
(redis_broadcast.py, with TUNECAMP_REDIS_URL) implements the same calls for several processes,
publishing to a channel per room and delivering what its listener task receives to the local
subscribers through a LocalBroadcaster.

An event is serialised once per publish, not once per socket: with a thousand sockets in a room
the JSON encoding would otherwise dominate. `deliver` is awaited in turn for each subscriber and
must not wait on a slow client (socket.py writes at once, or queues for the socket's own writer).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

Deliver = Callable[[str], Awaitable[None]]
Unsubscribe = Callable[[], None]


class Broadcaster(Protocol):
    async def publish(self, room: str, event: Mapping[str, Any]) -> None: ...

    def subscribe(self, room: str, deliver: Deliver) -> Unsubscribe: ...

    def listeners(self, room: str) -> int: ...


class LocalBroadcaster:
    def __init__(self) -> None:
        self._rooms: dict[str, dict[int, Deliver]] = {}
        self._next = 0

    async def publish(self, room: str, event: Mapping[str, Any]) -> None:
        if room in self._rooms:
            await self.send(room, json.dumps(event, ensure_ascii=False, separators=(",", ":")))

    async def send(self, room: str, text: str) -> None:
        """Deliver an event serialised already to this process's subscribers of `room`."""
        subscribers = self._rooms.get(room)
        if not subscribers:
            return
        for deliver in list(subscribers.values()):  # a deliver may unsubscribe (a full queue)
            await deliver(text)

    def subscribe(self, room: str, deliver: Deliver) -> Unsubscribe:
        self._next += 1
        key = self._next
        self._rooms.setdefault(room, {})[key] = deliver

        def unsubscribe() -> None:
            subscribers = self._rooms.get(room)
            if subscribers is not None:
                subscribers.pop(key, None)
                if not subscribers:
                    del self._rooms[room]

        return unsubscribe

    def listeners(self, room: str) -> int:
        return len(self._rooms.get(room, ()))
