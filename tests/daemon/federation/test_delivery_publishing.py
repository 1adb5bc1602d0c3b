"""Publishing: the manifest against what was delivered, on a site written as the contract says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fedsite import Site
from sqlite_utils import Database

from tunecamp.daemon.db import connect
from tunecamp.daemon.federation import publishing
from tunecamp.daemon.federation.publishing import ManifestUnreadable, SiteInFlux, read_site, sync
from tunecamp.daemon.migrations import apply_migrations

B = "http://site.test"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = connect(tmp_path / "tunecamp.db")
    apply_migrations(database)
    yield database
    database.close()


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "public")


def follow(db: Database, username: str, actor: str, inbox: str, shared: str | None = None) -> None:
    with db.conn:
        db.execute(
            "INSERT INTO fed_followers (username, actor, inbox, shared_inbox, follow_id, follow, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, '{}', 'accepted', '2026-01-01')",
            [username, actor, inbox, shared, actor + "#f"],
        )


def queued(db: Database) -> list[tuple[str, str, str]]:
    """(activity type, signing username, inbox) of every delivery written to the outbox (the
    daemon hands them to the jobs engine after the sync; these tests run the sync alone)."""
    rows = db.execute(
        "SELECT type, actor, inboxes FROM fed_activities WHERE inboxes IS NOT NULL ORDER BY rowid"
    ).fetchall()
    return [(kind, actor, inbox) for kind, actor, inboxes in rows for inbox in json.loads(inboxes)]


def test_first_sync_without_followers_records_and_sends_nothing(db: Database, site: Site) -> None:
    site.publish("tides")
    report = sync(db, read_site(site.public))
    assert report.created == ["tides"] and report.deliveries == 0
    assert queued(db) == []
    # a later follower does not get the old release; the next new one reaches them
    follow(
        db,
        "aurora",
        "https://m.example/users/a",
        "https://m.example/users/a/inbox",
        "https://m.example/inbox",
    )
    assert sync(db, read_site(site.public)).deliveries == 0
    site.publish("dawn")
    report = sync(db, read_site(site.public))
    assert report.created == ["dawn"]
    assert queued(db) == [("Create", "aurora", "https://m.example/inbox")]


def test_new_note_create_to_artist_followers_announce_to_label_followers(db: Database, site: Site) -> None:
    for n in range(3):  # three followers on one server: one delivery to its shared inbox
        follow(
            db,
            "aurora",
            f"https://m.example/users/{n}",
            f"https://m.example/users/{n}/inbox",
            "https://m.example/inbox",
        )
    follow(db, "aurora", "https://solo.example/u", "https://solo.example/u/inbox")
    follow(db, "label", "https://fan.example/u", "https://fan.example/u/inbox", "https://fan.example/inbox")
    site.publish("tides")
    report = sync(db, read_site(site.public))
    assert report.deliveries == 3
    assert queued(db) == [
        ("Create", "aurora", "https://m.example/inbox"),
        ("Create", "aurora", "https://solo.example/u/inbox"),
        ("Announce", "label", "https://fan.example/inbox"),
    ]
    body = json.loads(db.execute("SELECT body FROM fed_activities WHERE type = 'Create'").fetchone()[0])
    assert body["id"] == f"{B}/ap/releases/tides/create.json" and body["object"]["type"] == "Note"
    # nothing changed: nothing more
    assert sync(db, read_site(site.public)).deliveries == 0


def test_changed_hash_sends_update_and_gone_sends_delete(db: Database, site: Site) -> None:
    follow(
        db,
        "aurora",
        "https://m.example/users/a",
        "https://m.example/users/a/inbox",
        "https://m.example/inbox",
    )
    follow(db, "label", "https://fan.example/u", "https://fan.example/u/inbox")
    site.publish("tides")
    sync(db, read_site(site.public))
    site.publish("tides", text="New release, with liner notes")
    report = sync(db, read_site(site.public))
    assert report.updated == ["tides"] and report.deliveries == 2  # artist's and label's followers
    update = json.loads(db.execute("SELECT body FROM fed_activities WHERE type = 'Update'").fetchone()[0])
    assert update["id"].startswith(f"{B}/ap/releases/tides/note.json#update-")
    assert update["actor"] == f"{B}/ap/artists/aurora.json" and "liner notes" in update["object"]["content"]
    assert update["object"]["updated"] > update["object"]["published"]  # Mastodon applies dated edits only
    site.unpublish("tides")
    report = sync(db, read_site(site.public))
    assert report.deleted == ["tides"] and report.deliveries == 2
    delete = json.loads(db.execute("SELECT body FROM fed_activities WHERE type = 'Delete'").fetchone()[0])
    assert delete["object"] == {
        "id": f"{B}/ap/releases/tides/note.json",
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": delete["object"]["deleted"],
    }
    assert sync(db, read_site(site.public)).deliveries == 0  # deleted once
    # published again after its Delete: the same Create, never queued twice
    site.publish("tides")
    sync(db, read_site(site.public))
    assert db.execute("SELECT COUNT(*) FROM fed_activities WHERE type = 'Create'").fetchone()[0] == 1


def test_repeated_sync_after_a_crash_queues_nothing_twice(db: Database, site: Site) -> None:
    follow(db, "aurora", "https://m.example/users/a", "https://m.example/users/a/inbox")
    site.publish("tides")
    sync(db, read_site(site.public))
    db.execute("DELETE FROM fed_published")  # as if the daemon died after queueing, before recording
    db.conn.commit()
    sync(db, read_site(site.public))
    assert len(queued(db)) == 1


def test_a_missing_or_broken_manifest_deletes_nothing(db: Database, site: Site) -> None:
    follow(db, "aurora", "https://m.example/users/a", "https://m.example/users/a/inbox")
    site.publish("tides")
    sync(db, read_site(site.public))
    (site.public / "ap/manifest.json").unlink()
    with pytest.raises(ManifestUnreadable, match=r"manifest\.json: not there"):
        read_site(site.public)
    (site.public / "ap/manifest.json").write_text("{not json")
    with pytest.raises(ManifestUnreadable, match=r"manifest\.json"):
        read_site(site.public)
    (site.public / "ap/manifest.json").write_text(json.dumps({"version": 1, "notes": [{"release": "x"}]}))
    with pytest.raises(ManifestUnreadable, match="lacks"):
        read_site(site.public)
    assert [t for t, _, _ in queued(db)] == ["Create"]


def test_a_note_file_behind_its_manifest_waits(db: Database, site: Site) -> None:
    follow(db, "aurora", "https://m.example/users/a", "https://m.example/users/a/inbox")
    site.publish("tides")
    sync(db, read_site(site.public))
    site.publish("tides", text="changed")
    (site.public / "ap/releases/tides/note.json").write_text(json.dumps(site.note("tides")))  # the old file
    with pytest.raises(SiteInFlux):
        sync(db, read_site(site.public))
    site.write()
    assert sync(db, read_site(site.public)).updated == ["tides"]


def test_documents_are_read_only_from_inside_public(site: Site) -> None:
    site.publish("tides")
    state = read_site(site.public)
    with pytest.raises(ManifestUnreadable, match="outside the site"):
        publishing.document(state, f"{B}/../../etc/passwd")
    with pytest.raises(ManifestUnreadable, match="base_url"):
        publishing.document(state, "http://elsewhere.test/ap/x.json")
