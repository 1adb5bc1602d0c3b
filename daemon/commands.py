"""The daemon's commands: serve, user (add, list, set-role, passwd), backup.

Plain click commands: cli.py puts them into the `tunecamp` group when it runs. Each builds its
DaemonConfig from the environment when it runs, never at import. The helpers at the top (the
config, the database, an account by name) serve the features' commands too
(subsonic/commands.py adds its own under `user`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # imported when a command runs, so `tunecamp --help` stays quick
    from sqlite_utils import Database

    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.db import Db
    from tunecamp.daemon.jobs import Jobs
    from tunecamp.daemon.users import User

# The jobs engine the daemon uses with these settings (Redis, or the SQLite database the command
# has open), for a command that queues background work outside a running app.
OpenJobs = Callable[["DaemonConfig", "Db"], AbstractAsyncContextManager["Jobs"]]


@dataclass(frozen=True)
class CommandParts:
    """What cli.py hands to the features' commands (the click context's `obj`), as create_app
    hands things to the features: so a command reaches another room's work without importing it."""

    open_jobs: OpenJobs | None = None


def command_parts() -> CommandParts:
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(CommandParts) if ctx else None
    return found or CommandParts()


def config_from_env(**overrides: object) -> DaemonConfig:
    """The settings, from the environment and `overrides` (the options given), as a click error when wrong."""
    from tunecamp.daemon.config import ConfigError, DaemonConfig

    try:
        return DaemonConfig.from_env(os.environ, **overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def catalog_settings(
    content_dir: Path | None, data_dir: Path | None = None, public_dir: Path | None = None
) -> dict[str, Path | None]:
    """The folders by the one rule of every command (generator/catalog/location.py).

    The catalog: --content, else $TUNECAMP_CONTENT_DIR, else the current folder when it holds a
    catalog.yaml, else ./content. The data and site folders: their option, else their variable,
    else data/ and public/ beside the catalog folder.
    """
    from tunecamp.generator.catalog.location import CatalogNotFound, beside, find_catalog

    env = {k: v for k, v in os.environ.items() if v.strip()}
    catalog: Path | None = None
    try:
        if content_dir is not None:
            catalog = content_dir = find_catalog(content_dir)
        elif "TUNECAMP_CONTENT_DIR" in env:
            catalog = find_catalog(Path(env["TUNECAMP_CONTENT_DIR"]))
        else:
            catalog = content_dir = find_catalog(None)
    except CatalogNotFound:
        pass  # the defaults stand; serve names the missing folder, the user commands the database
    if catalog is not None:
        if data_dir is None and "TUNECAMP_DATA_DIR" not in env:
            data_dir = beside(catalog, "data")
        if public_dir is None and "TUNECAMP_PUBLIC_DIR" not in env:
            public_dir = beside(catalog, "public")
    return {"content_dir": content_dir, "data_dir": data_dir, "public_dir": public_dir}


# serve has its own -c/--content (the catalog it serves), so only --data here
DATA_ONLY = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The data folder [default: $TUNECAMP_DATA_DIR, else data/ beside the catalog folder].",
)


def _remember_content(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    ctx.meta["tunecamp.content"] = value


def DATA_OPTION(command: Any) -> Any:
    """--data, and -c/--content for finding the data folder beside the catalog (open_database)."""
    command = click.option(
        "-c",
        "--content",
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=_remember_content,
        help="The catalog folder, to find the data folder beside it [default: as `tunecamp build`].",
    )(command)
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The data folder [default: $TUNECAMP_DATA_DIR, else data/ beside the catalog folder].",
    )(command)


def config_for_command(data_dir: Path | None) -> DaemonConfig:
    """The settings of a command with DATA_OPTION: its data folder found by the one rule."""
    ctx = click.get_current_context(silent=True)
    content = ctx.meta.get("tunecamp.content") if ctx else None
    folders = catalog_settings(content, data_dir)
    return config_from_env(data_dir=folders["data_dir"], content_dir=folders["content_dir"])


