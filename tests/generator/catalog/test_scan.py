from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeAudio

from tunecamp.generator.catalog.model import Release
from tunecamp.generator.catalog.scan import ScanState, read_catalog_config, rescan, scan, scan_state
from tunecamp.generator.catalog.tags import read_tags
from tunecamp.generator.problems import Problems


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def catalog_dir(tmp_path: Path, make_audio: MakeAudio) -> Path:
    root = tmp_path / "content"
    write(
        root / "catalog.yaml",
        "title: Label\nbase_url: https://music.example.org/\nlicense: CC0-1.0\ndownload: free\nlabel: true\n",
    )
    write(
        root / "artists/ada/artist.yaml",
        "name: Ada Lovelace\ndownload: name-your-price\nprice: 3\n"
        "links:\n  - https://ada.example.org\n  - {label: Shop, url: https://shop.example.org}\n",
    )
    write(root / "artists/ada/bio.md", "Ada makes **engines** sing.\n")
    rel = root / "releases/Engines (2024)"
    make_audio(
        rel / "02 - Second.flac",
        tags={"title": "Second", "artist": "Ada Lovelace", "tracknumber": "2", "genre": "Electronic"},
    )
    make_audio(
        rel / "01 - First.mp3",
        tags={
            "title": "First",
            "artist": "Ada Lovelace",
            "tracknumber": "1",
            "album": "Engines",
            "date": "2024-05-01",
            "genre": "Electronic",
        },
    )
    make_audio(rel / "03 no tags.ogg")
    write(
        rel / "release.yaml",
        "status: published\nartist: ada\ntracks:\n"
        "  - file: 03 no tags.ogg\n    title: Third\n    download: none\n",
    )
    write(rel / "notes.md", "Liner notes.\n")
    write(rel / "01 - First.lrc", "[00:01.00]hello\n")
    draft = root / "releases/draft-one"
    make_audio(draft / "a.mp3", tags={"title": "Draft", "artist": "Somebody Else"})
    unlisted = root / "releases/hidden"
    make_audio(unlisted / "a.opus", tags={"title": "Hidden", "album": "Hidden", "artist": "Ada Lovelace"})
    write(unlisted / "release.yaml", "status: unlisted\n")
    return root


def test_scan_reads_the_catalog(catalog_dir: Path) -> None:
    catalog, problems = scan(catalog_dir)
    assert not problems.errors, problems.items
    assert catalog.config.title == "Label" and catalog.config.label_mode
    assert catalog.config.base_url == "https://music.example.org"
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert release.title == "Engines" and release.status == "published"
    assert [t.title for t in release.tracks] == ["First", "Second", "Third"]
    assert [t.slug for t in release.tracks] == ["first", "second", "third"]
    assert release.date is not None and release.date.isoformat() == "2024-05-01"
    assert release.genres == ("Electronic",)
    assert "Liner notes." in release.notes_html
    assert release.tracks[0].lyrics is not None and release.tracks[0].lyrics.synced[0].text == "hello"
    ada = catalog.artist("ada")
    assert ada.name == "Ada Lovelace" and "<strong>engines</strong>" in ada.bio_html
    assert [link.label for link in ada.links] == ["ada.example.org", "Shop"]


def test_settings_inherit_catalog_artist_release_track(catalog_dir: Path) -> None:
    catalog, _ = scan(catalog_dir)
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert release.settings.license == "CC0-1.0"  # from the catalog
    assert release.settings.download == "name-your-price" and release.settings.price == Decimal(3)  # artist
    assert release.tracks[2].settings.download == "none"  # the track's own entry
    assert release.tracks[0].settings.download == "name-your-price"


