"""The role matrix: the docs, the code and every route agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.appkeys import BUILDS, DB
from tunecamp.daemon.roles import COLUMNS, MATRIX, account_change_refusal, route_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
PARAMS = {
    "slug": "tides",
    "user_id": "999999",
    "build_id": "999999",
    "name": "admin.css",
    "path": "",
    "key_id": "999999",
    "release": "tides",
    "code_id": "999999",
    "tail": "releases/tides",
    "username": "aurora",
    "version": "2.1",
    "session": "0000000000000000",
    "room": "lobby",
    "message_id": "999999",
    "sanction_id": "999999",
    "report_id": "999999",
    "token": "1-AAAAAAAAAAAAAAAAAAAAAA",  # a Subsonic share link (signed by no one)
    "song": "tr-1",
    "catalog": "de",
    "domain": "dashboard",
}


def documented_matrix() -> dict[str, dict[str, str]]:
    lines = DOC.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Permission |"))
    columns = [c.strip().lower() for c in lines[header].strip("|").split("|")][2:]
    matrix = {}
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        matrix[cells[0].strip("`")] = dict(zip(columns, cells[2:], strict=True))
    return matrix


def test_the_docs_show_the_matrix_the_code_enforces() -> None:
    assert documented_matrix() == {perm: dict(row) for perm, (_, row) in MATRIX.items()}
    assert tuple(next(iter(documented_matrix().values()))) == COLUMNS


def _url(template: str) -> str:
    params = dict(PARAMS, slug="ghost") if template.startswith("/admin/preview") else PARAMS
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: params[m.group(1)], template)


async def _catalog_release(client: TestClient) -> None:
    def insert(db: Any) -> None:
        db.execute(
            "INSERT INTO catalog_albums (slug, title, artist_slugs, status, source_dir, updated_at) "
            "VALUES ('tides', 'Tides', '[\"aurora\"]', 'draft', 'releases/tides', '')"
        )
        db.conn.commit()

    await client.app[DB].run(insert)


@pytest.mark.slow
async def test_every_route_as_every_role(client: TestClient, add_user: Any, token_for: Any) -> None:
    app = client.app
    await _catalog_release(client)
    for role in ("owner", "manager", "listener"):
        await add_user(app, role, role)
    await add_user(app, "curator", "curator", artists=("aurora",))
    await add_user(app, "curator-elsewhere", "curator", artists=("someone-else",))
    callers = {
        "anyone": (None, "anyone"),
        "owner": ("owner", "owner"),
        "manager": ("manager", "manager"),
        "listener": ("listener", "listener"),
        "curator": ("curator", "curator"),
        "curator-elsewhere": ("curator-elsewhere", "curator"),
    }
    checked = 0
    for method, template, permission in route_table(app):
        if method == "HEAD":
            continue
        url = _url(template)
        for caller, (username, role) in callers.items():
            expected = MATRIX[permission][1][role]
            if expected == "assigned":
                expected = "yes" if caller == "curator" else "no"
            headers = {"Authorization": f"Bearer {await token_for(app, username)}"} if username else {}
            response = await client.request(
                method, url, headers=headers, json={} if method != "GET" else None, allow_redirects=False
            )
            to_login = response.status == 302 and response.headers["Location"].startswith("/admin/login")
            where = f"{method} {template} as {caller}: {response.status} {await response.text()}"
            if expected == "yes":
                assert response.status not in (401, 403) and not to_login, where
                assert response.status < 500, where
            elif username is None:
                assert response.status == 401 or to_login, where
            else:
                assert response.status == 403, where
            checked += 1
    await app[BUILDS].wait_idle()
    assert checked > 100


@pytest.mark.parametrize(
    ("actor", "target", "new", "allowed"),
    [
        ("owner", "owner", "listener", True),
        ("owner", None, "owner", True),
        ("manager", None, "manager", True),
        ("manager", "listener", "curator", True),
        ("manager", "owner", None, False),
        ("manager", "owner", "listener", False),
        ("manager", None, "owner", False),
        ("manager", "manager", "owner", False),
        ("curator", None, "listener", False),
        ("listener", None, None, False),
    ],
)
def test_account_rules(actor: str, target: str | None, new: str | None, allowed: bool) -> None:
    assert (account_change_refusal(actor, target, new) is None) is allowed
