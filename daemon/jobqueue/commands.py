"""`tunecamp worker`: run the background jobs (deliveries, crawls, look-ups) in a process of their own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from tunecamp.daemon.commands import DATA_OPTION, config_for_command


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1000),
    default=None,
    help="Jobs of one kind run at once by this process [default: $TUNECAMP_JOBS_CONCURRENCY, else each "
    "kind's own].",
)
@click.option(
    "--kinds",
    default=None,
    metavar="KIND,KIND",
    help="Run only these kinds of jobs (comma-separated, e.g. federation.deliver) [default: every kind].",
)
@click.option(
    "--app",
    "factory",
    default="tunecamp.daemon.app:create_app",
    show_default=True,
    metavar="MODULE:FUNCTION",
    help="The function making the daemon's app from its settings (as gunicorn's); only to add features.",
)
@DATA_OPTION
def worker(concurrency: int | None, kinds: str | None, factory: str, data_dir: Path | None) -> None:
    """Run the background jobs, without serving HTTP.

    \b
    With TUNECAMP_REDIS_URL: run as many as you like, on any machine; `tunecamp serve`
    only queues the jobs (unless TUNECAMP_JOBS_IN_PROCESS=on).
    Without: the jobs are in the SQLite database, which `tunecamp serve` runs itself;
    workers beside it on the same machine share the work.
    A job whose worker is killed is run again by another once its heartbeat lapses.
    Stop with Ctrl+C or SIGTERM: running jobs get TUNECAMP_SHUTDOWN_TIMEOUT to finish.
    The dashboard's Jobs page (/admin/jobs) shows the queues, the workers and the failures.
    """
    from tunecamp.daemon.access_log import configure_logging
    from tunecamp.daemon.error_reporting import init_sentry
    from tunecamp.daemon.jobqueue.consumers import Plan
    from tunecamp.daemon.jobqueue.worker import WorkerError, load_factory, prepare, work
    from tunecamp.daemon.server import event_loop

    # a worker builds no site and watches nothing: `serve` does
    config = dataclasses.replace(config_for_command(data_dir), watch=False, live_reload=False)
    names = tuple(k.strip() for k in kinds.split(",") if k.strip()) if kinds is not None else None
    if names is not None and not names:
        raise click.BadParameter("name at least one kind", param_hint="--kinds")
    configure_logging(config.log_level, config.log_format)
    init_sentry(config.sentry_dsn, component="worker")
    try:
        app = prepare(config, Plan(names, concurrency or 0), load_factory(factory))
    except WorkerError as exc:
        raise click.ClickException(str(exc)) from None
    loop = event_loop()
    try:
        loop.run_until_complete(work(app))
    finally:
        loop.close()
