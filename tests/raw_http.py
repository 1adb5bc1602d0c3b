"""Raw HTTP/1.1 over a socket, for requests an HTTP client library refuses to build.

aiohttp's and httpx's clients will not send header bytes that are not UTF-8, and they
normalise paths; hostile clients do neither.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from aiohttp.test_utils import BaseTestServer

Headers = list[tuple[bytes, bytes]]
TIMEOUT = 10.0


@dataclass(frozen=True)
class RawAnswer:
    status: int | None  # None: the server hung up (or said nothing in TIMEOUT seconds)
    raw: bytes  # the whole answer, head and body

    @property
    def body(self) -> bytes:
        return self.raw.partition(b"\r\n\r\n")[2]


async def send_raw(
    server: BaseTestServer, method: str, target: bytes, headers: Headers | None = None, body: bytes = b""
) -> RawAnswer:
    """One request on a fresh connection to the server; Content-Length is added unless given."""
    assert server.port is not None, "the server is not started"
    headers = headers or []
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    if not any(name.lower() == b"content-length" for name, _ in headers):
        lines.append(b"Content-Length: %d" % len(body))
    lines += [name + b": " + value for name, value in headers]
    answer = b""
    try:
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
    except ConnectionError:
        pass  # answered and closed before reading the whole body: the answer is still there to read
    try:
        async with asyncio.timeout(TIMEOUT):
            while chunk := await reader.read(65536):
                answer += chunk
    except (ConnectionError, TimeoutError):
        pass  # a reset after the answer, or no answer at all
    finally:
        writer.close()
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return RawAnswer(int(match.group(1)) if match else None, answer)
