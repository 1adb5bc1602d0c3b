"""The deploy/ tests: the proxies' configs, and the processes they front (tests/cluster.py)."""

from __future__ import annotations

from cluster import cluster

__all__ = ["cluster"]  # the fixture, registered for these tests
