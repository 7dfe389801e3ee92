"""The live server keeps HTTP/1.1 connections open, and still fails them on purpose.

Through ``http.client`` reusing one connection and through raw sockets: a
request after another travels on the same socket; socket faults reset it;
a client that cannot be framed, or asks to close, gets ``Connection: close``.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

import pytest

from authmock import AuthMock
from authmock.ways.server import LiveServer

LOGIN = {"email": "admin@sigma.io", "password": "admin"}


@pytest.fixture
def served() -> Iterator[tuple[AuthMock, LiveServer]]:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        yield mock, server


_pending: dict[int, bytes] = {}


def _read_response(sock: socket.socket) -> tuple[bytes, dict[str, str], bytes]:
    """One response from a raw socket: (status line, headers, body by Content-Length).
    Bytes past it (a pipelined next response) are kept for the next call."""
    data = _pending.pop(sock.fileno(), b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    if len(rest) > length:
        _pending[sock.fileno()] = rest[length:]
    return status, headers, rest[:length]


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed (FIN or RST) the connection; waits at most the socket timeout."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_one_connection_carries_many_requests(served: tuple[AuthMock, LiveServer]) -> None:
    mock, server = served
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        assert first.status == 200 and json.loads(first.read()) == {"status": "ok"}
        assert first.getheader("Connection") is None  # HTTP/1.1: open by default
        sock = conn.sock
        assert sock is not None

        conn.request("POST", "/api/v1/auth/login", body=json.dumps(LOGIN))
        login = conn.getresponse()
        token = json.loads(login.read())["token"]
        conn.request("GET", "/api/v1/roles", headers={"Authorization": f"Bearer {token}"})
        roles = conn.getresponse()
        assert roles.status == 200 and json.loads(roles.read())
        conn.request("HEAD", "/healthz")
        head = conn.getresponse()
        assert head.status == 200 and head.read() == b""
        conn.request("GET", "/api/v1/nowhere")
        missing = conn.getresponse()
        assert missing.status == 404 and missing.read()
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}'
        assert conn.sock is sock, "http.client had to reconnect"
    finally:
        conn.close()
    assert [c.status for c in mock.calls] == [200, 200, 200, 200, 404, 200]


def test_pipelined_requests_are_answered_in_order(served: tuple[AuthMock, LiveServer]) -> None:
    _, server = served
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        body = json.dumps(LOGIN).encode()
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
            + b"GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        assert _read_response(sock)[0] == b"HTTP/1.1 200 OK"
        status, _, login = _read_response(sock)
        assert status == b"HTTP/1.1 200 OK" and "token" in json.loads(login)
        assert _read_response(sock)[0] == b"HTTP/1.1 401 Unauthorized"


def test_an_unread_body_is_skipped_and_the_connection_reused(
    served: tuple[AuthMock, LiveServer],
) -> None:
    mock, server = served
    # The fault answers before the endpoint reads the body: the server must skip it.
    mock.faults.add(path="/api/v1/auth/login", status=503, times=1)
    body = b'{"email": "admin@sigma.io", "password": "admin"}'
    request = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(request)
        status, headers, _ = _read_response(sock)
        assert status.startswith(b"HTTP/1.1 503") and "connection" not in headers
        sock.sendall(request)
        status, _, answer = _read_response(sock)
        assert status == b"HTTP/1.1 200 OK" and "token" in json.loads(answer)


def test_chunked_bodies_keep_the_connection(served: tuple[AuthMock, LiveServer]) -> None:
    _, server = served
    body = json.dumps(LOGIN).encode()
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    request = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked
    )
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(request)
            status, headers, answer = _read_response(sock)
            assert status == b"HTTP/1.1 200 OK" and "token" in json.loads(answer)
            assert "connection" not in headers


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.0\r\n\r\n",
        # A length that is no plain number: the next request cannot be found safely.
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Length: +2\r\n\r\n{}",
    ],
    ids=["connection-close", "http-1.0", "unframeable-length"],
)
def test_the_server_closes_when_it_must(
    served: tuple[AuthMock, LiveServer], request_head: bytes
) -> None:
    _, server = served
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(request_head)
        _, headers, _ = _read_response(sock)
        assert headers["connection"] == "close"
        assert _closed_by_server(sock)


def test_http_1_0_keep_alive_is_honoured(served: tuple[AuthMock, LiveServer]) -> None:
    _, server = served
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            _, headers, body = _read_response(sock)
            assert headers["connection"] == "keep-alive" and body == b'{"status":"ok"}'


def test_a_reset_fault_resets_a_kept_alive_connection(served: tuple[AuthMock, LiveServer]) -> None:
    mock, server = served
    mock.faults.add(path="/api/v1/roles", kind="reset", times=1)
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_response(sock)[0] == b"HTTP/1.1 200 OK"
        sock.sendall(b"GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\n\r\n")
        with pytest.raises(ConnectionResetError):  # an RST, not a FIN and not an answer
            sock.recv(1000)
    # The fault is spent; a new connection is served as usual.
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("GET", "/api/v1/roles")
    assert conn.getresponse().status == 401
    conn.close()
    assert [c.status for c in mock.calls] == [200, 0, 401]


def test_a_timeout_fault_stalls_a_kept_alive_connection(
    served: tuple[AuthMock, LiveServer],
) -> None:
    mock, server = served
    mock.faults.add(path="/api/v1/roles", kind="timeout", times=1)
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_response(sock)[0] == b"HTTP/1.1 200 OK"
        sock.sendall(b"GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\n\r\n")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(1000)
        sock.settimeout(10)
        mock.reset()  # releases the stalled request: the connection is then reset
        with pytest.raises(ConnectionResetError):
            sock.recv(1000)


def test_stop_closes_kept_alive_connections() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        sock = socket.create_connection((server.host, server.port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_response(sock)[0] == b"HTTP/1.1 200 OK"
    with sock:
        assert _closed_by_server(sock)  # not left to be served by the stopped server


# -- the header read timeout ------------------------------------------------------------


def test_half_open_connections_neither_block_others_nor_outlive_the_timeout() -> None:
    """200 clients that never finish their headers (issue: 1,000 must not stop the
    server): others are still served, and each half-open one is closed by the server."""
    mock = AuthMock(seed=7)
    with mock.serve(header_timeout=1.0) as server:
        stuck = []
        try:
            for _ in range(200):
                sock = socket.create_connection((server.host, server.port), timeout=30)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Never: ")
                stuck.append(sock)
            conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
            conn.request("GET", "/healthz")
            assert conn.getresponse().read() == b'{"status":"ok"}'
            conn.close()
            # Bounded: a server that never closed them fails on the 30 s socket timeout.
            assert all(_closed_by_server(sock) for sock in stuck)
        finally:
            for sock in stuck:
                sock.close()
    assert [c.path for c in mock.calls] == ["/healthz"]


def test_headers_dribbled_slowly_still_time_out() -> None:
    """The timeout is a deadline for all the headers, not for each read."""
    mock = AuthMock(seed=7)
    with (
        mock.serve(header_timeout=0.5) as server,
        socket.create_connection((server.host, server.port), timeout=30) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        closed = False
        for _ in range(400):  # 40 s of one header byte per 0.1 s, if never closed
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sock.settimeout(0.1)
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except ConnectionResetError:
                closed = True
                break
        assert closed


def test_an_idle_kept_alive_connection_is_closed_after_the_timeout() -> None:
    mock = AuthMock(seed=7)
    with (
        mock.serve(header_timeout=0.5) as server,
        socket.create_connection((server.host, server.port), timeout=30) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_response(sock)[0] == b"HTTP/1.1 200 OK"
        assert _closed_by_server(sock)


def test_the_timeout_does_not_cut_a_slow_answer() -> None:
    """Only reading the request is bounded: a fault's delay answers late, as asked."""
    mock = AuthMock(seed=7)
    mock.faults.add(path="/healthz", delay=1.0, times=1)
    with mock.serve(header_timeout=0.3) as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()


@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_header_timeout_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="header_timeout"), AuthMock().serve(header_timeout=bad):
        pass
