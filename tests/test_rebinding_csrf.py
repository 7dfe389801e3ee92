"""No web page can drive a running authmock (docs/security.md).

DNS rebinding: a page whose name is re-pointed at 127.0.0.1 sends its own name
as Host; the server answers only loopback names, its bound address, the
emulated API hosts and names allowed with ``--allow-host``. Raw sockets, since
no HTTP client lets a test lie about Host as a rebinding page does.

CSRF: the admin API refuses another origin's page (``Origin``,
``Sec-Fetch-Site``) and any body not declared JSON, in every way in (``env``).
The browser test (tests/test_csrf_browser.py) runs the attacks themselves.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
from werkzeug.test import Client

from authmock import AuthMock
from tests.conftest import Env
from tests.test_allow_network import LOOPBACK, LOOPBACK_REQUESTS_ONLY
from tests.test_cli import authmock_cli, serve

LOGIN = json.dumps({"email": "admin@sigma.io", "password": "admin"}).encode()


def raw(port: int, request: bytes, address: str = "127.0.0.1") -> tuple[int, dict[str, str], Any]:
    """One request over a fresh connection: (status, headers, decoded JSON body)."""
    with socket.create_connection((address, port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def http(method: str, path: str, host: str | None, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    if body:
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(body))
    headers.setdefault("Connection", "close")  # the server keeps connections alive otherwise
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
def served() -> Iterator[tuple[AuthMock, Any]]:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        yield mock, server


def _snapshot(mock: AuthMock) -> tuple[Any, ...]:
    return (
        mock.state(),
        mock.clock.now() // 60,
        [f.to_json() for f in mock.faults.list()],
        len(mock.calls),
        mock.bigid.errors,
        mock.seed,
    )


# What a rebinding page would do with the server: read every password and the
# signing key, sign in with the printed credentials and mint an API key, reset.
REBINDING_ATTACKS = [
    ("GET", "/", b""),
    ("GET", "/_authmock/ui/api.js", b""),
    ("GET", "/_authmock/state", b""),
    ("GET", "/_authmock/sigma/secret", b""),
    ("GET", "/_authmock/calls", b""),
    ("POST", "/_authmock/reset", b'{"seed": 99}'),
    ("POST", "/_authmock/clock", b'{"advance": 86401}'),
    ("POST", "/_authmock/faults", b'{"path": "/healthz", "status": 503}'),
    ("POST", "/_authmock/bigid/errors", b'{"errors": "production"}'),
    ("POST", "/api/v1/auth/login", LOGIN),
    ("POST", "/api/v1/api-keys", b'{"name": "evil", "permissions": ["admin"]}'),
    ("POST", "/bigid/sandbox/api/v1/sessions", b'{"username": "admin", "password": "admin"}'),
    ("GET", "/healthz", b""),
]


@pytest.mark.parametrize(("method", "path", "body"), REBINDING_ATTACKS)
def test_a_rebinding_page_gets_a_403_that_says_how_to_allow_it(
    served: tuple[AuthMock, Any], method: str, path: str, body: bytes
) -> None:
    mock, server = served
    before = _snapshot(mock)
    status, headers, reply = raw(server.port, http(method, path, f"evil.test:{server.port}", body))
    assert status == 403
    message = (
        f"Host 'evil.test:{server.port}' is not a name this authmock server answers to (DNS"
        " rebinding protection: it answers loopback names, the address it listens on and"
        " the emulated API hosts). To allow it, start it with --allow-host evil.test"
        " (Python: mock.serve(allow_hosts=['evil.test']))"
    )
    # Each API's own envelope; the admin surface's for the rest.
    if path.startswith("/bigid/"):
        assert reply == {"success": False, "message": message}
    else:
        assert reply == {"error": "FORBIDDEN", "message": message}
    assert headers["Cache-Control"] == "no-store"
    assert _snapshot(mock) == before  # nothing changed, nothing journaled


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:{port}",
        "LOCALHOST.:{port}",
        "app.localhost:{port}",
        "127.0.0.1:{port}",
        "127.8.9.10",
        "[::1]:{port}",
        "api.sigma-pim.com",
        "sandbox.bigid.tools",
        None,  # HTTP/1.0 without Host: no browser sends that
    ],
)
def test_loopback_names_and_the_emulated_hosts_are_answered(
    served: tuple[AuthMock, Any], host: str | None
) -> None:
    _, server = served
    header = host.format(port=server.port) if host else None
    request = http("GET", "/_authmock/clock", header)
    if host is None:
        request = request.replace(b"HTTP/1.1", b"HTTP/1.0")
    status, _, reply = raw(server.port, request)
    assert status == 200 and set(reply) == {"now"}


@pytest.mark.parametrize(
    "host",
    [
        "evil.test",
        "localhost.evil.test",
        "127.0.0.1.nip.io",
        "10.0.0.8",  # not the bound address
        "[fe80::1]",
        "0.0.0.0",  # not loopback, and not the bound address
        "10.1",  # 10.0.0.1 to the resolver: not loopback
        "0127.0.0.1",  # octal: 87.0.0.1
        "128.0.0.1",
        "[::ffff:10.0.0.1]",
        "[::127.0.0.1]",  # IPv4-compatible, not mapped
        "127.0.0.1.example.com",
        "localhostx",
        "evil.test@127.0.0.1",
        "local host",
        "localhost:80x",
        "",
        "[::1",
    ],
)
def test_other_names_and_malformed_hosts_are_refused(
    served: tuple[AuthMock, Any], host: str
) -> None:
    _, server = served
    status, _, reply = raw(server.port, http("POST", "/_authmock/reset", host, b"{}"))
    assert status == 403
    assert reply["error"] == "FORBIDDEN" and "--allow-host" in reply["message"]


# Every spelling a client connects to loopback with (tests/test_allow_network.py):
# an IP literal cannot be rebound, so each is answered as 127.0.0.1 is.
LOOPBACK_LITERALS = [
    host for _, host in LOOPBACK + LOOPBACK_REQUESTS_ONLY if not host.lower().startswith("local")
] + ["127.1.", "[::1%25lo]"]


@pytest.mark.parametrize("host", LOOPBACK_LITERALS)
def test_every_spelling_of_a_loopback_address_is_answered(
    served: tuple[AuthMock, Any], host: str
) -> None:
    _, server = served
    for header in (host, f"{host}:{server.port}"):
        status, _, reply = raw(server.port, http("GET", "/_authmock/clock", header))
        assert (status, set(reply)) == (200, {"now"}), header


@pytest.mark.parametrize("client", ["requests", "httpx"])
@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f.0.0.1", "127.000.000.001"])
def test_a_client_connecting_to_a_loopback_spelling_is_answered(
    served: tuple[AuthMock, Any], client: str, host: str
) -> None:
    """The client sends the URL's spelling as Host: ``Host: 127.1:PORT``."""
    _, server = served
    url = f"http://{host}:{server.port}/_authmock/clock"
    if client == "requests":
        reply: Any = requests.get(url, timeout=10)
    elif host == "127.000.000.001":
        pytest.skip("httpx refuses dotted octal in a URL")
    else:
        reply = httpx.get(url, timeout=10)
    assert reply.status_code == 200 and set(reply.json()) == {"now"}


