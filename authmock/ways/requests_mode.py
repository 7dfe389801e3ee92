"""In-process interception for ``requests``, below the mounted adapter.

A request to one of authmock's hosts goes through the adapter the session has
mounted for its URL, exactly as on the network: its ``send`` (logging or auth
subclasses included) and urllib3's ``urlopen`` with the adapter's
``max_retries`` (status retries, ``Retry-After``, backoff, connect and read
retries, ``RetryError``/``ConnectionError``/``ReadTimeout`` at the end). Only
the connection pool is replaced: ``HTTPAdapter.get_connection_with_tls_context``
hands an :class:`EnginePool`, whose ``_make_request`` asks the engine instead
of a socket, so every attempt is answered (and journaled) by the engine.
When one attempt is all there can be (requests' default ``Retry(0,
read=False)``, no redirects), its ``urlopen`` answers without urllib3's retry
bookkeeping; a connection fault then still goes through urllib3's own
``urlopen``, so the exception is exactly the network's.

``responses`` patches ``HTTPAdapter.send``; while authmock is active its
``RequestsMock._on_request`` sends authmock's URLs on to the real ``send``
(and so to the engine), whichever of the two was activated first. Every other
URL is left to the user's ``responses`` registrations or the network. A
mounted adapter that is not an ``HTTPAdapter`` never reaches urllib3: for
authmock's URLs it is swapped for a plain ``HTTPAdapter``.
"""

from __future__ import annotations

import errno
import http.client
import io
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import prepend_scheme_if_needed, select_proxy
from urllib3 import HTTPConnectionPool, HTTPHeaderDict, HTTPResponse, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError, ReadTimeoutError
from urllib3.util.request import body_to_chunks
from urllib3.util.retry import Retry
from urllib3.util.timeout import _DEFAULT_TIMEOUT, Timeout

from authmock.http.exchange import ConnectionFault
from authmock.ways.interception import ClientPatch, Interceptor
from authmock.ways.network import refusal, url_is_loopback
from authmock.ways.wsgi_call import WsgiApp, build_environ, call


def _body_bytes(body: Any) -> bytes:
    """What urllib3 would put on the wire: its ``body_to_chunks`` (bytes, str, a
    file or an iterable of chunks), a str chunk sent as UTF-8 as its connection does."""
    if isinstance(body, bytes):
        return body  # what requests hands over, nearly always
    if body is None:
        return b""
    chunks: Iterable[Any] = body_to_chunks(body, "POST", 16384).chunks or ()
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in chunks)


