"""In-process mode for requests: activation, coexistence, reset, determinism."""

from __future__ import annotations

import asyncio
import errno
from typing import Any

import pytest
import requests
import responses

from authmock import AuthMock

SIGMA = "https://api.sigma-pim.com"
LOGIN = f"{SIGMA}/api/v1/auth/login"
ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def _login() -> requests.Response:
    return requests.post(LOGIN, json=ADMIN)


def test_context_manager_intercepts_and_restores() -> None:
    from requests.adapters import HTTPAdapter

    original = HTTPAdapter.get_connection_with_tls_context
    with AuthMock(seed=1):
        assert HTTPAdapter.get_connection_with_tls_context is not original
        assert _login().status_code == 200
    assert HTTPAdapter.get_connection_with_tls_context is original


def test_decorator() -> None:
    mock = AuthMock(seed=1)

    @mock
    def call() -> int:
        return _login().status_code

    assert call() == 200
    assert not mock.active
    assert len(mock.calls) == 1


def test_decorator_on_async_function() -> None:
    mock = AuthMock(seed=1)

    @mock
    async def call() -> int:
        return _login().status_code

    assert asyncio.run(call()) == 200


def test_start_stop_is_restartable_and_state_survives() -> None:
    mock = AuthMock(seed=1)
    mock.start()
    mock.sigma.add_tenant("ws-kept", "Kept")
    mock.stop()
    assert not mock.active
    mock.start()
    try:
        tenants = requests.get(f"{SIGMA}/api/v1/auth/quick-logins").json()
        assert tenants[-1]["workspaceId"] == "ws-kept"
    finally:
        mock.stop()


def test_user_responses_registered_first_still_answer() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://example.test/ping", json={"pong": True})
        with AuthMock(seed=1):
            assert requests.get("https://example.test/ping").json() == {"pong": True}
            assert _login().status_code == 200
        assert requests.get("https://example.test/ping").json() == {"pong": True}


def test_user_responses_registered_second_still_answer() -> None:
    with AuthMock(seed=1):
        with responses.RequestsMock() as rsps:
            rsps.add(responses.GET, "https://example.test/ping", json={"pong": True})
            assert requests.get("https://example.test/ping").json() == {"pong": True}
            assert _login().status_code == 200
        assert _login().status_code == 200


@responses.activate
def test_with_responses_activate_decorator() -> None:
    responses.add(responses.GET, "https://example.test/ping", body="pong")
    with AuthMock(seed=1):
        assert requests.get("https://example.test/ping").text == "pong"
        assert _login().status_code == 200


def test_unknown_hosts_are_left_to_responses() -> None:
    with AuthMock(seed=1), responses.RequestsMock() as rsps:
        # Not authmock's host and not registered: responses refuses it, as usual.
        with pytest.raises(requests.ConnectionError):
            requests.get("https://elsewhere.test/")
        assert len(rsps.calls) == 1


def test_passthrough_prefixes_are_not_intercepted() -> None:
    with (
        AuthMock(seed=1, passthrough=[f"{SIGMA}/passthru/"]) as mock,
        responses.RequestsMock() as rsps,
    ):
        rsps.add(responses.GET, f"{SIGMA}/passthru/x", body="real network")
        assert requests.get(f"{SIGMA}/passthru/x").text == "real network"
        assert requests.get(f"{SIGMA}/healthz").json() == {"status": "ok"}
        assert [c.path for c in mock.calls] == ["/healthz"]


def test_custom_sigma_url() -> None:
    with AuthMock(seed=1, sigma_url="http://sigma.internal:8443/") as mock:
        assert mock.sigma_url == "http://sigma.internal:8443"
        response = requests.post("http://sigma.internal:8443/api/v1/auth/login", json=ADMIN)
        assert response.status_code == 200


def test_two_mocks_at_once_on_different_hosts() -> None:
    with AuthMock(seed=1) as first, AuthMock(seed=2, sigma_url="https://sigma-two.test") as second:
        assert _login().status_code == 200
        assert (
            requests.post("https://sigma-two.test/api/v1/auth/login", json=ADMIN).status_code == 200
        )
        assert len(first.calls) == 1 and len(second.calls) == 1


