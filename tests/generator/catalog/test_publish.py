from __future__ import annotations

import os
from pathlib import Path

import pytest

from tunecamp.generator.catalog.publish import PublishError, find_release_folder, set_status

RELEASE_YAML = """\
# My first album: keep this comment
title: "Quoted Title"   # and this one
artist: someone
genres: [ambient, drone]
"""

LONG = "word " * 30
# (what the artist wrote, what publishing it must leave): every byte but the status's own.
BYTE_FOR_BYTE = {
    "crlf": (b"title: A\r\nstatus: draft\r\n", b"title: A\r\nstatus: published\r\n"),
    "four-space sequences": (
        b"status: draft\ngenres:\n    - ambient\n    - drone\n",
        b"status: published\ngenres:\n    - ambient\n    - drone\n",
    ),
    "a line past 80 columns": (
        f"status: draft\ncredits: {LONG}\n".encode(),
        f"status: published\ncredits: {LONG}\n".encode(),
    ),
    "document markers": (b"---\nstatus: draft\n...\n", b"---\nstatus: published\n...\n"),
    "byte order mark": ("\ufeffstatus: draft\n".encode(), "\ufeffstatus: published\n".encode()),
    "no final newline": (b"title: A\nstatus: draft", b"title: A\nstatus: published"),
    "comment after the value": (b"status: draft   # why\n", b"status: published   # why\n"),
    "double quotes": (b'status: "draft"\n', b'status: "published"\n'),
    "single quotes": (b"status: 'draft'\n", b"status: 'published'\n"),
    "a tag": (b"status: !!str draft\n", b"status: !!str published\n"),
    "an anchor": (b"status: &s draft\n", b"status: &s published\n"),
    "nothing after the colon": (b"status:  # todo\nx: 1\n", b"status: published  # todo\nx: 1\n"),
    "null": (b"status: ~\n", b"status: published\n"),
    "padded mapping values": (
        b"tracks:\n  - file: a.mp3\n    title:   X\nstatus: draft\n",
        b"tracks:\n  - file: a.mp3\n    title:   X\nstatus: published\n",
    ),
    "NaN elsewhere": (b"x: .nan\nstatus: draft\n", b"x: .nan\nstatus: published\n"),
    "added: crlf": (b"# head\r\ntitle: A\r\n", b"# head\r\nstatus: published\r\ntitle: A\r\n"),
    "added: after a byte order mark": (
        "\ufefftitle: A\n".encode(),
        "\ufeffstatus: published\ntitle: A\n".encode(),
    ),
    "added: after ---": (b"---\ntitle: A\n", b"---\nstatus: published\ntitle: A\n"),
    "added: only comments": (b"# only\n# comments", b"# only\n# comments\nstatus: published\n"),
    "added: flow mapping": (b"{title: A}\n", b"{status: published, title: A}\n"),
    "added: empty flow mapping": (b"{}\n", b"{status: published}\n"),
    "added: explicit key": (b"? title\n: A\n", b"status: published\n? title\n: A\n"),
    "added: over a merged status": (
        b"base: &b {status: draft}\n<<: *b\n",
        b"status: published\nbase: &b {status: draft}\n<<: *b\n",
    ),
}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "releases" / "First Album"
    folder.mkdir(parents=True)
    (folder / "release.yaml").write_text(RELEASE_YAML)
    other = tmp_path / "releases" / "folder-name"
    other.mkdir()
    (other / "release.yaml").write_text("slug: declared\nstatus: published\n")
    return tmp_path


def release_yaml(content: Path, data: bytes, name: str = "odd") -> Path:
    folder = content / "releases" / name
    folder.mkdir()
    (folder / "release.yaml").write_bytes(data)
    return folder / "release.yaml"


def test_publish_adds_status_and_keeps_the_artists_file(content: Path) -> None:
    meta = set_status(content, "first-album", "published")
    header, rest = RELEASE_YAML.split("\n", 1)
    assert meta.read_text() == f"{header}\nstatus: published\n{rest}"


def test_unpublish_changes_the_status_in_place(content: Path) -> None:
    meta = set_status(content, "declared", "draft")
    assert meta.read_text() == "slug: declared\nstatus: draft\n"


@pytest.mark.parametrize(("written", "published"), BYTE_FOR_BYTE.values(), ids=BYTE_FOR_BYTE.keys())
def test_only_the_status_changes_byte_for_byte(content: Path, written: bytes, published: bytes) -> None:
    meta = release_yaml(content, written)
    set_status(content, "odd", "published")
    assert meta.read_bytes() == published
    assert [p.name for p in meta.parent.iterdir()] == ["release.yaml"]  # no temporary file left


