"""Six real daemons chained A→B→C→D→E→F on loopback ports, each seeded with the next one.

They find each other through their real endpoints (/.well-known/nodeinfo, /nodeinfo/2.1 and
/api/community/*) and read each other's catalog.json through the public site.
"""

from __future__ import annotations

import json
from typing import Any

from tunecamp.daemon.appkeys import BUILDS, DB
from tunecamp.daemon.discovery import store
from tunecamp.daemon.discovery.limits import DAY

from .conftest import NodePeer, Start, get_json


async def _instances(daemon: Any) -> dict[str, dict[str, Any]]:
    rows = await daemon.app[DB].run(lambda d: store.instances(d))
    return {row["origin"]: row for row in rows}


async def test_a_finds_b_to_d_and_not_beyond(daemons: Start) -> None:
    a, b, c, d, e, f = await daemons(["a", "b", "c", "d", "e", "f"])
    result = await a.discovery.crawl("test")
    found = await _instances(a)
    assert set(found) == {b.origin, c.origin, d.origin}
    assert [found[x.origin]["depth"] for x in (b, c, d)] == [1, 2, 3]
    assert e.origin not in found and f.origin not in found
    assert result.reached == 3 and result.failures == 0
    # four documents per instance (links, NodeInfo, instance, peers) and its catalog: E is never asked
    assert result.requests == 3 * 5
    c_row = found[c.origin]
    assert c_row["name"] == "Site c" and c_row["software"] == "tunecamp"
    assert c_row["artist_name"] == "Aurora of Site c"
    assert c_row["catalog_url"] == f"{c.origin}/catalog.json"
    assert [r["title"] for r in c_row["releases"]] == ["Site c One", "Site c Old"]  # newest first
    assert c_row["releases"][0]["cover"] == f"{c.origin}/releases/site-c-one/cover-300.jpg"
    assert c_row["releases"][0]["artist"] == "Aurora of Site c"
    sites = await get_json(a, "/api/community/sites")
    assert [s["origin"] for s in sites] == [b.origin, c.origin, d.origin]


async def test_the_network_is_exported_for_the_site(daemons: Start) -> None:
    a, b, _c = await daemons(["a", "b", "c"])
    a.discovery.on_export = a.rebuild  # the daemon's own: it asks the site for a build
    await a.discovery.crawl("test")
    [build] = await a.app[BUILDS].recent(0)
    assert build["reason"] == "the network of instances changed"
    document = json.loads((a.config.data_dir / "network.json").read_text())
    assert document["version"] == 1
    assert [i["origin"] for i in document["instances"]] == [b.origin, _c.origin]
    assert document["instances"][0]["releases"][0]["url"] == f"{b.origin}/releases/site-b-one/"
    before = (a.config.data_dir / "network.json").stat().st_mtime_ns
    await a.app[BUILDS].wait_idle()
    await a.discovery.crawl("test")  # nothing a page shows changed: the file is left alone, no build
    assert (a.config.data_dir / "network.json").stat().st_mtime_ns == before
    assert len(await a.app[BUILDS].recent(0)) == 1