def test_statuses(catalog_dir: Path) -> None:
    catalog, _ = scan(catalog_dir)
    by_slug = {r.slug: r for r in catalog.releases}
    assert by_slug["draft-one"].status == "draft" and not by_slug["draft-one"].is_public
    assert by_slug["hidden"].is_public and not by_slug["hidden"].is_listed
    assert [r.slug for r in catalog.listed_releases] == ["engines-2024"]
    assert {a.slug for a in catalog.listed_artists} == {"ada"}
    # an artist known only from tags exists, but lists nothing
    assert "somebody-else" in {a.slug for a in catalog.artists}


def test_bad_yaml_skips_only_that_release(catalog_dir: Path, make_audio: MakeAudio) -> None:
    broken = catalog_dir / "releases/broken"
    make_audio(broken / "a.mp3")
    write(broken / "release.yaml", "status: published\ntitle: [oops\n")
    catalog, problems = scan(catalog_dir)
    assert "broken" not in {r.slug for r in catalog.releases}
    assert "engines-2024" in {r.slug for r in catalog.releases}
    messages = [str(p) for p in problems.errors]
    assert any("broken/release.yaml" in m and "invalid YAML at line" in m for m in messages)


@pytest.mark.parametrize("value", ["!!int draft", "!!bool maybe", "!!timestamp yesterday", "!!float x"])
def test_a_value_that_does_not_fit_its_tag_skips_only_that_release(catalog_dir: Path, value: str) -> None:
    write(catalog_dir / "releases/tagged/release.yaml", f"status: published\ntitle: {value}\n")
    catalog, problems = scan(catalog_dir)
    assert "engines-2024" in {r.slug for r in catalog.releases}
    assert any("tagged/release.yaml" in str(p) and "does not fit its tag" in str(p) for p in problems.errors)


def test_unknown_keys_and_bad_values_name_file_and_key(catalog_dir: Path) -> None:
    meta = catalog_dir / "releases/Engines (2024)/release.yaml"
    meta.write_text(meta.read_text() + "licence: MIT\nprice: cheap\ndate: someday\n")
    catalog, problems = scan(catalog_dir)
    found = {(p.path.name, p.key): p.message for p in problems.errors}
    assert "did you mean 'license'" in found[("release.yaml", "licence")]
    assert "is not a price" in found[("release.yaml", "price")]
    assert "is not a date" in found[("release.yaml", "date")]
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert release.settings.price == Decimal(3)  # the inherited value survives


def test_corrupt_and_empty_audio_are_skipped_with_a_message(catalog_dir: Path) -> None:
    rel = catalog_dir / "releases/Engines (2024)"
    (rel / "04 - Corrupt.flac").write_bytes(b"fLaC" + os.urandom(300))
    (rel / "05 - Empty.mp3").write_bytes(b"")
    catalog, problems = scan(catalog_dir)
    release = next(r for r in catalog.releases if r.slug == "engines-2024")
    assert len(release.tracks) == 3
    skipped = {p.path.name for p in problems.errors}
    assert {"04 - Corrupt.flac", "05 - Empty.mp3"} <= skipped
    assert all("track skipped" in p.message for p in problems.errors)


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("status: published\ncover: ../../../etc/passwd\n", "cover"),
        ("status: published\ntracks:\n  - file: ../../elsewhere.mp3\n", "tracks[0].file"),
        ("status: published\nslug: ../escape\n", "slug"),
    ],
)
def test_hostile_paths_and_slugs_are_refused(
    catalog_dir: Path, make_audio: MakeAudio, yaml_text: str, key: str
) -> None:
    rel = catalog_dir / "releases/hostile"
    make_audio(rel / "a.mp3")
    write(rel / "release.yaml", yaml_text)
    catalog, problems = scan(catalog_dir)
    assert any(p.key == key and p.path.parent.name == "hostile" for p in problems.errors), problems.items
    for release in catalog.releases:
        assert release.cover is None or release.cover.source.is_relative_to(catalog_dir)


def test_folder_with_yaml_but_no_audio_is_reported(catalog_dir: Path) -> None:
    write(catalog_dir / "releases/empty/release.yaml", "status: published\n")
    (catalog_dir / "releases/just-a-folder").mkdir()
    _, problems = scan(catalog_dir)
    assert [p.path.name for p in problems.errors] == ["empty"]


