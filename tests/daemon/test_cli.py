from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from tunecamp.daemon.backup import BackupError, backup
from tunecamp.daemon.cli import tunecamp
from tunecamp.daemon.db import connect
from tunecamp.daemon.users import credentials, verify_password_sync


def run(data: Path, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(
        tunecamp(),
        [*args, "--data", str(data)],
        input=input,
        env={"TUNECAMP_BCRYPT_ROUNDS": "4"},
        catch_exceptions=False,
    )


def test_a_command_run_from_the_wrong_folder_says_where_it_looked(tmp_path: Path) -> None:
    elsewhere = tmp_path / "not-the-data"
    for args in (
        ["user", "list"],
        ["user", "set-role", "bob", "manager"],
        ["user", "api-key", "bob", "--list"],
    ):
        result = run(elsewhere, *args)
        assert result.exit_code == 1, args
        assert f"no TuneCamp database at {(elsewhere / 'tunecamp.db').resolve()}" in " ".join(
            result.output.split()
        )
    assert not elsewhere.exists()  # nothing was created


def test_user_add_names_no_address_it_cannot_know(tmp_path: Path) -> None:
    added = run(
        tmp_path / "data", "user", "add", "alice", "--role", "owner", input="a long enough password\n"
    )
    assert "sign in at /admin of the daemon" in added.output and ":8000" not in added.output
    result = CliRunner().invoke(
        tunecamp(),
        ["user", "add", "bob", "--role", "listener", "--data", str(tmp_path / "data")],
        input="another long one\n",
        env={"TUNECAMP_BCRYPT_ROUNDS": "4", "TUNECAMP_PUBLIC_URL": "https://music.example.org/"},
    )
    assert "sign in at https://music.example.org/admin" in result.output


def test_user_add_list_set_role_passwd(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = run(data, "user", "add", "alice", "--role", "owner", input="a long enough password\n")
    assert added.exit_code == 0, added.output
    assert "created owner alice" in added.output
    assert (
        run(
            data, "user", "add", "bob", "--role", "curator", "--artist", "aurora", input="another long one\n"
        ).exit_code
        == 0
    )
    listing = run(data, "user", "list").output
    assert "alice\towner" in listing and "bob\tcurator\taurora" in listing
    assert run(data, "user", "set-role", "bob", "manager").exit_code == 0
    assert "bob\tmanager" in run(data, "user", "list").output
    assert run(data, "user", "passwd", "bob", input="a brand new password\n").exit_code == 0
    db = connect(data / "tunecamp.db")
    found = credentials(db, "bob")
    assert found is not None and verify_password_sync("a brand new password", found[1])
    assert found[0].token_generation == 2  # role change and password change each revoked the tokens


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "add", "carol"), "short\n", "at least 10"),
        (("user", "add", "bad name!"), "long enough password\n", "username"),
        (("user", "set-role", "nobody", "owner"), None, "no account named"),
        (("user", "add", "x", "--role", "root"), "long enough password\n", "Invalid value"),
    ],
)
def test_user_errors_are_clear(
    tmp_path: Path, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    assert run(tmp_path, "user", "add", "someone", input="long enough password\n").exit_code == 0
    result = run(tmp_path, *args, input=stdin)
    assert result.exit_code != 0 and message in result.output


def test_an_artist_must_be_a_slug(tmp_path: Path) -> None:
    args = ("user", "add", "cora", "--role", "curator", "--artist", "aurora", "--artist", "../../etc")
    result = run(tmp_path, *args, input="a long enough password\n")
    assert result.exit_code != 0 and "'../../etc' is not an artist slug" in result.output
    assert "cora" not in run(tmp_path, "user", "list").output


def test_no_duplicate_users_and_the_last_owner_stays(tmp_path: Path) -> None:
    assert (
        run(tmp_path, "user", "add", "alice", "--role", "owner", input="a long enough password\n").exit_code
        == 0
    )
    again = run(tmp_path, "user", "add", "ALICE", input="a long enough password\n")
    assert again.exit_code != 0 and "taken" in again.output
    demote = run(tmp_path, "user", "set-role", "alice", "listener")
    assert demote.exit_code != 0 and "last Owner" in demote.output


async def test_backup_while_the_daemon_writes(client: TestClient, add_user: Any, tmp_path: Path) -> None:
    from tunecamp.daemon.appkeys import CONFIG

    config = client.app[CONFIG]
    await add_user(client.app, "alice", "owner")
    writers = [asyncio.create_task(add_user(client.app, f"user{i}", "listener")) for i in range(20)]
    destination = tmp_path / "backup.db"
    copied = await asyncio.to_thread(backup, config.database_path, destination)
    await asyncio.gather(*writers)
    assert copied == destination
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    with sqlite3.connect(destination) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = {r[0] for r in conn.execute("SELECT username FROM users")}
    assert "alice" in names  # a consistent state: alice and any of the listeners already committed
    with pytest.raises(BackupError, match="exists"):
        backup(config.database_path, destination)
    with pytest.raises(BackupError, match="does not exist"):
        backup(tmp_path / "nothing.db", tmp_path / "x.db")


def test_backup_command(tmp_path: Path) -> None:
    run(tmp_path, "user", "add", "alice", "--role", "owner", input="a long enough password\n")
    result = run(tmp_path, "backup")
    assert result.exit_code == 0, result.output
    copies = list((tmp_path / "backups").glob("tunecamp-*.db"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT username FROM users").fetchall() == [("alice",)]


def test_the_data_folder_is_found_beside_the_catalog_from_either_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tunecamp init my-music`: from my-music/ or my-music/content/ (or with -c), one data/ folder."""
    monkeypatch.chdir(tmp_path)
    env = {"TUNECAMP_BCRYPT_ROUNDS": "4", "TUNECAMP_DATA_DIR": "", "TUNECAMP_CONTENT_DIR": ""}
    assert CliRunner().invoke(tunecamp(), ["init", "my-music"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "my-music")
    added = CliRunner().invoke(
        tunecamp(), ["user", "add", "ada", "--role", "owner"], input="a long password\n", env=env
    )
    assert added.exit_code == 0, added.output
    assert (tmp_path / "my-music/data/tunecamp.db").is_file()
    for where, args in (
        (tmp_path / "my-music/content", []),
        (tmp_path, ["-c", "my-music"]),
        (tmp_path, ["-c", "my-music/content"]),
    ):
        monkeypatch.chdir(where)
        listed = CliRunner().invoke(tunecamp(), ["user", "list", *args], env=env)
        assert listed.exit_code == 0 and listed.output.startswith("ada\towner"), (where, args, listed.output)
    assert not (tmp_path / "data").exists() and not (tmp_path / "my-music/content/data").exists()
