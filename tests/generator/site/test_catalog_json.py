from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.generator.catalog_fixtures import (
    BASE_URL,
    hostile_catalog,
    hostile_media,
    with_release,
    without_release,
)
from tunecamp.generator.catalog.model import Catalog
from tunecamp.generator.catalog.urls import Urls
from tunecamp.generator.site.catalog_json import catalog_document, render_catalog_json, schema_bytes, scrub
from tunecamp.generator.site.memo import Memo

DOCS = Path(__file__).resolve().parents[3] / "docs" / "catalog-json.md"


def render(catalog: Any = None, memo: Memo | None = None) -> dict[str, bytes]:
    catalog = catalog or hostile_catalog()
    outputs = render_catalog_json(catalog, hostile_media(catalog), Urls(catalog.config.base_url), memo)
    return {o.path: o.data or b"" for o in outputs}


def one_dump(catalog: Catalog) -> bytes:
    """catalog.json as one json.dumps of the whole document, which the spliced file must equal."""
    doc = scrub(catalog_document(catalog, hostile_media(catalog), Urls(catalog.config.base_url)))
    return (json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render()


@pytest.fixture(scope="module")
def doc(files: dict[str, bytes]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files["catalog.json"])
    return data


@pytest.fixture(scope="module")
def schema(files: dict[str, bytes]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files["catalog.schema.json"])
    return data


def closed(schema: Any) -> Any:
    """The schema with every described object closed: an undocumented field then fails validation."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_schema_is_valid_draft_2020_12_and_shipped_with_the_site(
    files: dict[str, bytes], schema: dict[str, Any]
) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert files["catalog.schema.json"] == schema_bytes()


def test_catalog_validates_against_its_schema(doc: dict[str, Any], schema: dict[str, Any]) -> None:
    validator(schema).validate(doc)
    errors = [f"{e.json_path}: {e.message}" for e in validator(closed(schema)).iter_errors(doc)]
    assert errors == [], "fields missing from catalog.schema.json"
    assert doc["schema_version"] == 1 and doc["$schema"] == f"{BASE_URL}/catalog.schema.json"


def test_schema_rejects_what_it_should(doc: dict[str, Any], schema: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    broken["releases"][0]["tracks"][0]["duration"] = "3:03"
    del broken["releases"][1]["url"]
    broken["releases"][2]["tracks"][0]["replaygain"] = {"track_gain_db": 1.0}
    paths = {e.json_path for e in validator(schema).iter_errors(broken)}
    assert paths == {
        "$.releases[0].tracks[0].duration",
        "$.releases[1]",
        "$.releases[2].tracks[0].replaygain",
    }


def test_unlisted_and_draft_releases_are_absent(files: dict[str, bytes], doc: dict[str, Any]) -> None:
    assert [r["slug"] for r in doc["releases"]] == ["engines", "older", "undated"]
    assert [a["slug"] for a in doc["artists"]] == ["ada", "noor"]
    assert [a["releases"] for a in doc["artists"]] == [["engines", "older"], ["older", "undated"]]
    for word in (b"hidden", b"Hidden", b"draft", b"Draft", b"ghost"):
        assert word not in files["catalog.json"]


def test_absent_values_are_left_out(doc: dict[str, Any]) -> None:
    def walk(value: Any, path: str) -> None:
        assert value is not None and value != "" and value != [] and value != {}, path
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    walk(doc, "$")
    undated = doc["releases"][2]
    assert "date" not in undated and "label" not in undated
    aiff = doc["releases"][0]["tracks"][4]
    assert aiff["slug"] == "studio-master" and "streams" not in aiff


def test_track_details(doc: dict[str, Any]) -> None:
    layl = doc["releases"][2]["tracks"][0]
    assert layl["id"] == "undated/layl" and layl["isrc"] == "USRC17607839"
    assert layl["musicbrainz"] == {
        "artistid": "f1b2c3d4-0000-4000-8000-000000000002",
        "trackid": "f1b2c3d4-0000-4000-8000-000000000001",
    }
    assert layl["replaygain"] == {
        "track_gain_db": -3.8,
        "track_peak": 0.860994,
        "album_gain_db": -3.8,
        "album_peak": 0.860994,
    }
    one = doc["releases"][1]["tracks"][0]
    assert one["replaygain"] == {"track_gain_db": 0.0, "track_peak": 1.0}  # a real zero is kept
    assert one["downloads"] == [
        {
            "format": "flac",
            "url": f"{BASE_URL}/downloads/older/one.flac",
            "mime": "audio/flac",
            "size": 9000000,
        }
    ]
    two = doc["releases"][1]["tracks"][1]
    assert (two["number"], two["disc"], two["duration"], two["date"]) == (1, 2, 59.6, "2019-01-01")
    assert two["streams"] == [
        {
            "url": f"{BASE_URL}/audio/older/two.m4a",
            "mime": "audio/mp4",
            "size": 3000002,
            "codec": "aac",
            "bitrate": 128000,
        }
    ]


def test_release_details(doc: dict[str, Any]) -> None:
    engines, older, undated = doc["releases"]
    assert engines["genres"][2] == {"name": "<Noise>", "url": f"{BASE_URL}/tags/noise/"}
    assert engines["cover"]["variants"][0]["mime"] == "image/svg+xml"
    assert older["cover"]["original"] == {
        "url": f"{BASE_URL}/releases/older/cover-1400.jpg",
        "mime": "image/jpeg",
        "width": 1400,
        "height": 1400,
    }
    assert older["download"]["files"][0]["format"] == "zip:flac"
    assert older["artists"] == ["ada", "noor"] and older["catalog_number"] == "BSMT-001"
    assert undated["download"] == {
        "policy": "paid",
        "price": "4.50",
        "currency": "USD",
        "formats": ["flac", "mp3-v0"],
    }
    assert undated["license"] == "CC0-1.0"
    assert engines["duration"] == round(5 * 183.4, 3)


def test_output_is_deterministic(files: dict[str, bytes]) -> None:
    assert render() == files


@pytest.mark.parametrize(
    "kept",
    [
        {"engines", "hidden", "draft-one", "older", "undated"},
        {"undated"},  # one release: the splice's first part is also its last
        {"hidden", "draft-one"},  # nothing listed: "releases": []
    ],
)
def test_spliced_document_is_one_dump_of_the_whole(kept: set[str]) -> None:
    catalog = hostile_catalog()
    catalog = replace(catalog, releases=tuple(r for r in catalog.releases if r.slug in kept))
    data = render(catalog)["catalog.json"]
    assert data == one_dump(catalog)
    if "engines" in kept:  # the control title's lone surrogate is scrubbed, its controls escaped
        assert '"Bell\\u0007 and \\u000bTab"' in data.decode("utf-8")


def test_a_rebuild_dumps_only_the_changed_release_again() -> None:
    memo = Memo()
    catalog = hostile_catalog()
    first = render(catalog, memo)["catalog.json"]
    assert first == one_dump(catalog) and memo.misses == 3  # the listed releases
    memo.sweep()
    assert render(catalog, memo)["catalog.json"] == first and (memo.hits, memo.misses) == (3, 0)

    memo.sweep()
    changed = with_release(catalog, "older", title="Older & Bolder")
    data = render(changed, memo)["catalog.json"]
    assert memo.misses == 1 and data == one_dump(changed)
    assert [r["title"] for r in json.loads(data)["releases"]][1] == "Older & Bolder"
    assert b"Older & Wiser" not in data

    memo.sweep()
    published = with_release(changed, "hidden", status="published")
    data = render(published, memo)["catalog.json"]
    assert memo.misses == 1 and data == one_dump(published)
    assert [r["slug"] for r in json.loads(data)["releases"]] == ["engines", "hidden", "older", "undated"]

    memo.sweep()
    gone = without_release(published, "engines")
    data = render(gone, memo)["catalog.json"]
    assert memo.misses == 0 and data == one_dump(gone)
    assert [r["slug"] for r in json.loads(data)["releases"]] == ["hidden", "older", "undated"]
    assert b"/engines" not in data
    memo.sweep()
    assert len(memo) == 3  # the removed release's part is forgotten


def test_embed_links_follow_each_embed_setting() -> None:
    catalog = hostile_catalog()
    older = next(r for r in catalog.releases if r.slug == "older")
    off = replace(older.settings, embed=False)
    one, two = older.tracks
    older = replace(
        older, settings=off, tracks=(replace(one, settings=off), two)
    )  # two overrides: embeddable
    releases = tuple(older if r.slug == "older" else r for r in catalog.releases)
    doc = json.loads(render(replace(catalog, releases=releases))["catalog.json"])
    got = doc["releases"][1]
    assert "embed_url" not in got and "oembed_url" not in got
    assert "embed_url" not in got["tracks"][0]
    assert got["tracks"][1]["embed_url"] == f"{BASE_URL}/embed/older/two/"
    assert "embed_url" in doc["releases"][0]


def test_genres_link_their_tag_pages() -> None:
    catalog = hostile_catalog()
    engines = replace(catalog.releases[0], genres=("Drum  & Bass", "Drum & Bass", "🎵🎶", " "))
    doc = json.loads(render(replace(catalog, releases=(engines,)))["catalog.json"])
    genres = doc["releases"][0]["genres"]
    assert [g["name"] for g in genres] == ["Drum & Bass", "🎵🎶"]
    assert genres[0]["url"] == f"{BASE_URL}/tags/drum-bass/"
    assert genres[1]["url"].startswith(f"{BASE_URL}/tags/tag-")


def test_docs_describe_every_field(schema: dict[str, Any]) -> None:
    names: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(schema)
    documented = set(re.findall(r"`([a-z_$]+)`", DOCS.read_text(encoding="utf-8")))
    assert sorted(names - documented) == []


def test_payment_links_are_listed_with_the_download_policy(schema: dict[str, Any]) -> None:
    from tunecamp.generator.catalog.settings import PaymentLink

    catalog = hostile_catalog()
    links = (
        PaymentLink("Liberapay", "https://liberapay.com/ada"),
        PaymentLink("Tip jar", "https://tips.example.org/"),
    )
    older = next(r for r in catalog.releases if r.slug == "older")
    releases = tuple(
        replace(r, settings=replace(r.settings, payment=links)) if r is older else r for r in catalog.releases
    )
    doc = json.loads(render(replace(catalog, releases=releases))["catalog.json"])
    got = next(r for r in doc["releases"] if r["slug"] == "older")
    assert got["download"]["payment"] == [
        {"label": "Liberapay", "url": "https://liberapay.com/ada"},
        {"label": "Tip jar", "url": "https://tips.example.org/"},
    ]
    assert all("payment" not in r["download"] for r in doc["releases"] if r["slug"] != "older")
    validator(closed(schema)).validate(doc)