def test_allow_hosts_adds_names_suffixes_and_any() -> None:
    mock = AuthMock(seed=7)
    with mock.serve(allow_hosts=["authmock", "*.svc.test", "10.1.2.3"]) as server:
        for allowed in ("authmock:8080", "AuthMock", "a.svc.test", "b.a.svc.test", "10.1.2.3"):
            assert raw(server.port, http("GET", "/healthz", allowed))[0] == 200, allowed
        for refused in ("svc.test", "authmock.evil", "xsvc.test", "10.1.2.4"):
            assert raw(server.port, http("GET", "/healthz", refused))[0] == 403, refused
    with mock.serve(allow_hosts=["*"]) as server:
        assert raw(server.port, http("GET", "/healthz", "evil.test"))[0] == 200
    # Per server: the next one answers the defaults only.
    with mock.serve() as server:
        assert raw(server.port, http("GET", "/healthz", "authmock"))[0] == 403


def test_bound_to_all_interfaces_any_ip_literal_is_answered_but_no_other_name() -> None:
    mock = AuthMock(seed=7)
    with mock.serve(host="0.0.0.0") as server:
        for literal in ("0.0.0.0", "192.168.1.20:8080", "[2001:db8::1]"):
            assert raw(server.port, http("GET", "/healthz", literal))[0] == 200, literal
        assert raw(server.port, http("GET", "/healthz", "evil.test"))[0] == 403


@pytest.mark.parametrize("bad", ["http://authmock", "authmock:8080", "a/b", "*.", "", "*x"])
def test_a_bad_allowed_host_is_refused_before_binding(bad: str) -> None:
    mock = AuthMock()
    with pytest.raises(ValueError, match="must be a host name"), mock.serve(allow_hosts=[bad]):
        pass  # pragma: no cover
    done = authmock_cli("serve", "--port", "0", "--allow-host", bad)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"authmock: error: --allow-host: allowed host {bad!r} must be")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["werkzeug", "granian"])
def test_cli_allow_host_is_repeatable_on_either_server(kind: str) -> None:
    if kind == "granian":
        pytest.importorskip("granian")
    server = serve("--server", kind, "--allow-host", "authmock", "--allow-host", "*.compose.test")
    try:
        port = int(server.url.rsplit(":", 1)[1])
        for allowed in ("authmock", "web.compose.test"):
            assert raw(port, http("GET", "/healthz", allowed))[0] == 200
        for refused in ("evil.test", "compose.test"):
            status, _, reply = raw(port, http("POST", "/_authmock/reset", refused, b"{}"))
            assert status == 403 and "--allow-host" in reply["message"]
        assert raw(port, http("GET", "/healthz", f"127.0.0.1:{port}"))[0] == 200
    finally:
        assert server.stop()[0] == 0


