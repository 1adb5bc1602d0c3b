from __future__ import annotations

import re

import pytest

from tests.generator.catalog_fixtures import (
    BASE_URL,
    RTL_TITLE,
    hostile_catalog,
    hostile_media,
    with_release,
    without_release,
)
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.memo import Memo
from tunecamp.generator.site.playlists import (
    line_text,
    render_artist_playlist,
    render_catalog_playlist,
    render_playlists,
    render_release_playlist,
)

EXTINF = re.compile(r"^#EXTINF:(-1|\d+),(.+)$")


@pytest.fixture(scope="module")
def playlists() -> dict[str, str]:
    catalog = hostile_catalog()
    outputs = render_playlists(catalog, hostile_media(catalog), Urls(BASE_URL))
    assert len({o.path for o in outputs}) == len(outputs)
    return {o.path: (o.data or b"").decode("utf-8") for o in outputs}


def entries(text: str) -> list[tuple[str, str]]:
    """(EXTINF line, URL) pairs; every other line must be a directive."""
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    pairs = []
    for i, line in enumerate(lines):
        if not line.startswith("#"):
            assert EXTINF.match(lines[i - 1]), lines[i - 1]
            pairs.append((lines[i - 1], line))
    return pairs


def test_one_playlist_per_public_release_listed_artist_and_catalog(playlists: dict[str, str]) -> None:
    assert set(playlists) == {
        "releases/engines/playlist.m3u8",
        "releases/hidden/playlist.m3u8",
        "releases/older/playlist.m3u8",
        "releases/undated/playlist.m3u8",
        "artists/ada/playlist.m3u8",
        "artists/noor/playlist.m3u8",
        "catalog.m3u8",
    }


def test_release_playlist_has_absolute_urls_and_skips_unplayable_tracks(playlists: dict[str, str]) -> None:
    text = playlists["releases/engines/playlist.m3u8"]
    pairs = entries(text)
    assert [u for _, u in pairs] == [
        f"{BASE_URL}/audio/engines/{name}"
        for name in ("script.mp3", "fish.flac", "newline.ogg", "control.opus")
    ]
    assert "studio-master" not in text  # the AIFF track has no web-playable stream
    assert pairs[0][0] == '#EXTINF:183,Ada <b>Lovelace</b> & "Co" - <script>alert("x")</script> & Friends'
    assert f"#EXTIMG:{BASE_URL}/releases/engines/cover.svg" in text.splitlines()
    assert f"#EXTALBUMARTURL:{BASE_URL}/releases/engines/cover.svg" in text.splitlines()
    assert text.endswith("\n")


def test_titles_cannot_inject_lines(playlists: dict[str, str]) -> None:
    lines = playlists["releases/engines/playlist.m3u8"].splitlines()
    assert "https://evil.example/x.mp3" not in lines
    assert sum(line.startswith("#EXTINF:") for line in lines) == 4
    assert '#EXTINF:183,Ada <b>Lovelace</b> & "Co" - Line #EXTINF:1,Evil https://evil.example/x.mp3' in lines
    assert '#EXTINF:183,Ada <b>Lovelace</b> & "Co" - Bell and Tab' in lines
    assert line_text("a\r\nb\u2028c\x00d\ud800") == "a b c d"


def test_album_directives_come_with_every_entry(playlists: dict[str, str]) -> None:
    lines = playlists["releases/older/playlist.m3u8"].splitlines()
    assert lines[:2] == ["#EXTM3U", "#PLAYLIST:Older & Wiser"]
    assert lines.count("#EXTALB:Older & Wiser") == 2
    assert lines.count('#EXTART:Ada <b>Lovelace</b> & "Co", نور الهدى') == 2
    # the largest JPEG/PNG of the cover, which every player can show
    assert f"#EXTIMG:{BASE_URL}/releases/older/cover-1400.jpg" in lines
    assert "#EXTINF:60,نور الهدى - Two" in lines