def test_embedded_cover_is_used_when_the_folder_has_none(catalog_dir: Path, make_audio: MakeAudio) -> None:
    from conftest import PNG_1PX

    rel = catalog_dir / "releases/embedded"
    make_audio(rel / "a.flac", tags={"title": "A"}, cover=PNG_1PX)
    write(rel / "release.yaml", "status: published\n")
    catalog, _ = scan(catalog_dir)
    release = next(r for r in catalog.releases if r.slug == "embedded")
    assert release.cover is not None and release.cover.embedded_in == rel / "a.flac"


def test_missing_catalog_yaml_is_a_warning(tmp_path: Path) -> None:
    catalog, problems = scan(tmp_path)
    assert catalog.releases == () and not problems.errors
    assert "tunecamp init" in problems.warnings[0].message


# -- rescan: the incremental scan of a watch session -------------------------------------------


def releases_by_slug(state: ScanState) -> dict[str, Release]:
    return {r.slug: r for r in state.catalog.releases}


@pytest.fixture
def content(catalog_dir: Path) -> Path:
    return catalog_dir.resolve()  # the scan resolves content/; the watcher's paths are resolved too


def test_rescan_rereads_only_the_changed_folder(content: Path) -> None:
    state = scan_state(content)
    before = releases_by_slug(state)
    meta = content / "releases/Engines (2024)/release.yaml"
    meta.write_text(meta.read_text() + "title: Engines, Remastered\n")
    after = rescan(state, {meta})
    assert after is not None
    now = releases_by_slug(after)
    assert now["engines-2024"] is not before["engines-2024"]
    assert now["engines-2024"].title == "Engines, Remastered"
    assert now["hidden"] is before["hidden"] and now["draft-one"] is before["draft-one"]
    assert after.folders[content / "releases/hidden"] is state.folders[content / "releases/hidden"]
    assert after.catalog.artists == state.catalog.artists
    assert before["engines-2024"].title == "Engines"  # the previous state is left as it was
    assert list(after.folders) == sorted(after.folders)


def test_rescan_gives_what_a_full_scan_gives(content: Path) -> None:
    state = scan_state(content)
    meta = content / "releases/hidden/release.yaml"
    meta.write_text("status: published\ngenres: [Folk]\n")
    after = rescan(state, {meta, content / "releases/hidden"})
    assert after is not None
    full = scan_state(content)
    assert after.catalog == full.catalog
    assert after.problems().items == full.problems().items


def test_a_deleted_folder_drops_its_release_and_its_problems(content: Path, make_audio: MakeAudio) -> None:
    extra = content / "releases/extra"
    make_audio(extra / "a.mp3", tags={"title": "Extra", "artist": "Ada Lovelace"})
    write(extra / "release.yaml", "status: published\nlicence: MIT\n")
    state = scan_state(content)
    assert "extra" in releases_by_slug(state)
    assert any(p.path == extra / "release.yaml" for p in state.problems().errors)
    shutil.rmtree(extra)
    after = rescan(state, {extra / "a.mp3", extra / "release.yaml", extra})
    assert after is not None
    assert "extra" not in releases_by_slug(after) and extra not in after.folders
    assert not any(p.path.is_relative_to(extra) for p in after.problems().items)
    assert releases_by_slug(after)["engines-2024"] is releases_by_slug(state)["engines-2024"]


def test_a_new_folder_is_read(content: Path, make_audio: MakeAudio) -> None:
    state = scan_state(content)
    fresh = content / "releases/fresh"
    make_audio(fresh / "01.mp3", tags={"title": "New Song", "artist": "Ada Lovelace", "album": "Fresh"})
    write(fresh / "release.yaml", "status: published\ndate: 2030-01-01\n")
    after = rescan(state, {fresh / "01.mp3"})
    assert after is not None
    release = releases_by_slug(after)["fresh"]
    assert release.title == "Fresh" and [t.title for t in release.tracks] == ["New Song"]
    assert release.artist_slugs == ("ada",)
    assert after.catalog.releases[0] is release  # the newest comes first, as in a full scan
    assert after.catalog.listed_releases == scan_state(content).catalog.listed_releases


