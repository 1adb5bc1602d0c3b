from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tunecamp.generator.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "content"


def test_init_creates_a_skeleton_that_builds(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(tmp_path / "music"), "--artist", "Ada Lovelace"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "music/content/artists/ada-lovelace/artist.yaml").is_file()
    again = runner.invoke(cli, ["init", str(tmp_path / "music"), "--artist", "Ada Lovelace"])
    assert "nothing changed" in again.output
    built = runner.invoke(cli, ["build", str(tmp_path / "music"), "-o", str(tmp_path / "public")])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "public/index.html").is_file()


def test_init_then_cd_then_build_and_the_readme_hint_works_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tunecamp init my-music && cd my-music && tunecamp build`, then releases/README.txt's commands."""
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init", "my-music"])
    assert result.exit_code == 0, result.output
    assert "cd my-music && tunecamp build" in result.output
    monkeypatch.chdir(tmp_path / "my-music")
    built = runner.invoke(cli, ["build", "--no-transcode"])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "my-music/public/index.html").is_file()
    assert (tmp_path / "my-music/data").is_dir()  # beside the catalog, as `serve` keeps it

    shutil.copytree(EXAMPLE / "releases/night-drafts", tmp_path / "my-music/content/releases/first-album")
    (tmp_path / "my-music/content/releases/first-album/release.yaml").write_text("title: First\n")
    readme = (tmp_path / "my-music/content/releases/README.txt").read_text()
    commands = [line.split() for line in readme.splitlines() if line.startswith("  tunecamp ")]
    assert [c[1] for c in commands] == ["publish", "build"]
    for where in (tmp_path / "my-music", tmp_path / "my-music/content"):  # both, as the README says
        monkeypatch.chdir(where)
        (tmp_path / "my-music/content/releases/first-album/release.yaml").write_text("title: First\n")
        for command in commands:
            ran = runner.invoke(
                cli, [*command[1:], "--no-transcode"] if command[1] == "build" else command[1:]
            )
            assert ran.exit_code == 0, (where, command, ran.output)
        assert (tmp_path / "my-music/public/releases/first-album/index.html").is_file()


def test_the_same_catalog_option_on_every_command(tmp_path: Path) -> None:
    """-c/--content on every command that reads the catalog; `build DIR` stays an alias."""
    from tunecamp.daemon.cli import tunecamp

    group = tunecamp()
    paths = [
        ("build",),
        ("watch",),
        ("publish",),
        ("unpublish",),
        ("cache", "gc"),
        ("cache", "verify"),
        ("serve",),
    ]
    paths += [("user", name) for name in group.commands["user"].commands]  # type: ignore[attr-defined]
    for path in paths:
        command: click.Command = group
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        opts = [opt for p in command.params for opt in getattr(p, "opts", ())]
        assert {"-c", "--content"} <= set(opts), path
        assert len(opts) == len(set(opts)), path  # a second -c would swallow the first's value


def test_no_catalog_here_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 1
    assert f"no catalog in {tmp_path}" in result.output and "tunecamp init" in result.output
    result = CliRunner().invoke(cli, ["publish", "x"])
    assert result.exit_code == 1 and "no catalog in" in result.output


def test_build_publish_unpublish_cycle(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    runner = CliRunner()
    result = runner.invoke(cli, ["build", str(content), "-o", str(out), "--no-transcode"])
    assert result.exit_code == 0, result.output
    assert "draft, not built: night-drafts" in result.output
    assert "tunecamp publish night-drafts" in result.output

    assert runner.invoke(cli, ["publish", "night-drafts", "-c", str(content)]).exit_code == 0
    assert runner.invoke(cli, ["build", str(content), "-o", str(out), "--no-transcode"]).exit_code == 0
    assert (out / "releases/night-drafts/index.html").is_file()

    assert runner.invoke(cli, ["unpublish", "night-drafts", "-c", str(content)]).exit_code == 0
    assert runner.invoke(cli, ["build", str(content), "-o", str(out), "--no-transcode"]).exit_code == 0
    assert not (out / "releases/night-drafts").exists()


def test_build_exits_non_zero_and_names_the_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    meta = content / "releases/steam-and-static/release.yaml"
    meta.write_text(meta.read_text() + "licence: MIT\n")
    result = CliRunner().invoke(
        cli, ["build", str(content), "-o", str(tmp_path / "public"), "--no-transcode"]
    )
    assert result.exit_code == 1
    assert "steam-and-static/release.yaml [licence]" in result.output.replace("\n", "")
    assert (tmp_path / "public/releases/steam-and-static/index.html").is_file()


def test_publish_unknown_release_is_a_clear_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    result = CliRunner().invoke(cli, ["publish", "no-such-thing", "-c", str(content)])
    assert result.exit_code != 0 and "no release with the slug 'no-such-thing'" in result.output


def test_build_of_a_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "tunecamp init" in result.output


def _wait_for(predicate, timeout: float = 30) -> bool:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_watch_rebuilds_on_save_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content)
    out = tmp_path / "public"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tunecamp.daemon.cli",
            "watch",
            str(content),
            "-o",
            str(out),
            "--no-transcode",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = out / "releases/steam-and-static/index.html"
        assert proc.stdout is not None
        for line in proc.stdout:  # edits count once the watcher is up
            if line.startswith("watching"):
                break
        assert page.is_file()
        meta = content / "releases/steam-and-static/release.yaml"
        meta.write_text(meta.read_text() + "title: Renamed While Watching\n")
        assert _wait_for(lambda: "Renamed While Watching" in page.read_text())
        meta.write_text(meta.read_text() + "price: [broken\n")  # invalid YAML: reported, watch goes on
        meta.write_text(meta.read_text().replace("price: [broken\n", "title: Fixed Again\n"))
        assert _wait_for(lambda: "Fixed Again" in page.read_text())
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, output
    assert "rebuilt" in output and "stopped" in output
