"""`tunecamp codes generate|list|revoke` on the daemon's database, keyed by the daemon's secret."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner, Result

from tests.daemon.unlock.shop import SECRET, Shop
from tunecamp.daemon.cli import tunecamp


def run(shop: Shop, *args: str) -> Result:
    env = {"TUNECAMP_JWT_SECRET": SECRET, "TUNECAMP_CONTENT_DIR": str(shop.config.content_dir)}
    return CliRunner().invoke(tunecamp(), [*args, "--data", str(shop.config.data_dir)], env=env)


async def test_generate_list_revoke(shop: Shop, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    made = run(
        shop,
        "codes",
        "generate",
        "tape",
        "--count",
        "5",
        "--uses",
        "2",
        "--expires",
        "2099-06-30",
        "--note",
        "cassette run",
    )
    assert made.exit_code == 0, made.output
    rows = list(csv.reader(io.StringIO(made.stdout)))
    assert rows[0] == ["code", "release", "uses", "expires_at", "note"] and len(rows) == 6
    assert {tuple(r[1:]) for r in rows[1:]} == {("tape", "2", "2099-06-30T23:59:59+00:00", "cassette run")}
    assert "shown once" in made.stderr
    codes = [r[0] for r in rows[1:]]
    # the daemon (same secret) takes them
    first = await client.post("/api/unlock/redeem", json={"release": "tape", "code": codes[0]})
    assert first.status == 200
    listed = run(shop, "codes", "list", "tape")
    assert listed.exit_code == 0 and not any(c in listed.output for c in codes)
    lines = [line.split("\t") for line in listed.stdout.splitlines()[1:]]
    assert sorted((line[1], line[3], line[4]) for line in lines if line[4] == "cassette run")[-1] == (
        "1/2",
        "active",
        "cassette run",
    )
    assert "redeemed" in listed.stderr
    revoked = run(shop, "codes", "revoke", codes[1].lower().replace("-", ""))
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    second = await client.post("/api/unlock/redeem", json={"release": "tape", "code": codes[1]})
    assert second.status == 403


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("codes", "generate", "ghost", "--count", "1"), "no release 'ghost'"),
        (("codes", "generate", "tape", "--count", "0"), "count"),
        (("codes", "generate", "tape", "--count", "1", "--uses", "0"), "uses"),
        (("codes", "generate", "tape", "--count", "1", "--expires", "someday"), "expires"),
        (("codes", "generate", "tape", "--count", "1", "--expires", "2001-01-01"), "already passed"),
        (("codes", "revoke", "ABCD-EFGH-JKMN"), "no such code"),
    ],
)
def test_errors_are_clear(shop: Shop, args: tuple[str, ...], fragment: str) -> None:
    result = run(shop, *args)
    assert result.exit_code == 1 and fragment in result.output, result.output


def test_no_database_says_where_it_looked(tmp_path: Path, shop: Shop) -> None:
    result = CliRunner().invoke(tunecamp(), ["codes", "list", "tape", "--data", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no TuneCamp database" in result.output
