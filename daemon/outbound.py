"""The one guarded HTTP client every remote fetch and delivery goes through.

A URL from the fediverse is chosen by strangers, so the client refuses to be pointed inside:
- the host name is resolved by the client itself and every address it resolves to is checked
  (loopback, private, link-local, shared, multicast, reserved, unspecified, and IPv6 forms
  that embed such an IPv4 address); the connection goes to exactly the addresses that were
  checked (aiohttp connects to what the resolver returned), so a second DNS answer cannot
  swap in another address between the check and the connect (DNS rebinding);
- redirects are followed by hand, at most MAX_REDIRECTS, each hop checked again;
- connect and read timeouts, and an answer larger than `max_bytes` is abandoned as it streams.

`TUNECAMP_OUTBOUND_ALLOW_LOOPBACK=true` lets it reach 127.0.0.0/8 and ::1 (tests, a server on
the same machine) and nothing else. GETs can be signed (authorized fetch) by a `signer` hook,
which the federation feature installs with its instance actor's key.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from tunecamp.daemon.config import DaemonConfig

log = logging.getLogger("tunecamp.outbound")
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
# (host, port) -> the addresses it resolves to; the seam tests use to map a name anywhere.
Lookup = Callable[[str, int], Awaitable[list[str]]]
# (method, url, headers, body) -> the headers to send: signs a request (authorized fetch).
Signer = Callable[[str, str, dict[str, str], bytes], dict[str, str]]
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(Exception):
    """A remote URL that could not be fetched, or may not be: `reason` says which."""

    def __init__(
        self, url: str, reason: str, status: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status  # the remote's HTTP status, when it answered with an error
        self.headers = dict(headers or {})  # its answer's headers (Retry-After...), empty without an answer


@dataclass(frozen=True)
class OutboundConfig:
    allow_loopback: bool = False
    timeout: float = 10.0
    max_bytes: int = 2 * 1024 * 1024
    user_agent: str = "TuneCamp"

    @classmethod
    def from_config(cls, config: DaemonConfig) -> OutboundConfig:
        return cls(
            allow_loopback=config.outbound_allow_loopback,
            timeout=config.outbound_timeout,
            max_bytes=config.outbound_max_bytes,
            user_agent=user_agent(config.public_url or config.url),
        )


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def user_agent(instance_url: str) -> str:
    try:
        version = metadata.version("tunecamp")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"TuneCamp/{version} (+{instance_url})"


def refusal(address: str, allow_loopback: bool) -> str | None:
    """Why the client may not connect to `address` (None: it may)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            why = refusal(str(embedded), allow_loopback)
            return None if why is None else f"{ip} embeds {embedded}: {why}"
    if ip.is_loopback:
        if allow_loopback and any(ip in net for net in _LOOPBACK):
            return None
        return f"{ip} is a loopback address (TUNECAMP_OUTBOUND_ALLOW_LOOPBACK is off)"
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not public"),
    )
    for hit, what in checks:
        if hit:
            return f"{ip} is a {what} address"
    return None


