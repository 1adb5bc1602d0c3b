"""deploy/nginx.conf and deploy/haproxy.cfg: the proxies' own checks pass on the shipped files
(rendered for loopback), and they route what netlify.toml routes, with the daemon's limits."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import proxy_configs
from proxy_configs import DEPLOY, Ports

from tunecamp.daemon.accounts.sessions import COOKIE
from tunecamp.daemon.config import DaemonConfig

ROOT = DEPLOY.parent
PORTS = Ports(listen=18080, web=(18001, 18002))


def netlify_paths() -> list[str]:
    """The daemon's paths as netlify.toml proxies them: "/api/", "/inbox"..."""
    config = tomllib.loads((ROOT / "netlify.toml").read_text())
    return [r["from"].rstrip("*") for r in config["redirects"]]


def test_nginx_accepts_the_rendered_config_without_a_warning(tmp_path: Path) -> None:
    config = proxy_configs.write_nginx(PORTS, tmp_path / "public", tmp_path / "nginx")
    command = proxy_configs.nginx_command(config, tmp_path / "nginx", test=True)
    checked = proxy_configs.check(command)
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr, checked.stderr


def test_haproxy_accepts_the_rendered_config_without_a_warning(tmp_path: Path) -> None:
    config = proxy_configs.write_haproxy(PORTS, tmp_path)
    checked = proxy_configs.check([proxy_configs.proxy_binary("haproxy"), "-c", "-f", str(config)])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "WARNING" not in checked.stdout + checked.stderr, checked.stdout + checked.stderr


def test_haproxy_accepts_the_shipped_file_as_compose_runs_it() -> None:
    # init-addr none: the services' names are resolved by Docker's DNS once it runs, not at the check
    checked = proxy_configs.check(
        [proxy_configs.proxy_binary("haproxy"), "-c", "-f", str(DEPLOY / "haproxy.cfg")]
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_nginx_proxies_every_dynamic_path_of_netlify_toml() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    locations = re.findall(r"^\s*location\s+(?:[=~]\*?\s+)?(\S+)\s*\{", text, re.M)
    for path in netlify_paths():
        assert path in locations or path.rstrip("/") in locations, path
    for path in ("/health", "/api/live/", "/live/", "@daemon"):
        assert path in locations
    assert "^/(api/chat/ws|ws/chat)$" in locations  # the chat's two socket paths


def test_a_broadcasters_requests_go_to_one_process_and_listeners_anywhere() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    live = re.search(r"upstream tunecamp_live \{(.*?)\}", nginx, re.S)
    assert COOKIE == "tunecamp_session"  # the name both configs hash on
    assert live and "hash $cookie_tunecamp_session$http_authorization consistent;" in live.group(1)
    assert re.search(
        r"location /api/live/ \{\s*proxy_pass http://tunecamp_live;\s*proxy_next_upstream error;", nginx
    )
    assert re.search(r"location /live/ \{\s*proxy_pass http://tunecamp_web;", nginx)
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    backend = re.split(r"^backend tunecamp_live$", haproxy, flags=re.M)[1]
    assert "balance hash var(txn.broadcaster)" in backend and "hash-type consistent" in backend
    assert "req.cook(tunecamp_session)" in backend and "req.hdr(Authorization)" in backend
    assert "use_backend tunecamp_live if broadcaster !any_process" in haproxy


def test_the_body_limit_is_the_daemons() -> None:
    limit = DaemonConfig().max_body
    assert limit == 1024 * 1024
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert re.search(r"^\s*client_max_body_size 1m;", nginx, re.M)
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert f"req.hdr_val(content-length) gt {limit} }}" in haproxy


def test_both_proxies_forward_the_client_address_and_check_health() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert "option forwardfor" in haproxy
    assert haproxy.count("option httpchk GET /health") == 2
    assert re.search(r"timeout tunnel\s+1h", haproxy)  # WebSockets once upgraded
