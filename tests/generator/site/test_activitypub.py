"""The ActivityPub documents a build writes, built from a real catalog with real audio (fedcatalog.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blurhash
import pytest
from fedcatalog import BASE, CATALOG, DAEMON, tone, write_catalog, write_interactions, write_keys

from tunecamp.generator.build import build
from tunecamp.generator.media.cachemaint import cache_gc
from tunecamp.generator.media.ffmpeg import ffmpeg_path
from tunecamp.generator.options import BuildOptions
from tunecamp.generator.report import BuildReport
from tunecamp.generator.session import BuildSession
from tunecamp.generator.site.activitypub.outbox import paged
from tunecamp.generator.site.activitypub.vocabulary import PAGE_SIZE

AS = "https://www.w3.org/ns/activitystreams"
ACTORS = ["ana", "label", "fed.example.org"]


@dataclass
class Built:
    content: Path
    out: Path
    data: Path
    report: BuildReport
    options: BuildOptions

    def doc(self, path: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.out / path).read_text())
        return data

    def rebuild(self) -> BuildReport:
        self.report = build(self.content, self.out, self.options)
        return self.report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The catalog built once with its keys (module scope: the 65-second track is transcoded once)."""
    root = tmp_path_factory.mktemp("fed")
    content, data = write_catalog(root / "content"), root / "data"
    write_keys(data, ACTORS)
    out, options = root / "public", BuildOptions(data_dir=data, jobs=2)
    return Built(content, out, data, build(content, out, options), options)


def ap_files(out: Path) -> Iterator[Path]:
    yield from sorted((out / "ap").rglob("*.json"))


def test_every_document_is_json_with_context_and_an_id_equal_to_its_url(built: Built) -> None:
    kinds = set()
    for path in ap_files(built.out):
        rel = path.relative_to(built.out).as_posix()
        doc = json.loads(path.read_text())
        if rel == "ap/manifest.json":  # for the daemon, not an ActivityPub document
            continue
        assert AS in doc["@context"], rel
        assert doc["id"] == f"{BASE}/{rel}", rel
        kinds.add(doc["type"])
    assert kinds == {
        "Person",
        "Group",
        "Application",
        "Note",
        "Create",
        "Announce",
        "Audio",
        "OrderedCollection",
        "OrderedCollectionPage",
    }
    assert not [p for p in built.report.problems.items if "key" in p.message], built.report.problems.items


