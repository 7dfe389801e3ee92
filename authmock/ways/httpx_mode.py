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

httpx is optional (extra ``httpx``): this module imports it, so authmock
imports this module only when httpx is installed and asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import httpx

from authmock.http.app import App
from authmock.http.exchange import ConnectionFault
from authmock.ways.interception import Interceptor
from authmock.ways.wsgi_call import build_environ, call

_PATCHED = "_transport_for_url"


def _environ(request: httpx.Request, body: bytes) -> dict[str, Any]:
    timeout = request.extensions.get("timeout") or {}
    return build_environ(
        request.method,
        str(request.url),
        request.headers.multi_items(),
        body,
        read_timeout=timeout.get("read"),
    )


def _response(result: tuple[int, list[tuple[str, str]], bytes]) -> httpx.Response:
    status, headers, body = result
    return httpx.Response(status, headers=headers, content=body)


def _client_error(fault: ConnectionFault, request: httpx.Request) -> httpx.TransportError:
    """What httpx raises for the same failure on the network."""
    if fault.kind == "timeout":
        return httpx.ReadTimeout(f"authmock: read timed out ({fault.fault_id})", request=request)
    reason = "connection refused" if fault.kind == "refused" else "connection reset by peer"
    return httpx.ConnectError(f"authmock: {reason} ({request.url})", request=request)


class AuthmockTransport(httpx.BaseTransport):
    """``httpx.BaseTransport`` answering from the engine: faults, journal and all."""

    def __init__(self, app: App) -> None:
        self._app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        environ = _environ(request, request.read())
        try:
            return _response(call(self._app, environ))
        except ConnectionFault as fault:
            raise _client_error(fault, request) from None


class AuthmockAsyncTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncBaseTransport`` answering from the engine.

    The engine is synchronous. While a fault with a ``delay`` is registered it
    runs in a worker thread, so a sleeping request never blocks the event
    loop; otherwise inline, where it takes microseconds."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        environ = _environ(request, await request.aread())
        try:
            if self._app.emulator.faults.may_sleep:
                result = await anyio.to_thread.run_sync(
                    call, self._app, environ, abandon_on_cancel=True
                )
            else:
                result = call(self._app, environ)
        except ConnectionFault as fault:
            raise _client_error(fault, request) from None
        return _response(result)


_TRANSPORTS = (AuthmockTransport, AuthmockAsyncTransport)


class HttpxInterceptor(Interceptor):
    """One mock's claim on its hosts for httpx clients (see the module docstring)."""

    def __init__(self, app: App, owns: Callable[[str], bool], passthrough: tuple[str, ...]):
        super().__init__(owns, passthrough, _INTERCEPTION)
        self.transport = AuthmockTransport(app)
        self.async_transport = AuthmockAsyncTransport(app)


class _Interception:
    """The active interceptors, newest first, and the patches that consult them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: list[HttpxInterceptor] = []
        self.originals: dict[type, Any] = {}

    def add(self, interceptor: HttpxInterceptor) -> None:
        with self.lock:
            if interceptor in self.active:
                return
            self.active.insert(0, interceptor)
            if not self.originals:
                for client, patched in (
                    (httpx.Client, _sync_for_url),
                    (httpx.AsyncClient, _async_for_url),
                ):
                    original = client.__dict__.get(_PATCHED)
                    if original is not None:
                        self.originals[client] = original
                        setattr(client, _PATCHED, patched)

    def remove(self, interceptor: HttpxInterceptor) -> None:
        with self.lock:
            if interceptor in self.active:
                self.active.remove(interceptor)
            if not self.active:
                for client, original in self.originals.items():
                    setattr(client, _PATCHED, original)
                self.originals = {}

    def route(self, client: Any, url: httpx.URL, kind: type, sync: bool) -> Any:
        # After a concurrent stop() the original is back on the class.
        original = self.originals.get(kind) or kind.__dict__[_PATCHED]
        transport = original(client, url)
        if isinstance(transport, _TRANSPORTS):
            return transport  # explicitly given: that mock's engine answers
        text = str(url)
        for interceptor in self.active:
            if interceptor.claims(text):
                return interceptor.transport if sync else interceptor.async_transport
        return transport


_INTERCEPTION = _Interception()


def _sync_for_url(client: httpx.Client, url: httpx.URL) -> httpx.BaseTransport:
    transport: httpx.BaseTransport = _INTERCEPTION.route(client, url, httpx.Client, True)
    return transport


def _async_for_url(client: httpx.AsyncClient, url: httpx.URL) -> httpx.AsyncBaseTransport:
    transport: httpx.AsyncBaseTransport = _INTERCEPTION.route(client, url, httpx.AsyncClient, False)
    return transport