def test_hidden_and_underscore_folders_are_not_read(content: Path, make_audio: MakeAudio) -> None:
    state = scan_state(content)
    changed = {
        make_audio(content / "releases/.trash/a.mp3", tags={"artist": "Ada Lovelace"}),
        make_audio(content / "releases/_parked/a.mp3", tags={"artist": "Ada Lovelace"}),
    }
    after = rescan(state, changed)
    assert after is not None and after.catalog == state.catalog and after.folders == state.folders


def test_a_broken_release_yaml_hides_the_release_until_fixed(content: Path) -> None:
    state = scan_state(content)
    meta = content / "releases/Engines (2024)/release.yaml"
    good = meta.read_text()
    meta.write_text("status: published\ntitle: [oops\n")
    broken = rescan(state, {meta})
    assert broken is not None
    assert "engines-2024" not in releases_by_slug(broken)
    errors = [p for p in broken.problems().errors if p.path == meta]
    assert errors and "invalid YAML at line" in errors[0].message
    assert releases_by_slug(broken)["hidden"] is releases_by_slug(state)["hidden"]

    meta.write_text(good)
    fixed = rescan(broken, {meta})
    assert fixed is not None
    assert releases_by_slug(fixed)["engines-2024"].title == "Engines"
    assert not [p for p in fixed.problems().items if p.path == meta]


@pytest.mark.parametrize(
    "changed",
    [
        "catalog.yaml",
        "artists/ada/artist.yaml",
        "artists/newcomer",
        "releases",  # the releases folder itself: anything inside may have moved
        ".",
        "../elsewhere/a.mp3",
    ],
)
def test_a_change_outside_release_folders_needs_a_full_scan(content: Path, changed: str) -> None:
    state = scan_state(content)
    assert rescan(state, {(content / changed).resolve()}) is None
    meta = content / "releases/hidden/release.yaml"  # also when mixed with a release change
    assert rescan(state, {meta, (content / changed).resolve()}) is None


def test_a_release_naming_a_new_artist_needs_a_full_scan(content: Path) -> None:
    state = scan_state(content)
    meta = content / "releases/hidden/release.yaml"
    meta.write_text("status: unlisted\nartist: Brand New Band\n")
    assert rescan(state, {meta}) is None
    assert "brand-new-band" not in {a.slug for a in state.catalog.artists}  # the state is untouched


def test_losing_the_last_release_of_a_tag_only_artist_needs_a_full_scan(content: Path) -> None:
    state = scan_state(content)
    assert state.catalog.artist("somebody-else").source_dir is None
    shutil.rmtree(content / "releases/draft-one")
    assert rescan(state, {content / "releases/draft-one"}) is None


def test_problems_of_untouched_folders_and_of_the_catalog_are_kept(
    content: Path, make_audio: MakeAudio
) -> None:
    (content / "catalog.yaml").write_text((content / "catalog.yaml").read_text() + "colour: blue\n")
    broken = content / "releases/broken"
    make_audio(broken / "a.mp3")
    write(broken / "release.yaml", "status: published\ntitle: [oops\n")
    state = scan_state(content)
    watched = {content / "catalog.yaml", broken / "release.yaml"}
    kept = [p for p in state.problems().items if p.path in watched]
    assert {p.path for p in kept} == watched
    meta = content / "releases/hidden/release.yaml"
    meta.write_text("status: unlisted\ntitle: Still Hidden\n")
    after = rescan(state, {meta})
    assert after is not None
    assert all(any(p is q for q in after.problems().items) for p in kept)
    assert after.problems().items == scan_state(content).problems().items