def test_the_artist_is_a_person_mastodon_can_follow(built: Built) -> None:
    person = built.doc("ap/artists/ana.json")
    assert person["type"] == "Person" and person["preferredUsername"] == "ana" and person["name"] == "Ana"
    assert person["inbox"] == f"{DAEMON}/users/ana/inbox"
    assert person["endpoints"] == {"sharedInbox": f"{DAEMON}/inbox"}
    assert person["followers"] == f"{DAEMON}/users/ana/followers"
    assert person["following"] == f"{DAEMON}/users/ana/following"
    assert person["outbox"] == f"{BASE}/ap/artists/ana/outbox.json"
    assert person["featured"] == f"{BASE}/ap/artists/ana/featured.json"
    assert person["url"] == f"{BASE}/artists/ana/"
    assert "<em>slow</em>" in person["summary"]
    assert person["publicKey"]["id"] == f"{BASE}/ap/artists/ana.json#main-key"
    assert person["publicKey"]["owner"] == person["id"]
    assert person["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert person["manuallyApprovesFollowers"] is False
    assert person["discoverable"] is True and person["indexable"] is True
    assert person["published"] == "2025-05-01T00:00:00Z"
    fields = {f["name"]: f["value"] for f in person["attachment"]}
    assert all(f["type"] == "PropertyValue" for f in person["attachment"])
    assert 'href="https://ana.example.net"' in fields["Home"] and 'rel="me' in fields["Home"]
    page = (built.out / "artists/ana/index.html").read_text()
    assert 'href="https://ana.example.net" rel="me' in page  # the other half of the verification
    assert f'type="application/activity+json" title="ActivityPub" href="{BASE}/ap/artists/ana.json"' in page
    # the label and the instance actor
    group, app = built.doc("ap/label.json"), built.doc("ap/instance.json")
    assert group["type"] == "Group" and group["preferredUsername"] == "label" and group["url"] == f"{BASE}/"
    assert group["inbox"] == f"{DAEMON}/users/label/inbox" and "publicKey" in group
    assert app["type"] == "Application" and app["preferredUsername"] == "fed.example.org"
    assert app["publicKey"]["owner"] == app["id"]


def test_a_free_release_is_a_create_note_with_playable_audio(built: Built) -> None:
    note = built.doc("ap/releases/free-one/note.json")
    assert note["type"] == "Note" and note["attributedTo"] == f"{BASE}/ap/artists/ana.json"
    assert note["to"] == [f"{AS}#Public"] and note["cc"] == [f"{DAEMON}/users/ana/followers"]
    assert note["sensitive"] is False and note["url"] == f"{BASE}/releases/free-one/"
    assert f'href="{BASE}/releases/free-one/"' in note["content"]
    audio = [a for a in note["attachment"] if a["mediaType"].startswith("audio/")]
    assert len(audio) == 4  # five tracks, Mastodon's four
    for a in audio:
        assert a["type"] == "Document" and a["mediaType"] == "audio/mpeg"  # the MP3 stream
        assert a["url"].startswith(f"{BASE}/audio/free-one/") and a["url"].endswith(".mp3")
        assert (built.out / a["url"].removeprefix(f"{BASE}/")).is_file()
        assert a["duration"] == "PT1S" and a["name"].startswith(("1. ", "2. ", "3. ", "4. "))
    (cover,) = [a for a in note["attachment"] if a["type"] == "Image"]
    assert cover["mediaType"] == "image/jpeg" and cover["name"] == "A red square"
    assert cover["url"] == f"{BASE}/releases/free-one/cover-300.jpg" and (
        cover["width"],
        cover["height"],
    ) == (300, 300)
    r, g, b = blurhash.decode(cover["blurhash"], 4, 4)[2][2]  # a real BlurHash of the red cover
    assert r > 150 and g < 80 and b < 80
    assert all(a["icon"]["url"] == cover["url"] and a["blurhash"] == cover["blurhash"] for a in audio)
    # a generated cover is SVG, which Mastodon does not take: not attached
    paid = built.doc("ap/releases/paid-one/note.json")
    assert not [a for a in paid["attachment"] if a["type"] == "Image"]
    tags = {t["name"]: t for t in note["tag"]}
    assert set(tags) == {"#IndiePop", "#Drone"} and tags["#IndiePop"]["type"] == "Hashtag"
    assert tags["#IndiePop"]["href"] == f"{BASE}/tags/indie-pop/"
    assert 'rel="tag">#<span>IndiePop</span></a>' in note["content"]
    create = built.doc("ap/releases/free-one/create.json")
    assert create["type"] == "Create" and create["actor"] == note["attributedTo"]
    assert create["object"] == {k: v for k, v in note.items() if k != "@context"}
    announce = built.doc("ap/releases/free-one/announce.json")
    assert announce["type"] == "Announce" and announce["actor"] == f"{BASE}/ap/label.json"
    assert announce["object"] == note["id"]
    track = built.doc("ap/releases/free-one/tracks/song-1.json")
    assert track["type"] == "Audio" and track["position"] == 1 and track["duration"] == "PT1S"
    assert "https://funkwhale.audio/ns#" in json.dumps(track["@context"])
    assert track["album"] == f"{BASE}/releases/free-one/"
    assert track["license"] == "https://creativecommons.org/licenses/by/4.0/"
    page = (built.out / "releases/free-one/index.html").read_text()
    assert f'href="{BASE}/ap/releases/free-one/note.json"' in page
    assert '<meta name="fediverse:creator" content="@ana@music.example.org"' in page  # Mastodon's byline


def _decoded_seconds_and_lufs(path: Path) -> tuple[float, float]:
    """The real length (decoded samples) and integrated loudness of an audio file, by ffmpeg."""
    pcm = subprocess.run(
        [
            ffmpeg_path(),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "48000",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    log = subprocess.run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log[log.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])  # type: ignore[index]
    return len(pcm) / 2 / 48000, lufs


def test_a_paid_release_federates_30_second_normalised_previews_never_the_track(built: Built) -> None:
    note = built.doc("ap/releases/paid-one/note.json")
    (audio,) = [a for a in note["attachment"] if a["mediaType"].startswith("audio/")]
    assert audio["url"] == f"{BASE}/audio/paid-one/long.preview.mp3" and audio["mediaType"] == "audio/mpeg"
    assert audio["name"].endswith("(preview)") and audio["duration"] == "PT30S"
    seconds, lufs = _decoded_seconds_and_lufs(built.out / "audio/paid-one/long.preview.mp3")
    assert abs(seconds - 30.0) <= 0.1
    assert abs(lufs - -14.0) <= 1.0
    source, _ = _decoded_seconds_and_lufs(built.content / "releases/paid-one/01 - Long.flac")
    assert source == pytest.approx(65.0, abs=0.05)  # the cut is a real excerpt of a longer track
    assert "long.mp3" not in json.dumps(note) and "long.opus" not in json.dumps(note)
    assert "long.preview" in json.dumps(built.doc("ap/releases/paid-one/tracks/long.json"))


def test_drafts_and_unlisted_releases_are_never_published(built: Built) -> None:
    every = "\n".join(p.read_text() for p in ap_files(built.out))
    for slug in ("hidden-one", "bo-draft"):
        assert not (built.out / "ap/releases" / slug).exists()
        assert slug not in every
    assert not (built.out / "ap/artists/bo.json").exists()  # an artist of a draft only
    manifest = built.doc("ap/manifest.json")
    assert [n["release"] for n in manifest["notes"]] == ["paid-one", "free-one"]  # newest first
    assert [a["username"] for a in manifest["actors"]] == ["ana", "label", "fed.example.org"]
    assert manifest["base_url"] == BASE and manifest["daemon_url"] == DAEMON
    hidden = (built.out / "releases/hidden-one/index.html").read_text()
    assert "application/activity+json" not in hidden
    outbox = built.doc("ap/artists/ana/outbox.json")
    assert outbox["totalItems"] == 2 and outbox["first"] == f"{BASE}/ap/artists/ana/outbox/1.json"
    page = built.doc("ap/artists/ana/outbox/1.json")
    assert [i["object"]["url"] for i in page["orderedItems"]] == [
        f"{BASE}/releases/paid-one/",
        f"{BASE}/releases/free-one/",
    ]
    featured = built.doc("ap/artists/ana/featured.json")
    assert [n["id"] for n in featured["orderedItems"]] == [
        f"{BASE}/ap/releases/paid-one/note.json",
        f"{BASE}/ap/releases/free-one/note.json",
    ]
    label = built.doc("ap/label/outbox/1.json")
    assert [i["type"] for i in label["orderedItems"]] == ["Announce", "Announce"]


def test_outboxes_are_paged_newest_first() -> None:
    items = [{"@context": AS, "id": f"x{n}", "type": "Create"} for n in range(2 * PAGE_SIZE + 5)]
    outputs = paged(items, lambda n: "o.json" if n is None else f"o/{n}.json", lambda p: f"{BASE}/{p}")
    docs = {o.path: json.loads(o.data or b"") for o in outputs}
    top = docs["o.json"]
    assert (
        top["totalItems"] == 45 and top["first"] == f"{BASE}/o/1.json" and top["last"] == f"{BASE}/o/3.json"
    )
    assert [len(docs[f"o/{n}.json"]["orderedItems"]) for n in (1, 2, 3)] == [20, 20, 5]
    assert (
        docs["o/1.json"]["orderedItems"][0]["id"] == "x0"
        and "@context" not in docs["o/1.json"]["orderedItems"][0]
    )
    assert docs["o/2.json"]["prev"] == f"{BASE}/o/1.json" and docs["o/2.json"]["next"] == f"{BASE}/o/3.json"
    assert all(d["id"] == f"{BASE}/{p}" for p, d in docs.items())


def _copy(built: Built, tmp_path: Path) -> Built:
    """The built site and its data folder copied, to change one thing and build again."""
    content, out, data = tmp_path / "content", tmp_path / "public", tmp_path / "data"
    shutil.copytree(built.content, content)
    shutil.copytree(built.data / "federation", data / "federation")
    options = BuildOptions(data_dir=data, jobs=2, transcode=False)
    return Built(content, out, data, build(content, out, options), options)


def test_no_daemon_url_no_documents_and_the_build_says_so(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "releases/one").mkdir(parents=True)
    (content / "catalog.yaml").write_text(CATALOG.replace(f"daemon_url: {DAEMON}\n", ""))
    (content / "releases/one/release.yaml").write_text("status: published\ntitle: One\nartist: Ana\n")
    tone(content / "releases/one/01 - A.flac")
    from clirun import tunecamp

    run = tunecamp("build", str(content), "-o", str(tmp_path / "public"), "--no-transcode")
    assert run.returncode == 0, run.stderr
    assert "no daemon_url in catalog.yaml: no ActivityPub documents" in run.stderr
    assert len([line for line in run.stderr.splitlines() if "ActivityPub" in line]) == 1
    assert not (tmp_path / "public/ap").exists()
    page = (tmp_path / "public/releases/one/index.html").read_text()
    assert "application/activity+json" not in page


def test_actors_without_keys_are_written_without_and_the_build_warns_once(
    built: Built, tmp_path: Path
) -> None:
    copy = _copy(built, tmp_path)
    (copy.data / "federation/public-keys.json").unlink()
    report = copy.rebuild()
    warnings = [p for p in report.problems.warnings if "have no key yet" in p.message]
    assert len(warnings) == 1 and warnings[0].message.startswith("3 fediverse actors have no key yet")
    assert warnings[0].path == copy.data / "federation/public-keys.json"
    assert "publicKey" not in copy.doc("ap/artists/ana.json") and "publicKey" not in copy.doc("ap/label.json")


def test_settings_errors_name_their_key(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "catalog.yaml").write_text(
        "title: T\nbase_url: https://m.example.org\ndaemon_url: ftp://x\n"
        "federation:\n  preview_length: 900\n  label_username: Not A Slug\n  manually_approves_followers: maybe\n"
        "  colour: blue\n"
    )
    report = build(content, tmp_path / "public", BuildOptions(data_dir=tmp_path / "data", transcode=False))
    keys = {p.key for p in report.problems.errors}
    assert {
        "daemon_url",
        "federation.preview_length",
        "federation.label_username",
        "federation.manually_approves_followers",
        "federation.colour",
    } <= keys
    assert all(p.path == content / "catalog.yaml" for p in report.problems.errors)
    assert not (tmp_path / "public/ap").exists()  # an unusable daemon_url is none


def test_a_label_handle_equal_to_an_artist_slug_is_an_error(built: Built, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    (copy.content / "catalog.yaml").write_text(CATALOG + "federation:\n  label_username: ana\n")
    report = copy.rebuild()
    (clash,) = [p for p in report.problems.errors if p.key == "federation.label_username"]
    assert "'ana'" in clash.message and clash.path == copy.content / "catalog.yaml"


HOSTILE = {
    "free-one": {
        "likes": 7,
        "boosts": 2,
        "replies": [
            {
                "id": "https://social.example/users/eve/statuses/1",
                "url": "https://social.example/@eve/1",
                "published": "2025-05-02T08:30:00Z",
                "text": "<script>alert('x')</script>\nsecond line",
                "author": {
                    "name": "Eve <img src=x onerror=alert(1)>",
                    "handle": "@eve@social.example",
                    "url": "javascript:alert(1)",
                    "avatar": "https://social.example/eve.png",
                },
            }
        ],
    }
}


def test_replies_are_rendered_escaped_without_script(built: Built, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    write_interactions(copy.data, HOSTILE)
    copy.rebuild()
    page = (copy.out / "releases/free-one/index.html").read_text()
    section = page[
        page.index('<section class="fediverse"') : page.index("</section>", page.index('class="fediverse"'))
    ]
    assert "7 likes" in section and "2 boosts" in section and "1 reply" in section
    assert (
        "<script>" not in section
        and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\nsecond line" in section
    )
    assert "<img src=x" not in section and "Eve &lt;img src=x onerror=alert(1)&gt;" in section
    assert "javascript:" not in section  # an author URL that is not http(s) is dropped
    assert 'src="https://social.example/eve.png" alt="Avatar of Eve &lt;img' in section
    assert 'href="https://social.example/@eve/1"' in section and "@eve@social.example" in section
    assert '<time datetime="2025-05-02T08:30:00+00:00">2 May 2025</time>' in section


@pytest.mark.parametrize(
    "text", ["{not json", '{"version": 1, "releases": {"free-one": {"likes": "many"}}}', "[]"]
)
def test_a_malformed_interactions_file_is_a_warning_naming_it(
    built: Built, tmp_path: Path, text: str
) -> None:
    copy = _copy(built, tmp_path)
    path = copy.data / "federation/interactions.json"
    path.write_text(text)
    report = copy.rebuild()
    assert report.ok
    (warning,) = [p for p in report.problems.warnings if p.path == path]
    assert "no likes" in warning.message or "not JSON" in warning.message
    assert 'class="fediverse"' not in (copy.out / "releases/free-one/index.html").read_text()


def test_a_changed_interactions_file_rebuilds_only_the_pages_it_reaches(built: Built, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in copy.out.rglob("*") if p.is_file()}
    write_interactions(copy.data, {"free-one": {"likes": 1, "boosts": 0, "replies": []}})
    report = copy.rebuild()
    assert report.stats is not None and report.stats.written == 1  # the release page, nothing else
    assert "1 like</span>" in (copy.out / "releases/free-one/index.html").read_text()
    changed = {p for p in copy.out.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns}
    assert changed == {copy.out / "releases/free-one/index.html"}
    # a new key rebuilds the actors
    write_keys(copy.data, ["ana"])
    report = copy.rebuild()
    assert report.stats is not None and report.stats.written >= 1
    assert "publicKey" in copy.doc("ap/artists/ana.json") and "publicKey" not in copy.doc("ap/label.json")
    # and a build with nothing new does nothing
    assert copy.rebuild().skipped


def test_cache_gc_keeps_previews_and_blurhashes(built: Built) -> None:
    cached = built.data / "cache" / "media" / "objects"
    preview = (built.out / "audio/paid-one/long.preview.mp3").stat().st_ino  # hard-linked from the cache
    hashes = {p for p in cached.rglob("*.json") if '"blurhash"' in p.read_text()}
    assert hashes
    cache_gc(built.content, built.data / "cache")
    assert any(p.stat().st_ino == preview for p in cached.rglob("*.mp3"))
    assert all(p.exists() for p in hashes)


def test_a_watch_session_told_of_the_export_rebuilds_the_page(built: Built, tmp_path: Path) -> None:
    copy = _copy(built, tmp_path)
    session = BuildSession(copy.content, copy.out, copy.options, watching=True)
    session.build()
    path = write_interactions(copy.data, {"free-one": {"likes": 2, "boosts": 5, "replies": []}})
    report = session.build({path})
    assert report.stats is not None and report.stats.written == 1
    assert "5 boosts" in (copy.out / "releases/free-one/index.html").read_text()
    session.close()
    assert copy.rebuild().skipped  # the state it left names the export it showed


def test_a_moved_artist_names_its_new_account(built: Built, tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(built.content, copy)
    artist = copy / "artists/ana/artist.yaml"
    artist.write_text(
        artist.read_text()
        + 'moved_to: "https://new.example/users/ana"\nalso_known_as: ["https://old.example/users/ana"]\n'
    )
    report = build(copy, tmp_path / "public", BuildOptions(data_dir=built.data, jobs=2))
    assert report.ok, report.problems.errors
    person = json.loads((tmp_path / "public/ap/artists/ana.json").read_text())
    assert person["movedTo"] == "https://new.example/users/ana"
    assert person["alsoKnownAs"] == ["https://old.example/users/ana"]
    artist.write_text(artist.read_text().replace('"https://new.example/users/ana"', "[1, 2]"))
    report = build(copy, tmp_path / "public", BuildOptions(data_dir=built.data, jobs=2))
    assert [p.key for p in report.problems.errors] == ["moved_to"]
