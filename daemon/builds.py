"""Site builds as every feature sees them, and how a build runs in a process of its own.

The build manager belongs to the site feature (site/manager.py); the others only ask it for a
rebuild and show how the last one went, through the `Builds` protocol that `appkeys.BUILDS`
is typed with. A build asked for by a person is booked as a row of `builds` and run as a
"site.rebuild" job by whichever process runs jobs; it runs in the worker process
(`python -m tunecamp.daemon.site.worker`): the manager, a preview (admin/previews.py) and
`tunecamp serve`'s first build (server.py) all start it with `worker_command`. After a build
the worker refreshes the catalog index, then runs the after-build refreshers `create_app`
handed to the manager (today the Subsonic API's media rows), named on its command line as
`module:function` since a process boundary lies between them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlite_utils import Database

    from tunecamp.generator.catalog.model import Catalog
    from tunecamp.generator.options import BuildOptions

STATE_FILE = "build-state.json"
WORKER = "tunecamp.daemon.site.worker"

# Brings a feature's own rows up to a scanned catalog, after the catalog index, in the same process.
Refresher = Callable[["Database", "Catalog"], object]


class Builds(Protocol):
    """What a feature may ask of the site's build manager: any build of the instance, whichever
    process runs it (`busy` and `summary` from the last look at the rows, at most a second old)."""

    @property
    def busy(self) -> bool: ...

    async def request(
        self,
        reason: str,
        requested_by: str | None = None,
        *,
        index_only: bool = False,
        if_changed: bool = False,
        changed: frozenset[Path] | None = None,
    ) -> dict[str, Any]: ...

    async def follow(self, build_id: int, since: int, timeout: float) -> dict[str, Any] | None: ...

    async def recent(self, log_lines: int) -> list[dict[str, Any]]: ...

    def summary(self) -> dict[str, Any]: ...


def refresher_name(refresher: Refresher) -> str:
    """`module:function`, how the worker's command line names a refresher."""
    return f"{refresher.__module__}:{refresher.__qualname__}"


def worker_command(
    content_dir: Path, public_dir: Path, data_dir: Path, *options: str, after_build: Sequence[Refresher] = ()
) -> list[str]:
    """The command line that runs the worker, in the daemon's own interpreter."""
    refreshers = [arg for r in after_build for arg in ("--after-build", refresher_name(r))]
    return [
        sys.executable,
        "-m",
        WORKER,
        "--content",
        str(content_dir),
        "--public",
        str(public_dir),
        "--data",
        str(data_dir),
        *refreshers,
        *options,
    ]


def content_fingerprint(content_dir: Path) -> str:
    """Changes when anything a build reads changes: the generator's own inputs digest."""
    from tunecamp.generator.buildstate import input_roots, inputs_digest

    content_dir = content_dir.resolve()
    return inputs_digest(input_roots(content_dir))


def read_state(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_stale(content_dir: Path, public_dir: Path, data_dir: Path) -> bool:
    if not (public_dir / "index.html").is_file():
        return True
    return read_state(data_dir).get("fingerprint") != content_fingerprint(content_dir)


def build_options(data_dir: Path, *, transcode: bool, serving_url: str | None = None) -> BuildOptions:
    """The generator's options for a daemon build: its cache and private store live in data/.

    `serving_url`: the daemon's own address, used while catalog.yaml keeps init's placeholder base_url.
    """
    from tunecamp.generator.options import BuildOptions

    return BuildOptions(
        data_dir=data_dir,
        transcode=transcode,
        private_dir=data_dir / "private",
        cache_dir=data_dir / "cache",
        serving_url=serving_url,
    )
