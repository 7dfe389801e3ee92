"""``AuthMock(allow_network=False)``: no silent real network. Nothing here
reaches the network: every refused request fails before a socket opens."""

from __future__ import annotations

import asyncio
import http.server
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import requests
import responses

from authmock import AuthMock

pytest_plugins = ["pytester"]

TYPO = "https://sandbox.bigid.tools443/api/v1/refresh-access-token"


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fails the test if anything tries a real connection (DNS included)."""
    tried: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        tried.append(args)
        raise AssertionError(f"real network used: {args}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield tried


@pytest.fixture
def strict() -> Iterator[AuthMock]:
    with AuthMock(seed=7, allow_network=False) as mock:
        yield mock


def test_requests_to_other_hosts_fail_fast_naming_the_url(
    strict: AuthMock, no_sockets: list[Any]
) -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(TYPO, timeout=5)
    assert str(caught.value).startswith(f"authmock: real network refused for {TYPO}")
    assert "allow_network=False" in str(caught.value)
    # authmock's own hosts still answer.
    assert requests.get(f"{strict.sigma_url}/healthz").json() == {"status": "ok"}
    assert no_sockets == []


def test_httpx_to_other_hosts_fail_fast(strict: AuthMock, no_sockets: list[Any]) -> None:
    with httpx.Client() as client, pytest.raises(httpx.ConnectError, match="real network refused"):
        client.get("https://example.invalid/x")
    assert httpx.get(f"{strict.sigma_url}/healthz").json() == {"status": "ok"}

    async def run() -> None:
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError, match=r"https://example\.invalid/y"):
                await client.get("https://example.invalid/y")

    asyncio.run(run())
    assert no_sockets == []


def test_user_responses_mocks_still_answer_in_either_order(no_sockets: list[Any]) -> None:
    for outer_first in (True, False):
        mock, rsps = AuthMock(seed=7, allow_network=False), responses.RequestsMock()
        first, second = (mock, rsps) if outer_first else (rsps, mock)
        with first, second:  # type: ignore[attr-defined]
            rsps.add(responses.GET, "https://partner.example/ping", json={"pong": True})
            assert requests.get("https://partner.example/ping").json() == {"pong": True}
            # responses refuses what it does not know, with its own message.
            with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
                requests.get("https://partner.example/other")
    assert no_sockets == []


def test_httpx_mock_transport_still_answers(strict: AuthMock) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"mocked": True}))
    with httpx.Client(transport=transport) as client:
        assert client.get("https://partner.example/").json() == {"mocked": True}


def test_loopback_is_allowed(strict: AuthMock) -> None:
    other = AuthMock(seed=1)
    with other.serve() as server:
        assert requests.get(f"{server.url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
        local = server.url.replace("127.0.0.1", "localhost")
        assert requests.get(f"{local}/healthz").status_code == 200


def test_default_allows_and_stopping_lifts_the_ban(no_sockets: list[Any]) -> None:
    with AuthMock(seed=7), pytest.raises(AssertionError, match="real network used"):
        requests.get("https://example.invalid/", timeout=1)
    strict = AuthMock(seed=7, allow_network=False)
    with strict, pytest.raises(requests.ConnectionError):
        requests.get("https://example.invalid/", timeout=1)
    with pytest.raises(AssertionError, match="real network used"):
        requests.get("https://example.invalid/", timeout=1)


MARKED = """
import pytest
import requests


@pytest.mark.authmock(allow_network=False)
def test_marker(authmock):
    with pytest.raises(requests.ConnectionError, match="real network refused"):
        requests.get("https://example.invalid/", timeout=1)


def test_ini(authmock):
    assert authmock.allow_network is {ini}