def test_publish_creates_release_yaml_when_missing(content: Path) -> None:
    bare = content / "releases" / "bare"
    bare.mkdir()
    assert set_status(content, "bare", "unlisted").read_text() == "status: unlisted\n"


def test_a_file_already_saying_so_is_not_written(content: Path) -> None:
    meta = release_yaml(content, b'status: "published"\n')
    os.utime(meta, (1_000_000, 1_000_000))
    inode = meta.stat().st_ino
    set_status(content, "odd", "published")
    assert meta.stat().st_mtime == 1_000_000 and meta.stat().st_ino == inode


def test_mode_and_symlink_are_kept(content: Path, tmp_path: Path) -> None:
    shared = tmp_path / "elsewhere.yaml"
    shared.write_bytes(b"title: A\nstatus: draft\n")
    shared.chmod(0o640)
    folder = content / "releases" / "linked"
    folder.mkdir()
    (folder / "release.yaml").symlink_to(shared)
    set_status(content, "linked", "unlisted")
    assert (folder / "release.yaml").is_symlink()
    assert shared.read_bytes() == b"title: A\nstatus: unlisted\n"
    assert shared.stat().st_mode & 0o777 == 0o640


def test_inode_owner_and_hard_links_are_kept(content: Path, tmp_path: Path) -> None:
    meta = release_yaml(content, b"title: A\nstatus: draft\n")
    twin = tmp_path / "hard-link-kept-elsewhere.yaml"
    os.link(meta, twin)
    os.chown(meta, 12345, 23456)  # the tests run as root in CI: any owner can be set
    inode = meta.stat().st_ino
    set_status(content, "odd", "published")
    assert meta.stat().st_ino == inode
    assert (meta.stat().st_uid, meta.stat().st_gid) == (12345, 23456)
    assert twin.read_bytes() == b"title: A\nstatus: published\n"  # the same file, seen through both
    assert sorted(p.name for p in meta.parent.iterdir()) == ["release.yaml"]  # the backup is gone


def test_a_read_only_file_is_refused_untouched(content: Path) -> None:
    meta = release_yaml(content, b"status: draft\n")
    meta.chmod(0o444)
    with pytest.raises(PublishError, match=r"odd/release.yaml is read-only"):
        set_status(content, "odd", "published")
    assert meta.read_bytes() == b"status: draft\n"


def test_an_interrupted_change_leaves_its_backup_and_is_not_guessed_over(content: Path) -> None:
    meta = release_yaml(content, b"title: Half\nstat")  # a crash in the middle of the write
    backup = meta.with_name(".release.yaml.publish-backup")
    backup.write_bytes(b"title: Half\nstatus: draft\n")
    with pytest.raises(PublishError, match=r"earlier status change was cut short.*publish-backup"):
        set_status(content, "odd", "published")
    assert backup.read_bytes() == b"title: Half\nstatus: draft\n"
    assert meta.read_bytes() == b"title: Half\nstat"


def test_declared_slug_wins_over_folder_name(content: Path) -> None:
    assert find_release_folder(content, "declared").name == "folder-name"
    with pytest.raises(PublishError, match="no release with the slug 'folder-name'"):
        find_release_folder(content, "folder-name")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (b"title: [unclosed\n", r"invalid YAML at line 1, column 8: .*never closed.*; fix it first"),
        (b"a: 1\n---\nb: 2\n", "invalid YAML"),
        (b"status: draft\ntitle: A\nstatus: draft\n", r"\[status\]: the key appears on lines 1, 3; keep one"),
        (b"a: &s draft\nstatus: *s\n", r"\[status\]: an alias"),
        (b"status: [draft]\n", r"\[status\]: expected one of draft, published, unlisted"),
        (b"- a\n- b\n", "expected a mapping of keys"),
        ("title: caf\u00e9\n".encode("latin-1"), "not UTF-8"),
        (b"status: !!int draft\n", "invalid YAML"),
    ],
    ids=["broken", "two documents", "twice", "alias", "list", "list root", "latin-1", "bad tag"],
)
def test_what_cannot_be_edited_safely_is_refused_untouched(
    content: Path, written: bytes, message: str
) -> None:
    meta = release_yaml(content, written)
    with pytest.raises(PublishError, match=message) as caught:
        set_status(content, "odd", "published")
    assert str(meta) in str(caught.value)
    assert meta.read_bytes() == written
    assert [p.name for p in meta.parent.iterdir()] == ["release.yaml"]


def test_bad_status_is_refused(content: Path) -> None:
    with pytest.raises(PublishError, match="is not one of"):
        set_status(content, "first-album", "public")


def test_hostile_slug_finds_nothing(content: Path) -> None:
    with pytest.raises(PublishError):
        set_status(content, "../../etc", "published")
