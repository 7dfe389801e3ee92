"""In-process ``httpx``: transports into the engine, and interception of
authmock's hosts for clients created while a mock is active.

Explicit use, any host (the engine dispatches by host, as for requests)::

    httpx.Client(transport=mock.httpx_transport())
    httpx.AsyncClient(transport=mock.httpx_async_transport())

Interception, the choice made here: while an ``AuthMock`` is active, every
``httpx.Client``/``AsyncClient`` (including ``httpx.get()`` and clients built
inside the code under test) sends URLs of authmock's hosts to the engine, and
every other URL to the transport it would have used anyway (its own
transport, mounts, proxies, respx, ``MockTransport``). This is the requests
mode's ``Session.get_adapter`` patch, applied to httpx's one per-URL transport
selection, ``_transport_for_url``: one method on each client class, patched
when the first mock starts and restored when the last one stops. It is a
private httpx method (stable since 0.18); should it disappear, interception is
skipped and the explicit transports above still work. A client given an
authmock transport explicitly keeps it. ``passthrough`` prefixes are honoured.

The replaced transport's ``retries`` (``httpx.HTTPTransport(retries=N)``)
still apply: httpcore retries connect errors (a deployment that does not
exist), with its backoff (0 s, 0.5 s, 1 s, ...), and so does the engine
transport standing in for it. A ``reset`` happens after the request was sent,
so, as over the network, it is not retried.

httpx is optional (extra ``httpx``): this module imports it, so authmock
imports this module only when httpx is installed and asked for.
"""

from __future__ import annotations

import contextvars
import errno
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import httpcore
import httpx

from authmock.http.app import App
from authmock.http.exchange import ConnectionFault
from authmock.loopback import is_loopback
from authmock.ways.interception import ClientPatch, Interceptor
from authmock.ways.network import refusal, url_is_loopback
from authmock.ways.wsgi_call import build_environ, call

_PATCHED = "_transport_for_url"


def _environ(request: httpx.Request, body: bytes) -> dict[str, Any]:
    timeout = request.extensions.get("timeout") or {}
    # The header bytes as sent: build_environ reads them as a server does.
    return build_environ(
        request.method,
        str(request.url),
        request.headers.raw,
        body,
        read_timeout=timeout.get("read"),
    )


def _response(result: tuple[int, list[tuple[str, str]], bytes]) -> httpx.Response:
    status, headers, body = result
    return httpx.Response(status, headers=headers, content=body)


class _Failures:
    """What httpx raises for a failed connection, for :class:`authmock.effects.Connection`:
    the class, message and chain httpx gives for the same failure on a socket
    (httpx's error caused by httpcore's, over the socket's ``OSError``), with
    authmock's fault (or missing deployment) named."""

    def __init__(self, fault: ConnectionFault, request: httpx.Request, sync: bool) -> None:
        self.fault = fault
        self.request = request
        self.sync = sync
        # Only a refusal fails before a connection exists (a connect error
        # httpcore retries). A reset comes after the request was sent: over the
        # network httpcore does not retry it (ReadError).
        self.before_connect = False

    def _error(
        self, kind: type[httpx.TransportError], core: type[Exception], cause: OSError
    ) -> httpx.TransportError:
        # As httpcore's pool re-raises its error: the OSError is its suppressed context.
        inner = core(cause)
        inner.__context__ = cause
        inner.__suppress_context__ = True
        error = kind(str(inner), request=self.request)
        error.__cause__ = inner
        return error

    def timeout(self) -> httpx.TransportError:
        cause = TimeoutError(f"timed out ({self.fault.source()})")
        return self._error(httpx.ReadTimeout, httpcore.ReadTimeout, cause)

    def reset(self) -> httpx.TransportError:
        reason = f"Connection reset by peer ({self.fault.source()})"
        cause = ConnectionResetError(errno.ECONNRESET, reason)
        return self._error(httpx.ReadError, httpcore.ReadError, cause)

    def refused(self) -> httpx.TransportError:
        self.before_connect = True
        source = self.fault.source()
        if self.sync:
            cause = ConnectionRefusedError(errno.ECONNREFUSED, f"Connection refused ({source})")
            return self._error(httpx.ConnectError, httpcore.ConnectError, cause)
        # anyio tries each address and raises one OSError caused by the first
        # address's error, which asyncio words "Connect call failed (host, port)".
        url = self.request.url
        address = (url.host, url.port or (443 if url.scheme == "https" else 80))
        failed = OSError(f"All connection attempts failed ({source})")
        failed.__cause__ = ConnectionRefusedError(
            errno.ECONNREFUSED, f"Connect call failed {address}"
        )
        return self._error(httpx.ConnectError, httpcore.ConnectError, failed)


def _client_error(
    fault: ConnectionFault, request: httpx.Request, sync: bool
) -> tuple[Exception, bool]:
    """What httpx raises for the same failure on the network, and whether
    it failed before connecting (so a transport's ``retries`` retry it)."""
    failures = _Failures(fault, request, sync)
    error = fault.connection.on_client(failures)
    return error, failures.before_connect


def _backoff(retries: int) -> Iterator[float]:
    """httpcore's delays before each connect retry: 0, then 0.5 s doubling."""
    for attempt in range(retries):
        yield 0.0 if attempt == 0 else 0.5 * 2 ** (attempt - 1)