"""


@pytest.mark.parametrize("ini", [True, False])
def test_marker_and_ini_option(pytester: pytest.Pytester, ini: bool) -> None:
    pytester.makeini(f"[pytest]\nauthmock_allow_network = {str(ini).lower()}\n")
    pytester.makepyfile(test_network=MARKED.format(ini=ini))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_marker_refuses_a_non_boolean(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.authmock(allow_network="no")
def test_x(authmock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)  # the fixture refuses it, with the option's name
    result.stdout.fnmatch_lines(["*allow_network must be True or False*"])


# -- loopback, in every spelling a client connects to loopback with ------------------


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"loopback")

    def log_message(self, *args: Any) -> None:
        pass


class _Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextmanager
def listening(address: str) -> Iterator[int]:
    """A plain HTTP server on ``address`` (a port of its own); yields the port."""
    cls = _Server6 if ":" in address else http.server.ThreadingHTTPServer
    try:
        server = cls((address, 0), _Answer)
    except OSError as error:
        pytest.skip(f"cannot listen on {address}: {error}")
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DNS: a numeric host goes to the system's own parser (AI_NUMERICHOST,
    as getaddrinfo reads it), a localhost name (RFC 6761) to 127.0.0.1, as a
    resolver that knows them answers; any other name fails the test."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.lower().rstrip(".") == "localhost" or name.lower().rstrip(".").endswith(
            ".localhost"
        ):
            return real("127.0.0.1", port, socket.AF_INET, socket.SOCK_STREAM)
        try:
            real(name, port, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            raise AssertionError(f"DNS asked for {name!r}") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _get(client: str, url: str) -> str:
    if client == "requests":
        return requests.get(url, timeout=5).text
    if client == "httpx":
        return httpx.get(url, timeout=5).text

    async def run() -> str:
        async with httpx.AsyncClient(timeout=5) as aclient:
            return (await aclient.get(url)).text

    return asyncio.run(run())


CLIENTS = ["requests", "httpx", "httpx_async"]
# (address a server listens on, the host of the URL), each a way to say it.
LOOPBACK = [
    ("127.0.0.1", "127.0.0.1"),
    ("127.0.0.1", "127.1"),
    ("127.0.0.1", "127.0.1"),
    ("127.0.0.1", "2130706433"),
    ("127.0.0.1", "0x7f000001"),
    ("127.0.0.1", "0x7f.0.0.1"),
    ("127.0.0.1", "017700000001"),
    ("127.0.0.1", "127.0x1"),
    ("127.2.3.4", "127.2.3.4"),
    ("127.2.3.4", "127.2.772"),
    ("127.0.0.1", "[::ffff:127.0.0.1]"),
    ("127.0.0.1", "[::ffff:7f00:1]"),
    ("127.0.0.1", "[0:0:0:0:0:ffff:127.0.0.1]"),
    ("::1", "[::1]"),
    ("::1", "[0:0:0:0:0:0:0:1]"),
    ("127.0.0.1", "localhost"),
    ("127.0.0.1", "LocalHost"),
    ("127.0.0.1", "localhost."),
    ("127.0.0.1", "api.localhost"),
]
# Dotted octal: requests connects to 127.0.0.1, httpx refuses the URL itself.
LOOPBACK_REQUESTS_ONLY = [("127.0.0.1", "0177.0.0.1"), ("127.0.0.1", "127.000.000.001")]


@pytest.mark.usefixtures("strict", "resolver")
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(("address", "host"), LOOPBACK)
def test_every_spelling_of_loopback_is_allowed(client: str, address: str, host: str) -> None:
    with listening(address) as port:
        assert _get(client, f"http://{host}:{port}/") == "loopback"


@pytest.mark.usefixtures("strict", "resolver")
@pytest.mark.parametrize(("address", "host"), LOOPBACK_REQUESTS_ONLY)
def test_dotted_octal_loopback_is_allowed_for_requests(address: str, host: str) -> None:
    with listening(address) as port:
        assert _get("requests", f"http://{host}:{port}/") == "loopback"
        with pytest.raises(httpx.InvalidURL):  # never sent: nothing to allow
            _get("httpx", f"http://{host}:{port}/")


# Not loopback: names (DNS would answer them), the unspecified address (RFC 1122:
# never a destination; Linux delivers it locally, Windows refuses it), an
# IPv4-compatible (not mapped) address, 0127.0.0.1 (octal: 87.0.0.1), a number
# with a trailing dot (a DNS name to the resolver), a zone id.
NOT_LOOPBACK = [
    "127.0.0.1.example.com",
    "localhost.example.com",
    "localhostx",
    "0.0.0.0",
    "0",
    "[::]",
    "[::127.0.0.1]",
    "127.0.0.1.",
    "127.1.",
    "[::1%25lo]",
    "128.0.0.1",
    "[::ffff:10.0.0.1]",
]
NOT_LOOPBACK_REQUESTS_ONLY = ["0127.0.0.1", "127.0.0.256"]  # httpx refuses the URL


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("host", NOT_LOOPBACK + NOT_LOOPBACK_REQUESTS_ONLY)
def test_what_is_not_loopback_is_refused(client: str, host: str, no_sockets: list[Any]) -> None:
    url = f"http://{host}:8080/x"
    if client != "requests" and host in NOT_LOOPBACK_REQUESTS_ONLY:
        with pytest.raises(httpx.InvalidURL):
            _get(client, url)
        return
    error = requests.ConnectionError if client == "requests" else httpx.ConnectError
    with pytest.raises(error, match="real network refused"):
        _get(client, url)
    assert no_sockets == []


# -- a proxy: the socket goes to the proxy, which goes on to the URL's host -------
PROXY_ENV = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def _proxy(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    for name in (*PROXY_ENV, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("proxy", "url"),
    [
        ("http://proxy.example.com:3128", "http://127.0.0.1:9/x"),
        # A local proxy (cntlm, a corporate forwarder on localhost:3128) would go
        # on to the real network.
        ("http://127.0.0.1:3128", "http://partner.example/x"),
    ],
    ids=["loopback-through-a-remote-proxy", "another-host-through-a-loopback-proxy"],
)
def test_a_proxy_that_would_go_on_to_the_network_is_refused(
    client: str, proxy: str, url: str, monkeypatch: pytest.MonkeyPatch, no_sockets: list[Any]
) -> None:
    _proxy(monkeypatch, proxy)
    error = requests.ConnectionError if client == "requests" else httpx.ConnectError
    with pytest.raises(error, match=re.escape(f"real network refused for {url}")):
        _get(client, url)
    assert no_sockets == []


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize("client", CLIENTS)
def test_loopback_through_a_loopback_proxy_is_allowed(
    client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = AuthMock(seed=1)
    with other.serve() as server:
        # The live server answers a proxy's absolute-form request line too.
        port = server.url.rsplit(":", 1)[1]
        _proxy(monkeypatch, f"http://127.0.0.1:{port}")
        assert _get(client, f"http://127.0.0.1:{port}/healthz") == '{"status":"ok"}'
