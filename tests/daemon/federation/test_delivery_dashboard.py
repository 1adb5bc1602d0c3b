"""The fediverse pages of the dashboard: every list and every button, through the real app and forms."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient
from fedsite import Site

from tunecamp.daemon.app import create_app
from tunecamp.daemon.appkeys import DB
from tunecamp.daemon.config import DaemonConfig
from tunecamp.daemon.federation import delivery
from tunecamp.daemon.federation.delivery import drained
from tunecamp.daemon.jobs import JOBS

PASSWORD = "correct horse battery"
FAN = "https://fans.example/users/ada"


@pytest.fixture
async def fed(aiohttp_client: Callable[..., Awaitable[TestClient]], config: DaemonConfig) -> TestClient:
    site = Site(config.public_dir)
    site.publish("tides")
    return await aiohttp_client(create_app(config))


async def sign_in(client: TestClient, add_user: Any, role: str = "manager") -> str:
    await add_user(client.app, "mina", role)
    r = await client.post(
        "/admin/login", data={"username": "mina", "password": PASSWORD}, allow_redirects=False
    )
    assert r.status == 303
    html = await (await client.get("/admin")).text()
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def sql(client: TestClient, statement: str, args: list[Any] | None = None) -> list[Any]:
    def run(db: Any) -> list[Any]:
        rows = db.execute(statement, args or []).fetchall()
        db.conn.commit()
        return rows

    return await client.app[DB].run(run)


async def add_follower(client: TestClient, actor: str, state: str) -> None:
    follow = {
        "id": actor + "#follow",
        "type": "Follow",
        "actor": actor,
        "object": "http://site.test/ap/artists/aurora.json",
    }
    await sql(
        client,
        "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
        " VALUES ('aurora', ?, ?, 'https://fans.example/inbox', ?, ?, ?, '2026-01-01T00:00:00+00:00')",
        [actor, actor + "/inbox", follow["id"], json.dumps(follow), state],
    )


async def add_comment(
    client: TestClient, text: str, release: str = "tides", comment_id: str = "https://fans.example/notes/1"
) -> str:
    await sql(
        client,
        "INSERT INTO fed_comments (id, release, actor, in_reply_to, url, published, content_html, text, author_name,"
        " author_handle, author_url, author_avatar, status, received_at) VALUES (?, ?, ?, ?, ?,"
        " '2026-01-02T00:00:00Z', '', ?, 'Ada', '@ada@fans.example', ?, NULL, 'pending', '2026-01-02')",
        [
            comment_id,
            release,
            FAN,
            f"http://site.test/ap/releases/{release}/note.json",
            comment_id,
            text,
            FAN,
        ],
    )
    return comment_id


def flash(response: Any) -> str:
    return unquote(response.headers["Location"].split("flash=", 1)[1])


async def test_overview_lists_actors_reactions_queue_and_processes(fed: TestClient, add_user: Any) -> None:
    await sign_in(fed, add_user)
    await add_follower(fed, FAN, "accepted")
    await add_follower(fed, FAN + "2", "pending")
    await sql(
        fed,
        "INSERT INTO fed_reactions (activity_id, kind, actor, object, release, created_at)"
        " VALUES ('l1', 'like', ?, 'n', 'tides', '2026-01-01'), ('b1', 'announce', ?, 'n', 'tides', '2026-01-01')",
        [FAN, FAN],
    )
    page = await (await fed.get("/admin/federation")).text()
    assert "@aurora@site.test" in page and "@label@site.test" in page
    row = page.split('data-actor="aurora"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="followers">1</td>' in row and "1 to approve" in row
    assert (
        '<tr data-release="tides"><td><a href="/releases/tides/">tides</a></td><td>1</td><td>1</td></tr>'
        in page
    )
    assert "Deliveries" in page and "Publisher" in page and "Exporter" in page
    depth = page.split('id="queue-depth">', 1)[1].split("</p>", 1)[0]
    assert "Background jobs: 0 waiting" in depth and 'href="/admin/jobs"' in depth


async def test_approve_and_reject_follow_requests(fed: TestClient, add_user: Any) -> None:
    csrf = await sign_in(fed, add_user)
    await add_follower(fed, FAN, "pending")
    await add_follower(fed, FAN + "2", "pending")
    page = await (await fed.get("/admin/federation/followers/aurora")).text()
    assert f'data-actor="{FAN}"' in page and "Approve" in page
    r = await fed.post(
        "/admin/federation/followers/aurora",
        data={"csrf": csrf, "actor": FAN, "decision": "approve"},
        allow_redirects=False,
    )
    assert flash(r) == f"{FAN}: approved"
    r = await fed.post(
        "/admin/federation/followers/aurora",
        data={"csrf": csrf, "actor": FAN + "2", "decision": "reject"},
        allow_redirects=False,
    )
    assert flash(r) == f"{FAN}2: rejected"
    assert await sql(fed, "SELECT actor, state FROM fed_followers") == [(FAN, "accepted")]
    # handed to the jobs engine: one job each (fans.example is not reachable: they wait for retries)
    sent = await sql(
        fed,
        "SELECT type FROM fed_activities WHERE inboxes IS NULL AND type IN ('Accept', 'Reject') ORDER BY type",
    )
    assert sent == [("Accept",), ("Reject",)]
    c = (await fed.app[JOBS].counts())["federation.deliver"]
    assert c.queued + c.running + c.retrying + c.done + c.dead == 2
    r = await fed.post(
        "/admin/federation/followers/aurora",
        data={"csrf": csrf, "actor": FAN, "decision": "maybe"},
        allow_redirects=False,
    )
    assert r.status == 400
    assert (await fed.get("/admin/federation/followers/nobody")).status == 404


async def test_moderating_a_reply_shows_it_escaped_and_blocks(fed: TestClient, add_user: Any) -> None:
    csrf = await sign_in(fed, add_user)
    comment = await add_comment(fed, "<script>alert(1)</script> lovely")
    page = await (await fed.get("/admin/federation/moderation")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; lovely" in page and "<script>alert" not in page
    r = await fed.post(
        "/admin/federation/releases/tides/comments",
        data={"csrf": csrf, "id": comment, "decision": "approve"},
        allow_redirects=False,
    )
    assert "approved" in flash(r) or "rebuild" in flash(r)
    assert await sql(fed, "SELECT status, decided_by FROM fed_comments") == [("approved", "mina")]
    r = await fed.post(
        "/admin/federation/releases/tides/comments",
        data={"csrf": csrf, "id": comment, "decision": "block-domain"},
        allow_redirects=False,
    )
    assert flash(r).startswith("fans.example blocked")
    assert await sql(fed, "SELECT kind, value, username FROM fed_blocks") == [("domain", "fans.example", "")]
    assert await sql(fed, "SELECT status FROM fed_comments") == [("rejected",)]
    r = await fed.post(
        "/admin/federation/releases/tides/comments",
        data={"csrf": csrf, "id": "nope", "decision": "approve"},
        allow_redirects=False,
    )
    assert flash(r) == "no such reply"


async def test_reports_are_listed_and_resolved(fed: TestClient, add_user: Any) -> None:
    csrf = await sign_in(fed, add_user)
    await sql(
        fed,
        "INSERT INTO fed_flags (id, actor, objects, content, received_at) VALUES ('f1', ?, '[]', 'spam', 'now')",
        [FAN],
    )
    assert 'data-flag="f1"' in await (await fed.get("/admin/federation/moderation")).text()
    r = await fed.post("/admin/federation/flags", data={"csrf": csrf, "id": "f1"}, allow_redirects=False)
    assert flash(r) == "report resolved"
    assert 'data-flag="f1"' not in await (await fed.get("/admin/federation/moderation")).text()


async def test_blocks_added_and_lifted(fed: TestClient, add_user: Any) -> None:
    csrf = await sign_in(fed, add_user)
    form = {
        "csrf": csrf,
        "kind": "domain",
        "value": "https://Spam.example/whatever",
        "username": "aurora",
        "reason": "spam",
    }
    r = await fed.post("/admin/federation/blocks", data=form, allow_redirects=False)
    assert flash(r) == "spam.example blocked"
    page = await (await fed.get("/admin/federation/blocks")).text()
    assert 'data-block="spam.example"' in page and "@aurora" in page
    r = await fed.post(
        "/admin/federation/blocks",
        data={**form, "value": "spam.example", "remove": "1"},
        allow_redirects=False,
    )
    assert flash(r) == "spam.example unblocked"
    for bad, message in (
        ({"kind": "x"}, "kind:"),
        ({"kind": "actor", "value": "not a url"}, "value:"),
        ({"username": "nobody"}, "not an actor"),
    ):
        r = await fed.post("/admin/federation/blocks", data={**form, **bad}, allow_redirects=False)
        assert message in flash(r)
    assert await sql(fed, "SELECT COUNT(*) FROM fed_blocks") == [(0,)]


async def test_failed_deliveries_and_the_retry_button(fed: TestClient, add_user: Any) -> None:
    csrf = await sign_in(fed, add_user)
    # an inbox the outbound client may not reach: dead-lettered at the first attempt
    create = {"id": "a1", "type": "Create", "actor": "http://site.test/ap/artists/aurora.json"}
    await delivery.deliverer(fed.app)("aurora", create, ["https://10.0.0.1/inbox"])
    counts = await drained(fed.app[JOBS], 15)
    assert counts.dead == 1
    page = await (await fed.get("/admin/federation/deliveries")).text()
    assert "https://10.0.0.1/inbox" in page and "private" in page and "dead-lettered" in page
    assert "Create by @aurora" in page and "1 dead-lettered" in page
    job_id = page.split('data-delivery="', 1)[1].split('"', 1)[0]
    r = await fed.post(
        "/admin/federation/deliveries/retry", data={"csrf": csrf, "id": job_id}, allow_redirects=False
    )
    assert flash(r) == "1 delivery sent again"
    await drained(fed.app[JOBS], 15)
    r = await fed.post(
        "/admin/federation/deliveries/retry", data={"csrf": csrf, "id": "all"}, allow_redirects=False
    )
    assert flash(r) == "1 delivery sent again"
    for bad in ("x1", "", "9" * 300):
        r = await fed.post(
            "/admin/federation/deliveries/retry", data={"csrf": csrf, "id": bad}, allow_redirects=False
        )
        assert flash(r) == f"{bad[:200]}: not a delivery"


async def test_who_may_see_the_pages(fed: TestClient, add_user: Any) -> None:
    r = await fed.get("/admin/federation", allow_redirects=False)
    assert r.status == 302 and "/admin/login" in r.headers["Location"]
    await sign_in(fed, add_user, role="curator")
    for path in ("/admin/federation", "/admin/federation/moderation", "/admin/federation/deliveries"):
        assert (await fed.get(path)).status == 403


async def test_a_curator_moderates_the_replies_to_their_artists_releases(
    fed: TestClient, add_user: Any
) -> None:
    for slug, artist in (("tides", "aurora"), ("other", "someone")):
        await sql(
            fed,
            "INSERT INTO catalog_albums (slug, title, artist_slugs, status, source_dir, updated_at)"
            " VALUES (?, ?, ?, 'published', ?, '')",
            [slug, slug.title(), json.dumps([artist]), f"releases/{slug}"],
        )
    ours = await add_comment(fed, "to aurora", "tides", "https://fans.example/notes/1")
    theirs = await add_comment(fed, "to someone", "other", "https://fans.example/notes/2")
    await add_user(fed.app, "cora", "curator", artists=("aurora",))
    r = await fed.post("/admin/login", data={"username": "cora", "password": PASSWORD}, allow_redirects=False)
    assert r.status == 303
    page = await (await fed.get("/admin/federation/moderation")).text()
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    assert f'data-comment="{ours}"' in page and f'data-comment="{theirs}"' not in page
    assert "Reports" not in page  # reports are the Managers'
    r = await fed.post(
        "/admin/federation/releases/other/comments",
        data={"csrf": csrf, "id": theirs, "decision": "approve"},
        allow_redirects=False,
    )
    assert r.status == 403  # not their artist's release
    r = await fed.post(
        "/admin/federation/releases/tides/comments",
        data={"csrf": csrf, "id": ours, "decision": "block-domain"},
        allow_redirects=False,
    )
    assert flash(r) == "fans.example blocked for @aurora; its replies are rejected"
    assert await sql(fed, "SELECT kind, value, username FROM fed_blocks") == [
        ("domain", "fans.example", "aurora")
    ]
    assert await sql(fed, "SELECT id, status FROM fed_comments ORDER BY id") == [
        (ours, "rejected"),
        (theirs, "pending"),
    ]
