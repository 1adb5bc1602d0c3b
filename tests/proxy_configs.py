"""deploy/nginx.conf and deploy/haproxy.cfg rendered for loopback: the shipped files, with the
compose service names replaced by test ports and the container paths by a test folder.

Each replacement must match exactly once, so a change to a deploy file that the rendering no
longer fits fails here, loudly, instead of testing a config nobody ships.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@dataclass(frozen=True)
class Ports:
    listen: int  # the proxy's own
    web: tuple[int, ...]  # every `tunecamp serve` process: the first is compose's `primary`


def proxy_binary(name: str) -> str:
    """nginx or haproxy, also where root's PATH has them (/usr/sbin) but the caller's does not."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError(
            f"{name} is not installed: `apt-get install nginx-light haproxy` (make test does it)"
        )
    return found


def _once(text: str, pattern: str, replacement: str, times: int = 1) -> str:
    new, count = re.subn(pattern, lambda _m: replacement, text, flags=re.M)
    if count != times:
        raise AssertionError(f"deploy template: {pattern!r} matched {count} times, not {times}")
    return new


BOTH = 2  # the pool and the broadcasters' upstream (backend) name each service


def render_nginx(ports: Ports, public: Path, folder: Path) -> str:
    text = (DEPLOY / "nginx.conf").read_text()
    primary, *others = ports.web
    web = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in others)
    first = f"        server 127.0.0.1:{primary} max_fails=3 fail_timeout=10s;"
    text = _once(text, r"^\s*server primary:8000 .*$", first, BOTH)
    text = _once(text, r"^\s*server web:8000 .*$", web, BOTH)
    text = _once(
        text, r"^\s*listen 80 default_server;$", f"        listen 127.0.0.1:{ports.listen} default_server;"
    )
    text = _once(text, r"^\s*root /data/public;", f"        root {public};")
    text = _once(text, r"^pid /run/nginx.pid;$", f"pid {folder / 'nginx.pid'};")
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = _once(text, r"^http \{$", "http {\n" + temp)
    if os.geteuid() == 0:  # the workers would run as nobody, who cannot read a test's private folder
        text = "user root;\n" + text
    return text


def render_haproxy(ports: Ports) -> str:
    text = (DEPLOY / "haproxy.cfg").read_text()
    primary, *others = ports.web
    web = "\n".join(f"    server web{i} 127.0.0.1:{p}" for i, p in enumerate(others, 1))
    text = _once(
        text, r"^\s*server primary primary:8000 .*$", f"    server primary 127.0.0.1:{primary}", BOTH
    )
    text = _once(text, r"^\s*server-template web .*$", web, BOTH)
    text = _once(text, r"^\s*bind :80$", f"    bind 127.0.0.1:{ports.listen}")
    text = _once(text, r"^resolvers docker\n([ \t]+.*\n)+", "")  # no Docker DNS on a test machine
    # compose raises the container's file limit for 20,000 connections; a test needs a few
    text = _once(text, r"^\s*maxconn 20000$", "    maxconn 1000")
    return text


def nginx_command(config: Path, folder: Path, *, test: bool = False) -> list[str]:
    """nginx in the foreground on `config`; with `test`, `nginx -t`: its check of the file."""
    run = ["-t"] if test else ["-g", "daemon off;"]
    return [proxy_binary("nginx"), "-p", str(folder), "-e", "stderr", "-c", str(config), *run]


def haproxy_command(config: Path) -> list[str]:
    return [proxy_binary("haproxy"), "-db", "-f", str(config)]


def check(command: list[str]) -> subprocess.CompletedProcess[str]:
    """`nginx -t` / `haproxy -c` on a rendered file: the proxy's own verdict, with its messages."""
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def write_nginx(ports: Ports, public: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(render_nginx(ports, public, folder))
    return config


def write_haproxy(ports: Ports, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "haproxy.cfg"
    config.write_text(render_haproxy(ports))
    return config
