"""The federation feature's commands: `tunecamp keys ensure|rotate` and `tunecamp federation move`.

Plain click commands; cli.py adds the two groups when it runs. They write what they send to
the outbox in the database (outbox.py) and hand it to the jobs engine the daemon uses (SQLite,
or Redis with TUNECAMP_REDIS_URL; cli.py hands over the opener), so they work with the daemon
running or not: its consumer or its workers deliver. When the engine cannot be reached, the
daemon hands what waits in the outbox over within seconds, or when it starts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from tunecamp.daemon.commands import DATA_OPTION, catalog_settings, command_parts, config_from_env

if TYPE_CHECKING:
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.db import Db
    from tunecamp.daemon.federation.manifest import Manifest

T = TypeVar("T")
PUBLIC_OPTION = click.option(
    "--public",
    "public_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The built site [default: $TUNECAMP_PUBLIC_DIR, else public/ beside the catalog folder].",
)


@click.group()
def keys() -> None:
    """The fediverse actors' signing keys (works while the daemon runs)."""


@click.group()
def federation() -> None:
    """Fediverse: move an artist to another account."""


def _config(data_dir: Path | None, public_dir: Path | None) -> DaemonConfig:
    """The folders by the one rule of every command (DATA_OPTION's -c/--content finds the catalog)."""
    ctx = click.get_current_context(silent=True)
    content = ctx.meta.get("tunecamp.content") if ctx else None
    config = config_from_env(**catalog_settings(content, data_dir, public_dir))
    if not config.database_path.is_file():
        raise click.ClickException(
            f"no TuneCamp database at {config.database_path.resolve()}; pass --data (or set TUNECAMP_DATA_DIR)"
            " to the data folder `tunecamp serve` uses, or start the daemon once"
        )
    return config


def _manifest(config: DaemonConfig) -> Manifest:
    from tunecamp.daemon.federation.move import MoveError, site_manifest

    try:
        return site_manifest(config.public_dir)
    except MoveError as exc:
        raise click.ClickException(str(exc)) from None


def rebuild(config: DaemonConfig) -> None:
    """Build the site as `tunecamp build` would, so the actor documents carry what changed."""
    from tunecamp.daemon.builds import build_options
    from tunecamp.generator.build import build
    from tunecamp.generator.buildlock import BuildLocked

    options = build_options(config.data_dir, transcode=config.build_transcode)
    for _ in range(120):  # the daemon may be building right now: its turn first
        try:
            report = build(config.content_dir, config.public_dir, options)
        except BuildLocked as exc:
            click.echo(f"{exc}; waiting", err=True)
            time.sleep(1)
            continue
        if not report.ok:
            errors = report.problems.errors
            first = str(errors[0]) if errors else "see `tunecamp build`"
            raise click.ClickException(f"the site did not build ({len(errors)} errors; the first: {first})")
        return
    raise click.ClickException("another build held the site for two minutes; try again")


async def hand_over(config: DaemonConfig, db: Db) -> None:
    """What the command wrote to the outbox, to the jobs engine now (else the daemon does it)."""
    from tunecamp.daemon.federation.outbox import Outbox

    open_jobs = command_parts().open_jobs
    if open_jobs is None:
        return
    try:
        async with open_jobs(config, db) as jobs:
            await Outbox(db, jobs).hand_over()
    except Exception as exc:  # written, so not lost: the daemon hands it over
        click.echo(f"not handed to the jobs engine now ({exc}); the daemon does it when it runs", err=True)


async def _with_db(config: DaemonConfig, work: Callable[[Db], Awaitable[T]]) -> T:
    from tunecamp.daemon.db import Db

    db = Db(config.database_path)
    await db.open()
    if db.error:
        raise click.ClickException(f"{config.database_path}: {db.error}")
    try:
        return await work(db)
    finally:
        await db.close()


