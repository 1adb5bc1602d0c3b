from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunecamp.generator.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "content"


def test_init_creates_a_skeleton_that_builds(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(tmp_path / "music"), "--artist", "Ada Lovelace"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "music/artists/ada-lovelace/artist.yaml").is_file()
    again = runner.invoke(cli, ["init", str(tmp_path / "music"), "--artist", "Ada Lovelace"])
    assert "nothing changed" in again.output
    built = runner.invoke(cli, ["build", str(tmp_path / "music"), "-o", str(tmp_path / "public")])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "public/index.html").is_file()


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
