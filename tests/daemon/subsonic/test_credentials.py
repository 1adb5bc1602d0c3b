"""App passwords are encrypted at rest and bound to their user; API keys are kept only as hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tunecamp.daemon.db import connect
from tunecamp.daemon.migrations import apply_migrations
from tunecamp.daemon.subsonic.credentials import (
    CredentialError,
    PasswordBox,
    app_password,
    clear_app_password,
    create_api_key,
    delete_api_key,
    hash_api_key,
    list_api_keys,
    set_app_password,
    user_for_api_key,
)
from tunecamp.daemon.users import UserError, create_user

BOX = PasswordBox.from_secret(b"a" * 40)


def test_seal_and_open() -> None:
    sealed = BOX.seal(1, "open sesame")
    assert "open sesame" not in sealed
    assert BOX.open(1, sealed) == "open sesame"
    assert BOX.seal(1, "open sesame") != sealed  # a fresh nonce each time
    with pytest.raises(CredentialError):
        BOX.open(2, sealed)  # bound to the user: a row copied to another user does not open
    with pytest.raises(CredentialError):
        PasswordBox.from_secret(b"b" * 40).open(1, sealed)  # another instance secret
    for broken in ("v1:!!!", "v2:" + sealed[3:], "", sealed[:-4] + "AAAA"):
        with pytest.raises(CredentialError):
            BOX.open(1, broken)


def test_storage(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.db")
    apply_migrations(db)
    user = create_user(db, "mia", "x", "listener")
    assert app_password(db, "mia") == (user, None)
    assert app_password(db, "nobody") is None
    set_app_password(db, BOX, user.id, "first password")
    set_app_password(db, BOX, user.id, "second password")
    found = app_password(db, "MIA")
    assert found is not None and BOX.open(user.id, found[1] or "") == "second password"
    raw = db.execute("SELECT encrypted FROM subsonic_passwords").fetchone()[0]
    assert "second" not in raw
    with pytest.raises(UserError):
        set_app_password(db, BOX, user.id, "short")
    with pytest.raises(UserError):
        set_app_password(db, BOX, user.id, "with a\nnewline")
    assert clear_app_password(db, user.id) and app_password(db, "mia") == (user, None)


def test_api_keys(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.db")
    apply_migrations(db)
    user = create_user(db, "mia", "x", "listener")
    key_id, key = create_api_key(db, user.id, "phone")
    other_id, other = create_api_key(db, user.id, "desktop")
    assert key != other and len(key) > 40
    stored = [r[0] for r in db.execute("SELECT key_hash FROM api_keys")]
    assert key not in stored and hash_api_key(key) in stored
    assert user_for_api_key(db, key) == user
    assert user_for_api_key(db, "tcs_guess") is None
    keys = list_api_keys(db, user.id)
    assert [k["label"] for k in keys] == ["phone", "desktop"]
    assert keys[0]["last_used_at"] is not None and keys[1]["last_used_at"] is None
    assert delete_api_key(db, user.id, key_id)
    assert user_for_api_key(db, key) is None and user_for_api_key(db, other) == user
    assert not delete_api_key(db, user.id + 1, other_id)  # only the owner's own keys


def cli(data: Path, *args: str, input: str | None = None) -> Any:
    from click.testing import CliRunner

    from tunecamp.daemon.cli import tunecamp

    return CliRunner().invoke(
        tunecamp(), [*args, "--data", str(data)], input=input, env={"TUNECAMP_BCRYPT_ROUNDS": "4"}
    )


@pytest.mark.slow
def test_cli_password_and_keys_sign_in_to_a_real_daemon(tmp_path: Path, make_audio: Any) -> None:
    import hashlib

    import httpx
    from subsonic_fixtures import make_config, serve, write_catalog

    content = write_catalog(tmp_path / "content", make_audio)
    config = make_config(tmp_path, content, jwt_secret=None)  # the secret file, as in production
    data = config.data_dir
    assert cli(data, "user", "add", "zoe", input="an account password\n").exit_code == 0
    assert "no account" in cli(data, "user", "subsonic-password", "ghost", input="whatever123\n").output
    assert cli(data, "user", "subsonic-password", "zoe", input="short\n").exit_code != 0
    done = cli(data, "user", "subsonic-password", "zoe", input="zoe's app password\n")
    assert done.exit_code == 0, done.output
    made = cli(data, "user", "api-key", "zoe", "--label", "phone")
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    assert key.startswith("tcs_")
    listed = cli(data, "user", "api-key", "zoe", "--list").output
    assert "phone" in listed and key not in listed
    with serve(config) as (url, _app, _loop):
        salt = "s1"
        token = hashlib.md5(b"zoe's app password" + salt.encode()).hexdigest()
        for params in ({"u": "zoe", "t": token, "s": salt}, {"apiKey": key}):
            body = httpx.get(f"{url}/rest/ping", params={**params, "f": "json"}).json()["subsonic-response"]
            assert body["status"] == "ok", body
        key_id = listed.split("\t")[0]
        assert cli(data, "user", "api-key", "zoe", "--revoke", key_id).exit_code == 0
        assert cli(data, "user", "subsonic-password", "zoe", "--clear").exit_code == 0
        from tunecamp.daemon.subsonic.call import SUBSONIC

        _app[SUBSONIC].auth_cache.forget()  # a CLI change reaches a running daemon within seconds
        body = httpx.get(f"{url}/rest/ping", params={"apiKey": key, "f": "json"}).json()["subsonic-response"]
        assert body["error"]["code"] == 44
        body = httpx.get(f"{url}/rest/ping", params={"u": "zoe", "t": token, "s": salt, "f": "json"}).json()
        assert body["subsonic-response"]["error"]["code"] == 40  # as for a wrong password
