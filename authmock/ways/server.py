"""The live server: the engine on werkzeug's threaded server, with keep-alive.

Werkzeug's own handler ends every response with ``Connection: close``, so each
request pays a TCP handshake and a new thread. :class:`KeepAliveHandler`
keeps HTTP/1.1 connections open (one thread per connection), writes each
response in one ``send``, and bounds the time a client may take to send its
request line and headers (``header_timeout``): a slow or idle client cannot
hold a thread for longer than that. With a TLS context the handshake runs in
the connection's own thread under the same deadline, never in the accept loop.

Under load, a hundred connection threads taking turns at one GIL starve some
of them (the p99 was 40 times the median); :class:`LiveServer` lets only
``GATE_SLOTS`` requests at a time past a first-come, first-served
:class:`~authmock.ways.gate.FairGate`, from the request line's arrival to the
response's bytes being ready. A request gives its slot back while it waits: for
the client (a read that would block) or in a fault's ``delay`` or stall.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, TextIO

from werkzeug.serving import (
    LISTEN_QUEUE,
    DechunkedInput,
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_sockaddr,
    select_address_family,
)

from authmock.http.access_log import AccessLog
from authmock.http.app import App
from authmock.http.exchange import WAITING, ConnectionFault
from authmock.http.framing import ChunkedBody
from authmock.http.guard import HostPolicy
from authmock.ways.gate import FairGate

if TYPE_CHECKING:
    from authmock.ways.tls import LocalTls

# serve_forever() polls for shutdown every 0.5 s by default; this makes stop fast.
POLL_INTERVAL = 0.02
# How long a `timeout` fault stalls a connection at most (reset/stop release it).
STALL_SECONDS = 600.0
# Seconds a client has to send a request line and headers (and to finish a TLS
# handshake); also how long an idle keep-alive connection stays open.
HEADER_TIMEOUT = 10.0
# An unread request body up to this size is read and dropped so the connection
# can carry the next request; a larger one closes the connection instead.
DRAIN_LIMIT = 2 * 1024 * 1024
# Connections the kernel queues before accept(): a burst of clients connecting at
# once (a load test's 100) must not have SYNs dropped and retried a second later.
BACKLOG = 1024
# Requests of a LiveServer past its gate at once. One GIL runs them and a
# request holds its slot only while it computes (never while it waits), so one
# keeps the GIL busy: under wrk on 2 cores, 1 slot had the req/s of no gate and
# a p99 of 30-110 ms (no gate: 0.8-1.2 s); 2 and 3 slots lost a third of the
# req/s, 4 had a p99 of 175 ms.
GATE_SLOTS = 1
# Seconds a request waits for a slot before it goes in anyway (a holder that
# blocks without giving its slot back must slow the server, not stop it).
GATE_PATIENCE = 1.0
_DROPPED = (ConnectionError, TimeoutError)


# How many young collections a full one waits for once the heap is settled (CPython's
# default is 10): cyclic garbage is collected young, so the old generation is
# mostly the journal, which is freed by reference counting.
FULL_COLLECTION_EVERY = 100


def settle_heap() -> None:
    """For a process that does nothing but serve (``authmock serve``), once the
    engine is built: keep what exists now (modules, seed data, ~45,000 objects)
    out of the cyclic garbage collector's scans, and make full collections rare.

    A full collection holds the GIL, so it stops every request thread at once:
    over the imports it took 40-100 ms of CPU on a 2-core machine under load,
    every couple of seconds, and that pause was the server's p99. Young
    collections (the per-request reference cycles) go on as before, and frozen
    objects are still freed by reference counting; only a frozen cycle that
    becomes garbage (parts of the first state, after a reset) stays."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def _print_traceback(error: BaseException) -> None:
    """An unexpected error of a request, on stderr as werkzeug's own server prints it."""
    from werkzeug.debug.tbtools import DebugTraceback

    print(DebugTraceback(error).render_traceback_text(), file=sys.stderr)


