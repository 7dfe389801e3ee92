"""In-process interception for ``requests``, built on ``responses``.

Two active ``responses.RequestsMock`` objects do not chain (the inner one
refuses hosts it does not know), so authmock does not register itself as one.
Instead ``Session.get_adapter`` hands URLs of authmock's hosts to an adapter of
its own, whose responses are built by a ``responses.CallbackResponse``; every
other URL gets the usual adapter, and with it the user's own ``responses``
registrations, whichever was activated first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import requests
import responses
from requests.adapters import HTTPAdapter

from authmock.http.exchange import ConnectionFault
from authmock.ways.interception import Interceptor
from authmock.ways.wsgi_call import WsgiApp, build_environ, call


class AuthmockAdapter(HTTPAdapter):
    """Answers from the engine instead of the network."""

    def __init__(self, app: WsgiApp) -> None:
        super().__init__()
        self._app = app
        self._response = responses.CallbackResponse(
            method="GET", url=re.compile(".*"), callback=self._callback, content_type=None
        )

    def _callback(
        self, request: requests.PreparedRequest
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        raw: Any = request.body
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        elif raw is not None and not isinstance(raw, bytes):
            raw = b"".join(raw)  # a generator or file-like upload
        body: bytes | None = raw
        environ = build_environ(
            str(request.method),
            str(request.url),
            request.headers.items(),
            body,
            read_timeout=getattr(request, "authmock_read_timeout", None),
        )
        return call(self._app, environ)

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        # For the engine: a fault's delay longer than this times out, as on the network.
        request.authmock_read_timeout = read_timeout_of(timeout)  # type: ignore[attr-defined]
        try:
            return self.build_response(request, self._response.get_response(request))
        except ConnectionFault as fault:
            if fault.kind == "timeout":
                raise requests.ReadTimeout(
                    f"authmock: read timed out ({fault.fault_id})", request=request
                ) from None
            reason = "connection refused" if fault.kind == "refused" else "connection reset by peer"
            raise requests.ConnectionError(
                f"authmock: {reason} ({request.url})", request=request
            ) from None


def read_timeout_of(timeout: Any) -> float | None:
    """The read timeout in a requests ``timeout``: a number, (connect, read) or
    a urllib3 ``Timeout``."""
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else None
    else:
        timeout = getattr(timeout, "read_timeout", timeout)
    return float(timeout) if isinstance(timeout, (int, float)) else None


class _Interception:
    """The active interceptors, newest first, and the one ``get_adapter`` patch."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: list[RequestsInterceptor] = []
        self.original: Callable[..., Any] | None = None

    def add(self, interceptor: RequestsInterceptor) -> None:
        with self.lock:
            if interceptor in self.active:
                return
            self.active.insert(0, interceptor)
            if self.original is None:
                self.original = requests.Session.get_adapter
                requests.Session.get_adapter = _get_adapter  # type: ignore[method-assign,assignment]

    def remove(self, interceptor: RequestsInterceptor) -> None:
        with self.lock:
            if interceptor in self.active:
                self.active.remove(interceptor)
            if not self.active and self.original is not None:
                requests.Session.get_adapter = self.original  # type: ignore[method-assign]
                self.original = None


_INTERCEPTION = _Interception()


def _get_adapter(session: requests.Session, url: str) -> Any:
    for interceptor in _INTERCEPTION.active:
        if interceptor.claims(url):
            return interceptor.adapter
    original = _INTERCEPTION.original
    assert original is not None
    return original(session, url)


class RequestsInterceptor(Interceptor):
    def __init__(self, app: WsgiApp, owns: Callable[[str], bool], passthrough: tuple[str, ...]):
        super().__init__(owns, passthrough, _INTERCEPTION)
        self.adapter = AuthmockAdapter(app)
