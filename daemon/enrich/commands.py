"""`tunecamp enrich [RELEASE…]`: look releases up, show the diff, write it with --apply.

It reads the catalog as every command does (-c/--content, else $TUNECAMP_CONTENT_DIR...), keeps
the answers in the instance state of the data folder (the daemon's cache too), and shows a
progress bar over the releases, then one table per release and a summary of the providers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tunecamp.daemon.commands import DATA_OPTION, config_for_command

if TYPE_CHECKING:
    from rich.console import Console

    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.enrich.diff import Options
    from tunecamp.daemon.enrich.model import Diff, Proposal, ReleaseQuery
    from tunecamp.daemon.enrich.service import RunResult


def _names(values: tuple[str, ...], allowed: tuple[str, ...], option: str) -> frozenset[str]:
    names = {n.strip() for v in values for n in v.split(",") if n.strip()}
    wrong = sorted(names - set(allowed))
    if wrong:
        raise click.BadParameter(f"{', '.join(wrong)}: not one of {', '.join(allowed)}", param_hint=option)
    return frozenset(names)


@click.command()
@DATA_OPTION
@click.argument("releases", nargs=-1)
@click.option("--apply", "write", is_flag=True, help="Write the proposals (never over the artist's values).")
@click.option("--only", multiple=True, metavar="FIELD,…", help="Only these fields.")
@click.option("--provider", multiple=True, metavar="NAME,…", help="Only these providers.")
@click.option(
    "--overwrite", multiple=True, metavar="FIELD,…", help="Replace the artist's value of these fields."
)
@click.option("--refresh", is_flag=True, help="Ask again, past the cached answers.")
def enrich(
    data_dir: Path | None,
    releases: tuple[str, ...],
    write: bool,
    only: tuple[str, ...],
    provider: tuple[str, ...],
    overwrite: tuple[str, ...],
    refresh: bool,
) -> None:
    """Fill missing metadata from MusicBrainz, the Cover Art Archive, Discogs, iTunes and lyrics sites.

    RELEASE: slugs or globs (every release when none). Fields: date, genres, label, catalog_number,
    credits, cover, title, isrc, composer, lyrics. Providers: musicbrainz, coverart, discogs, itunes,
    lrclib, lyricsovh.
    """
    from tunecamp.daemon.enrich.diff import Options
    from tunecamp.daemon.enrich.model import FIELDS, PROVIDERS

    options = Options(
        fields=_names(only, FIELDS, "--only") or frozenset(FIELDS),
        providers=_names(provider, PROVIDERS, "--provider") or frozenset(PROVIDERS),
        overwrite=_names(overwrite, FIELDS, "--overwrite"),
        refresh=refresh,
    )
    config = config_for_command(data_dir)
    asyncio.run(_enrich(config, releases, options, write))


async def _enrich(config: DaemonConfig, patterns: tuple[str, ...], options: Options, write: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tunecamp.daemon.db import Db
    from tunecamp.daemon.enrich.catalog import NoRelease, read_queries
    from tunecamp.daemon.enrich.diff import chosen
    from tunecamp.daemon.enrich.service import Enricher
    from tunecamp.daemon.enrich.settings import EnrichSettings
    from tunecamp.daemon.outbound import Outbound, OutboundConfig

    try:
        queries = await asyncio.to_thread(read_queries, config.content_dir, patterns)
    except NoRelease as exc:
        raise click.ClickException(str(exc)) from None
    if not queries:
        raise click.ClickException(f"no release in {config.content_dir / 'releases'}")
    db = Db(config.database_path)
    await db.open()
    if db.error:
        raise click.ClickException(f"{config.database_path}: {db.error}")
    outbound = Outbound(OutboundConfig.from_config(config))
    enricher = Enricher(db, outbound, EnrichSettings.from_config(config))
    console = Console()
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("looking up", total=len(queries))

            def seen(q: ReleaseQuery, _diff: Diff) -> None:
                bar.update(task, advance=1, description=q.slug[:40])

            result = await enricher.run(queries, options, "command", seen)
            bar.update(task, description="done")
        by_slug = {q.slug: q for q in queries}
        for diff in result.diffs:
            _table(console, diff, options.overwrite, write)
            if write:
                accepted = chosen(diff.proposals, options.overwrite)
                if accepted:
                    done = await enricher.apply(by_slug[diff.slug], accepted, result.run_id, result.context)
                    for line in done.written:
                        console.print(f"  wrote {line}")
                    for line in done.errors:
                        console.print(f"  [red]not written[/red]: {line}")
        _summary(console, result, write)
    finally:
        await outbound.close()
        await db.close()


def _show(value: object, width: int = 60) -> str:
    text = ", ".join(value) if isinstance(value, list) else str(value if value is not None else "—")
    text = text.strip().replace("\n", " / ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _action(p: Proposal, overwrite: frozenset[str], write: bool) -> str:
    if p.overwrite and p.field not in overwrite:
        return "kept (the artist's)"
    return (
        ("written" if write else "would write")
        if not p.overwrite
        else ("replaced" if write else "would replace")
    )


def _table(console: Console, diff: Diff, overwrite: frozenset[str], write: bool) -> None:
    from rich.table import Table

    table = Table("Field", "Track", "Current", "Proposed", "Source", "Confidence", "Action", title=diff.slug)
    for p in diff.proposals:
        table.add_row(
            p.field,
            p.track or "",
            _show(p.current),
            f"{p.extra} lyrics, {str(p.proposed).count(chr(10))} lines"
            if p.field == "lyrics"
            else _show(p.proposed),
            p.source,
            f"{p.confidence:.2f}",
            _action(p, overwrite, write),
        )
    console.print(table if diff.proposals else f"{diff.slug}: nothing to add")
    console.print(f"  {diff.match}")


def _summary(console: Console, result: RunResult, write: bool) -> None:
    c = result.counters
    answered = ", ".join(sorted(c.answered)) or "none"
    console.print(
        f"{len(result.diffs)} release(s), {sum(len(d.proposals) for d in result.diffs)} proposal(s); "
        f"{c.requests} request(s), {c.cached} from the cache; answered: {answered}"
    )
    for line in c.failures:
        console.print(f"  [yellow]failed[/yellow] {line}")
    if not write:
        console.print("Nothing written: add --apply to write the proposals for empty fields.")