def test_reset_returns_to_the_seeded_state() -> None:
    with AuthMock(seed=3) as mock:
        before = mock.state()
        old_secret = mock.sigma.secret
        token = _login().json()["token"]
        mock.sigma.add_tenant("ws-new", "New")
        mock.faults.add(path="/healthz", status=503)
        mock.clock.advance(5000)
        mock.reset()
        assert mock.state() == before
        assert len(mock.faults) == 0 and len(mock.calls) == 0
        assert abs(mock.clock.now() - __import__("time").time()) < 5
        # Tokens from before the reset are void: the secret is new.
        assert mock.sigma.secret != old_secret
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{SIGMA}/api/v1/roles", headers=headers).status_code == 401


def test_reset_with_another_seed_reseeds() -> None:
    with AuthMock(seed=3) as mock:
        three = mock.state()
        mock.reset(seed=4)
        assert mock.seed == 4
        assert mock.state() != three
        assert mock.state() == AuthMock(seed=4).state()


def test_same_seed_gives_byte_identical_data() -> None:
    from authmock.cli import credentials

    a, b, c = AuthMock(seed=42), AuthMock(seed=42), AuthMock(seed=43)
    assert a.state() == b.state()
    assert credentials(a) == credentials(b)
    assert a.state() != c.state()
    assert a.sigma.secret != b.sigma.secret  # secrets stay random per mock


def test_seed_from_scenario_and_explicit_seed_wins() -> None:
    assert AuthMock(scenario="two-tenants").seed == 11
    assert AuthMock(seed=5, scenario="two-tenants").seed == 5
    assert AuthMock().seed == 0


def test_journal_records_calls() -> None:
    with AuthMock(seed=1) as mock:
        _login()
        requests.get(f"{SIGMA}/api/v1/nope")
        mock.assert_called("POST", "/api/v1/auth/login", times=1)
        mock.assert_called("GET", "/api/v1/nope")
        with pytest.raises(AssertionError, match="was called 1 time"):
            mock.assert_called("POST", "/api/v1/auth/login", times=2)
        with pytest.raises(AssertionError, match="never called"):
            mock.assert_called("GET", "/healthz")
        login_call = mock.calls.filter(path="/api/v1/auth/login")[0]
        assert login_call.status == 200
        assert login_call.tenant == "ws-sigma" and login_call.principal == "user-admin"
        assert login_call.body == {"email": "admin@sigma.io", "password": "********"}
        mock.calls.clear()
        assert len(mock.calls) == 0


def test_admin_api_is_not_journaled_and_works_in_process() -> None:
    with AuthMock(seed=1) as mock:
        assert requests.post(f"{SIGMA}/_authmock/clock", json={"advance": 60}).status_code == 200
        state = requests.get(f"{SIGMA}/_authmock/state").json()
        assert state["sigma"]["tenants"][0]["workspaceId"] == "ws-sigma"
        assert len(mock.calls) == 0


# -- user-registered protected routes -------------------------------------------------


@pytest.fixture
def routed() -> Any:
    with AuthMock(seed=7) as mock:

        @mock.sigma.route("GET", "/api/v1/products/<product_id>", permission="update-model")
        def product(request: Any, principal: Any) -> Any:
            return {
                "id": request.view_args["product_id"],
                "workspace": principal.workspace_id,
                "user": principal.user_id,
                "key": principal.api_key_id,
                "q": request.args.get("q"),
            }

        @mock.sigma.route("GET", "/api/v1/items")
        def items(request: Any, principal: Any) -> Any:
            return [1, 2]

        yield mock


def _token(mock: AuthMock, role: str) -> dict[str, str]:
    user = next(u for u in mock.sigma.users("ws-sigma") if u["roleId"] == role)
    return {"Authorization": f"Bearer {mock.sigma.issue_token(user['email'])}"}


