"""deploy/compose.yaml, read (Docker cannot run here): the services wire what docs/scaling.md says,
with settings the daemon knows, and the names the proxies' configs use."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
import yaml
from proxy_configs import DEPLOY

from tunecamp.daemon.cli import tunecamp
from tunecamp.daemon.config import DaemonConfig

DAEMONS = ("primary", "web", "worker")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return dict(compose["services"])


def env_of(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service["environment"].items()}


def test_the_daemons_run_the_repositorys_image_on_one_data_volume(services: dict[str, Any]) -> None:
    for name in DAEMONS:
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}, name
        assert (DEPLOY / ".." / "Dockerfile").is_file()
        assert "data:/data" in service["volumes"], name  # one SQLite database (WAL), one public/
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
    assert services["web"]["command"] == ["tunecamp", "serve"]
    assert services["primary"]["command"] == ["tunecamp", "serve"]
    assert services["worker"]["command"] == ["tunecamp", "worker"]
    assert services["web"]["deploy"]["replicas"] >= 2 and services["worker"]["deploy"]["replicas"] >= 2


def test_the_commands_exist() -> None:
    commands = tunecamp().commands
    assert "serve" in commands and "worker" in commands


def test_every_setting_is_one_the_daemon_reads(services: dict[str, Any]) -> None:
    known = {f.metadata["env"] for f in dataclasses.fields(DaemonConfig) if "env" in f.metadata}
    for name in DAEMONS:
        env = env_of(services[name])
        assert {k for k in env if k.startswith("TUNECAMP_")} <= known, name
        assert env["TUNECAMP_REDIS_URL"].startswith("redis://redis:")  # the redis service
        assert env["TUNECAMP_TRUST_PROXY_HOPS"] == "1"
        assert int(env["TUNECAMP_MAX_BODY"]) == 1024 * 1024  # = nginx's client_max_body_size 1m
        assert env["TUNECAMP_LIVE_RELOAD"] == "false"


def test_one_process_watches_the_content_and_builds_at_start(services: dict[str, Any]) -> None:
    assert env_of(services["primary"])["TUNECAMP_WATCH"] == "true"
    assert env_of(services["web"])["TUNECAMP_WATCH"] == "false"
    assert env_of(services["web"])["TUNECAMP_BUILD_ON_START"] == "false"


def test_the_proxies_name_the_services_and_serve_the_shared_site(services: dict[str, Any]) -> None:
    proxy = services["proxy"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert "data:/data:ro" in proxy["volumes"]
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert re.search(r"^\s*root /data/public;", nginx, re.M)  # the image's TUNECAMP_PUBLIC_DIR
    assert "TUNECAMP_PUBLIC_DIR=/data/public" in (DEPLOY / ".." / "Dockerfile").read_text()
    haproxy = services["haproxy"]
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in haproxy["volumes"]
    hosts = set(re.findall(r"\b(\w+):8000\b", nginx + (DEPLOY / "haproxy.cfg").read_text()))
    assert hosts == {"web", "primary"} and hosts <= set(services)
    for name in ("proxy", "haproxy"):
        for daemon in ("primary", "web"):  # the proxy starts once the daemons answer /health
            assert services[name]["depends_on"][daemon]["condition"] == "service_healthy"


def test_redis_keeps_queued_jobs_and_never_evicts_them(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert "--appendonly" in redis["command"] and "noeviction" in redis["command"]
    assert "redis:/data" in redis["volumes"]