@click.command()
@click.option(
    "-c",
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The catalog folder [default: $TUNECAMP_CONTENT_DIR, else the current folder when it has a "
    "catalog.yaml, else ./content].",
)
@click.option(
    "--public",
    "public_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the site is built and served from [default: $TUNECAMP_PUBLIC_DIR, else public/ beside "
    "the catalog folder].",
)
@DATA_ONLY
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port [default: 8000].")
@click.option("--no-build", is_flag=True, help="Serve public/ as it is, even if out of date.")
@click.option(
    "--watch/--no-watch",
    default=None,
    help="Rebuild when content changes, and reload the open pages [default: $TUNECAMP_WATCH, else on].",
)
def serve(no_build: bool, **settings: Path | str | int | bool | None) -> None:
    """Build the site if needed, then serve it with the daemon (admin, API, /health)."""
    from tunecamp.daemon.server import serve as run

    # the other options are settings, named as DaemonConfig's fields: they override the environment
    folders = catalog_settings(
        _path(settings.pop("content_dir")), _path(settings.pop("data_dir")), _path(settings.pop("public_dir"))
    )
    run(config_from_env(**folders, **settings), build=not no_build)


def _path(value: object) -> Path | None:
    return value if isinstance(value, Path) else None


@click.group()
def user() -> None:
    """Manage accounts (works while the daemon runs)."""


def open_database(data_dir: Path | None, *, create: bool = False) -> tuple[Database, DaemonConfig]:
    """The database of the data folder, migrated, and the settings; the caller closes it.

    Only `create` (adding an account before the daemon ever ran) makes a new database: any other
    command run from the wrong folder says where it looked instead of showing an empty instance.
    """
    from tunecamp.daemon.db import connect
    from tunecamp.daemon.migrations import apply_migrations

    config = config_for_command(data_dir)
    if not create and not config.database_path.is_file():
        raise click.ClickException(
            f"no TuneCamp database at {config.database_path.resolve()}; pass --data (or set "
            "TUNECAMP_DATA_DIR) to the data folder `tunecamp serve` uses"
        )
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = connect(config.database_path)
    apply_migrations(db)
    return db, config


def read_password(password_stdin: bool) -> str:
    from tunecamp.daemon.users import UserError, check_password

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return check_password(password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None


ROLE = click.Choice(["owner", "manager", "curator", "listener"])


@user.command("add")
@click.argument("username")
@click.option("--role", type=ROLE, default="listener", show_default=True)
@click.option("--artist", "artists", multiple=True, help="An artist slug this Curator manages (repeatable).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin (the default when not a TTY)."
)
@DATA_OPTION
def user_add(
    username: str, role: str, artists: tuple[str, ...], password_stdin: bool, data_dir: Path | None
) -> None:
    """Create an account; the password is read from stdin or prompted for."""
    from tunecamp.daemon.users import (
        UserError,
        check_artists,
        check_username,
        create_user,
        hash_password_sync,
        set_artists,
    )

    try:
        check_username(username)
        check_artists(list(artists))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    password = read_password(password_stdin)
    db, config = open_database(data_dir, create=True)
    try:
        created = create_user(db, username, hash_password_sync(password, config.bcrypt_rounds), role)
        if artists:
            set_artists(db, created.id, list(artists))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    # the port of a daemon started elsewhere is unknown here: name an address only when it is set
    where = f"at {config.public_url.rstrip('/')}/admin" if config.public_url else "at /admin of the daemon"
    click.echo(f"created {role} {username}; sign in {where}")


@user.command("list")
@DATA_OPTION
def user_list(data_dir: Path | None) -> None:
    """List the accounts and their roles."""
    from tunecamp.daemon.users import list_users

    db, _ = open_database(data_dir)
    try:
        for u in list_users(db):
            click.echo(f"{u.username}\t{u.role}" + (f"\t{', '.join(u.artists)}" if u.artists else ""))
    finally:
        db.close()


def find_user(db: Database, username: str) -> User:
    """The account named `username`, or a click error (the database is closed first)."""
    from tunecamp.daemon.users import get_user_by_name

    found = get_user_by_name(db, username)
    if found is None:
        db.close()
        raise click.ClickException(f"no account named {username!r}")
    return found


@user.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE)
@DATA_OPTION
def user_set_role(username: str, role: str, data_dir: Path | None) -> None:
    """Change an account's role (its current sessions end)."""
    from tunecamp.daemon.users import count_owners, set_role

    db, _ = open_database(data_dir)
    try:
        target = find_user(db, username)
        if target.role == "owner" and role != "owner" and count_owners(db) <= 1:
            raise click.ClickException("this is the last Owner; make someone else Owner first")
        set_role(db, target.id, role)
    finally:
        db.close()
    click.echo(f"{username} is now {role}")


@user.command("passwd")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin (the default when not a TTY)."
)
@DATA_OPTION
def user_passwd(username: str, password_stdin: bool, data_dir: Path | None) -> None:
    """Set a new password; every session of the account ends."""
    from tunecamp.daemon.users import hash_password_sync, set_password_hash

    password = read_password(password_stdin)
    db, config = open_database(data_dir)
    try:
        target = find_user(db, username)
        set_password_hash(db, target.id, hash_password_sync(password, config.bcrypt_rounds))
    finally:
        db.close()
    click.echo(f"password of {username} changed; its tokens are revoked")


@click.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path), required=False)
@DATA_OPTION
def backup(destination: Path | None, data_dir: Path | None) -> None:
    """Copy the database consistently, even while the daemon runs."""
    from tunecamp.daemon.backup import BackupError, default_destination
    from tunecamp.daemon.backup import backup as run

    config = config_for_command(data_dir)
    try:
        path = run(config.database_path, destination or default_destination(config.data_dir))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {config.database_path} to {path}")
