"""The /network/ page, rendered from the network.json the daemon exports into the data directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tunecamp.generator.build import build
from tunecamp.generator.options import BuildOptions

NETWORK = {
    "version": 1,
    "instances": [
        {
            "origin": "https://camp.example",
            "url": "https://camp.example/site/",
            "name": "Camp <Fire>",
            "description": "Songs by the fire",
            "coverImage": "javascript:alert(1)",
            "artistName": "Fira",
            "software": "tunecamp",
            "version": "1.0",
            "releaseCount": 14,
            "releases": [
                {
                    "title": "Embers",
                    "url": "https://camp.example/releases/embers/",
                    "artist": "Fira",
                    "cover": "https://camp.example/embers-300.jpg",
                    "date": "2026-04-01",
                },
                {"title": "Evil", "url": "javascript:alert(1)"},
                "junk",
            ],
        },
        {"origin": "ftp://nope.example", "url": "ftp://nope.example", "name": "Nope"},
        {"origin": "https://quiet.example", "name": "", "releases": "x"},
    ],
}


@pytest.fixture
def content(tmp_path: Path, make_audio: Any) -> Path:
    content = tmp_path / "content"
    (content / "releases/dawn").mkdir(parents=True)
    (content / "catalog.yaml").write_text("title: Home Label\nbase_url: https://home.example\n")
    (content / "releases/dawn/release.yaml").write_text("title: Dawn\nartist: Ana\nstatus: published\n")
    make_audio(content / "releases/dawn/01 - One.mp3", tags={"title": "One"})
    return content


def _build(content: Path, tmp_path: Path) -> Any:
    return build(content, tmp_path / "public", BuildOptions(data_dir=tmp_path / "data", transcode=False))


def test_the_page_lists_the_instances_with_safe_links_only(content: Path, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/network.json").write_text(json.dumps(NETWORK))
    report = _build(content, tmp_path)
    assert report.ok
    html = (tmp_path / "public/network/index.html").read_text()
    assert 'href="https://camp.example/site/"' in html and "Camp &lt;Fire&gt;" in html
    assert (
        'href="https://camp.example/releases/embers/"' in html
        and 'src="https://camp.example/embers-300.jpg"' in html
    )
    assert "14 releases" in html and "Fira" in html
    assert "javascript:" not in html and "Nope" not in html
    assert 'href="https://quiet.example"' in html and ">quiet.example<" in html  # no name: its host
    assert 'data-filter="camp &lt;fire&gt; fira songs by the fire camp.example embers fira"' in html
    assert 'id="network-filter"' in html and "network." in html  # the filter, and its script
    assert 'href="/network/">Other TuneCamp sites</a>' in (tmp_path / "public/index.html").read_text()


def test_no_file_no_page_and_a_malformed_file_is_a_warning(content: Path, tmp_path: Path) -> None:
    assert _build(content, tmp_path).ok
    assert not (tmp_path / "public/network").exists()
    assert "Other TuneCamp sites" not in (tmp_path / "public/index.html").read_text()
    (tmp_path / "data/network.json").write_text('{"version": 2}')
    report = _build(content, tmp_path)
    assert report.ok and not (tmp_path / "public/network").exists()
    [warning] = [p for p in report.problems.warnings if "network" in str(p.path)]
    assert "malformed" in warning.message and warning.path == tmp_path / "data/network.json"


def test_a_new_export_rebuilds_the_page(content: Path, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data/network.json"
    path.write_text(json.dumps({"version": 1, "instances": []}))
    _build(content, tmp_path)
    assert "No other TuneCamp site found yet." in (tmp_path / "public/network/index.html").read_text()
    path.write_text(json.dumps(NETWORK))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    _build(content, tmp_path)  # nothing else changed: the export alone makes the build happen
    assert "Embers" in (tmp_path / "public/network/index.html").read_text()
    assert "Dawn" in (tmp_path / "public/index.html").read_text()
