"""A process of this machine that is gone is told from one that lives, or from another machine's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tunecamp.daemon.processes import process_gone, process_id


def test_a_killed_process_is_gone_and_a_live_one_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    owner = f"{socket.gethostname()}:{child.pid}:abc123"
    try:
        assert not process_gone(owner)
    finally:
        child.kill()
        child.wait()
    assert process_gone(owner)


def test_only_this_machines_processes_are_judged() -> None:
    me = process_id()
    host, pid, nonce = me.split(":")
    assert (host, int(pid), len(nonce)) == (socket.gethostname(), os.getpid(), 6)
    assert not process_gone(me)  # this very process
    assert not process_gone(f"{host}-other:999999999:abc123")  # another machine's: its heartbeat decides
    for odd in (None, "", "no-colons", f"{host}:", f"{host}:x:y", f"{host}:0:y", f"{host}:-1:y"):
        assert not process_gone(odd)
