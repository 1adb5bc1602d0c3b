from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tunecamp.generator.media import ffmpeg


@pytest.fixture(autouse=True)
def _fresh_lookup():
    ffmpeg.ffmpeg_path.cache_clear()
    yield
    ffmpeg.ffmpeg_path.cache_clear()


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _script(tmp_path / "my-ffmpeg", "echo ffmpeg version 9")
    monkeypatch.setenv("TUNECAMP_FFMPEG", str(fake))
    assert ffmpeg.ffmpeg_path() == str(fake)


def test_a_broken_override_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNECAMP_FFMPEG", str(_script(tmp_path / "broken", "exit 3")))
    with pytest.raises(ffmpeg.FFmpegNotFound, match=r"TUNECAMP_FFMPEG=.*does not run"):
        ffmpeg.ffmpeg_path()


def test_path_then_the_bundled_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNECAMP_FFMPEG", raising=False)
    on_path = _script(tmp_path / "ffmpeg", "echo ffmpeg version 8")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert ffmpeg.ffmpeg_path() == str(on_path)
    ffmpeg.ffmpeg_path.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    import imageio_ffmpeg

    bundled = _script(tmp_path / "bundled-ffmpeg", "echo ffmpeg version 7")
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(bundled))
    assert ffmpeg.ffmpeg_path() == str(bundled)


def test_nothing_found_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNECAMP_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    import imageio_ffmpeg

    def missing() -> str:
        raise RuntimeError("no binary for this platform")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", missing)
    with pytest.raises(ffmpeg.FFmpegNotFound, match="apt-get install ffmpeg"):
        ffmpeg.ffmpeg_path()