def test_two_folders_claiming_one_slug_are_reported_until_one_goes(
    content: Path, make_audio: MakeAudio
) -> None:
    state = scan_state(content)
    twin = content / "releases/twin"
    make_audio(twin / "a.mp3", tags={"artist": "Ada Lovelace"})
    write(twin / "release.yaml", "status: published\nslug: engines-2024\n")
    clash = rescan(state, {twin})
    assert clash is not None
    assert [p.path for p in clash.problems().errors if "already uses the slug" in p.message] == [twin]
    assert releases_by_slug(clash)["engines-2024"] is releases_by_slug(state)["engines-2024"]
    shutil.rmtree(twin)
    gone = rescan(clash, {twin})
    assert gone is not None and not any("already uses" in p.message for p in gone.problems().items)


# -- feed_limit --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "limit"), [("", 50), ("feed_limit: 10\n", 10), ("feed_limit: 0\n", 0)])
def test_feed_limit_is_read_from_catalog_yaml(tmp_path: Path, text: str, limit: int) -> None:
    write(tmp_path / "catalog.yaml", "title: Label\n" + text)
    problems = Problems()
    assert read_catalog_config(tmp_path, problems).feed_limit == limit
    assert not problems.items


@pytest.mark.parametrize("value", ["many", "-1", "2.5", "true", "[3]"])
def test_a_bad_feed_limit_is_an_error_and_falls_back_to_50(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "catalog.yaml", f"title: Label\nfeed_limit: {value}\n")
    problems = Problems()
    config = read_catalog_config(tmp_path, problems)
    assert config.feed_limit == 50 and config.title == "Label"
    (error,) = problems.errors
    assert error.path == path and error.key == "feed_limit"
    assert "catalog.yaml [feed_limit]" in str(error)


def test_rescan_respelling_a_tag_only_artist_names_it_as_a_full_scan_does(content: Path) -> None:
    # draft-one is the only release naming "Somebody Else", an artist with no folder: the name
    # it gives is the artist's name. A full scan takes the new spelling; so must a rescan.
    meta = write(content / "releases/draft-one/release.yaml", "artist: SOMEBODY ELSE\n")
    state = scan_state(content)
    meta.write_text("artist: Somebody Else\n")
    after = rescan(state, {meta})
    full = scan_state(content)
    assert full.catalog.artist("somebody-else").name == "Somebody Else"
    assert after is None or after.catalog.artists == full.catalog.artists


