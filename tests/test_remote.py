"""RemoteAuthMock specifics: errors, isolation from other mocks, the BigID admin calls."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from authmock import AdminApiError, AuthMock, RemoteAuthMock
from authmock.journal import Call
from authmock.remote import AdminBadRequest, AdminNotFound, AdminUnavailable


@pytest.fixture
def served() -> Iterator[tuple[AuthMock, RemoteAuthMock]]:
    mock = AuthMock(seed=7)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        yield mock, remote


def test_admin_errors_are_typed_and_say_what_failed(
    served: tuple[AuthMock, RemoteAuthMock],
) -> None:
    _, remote = served
    with pytest.raises(AdminNotFound) as missing:
        remote.sigma.remove_workspace("ws-nope")
    assert isinstance(missing.value, KeyError)
    assert (missing.value.status, missing.value.error) == (404, "NOT_FOUND")
    assert str(missing.value) == (
        "authmock admin API: DELETE /_authmock/sigma/workspaces/ws-nope -> 404 NOT_FOUND:"
        " no workspace 'ws-nope'"
    )
    with pytest.raises(AdminBadRequest, match="'expiresIn' has the wrong type") as bad:
        remote.sigma.issue_token("admin@sigma.io", expires_in=1.5)  # type: ignore[arg-type]
    assert isinstance(bad.value, ValueError)


def test_no_server_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with (
        RemoteAuthMock(url, timeout=5) as remote,
        pytest.raises(AdminUnavailable, match=f"no answer from {url}"),
    ):
        remote.clock.now()


def test_in_process_only_features_say_so(served: tuple[AuthMock, RemoteAuthMock]) -> None:
    _, remote = served
    with pytest.raises(NotImplementedError, match=r"mock.sigma.route exists only in-process"):
        remote.sigma.route("GET", "/api/v1/widgets")
    with pytest.raises(NotImplementedError, match=r"mock.bigid.route exists only in-process"):
        remote.bigid.route("GET", "/api/v1/widgets")
    # The signing keys are served, so a service under test can verify tokens.
    local, _ = served
    assert remote.bigid.secret("sandbox") == local.bigid.secret("sandbox")


def test_urls(served: tuple[AuthMock, RemoteAuthMock]) -> None:
    _, remote = served
    assert remote.sigma_url == remote.url
    assert remote.bigid_url() == remote.url + "/bigid/sandbox/api/v1"
    assert remote.bigid_url(None) == remote.url + "/api/v1"
    assert remote.bigid_url("acme") == remote.url + "/bigid/acme/api/v1"
    assert RemoteAuthMock("http://127.0.0.1:9/").url == "http://127.0.0.1:9"


def test_journal_records_round_trip(served: tuple[AuthMock, RemoteAuthMock]) -> None:
    mock, remote = served
    requests.post(remote.url + "/api/v1/auth/login", json={"email": "x@y.z", "password": "p"})
    requests.get(remote.url + "/healthz")
    assert list(remote.calls) == list(mock.calls)
    assert [Call.from_json(c.to_json()) for c in mock.calls] == list(mock.calls)


def test_admin_calls_escape_responses_and_other_mocks(
    served: tuple[AuthMock, RemoteAuthMock],
) -> None:
    served_mock, remote = served
    # An in-process mock claiming the server's own URL, and a strict `responses` mock.
    other = AuthMock(seed=1, sigma_url=remote.url)
    with other, responses.RequestsMock(assert_all_requests_are_fired=False):
        remote.sigma.add_tenant("ws-remote", "Remote")
    assert "ws-remote" in [t["workspaceId"] for t in served_mock.sigma.tenants]
    assert "ws-remote" not in [t["workspaceId"] for t in other.sigma.tenants]


# -- the BigID admin calls, checked against the admin API table on a recording server ----
class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []
        self.admin_tokens: list[str | None] = []
        self.answers: dict[tuple[str, str], tuple[int, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_json(silent=True) if request.data else None
        self.seen.append((request.method, request.path, body))
        self.admin_tokens.append(request.headers.get("X-Authmock-Admin"))
        status, answer = self.answers.get((request.method, request.path), (204, None))
        response = Response(
            json.dumps(answer) if answer is not None else b"",
            status=status,
            content_type="application/json",
        )
        return response(environ, start_response)


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, RemoteAuthMock]]:
    app = Recorder()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        with RemoteAuthMock(f"http://127.0.0.1:{server.port}", admin_token="tok") as remote:
            yield app, remote
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_bigid_operations_follow_the_admin_api_table(
    recorder: tuple[Recorder, RemoteAuthMock],
) -> None:
    app, remote = recorder
    app.answers[("GET", "/_authmock/state")] = (
        200,
        {
            "sigma": {"tenants": []},
            "bigid": {"errors": "spec", "deployments": [{"name": "sandbox"}]},
        },
    )
    app.answers[("POST", "/_authmock/bigid/user-tokens")] = (201, {"token": "user.token.jwt"})
    app.answers[("POST", "/_authmock/bigid/system-tokens")] = (201, {"token": "system.jwt"})
    bigid = remote.bigid
    assert bigid.add_deployment("acme") == "acme"
    assert bigid.add_deployment("beta", secret="k" * 32) == "beta"
    assert bigid.add_user("acme", "scanner", "pw", first_name="Scan", role="viewer") == "scanner"
    assert bigid.create_user_token("scanner", deployment="acme", days=5) == "user.token.jwt"
    assert bigid.issue_system_token("scanner", "acme", expires_in=-1) == "system.jwt"
    bigid.revoke_user_token("user.token.jwt")
    bigid.errors = "production"
    bigid.remove_user("acme", "scanner")
    bigid.remove_deployment("acme")
    assert bigid.errors == "spec"
    assert bigid.deployments == [{"name": "sandbox"}]
    assert app.seen == [
        ("POST", "/_authmock/bigid/deployments", {"name": "acme"}),
        ("POST", "/_authmock/bigid/deployments", {"name": "beta", "secret": "k" * 32}),
        (
            "POST",
            "/_authmock/bigid/users",
            {
                "deployment": "acme",
                "username": "scanner",
                "password": "pw",
                "firstName": "Scan",
                "role": "viewer",
            },
        ),
        (
            "POST",
            "/_authmock/bigid/user-tokens",
            {"username": "scanner", "deployment": "acme", "days": 5},
        ),
        (
            "POST",
            "/_authmock/bigid/system-tokens",
            {"username": "scanner", "deployment": "acme", "expiresIn": -1},
        ),
        ("POST", "/_authmock/bigid/user-tokens/revoke", {"token": "user.token.jwt"}),
        ("POST", "/_authmock/bigid/errors", {"errors": "production"}),
        ("DELETE", "/_authmock/bigid/deployments/acme/users/scanner", None),
        ("DELETE", "/_authmock/bigid/deployments/acme", None),
        ("GET", "/_authmock/state", None),
        ("GET", "/_authmock/state", None),
    ]


def test_admin_token_is_sent(recorder: tuple[Recorder, RemoteAuthMock]) -> None:
    app, remote = recorder
    app.answers[("GET", "/_authmock/clock")] = (401, {"error": "UNAUTHORIZED", "message": "no"})
    with pytest.raises(AdminApiError, match="401 UNAUTHORIZED: no"):
        remote.clock.now()
    remote.calls.clear()
    assert app.admin_tokens == ["tok", "tok"]
