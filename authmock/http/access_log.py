"""One line per request on a stream (``authmock serve`` writes them to stderr).

``POST /api/v1/auth/refresh 401 1.4ms fault=fault-1 reason=expired``: the
method, the path as the client sent it (never the query: it may hold
credentials), the status (``reset``, ``timeout`` or ``refused`` for a
dropped connection; ``dropped`` on granian, which aborts the response
instead), the time the engine took, and the journal's fault id and reason
when the call has them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from authmock.http.exchange import ConnectionFault

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Where the engine leaves the journal entry of the call it answered.
CALL_KEY = "authmock.call"


class AccessLog:
    def __init__(self, app: WsgiApp, stream: TextIO) -> None:
        self.app = app
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "-")
        path = environ.get("PATH_INFO") or "/"  # before the engine strips a prefix
        status: list[str] = []

        def start(line: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            status[:] = [line.partition(" ")[0]]
            # Granian's start_response takes no exc_info argument unless one is given.
            return start_response(line, headers, *exc_info)

        try:
            body = self.app(environ, start)
        except ConnectionFault as fault:
            self._write(environ, method, path, fault.kind, started)
            raise
        except ConnectionResetError as dropped:
            # The server's socket faults: "authmock fault fault-1: reset".
            kind = str(dropped).rpartition(": ")[2] or "reset"
            self._write(environ, method, path, kind, started)
            raise
        call = environ.get(CALL_KEY)
        if call is not None and call.status == 0:
            # A connection fault that the server shows as an aborted response (granian).
            status = ["dropped"]
        self._write(environ, method, path, status[0] if status else "-", started)
        return body

    def _write(
        self, environ: dict[str, Any], method: str, path: str, status: str, started: float
    ) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        line = f"{method} {path} {status} {elapsed:.1f}ms"
        call = environ.get(CALL_KEY)
        if call is not None:
            if call.fault:
                line += f" fault={call.fault}"
            reason = getattr(call, "reason", None)
            if reason:
                line += f" reason={reason}"
        with self._lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass  # a closed stderr must not break serving
