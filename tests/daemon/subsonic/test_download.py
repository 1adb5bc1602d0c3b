"""download of songs, albums and artists against a real daemon serving a really built site."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from subsonic_fixtures import (
    Daemon,
    add_users,
    index_catalog,
    lavfi_audio,
    make_config,
    running_daemon,
    serve,
    write_catalog,
)

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

pytestmark = pytest.mark.slow
HOSTILE = '../Who/What "Now"?'


def add_releases(content: Path) -> None:
    """Beside the shared test catalog: FLAC masters with a built FLAC zip, and hostile names."""
    folders = {
        "calm": "status: published\ntitle: Calm Waters\nartist: aurora\ndownload: free\ndownload_formats: [flac]\n",
        "odd": "status: published\ntitle: 'Odd: \"A/B\"'\nartist: brook\ndownload: name-your-price\n"
        "download_formats: [flac]\n",
    }
    for slug, text in folders.items():
        (content / "releases" / slug).mkdir(parents=True)
        (content / "releases" / slug / "release.yaml").write_text(text)
    lavfi_audio(content / "releases/calm/01 - Still.flac", 1.0, 300, {"title": "Still"})
    lavfi_audio(content / "releases/calm/02 - Ripple.flac", 1.0, 350, {"title": "Ripple"})
    lavfi_audio(content / "releases/odd/01 - x.mp3", 1.0, 400, {"title": HOSTILE})


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("download")
    content = write_catalog(root / "content", lavfi_audio)
    add_releases(content)
    config = make_config(root, content)
    report = build(content, config.public_dir, BuildOptions(jobs=2))
    assert report.ok, report.problems.errors
    index_catalog(config)
    keys = add_users(config)
    with serve(config) as (url, app, loop):
        yield Daemon(url, config, app, loop, keys)


def album_id(d: Daemon, title: str, user: str = "carl") -> str:
    albums = d.ok("search3", user, query="")["searchResult3"]["album"]
    return str(next(a["id"] for a in albums if a["name"] == title))


def artist_id(d: Daemon, name: str) -> str:
    artists = d.ok("search3", "carl", query="")["searchResult3"]["artist"]
    return str(next(a["id"] for a in artists if a["name"] == name))


def download(d: Daemon, item: str, user: str = "lena", **extra: str) -> httpx.Response:
    return httpx.get(f"{d.rest}/download", params=d.params(user, id=item, **extra), timeout=60)


def unzip(response: httpx.Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None  # every member's CRC checks out
    return archive


def error_code(response: httpx.Response) -> int:
    code: int = response.json()["subsonic-response"]["error"]["code"]
    return code


def test_flac_masters_get_the_zip_the_pipeline_built(daemon: Daemon) -> None:
    built = daemon.config.public_dir / "downloads/calm/calm-flac.zip"
    response = download(daemon, album_id(daemon, "Calm Waters"))
    assert response.content == built.read_bytes()
    assert 'filename="Aurora Lane - Calm Waters.zip"' in response.headers["content-disposition"]
    names = unzip(response).namelist()
    assert (
        "Aurora Lane - Calm Waters/01 - Still.flac" in names
        and "Aurora Lane - Calm Waters/02 - Ripple.flac" in names
    )
    part = httpx.get(
        f"{daemon.rest}/download",
        params=daemon.params(id=album_id(daemon, "Calm Waters")),
        headers={"Range": "bytes=0-3"},
    )
    assert part.status_code == 206 and part.content == b"PK\x03\x04"  # a resumable download


def test_other_albums_are_zipped_on_the_fly_from_the_sources(daemon: Daemon) -> None:
    content = daemon.config.content_dir / "releases/tides"
    response = download(daemon, album_id(daemon, "Morning Tides"))  # FLAC and MP3 masters: no built zip fits
    assert "content-length" not in response.headers  # streamed, not assembled first
    archive = unzip(response)
    folder = "Aurora Lane - Morning Tides"
    assert archive.namelist() == [f"{folder}/01 - First Light.flac", f"{folder}/02 - Low Water.mp3"]
    assert archive.read(f"{folder}/01 - First Light.flac") == (content / "01 - First Light.flac").read_bytes()
    assert archive.read(f"{folder}/02 - Low Water.mp3") == (content / "02 - Low Water.mp3").read_bytes()
    assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    assert (
        "filename*=UTF-8''Aurora%20Lane%20-%20Morning%20Tides.zip" in response.headers["content-disposition"]
    )


def test_hostile_names_stay_inside_their_folder(daemon: Daemon) -> None:
    response = download(daemon, album_id(daemon, 'Odd: "A/B"'))
    (name,) = unzip(response).namelist()
    folder, _, file = name.partition("/")
    assert "/" not in file and ".." not in name.split("/") and '"' not in name and file.endswith(".mp3")
    assert folder == "Brook Ferris - Odd_ _A_B_"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.count('"') == 2


def test_the_download_policy_holds_for_albums(daemon: Daemon) -> None:
    sold = album_id(daemon, "Paid Single")
    refused = download(daemon, sold, f="json")
    assert error_code(refused) == 50 and "sale" in refused.json()["subsonic-response"]["error"]["message"]
    staff = download(daemon, sold, "carl")
    private = daemon.config.data_dir / "private/downloads/sold/sold-flac.zip"
    assert staff.content == private.read_bytes()  # from the private store, never public/
    assert not (daemon.config.public_dir / "downloads/sold").exists()
    draft = album_id(daemon, "Night Drafts")
    assert error_code(download(daemon, draft, f="json")) == 70  # a draft does not exist for Listeners
    assert unzip(download(daemon, draft, "carl")).namelist() == [
        "Aurora Lane - Night Drafts/01 - Unfinished.mp3"
    ]


def test_an_artist_as_one_zip(daemon: Daemon) -> None:
    aurora = artist_id(daemon, "Aurora Lane")
    names = unzip(download(daemon, aurora)).namelist()
    assert sorted({n.split("/")[1] for n in names}) == ["Calm Waters", "Morning Tides"]
    assert all(n.startswith("Aurora Lane/") for n in names) and len(names) == 4
    staff = unzip(download(daemon, aurora, "carl")).namelist()
    assert "Aurora Lane/Night Drafts/01 - Unfinished.mp3" in staff
    brook = download(daemon, artist_id(daemon, "Brook Ferris"), f="json")
    names = unzip(brook).namelist()
    assert [n.split("/")[1] for n in names] == ["Odd_ _A_B_"]  # the paid single left out
    assert len(unzip(download(daemon, artist_id(daemon, "Brook Ferris"), "carl")).namelist()) == 2


def test_songs_bad_ids_and_head(daemon: Daemon) -> None:
    low = daemon.ok("search3", query="Low Water")["searchResult3"]["song"][0]["id"]
    song = download(daemon, low)
    assert song.content == (daemon.config.content_dir / "releases/tides/02 - Low Water.mp3").read_bytes()
    for bad in ("al-99999", "ar-99999", "pl-1", "nonsense"):
        assert error_code(download(daemon, bad, f="json")) == 70, bad
    head = httpx.head(f"{daemon.rest}/download", params=daemon.params(id=album_id(daemon, "Morning Tides")))
    assert head.status_code == 200 and head.headers["content-type"] == "application/zip" and not head.content


@pytest.fixture
def small_daemon(tmp_path: Path, make_audio: Any) -> Iterator[Daemon]:
    with running_daemon(tmp_path, make_audio) as running:
        yield running


def test_a_client_that_hangs_up_mid_zip(small_daemon: Daemon, caplog: pytest.LogCaptureFixture) -> None:
    d = small_daemon
    # far more than the socket buffers hold: the daemon is still writing when the client leaves
    (d.config.content_dir / "releases/tides/02 - Low Water.mp3").write_bytes(bytes(64 << 20))
    tides = album_id(d, "Morning Tides")
    with caplog.at_level(logging.INFO):
        with httpx.stream("GET", f"{d.rest}/download", params=d.params(id=tides)) as r:
            assert r.status_code == 200 and len(next(r.iter_bytes())) > 0
        time.sleep(0.5)
        assert d.ok("ping")["status"] == "ok"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    (d.config.content_dir / "releases/tides/01 - First Light.flac").unlink()
    assert error_code(download(d, tides, f="json")) == 70  # found missing before anything is sent