def _header_pairs(headers: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    """The (name, value) pairs of the headers urlopen was given. requests hands
    its ``CaseInsensitiveDict``, whose own ``items()`` runs three Python calls
    a header; its store holds the same pairs, as sent."""
    if type(headers) is CaseInsensitiveDict:
        return headers._store.values()  # type: ignore[attr-defined,no-any-return]
    return headers.items()


def _header_dict(pairs: list[tuple[str, str]]) -> HTTPHeaderDict:
    """``HTTPHeaderDict(pairs)``, which asks ``isinstance(pairs, Mapping)``
    (an ABC check) and then ``add`` per header: set one by one instead, as
    ``add`` stores a name it has not seen; a repeated name (``Set-Cookie``)
    takes urllib3's own way, which keeps every value."""
    headers = HTTPHeaderDict()
    for name, value in pairs:
        headers[name] = value
    if len(headers) != len(pairs):
        return HTTPHeaderDict(pairs)
    return headers


def _read_timeout(timeout: Any) -> float | None:
    if isinstance(timeout, Timeout):
        if timeout.total is not None:
            # A ``total`` counts from the connect, which urllib3's own
            # _make_request starts (there is none here): it starts now.
            timeout = timeout.clone()
            timeout.start_connect()
        value = timeout.read_timeout
    else:
        value = timeout
    return float(value) if isinstance(value, (int, float)) else None


class _Original:
    """The http.client response urllib3 wraps, as far as urllib3 and requests read
    it: ``msg`` and ``isclosed``/``close``. requests takes a response's cookies
    from ``msg.get_all``; the response's own ``HTTPHeaderDict`` answers that by
    key (urllib3 gives it ``get_all`` for http.cookiejar), where an
    ``HTTPMessage`` scans every header twice. ``responses`` hands the same."""

    __slots__ = ("_closed", "msg")

    def __init__(self, headers: HTTPHeaderDict) -> None:
        self.msg = headers
        self._closed = False

    def isclosed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True


class _Connection:
    """What urlopen and the response hold of a connection: never a socket, so
    each request takes a fresh one instead of a pooled ``HTTPConnection``."""

    __slots__ = ("_pool", "timeout")
    proxy = None
    sock = None
    is_closed = False
    is_connected = False
    has_connected_to_proxy = False

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self.timeout: Any = None

    def __str__(self) -> str:
        # urllib3's errors name the connection: "HTTPSConnection(host='a.test', port=443)".
        pool = self._pool
        return f"{pool.ConnectionCls.__name__}(host={pool.host!r}, port={pool.port!r})"

    def close(self) -> None:
        pass


class _Failures:
    """The errors urllib3 raises for a failed socket, for :class:`authmock.effects.Connection`:
    the same classes and messages, caused by the same ``OSError``, with authmock's fault
    (or missing deployment) named."""

    def __init__(
        self, pool: Any, conn: Any, url: str, read_timeout: float | None, where: str
    ) -> None:
        self.pool = pool
        self.conn = conn
        self.url = url
        self.read_timeout = read_timeout
        self.where = where

    def timeout(self) -> Exception:
        error = ReadTimeoutError(
            self.pool,
            self.url,
            f"Read timed out. (read timeout={self.read_timeout}) ({self.where})",
        )
        error.__cause__ = TimeoutError(f"timed out ({self.where})")
        return error

    def reset(self) -> Exception:
        return ConnectionResetError(errno.ECONNRESET, f"Connection reset by peer ({self.where})")

    def refused(self) -> Exception:
        # urllib3 words the socket's error: "[Errno 111] Connection refused".
        cause = ConnectionRefusedError(errno.ECONNREFUSED, f"Connection refused ({self.where})")
        error = NewConnectionError(self.conn, f"Failed to establish a new connection: {cause}")
        error.__cause__ = cause
        return error


def _single_attempt(retries: Any, redirect: bool, response_kw: Mapping[str, Any]) -> bool:
    """Whether urlopen would make exactly one attempt and hand back its answer:
    no retry of any kind and no redirect (requests' default ``Retry(0, read=False)``)."""
    return (
        isinstance(retries, Retry)
        and retries.total == 0
        and not retries.status_forcelist
        and not redirect
        and not response_kw
    )


class _EngineMixin:
    """A urllib3 pool answered by the engine: ``_make_request`` asks it
    instead of a socket, for as many attempts as the adapter's retries make."""

    app: WsgiApp
    base: str  # scheme://host[:port] as the client wrote it (urlopen has only the path)
    # Set on a copy of the pool: the engine's answer to the first attempt was
    # this connection fault, for urllib3 to turn into what it raises.
    fault: ConnectionFault | None = None
    # (https?, verify, a named bundle is a directory) cert_verify last accepted here.
    checked: tuple[bool, Any, bool | None] | None = None

    def _target(self, url: str) -> str:
        return self.base + url if url.startswith("/") else url

    def urlopen(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retries: Any = None,
        redirect: bool = True,
        assert_same_host: bool = True,
        timeout: Any = _DEFAULT_TIMEOUT,
        pool_timeout: Any = None,
        release_conn: bool | None = None,
        chunked: bool = False,
        body_pos: Any = None,
        preload_content: bool = True,
        decode_content: bool = True,
        **response_kw: Any,
    ) -> Any:
        """urllib3's, without its retry bookkeeping when one attempt is all
        there can be (the common case)."""
        if _single_attempt(retries, redirect, response_kw) and not assert_same_host:
            # Only read (_read_timeout clones one with a total): no per-call clone.
            timeout_obj = (
                timeout if isinstance(timeout, Timeout) else self._get_timeout(timeout)  # type: ignore[attr-defined]
            )
            try:
                return self._answer(
                    method,
                    url,
                    body,
                    headers or {},
                    timeout_obj,
                    retries,
                    None
                    if release_conn or (release_conn is None and preload_content)
                    else _Connection(self),
                    preload_content,
                    decode_content,
                )
            except ConnectionFault as fault:
                # Let urllib3 raise what it would over the network, from this answer.
                pool = object.__new__(type(self))
                pool.__dict__.update(self.__dict__)
                pool.fault = fault
                self = pool
        return super().urlopen(  # type: ignore[misc]
            method,
            url,
            body,
            headers,
            retries,
            redirect,
            assert_same_host,
            timeout,
            pool_timeout,
            release_conn,
            chunked,
            body_pos,
            preload_content,
            decode_content,
            **response_kw,
        )

    def _make_request(
        self,
        conn: Any,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retries: Any = None,
        timeout: Any = None,
        chunked: bool = False,
        response_conn: Any = None,
        preload_content: bool = True,
        decode_content: bool = True,
        enforce_content_length: bool = True,
    ) -> HTTPResponse:
        fault, self.fault = self.fault, None
        if fault is None:
            try:
                return self._answer(
                    method,
                    url,
                    body,
                    headers or {},
                    timeout,
                    retries,
                    response_conn,
                    preload_content,
                    decode_content,
                    enforce_content_length,
                )
            except ConnectionFault as caught:
                fault = caught
        # What the socket would raise; urlopen turns it into a retry or the error.
        # Raised outside the except block: authmock's ConnectionFault is no part
        # of the chain, which is the socket's alone as on the network.
        where = fault.source()
        failures = _Failures(self, conn, url, _read_timeout(timeout), where)
        error = fault.connection.on_client(failures)
        raise error from error.__cause__  # the socket's OSError, as urllib3's

    def _answer(
        self,
        method: str,
        url: str,
        body: Any,
        headers: Mapping[str, str],
        timeout: Any,
        retries: Any,
        response_conn: Any,
        preload_content: bool,
        decode_content: bool,
        enforce_content_length: bool = True,
    ) -> HTTPResponse:
        """One attempt: the engine's answer as urllib3's response, or its ConnectionFault."""
        target = self._target(url)
        environ = build_environ(
            method, target, _header_pairs(headers), _body_bytes(body), _read_timeout(timeout)
        )
        status, header_list, data = call(self.app, environ)
        headers = _header_dict(header_list)
        return HTTPResponse(
            body=io.BytesIO(data),
            headers=headers,
            status=status,
            reason=http.client.responses.get(status),
            preload_content=preload_content,
            decode_content=decode_content,
            original_response=_Original(headers),  # type: ignore[arg-type]
            pool=self,  # type: ignore[arg-type]
            connection=response_conn,
            retries=retries,
            enforce_content_length=enforce_content_length,
            request_method=method,
            request_url=target,
        )

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _Connection(self)

    def _put_conn(self, conn: Any) -> None:
        pass  # nothing to keep: the engine is the far end

    def _prepare_proxy(self, conn: Any) -> None:
        pass  # never a tunnel: the engine is the far end

    def __str__(self) -> str:
        # Error messages name the pool as on the network: HTTPSConnectionPool(host=...).
        base = type(self).__mro__[2].__name__
        return f"{base}(host={self.host!r}, port={self.port!r})"  # type: ignore[attr-defined]


class EnginePool(_EngineMixin, HTTPConnectionPool):  # type: ignore[misc]
    pass


class EngineHTTPSPool(_EngineMixin, HTTPSConnectionPool):  # type: ignore[misc]
    pass


def engine_pool(app: WsgiApp, base: str) -> HTTPConnectionPool:
    """The pool answering ``base`` (scheme://host[:port]) from the engine."""
    parts = urlsplit(base)
    secure = parts.scheme == "https"
    cls = EngineHTTPSPool if secure else EnginePool
    pool = cls(parts.hostname or "localhost", parts.port or (443 if secure else 80), maxsize=8)
    pool.app = app
    pool.base = base
    return pool


_PLAIN_ADAPTER = HTTPAdapter()
_MAX_POOLS = 256


def _get_connection_with_tls_context(
    adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any
) -> Any:
    url = str(request.url)
    interceptor = _INTERCEPTION.claimant(url)
    if interceptor is not None:
        return interceptor.pool(url)
    proxies = kwargs.get("proxies", args[1] if len(args) > 1 else None)
    if _INTERCEPTION.forbids_network() and not _stays_on_loopback(url, proxies):
        # The user's responses mocks answered before this point; the network begins here.
        raise requests.ConnectionError(refusal(url), request=request)
    original = _INTERCEPTION.original(HTTPAdapter, "get_connection_with_tls_context")
    return original(adapter, request, *args, **kwargs)


def _stays_on_loopback(url: str, proxies: Any) -> bool:
    """Whether ``url``, and the proxy requests sends it through if any (which
    would go on to the URL's host), are both loopback."""
    if not url_is_loopback(url):
        return False
    proxy = select_proxy(url, proxies) if proxies else None
    if proxy is None:
        return True
    return url_is_loopback(str(prepend_scheme_if_needed(proxy, "http")))  # type: ignore[no-untyped-call]


def _cert_verify(adapter: HTTPAdapter, conn: Any, url: str, verify: Any, cert: Any) -> None:
    """requests' own check of ``verify`` and ``cert`` (an invalid path is its
    OSError, as on the network), made once per engine pool and setting. A CA
    bundle the caller names (``verify=path``, REQUESTS_CA_BUNDLE) may be
    deleted between calls: one stat per call tells what requests' two (exists,
    isdir) would. A client certificate is checked by requests every time."""
    original = _INTERCEPTION.original(HTTPAdapter, "cert_verify")
    if not isinstance(conn, _EngineMixin) or cert or not isinstance(verify, (bool, str)):
        return original(adapter, conn, url, verify, cert)  # type: ignore[no-any-return]
    https = url[:5].lower() == "https"
    kind: bool | None = None
    if https and isinstance(verify, str) and verify:
        try:
            kind = stat.S_ISDIR(os.stat(verify).st_mode)
        except (OSError, ValueError):
            return original(adapter, conn, url, verify, cert)  # type: ignore[no-any-return]
    setting = (https, verify, kind)
    if conn.checked != setting:
        original(adapter, conn, url, verify, cert)
        conn.checked = setting


def _get_adapter(session: requests.Session, url: str) -> Any:
    adapter = _INTERCEPTION.original(requests.Session, "get_adapter")(session, url)
    if not isinstance(adapter, HTTPAdapter) and _INTERCEPTION.claimant(url) is not None:
        return _PLAIN_ADAPTER
    return adapter


def _on_request(
    mock: responses.RequestsMock,
    adapter: HTTPAdapter,
    request: requests.PreparedRequest,
    **kwargs: Any,
) -> Any:
    if _INTERCEPTION.claimant(str(request.url)) is not None:
        kwargs.pop("retries", None)
        real_send: Callable[..., Any] = mock._real_send
        return real_send(adapter, request, **kwargs)
    return _INTERCEPTION.original(responses.RequestsMock, "_on_request")(
        mock, adapter, request, **kwargs
    )


_INTERCEPTION: ClientPatch[RequestsInterceptor] = ClientPatch(
    (HTTPAdapter, "get_connection_with_tls_context", _get_connection_with_tls_context),
    (HTTPAdapter, "cert_verify", _cert_verify),
    (requests.Session, "get_adapter", _get_adapter),
    (responses.RequestsMock, "_on_request", _on_request),
)


class RequestsInterceptor(Interceptor):
    def __init__(
        self,
        app: WsgiApp,
        owns: Callable[[str], bool],
        passthrough: tuple[str, ...],
        allow_network: bool = True,
    ):
        super().__init__(app, owns, passthrough, allow_network, _INTERCEPTION)
        # One engine pool per scheme://host[:port], kept across stop and start:
        # building one costs a test's first call more than the engine's answer.
        self._pools: dict[str, HTTPConnectionPool] = {}

    def pool(self, url: str) -> HTTPConnectionPool:
        scheme, rest = url.split("://", 1) if "://" in url else ("http", url)
        key = scheme.lower() + "://" + rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        pool = self._pools.get(key)
        if pool is None:
            if len(self._pools) >= _MAX_POOLS:
                self._pools = {}  # bounded: BigID deployments are hosts
            pool = self._pools.setdefault(key, engine_pool(self.app, key))
        return pool
