"""The daemon's settings: built once from the environment, frozen, passed down.

Every field has one `TUNECAMP_*` variable (or `SENTRY_DSN`), a default that works for
`make demo`, and a row in docs/configuration.md (a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A setting with a value the daemon cannot use; the message names the variable."""


@dataclass(frozen=True)
class Rate:
    """`count` events per `seconds`, written "5/60" in the environment."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, seconds = text.partition("/")
        rate = cls(int(count), float(seconds))
        if rate.count < 1 or rate.seconds <= 0:
            raise ValueError("both numbers must be positive")
        return rate

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}"


@dataclass(frozen=True)
class DaemonConfig:
    content_dir: Path = field(default=Path("content"), metadata={"env": "TUNECAMP_CONTENT_DIR"})
    data_dir: Path = field(default=Path("data"), metadata={"env": "TUNECAMP_DATA_DIR"})
    public_dir: Path = field(default=Path("public"), metadata={"env": "TUNECAMP_PUBLIC_DIR"})
    host: str = field(default="127.0.0.1", metadata={"env": "TUNECAMP_HOST"})
    port: int = field(default=8000, metadata={"env": "TUNECAMP_PORT"})
    public_url: str = field(default="", metadata={"env": "TUNECAMP_PUBLIC_URL"})
    jwt_secret: str | None = field(default=None, metadata={"env": "TUNECAMP_JWT_SECRET"}, repr=False)
    token_ttl: int = field(default=7 * 24 * 3600, metadata={"env": "TUNECAMP_TOKEN_TTL"})
    bcrypt_rounds: int = field(default=12, metadata={"env": "TUNECAMP_BCRYPT_ROUNDS"})
    login_rate_address: Rate = field(default=Rate(20, 300), metadata={"env": "TUNECAMP_LOGIN_RATE_ADDRESS"})
    login_rate_account: Rate = field(default=Rate(5, 300), metadata={"env": "TUNECAMP_LOGIN_RATE_ACCOUNT"})
    login_slow_account: Rate = field(default=Rate(20, 300), metadata={"env": "TUNECAMP_LOGIN_SLOW_ACCOUNT"})
    login_slow_delay: float = field(default=2.0, metadata={"env": "TUNECAMP_LOGIN_SLOW_DELAY"})
    trust_proxy_hops: int = field(default=0, metadata={"env": "TUNECAMP_TRUST_PROXY_HOPS"})
    max_body: int = field(default=1024 * 1024, metadata={"env": "TUNECAMP_MAX_BODY"})
    unlock_rate_address: Rate = field(default=Rate(10, 300), metadata={"env": "TUNECAMP_UNLOCK_RATE_ADDRESS"})
    unlock_rate_release: Rate = field(default=Rate(60, 300), metadata={"env": "TUNECAMP_UNLOCK_RATE_RELEASE"})
    grant_ttl: int = field(default=6 * 3600, metadata={"env": "TUNECAMP_GRANT_TTL"})
    web3_rpc_url: str = field(default="", metadata={"env": "TUNECAMP_WEB3_RPC_URL"}, repr=False)
    web3_chain_id: int = field(default=0, metadata={"env": "TUNECAMP_WEB3_CHAIN_ID"})
    web3_contract: str = field(default="", metadata={"env": "TUNECAMP_WEB3_CONTRACT"})
    web3_confirmations: int = field(default=1, metadata={"env": "TUNECAMP_WEB3_CONFIRMATIONS"})
    transcode_max: int = field(default=0, metadata={"env": "TUNECAMP_TRANSCODE_MAX"})  # 0: twice the cores
    transcode_max_per_user: int = field(default=2, metadata={"env": "TUNECAMP_TRANSCODE_MAX_PER_USER"})
    share_days: int = field(
        default=7, metadata={"env": "TUNECAMP_SHARE_DAYS"}
    )  # a daemon share link's default life
    shutdown_timeout: float = field(default=30.0, metadata={"env": "TUNECAMP_SHUTDOWN_TIMEOUT"})
    min_free_disk_mb: int = field(default=100, metadata={"env": "TUNECAMP_MIN_FREE_DISK_MB"})
    build_on_start: bool = field(default=True, metadata={"env": "TUNECAMP_BUILD_ON_START"})
    build_transcode: bool = field(default=True, metadata={"env": "TUNECAMP_BUILD_TRANSCODE"})
    watch: bool = field(default=True, metadata={"env": "TUNECAMP_WATCH"})
    live_reload: bool = field(default=True, metadata={"env": "TUNECAMP_LIVE_RELOAD"})
    log_level: str = field(default="info", metadata={"env": "TUNECAMP_LOG_LEVEL"})
    log_format: str = field(default="auto", metadata={"env": "TUNECAMP_LOG_FORMAT"})
    outbound_allow_loopback: bool = field(default=False, metadata={"env": "TUNECAMP_OUTBOUND_ALLOW_LOOPBACK"})
    outbound_timeout: float = field(default=10.0, metadata={"env": "TUNECAMP_OUTBOUND_TIMEOUT"})
    outbound_max_bytes: int = field(default=2 * 1024 * 1024, metadata={"env": "TUNECAMP_OUTBOUND_MAX_BYTES"})
    inbox_rate_host: Rate = field(default=Rate(1200, 60), metadata={"env": "TUNECAMP_INBOX_RATE_HOST"})
    delivery_concurrency: int = field(default=32, metadata={"env": "TUNECAMP_DELIVERY_CONCURRENCY"})
    delivery_per_host: int = field(default=4, metadata={"env": "TUNECAMP_DELIVERY_PER_HOST"})
    delivery_heartbeat: float = field(default=30.0, metadata={"env": "TUNECAMP_DELIVERY_HEARTBEAT"})
    live_max_sessions: int = field(default=4, metadata={"env": "TUNECAMP_LIVE_MAX_SESSIONS"})
    live_max_chunk: int = field(default=256 * 1024, metadata={"env": "TUNECAMP_LIVE_MAX_CHUNK"})
    live_chunk_rate: Rate = field(default=Rate(20, 10), metadata={"env": "TUNECAMP_LIVE_CHUNK_RATE"})
    live_idle_timeout: float = field(default=30.0, metadata={"env": "TUNECAMP_LIVE_IDLE_TIMEOUT"})
    live_linger: float = field(default=60.0, metadata={"env": "TUNECAMP_LIVE_LINGER"})
    live_max_duration: float = field(default=4 * 3600.0, metadata={"env": "TUNECAMP_LIVE_MAX_DURATION"})
    live_record: bool = field(default=True, metadata={"env": "TUNECAMP_LIVE_RECORD"})
    chat_read_anonymous: bool = field(default=True, metadata={"env": "TUNECAMP_CHAT_READ_ANONYMOUS"})
    chat_guest_posting: bool = field(default=False, metadata={"env": "TUNECAMP_CHAT_GUEST_POSTING"})
    chat_origins: str = field(default="", metadata={"env": "TUNECAMP_CHAT_ORIGINS"})
    chat_max_length: int = field(default=500, metadata={"env": "TUNECAMP_CHAT_MAX_LENGTH"})
    chat_rate_user: Rate = field(default=Rate(5, 10), metadata={"env": "TUNECAMP_CHAT_RATE_USER"})
    chat_rate_address: Rate = field(default=Rate(20, 10), metadata={"env": "TUNECAMP_CHAT_RATE_ADDRESS"})
    chat_mute_minutes: int = field(default=15, metadata={"env": "TUNECAMP_CHAT_MUTE_MINUTES"})
    chat_sockets_per_address: int = field(default=20, metadata={"env": "TUNECAMP_CHAT_SOCKETS_PER_ADDRESS"})
    sentry_dsn: str | None = field(default=None, metadata={"env": "SENTRY_DSN"}, repr=False)
    redis_url: str = field(default="", metadata={"env": "TUNECAMP_REDIS_URL"}, repr=False)
    jobs_in_process: str = field(default="auto", metadata={"env": "TUNECAMP_JOBS_IN_PROCESS"})
    jobs_concurrency: int = field(default=0, metadata={"env": "TUNECAMP_JOBS_CONCURRENCY"})  # 0: per kind
    jobs_poll: float = field(default=1.0, metadata={"env": "TUNECAMP_JOBS_POLL"})
    jobs_keep_done: int = field(default=86400, metadata={"env": "TUNECAMP_JOBS_KEEP_DONE"})
    federation_seeds: str = field(default="", metadata={"env": "TUNECAMP_FEDERATION_SEEDS"})
    discovery_interval: int = field(default=6 * 3600, metadata={"env": "TUNECAMP_DISCOVERY_INTERVAL"})
    musicbrainz_url: str = field(
        default="https://musicbrainz.org/ws/2", metadata={"env": "TUNECAMP_MUSICBRAINZ_URL"}
    )
    musicbrainz_interval: float = field(default=1.0, metadata={"env": "TUNECAMP_MUSICBRAINZ_INTERVAL"})
    coverart_url: str = field(
        default="https://coverartarchive.org", metadata={"env": "TUNECAMP_COVERART_URL"}
    )
    discogs_url: str = field(default="https://api.discogs.com", metadata={"env": "TUNECAMP_DISCOGS_URL"})
    discogs_token: str | None = field(default=None, metadata={"env": "TUNECAMP_DISCOGS_TOKEN"}, repr=False)
    itunes_url: str = field(default="https://itunes.apple.com", metadata={"env": "TUNECAMP_ITUNES_URL"})
    lyrics_url: str = field(default="https://api.lyrics.ovh", metadata={"env": "TUNECAMP_LYRICS_URL"})
    lrclib_url: str = field(default="https://lrclib.net", metadata={"env": "TUNECAMP_LRCLIB_URL"})
    enrich_cache_days: int = field(default=30, metadata={"env": "TUNECAMP_ENRICH_CACHE_DAYS"})
    enrich_max_image_bytes: int = field(
        default=15 * 1024 * 1024, metadata={"env": "TUNECAMP_ENRICH_MAX_IMAGE_BYTES"}
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> DaemonConfig:
        """Defaults, then the environment, then `overrides` (command-line options) win."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = f.metadata["env"]
            raw = environ.get(name)
            if raw is None or raw.strip() == "":
                continue
            try:
                values[f.name] = _parse(f.type, raw.strip())
            except ValueError as exc:
                raise ConfigError(f"{name}={raw!r}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"TUNECAMP_PORT={self.port}: not a TCP port")
        if not 4 <= self.bcrypt_rounds <= 31:
            raise ConfigError(f"TUNECAMP_BCRYPT_ROUNDS={self.bcrypt_rounds}: must be between 4 and 31")
        if self.token_ttl < 60:
            raise ConfigError(f"TUNECAMP_TOKEN_TTL={self.token_ttl}: at least 60 seconds")
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < 32:
            raise ConfigError("TUNECAMP_JWT_SECRET: at least 32 bytes (try `openssl rand -hex 32`)")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"TUNECAMP_LOG_LEVEL={self.log_level}: debug, info, warning or error")
        if self.log_format not in ("auto", "console", "json"):
            raise ConfigError(f"TUNECAMP_LOG_FORMAT={self.log_format}: auto, console or json")
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"TUNECAMP_PUBLIC_URL={self.public_url}: an http(s) URL")
        if not 0 <= self.login_slow_delay <= 30:
            raise ConfigError(f"TUNECAMP_LOGIN_SLOW_DELAY={self.login_slow_delay:g}: 0 to 30 seconds")
        if not 60 <= self.grant_ttl <= 7 * 24 * 3600:
            raise ConfigError(f"TUNECAMP_GRANT_TTL={self.grant_ttl}: 60 seconds to 7 days")
        if self.web3_rpc_url and not self.web3_rpc_url.startswith(("http://", "https://")):
            raise ConfigError(
                "TUNECAMP_WEB3_RPC_URL: an http(s) JSON-RPC URL, or empty for the embedded demo chain"
            )
        if self.web3_rpc_url and not re.fullmatch(r"0x[0-9a-fA-F]{40}", self.web3_contract):
            raise ConfigError("TUNECAMP_WEB3_CONTRACT: the sales contract's address (0x and 40 hex digits)")
        if not 1 <= self.web3_confirmations <= 1000:
            raise ConfigError(f"TUNECAMP_WEB3_CONFIRMATIONS={self.web3_confirmations}: 1 to 1000")
        if self.web3_chain_id < 0:
            raise ConfigError(f"TUNECAMP_WEB3_CHAIN_ID={self.web3_chain_id}: 0 (ask the node) or a chain id")
        if self.transcode_max < 0:
            raise ConfigError(f"TUNECAMP_TRANSCODE_MAX={self.transcode_max}: 0 (twice the cores) or more")
        if not 0.5 <= self.outbound_timeout <= 120:
            raise ConfigError(f"TUNECAMP_OUTBOUND_TIMEOUT={self.outbound_timeout:g}: 0.5 to 120 seconds")
        if not 1 <= self.delivery_concurrency <= 1000:
            raise ConfigError(f"TUNECAMP_DELIVERY_CONCURRENCY={self.delivery_concurrency}: 1 to 1000")
        if not 1 <= self.delivery_per_host <= self.delivery_concurrency:
            raise ConfigError(
                f"TUNECAMP_DELIVERY_PER_HOST={self.delivery_per_host}: 1 to TUNECAMP_DELIVERY_CONCURRENCY"
            )
        if not 2 <= self.delivery_heartbeat <= 3600:
            raise ConfigError(f"TUNECAMP_DELIVERY_HEARTBEAT={self.delivery_heartbeat:g}: 2 to 3600 seconds")
        if self.outbound_max_bytes < 64 * 1024:
            raise ConfigError(f"TUNECAMP_OUTBOUND_MAX_BYTES={self.outbound_max_bytes}: at least 65536")
        if not 1 <= self.share_days <= 3650:
            raise ConfigError(f"TUNECAMP_SHARE_DAYS={self.share_days}: between 1 and 3650 days")
        if self.transcode_max_per_user < 1:
            raise ConfigError(f"TUNECAMP_TRANSCODE_MAX_PER_USER={self.transcode_max_per_user}: at least 1")
        if not 1 <= self.live_max_sessions <= 100:
            raise ConfigError(f"TUNECAMP_LIVE_MAX_SESSIONS={self.live_max_sessions}: 1 to 100")
        if not 4096 <= self.live_max_chunk <= self.max_body:
            raise ConfigError(f"TUNECAMP_LIVE_MAX_CHUNK={self.live_max_chunk}: 4096 to TUNECAMP_MAX_BODY")
        if not 0.1 <= self.live_idle_timeout <= 3600:
            raise ConfigError(f"TUNECAMP_LIVE_IDLE_TIMEOUT={self.live_idle_timeout:g}: 0.1 to 3600 seconds")
        if not 0 <= self.live_linger <= 3600:
            raise ConfigError(f"TUNECAMP_LIVE_LINGER={self.live_linger:g}: 0 to 3600 seconds")
        if not 60 <= self.live_max_duration <= 24 * 3600:
            raise ConfigError(
                f"TUNECAMP_LIVE_MAX_DURATION={self.live_max_duration:g}: 60 seconds to 24 hours"
            )
        for seed in self.seed_list:
            if not re.fullmatch(r"https?://[^/\s?#]+/?", seed):
                raise ConfigError(
                    f"TUNECAMP_FEDERATION_SEEDS: {seed!r} is not an origin (https://host[:port])"
                )
        if self.discovery_interval != 0 and not 600 <= self.discovery_interval <= 7 * 24 * 3600:
            raise ConfigError(
                f"TUNECAMP_DISCOVERY_INTERVAL={self.discovery_interval}: 0 (no background crawl) or 600 s to 7 days"
            )
        if not 1 <= self.chat_max_length <= 10_000:
            raise ConfigError(f"TUNECAMP_CHAT_MAX_LENGTH={self.chat_max_length}: 1 to 10000 characters")
        if not 1 <= self.chat_mute_minutes <= 525_600:
            raise ConfigError(f"TUNECAMP_CHAT_MUTE_MINUTES={self.chat_mute_minutes}: 1 minute to a year")
        if self.chat_sockets_per_address < 1:
            raise ConfigError(
                f"TUNECAMP_CHAT_SOCKETS_PER_ADDRESS={self.chat_sockets_per_address}: at least 1"
            )
        for origin in self.chat_origin_list:
            if not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ConfigError(
                    f"TUNECAMP_CHAT_ORIGINS: {origin!r} is not an origin like https://music.example"
                )

        if self.redis_url and not re.fullmatch(r"(redis|rediss|unix)://\S+", self.redis_url):
            raise ConfigError(
                "TUNECAMP_REDIS_URL: expected redis://host:port/db, rediss://... or unix:///path"
            )
        self._check_enrichment()
        self._check_jobs()

    def _check_jobs(self) -> None:
        if self.jobs_in_process not in ("auto", "on", "off"):
            raise ConfigError(f"TUNECAMP_JOBS_IN_PROCESS={self.jobs_in_process}: auto, on or off")
        if not 0 <= self.jobs_concurrency <= 1000:
            raise ConfigError(
                f"TUNECAMP_JOBS_CONCURRENCY={self.jobs_concurrency}: 0 (each kind's own) or 1 to 1000"
            )
        if not 0.05 <= self.jobs_poll <= 60:
            raise ConfigError(f"TUNECAMP_JOBS_POLL={self.jobs_poll:g}: 0.05 to 60 seconds")
        if not 0 <= self.jobs_keep_done <= 30 * 86400:
            raise ConfigError(
                f"TUNECAMP_JOBS_KEEP_DONE={self.jobs_keep_done}: 0 to 2592000 seconds (30 days)"
            )

    def _check_enrichment(self) -> None:
        for name in ("musicbrainz", "coverart", "discogs", "itunes", "lyrics", "lrclib"):
            value = getattr(self, f"{name}_url")
            if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", value):
                raise ConfigError(f"TUNECAMP_{name.upper()}_URL={value}: an http(s) URL")
        # MusicBrainz's own servers ask for one request a second at most; a mirror may allow more.
        floor = 1.0 if "musicbrainz.org" in self.musicbrainz_url.lower() else 0.0
        if not floor <= self.musicbrainz_interval <= 60:
            raise ConfigError(
                f"TUNECAMP_MUSICBRAINZ_INTERVAL={self.musicbrainz_interval:g}: {floor:g} to 60 seconds"
            )
        if not 0 <= self.enrich_cache_days <= 365:
            raise ConfigError(f"TUNECAMP_ENRICH_CACHE_DAYS={self.enrich_cache_days}: 0 to 365 days")
        if not 64 * 1024 <= self.enrich_max_image_bytes <= 100 * 1024 * 1024:
            raise ConfigError(
                f"TUNECAMP_ENRICH_MAX_IMAGE_BYTES={self.enrich_max_image_bytes}: 65536 to 100 MB"
            )

    @property
    def url(self) -> str:
        """Where people reach the daemon: the public URL, or the address it listens on."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def seed_list(self) -> list[str]:
        """TUNECAMP_FEDERATION_SEEDS, split at commas."""
        return [s.strip() for s in self.federation_seeds.split(",") if s.strip()]

    @property
    def chat_origin_list(self) -> tuple[str, ...]:
        """The extra origins (the static site's, when it lives elsewhere) whose pages may open the chat."""
        return tuple(o.strip().rstrip("/").lower() for o in self.chat_origins.split(",") if o.strip())

    @property
    def transcodes_allowed(self) -> int:
        """The cap on on-the-fly transcodes at once: the setting, or twice the CPU cores."""
        return self.transcode_max or 2 * (os.cpu_count() or 1)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "tunecamp.db"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / ".jwt-secret"


def _parse(kind: Any, raw: str) -> Any:
    kind = str(kind)
    if kind.startswith("Path"):
        return Path(raw)
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    if kind.startswith("bool"):
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected true or false")
    if kind.startswith("Rate"):
        try:
            return Rate.parse(raw)
        except ValueError as exc:
            raise ValueError(f"expected COUNT/SECONDS like 5/60 ({exc})") from None
    return raw


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, field, default) for every setting: the docs table is checked against it."""
    rows = []
    for f in dataclasses.fields(DaemonConfig):
        default = f.default if f.default is not dataclasses.MISSING else None
        rows.append((f.metadata["env"], f.name, "" if default is None else str(default)))
    return rows
