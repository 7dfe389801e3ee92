"""``mock.serve()``: a real server in a thread, quiet, and safe to start in a test process."""

from __future__ import annotations

import socket

import pytest
import requests

from authmock import AuthMock


def test_serve_answers_on_loopback_and_stops(capfd: pytest.CaptureFixture[str]) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert requests.get(server.url + "/healthz").json() == {"status": "ok"}
        assert requests.get(server.url + "/api/v1/roles").status_code == 401
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.1 extra\r\n\r\n")
            assert b"Error code: 400" in raw.recv(1000)
        url = server.url
    # Werkzeug logs each request to stderr by default; a test's output stays clean.
    assert capfd.readouterr() == ("", "")
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/healthz", timeout=5)


def test_a_taken_port_raises_instead_of_exiting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"), AuthMock().serve(port=port):
            pass


def test_restartable_and_state_survives() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as first:
        requests.get(first.url + "/healthz")
    with mock.serve() as second:
        requests.get(second.url + "/healthz")
    assert [c.path for c in mock.calls] == ["/healthz", "/healthz"]


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    with AuthMock().serve(host="::1") as server:
        assert server.url.startswith("http://[::1]:")
        assert requests.get(server.url + "/healthz").json() == {"status": "ok"}
