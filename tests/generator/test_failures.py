"""An expected failure of `tunecamp` is one line naming its file and exit 1, never a traceback;
`tunecamp --debug` (or TUNECAMP_DEBUG=1) shows the traceback. Real `tunecamp` processes, real files.

A full disk is a real one: a 'tmpfs' mounted in a mount namespace of the test's own (`unshare`, no
root needed where user namespaces are allowed; skipped where neither works). A file size limit
(RLIMIT_FSIZE, the `ulimit -f` of the build process) fails writes the same way, midway, with EFBIG
instead of ENOSPC, and runs everywhere.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import tunecamp, tunecamp_command

EXAMPLE = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "content")
    return tmp_path / "content"


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single `Error:` line of a failed command that printed no traceback."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def site_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_file_where_the_cache_folder_should_be(tmp_path: Path, content: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/cache").write_text(
        "a file, where the build keeps its cache folder"
    )  # root cannot write in it either
    build = ["build", str(content), "-o", str(tmp_path / "public"), "--no-transcode"]
    assert (
        one_error(tunecamp(*build)) == f"Error: {tmp_path / 'data/cache'} is a file where a folder should be"
    )

    debug = tunecamp("--debug", *build)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "FileExistsError" in debug.stderr
    from_env = tunecamp(*build, env={"TUNECAMP_DEBUG": "1"})
    assert from_env.returncode == 1 and "Traceback" in from_env.stderr


def test_a_folder_where_a_cache_file_should_be(tmp_path: Path, content: Path) -> None:
    tags = tmp_path / "data/cache/tags.pickle"
    tags.mkdir(parents=True)
    result = tunecamp("build", str(content), "-o", str(tmp_path / "public"), "--no-transcode")
    assert one_error(result).startswith(f"Error: {tags} is a folder where a file should be")


def test_a_file_size_limit_midway_keeps_the_old_site(tmp_path: Path, content: Path) -> None:
    public = tmp_path / "public"
    assert tunecamp("build", str(content), "-o", str(public), "--no-transcode").returncode == 0
    before = site_files(public)
    limit = 16 * 1024  # under the biggest page: the build fails while it writes the new site

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = tunecamp(
        "build", str(content), "-o", str(public), "--no-transcode", "--clean", preexec_fn=limited
    )
    line = one_error(result)
    assert "File too large" in line and f"while building {public}" in line
    assert site_files(public) == before


def _mount_namespace() -> list[str] | None:
    """A command prefix whose process gets a mount namespace of its own, where it can mount a tmpfs."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        probe = subprocess.run(
            [*prefix, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return prefix
    return None


FULL_DISK = """
set -e
mount -t tmpfs -o size=16m tmpfs "$DISK"
cp -r "$SOURCE" "$DISK/content"
"$TUNECAMP" build "$DISK/content" -o "$DISK/public" --no-transcode > "$OUT/first.log" 2>&1
cp -r "$DISK/public" "$OUT/before"
used=$(df -k "$DISK" | awk 'NR == 2 {print $3}')
mount -o remount,size=$((used + 64))k "$DISK"
set +e
"$TUNECAMP" build "$DISK/content" -o "$DISK/public" --no-transcode --clean > "$OUT/full.out" 2> "$OUT/full.err"
echo $? > "$OUT/full.rc"
"$TUNECAMP" --debug build "$DISK/content" -o "$DISK/public" --no-transcode --clean 2> "$OUT/debug.err"
cp -r "$DISK/public" "$OUT/after"
"""


def test_a_full_disk_is_one_line_naming_the_site_and_keeps_the_old_site(tmp_path: Path) -> None:
    prefix = _mount_namespace()
    if prefix is None:
        pytest.skip("no mount namespace here (unshare refused): a real full disk cannot be made")
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    env = {"DISK": str(disk), "OUT": str(out), "SOURCE": str(EXAMPLE), "TUNECAMP": tunecamp_command()}
    ran = subprocess.run(
        [*prefix, "sh", "-c", FULL_DISK],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (out / "full.rc").is_file(), ran.stderr + (out / "first.log").read_text()
    full = subprocess.CompletedProcess(
        [], int((out / "full.rc").read_text()), "", (out / "full.err").read_text()
    )
    line = one_error(full)
    assert "No space left on device" in line and f"while building {disk / 'public'}" in line
    assert site_files(out / "after") == site_files(out / "before") != {}  # the old site, whole
    debug = (out / "debug.err").read_text()
    assert "Traceback" in debug and "No space left on device" in debug