def _retries_of(transport: Any) -> int:
    """``retries`` of an httpx.HTTPTransport (its httpcore pool's)."""
    retries = getattr(getattr(transport, "_pool", None), "_retries", 0)
    return retries if isinstance(retries, int) else 0


class AuthmockTransport(httpx.BaseTransport):
    """``httpx.BaseTransport`` answering from the engine: faults, journal and all.
    ``retries`` retries connect errors, as ``httpx.HTTPTransport(retries=...)``."""

    def __init__(self, app: App, retries: int = 0) -> None:
        self._app = app
        self._retries = retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        delays = _backoff(self._retries)
        while True:
            try:
                return _response(call(self._app, _environ(request, body)))
            except ConnectionFault as caught:
                fault = caught
            # Outside the except block: the engine's ConnectionFault is no part
            # of the chain, which is httpx's and the socket's as on the network.
            error, before_connect = _client_error(fault, request, sync=True)
            delay = next(delays, None) if before_connect else None
            if delay is None:
                raise error from error.__cause__
            time.sleep(delay)


class AuthmockAsyncTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncBaseTransport`` answering from the engine.

    The engine is synchronous. While a fault with a ``delay`` is registered it
    runs in a worker thread, so a sleeping request never blocks the event
    loop; otherwise inline, where it takes microseconds."""

    def __init__(self, app: App, retries: int = 0) -> None:
        self._app = app
        self._retries = retries

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        delays = _backoff(self._retries)
        while True:
            environ = _environ(request, body)
            try:
                if self._app.emulator.faults.may_sleep:
                    result = await anyio.to_thread.run_sync(
                        call, self._app, environ, abandon_on_cancel=True
                    )
                else:
                    result = call(self._app, environ)
                return _response(result)
            except ConnectionFault as caught:
                fault = caught
            error, before_connect = _client_error(fault, request, sync=False)  # as above
            delay = next(delays, None) if before_connect else None
            if delay is None:
                raise error from error.__cause__
            await anyio.sleep(delay)


_TRANSPORTS = (AuthmockTransport, AuthmockAsyncTransport)


class HttpxInterceptor(Interceptor):
    """One mock's claim on its hosts for httpx clients (see the module docstring)."""

    app: App

    def __init__(
        self,
        app: App,
        owns: Callable[[str], bool],
        passthrough: tuple[str, ...],
        allow_network: bool = True,
    ):
        super().__init__(app, owns, passthrough, allow_network, _INTERCEPTION)
        self.transport = AuthmockTransport(app)
        self.async_transport = AuthmockAsyncTransport(app)

    def standing_in_for(self, transport: Any, sync: bool) -> Any:
        """The engine transport replacing ``transport``, with its connect retries."""
        retries = _retries_of(transport)
        if not retries:
            return self.transport if sync else self.async_transport
        return (AuthmockTransport if sync else AuthmockAsyncTransport)(self.app, retries)


# The URL an httpx client is sending, as its transport was chosen.
_URL: contextvars.ContextVar[str | None] = contextvars.ContextVar("authmock_url", default=None)


def _sync_connect(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
    original = _connect(httpcore.SyncBackend, host)
    return original(self, host, port, *args, **kwargs)


async def _async_connect(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
    original = _connect(httpcore.AnyIOBackend, host)
    return await original(self, host, port, *args, **kwargs)


def _sync_for_url(client: httpx.Client, url: httpx.URL) -> httpx.BaseTransport:
    transport: httpx.BaseTransport = _route(client, url, httpx.Client, True)
    return transport


def _async_for_url(client: httpx.AsyncClient, url: httpx.URL) -> httpx.AsyncBaseTransport:
    transport: httpx.AsyncBaseTransport = _route(client, url, httpx.AsyncClient, False)
    return transport


def _route(client: Any, url: httpx.URL, kind: type, sync: bool) -> Any:
    transport = _INTERCEPTION.original(kind, _PATCHED)(client, url)
    if isinstance(transport, _TRANSPORTS):
        return transport  # explicitly given: that mock's engine answers
    text = str(url)
    interceptor = _INTERCEPTION.claimant(text)
    if interceptor is not None:
        return interceptor.standing_in_for(transport, sync)
    _URL.set(text)  # for the refusal message, should the request reach a connect
    return transport


def _connect(backend: type, host: str) -> Any:
    url = _URL.get()
    # ``host`` is a proxy's when the client has one, and the proxy would go on to
    # the URL's host: both must be loopback.
    if _INTERCEPTION.forbids_network() and not (
        is_loopback(host) and (url is None or url_is_loopback(url))
    ):
        raise httpcore.ConnectError(refusal(url or host))
    return _INTERCEPTION.original(backend, "connect_tcp")


# Patched in: httpx's per-URL transport choice, and where httpcore opens real
# sockets (respx and MockTransport answer before that).
_INTERCEPTION: ClientPatch[HttpxInterceptor] = ClientPatch(
    (httpx.Client, _PATCHED, _sync_for_url),
    (httpx.AsyncClient, _PATCHED, _async_for_url),
    (httpcore.SyncBackend, "connect_tcp", _sync_connect),
    (httpcore.AnyIOBackend, "connect_tcp", _async_connect),
)
