"""The live server: the engine on werkzeug's threaded server."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import (
    LISTEN_QUEUE,
    BaseWSGIServer,
    WSGIRequestHandler,
    get_sockaddr,
    make_server,
    select_address_family,
)

from authmock.http.app import App
from authmock.http.exchange import ConnectionFault
from authmock.http.guard import HostPolicy

# serve_forever() polls for shutdown every 0.5 s by default; this makes stop fast.
POLL_INTERVAL = 0.02
# How long a `timeout` fault stalls a connection at most (reset/stop release it).
STALL_SECONDS = 600.0


class DropConnection(ConnectionResetError):
    """Raised by :class:`SocketFaults` so werkzeug treats the request as a
    dropped connection (no 500, no log) and :class:`QuietHandler` resets it."""


class QuietHandler(WSGIRequestHandler):
    """No per-request log lines (access log, malformed requests): a server run by
    tests must not fill a pipe or a test's stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:
        pass

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        if isinstance(error, DropConnection):
            self.close_connection = True
            reset(self.connection)


def reset(sock: socket.socket) -> None:
    """Close with an RST and no response: a real "connection reset by peer".

    SO_LINGER 0 makes close() abort instead of finishing with a FIN. The fd is
    detached first: the handler's files still hold the socket, and a plain
    close() would wait for them and let the server send its FIN before."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    socket.socket(fileno=sock.detach()).close()


class SocketFaults:
    """Turns the engine's connection faults into what a socket client sees."""

    def __init__(self, app: App, hosts: HostPolicy | None = None) -> None:
        self.app = app
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.hosts is not None:
            environ["authmock.hosts"] = self.hosts  # this server's Host allow-list
        try:
            return self.app(environ, start_response)
        except ConnectionFault as fault:
            if fault.kind == "timeout":
                # Stall in this request's own thread (other requests go on) until
                # the client gives up; reset/stop release it (emulator.wake).
                self.app.emulator.wake.wait(STALL_SECONDS)
            raise DropConnection(f"authmock fault {fault.fault_id}: {fault.kind}") from None


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket. Bound here because werkzeug, binding itself, prints to
    stderr and calls ``sys.exit(1)`` when the port is taken; this raises ``OSError``."""
    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(LISTEN_QUEUE)
    except BaseException:
        sock.close()
        raise
    return sock


class LiveServer:
    def __init__(
        self, app: App, host: str = "127.0.0.1", port: int = 0, allow_hosts: Iterable[str] = ()
    ) -> None:
        """``allow_hosts``: Host names answered besides loopback, the bound
        address and the emulated APIs' (``*``: any); see docs/security.md."""
        self.app = app
        hosts = HostPolicy(allow_hosts)  # ValueError for a bad name, before binding
        listener = _listen(host, port)
        hosts.add_bound((host, str(listener.getsockname()[0])))
        try:
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                SocketFaults(app, hosts),
                threaded=True,
                request_handler=QuietHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # werkzeug serves on its own duplicate of the socket
        # Handler threads must not keep a test process alive, nor stop() wait
        # for one that is still sleeping in a fault.
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._server.block_on_close = False  # type: ignore[attr-defined]
        self.host = host
        self.port: int = self._server.port
        self._thread: threading.Thread | None = None
        # shutdown() waits for serve_forever() to end: forever, if it never began.
        self._serving = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> LiveServer:
        self._serving = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"authmock-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._serving = True
        self._server.serve_forever(poll_interval=POLL_INTERVAL)

    def stop(self) -> None:
        self.app.emulator.release()
        if self._serving:
            self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
