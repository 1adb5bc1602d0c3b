from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tunecamp.daemon.config import ConfigError, DaemonConfig, Rate, settings_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_defaults_work_for_the_demo() -> None:
    config = DaemonConfig.from_env({})
    assert (config.host, config.port) == ("127.0.0.1", 8000)
    assert config.data_dir == Path("data") and config.content_dir == Path("content")
    assert config.url == "http://127.0.0.1:8000"
    assert config.jwt_secret is None and config.sentry_dsn is None


def test_environment_then_overrides() -> None:
    env = {
        "TUNECAMP_DATA_DIR": "/srv/data",
        "TUNECAMP_PORT": "9000",
        "TUNECAMP_BUILD_TRANSCODE": "no",
        "TUNECAMP_LOGIN_RATE_ACCOUNT": "3/60",
        "SENTRY_DSN": "http://k@127.0.0.1:1/1",
        "TUNECAMP_HOST": " ",
    }
    config = DaemonConfig.from_env(env, port=9100, host=None)
    assert config.data_dir == Path("/srv/data")
    assert config.port == 9100  # the command line wins
    assert config.host == "127.0.0.1"  # blank means unset
    assert config.build_transcode is False
    assert config.login_rate_account == Rate(3, 60)
    assert config.database_path == Path("/srv/data/tunecamp.db")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TUNECAMP_PORT", "eighty"),
        ("TUNECAMP_PORT", "70000"),
        ("TUNECAMP_BUILD_ON_START", "maybe"),
        ("TUNECAMP_LOGIN_RATE_ADDRESS", "5"),
        ("TUNECAMP_LOGIN_RATE_ADDRESS", "0/60"),
        ("TUNECAMP_JWT_SECRET", "short"),
        ("TUNECAMP_PUBLIC_URL", "ftp://x"),
        ("TUNECAMP_BCRYPT_ROUNDS", "3"),
        ("TUNECAMP_LOGIN_SLOW_DELAY", "60"),
        ("TUNECAMP_LOGIN_SLOW_DELAY", "nan"),
        ("TUNECAMP_TRANSCODE_MAX", "-1"),
        ("TUNECAMP_TRANSCODE_MAX_PER_USER", "0"),
        ("TUNECAMP_DELIVERY_CONCURRENCY", "0"),
        ("TUNECAMP_DELIVERY_PER_HOST", "64"),
        ("TUNECAMP_DELIVERY_HEARTBEAT", "1"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        DaemonConfig.from_env({name: value})


def test_the_transcode_cap_defaults_to_twice_the_cores() -> None:
    assert DaemonConfig.from_env({}).transcodes_allowed == 2 * (os.cpu_count() or 1)
    config = DaemonConfig.from_env({"TUNECAMP_TRANSCODE_MAX": "5", "TUNECAMP_TRANSCODE_MAX_PER_USER": "1"})
    assert (config.transcodes_allowed, config.transcode_max_per_user) == (5, 1)


def test_secrets_stay_out_of_repr() -> None:
    config = DaemonConfig.from_env(
        {"TUNECAMP_JWT_SECRET": "s" * 40, "SENTRY_DSN": "http://key@127.0.0.1:9/1"}
    )
    assert "s" * 40 not in repr(config) and "key@" not in repr(config)


def documented() -> dict[str, str]:
    """variable -> field, from the one reference table of docs/configuration.md."""
    rows = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"^\|\s*`([A-Z0-9_]+)`\s*\|\s*`([a-z0-9_]+)`\s*\|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_every_setting_is_documented_and_every_documented_setting_exists() -> None:
    table = {var: field for var, field, _ in settings_table()}
    assert documented() == table