async def test_a_dead_instance_goes_offline_then_is_purged(daemons: Start) -> None:
    a, b, c = await daemons(["a", "b", "c"])
    now = [1_800_000_000.0]
    a.discovery.clock = lambda: now[0]
    await a.discovery.crawl("test")
    assert set(await _instances(a)) == {b.origin, c.origin}

    await c.server.close()  # C dies
    now[0] += 2 * 3600
    await a.discovery.crawl("test")
    row = (await _instances(a))[c.origin]
    assert row["failures"] == 1 and row["offline_since"] is None  # seen two hours ago: not offline yet
    assert "connect" in row["last_error"]
    assert row["next_try"] == now[0] + 3600  # backing off
    now[0] += 600
    soon = await a.discovery.crawl("test")
    assert {p.origin: p.outcome for p in soon.probes}[c.origin] == "skipped"
    assert soon.requests == 5  # B's alone: C is left alone for an hour

    now[0] += 1.5 * DAY
    second = await a.discovery.crawl("test")
    row = (await _instances(a))[c.origin]
    assert row["offline_since"] == now[0] and second.offline == 1
    sites = await get_json(a, "/api/community/sites")
    assert [s["origin"] for s in sites] == [b.origin]  # offline: not shown
    network = json.loads((a.config.data_dir / "network.json").read_text())
    assert [i["origin"] for i in network["instances"]] == [b.origin]

    now[0] += 29 * DAY
    await a.discovery.crawl("test")
    assert c.origin in await _instances(a)  # offline for 29 days: kept
    now[0] += 2 * DAY
    last = await a.discovery.crawl("test")
    assert c.origin not in await _instances(a) and last.purged == 1
    assert b.origin in await _instances(a)


async def test_a_peer_that_stops_being_tunecamp_is_dropped(daemons: Start, node_peer: NodePeer) -> None:
    [a] = await daemons(["a"])
    await a.app[DB].run(lambda d: store.add_seed(d, node_peer.origin, None, 0))
    await a.discovery.crawl("test")
    assert node_peer.origin in await _instances(a)
    node_peer.software = "mastodon"
    result = await a.discovery.crawl("test")
    assert result.dropped == 1
    assert node_peer.origin not in await _instances(a)
    assert node_peer.hits["/api/community/peers"] == 1  # not asked again once it said it is not TuneCamp


async def test_a_node_peer_is_discovered_and_its_catalog_read(daemons: Start, node_peer: NodePeer) -> None:
    a, b = await daemons(["a", "b"], chain=False)
    node_peer.peers = [b.origin, "not a url", 42]  # {"peers": [...]}, with junk to skip
    await a.app[DB].run(lambda d: store.add_seed(d, node_peer.origin, None, 0))
    await a.discovery.crawl("test")
    found = await _instances(a)
    assert set(found) == {node_peer.origin, b.origin}  # B found through the Node server's peers
    node = found[node_peer.origin]
    assert node["name"] == "Node Camp" and node["version"] == "2.9.0" and node["artist_name"] == "Nodey"
    assert node["cover"] == f"{node_peer.origin}/api/settings/cover"
    assert node["catalog_url"] == f"{node_peer.origin}/api/catalog"
    assert node["catalog_etag"] == '"catalog-v1"' and node["release_count"] == 2
    assert node["releases"] == [
        {
            "title": "Night Bus",
            "url": f"{node_peer.origin}/album/night-bus",
            "artist": "Nodey",
            "cover": f"{node_peer.origin}/api/albums/7/cover",
            "date": "2026-03-04",
        },
        {
            "title": "Old Tape",
            "url": f"{node_peer.origin}/album/3",
            "artist": "Nodey",
            "cover": "",
            "date": "2021-01-01",
        },
    ]
    assert node_peer.hits["/.well-known/nodeinfo"] == 1 and node_peer.hits["/nodeinfo/2.0"] == 1
    [agent] = node_peer.agents  # says who is asking, and where to find it
    assert agent.startswith("TuneCamp/") and agent.endswith(f"(+{a.origin})")

    # the next crawl asks for the catalog with its ETag: 304, and the releases are kept; B, which
    # no one lists any more, is asked again all the same (at its depth): known instances are kept up
    node_peer.peers = []
    a.discovery.clock = lambda: 2_000_000_000.0
    again = await a.discovery.crawl("test")
    assert node_peer.not_modified == 1
    found = await _instances(a)
    assert found[node_peer.origin]["releases"] == node["releases"]
    assert found[b.origin]["last_seen"] == 2_000_000_000.0 and found[b.origin]["depth"] == 2
    assert {p.origin: p.depth for p in again.probes} == {node_peer.origin: 1, b.origin: 2}
