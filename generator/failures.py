"""Expected failures, told in one line: a full disk, a file where a folder should be, another build,
an output folder that would destroy the catalog (folders.py).

The `tunecamp` command catches these in one place (its group, in cli.py) and prints `one_line(exc)`
instead of a traceback; `tunecamp --debug` (or TUNECAMP_DEBUG=1) shows the traceback. Anything else
is a bug in TuneCamp and keeps its traceback, which is what a bug report needs.
"""

from __future__ import annotations

import errno
from pathlib import Path

from tunecamp.generator.buildlock import BuildLocked
from tunecamp.generator.folders import UnsafeFolders

EXPECTED: tuple[type[Exception], ...] = (OSError, BuildLocked, UnsafeFolders)

_PLAIN = {
    errno.ENOSPC: "No space left on device",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EFBIG: "File too large for the file system or the file size limit (ulimit -f)",
}


def one_line(exc: BaseException) -> str:
    """What went wrong and where, on one line, with the notes added on the way up (which build...)."""
    text = _os_error(exc) if isinstance(exc, OSError) else str(exc) or type(exc).__name__
    notes = [str(n) for n in getattr(exc, "__notes__", ())]
    line = f"{text} ({'; '.join(notes)})" if notes else text
    return " ".join(line.split())  # a message from the OS or a library may hold newlines


def _os_error(exc: OSError) -> str:
    first, second = exc.filename, exc.filename2
    if exc.errno is None:  # raised by a library rather than the OS (jinja2's TemplateNotFound...)
        return f"{type(exc).__name__}: {exc}"
    what = _PLAIN.get(exc.errno) or exc.strerror or str(exc)
    if first is None:
        return what
    if exc.errno == errno.EISDIR:  # os.replace(tmp, path) names the folder second
        folder = next((p for p in (second, first) if p is not None and Path(p).is_dir()), first)
        return f"{folder} is a folder where a file should be"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and second is None:
        blocker = _file_in_the_way(Path(first))
        if blocker is not None:
            return f"{blocker} is a file where a folder should be"
    return f"{what}: {first}" + (f" -> {second}" if second is not None else "")


def _file_in_the_way(path: Path) -> Path | None:
    """The first part of `path` that exists and is not a folder (mkdir's EEXIST, open's ENOTDIR)."""
    for part in [*reversed(path.parents), path]:
        if part.exists() and not part.is_dir():
            return part
        if not part.exists():
            return None
    return None
