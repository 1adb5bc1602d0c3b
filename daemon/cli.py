"""The `tunecamp` command: the one place where the generator's and the daemon's commands meet.

`tunecamp()` builds the group when it is called, never at import: the generator's group
(init, build, watch, publish...) with the daemon's commands added (serve, worker, user, backup, discover, enrich) and,
under `user`, the Subsonic feature's (subsonic-password, api-key). The console script runs
`main()`; `python -m tunecamp.daemon.cli` does the same. SENTRY_DSN, when set, reports the CLI's
own crashes too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.db import Db
    from tunecamp.daemon.jobs import Jobs


@contextlib.asynccontextmanager
async def open_jobs(config: DaemonConfig, db: Db) -> AsyncIterator[Jobs]:
    """The jobs engine `tunecamp serve` would use with `config`, for a command (no app runs):
    the kinds are the features' (their setups run, nothing starts), the backend Redis when
    TUNECAMP_REDIS_URL is set, else the jobs table of the database the command has open."""
    from redis.exceptions import RedisError

    from tunecamp.daemon.app import create_app
    from tunecamp.daemon.jobqueue.redis_backend import RedisJobs
    from tunecamp.daemon.jobqueue.sqlite_backend import SqliteJobs
    from tunecamp.daemon.jobs import KINDS
    from tunecamp.daemon.redis_link import connect

    kinds = create_app(config)[KINDS]
    if not config.redis_url:
        yield SqliteJobs(db, kinds)
        return
    client = connect(config.redis_url)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        raise click.ClickException(f"TUNECAMP_REDIS_URL: Redis does not answer ({exc})") from None
    try:
        yield RedisJobs(client, kinds)
    finally:
        await client.aclose()


def tunecamp() -> click.Group:
    """The `tunecamp` group, with every command of the generator and of the daemon."""
    from tunecamp.daemon import commands
    from tunecamp.daemon.discovery import commands as discovery
    from tunecamp.daemon.enrich import commands as enrich
    from tunecamp.daemon.federation import commands as federation
    from tunecamp.daemon.jobqueue import commands as jobqueue
    from tunecamp.daemon.subsonic import commands as subsonic
    from tunecamp.daemon.unlock import commands as unlock
    from tunecamp.generator.cli import cli

    cli.context_settings = {**cli.context_settings, "obj": commands.CommandParts(open_jobs=open_jobs)}
    for command in (subsonic.user_subsonic_password, subsonic.user_api_key):
        commands.user.add_command(command)
    for command in (
        commands.serve,
        commands.user,
        commands.backup,
        unlock.codes,
        federation.keys,
        federation.federation,
        discovery.discover,
        enrich.enrich,
        jobqueue.worker,
    ):
        cli.add_command(command)
    return cli


def main() -> None:
    from tunecamp.daemon.error_reporting import init_sentry

    init_sentry(os.environ.get("SENTRY_DSN"), component="cli")
    tunecamp()()


if __name__ == "__main__":
    main()
