"""Pickles in the build cache: written atomically, read tolerantly.

The build cache holds what earlier builds learned (tags, snapshots). A file from an older
TuneCamp, a killed build or a full disk must never break a build: one that cannot be read, or
that another format version wrote, is simply not there, and the build does the work again.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

# ImportError, AttributeError: a pickle naming a module or class that moved since (tests/generator/test_upgrade.py)
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError)


def save_pickle(path: Path, version: int, value: Any) -> None:
    """Write `value` with its format `version`; readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump((version, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_pickle(path: Path, version: int) -> Any | None:
    """What `save_pickle` wrote with this `version`; None when there is no such readable file."""
    try:
        with path.open("rb") as f:
            found, value = pickle.load(f)
    except _UNREADABLE:
        return None
    return value if found == version else None
