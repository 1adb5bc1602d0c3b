from __future__ import annotations

from pathlib import Path

import pytest

from tunecamp.generator.publish import PublishError, find_release_folder, set_status

RELEASE_YAML = """\
# My first album: keep this comment
title: "Quoted Title"   # and this one
artist: someone
genres: [ambient, drone]
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "releases" / "First Album"
    folder.mkdir(parents=True)
    (folder / "release.yaml").write_text(RELEASE_YAML)
    other = tmp_path / "releases" / "folder-name"
    other.mkdir()
    (other / "release.yaml").write_text("slug: declared\nstatus: published\n")
    return tmp_path


def test_publish_adds_status_and_keeps_the_artists_file(content: Path) -> None:
    meta = set_status(content, "first-album", "published")
    header, rest = RELEASE_YAML.split("\n", 1)
    assert meta.read_text() == f"{header}\nstatus: published\n{rest}"


def test_unpublish_changes_the_status_in_place(content: Path) -> None:
    meta = set_status(content, "declared", "draft")
    assert meta.read_text() == "slug: declared\nstatus: draft\n"


def test_publish_creates_release_yaml_when_missing(content: Path) -> None:
    bare = content / "releases" / "bare"
    bare.mkdir()
    assert set_status(content, "bare", "unlisted").read_text() == "status: unlisted\n"


def test_declared_slug_wins_over_folder_name(content: Path) -> None:
    assert find_release_folder(content, "declared").name == "folder-name"
    with pytest.raises(PublishError, match="no release with the slug 'folder-name'"):
        find_release_folder(content, "folder-name")


def test_bad_status_and_broken_yaml_are_refused_without_touching_the_file(content: Path) -> None:
    with pytest.raises(PublishError, match="is not one of"):
        set_status(content, "first-album", "public")
    broken = content / "releases" / "broken"
    broken.mkdir()
    (broken / "release.yaml").write_text("title: [unclosed\n")
    with pytest.raises(PublishError, match="invalid YAML"):
        set_status(content, "broken", "published")
    assert (broken / "release.yaml").read_text() == "title: [unclosed\n"


def test_hostile_slug_finds_nothing(content: Path) -> None:
    with pytest.raises(PublishError):
        set_status(content, "../../etc", "published")
