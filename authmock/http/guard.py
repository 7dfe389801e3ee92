"""What keeps a web page from driving authmock (docs/security.md).

- The Host allow-list stops DNS rebinding: a page on ``evil.test`` whose name
  is re-pointed at 127.0.0.1 reaches the server with ``Host: evil.test``, which
  no legitimate client sends. IP literals cannot be rebound, names can.
- The admin API's cross-site checks stop CSRF: browsers send ``Origin`` on every
  cross-origin POST (forms and ``no-cors`` fetches included) and
  ``Sec-Fetch-Site`` on everything; a body must be declared JSON, which no page
  can send cross-origin without a CORS preflight that authmock never grants.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

from authmock.loopback import is_loopback, is_loopback_address

# A DNS name as Docker, compose and /etc/hosts use them (underscores included).
_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,252})")
_PORT = re.compile(r"(?::[0-9]{0,5})?")
JSON_MEDIA_TYPE = "application/json"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REFUSED_FETCH_SITES = frozenset({"cross-site", "same-site"})


@functools.lru_cache(maxsize=256)  # a server sees the same few Host values again and again
def host_name(header: str) -> str | None:
    """The name in a Host header: lower-case, without port, brackets or one
    trailing dot; None when it is not a well-formed host."""
    value = header.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or not _is_ipv6(name):
            return None
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
        if not _NAME.fullmatch(name):
            return None
    if not _PORT.fullmatch(rest):
        return None
    return name[:-1] if name.endswith(".") else name


def _is_ipv6(name: str) -> bool:
    try:
        ipaddress.IPv6Address(name)
    except ValueError:
        return False
    return True


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def check_allowed_host(value: str) -> str:
    """An ``--allow-host`` / ``allow_hosts`` entry, normalized: ``*``, a name,
    ``*.domain``, or an IP address; ValueError naming the problem otherwise."""
    entry = value.strip().lower()
    if entry == "*":
        return entry
    bare = entry[2:] if entry.startswith("*.") else entry
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    if (_ip(bare) is None or entry.startswith("*.")) and not _NAME.fullmatch(bare):
        raise ValueError(
            f"allowed host {value!r} must be a host name, *.domain, an IP address or *"
            " (no scheme, port or path)"
        )
    return ("*." if entry.startswith("*.") else "") + bare.rstrip(".")


class HostPolicy:
    """Which Host names a server answers: loopback names and addresses, the
    address it is bound to (any IP literal when bound to all interfaces), the
    emulated API hosts (nobody can point those names at your machine), and the
    names allowed explicitly (``*`` allows any)."""

    def __init__(self, allow: Iterable[str] = (), bound: Iterable[str] = ()) -> None:
        entries = [check_allowed_host(entry) for entry in allow]
        self.allow = tuple(entries)
        self.any = "*" in entries
        self._suffixes = tuple(e[1:] for e in entries if e.startswith("*."))
        self._names = {e for e in entries if not e.startswith("*")}
        self._any_ip = False
        self.add_bound(bound)

    def add_bound(self, addresses: Iterable[str]) -> None:
        """Answer the names and addresses a server is bound to."""
        for address in addresses:
            name = address.strip("[]").lower()
            ip = _ip(name)
            if ip is not None and ip.is_unspecified:
                self._any_ip = True  # 0.0.0.0 / ::  answers on every address
            elif name:
                self._names.add(name)

    def allows(self, name: str, emulated: Callable[[str], bool]) -> bool:
        if self.any or name in self._names:
            return True
        # Loopback as a client connecting to it spells it (127.1, 2130706433,
        # [::ffff:127.0.0.1], *.localhost): literals cannot be rebound, and the
        # loopback names resolve nowhere else.
        if is_loopback(name):
            return True
        if self._suffixes and name.endswith(self._suffixes):
            return True
        ip = _ip(name)
        if ip is not None:  # a canonical literal; a zone id (::1%lo) too
            return is_loopback_address(ip) or self._any_ip
        return emulated(name)


def refused_host_message(header: str) -> str:
    shown = header if len(header) <= 100 else header[:100] + "..."
    name = host_name(header) or "NAME"
    return (
        f"Host {shown!r} is not a name this authmock server answers to (DNS rebinding"
        " protection: it answers loopback names, the address it listens on and the"
        f" emulated API hosts). To allow it, start it with --allow-host {name}"
        f" (Python: mock.serve(allow_hosts=[{name!r}]))"
    )


def own_origin(environ: dict[str, Any]) -> str:
    """``scheme://host[:port]`` of the request's own server, as browsers spell
    an Origin (no default port)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = str(environ.get("HTTP_HOST") or "").strip().lower()
    default = ":443" if scheme == "https" else ":80"
    if host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}"


def cross_site_refusal(environ: dict[str, Any]) -> str | None:
    """Why an admin request comes from another site's page, or None."""
    site = str(environ.get("HTTP_SEC_FETCH_SITE") or "").strip().lower()
    if site in _REFUSED_FETCH_SITES:
        return (
            f"admin request from another site's page refused (Sec-Fetch-Site: {site}):"
            " use the demo page on this server, curl or RemoteAuthMock"
        )
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        expected = own_origin(environ)
        if origin.strip().lower().rstrip("/") != expected:
            shown = origin if len(origin) <= 100 else origin[:100] + "..."
            return (
                f"cross-origin admin request refused (Origin {shown!r} is not {expected}):"
                " use the demo page on this server, curl or RemoteAuthMock"
            )
    return None


def media_type(environ: dict[str, Any]) -> str | None:
    raw = environ.get("CONTENT_TYPE")
    if not raw:
        return None
    return str(raw).partition(";")[0].strip().lower()


def body_type_refusal(environ: dict[str, Any], has_body: bool) -> str | None:
    """Why an admin request's body may not be read as JSON, or None.

    A body must be declared ``application/json``; so must any declared type of
    a state-changing request (an empty ``<form>`` post declares text/plain)."""
    declared = media_type(environ)
    if declared == JSON_MEDIA_TYPE:
        return None
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    if has_body or (declared is not None and method in _UNSAFE_METHODS):
        what = f"not {environ.get('CONTENT_TYPE')!r}" if declared is not None else "not absent"
        return (
            f"admin request bodies must be Content-Type: application/json, {what}"
            " (curl: --json '...', or -H 'Content-Type: application/json')"
        )
    return None