@pytest.mark.parametrize(
    ("role", "read_ok", "model_ok"),
    [("role-admin", True, True), ("role-editor", True, False), ("role-viewer", True, False)],
)
def test_user_route_permission_by_role(
    routed: AuthMock, role: str, read_ok: bool, model_ok: bool
) -> None:
    headers = _token(routed, role)
    assert (requests.get(f"{SIGMA}/api/v1/items", headers=headers).status_code == 200) is read_ok
    response = requests.get(f"{SIGMA}/api/v1/products/p1?q=x", headers=headers)
    if model_ok:
        assert response.json() == {
            "id": "p1",
            "workspace": "ws-sigma",
            "user": "user-admin",
            "key": None,
            "q": "x",
        }
    else:
        assert response.status_code == 403
        assert response.json() == {
            "error": "PERMISSION_DENIED",
            "message": "This action requires the 'update-model' permission",
        }


def test_user_route_permission_by_key(routed: AuthMock) -> None:
    reader = routed.sigma.create_api_key("ws-sigma", "r", ["read"])
    modeller = routed.sigma.create_api_key("ws-sigma", "m", ["update-model"])
    assert requests.get(f"{SIGMA}/api/v1/items", headers={"X-Sigma-ApiKey": reader}).json() == [
        1,
        2,
    ]
    assert (
        requests.get(f"{SIGMA}/api/v1/products/p", headers={"X-Sigma-ApiKey": reader}).status_code
        == 403
    )
    assert (
        requests.get(f"{SIGMA}/api/v1/items", headers={"X-Sigma-ApiKey": modeller}).status_code
        == 403
    )
    response = requests.get(f"{SIGMA}/api/v1/products/p", headers={"X-Sigma-ApiKey": modeller})
    assert response.json()["key"].startswith("apikey-")


def test_user_route_requires_authentication_and_survives_reset(routed: AuthMock) -> None:
    assert requests.get(f"{SIGMA}/api/v1/items").json() == {
        "error": "UNAUTHORIZED",
        "message": "Missing authentication",
    }
    routed.reset()
    assert requests.get(f"{SIGMA}/api/v1/items", headers=_token(routed, "role-viewer")).json() == [
        1,
        2,
    ]


def test_user_route_can_return_a_werkzeug_response() -> None:
    from werkzeug.wrappers import Response

    with AuthMock(seed=1) as mock:

        @mock.sigma.route("POST", "/api/v1/echo")
        def echo(request: Any, principal: Any) -> Response:
            return Response(request.get_data(), status=202, content_type="text/plain")

        headers = _token(mock, "role-viewer")
        response = requests.post(f"{SIGMA}/api/v1/echo", data=b"hello", headers=headers)
        assert (response.status_code, response.text, response.headers["Content-Type"]) == (
            202,
            "hello",
            "text/plain",
        )


def test_user_route_exception_is_a_500_and_is_reraised() -> None:
    mock = AuthMock(seed=1)

    @mock.sigma.route("GET", "/api/v1/boom")
    def boom(request: Any, principal: Any) -> Any:
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError, match="handler bug"), mock:
        response = requests.get(f"{SIGMA}/api/v1/boom", headers=_token(mock, "role-viewer"))
        assert response.status_code == 500
        assert response.json() == {
            "error": "INTERNAL_ERROR",
            "message": "Route handler raised an exception",
        }


def test_sigma_url_with_a_path_prefix() -> None:
    base = "http://sigma.internal:8443/pim"
    with AuthMock(seed=1, sigma_url=base + "/") as mock:
        assert mock.sigma_url == base
        assert requests.get(f"{base}/healthz").json() == {"status": "ok"}
        # The admin API lives under the same prefix.
        assert requests.post(f"{base}/_authmock/clock", json={"advance": 60}).status_code == 200
        # A sibling path is not under the prefix: not intercepted (responses refuses it).
        with responses.RequestsMock(), pytest.raises(requests.ConnectionError):
            requests.get("http://sigma.internal:8443/pimx/healthz", timeout=2)
        assert [c.path for c in mock.calls] == ["/healthz"]


