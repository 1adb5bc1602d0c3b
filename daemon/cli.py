"""The `tunecamp` command: the generator's commands plus the daemon's (serve, user, backup).

Each command builds its DaemonConfig from the environment when it runs, never at import.
SENTRY_DSN, when set, reports the CLI's own crashes too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tunecamp.generator.cli import cli


def _config(**overrides: object) -> object:
    from tunecamp.daemon.config import ConfigError, DaemonConfig

    try:
        return DaemonConfig.from_env(os.environ, **overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


DATA_OPTION = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The data folder [default: $TUNECAMP_DATA_DIR or ./data].",
)


@cli.command()
@click.option(
    "-c",
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The catalog folder [default: $TUNECAMP_CONTENT_DIR or ./content].",
)
@click.option(
    "--public",
    "public_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the site is built and served from [default: ./public].",
)
@DATA_OPTION
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port [default: 8000].")
@click.option("--no-build", is_flag=True, help="Serve public/ as it is, even if out of date.")
@click.option(
    "--watch/--no-watch",
    default=None,
    help="Rebuild when content changes, and reload the open pages [default: $TUNECAMP_WATCH, else on].",
)
def serve(
    content_dir: Path | None,
    public_dir: Path | None,
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    no_build: bool,
    watch: bool | None,
) -> None:
    """Build the site if needed, then serve it with the daemon (admin, API, /health)."""
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.server import serve as run

    config = _config(
        content_dir=content_dir, public_dir=public_dir, data_dir=data_dir, host=host, port=port, watch=watch
    )
    assert isinstance(config, DaemonConfig)
    run(config, build=not no_build)


@cli.group()
def user() -> None:
    """Manage accounts (works while the daemon runs)."""


def _db(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.db import connect
    from tunecamp.daemon.migrations import apply_migrations

    config = _config(data_dir=data_dir)
    assert isinstance(config, DaemonConfig)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = connect(config.database_path)
    apply_migrations(db)
    return db, config


def _read_password(password_stdin: bool) -> str:
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
    password = _read_password(password_stdin)
    db, config = _db(data_dir)
    try:
        created = create_user(db, username, hash_password_sync(password, config.bcrypt_rounds), role)
        if artists:
            set_artists(db, created.id, list(artists))
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"created {role} {username}; sign in at {config.url}/admin")


@user.command("list")
@DATA_OPTION
def user_list(data_dir: Path | None) -> None:
    """List the accounts and their roles."""
    from tunecamp.daemon.users import list_users

    db, _ = _db(data_dir)
    try:
        for u in list_users(db):
            click.echo(f"{u.username}\t{u.role}" + (f"\t{', '.join(u.artists)}" if u.artists else ""))
    finally:
        db.close()


def _find(db, username: str):  # type: ignore[no-untyped-def]
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

    db, _ = _db(data_dir)
    try:
        target = _find(db, username)
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

    password = _read_password(password_stdin)
    db, config = _db(data_dir)
    try:
        target = _find(db, username)
        set_password_hash(db, target.id, hash_password_sync(password, config.bcrypt_rounds))
    finally:
        db.close()
    click.echo(f"password of {username} changed; its tokens are revoked")


def _password_box(config: object) -> object:
    from tunecamp.daemon.app_passwords import PasswordBox
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.tokens import SecretError, resolve_secret

    assert isinstance(config, DaemonConfig)
    try:
        secret, _ = resolve_secret(config)  # the daemon's own secret: the key must match
    except SecretError as exc:
        raise click.ClickException(str(exc)) from None
    return PasswordBox.from_secret(secret)


@user.command("subsonic-password")
@click.argument("username")
@click.option(
    "--clear", is_flag=True, help="Remove it: the account then signs in to apps with API keys only."
)
@DATA_OPTION
def user_subsonic_password(username: str, clear: bool, data_dir: Path | None) -> None:
    """Set the password Subsonic apps sign in with (read from stdin or prompted for)."""
    from tunecamp.daemon.app_passwords import (
        PasswordBox,
        check_app_password,
        clear_app_password,
        set_app_password,
    )
    from tunecamp.daemon.users import UserError

    password = ""
    if not clear:
        if sys.stdin.isatty():
            password = click.prompt("Subsonic password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        try:
            check_app_password(password)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
    db, config = _db(data_dir)
    try:
        target = _find(db, username)
        if clear:
            clear_app_password(db, target.id)
        else:
            box = _password_box(config)
            assert isinstance(box, PasswordBox)
            set_app_password(db, box, target.id, password)
    finally:
        db.close()
    click.echo(f"Subsonic password of {username} {'removed' if clear else 'set'}")


@user.command("api-key")
@click.argument("username")
@click.option("--label", default="", help="What the key is for (shown in --list).")
@click.option("--list", "list_keys", is_flag=True, help="List the account's keys instead of making one.")
@click.option("--revoke", type=int, default=None, metavar="ID", help="Revoke the key with this ID.")
@DATA_OPTION
def user_api_key(
    username: str, label: str, list_keys: bool, revoke: int | None, data_dir: Path | None
) -> None:
    """Make a Subsonic API key (printed once, stored only as a hash), list or revoke keys."""
    from tunecamp.daemon.app_passwords import create_api_key, delete_api_key, list_api_keys

    db, _ = _db(data_dir)
    try:
        target = _find(db, username)
        if list_keys:
            for row in list_api_keys(db, target.id):
                click.echo(
                    f"{row['id']}\t{row['label']}\tcreated {row['created_at']}\tused {row['last_used_at'] or '-'}"
                )
            return
        if revoke is not None:
            if not delete_api_key(db, target.id, revoke):
                raise click.ClickException(f"{username} has no API key {revoke}")
            click.echo(f"API key {revoke} of {username} revoked")
            return
        key_id, key = create_api_key(db, target.id, label)
    finally:
        db.close()
    click.echo(key)
    click.echo(f"API key {key_id} for {username}: shown once, keep it in the app's settings", err=True)


@cli.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path), required=False)
@DATA_OPTION
def backup(destination: Path | None, data_dir: Path | None) -> None:
    """Copy the database consistently, even while the daemon runs."""
    from tunecamp.daemon.backup import BackupError, default_destination
    from tunecamp.daemon.backup import backup as run
    from tunecamp.daemon.config import DaemonConfig

    config = _config(data_dir=data_dir)
    assert isinstance(config, DaemonConfig)
    try:
        path = run(config.database_path, destination or default_destination(config.data_dir))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {config.database_path} to {path}")


def main() -> None:
    from tunecamp.daemon.error_reporting import init_sentry

    init_sentry(os.environ.get("SENTRY_DSN"), component="cli")
    cli()


if __name__ == "__main__":
    main()