@keys.command("ensure")
@DATA_OPTION
@PUBLIC_OPTION
def keys_ensure(data_dir: Path | None, public_dir: Path | None) -> None:
    """Make the keys the site's actors lack, and export the public ones for the next build."""
    from tunecamp.daemon.federation.keys import KeyStore

    config = _config(data_dir=data_dir, public_dir=public_dir)
    manifest = _manifest(config)

    async def work(db: Db) -> tuple[list[str], Path]:
        store = KeyStore(db, {a.username: a.id for a in manifest.actors})
        made = await store.ensure_all(a.username for a in manifest.actors)
        return made, await store.export_public(config.data_dir)

    made, path = asyncio.run(_with_db(config, work))
    click.echo(f"{len(made)} new key(s){': ' + ', '.join(made) if made else ''}; public keys in {path}")
    if made:
        click.echo("rebuild the site (tunecamp build) so the actors carry them", err=True)


@keys.command("rotate")
@click.argument("username")
@DATA_OPTION
@PUBLIC_OPTION
def keys_rotate(username: str, data_dir: Path | None, public_dir: Path | None) -> None:
    """Give an actor a new key: rebuild, then tell its followers (Update{Person})."""
    from tunecamp.daemon.federation.keys import KeyStore
    from tunecamp.daemon.federation.move import MoveError, actor_document, enqueue_to_followers, update_person

    config = _config(data_dir=data_dir, public_dir=public_dir)
    manifest = _manifest(config)
    if manifest.actor(username) is None:
        raise click.ClickException(f"{username}: not an actor of this site")

    async def rotate(db: Db) -> None:
        store = KeyStore(db, {a.username: a.id for a in manifest.actors})
        await store.rotate(username)
        await store.export_public(config.data_dir)

    asyncio.run(_with_db(config, rotate))
    rebuild(config)
    try:
        person = actor_document(config.public_dir, _manifest(config), username)
    except MoveError as exc:
        raise click.ClickException(str(exc)) from None
    activity = update_person(person, username)

    async def send(db: Db) -> int:
        queued = await db.run(lambda d: enqueue_to_followers(d, activity, [activity.actor]))
        await hand_over(config, db)
        return queued

    queued = asyncio.run(_with_db(config, send))
    click.echo(f"{username} has a new key; Update{{Person}} queued for {queued} inbox(es)")


@federation.command("move")
@click.argument("artist")
@click.option(
    "--to", "target", required=True, help="The new account's actor URL (https://server/users/name)."
)
@DATA_OPTION
@PUBLIC_OPTION
def federation_move(artist: str, target: str, data_dir: Path | None, public_dir: Path | None) -> None:
    """Move an artist's followers to another account (it must list this artist as an alias first)."""
    from tunecamp.daemon.federation.move import (
        MoveError,
        check_alias,
        enqueue_to_followers,
        move_activity,
        set_moved_to,
    )
    from tunecamp.daemon.outbound import Outbound, OutboundConfig

    config = _config(data_dir=data_dir, public_dir=public_dir)
    actor = _manifest(config).actor(artist)
    if actor is None or actor.kind != "artist":
        raise click.ClickException(f"{artist}: not an artist of this site")

    async def check() -> None:
        outbound = Outbound(OutboundConfig.from_config(config))
        try:
            await check_alias(outbound, target, actor.id)
        finally:
            await outbound.close()

    yaml = config.content_dir / "artists" / actor.username / "artist.yaml"
    before = yaml.read_text(encoding="utf-8") if yaml.is_file() else None
    try:
        asyncio.run(check())
        path = set_moved_to(config.content_dir, actor.username, target)
    except MoveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: moved_to set")
    try:
        rebuild(config)
    except click.ClickException:  # the artist's file as it was: no Move without the site saying so
        if before is None:
            yaml.unlink(missing_ok=True)
        else:
            yaml.write_text(before, encoding="utf-8")
        click.echo(f"{path}: moved_to taken back; nothing was sent", err=True)
        raise
    activity = move_activity(actor.id, target, actor.username)

    async def send(db: Db) -> int:
        queued = await db.run(lambda d: enqueue_to_followers(d, activity, [actor.username]))
        await hand_over(config, db)
        return queued

    queued = asyncio.run(_with_db(config, send))
    click.echo(f"Move to {target} queued for {queued} inbox(es): their servers follow the new account")
