"""The `tunecamp` command: the one place where the generator's and the daemon's commands meet.

`tunecamp()` builds the group when it is called, never at import: the generator's group
(init, build, watch, publish...) with the daemon's commands added (serve, worker, user, backup, discover, enrich) and,
under `user`, the Subsonic feature's (subsonic-password, api-key). The console script runs
`main()`; `python -m tunecamp.daemon.cli` does the same. SENTRY_DSN, when set, reports the CLI's
own crashes too.
"""

from __future__ import annotations

import os

import click


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
