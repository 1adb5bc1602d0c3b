"""A zip written straight into an HTTP response, chunk by chunk: never held whole in memory.

`zipfile` writes into a sink that cannot seek, so each member's CRC and sizes follow its
data (a data descriptor) and the central directory comes last; the sink is drained to the
client after every chunk, so memory stays at about one chunk whatever the archive's size.
Members are stored, not compressed: audio does not shrink, and storing costs no CPU. ZIP64
is used where sizes or offsets need it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

log = logging.getLogger("tunecamp.daemon")
CHUNK = 1 << 20
Member = tuple[str, Path]  # (path inside the zip, file on disk)


class _Sink(io.RawIOBase):
    """Collects what zipfile writes until it is sent; it cannot seek, by design."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data)
        self._pending += view
        return view.nbytes

    def take(self) -> bytes:
        out = bytes(self._pending)
        self._pending.clear()
        return out


def attachment(filename: str) -> str:
    """A Content-Disposition value: an ASCII fallback, and the exact name per RFC 6266/5987."""
    name = filename.replace('"', "'").replace("/", "_").replace("\\", "_")
    name = "".join(c for c in name if c.isprintable())
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _infos(members: list[Member]) -> list[tuple[zipfile.ZipInfo, Path]]:
    out = []
    for name, path in members:
        info = zipfile.ZipInfo.from_file(path, name, strict_timestamps=False)  # stat: size, date
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        out.append((info, path))
    return out


async def zip_response(request: web.Request, members: list[Member], filename: str) -> web.StreamResponse:
    """Send `members` as a zip named `filename`; OSError (before anything is sent) for a missing file."""
    loop = asyncio.get_running_loop()
    infos = await loop.run_in_executor(None, _infos, members)
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": attachment(filename),
        "Cache-Control": "no-store",
        "Accept-Ranges": "none",
    }
    if request.method == "HEAD":
        return web.Response(headers=headers)
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    sink = _Sink()
    try:
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for info, path in infos:
                with path.open("rb") as source, archive.open(info, "w") as member:
                    while chunk := await loop.run_in_executor(None, source.read, CHUNK):
                        member.write(chunk)
                        await response.write(sink.take())
                await response.write(sink.take())  # the member's data descriptor
        await response.write(sink.take())  # the central directory
    except OSError as exc:
        if isinstance(exc, ConnectionError):
            log.debug("zip %s: the client went away", filename)
        else:
            # the status line is sent: the only honest signal left is a cut connection
            log.warning("zip %s cut short: %s", filename, exc)
            if request.transport is not None:
                request.transport.close()
        return response  # unfinished; aiohttp sees the closed connection and lets it go
    await response.write_eof()
    return response
