"""Calling the engine in-process: a request becomes a WSGI environ, and the
engine's answer (or its :class:`ConnectionFault`) comes back to the caller."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from authmock.http.exchange import IN_PROCESS

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SPECIAL = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def build_environ(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
    read_timeout: float | None = None,
) -> dict[str, Any]:
    """The environ of one in-process request. ``read_timeout`` is the client's
    (None: waits forever): a fault's ``delay`` longer than it times out."""
    parts = urlsplit(url)
    body = body or b""
    secure = parts.scheme == "https"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        # WSGI carries the path as latin-1-decoded bytes, like a real server.
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if secure else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        # The body is already in memory: the engine need not read the stream.
        "authmock.body": body,
        IN_PROCESS: True,
        "authmock.read_timeout": read_timeout,
    }
    for name, value in headers:
        lowered = name.lower()
        key = _SPECIAL.get(lowered) or "HTTP_" + lowered.upper().replace("-", "_")
        environ[key] = value
    if body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call(app: WsgiApp, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the WSGI app; :class:`ConnectionFault` propagates to the caller."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started[:] = [status, headers]

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(started[0].split(" ", 1)[0]), started[1], body
