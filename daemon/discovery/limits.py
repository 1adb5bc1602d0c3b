"""How far and how hard a crawl goes: the issue's bounds, one frozen object the crawl is given.

The defaults are the protocol's promises to the network (docs/discovery.md); tests shorten the
timeout and the clock, the benchmark nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunecamp.daemon.config import DaemonConfig

DAY = 86400.0


@dataclass(frozen=True)
class Limits:
    max_depth: int = 3  # hops from the seeds (a seed is 1)
    max_instances: int = 1000  # origins probed per crawl, and instances kept
    per_host: int = 4  # requests in flight to one host (all its ports)
    overall: int = 32  # requests in flight in all
    timeout: float = 5.0  # per request, whole answer included (a slowloris is cut here)
    json_bytes: int = 1 << 20  # NodeInfo, instance, peers
    catalog_bytes: int = 20 << 20
    max_peers: int = 1000  # origins read from one peers list
    releases_kept: int = 12  # per instance, for /network/
    offline_after: float = DAY  # unseen for this long: offline
    purge_after: float = 30 * DAY  # offline for this long: forgotten
    backoff_base: float = 3600.0  # after the first failure; doubled per failure
    backoff_max: float = DAY

    def backoff(self, failures: int) -> float:
        """How long an instance that failed `failures` times in a row is left alone."""
        if failures <= 0:
            return 0.0
        return min(self.backoff_base * 2 ** min(failures - 1, 20), self.backoff_max)


@dataclass(frozen=True)
class DiscoverySettings:
    seeds: tuple[str, ...]  # TUNECAMP_FEDERATION_SEEDS, as origins
    interval: float  # between background crawls; 0: none
    own: tuple[str, ...]  # this daemon's origins: never crawled
    limits: Limits = Limits()

    @classmethod
    def from_config(cls, config: DaemonConfig, limits: Limits | None = None) -> DiscoverySettings:
        from tunecamp.daemon.discovery.protocol import origin_of

        seeds = tuple(dict.fromkeys(o for o in map(origin_of, config.seed_list) if o))
        own = tuple(dict.fromkeys(o for o in (origin_of(config.url), origin_of(config.public_url)) if o))
        return cls(seeds, float(config.discovery_interval), own, limits or Limits())
