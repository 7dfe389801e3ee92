"""In-process interception for ``requests``, below the mounted adapter.

A request to one of authmock's hosts goes through the adapter the session has
mounted for its URL, exactly as on the network: its ``send`` (logging or auth
subclasses included) and urllib3's ``urlopen`` with the adapter's
``max_retries`` (status retries, ``Retry-After``, backoff, connect and read
retries, ``RetryError``/``ConnectionError``/``ReadTimeout`` at the end). Only
the connection pool is replaced: ``HTTPAdapter.get_connection_with_tls_context``
hands an :class:`EnginePool`, whose ``_make_request`` asks the engine instead
of a socket, so every attempt is answered (and journaled) by the engine.

``responses`` patches ``HTTPAdapter.send``; while authmock is active its
``RequestsMock._on_request`` sends authmock's URLs on to the real ``send``
(and so to the engine), whichever of the two was activated first. Every other
URL is left to the user's ``responses`` registrations or the network. A
mounted adapter that is not an ``HTTPAdapter`` never reaches urllib3: for
authmock's URLs it is swapped for a plain ``HTTPAdapter``.
"""

from __future__ import annotations

import http.client
import io
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPResponse, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError, ReadTimeoutError
from urllib3.util.timeout import Timeout

from authmock.http.exchange import ConnectionFault
from authmock.ways.interception import ClientPatch, Interceptor
from authmock.ways.network import refusal, url_is_loopback
from authmock.ways.wsgi_call import WsgiApp, build_environ, call


def _body_bytes(body: Any) -> bytes:
    """What urllib3 would put on the wire: bytes, str, a file or an iterable of chunks."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)


def _read_timeout(timeout: Any) -> float | None:
    value = timeout.read_timeout if isinstance(timeout, Timeout) else timeout
    return float(value) if isinstance(value, (int, float)) else None


class _Original:
    """The http.client response urllib3 wraps, as far as urllib3 and requests read
    it: ``msg`` (requests takes cookies from it, built on first use) and
    ``isclosed``/``close``."""

    __slots__ = ("_closed", "_headers", "_msg")

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self._headers = headers
        self._msg: http.client.HTTPMessage | None = None
        self._closed = False

    @property
    def msg(self) -> http.client.HTTPMessage:
        if self._msg is None:
            message = http.client.HTTPMessage()
            # What message[name] = value stores under the default (compat32)
            # policy, without its per-header parsing: requests reads it on every
            # response for cookies.
            message._headers = list(self._headers)  # type: ignore[attr-defined]
            self._msg = message
        return self._msg

    def isclosed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True


class _Connection:
    """What urlopen and the response hold of a connection: never a socket, so
    each request takes a fresh one instead of a pooled ``HTTPConnection``."""

    __slots__ = ("timeout",)
    proxy = None
    sock = None
    is_closed = False
    is_connected = False
    has_connected_to_proxy = False

    def __init__(self) -> None:
        self.timeout: Any = None

    def close(self) -> None:
        pass


class _Failures:
    """The errors urllib3's socket code raises, for :class:`authmock.effects.Connection`."""

    def __init__(
        self, pool: Any, conn: Any, url: str, read_timeout: float | None, where: str
    ) -> None:
        self.pool = pool
        self.conn = conn
        self.url = url
        self.read_timeout = read_timeout
        self.where = where

    def timeout(self) -> Exception:
        return ReadTimeoutError(
            self.pool,
            self.url,
            f"Read timed out. (read timeout={self.read_timeout}) ({self.where})",
        )

    def reset(self) -> Exception:
        return ConnectionResetError(104, f"Connection reset by peer ({self.where})")

    def refused(self) -> Exception:
        return NewConnectionError(
            self.conn,
            f"Failed to establish a new connection: connection refused ({self.where})",
        )


class _EngineMixin:
    """``_make_request`` of a urllib3 pool, answered by the engine."""

    app: WsgiApp
    target: str  # the request's full URL (urllib3 may only have its path)

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
        read_timeout = _read_timeout(timeout)
        environ = build_environ(
            method, self.target, (headers or {}).items(), _body_bytes(body), read_timeout
        )
        try:
            status, header_list, data = call(self.app, environ)
        except ConnectionFault as fault:
            # What the socket would raise; urlopen turns it into a retry or the error.
            failures = _Failures(self, conn, url, read_timeout, fault.source())
            raise fault.connection.on_client(failures) from None
        original = _Original(header_list)
        response = HTTPResponse(
            body=io.BytesIO(data),
            headers=header_list,  # type: ignore[arg-type]
            status=status,
            reason=http.client.responses.get(status),
            preload_content=preload_content,
            decode_content=decode_content,
            original_response=original,  # type: ignore[arg-type]
            pool=self,  # type: ignore[arg-type]
            connection=response_conn,
            retries=retries,
            enforce_content_length=enforce_content_length,
            request_method=method,
            request_url=self.target,
        )
        return response

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _Connection()

    def _put_conn(self, conn: Any) -> None:
        pass  # nothing to keep: the engine is the far end

    def _prepare_proxy(self, conn: Any) -> None:
        pass  # never a tunnel: the engine is the far end

    def __str__(self) -> str:
        # Error messages name the pool as on the network: HTTPSConnectionPool(host=...).
        base = type(self).__mro__[2].__name__
        return f"{base}(host={self.host!r}, port={self.port!r})"  # type: ignore[attr-defined]


class EnginePool(_EngineMixin, HTTPConnectionPool):
    pass


class EngineHTTPSPool(_EngineMixin, HTTPSConnectionPool):
    pass


def engine_pool(app: WsgiApp, url: str) -> HTTPConnectionPool:
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    cls = EngineHTTPSPool if secure else EnginePool
    pool = cls(parts.hostname or "localhost", parts.port or (443 if secure else 80), maxsize=8)
    pool.app = app
    pool.target = url
    return pool


def _for_request(pool: HTTPConnectionPool, url: str) -> HTTPConnectionPool:
    """A shallow copy of a cached pool carrying this request's URL: building a
    urllib3 pool costs more than the engine's answer, while the copy shares
    the pool's (thread-safe) connection queue and costs a dict copy."""
    twin = object.__new__(type(pool))
    twin.__dict__.update(pool.__dict__)
    twin.target = url  # type: ignore[attr-defined]
    return twin


_PLAIN_ADAPTER = HTTPAdapter()


def _get_connection_with_tls_context(
    adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any
) -> Any:
    url = str(request.url)
    interceptor = _INTERCEPTION.claimant(url)
    if interceptor is not None:
        return interceptor.pool(url)
    if _INTERCEPTION.forbids_network() and not url_is_loopback(url):
        # The user's responses mocks answered before this point; the network begins here.
        raise requests.ConnectionError(refusal(url), request=request)
    original = _INTERCEPTION.original(HTTPAdapter, "get_connection_with_tls_context")
    return original(adapter, request, *args, **kwargs)


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
        # One engine pool per scheme://host[:port] while active (dropped on stop).
        self._pools: dict[str, HTTPConnectionPool] = {}

    def pool(self, url: str) -> HTTPConnectionPool:
        scheme, rest = url.split("://", 1) if "://" in url else ("http", url)
        key = scheme.lower() + "://" + rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        cached = self._pools.get(key)
        if cached is None:
            cached = self._pools.setdefault(key, engine_pool(self.app, url))
        return _for_request(cached, url)

    def stop(self) -> None:
        super().stop()
        self._pools = {}
