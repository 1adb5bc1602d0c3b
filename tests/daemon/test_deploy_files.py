"""The deployment files say what docs/deploy.md promises (docker cannot run here: read them)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_netlify_proxies_the_dynamic_paths_to_the_daemon() -> None:
    config = tomllib.loads((ROOT / "netlify.toml").read_text())
    assert config["build"]["publish"] == "public"
    assert "tunecamp build" in config["build"]["command"]
    rewrites = {r["from"]: r for r in config["redirects"]}
    for path in (
        "/api/*",
        "/rest/*",
        "/.well-known/*",
        "/inbox",
        "/users/*",
        "/nodeinfo/*",
        "/live/*",
        "/share/*",
    ):
        rule = rewrites[path]
        assert rule["status"] == 200 and rule["force"] is True, path  # a proxy, not a redirect
        assert rule["to"].startswith("https://") and rule["to"].endswith(path.replace("*", ":splat"))
    types = {h["for"]: h["values"].get("Content-Type") for h in config["headers"]}
    assert types["/ap/*"] == "application/activity+json"
    assert types["/*.jrd"] == "application/jrd+json"
    for header in config["headers"]:  # one Cache-Control per matching pattern: Netlify would join them
        if header["for"] == "/*":
            assert "Cache-Control" not in header["values"]


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert re.search(r"apt-get install .*ffmpeg", text)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/health", text, re.M)
    volumes = re.search(r"^VOLUME (.+)$", text, re.M)
    assert volumes and "/content" in volumes.group(1) and "/data" in volumes.group(1)
    assert "TUNECAMP_HOST=0.0.0.0" in text
    for folder in ("generator", "daemon", "themes"):  # every mapped package is copied in
        assert re.search(rf"^COPY {folder} ", text, re.M)
