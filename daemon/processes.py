"""Who runs a job or a build, and whether that process is still there.

A job (jobqueue/) or a build (site/) that a process takes is marked with the process's id,
"host:pid:nonce", and kept alive by a heartbeat. A process that is killed stops beating, and
after the heartbeat's lapse another takes its work over. On the same machine there is no need to
wait that long: a process that no longer exists is gone. Machines are told apart by their host
names (each container has its own, unless told otherwise), so a process of another machine is
never judged from here; a PID reused since by another process only means waiting for the lapse.
"""

from __future__ import annotations

import os
import socket
import uuid


def process_id() -> str:
    """This process's id for the rows it takes: "host:pid:nonce" (the nonce tells restarts apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def process_gone(owner: str | None) -> bool:
    """Whether `owner` was a process of this machine that no longer exists."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) in (0, os.getpid()):
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # there, another user's
        return False
    return False
