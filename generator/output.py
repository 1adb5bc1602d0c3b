"""Writing the site atomically.

A build writes every file into a staging folder beside the output and swaps it in with
two renames, so a failed or killed build leaves the previous site whole. A file whose
bytes did not change is hard-linked from the previous site instead of rewritten: its
mtime stays, so rsync and CDN deploys upload only what really changed. A source file is
hard-linked in only when the build owns it (its cache); an artist's file is copied.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int), share the source's extents (btrfs, XFS, ...)
COPY_BUFFER = 1024 * 1024


@dataclass(frozen=True)
class Output:
    """One file of the site: bytes to write, or a file to copy (or link) in."""

    path: str  # relative POSIX path inside the output folder
    data: bytes | None = None
    source: Path | None = None
    # True only for files the build owns (its cache): those may be hard-linked. Anything else (an
    # artist's master, cover or theme file) is reflinked or copied, so that editing the deployed
    # copy can never edit the original.
    owned: bool = False

    def __post_init__(self) -> None:
        check_output_path(self.path)
        if (self.data is None) == (self.source is None):
            raise ValueError(f"{self.path}: an output has either data or a source file")


def check_output_path(path: str) -> None:
    """Refuse anything that could land outside the output folder."""
    p = PurePosixPath(path)
    if not path or p.is_absolute() or "\\" in path or any(part in ("..", ".", "") for part in p.parts):
        raise ValueError(f"unsafe output path {path!r}")
    if path != p.as_posix():
        raise ValueError(f"unsafe output path {path!r}")


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    linked: int

    def __add__(self, other: WriteStats) -> WriteStats:
        return WriteStats(
            self.written + other.written, self.unchanged + other.unchanged, self.linked + other.linked
        )


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a file the build owns (its cache); copy it where links cannot be made."""
    source = source.resolve()  # os.link would link a symlink itself, not what it points at
    try:
        os.link(source, target)
    except OSError:
        copy_file(source, target)


def copy_file(source: Path, target: Path) -> None:
    """A copy that shares no inode with `source`: a reflink where the filesystem has them (instant,
    no extra space until either side changes), else a byte copy; the mtime is kept either way."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
        except OSError:
            shutil.copyfileobj(src, dst, COPY_BUFFER)
    shutil.copystat(source, target)


def _same_file(a: Path, b: Path, *, may_share_inode: bool) -> bool:
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    if (sa.st_ino, sa.st_dev) == (sb.st_ino, sb.st_dev):
        return may_share_inode  # a master hard-linked in by an older build: copy it now
    return sa.st_size == sb.st_size and sa.st_mtime_ns == sb.st_mtime_ns


def _unchanged(out: Output, previous: Path) -> bool:
    """True when the previous site already has this output's exact bytes."""
    if out.source is not None:
        return _same_file(out.source, previous, may_share_inode=out.owned)
    assert out.data is not None
    try:
        return previous.stat().st_size == len(out.data) and previous.read_bytes() == out.data
    except OSError:
        return False


def _put(out: Output, target: Path) -> bool:
    """Make `target` hold `out`: True when linked (or copied) from its source, False when written."""
    if out.source is not None:
        if out.owned:
            link_or_copy(out.source, target)
        else:
            copy_file(out.source, target)
        return True
    assert out.data is not None
    target.write_bytes(out.data)
    return False


def staging_dirs(out_dir: Path) -> tuple[Path, Path]:
    parent, name = out_dir.parent, out_dir.name
    return parent / f".{name}.staging", parent / f".{name}.old"


def write_site(outputs: Iterable[Output], out_dir: Path, *, reuse: bool = True) -> WriteStats:
    """Write `outputs` as the new content of `out_dir`, atomically.

    With `reuse`, a file whose bytes did not change is linked from the previous site.
    """
    out_dir = out_dir.resolve()
    staging, old = staging_dirs(out_dir)
    for leftover in (staging, old, incoming_dir(out_dir)):  # from a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir(parents=True)
    written = unchanged = linked = 0
    made: set[Path] = {staging}
    try:
        for out in outputs:
            target = staging / out.path
            if target.parent not in made:  # one mkdir per folder, not per file
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            previous = out_dir / out.path
            if reuse and _unchanged(out, previous):
                os.link(previous, target)
                unchanged += 1
            elif _put(out, target):
                linked += 1
            else:
                written += 1
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteStats(written, unchanged, linked)


def write_in_place(
    outputs: Iterable[Output], out_dir: Path, *, remove: Iterable[str] = (), journal: Path | None = None
) -> WriteStats:
    """Update some files of a built site, then delete the paths in `remove` (an incremental rebuild).

    Changed files are first written into a folder beside the site, then renamed into place one
    after the other: a build killed while it renders (nearly all of its time) leaves the site as
    it was, and only one killed among the renames leaves some files new and some old: `journal`
    (the build state) is deleted before the first rename, so the next build knows to start afresh.
    A file whose bytes did not change keeps its mtime.
    """
    out_dir = out_dir.resolve()
    incoming = incoming_dir(out_dir)
    shutil.rmtree(incoming, ignore_errors=True)
    written = unchanged = linked = 0
    made: set[Path] = set()
    moves: list[tuple[Path, Path]] = []
    try:
        for out in outputs:
            target = out_dir / out.path
            if _unchanged(out, target):
                unchanged += 1
                continue
            if not moves:
                incoming.mkdir(parents=True)
            staged = incoming / str(len(moves))  # flat: one folder to make, whatever the paths
            if _put(out, staged):
                linked += 1
            else:
                written += 1
            moves.append((staged, target))
        remove = list(remove)  # asked only now: the caller may know them once everything is rendered
        if journal is not None and (moves or remove):
            journal.unlink(missing_ok=True)
        for staged, target in moves:
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(staged, target)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    for path in remove:
        check_output_path(path)
        target = out_dir / path
        target.unlink(missing_ok=True)
        for folder in target.parents:  # folders left empty go too
            if folder == out_dir or not folder.is_relative_to(out_dir):
                break
            try:
                folder.rmdir()  # only an empty folder can go
            except FileNotFoundError:
                continue  # gone already (deleted by hand): its parent may be empty now
            except OSError:
                break  # not empty
    return WriteStats(written, unchanged, linked)


def incoming_dir(out_dir: Path) -> Path:
    """Where an incremental rebuild writes its files before renaming them into the site."""
    return out_dir.parent / f".{out_dir.name}.incoming"


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging`: the old site stays whole until the last moment."""
    _, old = staging_dirs(out_dir)
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
