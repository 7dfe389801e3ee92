"""``authmock serve --server granian``: the same engine on granian (the ``granian`` extra).

One process, granian's Rust HTTP stack in front, a pool of ``threads`` Python
threads running the WSGI app. Granian owns the sockets, so socket faults get
the closest behaviour it allows (docs/servers.md has the table):

- ``reset``: an aborted response, not an RST: the connection closes after
  nothing or after the head of a ``502`` promising one byte (granian decides
  which; it varies per request);
- ``timeout``: the request stalls in its thread as on werkzeug (a stalled
  request holds one of the ``threads``), then ends the same aborted way;
- ``refused`` (an unknown BigID host): as ``reset``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from authmock.http.access_log import AccessLog
from authmock.http.app import App
from authmock.http.exchange import ConnectionFault
from authmock.http.guard import HostPolicy
from authmock.ways.server import SocketFaults, base_url
from authmock.ways.tls import LocalTls

# The engine is CPU-bound Python under one GIL: more threads only take turns (and
# time slices) from each other. Under wrk on 2 cores, 4 had a p99 about 1.5x
# lower than 8 at the same req/s; more than 1 so that a stalled `timeout`
# request leaves others served. Backpressure stays granian's default (the
# backlog, 1024): it caps connections, not requests, so a lower one would
# leave kept-alive connections past it unaccepted.
DEFAULT_THREADS = 4


# Where to probe a server bound to every address: its loopback.
_WILDCARD_PROBE = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


class FaultAborted(Exception):
    """Raised mid-response so granian aborts the connection after the head."""


class GranianFaults(SocketFaults):
    """The engine's connection faults as granian can show them: an aborted response."""

    def drop(self, fault: ConnectionFault, start_response: Any) -> Any:
        start_response("502 Bad Gateway", [("Content-Length", "1")])
        return _Aborted(f"authmock fault {fault.fault_id}: {fault.kind}")


class _Aborted:
    """A body whose first chunk fails: granian has sent the head by then."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        raise FaultAborted(self.reason)


def _granian() -> Any:
    try:
        from granian.constants import HTTPModes, Interfaces
        from granian.http import HTTP1Settings
        from granian.server.common import AbstractServer
        from granian.server.mt import MTServer
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("granian"):
            raise
        raise ImportError(
            "--server granian needs granian: pip install 'authmock[granian]'"
        ) from None

    class OneProcess(MTServer):
        """Granian's threaded server in this process, with the GIL: its worker is a
        thread, so the engine (and its state) is this process's."""

        def _check_gil(self) -> None:
            pass  # free-threading is faster, not required

        def serve(self, *args: Any, **kwargs: Any) -> None:
            AbstractServer.serve(self, *args, **kwargs)  # skips the free-threading warning

    return OneProcess, Interfaces, HTTPModes, HTTP1Settings


def free_port(host: str, port: int) -> int:
    """The port to give granian (it binds by itself): ``port``, or a free one for 0.
    OSError when it cannot be bound, so a taken port is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return int(probe.getsockname()[1])


class GranianServer:
    """What the CLI needs of a server (as :class:`~authmock.ways.server.LiveServer`),
    on granian. The port is taken when :meth:`serve_forever` starts granian."""

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = DEFAULT_THREADS,
        header_timeout: float = 10.0,
        tls: bool = False,
        tls_dir: str | os.PathLike[str] | None = None,
        after_request: Callable[[dict[str, Any]], None] | None = None,
        allow_hosts: Iterable[str] = (),
        log: TextIO | None = None,
    ) -> None:
        self._granian = _granian()  # ImportError naming the extra, before anything else
        # ValueError for a bad name; the bound address as given (granian binds it).
        hosts = HostPolicy(allow_hosts, bound=(host,))
        self.app: Any = GranianFaults(app, after_request, hosts)
        if log is not None:
            self.app = AccessLog(self.app, log)
        self._emulator = app.emulator
        self.host = host
        self.port = free_port(host, port)
        self.threads = threads
        self.header_timeout = header_timeout
        self.tls = LocalTls(host, tls_dir) if tls else None
        self.ca_path = self.tls.ca_path if self.tls else None

    @property
    def url(self) -> str:
        return base_url("https" if self.tls else "http", self.host, self.port)

    def serve_forever(self, ready: Callable[[], None] | None = None) -> None:
        """Serve until SIGINT/SIGTERM (granian installs the handlers); ``ready`` runs
        once the port is listening."""
        one_process, interfaces, http_modes, http1_settings = self._granian
        ssl: dict[str, Any] = {}
        if self.tls is not None:
            cert, key = self.tls.server_files()
            ssl = {"ssl_cert": Path(cert), "ssl_key": Path(key)}
        server = one_process(
            "authmock",
            address=self.host,
            port=self.port,
            interface=interfaces.WSGI,
            workers=1,
            blocking_threads=self.threads,
            http=http_modes.http1,
            http1_settings=http1_settings(
                header_read_timeout=max(1, int(self.header_timeout * 1000))
            ),
            websockets=False,
            log_enabled=False,
            **ssl,
        )
        if ready is not None:
            # Granian's worker binds the port after the startup hooks: announce once a
            # connection gets through.
            server.on_startup(
                lambda: threading.Thread(
                    target=self._when_listening, args=(ready,), daemon=True
                ).start()
            )
        server.serve(target_loader=lambda *args, **kwargs: self.app, wrap_loader=False)

    def _when_listening(self, ready: Callable[[], None]) -> None:
        host = _WILDCARD_PROBE.get(self.host, self.host)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.02)
        ready()

    def stop(self) -> None:
        self._emulator.release()
        if self.tls is not None:
            self.tls.close()
