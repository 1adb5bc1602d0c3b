"""Looking a release up against the loopback providers: the diff, and every kind of trouble."""

from __future__ import annotations

from pathlib import Path

from tunecamp.daemon.enrich.catalog import read_queries
from tunecamp.daemon.enrich.diff import Options
from tunecamp.daemon.enrich.model import Diff
from tunecamp.daemon.enrich.service import Enricher, RunResult

from .conftest import MBID, Providers


async def _run(enricher: Enricher, content: Path, **options: object) -> tuple[RunResult, Diff]:
    result = await enricher.run(read_queries(content, ("tides",)), Options(**options), "command")  # type: ignore[arg-type]
    return result, result.diffs[0]


def _by_key(diff: Diff) -> dict[str, tuple[object, str, bool]]:
    return {p.key: (p.proposed, p.source, p.overwrite) for p in diff.proposals}


async def test_a_half_tagged_release_gets_a_diff_per_field(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    result, diff = await _run(enricher, content)
    got = _by_key(diff)
    assert diff.match.startswith(f"MusicBrainz {MBID}")
    assert got["date"] == ("2019-05-01", "musicbrainz", False)
    assert got["label"] == ("Quiet Records", "musicbrainz", False)
    assert got["catalog_number"] == ("QR-042", "musicbrainz", False)
    assert got["genres"] == (["drone", "ambient"], "musicbrainz", True)  # the artist wrote genres
    assert got["credits"] == ("Mixed By: Sam Mix\nMastered By: Jo Master", "discogs", False)
    assert got["cover"][1:] == ("coverart", False)
    assert got["isrc@01 - First Light.flac"] == ("GBAYE1900001", "musicbrainz", False)
    # a title made from the file's name is no artist's value
    assert got["title@02 - Low Water.flac"] == ("Low Water (Part One)", "musicbrainz", False)
    assert "title@01 - First Light.flac" not in got  # the tag says the same
    assert got["composer@02 - Low Water.flac"] == (["Aurora Lane"], "discogs", False)
    assert got["lyrics@01 - First Light.flac"][1] == "lrclib"
    assert got["lyrics@02 - Low Water.flac"] == ("Low water\nlow light\n", "lyricsovh", False)
    assert result.counters.answered == {"musicbrainz", "coverart", "discogs", "lrclib", "lyricsovh"}
    assert not result.counters.failures
    assert not providers.paths("/itunes")  # the Cover Art Archive had the cover
    assert not providers.paths("/discogs/database")  # no token: only the release MusicBrainz links to


async def test_every_request_says_who_asks_and_none_is_signed(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    await _run(enricher, content)
    agents = {s.headers.get("User-Agent", "") for s in providers.seen}
    assert agents and all("(+https://music.example)" in a and a.startswith("TuneCamp/") for a in agents)
    assert not any("Signature" in s.headers for s in providers.seen)


async def test_an_mbid_in_the_tags_is_looked_up_without_a_search(
    enricher: Enricher, content: Path, providers: Providers, make_audio: object
) -> None:
    from mutagen.flac import FLAC

    audio = FLAC(content / "releases/tides/01 - First Light.flac")
    audio["MUSICBRAINZ_ALBUMID"] = MBID
    audio.save()
    _, diff = await _run(enricher, content)
    assert providers.paths("/ws/2/release/") == [f"/ws/2/release/{MBID}"]
    assert "date" in _by_key(diff)


async def test_no_match_asks_itunes_and_proposes_only_what_it_knows(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    providers.search_results = [
        {"id": "11111111-2222-3333-4444-555555555555", "title": "Completely Else", "score": 40,
         "artist-credit": [{"name": "Somebody"}], "track-count": 12}
    ]  # fmt: skip
    _, diff = await _run(enricher, content)
    assert diff.match == "MusicBrainz: no match"
    assert providers.paths("/ws/2/release/") == ["/ws/2/release/"]  # no lookup of a poor candidate
    got = _by_key(diff)
    assert got["cover"][0].endswith("/archive/art/1200x1200bb.png") and got["cover"][1] == "itunes"
    assert got["date"][1] == "itunes" and "label" not in got


async def test_a_rate_limit_is_waited_out_and_retried(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    providers.modes["musicbrainz"] = "429-once"
    result, diff = await _run(enricher, content)
    assert providers.paths("/ws/2/release/")[:2] == ["/ws/2/release/", "/ws/2/release/"]
    assert "label" in _by_key(diff) and not result.counters.failures


async def test_a_provider_that_stays_busy_fails_alone(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    providers.modes["musicbrainz"] = "503"  # Retry-After: 120, longer than anyone waits
    result, diff = await _run(enricher, content)
    assert result.counters.failures == ["musicbrainz: rate-limited (HTTP 503); try again later"]
    assert len(providers.paths("/ws/2/release/")) == 1
    got = _by_key(diff)
    assert got["cover"][1] == "itunes" and "lyrics@01 - First Light.flac" in got  # the others answered


async def test_a_timeout_and_a_malformed_body_fail_their_provider_only(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    providers.modes["lrclib"] = "slow"
    providers.modes["discogs"] = "malformed"
    result, diff = await _run(enricher, content)
    failures = "\n".join(result.counters.failures)
    assert "lrclib: timed out" in failures and "discogs: malformed JSON" in failures
    got = _by_key(diff)
    assert got["lyrics@02 - Low Water.flac"][1] == "lyricsovh" and "credits" not in got
    assert got["label"][1] == "musicbrainz"


async def test_an_oversized_cover_is_refused_and_itunes_stands_in(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    providers.modes["coverart-image"] = "huge"
    result, diff = await _run(enricher, content)
    assert any(f.startswith("coverart: the answer is") for f in result.counters.failures)
    assert _by_key(diff)["cover"][1] == "itunes"


async def test_discogs_searches_only_with_a_token(
    tmp_path: Path, content: Path, providers: Providers
) -> None:
    from tunecamp.daemon.db import Db
    from tunecamp.daemon.enrich.settings import EnrichSettings
    from tunecamp.daemon.outbound import Outbound, OutboundConfig

    config = providers.settings(discogs_token="s3cret-token")
    db = Db(tmp_path / "d.db")
    await db.open()
    outbound = Outbound(OutboundConfig.from_config(config))
    try:
        enricher = Enricher(db, outbound, EnrichSettings.from_config(config))
        result, diff = await _run(enricher, content, providers=frozenset({"discogs"}))
    finally:
        await outbound.close()
        await db.close()
    searched = [s for s in providers.seen if s.path == "/discogs/database/search"]
    assert searched and searched[0].headers["Authorization"] == "Discogs token=s3cret-token"
    assert searched[0].query["release_title"] == "Morning Tides"
    assert _by_key(diff)["label"] == ("Quiet Records", "discogs", False)
    assert result.counters.answered == {"discogs"}


async def test_answers_are_cached_until_refresh(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    first, _ = await _run(enricher, content)
    sent = len(providers.seen)
    second, diff = await _run(enricher, content)
    # only the cover image is fetched again (images are not cached); every JSON answer came from the cache
    assert [s.path for s in providers.seen[sent:]] == [f"/caa/release/{MBID}/front", "/archive/front.jpg"]
    assert second.counters.cached >= 6 and "label" in _by_key(diff)
    sent = len(providers.seen)
    await _run(enricher, content, refresh=True)
    assert len(providers.seen) - sent == first.counters.requests + 1  # the cover's redirect is one more hit


async def test_the_cache_expires(enricher: Enricher, content: Path, providers: Providers) -> None:
    now = [1_000_000.0]
    enricher.clock = lambda: now[0]
    await _run(enricher, content, providers=frozenset({"musicbrainz"}))
    now[0] += 29 * 86400
    sent = len(providers.seen)
    await _run(enricher, content, providers=frozenset({"musicbrainz"}))
    assert len(providers.seen) == sent
    now[0] += 2 * 86400
    kept = await enricher.db.run(lambda d: d["enrich_cache"].count)
    await _run(enricher, content, providers=frozenset({"musicbrainz"}))
    assert len(providers.seen) > sent
    # the expired answers were dropped before they were asked again
    fetched = await enricher.db.run(lambda d: {r["fetched_at"] for r in d["enrich_cache"].rows})
    assert kept == 2 and fetched == {now[0]}


async def test_musicbrainz_requests_are_paced(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    enricher.musicbrainz_pace.interval = 0.3
    await _run(enricher, content, providers=frozenset({"musicbrainz"}), refresh=True)
    times = [s.at for s in providers.seen if s.path.startswith("/ws/2/")]
    assert len(times) == 2 and times[1] - times[0] >= 0.29


async def test_answers_of_the_wrong_shape_fail_their_provider_only(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    providers.modes["musicbrainz"] = "weird"
    providers.modes["discogs"] = "weird"
    result, diff = await _run(enricher, content)
    assert [f.split(" (")[0] for f in result.counters.failures] == [
        "musicbrainz: an answer of an unexpected shape"
    ]
    got = _by_key(diff)
    assert got["lyrics@01 - First Light.flac"][1] == "lrclib" and got["cover"][1] == "itunes"


async def test_a_look_up_asks_only_the_providers_that_fill_the_fields_asked(
    enricher: Enricher, content: Path, providers: Providers
) -> None:
    _, diff = await _run(enricher, content, fields=frozenset({"lyrics"}))
    assert {s.path.split("/")[1] for s in providers.seen} == {"lrclib", "ovh"}
    assert {p.field for p in diff.proposals} == {"lyrics"}
