"""``authmock serve --server granian``: the same engine, and each row of the table of
differences in docs/servers.md pinned against the werkzeug server.

The server runs as a real process (granian installs signal handlers, so it
needs a main thread of its own)."""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import sys
from collections.abc import Iterator

import httpx
import pytest
import requests

from authmock import RemoteAuthMock
from authmock.cli import main
from tests.test_cli import Served, serve

pytest.importorskip("granian")

SERVERS = ["werkzeug", "granian"]


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[Served]:
    served = serve("--seed", "7", "--server", request.param, "--header-timeout", "1")
    served.kind = request.param  # type: ignore[attr-defined]
    yield served
    if served.process.poll() is None:
        served.process.kill()
        served.process.communicate()


@pytest.fixture
def remote(server: Served) -> Iterator[RemoteAuthMock]:
    with RemoteAuthMock(server.url) as control:
        control.reset()
        yield control


def kind(server: Served) -> str:
    return str(server.kind)  # type: ignore[attr-defined]


def _raw(server: Served, data: bytes) -> bytes:
    host, _, port = server.url.removeprefix("http://").rpartition(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except ConnectionResetError:
            out += b"<RST>"
        return out


def _assert_aborted(answer: bytes) -> None:
    """Granian's abort: a plain close after nothing, or after only the head of a 502
    that promises one byte (which of the two varies from one request to the next)."""
    if answer:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
        assert b"content-length: 1" in head.lower() and body == b""


# -- identical ------------------------------------------------------------------------


def test_the_same_engine_admin_api_and_journal(server: Served, remote: RemoteAuthMock) -> None:
    with requests.Session() as session:
        login = session.post(
            server.url + "/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
        )
        token = login.json()["token"]
        roles = session.get(
            server.url + "/api/v1/roles", headers={"Authorization": f"Bearer {token}"}
        )
        assert roles.status_code == 200 and roles.json()
        user_token = remote.bigid.user_token("bigid")
        system = session.get(
            server.url + "/api/v1/refresh-access-token", headers={"Authorization": user_token}
        )
        assert system.json()["success"] is True
        remote.faults.add(path="/healthz", status=503, times=1)
        assert session.get(server.url + "/healthz").status_code == 503
        assert session.get(server.url + "/").status_code == 200  # the demo page
    assert [(c.method, c.path, c.status) for c in remote.calls] == [
        ("POST", "/api/v1/auth/login", 200),
        ("GET", "/api/v1/roles", 200),
        ("GET", "/api/v1/refresh-access-token", 200),
        ("GET", "/healthz", 503),
    ]


def test_keep_alive_on_both(server: Served) -> None:
    host, _, port = server.url.removeprefix("http://").rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}'
        sock = conn.sock
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}'
        assert conn.sock is sock
    finally:
        conn.close()


def test_half_open_connections_are_closed_after_the_header_timeout(server: Served) -> None:
    host, _, port = server.url.removeprefix("http://").rpartition(":")
    stuck = [socket.create_connection((host, int(port)), timeout=30) for _ in range(50)]
    try:
        for sock in stuck:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Never: ")
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
        for sock in stuck:
            with contextlib.suppress(ConnectionResetError):  # closed either way
                assert sock.recv(1) == b""
    finally:
        for sock in stuck:
            sock.close()


# -- the rows of the table --------------------------------------------------------------


def test_row_reset(server: Served, remote: RemoteAuthMock) -> None:
    remote.faults.add(path="/api/v1/roles", kind="reset", times=3)
    answer = _raw(server, b"GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\n\r\n")
    if kind(server) == "werkzeug":
        assert answer == b"<RST>"  # no byte of a response, then an RST
        with pytest.raises(requests.ConnectionError, match="reset by peer"):
            requests.get(server.url + "/api/v1/roles", timeout=10)
        with pytest.raises(httpx.ReadError):
            httpx.get(server.url + "/api/v1/roles", timeout=10)
    else:
        _assert_aborted(answer)
        with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            requests.get(server.url + "/api/v1/roles", timeout=10)
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(server.url + "/api/v1/roles", timeout=10)
    assert [c.status for c in remote.calls] == [0, 0, 0]


