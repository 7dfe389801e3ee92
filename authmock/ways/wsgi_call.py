"""Calling the engine in-process: a request becomes a WSGI environ, and the
engine's answer (or its :class:`ConnectionFault`) comes back to the caller."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from authmock.http.app import App
from authmock.http.exchange import IN_PROCESS, environ_key
from authmock.journal import HEADER_BYTES

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# What every in-process environ holds (copied, then filled in per request).
_BASE: dict[str, Any] = {
    "SCRIPT_NAME": "",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    IN_PROCESS: True,
}
# A test calls the same few URLs over and over: parsing each once saves a good
# share of an in-process call. Bounded (URLs carry ids).
_CACHE_SIZE = 2048
_URLS: dict[str, dict[str, Any]] = {}


def _url_environ(url: str) -> dict[str, Any]:
    """The environ of a request to ``url`` before its method, headers and body:
    _BASE and the keys the URL decides (path, query, server, scheme, Host)."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    return {
        **_BASE,
        # WSGI carries the path as latin-1-decoded bytes, like a real server.
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if secure else 80)),
        "HTTP_HOST": parts.netloc,
        "wsgi.url_scheme": parts.scheme or "http",
    }


def _text(header: str | bytes) -> str:
    return header.decode("latin-1") if isinstance(header, bytes) else header


def build_environ(
    method: str,
    url: str,
    headers: Iterable[tuple[str | bytes, str | bytes]],
    body: bytes | None,
    read_timeout: float | None = None,
) -> dict[str, Any]:
    """The environ of one in-process request. ``read_timeout`` is the client's
    (None: waits forever): a fault's ``delay`` longer than it times out."""
    from_url = _URLS.get(url)
    if from_url is None:
        from_url = _url_environ(url)
        if len(_URLS) >= _CACHE_SIZE:
            _URLS.clear()
        _URLS[url] = from_url
    body = body or b""
    environ = from_url.copy()
    environ["REQUEST_METHOD"] = method.upper()
    environ["wsgi.input"] = io.BytesIO(body)
    # The body is already in memory: the engine need not read the stream.
    environ["authmock.body"] = body
    environ["authmock.read_timeout"] = read_timeout
    size = 0
    for name, value in headers:
        if type(value) is not str or type(name) is not str:
            # httpx hands its headers' bytes, requests a bytes name or value
            # as the caller gave it; a server reads header bytes as latin-1
            # (WSGI), and so does the engine, for every way in.
            name, value = _text(name), _text(value)
        environ[environ_key(name)] = value
        size += len(name) + len(value)
    environ[HEADER_BYTES] = size
    if body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call(app: WsgiApp, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the WSGI app; :class:`ConnectionFault` propagates to the caller.
    The engine's own app is asked for its answer without the WSGI round trip."""
    answer = app.answer if isinstance(app, App) else None
    if answer is not None:
        status, headers, chunks = answer(environ)
    else:
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> None:
            started[:] = [status, headers]

        chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    if answer is not None:
        return status, headers, body
    return int(started[0].split(" ", 1)[0]), started[1], body
