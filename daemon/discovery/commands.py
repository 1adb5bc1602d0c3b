"""`tunecamp discover`: one crawl now, with a progress bar, then what it found.

It reads the settings `tunecamp serve` reads (-c/--content, --data, TUNECAMP_DATA_DIR,
TUNECAMP_FEDERATION_SEEDS, the outbound client's) and writes where the daemon writes: the
instance state in the database, network.json in the data folder (the next build shows it).
It works with the daemon running or not; the daemon's next crawl starts from what it stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tunecamp.daemon.commands import DATA_OPTION, config_for_command

if TYPE_CHECKING:
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.discovery.service import CrawlResult


@click.command()
@DATA_OPTION
@click.option("--seed", "extra", multiple=True, help="Also start from this origin (may be repeated).")
def discover(data_dir: Path | None, extra: tuple[str, ...]) -> None:
    """Crawl the network of TuneCamp instances now, and list what was found."""
    from tunecamp.daemon.config import ConfigError

    config = config_for_command(data_dir)
    if extra:
        from dataclasses import replace

        try:
            config = replace(config, federation_seeds=",".join([*config.seed_list, *extra]))
            config.check()
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    result, rows = asyncio.run(_crawl(config))
    _report(result, rows)


async def _crawl(config: DaemonConfig) -> tuple[CrawlResult, list[dict[str, object]]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tunecamp.daemon.app import fediverse_origins
    from tunecamp.daemon.db import Db
    from tunecamp.daemon.discovery import store
    from tunecamp.daemon.discovery.crawler import Probe
    from tunecamp.daemon.discovery.limits import DiscoverySettings
    from tunecamp.daemon.discovery.service import Discovery
    from tunecamp.daemon.outbound import Outbound, OutboundConfig

    db = Db(config.database_path)
    await db.open()
    if db.error:
        raise click.ClickException(f"{config.database_path}: {db.error}")
    outbound = Outbound(OutboundConfig.from_config(config))
    settings = DiscoverySettings.from_config(config)
    discovery = Discovery(db, outbound, settings, config.data_dir, seed_source=fediverse_origins(db))
    try:
        if not await discovery.seeds():
            raise click.ClickException(
                "no seed to start from: set TUNECAMP_FEDERATION_SEEDS, pass --seed https://music.example,"
                " or add one on the dashboard (/admin/discovery)"
            )
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("crawling", total=None)

            def seen(probe: Probe, queued: int) -> None:
                bar.update(
                    task, advance=1, total=queued, description=f"depth {probe.depth}: {probe.origin[:40]}"
                )

            result = await discovery.crawl("command", seen)
            bar.update(task, description="done")
        rows = await db.run(lambda d: store.instances(d))
    finally:
        await outbound.close()
        await db.close()
    return result, rows


def _report(result: CrawlResult, rows: list[dict[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("Instance", "Name", "Software", "Releases", "State")
    for row in rows:
        state = "offline" if row["offline_since"] else ("failing" if row["failures"] else "online")
        table.add_row(
            str(row["origin"]),
            str(row["name"]),
            f"{row['software']} {row['version']}",
            str(row["release_count"]),
            state,
        )
    console = Console()
    console.print(table)
    console.print(
        f"{result.reached} instance(s) reached, {result.failures} origin(s) failed, {result.dropped} no longer "
        f"TuneCamp, {result.offline} gone offline, {result.purged} purged; {result.requests} requests in "
        f"{result.seconds:.1f} s"
    )
