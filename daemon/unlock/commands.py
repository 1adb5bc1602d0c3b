"""`tunecamp codes`: make, list and revoke download codes from the command line.

Plain click commands: cli.py adds the group when it runs. They work while the daemon runs (the
same SQLite file, the same instance secret, which keys the codes' hashes).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from tunecamp.daemon.commands import DATA_OPTION, open_database

if TYPE_CHECKING:
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.unlock.codes import CodeHasher


def _hasher(config: DaemonConfig) -> CodeHasher:
    from tunecamp.daemon.secret import SecretError, resolve_secret
    from tunecamp.daemon.unlock.codes import CodeHasher

    try:
        secret, _ = resolve_secret(config)  # the daemon's own: the hashes must match its
    except SecretError as exc:
        raise click.ClickException(str(exc)) from None
    return CodeHasher(secret)


@click.group()
def codes() -> None:
    """Download codes for releases sold or given with `download: codes` or `paid`."""


@codes.command("generate")
@click.argument("release")
@click.option("--count", type=int, required=True, help="How many codes to make (1 to 10,000).")
@click.option("--uses", type=int, default=1, show_default=True, help="How many times each code works.")
@click.option(
    "--expires", default=None, metavar="DATE", help="Last day (UTC) the codes work, e.g. 2025-12-31."
)
@click.option("--note", default="", help="What they are for (a gig, the cassette run); shown in the list.")
@DATA_OPTION
def generate(
    release: str, count: int, uses: int, expires: str | None, note: str, data_dir: Path | None
) -> None:
    """Make codes for RELEASE and print them once, as CSV (only their hashes are kept)."""
    from tunecamp.daemon.catalog_index import release_artists
    from tunecamp.daemon.protected import has_files, is_slug
    from tunecamp.daemon.unlock import store
    from tunecamp.daemon.unlock.codes import to_csv

    db, config = open_database(data_dir)
    try:
        hasher = _hasher(config)
        if not is_slug(release) or not (release_artists(db, release) or has_files(config, release)):
            raise click.ClickException(
                f"no release {release!r} in the catalog index or the private store (has the daemon built it?)"
            )
        try:
            batch = store.Batch(release, count, uses, store.parse_expiry(expires) if expires else None, note)
            issued = store.generate(db, hasher, batch)
        except store.CodeError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(to_csv(issued), nl=False)
    click.echo(f"{len(issued)} codes for {release}: shown once, keep this CSV", err=True)


@codes.command("list")
@click.argument("release")
@DATA_OPTION
def list_codes(release: str, data_dir: Path | None) -> None:
    """List RELEASE's codes (number, uses, expiry, state, note) and its redemptions."""
    from tunecamp.daemon.unlock import store

    db, _ = open_database(data_dir)
    try:
        rows, log = store.codes_of(db, release), store.redemptions(db, release)
    finally:
        db.close()
    click.echo("id\tuses\texpires_at\tstate\tnote")
    for r in rows:
        click.echo(
            f"{r['id']}\t{r['uses']}/{r['max_uses']}\t{r['expires_at'] or '-'}\t{r['state']}\t{r['note']}"
        )
    click.echo(f"{len(rows)} codes, {len(log)} redemptions", err=True)
    for entry in log:
        click.echo(
            f"redeemed {entry['redeemed_at']}: code {entry['code_id']} by {entry['username'] or '-'}",
            err=True,
        )


@codes.command("revoke")
@click.argument("code")
@DATA_OPTION
def revoke(code: str, data_dir: Path | None) -> None:
    """Revoke CODE (typed as printed, any case): it stops working at once."""
    from tunecamp.daemon.unlock import store

    db, config = open_database(data_dir)
    try:
        row = store.revoke(db, _hasher(config), code)
    finally:
        db.close()
    if row is None:
        raise click.ClickException("no such code")
    click.echo(f"code {row['id']} of {row['release_slug']} revoked")