def test_concurrent_calls_share_the_engine_pool_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """The engine pool is cached per host and shared by threads: every call gets
    its own answer (its own URL), and a full pool is not a urllib3 warning."""
    from concurrent.futures import ThreadPoolExecutor

    session = requests.Session()
    with AuthMock(seed=1) as mock:
        token = session.post(LOGIN, json=ADMIN).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        def get(i: int) -> tuple[int, str]:
            reply = session.get(f"{SIGMA}/api/v1/roles?page={i}", headers=headers)
            return reply.status_code, reply.url

        with caplog.at_level("WARNING", logger="urllib3"), ThreadPoolExecutor(16) as pool:
            results = list(pool.map(get, range(64)))
        assert results == [(200, f"{SIGMA}/api/v1/roles?page={i}") for i in range(64)]
        urls = sorted(c.url for c in mock.calls if c.path == "/api/v1/roles")
        assert urls == sorted(f"{SIGMA}/api/v1/roles?page={i}" for i in range(64))
        assert [r for r in caplog.records if r.name.startswith("urllib3")] == []
    with AuthMock(seed=1):  # a new start builds its pools afresh
        assert session.post(LOGIN, json=ADMIN).status_code == 200


def test_a_route_set_cookie_reaches_the_session_jar() -> None:
    """requests takes cookies from the wrapped http.client response's headers:
    in-process they come from the engine's reply, as on the network."""
    from werkzeug.wrappers import Response

    session = requests.Session()
    with AuthMock(seed=1) as mock:

        @mock.sigma.route("GET", "/api/v1/cookie")
        def cookie(request: Any, principal: Any) -> Response:
            response = Response("ok")
            response.set_cookie("flavour", "oat", path="/")
            response.set_cookie("size", "large", path="/")
            return response

        response = session.get(f"{SIGMA}/api/v1/cookie", headers=_token(mock, "role-viewer"))
        assert response.status_code == 200
        assert response.cookies.get_dict() == {"flavour": "oat", "size": "large"}
        assert session.cookies.get_dict() == {"flavour": "oat", "size": "large"}


def test_a_refused_connection_names_the_connection_as_urllib3_does() -> None:
    """The error a client logs reads as on the network: HTTPSConnection(host=...)."""
    with AuthMock(seed=7) as mock, pytest.raises(requests.ConnectionError) as caught:
        requests.get(mock.bigid_url("nope") + "/sessions")
    assert (
        "Caused by NewConnectionError(\"HTTPSConnection(host='nope.bigid.com', port=443): "
        f"Failed to establish a new connection: [Errno {errno.ECONNREFUSED}] Connection refused "
        "(authmock: no BigID deployment 'nope')\")"
    ) in str(caught.value)


def test_a_urllib3_timeout_with_a_total_works_as_on_the_network() -> None:
    """requests takes a urllib3 ``Timeout``; one with a ``total`` has its read
    budget counted from the connect, which must have started."""
    from urllib3 import Timeout

    with AuthMock(seed=7) as mock:
        assert requests.post(LOGIN, json=ADMIN, timeout=Timeout(total=5)).status_code == 200
        mock.faults.add(path="/api/v1/auth/login", delay=30)
        with pytest.raises(requests.ReadTimeout, match="authmock fault fault-1"):
            requests.post(LOGIN, json=ADMIN, timeout=Timeout(total=0.2))
        # The total caps a longer read timeout, as urllib3 counts it.
        with pytest.raises(requests.ReadTimeout, match=r"\(read timeout=0\.[12]\d*\)"):
            requests.post(LOGIN, json=ADMIN, timeout=Timeout(read=20, total=0.2))