def test_catalog_and_artist_playlists_hold_listed_releases_only(playlists: dict[str, str]) -> None:
    urls = [u for _, u in entries(playlists["catalog.m3u8"])]
    assert urls == [
        f"{BASE_URL}/audio/{p}"
        for p in (
            "engines/script.mp3",
            "engines/fish.flac",
            "engines/newline.ogg",
            "engines/control.opus",
            "older/one.mp3",
            "older/two.m4a",
            "undated/layl.mp3",
        )
    ]
    noor = playlists["artists/noor/playlist.m3u8"]
    assert [u.rsplit("/", 2)[-2] for _, u in entries(noor)] == ["older", "older", "undated"]
    assert f"#EXTALB:{RTL_TITLE}" in noor.splitlines()
    assert "hidden" not in playlists["artists/ada/playlist.m3u8"]
    assert [u for _, u in entries(playlists["releases/hidden/playlist.m3u8"])] == [
        f"{BASE_URL}/audio/hidden/secret.mp3"
    ]


def test_the_parts_make_the_same_playlists(playlists: dict[str, str]) -> None:
    catalog = hostile_catalog()
    media, urls = hostile_media(catalog), Urls(BASE_URL)
    parts = [
        *(
            render_release_playlist(r, {a.slug: a for a in catalog.artists}, media, urls)
            for r in catalog.public_releases
        ),
        *(render_artist_playlist(a, catalog, media, urls) for a in catalog.listed_artists),
        render_catalog_playlist(catalog, media, urls),
    ]
    assert {o.path: (o.data or b"").decode("utf-8") for o in parts} == playlists
    older = next(r for r in catalog.releases if r.slug == "older")
    own = {a.slug: a for a in catalog.artists if a.slug in older.artist_slugs}
    only_its_artists = render_release_playlist(older, own, media, urls).data or b""
    assert only_its_artists.decode("utf-8") == playlists["releases/older/playlist.m3u8"]


def render_shared(catalog: Catalog, memo: Memo) -> dict[str, str]:
    """The catalog playlist and both artists' playlists, as an incremental rebuild renders them."""
    media, urls = hostile_media(catalog), Urls(BASE_URL)
    outputs = [render_catalog_playlist(catalog, media, urls, memo)]
    outputs += [render_artist_playlist(a, catalog, media, urls, memo) for a in catalog.listed_artists]
    return {o.path: (o.data or b"").decode("utf-8") for o in outputs}


def fresh(catalog: Catalog) -> dict[str, str]:
    outputs = render_playlists(catalog, hostile_media(catalog), Urls(BASE_URL))
    return {o.path: (o.data or b"").decode("utf-8") for o in outputs if not o.path.startswith("releases/")}


def test_a_rebuild_makes_only_the_changed_releases_entries_again(playlists: dict[str, str]) -> None:
    memo = Memo()
    catalog = hostile_catalog()
    first = render_shared(catalog, memo)
    assert first == fresh(catalog) and memo.misses == 3  # the listed releases, shared by the playlists
    memo.sweep()
    assert render_shared(catalog, memo) == first and memo.misses == 0

    memo.sweep()
    changed = with_release(catalog, "older", title="Older & Bolder")
    got = render_shared(changed, memo)
    assert memo.misses == 1 and got == fresh(changed)
    for path in ("catalog.m3u8", "artists/ada/playlist.m3u8", "artists/noor/playlist.m3u8"):
        assert got[path].splitlines().count("#EXTALB:Older & Bolder") == 2
        assert "Older & Wiser" not in got[path]

    memo.sweep()
    gone = without_release(changed, "engines")
    got = render_shared(gone, memo)
    assert memo.misses == 0 and got == fresh(gone)
    assert "/audio/engines/" not in got["catalog.m3u8"]
    assert [u.rsplit("/", 2)[-2] for _, u in entries(got["artists/ada/playlist.m3u8"])] == ["older", "older"]


def test_memo_gives_the_same_playlists_as_a_one_off_render(playlists: dict[str, str]) -> None:
    catalog = hostile_catalog()
    memo = Memo()
    for _ in range(2):
        outputs = render_playlists(catalog, hostile_media(catalog), Urls(BASE_URL), memo)
        assert {o.path: (o.data or b"").decode("utf-8") for o in outputs} == playlists
    # per render: 4 release playlists, ada's 2 releases, noor's 2, the catalog's 3; each made once
    assert (memo.hits, memo.misses) == (2 * (4 + 2 + 2 + 3) - 4, 4)
