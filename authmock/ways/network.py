"""``allow_network=False``: no silent real network while a mock is active.

A request that is not for authmock's hosts, not for a loopback address and not
answered by the user's own ``responses``/respx mocks fails fast with the
client's connection error, naming authmock and the URL. The check sits where
the real network would begin (requests: the adapter's connection pool; httpx:
httpcore's TCP connect), so the user's mocks, which answer earlier, still do.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

# RFC 6761 reserves localhost and *.localhost for loopback; localhost.localdomain
# is the name many /etc/hosts give it.
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")
# What the C resolver may read as an IPv4 address (inet_aton: 127.1, 0x7f000001,
# 2130706433, octal parts); only these characters, since inet_aton would also
# accept an address followed by a space and anything.
_NUMERIC = re.compile(r"[0-9a-fx.]+")


def is_loopback(host: str) -> bool:
    """Whether a client connecting to ``host`` (a URL's host, IPv6 with or without
    brackets) reaches this machine's loopback, as the client would resolve it."""
    host = host.lower()
    if host[:1] == "[" and host[-1:] == "]":
        host = host[1:-1]
    name = host[:-1] if host.endswith(".") else host
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    # A number with a trailing dot, or an IPv6 zone (%25lo as clients send it), is
    # a name to the resolver, so DNS would be asked for it.
    ip = None if host.endswith(".") or "%" in host else _address(host)
    if ip is None:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` is, read as getaddrinfo reads a numeric host."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC.fullmatch(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def url_is_loopback(url: str) -> bool:
    return is_loopback(urlsplit(url).hostname or "")


def refusal(url: str) -> str:
    return (
        f"authmock: real network refused for {url} (AuthMock(allow_network=False)): "
        "not an authmock host, not loopback, and no mock of yours answered it"
    )