def test_in_process_every_host_is_answered() -> None:
    """No browser reaches an in-process mock: any base URL a test picks works."""
    mock = AuthMock(seed=7)
    with httpx.Client(transport=mock.httpx_transport(), base_url="http://testserver") as client:
        assert client.get("/_authmock/clock").status_code == 200
    # A WSGI server of the user's own gets the defaults, emulated hosts included.
    client = Client(mock.wsgi_app)
    assert client.get("/healthz", headers={"Host": "api.sigma-pim.com"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.test"}).status_code == 403


# -- CSRF: the admin API, in every way in ---------------------------------------------------


def _origin(env: Env) -> str:
    return env.sigma_base.split("/", 3)[0] + "//" + env.sigma_base.split("/", 3)[2]


def _admin(env: Env, method: str, path: str, **kwargs: Any) -> Any:
    return env.sigma(method, "/_authmock" + path, **kwargs)


CROSS_SITE = [
    {"Origin": "http://evil.test"},
    {"Origin": "null"},
    {"Origin": "http://localhost:1"},  # another port of this machine is another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: "=".join(*h.items()))
def test_admin_requests_from_another_origin_are_refused(env: Env, headers: dict[str, str]) -> None:
    before = env.mock.clock.now()
    moved = _admin(env, "POST", "/clock", json={"advance": 86401}, headers=headers)
    assert moved.status_code == 403
    assert moved.json()["error"] == "FORBIDDEN"
    assert "use the demo page on this server, curl or RemoteAuthMock" in moved.json()["message"]
    read = _admin(env, "GET", "/state", headers=headers)
    assert read.status_code == 403
    assert env.mock.clock.now() - before < 60


def test_the_messages_name_the_origin_and_the_fetch_site(env: Env) -> None:
    origin = _admin(env, "GET", "/clock", headers={"Origin": "http://evil.test"})
    assert origin.json()["message"] == (
        f"cross-origin admin request refused (Origin 'http://evil.test' is not {_origin(env)}):"
        " use the demo page on this server, curl or RemoteAuthMock"
    )
    site = _admin(env, "GET", "/clock", headers={"Sec-Fetch-Site": "cross-site"})
    assert site.json()["message"] == (
        "admin request from another site's page refused (Sec-Fetch-Site: cross-site):"
        " use the demo page on this server, curl or RemoteAuthMock"
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, "own origin"],
    ids=["plain", "same-origin", "typed-url", "own-origin"],
)
def test_the_own_origin_and_non_browsers_are_served(env: Env, headers: Any) -> None:
    if headers == "own origin":
        headers = {"Origin": _origin(env), "Sec-Fetch-Site": "same-origin"}
    moved = _admin(env, "POST", "/clock", json={"advance": 10}, headers=headers)
    assert moved.status_code == 200, moved.text


def test_the_cross_site_check_comes_before_the_admin_token() -> None:
    with AuthMock(seed=7, admin_token="t0ken").serve() as server:
        response = requests.get(
            f"{server.url}/_authmock/state",
            headers={"X-Authmock-Admin": "t0ken", "Origin": "http://evil.test"},
        )
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"advance": 86401}'),
        ("text/plain;charset=UTF-8", b'{"advance": 86401}'),
        ("application/x-www-form-urlencoded", b'{"advance": 86401}'),
        ("multipart/form-data; boundary=x", b'{"advance": 86401}'),
        (None, b'{"advance": 86401}'),  # fetch() of a Blob without a type
        ("application/jsonp", b'{"advance": 86401}'),
        ("text/plain", b""),  # an empty <form enctype=text/plain>
    ],
)
def test_admin_bodies_must_be_declared_json(env: Env, content_type: Any, body: bytes) -> None:
    before = env.mock.clock.now()
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = _admin(env, "POST", "/clock", data=body or None, headers=headers)
    assert response.status_code == 415, response.text
    declared = "not absent" if content_type is None else f"not {content_type!r}"
    assert response.json() == {
        "error": "UNSUPPORTED_MEDIA_TYPE",
        "message": f"admin request bodies must be Content-Type: application/json, {declared}"
        " (curl: --json '...', or -H 'Content-Type: application/json')",
    }
    assert env.mock.clock.now() - before < 60


def test_json_with_parameters_and_bodiless_calls_are_served(env: Env) -> None:
    typed = _admin(
        env,
        "POST",
        "/clock",
        data=b'{"advance": 5}',
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert typed.status_code == 200
    assert _admin(env, "POST", "/reset").status_code == 204  # curl -X POST .../reset
    assert _admin(env, "DELETE", "/faults").status_code == 204


def test_the_demo_page_opens_from_a_link_on_another_site(env: Env) -> None:
    page = env.sigma(
        "GET", "/_authmock/ui/", headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"}
    )
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"


def test_curl_with_json_drives_the_admin_api(served: tuple[AuthMock, Any]) -> None:
    _, server = served
    curl = subprocess.run(
        ["curl", "-sS", "--json", '{"advance": 60}', f"{server.url}/_authmock/clock"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if curl.returncode == 2 and "--json" in curl.stderr:
        pytest.skip("this curl has no --json")
    assert curl.returncode == 0, curl.stderr
    assert set(json.loads(curl.stdout)) == {"now"}