def base_url(scheme: str, host: str, port: int) -> str:
    """``scheme://host:port`` of a server bound to ``host`` (an IPv6 address bracketed)."""
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class DropConnection(ConnectionResetError):
    """Raised by :class:`SocketFaults` so the handler treats the request as a
    dropped connection (no 500, no log) and resets it."""


def reset(sock: socket.socket) -> None:
    """Close with an RST and no response: a real "connection reset by peer".

    SO_LINGER 0 makes close() abort instead of finishing with a FIN. The fd is
    detached first: the handler's files still hold the socket, and a plain
    close() would wait for them and let the server send its FIN before."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        fd = sock.detach()
    except OSError:
        return  # already gone
    socket.socket(fileno=fd).close()


class SocketFaults:
    """Turns the engine's connection faults into what a socket client sees."""

    def __init__(
        self,
        app: App,
        after_request: Callable[[dict[str, Any]], None] | None,
        hosts: HostPolicy | None = None,
    ) -> None:
        self.app = app
        self.after_request = after_request
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.hosts is not None:
            environ["authmock.hosts"] = self.hosts  # this server's Host allow-list
        try:
            return self.app(environ, start_response)
        except ConnectionFault as fault:
            # The failure says what to do with the socket (authmock.effects).
            return fault.connection.on_socket(_Socket(self, fault, environ, start_response))
        finally:
            # Before the server writes a byte of the answer (e.g. the state file's save).
            if self.after_request is not None:
                self.after_request(environ)

    def drop(self, fault: ConnectionFault, start_response: Any) -> Any:
        """End the connection the way this server can: werkzeug's handler closes
        the socket with an RST on :class:`DropConnection`."""
        raise DropConnection(f"authmock fault {fault.fault_id}: {fault.kind}") from None


class _Socket:
    """One request's connection as a :class:`authmock.effects.Connection` sees it."""

    def __init__(
        self,
        faults: SocketFaults,
        fault: ConnectionFault,
        environ: dict[str, Any],
        start_response: Any,
    ) -> None:
        self.faults = faults
        self.fault = fault
        self.environ = environ
        self.start_response = start_response

    def stall(self) -> None:
        # In this request's own thread (other requests go on) until the client
        # gives up; reset/stop release it (emulator.wake). An instance's request
        # stalls on that instance's event.
        emulator = self.environ.get("authmock.emulator", self.faults.app.emulator)
        with self.environ.get(WAITING, contextlib.nullcontext)():  # the gate is free meanwhile
            emulator.wake.wait(STALL_SECONDS)

    def drop(self) -> Any:
        return self.faults.drop(self.fault, self.start_response)


class _DeadlineIO(socket.SocketIO):
    """The socket's reading side; while ``deadline`` is set, every read waits
    only for what is left of it, so headers dribbled a byte at a time still
    time out (a per-read timeout alone would not)."""

    deadline: float | None = None
    # While the request holds a slot of the server's gate: a read that would wait
    # for the client gives the slot back meanwhile (a slow upload holds no slot).
    waiting: Callable[[], contextlib.AbstractContextManager[None]] | None = None

    def readinto(self, b: Any) -> int | None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("request headers not received in time")
            self._sock.settimeout(left)  # type: ignore[attr-defined]
        if self.waiting is not None:
            got = self._at_once(b)
            if got is not None:
                return got
            with self.waiting():
                return super().readinto(b)
        return super().readinto(b)

    def _at_once(self, b: Any) -> int | None:
        """A read that does not wait for the client: what it got (0 at the
        end), or None when there is nothing to read yet."""
        sock: socket.socket = self._sock  # type: ignore[attr-defined]
        tls = isinstance(sock, ssl.SSLSocket)
        if tls and sock.pending():  # type: ignore[attr-defined]
            return super().readinto(b)  # decrypted bytes are there
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        if not poller.poll(0):
            return None
        if not tls:
            return super().readinto(b)
        # Readable bytes may be only part of a record: try without waiting.
        timeout = sock.gettimeout()
        sock.settimeout(0.0)
        try:
            return sock.recv_into(b)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return None  # the rest of the record is the client's to send
        finally:
            sock.settimeout(timeout)


