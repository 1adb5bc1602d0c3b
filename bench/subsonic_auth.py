"""Sign-in CPU for bench/subsonic.py: `authenticate` in this process, with reused and fresh salts.

    .venv/bin/python bench/subsonic_auth.py DATA_DIR USER PASSWORD

Runs the daemon's app (its database and state, no HTTP server) on a data folder that has USER
with the Subsonic PASSWORD, and times the sign-in of one request, in CPU milliseconds (every
thread of the process, the database thread included): with one salt reused (the 5 s cache
answers), with a fresh salt each time (the remembered password answers: an MD5), and with a
fresh salt and nothing remembered, which is what every fresh salt cost before (a trip to the
database thread and opening the sealed password). HTTP parsing and logging are not in these
numbers; bench/subsonic.py measures whole requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import MultiDict


async def sign_in_cpu(data_dir: Path, user: str, password: str, count: int = 3000) -> dict[str, float]:
    from tunecamp.daemon.app import create_app
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.subsonic.auth import authenticate
    from tunecamp.daemon.subsonic.call import SUBSONIC

    config = DaemonConfig(data_dir=data_dir, content_dir=data_dir / "content", public_dir=data_dir / "public",
                          build_on_start=False, watch=False)  # fmt: skip
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()  # the cleanup contexts: the database, the secret, the Subsonic state
    try:
        state, request = app[SUBSONIC], make_mocked_request("GET", "/rest/ping", app=app)

        def params(salt: str) -> MultiDict[str]:
            return MultiDict({"u": user, "t": hashlib.md5((password + salt).encode()).hexdigest(), "s": salt})

        async def timed(salts: list[str], forget: bool) -> float:
            await authenticate(request, params(salts[0]), state.box, state.auth_cache)
            started = time.process_time()
            for salt in salts:
                if forget:
                    state.auth_cache.secrets.clear()
                await authenticate(request, params(salt), state.box, state.auth_cache)
            return (time.process_time() - started) * 1000 / len(salts)

        return {
            "reused salt": await timed(["reused"] * count, False),
            "fresh salt": await timed([os.urandom(6).hex() for _ in range(count)], False),
            "fresh salt, nothing remembered (before)": await timed(
                [os.urandom(6).hex() for _ in range(count // 10)], True
            ),
        }
    finally:
        await runner.cleanup()


def main() -> None:
    data_dir, user, password = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    for label, ms in asyncio.run(sign_in_cpu(data_dir, user, password)).items():
        print(f"{label}: {ms:.4f} ms")


if __name__ == "__main__":
    main()
