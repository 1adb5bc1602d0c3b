"""publish/unpublish of several releases: slugs, globs, --all-drafts; only their files are read."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tunecamp.generator.catalog import content as c
from tunecamp.generator.catalog.publish import PublishError, publish_many
from tunecamp.generator.cli import cli
from tunecamp.generator.problems import Problems


def catalog(root: Path, n: int, declared_every: int = 10) -> Path:
    """`n` draft releases live-0000...; every `declared_every`th declares its slug (`declared-i`)."""
    (root / "catalog.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "catalog.yaml").write_text("title: Many\n")
    for i in range(n):
        folder = root / "releases" / f"live-{i:04d}"
        folder.mkdir(parents=True)
        slug = f"slug: declared-{i:04d}\n" if i % declared_every == 0 else ""
        (folder / "release.yaml").write_text(f"title: Live {i}\n{slug}tracks:\n  - file: 01.flac\n")
    return root


def statuses(root: Path) -> dict[str, str | None]:
    return {
        p.parent.name: (c.load_yaml(p, Problems()) or {}).get("status")
        for p in sorted(root.glob("releases/*/release.yaml"))
    }


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every release.yaml the code under test parses."""
    seen: list[Path] = []
    real = c.load_yaml

    def counting(path: Path, problems):  # type: ignore[no-untyped-def]
        seen.append(path)
        return real(path, problems)

    monkeypatch.setattr(c, "load_yaml", counting)
    return seen


def test_one_slug_in_a_thousand_parses_no_other_release_yaml(tmp_path: Path, parsed: list[Path]) -> None:
    root = catalog(tmp_path, 1000)
    result = publish_many(root, ("live-0421",), "published")
    assert [ch.slug for ch in result.changed] == ["live-0421"]
    assert [p.parent.name for p in parsed] == []  # its file has no `slug`, nor has any other wanted
    parsed.clear()
    result = publish_many(root, ("declared-0420",), "published")
    assert [ch.meta.parent.name for ch in result.changed] == ["live-0420"]
    assert [p.parent.name for p in parsed] == ["live-0420"]


def test_slugs_globs_and_all_drafts(tmp_path: Path) -> None:
    root = catalog(tmp_path, 30)
    before = {p: p.read_bytes() for p in root.glob("releases/*/release.yaml")}
    result = publish_many(root, ("live-0001", "live-001*"), "published")
    assert sorted(ch.slug for ch in result.changed) == [
        "live-0001",
        *(f"live-{i:04d}" for i in range(11, 20)),
    ]
    untouched = [p for p, data in before.items() if p.read_bytes() == data]
    assert len(untouched) == 30 - 10  # only the named releases' files changed
    assert all(ch.before == "draft" for ch in result.changed)

    again = publish_many(root, ("live-0001",), "published")
    assert again.changed == () and again.unchanged == ("live-0001",)

    publish_many(root, ("live-0002",), "unlisted")
    every = publish_many(root, (), "published", all_drafts=True)
    published_now = {ch.slug for ch in every.changed}
    assert "live-0002" not in published_now and "live-0001" not in published_now  # not drafts
    assert len(published_now) == 30 - 11
    assert set(statuses(root).values()) == {"published", "unlisted"}


def test_an_unknown_name_changes_nothing(tmp_path: Path) -> None:
    root = catalog(tmp_path, 5)
    with pytest.raises(PublishError, match="no release matches 'nope-\\*'"):
        publish_many(root, ("live-0001", "nope-*"), "published")
    with pytest.raises(PublishError, match="no release with the slug 'nope'"):
        publish_many(root, ("live-0001", "nope"), "published")
    assert set(statuses(root).values()) == {None}


def test_cli_prints_each_change_and_how_the_site_catches_up(tmp_path: Path) -> None:
    root = catalog(tmp_path / "content", 12)
    result = CliRunner().invoke(cli, ["publish", "live-000*", "declared-0010", "-c", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum("draft -> published" in line for line in lines) == 10  # live-0000 is declared-0000
    assert "rebuilds the site once by itself" in result.output and "tunecamp build" in result.output
    result = CliRunner().invoke(cli, ["unpublish", "live-0003", "-c", str(root)])
    assert "live-0003: published -> draft" in result.output
    result = CliRunner().invoke(cli, ["publish", "-c", str(root)])
    assert result.exit_code == 2 and "--all-drafts" in result.output
    result = CliRunner().invoke(cli, ["publish", "--all-drafts", "-c", str(root), "--build"])
    assert "live-0003: draft -> published" in result.output
    assert "rebuilds the site once" not in result.output  # it built instead
    assert (tmp_path / "public/index.html").is_file()  # beside the catalog folder