@pytest.mark.parametrize(
    "wrap",
    [bytearray, memoryview, lambda data: iter([data[:5], data[5:].decode()])],
    ids=["bytearray", "memoryview", "chunks"],
)
def test_a_streamed_body_reaches_the_engine_as_urllib3_sends_it(wrap: Any) -> None:
    """requests streams a bytearray, memoryview or iterable body; urllib3 sends
    its bytes (a str chunk as UTF-8), and so does the in-process pool."""
    import json

    data = json.dumps(ADMIN).encode()
    with AuthMock(seed=7):
        response = requests.post(
            LOGIN, data=wrap(data), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 200, response.text


def test_a_missing_ca_bundle_or_client_cert_is_requests_own_oserror(tmp_path: Any) -> None:
    # requests checks verify= and cert= paths before sending; in-process that
    # check is made once per setting, and a bad path still fails every time.
    missing = str(tmp_path / "missing.pem")
    session = requests.Session()
    with AuthMock(seed=0):
        assert session.get(f"{SIGMA}/healthz").status_code == 200
        for _ in range(2):
            with pytest.raises(OSError, match=r"invalid path: .*missing\.pem"):
                session.get(f"{SIGMA}/healthz", verify=missing)
            with pytest.raises(OSError, match="TLS certificate file, invalid path"):
                session.get(f"{SIGMA}/healthz", cert=missing)
        assert session.get(f"{SIGMA}/healthz", verify=False).status_code == 200
        assert session.get(f"{SIGMA}/healthz").status_code == 200
        pool = session.get_adapter(SIGMA).get_connection_with_tls_context(
            requests.Request("GET", f"{SIGMA}/healthz").prepare(), True
        )
        # The setting last accepted is what the pool carries, as requests left it.
        assert pool.cert_reqs == "CERT_REQUIRED"


def test_a_ca_bundle_or_client_cert_deleted_between_calls_fails_the_next_call(
    tmp_path: Any,
) -> None:
    # On the network requests checks the files on every call: a bundle or a
    # client certificate that is gone fails the next call, however many passed.
    bundle, cert = tmp_path / "ca.pem", tmp_path / "client.pem"
    bundle.write_text("not read in-process\n")
    cert.write_text("not read in-process\n")
    session = requests.Session()
    with AuthMock(seed=0):
        assert session.get(f"{SIGMA}/healthz", verify=str(bundle)).status_code == 200
        assert session.get(f"{SIGMA}/healthz", cert=str(cert)).status_code == 200
        bundle.unlink()
        cert.unlink()
        with pytest.raises(OSError, match=r"invalid path: .*ca\.pem"):
            session.get(f"{SIGMA}/healthz", verify=str(bundle))
        with pytest.raises(OSError, match=r"TLS certificate file, invalid path: .*client\.pem"):
            session.get(f"{SIGMA}/healthz", cert=str(cert))


def test_a_ca_bundle_path_that_becomes_a_directory_is_used_as_one(tmp_path: Any) -> None:
    # requests tells a bundle file (ca_certs) from a directory (ca_cert_dir) on
    # every call; the in-process check must see the change too.
    bundle = tmp_path / "ca"
    bundle.write_text("not read in-process\n")
    session = requests.Session()
    with AuthMock(seed=0):
        assert session.get(f"{SIGMA}/healthz", verify=str(bundle)).status_code == 200
        pool = session.get_adapter(SIGMA).get_connection_with_tls_context(
            requests.Request("GET", f"{SIGMA}/healthz").prepare(), str(bundle)
        )
        assert pool.ca_certs == str(bundle)
        bundle.unlink()
        bundle.mkdir()
        assert session.get(f"{SIGMA}/healthz", verify=str(bundle)).status_code == 200
        assert pool.ca_cert_dir == str(bundle)


def test_bytes_header_values_arrive_as_a_server_reads_them() -> None:
    # requests sends a bytes header name or value as it is; a server reads
    # header bytes as latin-1 text (WSGI). In-process the same: a bytes token
    # authenticates, a long bytes value is capped in the journal, not a crash.
    with AuthMock(seed=1) as mock:
        token = mock.sigma.issue_token("admin@sigma.io")
        roles = f"{SIGMA}/api/v1/roles"
        auth = {"Authorization": f"Bearer {token}".encode()}
        assert requests.get(roles, headers=auth).status_code == 200
        big = {"X-Big": b"v" * 9000, b"X-Name": "caf\xe9".encode("latin-1")}
        assert requests.get(roles, headers={**auth, **big}).status_code == 200
        first, second = mock.calls
    assert first.headers["Authorization"] == "********" + token[-4:]
    assert second.headers["X-Name"] == "caf\xe9"
    assert second.headers["X-Big"].startswith("v" * 100)
    assert sum(len(k) + len(v) for k, v in second.headers.items()) <= 8 * 1024 + 100
