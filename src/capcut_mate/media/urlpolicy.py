"""Which URLs the service may contact (media downloads, callbacks), enforced where the socket is opened.

Checking a host's addresses when a request arrives and letting the HTTP client resolve it again later
leaves a gap: a DNS answer that changes in between (rebinding) walks past the check. So the client used
for every outgoing request resolves the host itself at connect time, refuses the connection when any
address is not public, and connects to exactly the address it checked. TLS still verifies the host name
(httpcore passes the origin host as SNI and for certificate matching), and proxies from the environment
are ignored so that no hop escapes the check.

`check_url` is the early, friendly form of the same rule, for errors at submit time.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from urllib.parse import SplitResult, urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated `::a.b.c.d`; also holds :: and ::1


class UrlForbidden(ValueError):
    """A URL or address the policy refuses; the message names the host, never an internal detail."""


class UnresolvableHost(UrlForbidden):
    """The host has no address: a download failure rather than a policy refusal."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64) or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast, judged on the IPv4 address inside any IPv6 form that embeds one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def split_url(url: str) -> SplitResult:
    """`urlsplit`, plus the checks it leaves lazy: http(s) only, a host, a port in range."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for "abc" or 99999
    except ValueError as exc:
        raise UrlForbidden(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlForbidden("only http:// and https:// URLs with a host are accepted")
    if port == 0:
        raise UrlForbidden("port 0 is not a valid port")
    return parts


def resolve_checked(host: str, port: int, allow_private: bool) -> list[IPAddress]:
    """The host's addresses, in resolver order; UrlForbidden when any of them is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnresolvableHost(f"cannot resolve host {host}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise UrlForbidden(
                    f"host {host} resolves to non-public address {address}; "
                    "set CAPCUT_MATE_ALLOW_PRIVATE_URLS=1 to allow it"
                )
    return addresses


def check_url(url: str, allow_private: bool) -> None:
    """Refuse early what the guarded client would refuse on connect (syntax, scheme, non-public hosts)."""
    parts = split_url(url)
    assert parts.hostname is not None  # split_url guarantees it
    resolve_checked(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allow_private)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves and checks at connect time, then connects to the checked address itself (pinned)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_checked(host, port, self.allow_private)
        last: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        # httpx builds its connection pool without a way to pass a network backend; rebuild it with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_private),
        )


def _check_hop(request: httpx.Request) -> None:
    split_url(str(request.url))  # a redirect to ftp:// or file:// is refused at once, not retried


def guarded_client(allow_private: bool, **kwargs: typing.Any) -> httpx.Client:
    """An httpx client that can only reach hosts the policy allows, on every request and redirect hop."""
    return httpx.Client(
        transport=_GuardedTransport(allow_private),
        trust_env=False,
        event_hooks={"request": [_check_hop]},
        **kwargs,
    )
