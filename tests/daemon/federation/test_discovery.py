"""WebFinger and NodeInfo as fediverse servers and crawlers ask for them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp.test_utils import TestClient

from tunecamp.daemon.federation.manifest import Manifest
from tunecamp.daemon.federation.nodeinfo import usage

from .conftest import BASE, DAEMON, manifest

SPECS = Path(__file__).resolve().parents[4] / "shared" / "specs" / "nodeinfo"
AURORA = f"{BASE}/ap/artists/aurora.json"


@pytest.mark.parametrize(
    ("resource", "subject", "actor"),
    [
        ("acct:aurora@site.example", "acct:aurora@site.example", AURORA),
        ("aurora@site.example", "acct:aurora@site.example", AURORA),
        ("@aurora@site.example", "acct:aurora@site.example", AURORA),
        ("acct:Aurora@SITE.example", "acct:aurora@site.example", AURORA),
        ("acct:aurora@daemon.example", "acct:aurora@site.example", AURORA),
        ("acct:aurora%40site.example", "acct:aurora@site.example", AURORA),
        (AURORA, "acct:aurora@site.example", AURORA),
        (f"{BASE}/artists/aurora/", "acct:aurora@site.example", AURORA),
        (f"{BASE}/artists/aurora", "acct:aurora@site.example", AURORA),
        ("acct:label@site.example", "acct:label@site.example", f"{BASE}/ap/label.json"),
        (f"{BASE}/", "acct:label@site.example", f"{BASE}/ap/label.json"),
        ("acct:daemon.example@site.example", "acct:daemon.example@site.example", f"{BASE}/ap/instance.json"),
        (f"{BASE}/ap/instance.json", "acct:daemon.example@site.example", f"{BASE}/ap/instance.json"),
    ],
)
async def test_every_form_finds_the_actor(
    daemon: TestClient, resource: str, subject: str, actor: str
) -> None:
    answer = await daemon.get("/.well-known/webfinger", params={"resource": resource})
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/jrd+json")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    document = await answer.json(content_type=None)
    assert document["subject"] == subject
    [me] = [link for link in document["links"] if link["rel"] == "self"]
    assert me == {"rel": "self", "type": "application/activity+json", "href": actor}
    assert actor in document["aliases"]


@pytest.mark.parametrize(
    "resource",
    [
        "acct:nobody@site.example",
        "acct:aurora@elsewhere.example",
        "aurora",
        "acct:@site.example",
        "https://site.example/artists/nobody/",
        "acct:a@b@site.example",
    ],
)
async def test_unknown_names_are_a_json_404(daemon: TestClient, resource: str) -> None:
    answer = await daemon.get("/.well-known/webfinger", params={"resource": resource})
    assert answer.status == 404
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "error" in await answer.json(content_type=None)


async def test_without_a_resource_it_is_400(daemon: TestClient) -> None:
    answer = await daemon.get("/.well-known/webfinger")
    assert answer.status == 400 and "resource" in (await answer.json(content_type=None))["error"]


def schema(version: str) -> dict[str, Any]:
    return json.loads((SPECS / f"{version}.json").read_text())


async def test_nodeinfo_links_and_documents_match_the_schemas(daemon: TestClient) -> None:
    links = await (await daemon.get("/.well-known/nodeinfo")).json()
    hrefs = {link["rel"].rsplit("/", 1)[1]: link["href"] for link in links["links"]}
    assert hrefs == {"2.1": f"{DAEMON}/nodeinfo/2.1", "2.0": f"{DAEMON}/nodeinfo/2.0"}
    for version in ("2.1", "2.0"):
        answer = await daemon.get(f"/nodeinfo/{version}")
        assert answer.status == 200 and answer.headers["Content-Type"].startswith("application/json")
        document = await answer.json(content_type=None)
        jsonschema.validate(document, schema(version))
        assert document["software"]["name"] == "tunecamp" and document["protocols"] == ["activitypub"]
        assert document["usage"]["users"]["total"] == 2  # the two artists
        assert document["usage"]["localPosts"] == 1
        assert document["openRegistrations"] is False
        assert document["metadata"] == {
            "nodeName": "Test Label",
            "nodeDescription": "Music from the test label.",
        }
    assert (await daemon.get("/nodeinfo/2.2")).status == 404


def test_active_artists_count_by_their_latest_release() -> None:
    data = manifest()
    data["notes"].append(
        {**data["notes"][0], "release": "old", "actor": "quiet", "published": "2025-01-01T00:00:00Z"}
    )
    counts = usage(Manifest.parse(data), datetime(2026, 12, 2, tzinfo=UTC))
    assert counts["users"] == {"total": 2, "activeMonth": 1, "activeHalfyear": 1}
    assert counts["localPosts"] == 2
