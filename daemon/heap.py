"""Short full collections: what lives long is frozen out of the collector's passes.

CPython's full collection walks every object that can hold references, with every request
waiting. With the Subsonic snapshot of a 10,000-song library that is ~180,000 objects and
40–120 ms, several times a minute under load (a full pass comes each time the objects that
outlived two collections grow by a quarter, and at thousands of requests a second they do):
that pause was the p99 of every API call at 32 clients. The snapshot lives until the next
rebuild, so once a new one is in place `settle()` asks for the next full collection to be the
last to walk it: that pass frees what the old snapshot left in cycles, and right after it
everything alive is moved to the permanent generation (`gc.freeze`). Later passes walk only what
was made since. Nothing frozen is leaked: the next `settle()` unfreezes it all first, and
reference counting frees whatever is not in a cycle meanwhile.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web


class Heap:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._asked = False
        self.freezes = 0

    def settle(self) -> None:
        """A large structure that will live long was just put in place: freeze after the next full pass."""
        gc.unfreeze()
        self._asked = True

    def collected(self, phase: str, info: dict[str, Any]) -> None:
        # a gc callback: runs inside the collection, on whichever thread it happened
        if phase == "stop" and info["generation"] == 2 and self._asked and self._loop is not None:
            self._asked = False
            self._loop.call_soon_threadsafe(self._freeze)

    def _freeze(self) -> None:
        gc.freeze()
        self.freezes += 1


HEAP = web.AppKey("heap", Heap)


async def heap_ctx(app: web.Application) -> AsyncIterator[None]:
    heap = app[HEAP]
    heap._loop = asyncio.get_running_loop()
    gc.callbacks.append(heap.collected)
    yield
    gc.callbacks.remove(heap.collected)
    heap._loop = None
