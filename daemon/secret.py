"""The instance secret: TUNECAMP_JWT_SECRET, else DATA_DIR/.jwt-secret, else generated there.

Shared because more than one feature keys off it: accounts signs its tokens, CSRF tokens and
known-device cookies with it (accounts/tokens.py), and the Subsonic API derives the key that
seals app passwords from it (subsonic/credentials.py). The file is kept at mode 0600; a
secret that changes signs everyone out and leaves stored app passwords undecryptable.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tunecamp.daemon.config import DaemonConfig

log = logging.getLogger("tunecamp.auth")


class SecretError(RuntimeError):
    pass


@dataclass(frozen=True)
class InstanceSecret:
    value: bytes = field(repr=False)
    source: str  # "environment", "file" or "generated"


def resolve_secret(config: DaemonConfig) -> tuple[bytes, str]:
    """(secret, where it came from: "environment", "file" or "generated")."""
    if config.jwt_secret:
        return config.jwt_secret.encode(), "environment"
    path = config.secret_path
    if path.exists():
        return _read_secret(path), "file"
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    # written whole under a name of its own, then linked into place: the link fails if another
    # process (several daemons starting on one data folder) got there first, and nobody ever
    # reads a file still being written
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secret + "\n")
        os.chmod(draft, 0o600)  # against a umask that dropped bits the other way
        try:
            os.link(draft, path)
        except FileExistsError:  # another process made it a moment ago: theirs is the secret
            return _read_secret(path), "file"
    finally:
        draft.unlink(missing_ok=True)
    log.info("generated a new token secret in %s", path)
    return secret.encode(), "generated"


def _read_secret(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); tightened to 0600", path, mode)
        os.chmod(path, 0o600)
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret.encode()) < 32:
        raise SecretError(f"{path}: the secret is shorter than 32 bytes; delete the file to generate one")
    return secret.encode()
