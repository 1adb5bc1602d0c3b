"""A full build in the worker process (worker.py), its events read into the run as they come.

The daemon never builds a whole site in its own process: the worker may take minutes and much
memory, and a crash or a kill there leaves the published site as it was (the generator writes
atomically). Stopped mid-build (shutdown, a job's timeout), the worker is killed and the
cancellation goes on up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tunecamp.daemon.site.runs import BuildRun, take_line

log = logging.getLogger("tunecamp.builds")


class WorkerProcess:
    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None

    async def run(
        self, command: Sequence[str], run: BuildRun, news: Callable[[], Awaitable[None]]
    ) -> tuple[int, dict[str, Any]]:
        """Run `command`, reading its lines into `run` (`news` after each); (exit code, done event)."""
        done: dict[str, Any] = {}
        process = None
        try:
            process = self.process = await asyncio.create_subprocess_exec(
                *command,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
            assert process.stdout is not None
            async for raw in process.stdout:
                done = take_line(run, raw.decode("utf-8", "replace").rstrip("\n")) or done
                await news()
            code = await process.wait()
        except asyncio.CancelledError:
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
            raise
        except Exception as exc:
            log.exception("build %s could not run", run.id)
            code, run.error = -1, f"{type(exc).__name__}: {exc}"
        finally:
            self.process = None
        return code, done

    def terminate(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
