"""One TuneCamp daemon's label follows another's, both on 127.0.0.1: WebFinger, the signed Follow
verified by the other daemon, its Accept (signed by the followed label) verified here, the Undo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fedify_peer import LabelSite, start_label_site

from tunecamp.daemon.appkeys import FOLLOWS, FollowTarget

FOLLOWERS = "SELECT actor, state FROM fed_followers"


@pytest.fixture
async def sites(tmp_path: Path) -> AsyncIterator[tuple[LabelSite, LabelSite]]:
    a, b = await start_label_site(tmp_path / "a"), await start_label_site(tmp_path / "b")
    yield a, b
    await a.server.close()
    await b.server.close()


async def test_a_label_follows_another_tunecamp_label(sites: tuple[LabelSite, LabelSite]) -> None:
    a, b = sites
    host = b.base.split("://", 1)[1]
    [outcome] = await a.server.app[FOLLOWS].follow([FollowTarget(f"acct:label@{host}", b.base)])
    assert (outcome.actor, outcome.state) == (b.label, "pending")
    await b.until(FOLLOWERS, [(a.label, "accepted")])  # b verified our Follow and accepted it
    await a.until("SELECT state FROM fed_following", [("accepted",)])  # and we verified its Accept

    assert await a.server.app[FOLLOWS].unfollow(b.base) == 1
    await b.until(FOLLOWERS, [])