def test_a_folder_that_cannot_be_read_is_a_problem_not_a_crash(
    tmp_path: Path, make_audio: MakeAudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunecamp.generator.catalog import releases

    content = tmp_path / "content"
    make_audio(content / "releases/ok/01 - Fine.mp3", tags={"title": "Fine"})
    make_audio(content / "releases/locked/01 - Hidden.mp3", tags={"title": "Hidden"})
    real = releases.Listing.of

    def listing(folder: Path) -> releases.Listing:
        if folder.name == "locked":
            raise PermissionError(13, "Permission denied", str(folder))
        return real(folder)

    monkeypatch.setattr(releases.Listing, "of", staticmethod(listing))
    catalog, problems = scan(content)
    assert [r.slug for r in catalog.releases] == ["ok"]
    [problem] = problems.errors
    assert problem.path == (content / "releases/locked").resolve() and "Permission denied" in problem.message


def test_a_file_deleted_while_it_is_read_is_a_problem_and_the_next_rescan_clears_it(
    tmp_path: Path, make_audio: MakeAudio
) -> None:
    content = tmp_path / "content"
    make_audio(content / "releases/ok/01 - Fine.mp3", tags={"title": "Fine"})
    gone = make_audio(content / "releases/ok/02 - Gone.mp3", tags={"title": "Gone"})
    state = scan_state(content)

    def reader(path: Path) -> Any:
        if path.name.startswith("02"):
            path.unlink()  # deleted between the folder listing and the read
        return read_tags(path)

    folder = (content / "releases/ok").resolve()
    broken = rescan(state, {folder / gone.name}, tag_reader=reader)
    assert broken is not None and any(p.path.name == gone.name for p in broken.problems().errors)
    fixed = rescan(broken, {folder / gone.name})
    assert fixed is not None and not fixed.problems().errors
    assert [t.title for t in fixed.catalog.releases[0].tracks] == ["Fine"]


# --- selling: payment links and the daemon a release needs ------------------------------------


def selling_catalog(root: Path, make_audio: MakeAudio, catalog_yaml: str, release_yaml: str) -> Path:
    write(root / "catalog.yaml", "title: Shop\n" + catalog_yaml)
    write(root / "artists/ada/artist.yaml", "name: Ada\npayment:\n  - http://tips.example.org/ada\n")
    make_audio(root / "releases/tape/01 One.mp3", tags={"title": "One", "artist": "Ada"})
    write(root / "releases/tape/release.yaml", "status: published\nartist: ada\n" + release_yaml)
    make_audio(root / "releases/draft/01 Two.mp3", tags={"title": "Two", "artist": "Ada"})
    write(root / "releases/draft/release.yaml", "artist: ada\ndownload: paid\n")
    return root


@pytest.mark.parametrize("policy", ["codes", "paid"])
def test_a_release_the_daemon_serves_needs_a_daemon_url(
    tmp_path: Path, make_audio: MakeAudio, policy: str
) -> None:
    content = selling_catalog(tmp_path / "c", make_audio, "", f"download: {policy}\n")
    catalog, problems = scan(content)
    (error,) = problems.errors  # the draft is not built, so it needs nothing yet
    assert error.path == content / "releases/tape/release.yaml" and error.key == "download"
    assert "'tape'" in error.message and f"download: {policy}" in error.message
    assert "daemon_url" in error.message
    assert catalog.config.daemon_url is None


def test_a_track_sold_alone_needs_the_daemon_too(tmp_path: Path, make_audio: MakeAudio) -> None:
    release_yaml = "tracks:\n  - file: 01 One.mp3\n    download: codes\n"
    content = selling_catalog(tmp_path / "c", make_audio, "", release_yaml)
    (error,) = scan(content)[1].errors
    assert "download: codes" in error.message


def test_with_a_daemon_url_it_builds(tmp_path: Path, make_audio: MakeAudio) -> None:
    yaml = "daemon_url: https://daemon.example.org/\n"
    content = selling_catalog(tmp_path / "c", make_audio, yaml, "download: codes\n")
    catalog, problems = scan(content)
    assert problems.errors == [] and catalog.config.daemon_url == "https://daemon.example.org"


def test_a_payment_link_that_is_not_https_is_a_warning(tmp_path: Path, make_audio: MakeAudio) -> None:
    content = selling_catalog(
        tmp_path / "c", make_audio, "", "payment: [https://liberapay.com/ada, http://pay.example.org/x]\n"
    )
    catalog, problems = scan(content)
    assert problems.errors == []
    warned = {
        (p.path.relative_to(content).as_posix(), p.key) for p in problems.warnings if "https" in p.message
    }
    assert warned == {("artists/ada/artist.yaml", "payment"), ("releases/tape/release.yaml", "payment")}
    tape = next(r for r in catalog.releases if r.slug == "tape")
    assert [link.url for link in tape.settings.payment] == [
        "https://liberapay.com/ada",
        "http://pay.example.org/x",
    ]


def test_a_bad_daemon_url_is_named(tmp_path: Path, make_audio: MakeAudio) -> None:
    content = selling_catalog(tmp_path / "c", make_audio, "daemon_url: ftp://x\n", "download: free\n")
    catalog, problems = scan(content)
    assert [(p.key, "ftp://x" in p.message) for p in problems.errors] == [("daemon_url", True)]
    assert catalog.config.daemon_url is None