def test_row_timeout(server: Served, remote: RemoteAuthMock) -> None:
    remote.faults.add(path="/api/v1/roles", kind="timeout", times=1)
    with pytest.raises(requests.ReadTimeout):  # the same on both: the client gives up
        requests.get(server.url + "/api/v1/roles", timeout=0.5)
    remote.reset()  # releases the stalled request
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200


def test_row_unknown_bigid_host(server: Served) -> None:
    answer = _raw(server, b"GET /api/v1/sessions HTTP/1.1\r\nHost: nowhere.bigid.com\r\n\r\n")
    if kind(server) == "werkzeug":
        assert answer == b"<RST>"
    else:
        _assert_aborted(answer)


def test_row_malformed_request_line(server: Served) -> None:
    answer = _raw(server, b"GET / HTTP/1.1 extra\r\n\r\n")
    if kind(server) == "werkzeug":
        # http.server's HTML error page, HTTP/0.9 style: no status line, no headers.
        assert answer.startswith(b"<!DOCTYPE HTML>") and b"Error code: 400" in answer
    else:
        assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert answer.endswith(b"\r\n\r\n")  # no body at all


def test_row_header_names_and_server(server: Served) -> None:
    answer = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    if kind(server) == "werkzeug":
        assert "\r\nContent-Type: application/json" in head
        assert "\r\nServer: Werkzeug/" in head
    else:
        assert "\r\ncontent-type: application/json" in head  # names lowercased
        assert "\r\nserver: granian" in head


def test_row_tls_versions(tmp_path: object) -> None:
    pytest.importorskip("trustme")
    import ssl

    for name in SERVERS:
        served = serve("--server", name, "--tls")
        try:
            ca = next(line for line in served.banner if line.startswith("TLS CA bundle: "))
            context = ssl.create_default_context(cafile=ca.removeprefix("TLS CA bundle: "))
            host, _, port = served.url.removeprefix("https://").rpartition(":")
            with (
                socket.create_connection((host, int(port)), timeout=10) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                tls.sendall(
                    b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                )
                assert tls.recv(1000).startswith(b"HTTP/1.1 200")
            old = ssl.create_default_context(cafile=ca.removeprefix("TLS CA bundle: "))
            old.maximum_version = ssl.TLSVersion.TLSv1_2
            with socket.create_connection((host, int(port)), timeout=10) as raw:
                if name == "werkzeug":
                    with old.wrap_socket(raw, server_hostname=host) as tls:
                        assert tls.version() == "TLSv1.2"
                else:
                    with pytest.raises(ssl.SSLError):
                        old.wrap_socket(raw, server_hostname=host)  # granian: TLS 1.3 only
        finally:
            served.process.send_signal(signal.SIGTERM)
            served.process.communicate(timeout=20)


def test_granian_exits_0_on_sigterm_with_clean_stderr() -> None:
    served = serve("--server", "granian", "--threads", "2", log=True)
    assert requests.get(served.url + "/healthz", timeout=10).status_code == 200
    code, err = served.stop(signal.SIGTERM)
    assert code == 0  # stderr: the request log only (as werkzeug's), no traceback
    assert [line.split()[:3] for line in err.splitlines()] == [["GET", "/healthz", "200"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "4"], "authmock: error: --threads needs --server granian\n"),
        (
            ["--server", "granian", "--threads", "0"],
            "authmock: error: --threads must be 1 to 1024, not 0\n",
        ),
    ],
)
def test_bad_granian_flags(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", *args]) == 2
    assert capsys.readouterr().err == message


def test_without_granian_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [m for m in sys.modules if m == "granian" or m.startswith("granian.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "granian", None)
    assert main(["serve", "--port", "0", "--server", "granian"]) == 2
    assert capsys.readouterr().err == (
        "authmock: error: --server granian needs granian: pip install 'authmock[granian]'\n"
    )