class _Body(io.RawIOBase):
    """``wsgi.input`` for a Content-Length body: never reads past it, and
    remembers what is left so the connection can be reused afterwards."""

    def __init__(self, rfile: io.BufferedIOBase, length: int) -> None:
        self._rfile = rfile
        self.left = length
        self.broken = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        if n <= 0:
            return 0
        try:
            got = self._rfile.readinto(memoryview(buffer)[:n])
        except (OSError, ValueError):
            got = 0
        if not got:
            self.broken = True  # the client went away mid-body
            return 0
        self.left -= got
        return got

    def drain(self) -> bool:
        """Read and drop the rest; whether the connection is still usable."""
        if self.broken or self.left > DRAIN_LIMIT:
            return False
        while self.left and not self.broken:
            self.read(min(self.left, 65536))
        return not self.broken


class _Writer(io.BufferedIOBase):
    """``wfile``: every write is a ``sendall`` (a raw socket file may write short)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sock.sendall(data)
        return len(data)


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 persistent connections; no per-request log lines (a server run
    by tests must not fill a pipe or a test's stderr)."""

    protocol_version = "HTTP/1.1"
    server: LiveWSGIServer

    def setup(self) -> None:
        server = self.server
        sock: socket.socket = self.request
        self.usable = True
        # One send per response already; no Nagle wait behind a delayed ACK.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(server.header_timeout)
        self._held = False  # a slot of server.gate
        if server.tls is not None:
            sock = server.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            self.request = sock
            try:
                # Bounded by the socket timeout as a whole (ssl applies it as a deadline).
                sock.do_handshake()
            except (OSError, ValueError):
                self.usable = False
        self.connection = sock
        self._reader = _DeadlineIO(sock, "rb")
        self.rfile = io.BufferedReader(self._reader)
        self.wfile = _Writer(sock)
        server.connections.add(sock)

    def handle(self) -> None:
        if self.usable:
            super().handle()

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        for file in (self.wfile, self.rfile):
            with contextlib.suppress(OSError):
                file.close()
        if self.server.tls is not None:
            # socketserver closes the plain socket it accepted; the TLS one is ours.
            with contextlib.suppress(OSError):
                self.connection.close()

    def handle_one_request(self) -> None:
        self._reader.deadline = time.monotonic() + self.server.header_timeout
        try:
            super().handle_one_request()
        except ssl.SSLError:
            self.close_connection = True
        finally:
            self._reader.deadline = None
            self._leave()

    def parse_request(self) -> bool:
        # The request line is in (an idle connection waited for it without a
        # slot): the rest runs past the gate, which a stopping server closes.
        if not self._enter():
            self.close_connection = True
            return False  # no answer: the connection closes
        ok = super().parse_request()
        # Headers are in: the body and the response get a per-read timeout instead.
        self._reader.deadline = None
        self.connection.settimeout(self.server.header_timeout)
        return ok

    def _enter(self) -> bool:
        """Take a slot of the server's gate (there may be none); False when
        the server is stopping."""
        gate = self.server.gate
        if gate is None or self._held:
            return True
        if not gate.acquire():
            return False
        self._held = True
        self._reader.waiting = self._waiting
        return True

    def _leave(self) -> None:
        if self._held:
            self._held = False
            self._reader.waiting = None
            self.server.gate.release()  # type: ignore[union-attr]

    @contextlib.contextmanager
    def _waiting(self) -> Iterator[None]:
        """Around a wait (the client, a fault's delay or stall): the slot is
        free meanwhile and taken again after (not once the server stops)."""
        held = self._held
        self._leave()
        try:
            yield
        finally:
            if held:
                self._enter()

    def log(self, type: str, message: str, *args: Any) -> None:
        pass

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        self.close_connection = True
        if isinstance(error, DropConnection):
            reset(self.connection)

    def _framed_body(self, environ: dict[str, Any]) -> _Body | ChunkedBody | None:
        """Wrap ``wsgi.input`` so the body cannot be over-read; None when the
        framing is unclear and the connection must close after this request."""
        if "HTTP_TRANSFER_ENCODING" in environ:
            # werkzeug has wrapped a chunked body in its lenient decoder: decode it
            # strictly instead. Anything else cannot be framed (the engine says 400).
            if (
                isinstance(environ["wsgi.input"], DechunkedInput)
                and "CONTENT_LENGTH" not in environ
            ):
                chunked = ChunkedBody(self.rfile)
                environ["wsgi.input"] = chunked
                return chunked
            return None
        raw = environ.get("CONTENT_LENGTH")
        if not raw:
            return _Body(self.rfile, 0)
        if not raw.isdigit() or not raw.isascii():
            return None  # "+45", "1,2", " 3": no safe way to find the next request
        body = _Body(self.rfile, int(raw))
        environ["wsgi.input"] = body
        return body

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        if self.server.gate is not None:
            environ[WAITING] = self._waiting
        framed = self._framed_body(environ)
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return self.wfile.write

        stream: Iterable[bytes] | None = None
        try:
            chunks = self.server.app(environ, start_response)
            if isinstance(chunks, list):
                body = b"".join(chunks)  # the engine's answer: one send with the head
            else:
                body, stream = b"", chunks  # a fault's effect produces it: sent as it comes
        except _DROPPED as error:
            self.connection_dropped(error, environ)
            return
        except Exception as error:
            # Not expected of the engine (it answers its own errors); never a traceback page.
            started[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
            body = b"Internal Server Error"
            framed = None
            _print_traceback(error)
        if framed is None:
            self.close_connection = True
        elif isinstance(framed, _Body):
            if not (framed.left <= DRAIN_LIMIT and not framed.broken):
                self.close_connection = True
        elif not framed.done:
            self.close_connection = True
        # The answer is made: its writes (and a fault's slow body) hold no slot.
        self._leave()
        self._send(started, body, environ, stream)
        if not self.close_connection and isinstance(framed, _Body) and not framed.drain():
            self.close_connection = True

    def _send(
        self,
        started: list[Any],
        body: bytes,
        environ: dict[str, Any],
        stream: Iterable[bytes] | None = None,
    ) -> None:
        status, headers = started
        lines = [f"HTTP/1.1 {status}", f"Server: {self.version_string()}", f"Date: {_http_date()}"]
        has_length = False
        for name, value in headers:
            lines.append(f"{name}: {value}")
            has_length = has_length or name.lower() == "content-length"
        code = int(status[:3])
        if not has_length and code >= 200 and code not in (204, 304):
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if environ["REQUEST_METHOD"] == "HEAD" or code in (204, 304) or code < 200:
            body = b""
        try:
            self.wfile.write(head + body)
            if stream is not None:
                self._stream(stream)
        except _DROPPED as error:
            self.connection_dropped(error, environ)

    def _stream(self, chunks: Iterable[bytes]) -> None:
        """Write a body chunk by chunk, each as it is produced."""
        try:
            for chunk in chunks:
                if chunk:
                    self.wfile.write(chunk)
        except _DROPPED:
            raise
        except Exception as error:
            # The head is out: no 500 now, the connection ends short instead.
            self.close_connection = True
            _print_traceback(error)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


class LiveWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded server with :class:`KeepAliveHandler`, on a socket
    bound by :func:`_listen`."""

    # Handler threads must not keep a test process alive, nor stop() wait
    # for one that is still sleeping in a fault.
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        host: str,
        app: Any,
        fd: int,
        header_timeout: float,
        tls: ssl.SSLContext | None,
        gate: FairGate | None = None,
    ) -> None:
        self.gate: FairGate | None = None  # werkzeug's __init__ calls server_close()
        super().__init__(host, 0, app, KeepAliveHandler, fd=fd)
        self.gate = gate
        self.header_timeout = header_timeout
        self.tls = tls
        # werkzeug reads ssl_context for wsgi.url_scheme; the handshake is the handler's.
        self.ssl_context = tls
        self.connections: set[socket.socket] = set()

    def server_close(self) -> None:
        if self.gate is not None:
            self.gate.close()  # requests waiting for a slot end: their connections close
        super().server_close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket. Bound here because werkzeug, binding itself, prints to
    stderr and calls ``sys.exit(1)`` when the port is taken; this raises ``OSError``."""
    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(max(LISTEN_QUEUE, BACKLOG))
    except BaseException:
        sock.close()
        raise
    return sock


def wsgi_server(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    header_timeout: float = HEADER_TIMEOUT,
    tls: ssl.SSLContext | None = None,
    gate_slots: int | None = None,
) -> LiveWSGIServer:
    """A threaded werkzeug server with :class:`KeepAliveHandler` for any WSGI app
    (the benchmarks run a constant app on it as a floor). With ``gate_slots``, at
    most that many requests at once run past a :class:`FairGate` (the app's
    waits must then enter ``environ[WAITING]``, as the engine's do)."""
    if not 0 < header_timeout < 86400:
        raise ValueError("header_timeout must be a positive number of seconds")
    gate = FairGate(gate_slots, GATE_PATIENCE) if gate_slots is not None else None
    listener = _listen(host, port)
    try:
        return LiveWSGIServer(host, app, listener.fileno(), float(header_timeout), tls, gate)
    finally:
        listener.close()  # werkzeug serves on its own duplicate of the socket


class LiveServer:
    """The engine on :class:`LiveWSGIServer`; with ``tls``, over HTTPS with a
    certificate from a local CA (:class:`~authmock.ways.tls.LocalTls`;
    ``tls_dir`` keeps the CA across restarts)."""

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        header_timeout: float = HEADER_TIMEOUT,
        tls: bool = False,
        tls_dir: str | os.PathLike[str] | None = None,
        after_request: Callable[[dict[str, Any]], None] | None = None,
        allow_hosts: Iterable[str] = (),
        log: TextIO | None = None,
    ) -> None:
        """``allow_hosts``: Host names answered besides loopback, the bound
        address and the emulated APIs' (``*``: any); see docs/security.md."""
        self.app = app
        hosts = HostPolicy(allow_hosts)  # ValueError for a bad name, before binding
        self.tls: LocalTls | None = None
        if tls:
            from authmock.ways.tls import LocalTls

            self.tls = LocalTls(host, tls_dir)
        served: Any = SocketFaults(app, after_request, hosts)
        if log is not None:
            served = AccessLog(served, log)  # one line per request, dropped ones too
        try:
            self._server = wsgi_server(
                served,
                host,
                port,
                header_timeout=header_timeout,
                tls=self.tls.context if self.tls else None,
                gate_slots=GATE_SLOTS,
            )
        except BaseException:
            if self.tls is not None:
                self.tls.close()
            raise
        hosts.add_bound((host, str(self._server.server_address[0])))
        self.host = host
        self.port: int = self._server.port
        self.scheme = "https" if tls else "http"
        # The CA bundle (a .pem) that signed the certificate: what clients must trust.
        self.ca_path: str | None = self.tls.ca_path if self.tls else None
        self._thread: threading.Thread | None = None
        # shutdown() waits for serve_forever() to end: forever, if it never began.
        self._serving = False

    @property
    def url(self) -> str:
        return base_url(self.scheme, self.host, self.port)

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

    def serve_forever(self, ready: Callable[[], None] | None = None) -> None:
        """Serve in this thread until shut down; ``ready`` runs first (the socket is
        listening since construction)."""
        self._serving = True
        if ready is not None:
            ready()
        self._server.serve_forever(poll_interval=POLL_INTERVAL)

    def stop(self) -> None:
        self.app.emulator.release()
        if self.app.instances is not None:
            self.app.instances.release_all()
        if self._serving:
            self._server.shutdown()
        self._server.server_close()
        # Kept-alive connections would go on being served by their threads.
        for sock in list(self._server.connections):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.tls is not None:
            self.tls.close()