async def system_lookup(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver: returns only checked addresses, and refuses when any is refused.

    One refused address refuses the name: picking the good ones would let a name that also
    points inside pass whenever the attacker wants it to.
    """

    def __init__(self, lookup: Lookup, allow_loopback: bool) -> None:
        self.lookup = lookup
        self.allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            addresses = await self.lookup(host, port)
        except OSError as exc:
            raise OSError(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise OSError(f"{host} resolves to no address")
        results: list[ResolveResult] = []
        for address in dict.fromkeys(addresses):
            why = refusal(address, self.allow_loopback)
            if why is not None:
                raise RefusedAddress(f"{host} resolves to {why}")
            ip = ipaddress.ip_address(address)
            results.append(
                {
                    "hostname": host,
                    "host": address,
                    "port": port,
                    "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        return results

    async def close(self) -> None:
        return None


class RefusedAddress(OSError):
    """A host that resolves to an address the client may not reach."""


class Outbound:
    """GET and POST to remote servers, guarded; one per daemon, in `appkeys.OUTBOUND`."""

    def __init__(
        self, config: OutboundConfig, *, lookup: Lookup = system_lookup, signer: Signer | None = None
    ) -> None:
        self.config = config
        self.signer = signer
        self._resolver = GuardedResolver(lookup, config.allow_loopback)
        self._session: aiohttp.ClientSession | None = None

    def set_lookup(self, lookup: Lookup) -> None:
        """Resolve host names with `lookup` from now on (tests map names to loopback servers)."""
        self._resolver.lookup = lookup

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=self._resolver, limit=200, limit_per_host=8, ttl_dns_cache=60
            )
            timeout = aiohttp.ClientTimeout(
                total=self.config.timeout * 3, sock_connect=self.config.timeout, sock_read=self.config.timeout
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=timeout,
                headers={"User-Agent": self.config.user_agent},
                auto_decompress=True,
                trust_env=False,  # a proxy from the environment would bypass the address checks
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        accept: str = "application/activity+json",
        sign: bool = True,
    ) -> Response:
        """GET `url` (signed when a signer is installed and `sign`); an error status raises."""
        sent = {"Accept": accept, **(headers or {})}
        return await self.request("GET", url, headers=sent, max_bytes=max_bytes, sign=sign)

    async def post(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes = b"",
        max_bytes: int | None = None,
    ) -> Response:
        """POST `content` as is: the caller signs it (the headers say how), redirects are not followed."""
        return await self.request("POST", url, headers=dict(headers or {}), body=content, max_bytes=max_bytes)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        body: bytes = b"",
        max_bytes: int | None = None,
        sign: bool = False,
    ) -> Response:
        limit = max_bytes or self.config.max_bytes
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(url)
            sent = dict(headers)
            if sign and self.signer is not None:
                sent = self.signer(method, url, sent, body)
            status, answer_headers, data, location = await self._once(method, url, sent, body, limit)
            if status in REDIRECTS and method == "GET" and location:
                url = urljoin(url, location)
                continue
            if status >= 400:
                raise OutboundError(url, f"HTTP {status}", status, answer_headers)
            return Response(url, status, answer_headers, data)
        raise OutboundError(url, f"more than {MAX_REDIRECTS} redirects")

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundError(url, "only http(s) URLs with a host are fetched")
        if parts.username or parts.password:
            raise OutboundError(url, "credentials in a URL are not sent")
        try:
            ipaddress.ip_address(parts.hostname)
        except ValueError:
            return  # a name: checked by the resolver when connecting
        why = refusal(parts.hostname, self.config.allow_loopback)  # aiohttp skips the resolver for literals
        if why is not None:
            raise OutboundError(url, why)

    async def _once(
        self, method: str, url: str, headers: dict[str, str], body: bytes, limit: int
    ) -> tuple[int, dict[str, str], bytes, str | None]:
        try:
            async with self._client().request(
                method, url, headers=headers, data=body or None, allow_redirects=False
            ) as answer:
                declared = answer.content_length
                if declared is not None and declared > limit:
                    raise OutboundError(url, f"the answer is {declared} bytes, more than {limit}")
                chunks, size = [], 0
                async for chunk in answer.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise OutboundError(url, f"the answer is more than {limit} bytes")
                    chunks.append(chunk)
                return answer.status, dict(answer.headers), b"".join(chunks), answer.headers.get("Location")
        except OutboundError:
            raise
        except aiohttp.ClientConnectorError as exc:
            cause = exc.os_error
            if isinstance(cause, RefusedAddress):
                raise OutboundError(url, str(cause)) from None
            raise OutboundError(url, f"cannot connect: {cause}") from None
        except RefusedAddress as exc:
            raise OutboundError(url, str(exc)) from None
        except TimeoutError:
            raise OutboundError(url, f"timed out after {self.config.timeout:g} s") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise OutboundError(url, f"{type(exc).__name__}: {exc}") from None
