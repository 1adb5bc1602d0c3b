"""The Subsonic feature's commands, under `tunecamp user`: subsonic-password and api-key.

Plain click commands: cli.py adds them to the `user` group when it runs. They work while the
daemon runs; a change takes effect in the daemon within seconds (the sign-ins it remembers expire).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tunecamp.daemon.commands import DATA_OPTION, find_user, open_database

if TYPE_CHECKING:
    from tunecamp.daemon.config import DaemonConfig
    from tunecamp.daemon.subsonic.credentials import PasswordBox


def _password_box(config: DaemonConfig) -> PasswordBox:
    from tunecamp.daemon.secret import SecretError, resolve_secret
    from tunecamp.daemon.subsonic.credentials import PasswordBox

    try:
        secret, _ = resolve_secret(config)  # the daemon's own secret: the key must match
    except SecretError as exc:
        raise click.ClickException(str(exc)) from None
    return PasswordBox.from_secret(secret)


@click.command("subsonic-password")
@click.argument("username")
@click.option(
    "--clear", is_flag=True, help="Remove it: the account then signs in to apps with API keys only."
)
@DATA_OPTION
def user_subsonic_password(username: str, clear: bool, data_dir: Path | None) -> None:
    """Set the password Subsonic apps sign in with (read from stdin or prompted for)."""
    from tunecamp.daemon.subsonic.credentials import check_app_password, clear_app_password, set_app_password
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
    db, config = open_database(data_dir)
    try:
        target = find_user(db, username)
        if clear:
            clear_app_password(db, target.id)
        else:
            set_app_password(db, _password_box(config), target.id, password)
    finally:
        db.close()
    click.echo(f"Subsonic password of {username} {'removed' if clear else 'set'}")


@click.command("api-key")
@click.argument("username")
@click.option("--label", default="", help="What the key is for (shown in --list).")
@click.option("--list", "list_keys", is_flag=True, help="List the account's keys instead of making one.")
@click.option("--revoke", type=int, default=None, metavar="ID", help="Revoke the key with this ID.")
@DATA_OPTION
def user_api_key(
    username: str, label: str, list_keys: bool, revoke: int | None, data_dir: Path | None
) -> None:
    """Make a Subsonic API key (printed once, stored only as a hash), list or revoke keys."""
    from tunecamp.daemon.subsonic.credentials import create_api_key, delete_api_key, list_api_keys

    db, _ = open_database(data_dir)
    try:
        target = find_user(db, username)
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
