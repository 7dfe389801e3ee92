"""Which hosts are this machine's loopback, in every spelling a client
connects to it with: the one decision ``allow_network=False``
(``ways/network.py``) and the server's Host guard (``http/guard.py``) share."""

from __future__ import annotations

import ipaddress
import re
import socket

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
    return ip is not None and is_loopback_address(ip)


def is_loopback_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped IPv6 address of 127.0.0.0/8."""
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
