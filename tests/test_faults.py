"""Failure injection, in every way in: requests and httpx (sync and async)
in-process, and a live server over real sockets (``way``), plus the named
failures as contract tests (``env``)."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import pytest
import requests

from authmock import AuthMock
from authmock.faults import FaultError, FaultSet

LOGIN = {"email": "admin@sigma.io", "password": "admin"}
HEALTHZ = b'{"status":"ok"}'
Env = Any  # tests/conftest.py's Env: a client, base URLs and the mock


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin_token(mock: Any) -> str:
    return str(mock.sigma.issue_token("admin@sigma.io", workspace_id="ws-sigma"))


def add_acme(mock: AuthMock) -> None:
    mock.sigma.add_tenant("ws-acme", "Acme")
    mock.sigma.add_user("ws-acme", "ops@acme.test", "s3cret", role_id="role-admin")


# -- the named failures, as contract tests -------------------------------------------------


def test_expiry_by_clock(env: Env) -> None:
    token = env.sigma("POST", "/api/v1/auth/login", json=LOGIN).json()["token"]
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200
    env.mock.clock.advance(86401)
    expired = env.sigma("GET", "/api/v1/roles", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json() == {"error": "UNAUTHORIZED", "message": "Invalid or expired token"}


def test_expiry_by_minted_token(env: Env) -> None:
    token = env.mock.sigma.issue_token("admin@sigma.io", expires_in=-1)
    refresh = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert refresh.status_code == 401
    assert refresh.json() == {"error": "UNAUTHORIZED", "message": "Invalid or expired token"}


def test_one_shot_401_on_refresh_then_success(env: Env) -> None:
    token = admin_token(env.mock)
    env.mock.faults.add(path="/api/v1/auth/refresh", status=401, times=1)
    first = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert first.status_code == 401
    assert first.json() == {"error": "UNAUTHORIZED", "message": "Invalid or expired token"}
    second = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert second.status_code == 200
    assert second.json()["user"]["id"] == "user-admin"


def test_missing_workspace_on_refresh(env: Env) -> None:
    token = admin_token(env.mock)
    env.mock.sigma.remove_workspace("ws-sigma")
    refresh = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert refresh.status_code == 401
    assert refresh.json() == {"error": "UNAUTHORIZED", "message": "Workspace not found"}


# -- kinds, in every way in ------------------------------------------------------------------


def test_http_fault_answers_in_the_sigma_envelope(way: Env) -> None:
    way.mock.faults.add(path="/api/v1/roles", status=503)
    r = way.sigma("GET", "/api/v1/roles", headers=bearer(admin_token(way.mock)))
    assert r.status_code == 503
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"error": "SERVICE_UNAVAILABLE", "message": "Service Unavailable"}


def test_http_fault_with_own_error_and_message(way: Env) -> None:
    way.mock.faults.add(path="/healthz", status=500, error="BOOM", message="It broke")
    r = way.sigma("GET", "/healthz")
    assert (r.status_code, r.json()) == (500, {"error": "BOOM", "message": "It broke"})


def test_429_fault_says_when_to_retry(way: Env) -> None:
    way.mock.faults.add(path="/api/v1/auth/login", status=429)
    r = way.sigma("POST", "/api/v1/auth/login", json=LOGIN)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "1"
    assert r.json() == {"error": "RATE_LIMITED", "message": "Too many requests"}


def test_reset_raises_the_clients_connection_error(way: Env) -> None:
    reset_error, timeout_error = way.client_errors
    fault = way.mock.faults.add(path="/api/v1/auth/login", kind="reset", times=1)
    with pytest.raises(reset_error) as caught:
        way.sigma("POST", "/api/v1/auth/login", json=LOGIN)
    assert not isinstance(caught.value, timeout_error)
    if way.mode == "live":
        assert "reset by peer" in str(caught.value)  # an RST, not a clean close
    assert way.sigma("POST", "/api/v1/auth/login", json=LOGIN).status_code == 200
    dropped = way.mock.calls[0]
    assert (dropped.path, dropped.status, dropped.fault) == ("/api/v1/auth/login", 0, fault)


def test_timeout_raises_the_clients_read_timeout(way: Env) -> None:
    _, timeout_error = way.client_errors
    way.mock.faults.add(path="/api/v1/roles", kind="timeout", times=1)
    token = admin_token(way.mock)
    with pytest.raises(timeout_error):
        # The live server stalls: the client's own timeout ends the wait.
        way.sigma("GET", "/api/v1/roles", headers=bearer(token), timeout=0.3)
    assert way.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200


def test_malformed_is_a_200_with_half_the_body(way: Env) -> None:
    way.mock.faults.add(path="/healthz", kind="malformed", times=1)
    r = way.sigma("GET", "/healthz")
    assert r.status_code == 200
    assert r.content == HEALTHZ[: len(HEALTHZ) // 2]
    with pytest.raises(ValueError):
        r.json()
    assert way.sigma("GET", "/healthz").content == HEALTHZ


def test_malformed_turns_an_error_into_a_broken_200(way: Env) -> None:
    way.mock.faults.add(path="/api/v1/roles", kind="malformed")
    r = way.sigma("GET", "/api/v1/roles")  # no credentials: really a 401
    full = json.dumps(
        {"error": "UNAUTHORIZED", "message": "Missing authentication"}, separators=(",", ":")
    ).encode()
    assert (r.status_code, r.content) == (200, full[: len(full) // 2])


def test_delay_alone_answers_normally(way: Env) -> None:
    way.mock.faults.add(path="/healthz", delay=0.01)
    assert way.sigma("GET", "/healthz").content == HEALTHZ
    assert way.mock.faults.list()[0].fired == 1


def test_delay_longer_than_the_client_timeout_times_out(way: Env) -> None:
    _, timeout_error = way.client_errors
    way.mock.faults.add(path="/healthz", delay=60, times=1)
    with pytest.raises(timeout_error):
        way.sigma("GET", "/healthz", timeout=0.2)
    way.mock.reset()  # releases the live server's sleeping request at once
    assert way.sigma("GET", "/healthz").content == HEALTHZ


def test_delay_combines_with_a_status(way: Env) -> None:
    way.mock.faults.add(path="/healthz", delay=0.01, status=502)
    r = way.sigma("GET", "/healthz")
    assert (r.status_code, r.json()["error"]) == (502, "BAD_GATEWAY")


# -- which requests a fault matches ------------------------------------------------------------


def test_after_and_times_make_a_sequence(way: Env) -> None:
    token = admin_token(way.mock)
    way.mock.faults.add(path="/api/v1/auth/refresh", status=401, after=2, times=2)
    statuses = [
        way.sigma("POST", "/api/v1/auth/refresh", json={"token": token}).status_code
        for _ in range(6)
    ]
    assert statuses == [200, 200, 401, 401, 200, 200]
    assert way.mock.faults.list() == []  # expired after firing twice


def test_after_and_times_with_connection_kinds(way: Env) -> None:
    reset_error, _ = way.client_errors
    way.mock.faults.add(path="/healthz", kind="reset", after=1, times=1)
    way.mock.faults.add(path="/healthz", status=503, after=2, times=1)
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(way.sigma("GET", "/healthz").status_code)
        except reset_error:
            outcomes.append("reset")
    # Each fault counts every request it matches, whichever fault answered it:
    # 1: both let it through; 2: the reset; 3: the 503 (its third match).
    assert outcomes == [200, "reset", 503, 200]


def test_glob_paths(way: Env) -> None:
    token = admin_token(way.mock)
    way.mock.faults.add(path="/api/v1/auth/*", status=503)
    assert way.sigma("POST", "/api/v1/auth/login", json=LOGIN).status_code == 503
    assert way.sigma("POST", "/api/v1/auth/refresh", json={"token": token}).status_code == 503
    assert way.sigma("GET", "/api/v1/auth/quick-logins").status_code == 503
    assert way.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200
    assert way.sigma("GET", "/healthz").status_code == 200


def test_glob_in_the_middle_of_a_path(way: Env) -> None:
    token = admin_token(way.mock)
    way.mock.faults.add(path="/api/v1/api-keys/*/deactivate", status=500)
    keys = way.sigma("GET", "/api/v1/api-keys", headers=bearer(token)).json()
    key_id = keys[0]["id"]
    r = way.sigma("POST", f"/api/v1/api-keys/{key_id}/deactivate", headers=bearer(token))
    assert r.status_code == 500
    assert way.sigma("GET", "/api/v1/api-keys", headers=bearer(token)).json()[0]["active"]


def test_glob_characters_other_than_star_are_literal(way: Env) -> None:
    way.mock.faults.add(path="/healthz?", status=503)
    way.mock.faults.add(path="/health[z]", status=503)
    assert way.sigma("GET", "/healthz").status_code == 200


def test_method_matching(way: Env) -> None:
    token = admin_token(way.mock)
    way.mock.faults.add(method="post", path="/api/v1/api-keys", status=503)
    assert way.sigma("GET", "/api/v1/api-keys", headers=bearer(token)).status_code == 200
    created = way.sigma(
        "POST",
        "/api/v1/api-keys",
        headers=bearer(token),
        json={"name": "x", "permissions": ["read"]},
    )
    assert created.status_code == 503


def test_api_matching(way: Env) -> None:
    way.mock.faults.add(api="bigid", path="/healthz", status=503)
    assert way.sigma("GET", "/healthz").status_code == 200
    way.mock.faults.add(api="sigma", path="/healthz", status=502)
    assert way.sigma("GET", "/healthz").status_code == 502


def test_faults_apply_to_unknown_paths(way: Env) -> None:
    unknown = way.sigma("GET", "/api/v1/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": "NOT_FOUND",
        "message": "Route GET /api/v1/no-such-thing not found",
    }
    way.mock.faults.add(path="/api/v1/no-such-thing", status=502)
    assert way.sigma("GET", "/api/v1/no-such-thing").json() == {
        "error": "BAD_GATEWAY",
        "message": "Bad Gateway",
    }


def test_fault_without_path_matches_everything_but_the_admin_api(way: Env) -> None:
    way.mock.faults.add(status=503)
    assert way.sigma("GET", "/healthz").status_code == 503
    assert way.sigma("GET", "/whatever/else").status_code == 503
    listed = way.sigma("GET", "/_authmock/faults")
    assert listed.status_code == 200
    assert [f["id"] for f in listed.json()] == ["fault-1"]
    assert [c.path for c in way.mock.calls] == ["/healthz", "/whatever/else"]


def test_tenant_from_the_bearer_token(way: Env) -> None:
    add_acme(way.mock)
    way.mock.faults.add(tenant="ws-acme", status=503)
    acme = way.mock.sigma.issue_token("ops@acme.test")
    assert way.sigma("GET", "/api/v1/roles", headers=bearer(acme)).status_code == 503
    assert (
        way.sigma("GET", "/api/v1/roles", headers=bearer(admin_token(way.mock))).status_code == 200
    )


def test_tenant_from_an_expired_token_still_counts(way: Env) -> None:
    add_acme(way.mock)
    way.mock.faults.add(tenant="ws-acme", status=503)
    expired = way.mock.sigma.issue_token("ops@acme.test", expires_in=-1)
    assert way.sigma("GET", "/api/v1/roles", headers=bearer(expired)).status_code == 503


def test_tenant_from_a_forged_token_does_not_count(way: Env) -> None:
    import jwt

    add_acme(way.mock)
    way.mock.faults.add(tenant="ws-acme", status=503)
    claims = {"userId": "u", "workspaceId": "ws-acme", "roleId": "role-admin", "iat": 0, "exp": 2}
    forged = jwt.encode(claims, "not-the-secret-" * 4, algorithm="HS256")
    assert way.sigma("GET", "/api/v1/roles", headers=bearer(forged)).status_code == 401


def test_tenant_from_the_api_key(way: Env) -> None:
    add_acme(way.mock)
    raw = way.mock.sigma.create_api_key("ws-acme", "ci", ["read"])
    other = way.mock.sigma.create_api_key("ws-sigma", "ci", ["read"])
    way.mock.faults.add(tenant="ws-acme", status=503)
    assert way.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": raw}).status_code == 503
    assert way.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": other}).status_code == 200


def test_tenant_from_the_body(way: Env) -> None:
    add_acme(way.mock)
    way.mock.faults.add(tenant="ws-acme", status=503)
    acme_login = {"email": "ops@acme.test", "password": "s3cret"}
    assert (
        way.sigma("POST", "/api/v1/auth/login", json={**acme_login, "workspaceId": "ws-acme"})
    ).status_code == 503
    refresh = {"token": way.mock.sigma.issue_token("ops@acme.test")}
    assert way.sigma("POST", "/api/v1/auth/refresh", json=refresh).status_code == 503
    # Without a workspaceId the tenant is not known before routing.
    assert way.sigma("POST", "/api/v1/auth/login", json=acme_login).status_code == 200
    assert way.sigma("POST", "/api/v1/auth/login", json=LOGIN).status_code == 200


def test_faulted_calls_are_journaled_with_their_tenant(way: Env) -> None:
    add_acme(way.mock)
    fault = way.mock.faults.add(tenant="ws-acme", status=503)
    acme = way.mock.sigma.issue_token("ops@acme.test")
    way.sigma("GET", "/api/v1/roles", headers=bearer(acme))
    (call,) = way.mock.calls.filter(fault=fault)
    assert (call.status, call.tenant, call.principal) == (503, "ws-acme", None)


def test_faults_apply_to_user_routes(way: Env) -> None:
    @way.mock.sigma.route("GET", "/api/v1/things")
    def things(request: Any, principal: Any) -> Any:
        return {"workspace": principal.workspace_id}

    token = admin_token(way.mock)
    assert way.sigma("GET", "/api/v1/things", headers=bearer(token)).json() == {
        "workspace": "ws-sigma"
    }
    way.mock.faults.add(path="/api/v1/things", kind="malformed", times=1)
    full = b'{"workspace":"ws-sigma"}'
    assert way.sigma("GET", "/api/v1/things", headers=bearer(token)).content == full[:12]


def probability_pattern(way: Env, seed: int) -> list[int]:
    way.mock.reset(seed=seed)
    way.mock.faults.add(path="/healthz", status=503, probability=0.5)
    return [way.sigma("GET", "/healthz").status_code for _ in range(24)]


def expected_pattern(seed: int) -> list[int]:
    """The pattern from the fault model alone, with no HTTP at all."""
    faults = FaultSet(seed)
    faults.add(path="/healthz", status=503, probability=0.5)
    return [
        503 if faults.check("sigma", "GET", "/healthz", lambda: None) else 200 for _ in range(24)
    ]


def test_probability_is_reproducible_per_seed(way: Env) -> None:
    first = probability_pattern(way, 7)
    again = probability_pattern(way, 7)
    other = probability_pattern(way, 8)
    assert first == again
    assert first != other
    assert set(first) == {200, 503}
    # The same pattern in every way in: the RNG is the mock's, not the transport's.
    assert first == expected_pattern(7)
    assert other == expected_pattern(8)


def test_probability_extremes(way: Env) -> None:
    way.mock.faults.add(path="/healthz", status=503, probability=0)
    assert {way.sigma("GET", "/healthz").status_code for _ in range(5)} == {200}
    way.mock.faults.clear()
    way.mock.faults.add(path="/healthz", status=503, probability=1)
    assert {way.sigma("GET", "/healthz").status_code for _ in range(5)} == {503}


def test_first_matching_fault_wins(way: Env) -> None:
    way.mock.faults.add(path="/healthz", status=502, times=1)
    way.mock.faults.add(path="/health*", status=503)
    assert [way.sigma("GET", "/healthz").status_code for _ in range(3)] == [502, 503, 503]


# -- the Python API -----------------------------------------------------------------------------


def test_add_list_remove_clear(mock: AuthMock) -> None:
    first = mock.faults.add(path="/healthz", status=503, times=2)
    second = mock.faults.add({"path": "/api/v1/*", "kind": "reset"}, probability=0.25)
    assert (first, second) == ("fault-1", "fault-2")
    assert [f.to_json() for f in mock.faults.list()] == [
        {"id": "fault-1", "path": "/healthz", "status": 503, "times": 2, "seen": 0, "fired": 0},
        {
            "id": "fault-2",
            "path": "/api/v1/*",
            "kind": "reset",
            "probability": 0.25,
            "seen": 0,
            "fired": 0,
        },
    ]
    assert mock.faults.remove(first) is True
    assert mock.faults.remove(first) is False
    assert [f.id for f in mock.faults.list()] == [second]
    mock.faults.clear()
    assert mock.faults.list() == []
    assert mock.faults.add(path="/x", status=500) == "fault-3"  # ids are never reused
    mock.reset()
    assert mock.faults.list() == []
    assert mock.faults.add(path="/x", status=500) == "fault-1"  # ...until a reset


def test_unfired_lists_faults_that_never_fired(mock: AuthMock) -> None:
    mock.faults.add(path="/healthz", status=503, times=1)
    mock.faults.add(path="/never", status=503, times=1)
    mock.faults.add(path="/always", status=503)
    requests.get(f"{mock.sigma_url}/healthz")
    assert [f.describe() for f in mock.faults.unfired()] == [
        "fault fault-2 (path='/never', status=503, times=1)"
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"path": "/x", "status": 503, "color": "red"}, "unknown fault field 'color'"),
        (
            {"path": "/x"},
            "fault field 'status' is required for kind 'http' (or give a 'body' or a 'delay')",
        ),
        ({"status": 302}, "fault field 'status' must be between 400 and 599 (any of 200-599"),
        ({"status": 200}, "fault field 'status' 200 needs a 'body', or api 'bigid' and a"),
        ({"api": "sigma", "status": 200, "message": "m"}, "fault field 'status' 200 needs a"),
        ({"body": "x", "status": 600}, "fault field 'status' must be between 200 and 599"),
        ({"body": 7}, "fault field 'body' must be a string (sent verbatim)"),
        ({"body": "x", "message": "m"}, "fault field 'message' does not go with 'body'"),
        ({"status": 503, "headers": ["X"]}, "fault field 'headers' must be an object"),
        ({"status": 503, "headers": {"a b": "1"}}, "fault field 'headers': 'a b' is not a header"),
        ({"status": 503, "headers": {"X": "a\r\nB: 1"}}, "fault field 'headers': 'X' must be"),
        ({"status": 503, "headers": {"Content-Length": "1"}}, "fault field 'headers' cannot set"),
        ({"status": 503, "content_type": "a\nb"}, "fault field 'content_type' must be one line"),
        ({"kind": "reset", "body": ""}, "fault field 'body' only applies to kind 'http'"),
        ({"delay": 1, "headers": {"X": "1"}}, "fault field 'headers' needs a 'status' or a 'body'"),
        ({"status": "503"}, "fault field 'status' must be an integer"),
        ({"status": True}, "fault field 'status' must be an integer"),
        ({"kind": "explode"}, "fault field 'kind' must be one of http, reset, timeout, malformed"),
        ({"kind": "reset", "status": 503}, "fault field 'status' only applies to kind 'http'"),
        (
            {"kind": "malformed", "message": "x"},
            "fault field 'message' only applies to kind 'http'",
        ),
        ({"delay": 1, "error": "E"}, "fault field 'error' needs a 'status'"),
        ({"path": "api/v1", "status": 503}, "fault field 'path' must start with '/'"),
        ({"path": "", "status": 503}, "fault field 'path' must be a non-empty string"),
        ({"api": "okta", "status": 503}, "fault field 'api' must be 'sigma' or 'bigid'"),
        (
            {"method": "GET /x", "status": 503},
            "fault field 'method' must be an HTTP method such as 'GET'",
        ),
        ({"status": 503, "times": 0}, "fault field 'times' must be between 1 and 1000000000"),
        ({"status": 503, "after": -1}, "fault field 'after' must be between 0 and 1000000000"),
        ({"status": 503, "probability": 1.5}, "fault field 'probability' must be between 0 and 1"),
        ({"status": 503, "delay": -1}, "fault field 'delay' must be between 0 and 3600"),
        ({"status": 503, "delay": "1"}, "fault field 'delay' must be a number"),
        ({"status": 503, "tenant": 7}, "fault field 'tenant' must be a non-empty string"),
    ],
)
def test_invalid_faults_name_the_field(
    mock: AuthMock, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(FaultError) as caught:
        mock.faults.add(**fields)
    assert str(caught.value).startswith(message)
    assert mock.faults.list() == []


def test_concurrent_requests_fire_a_fault_exactly_times(mock: AuthMock) -> None:
    mock.faults.add(path="/healthz", status=503, times=25)
    statuses: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        with requests.Session() as session:
            for _ in range(20):
                code = session.get(f"{mock.sigma_url}/healthz").status_code
                with lock:
                    statuses.append(code)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(503) == 25
    assert statuses.count(200) == 55


def test_transports_work_without_starting_the_mock() -> None:
    import httpx

    mock = AuthMock(seed=7)
    mock.faults.add(path="/healthz", kind="reset")
    with (
        httpx.Client(transport=mock.httpx_transport()) as client,
        pytest.raises(httpx.ReadError),
    ):
        client.get(f"{mock.sigma_url}/healthz")


def test_random_module_state_is_untouched(mock: AuthMock) -> None:
    random.seed(1)
    expected = random.random()
    random.seed(1)
    mock.faults.add(path="/healthz", status=503, probability=0.5)
    for _ in range(5):
        requests.get(f"{mock.sigma_url}/healthz")
    assert random.random() == expected


# -- the admin API --------------------------------------------------------------------------------


def test_admin_api_adds_lists_and_removes_faults(env: Env) -> None:
    added = env.sigma("POST", "/_authmock/faults", json={"path": "/healthz", "status": 503})
    assert (added.status_code, added.json()) == (201, {"id": "fault-1"})
    env.sigma("POST", "/_authmock/faults", json={"path": "/api/*", "kind": "malformed"})
    assert env.sigma("GET", "/healthz").status_code == 503
    assert env.sigma("GET", "/_authmock/faults").json() == [
        {"id": "fault-1", "path": "/healthz", "status": 503, "seen": 1, "fired": 1},
        {"id": "fault-2", "path": "/api/*", "kind": "malformed", "seen": 0, "fired": 0},
    ]
    assert env.sigma("DELETE", "/_authmock/faults/fault-1").status_code == 204
    assert env.sigma("GET", "/healthz").status_code == 200
    missing = env.sigma("DELETE", "/_authmock/faults/fault-1")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "NOT_FOUND", "message": "no fault 'fault-1'"},
    )
    assert env.sigma("DELETE", "/_authmock/faults").status_code == 204
    assert env.sigma("GET", "/_authmock/faults").json() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"path": "/x", "status": 503, "colour": "red"}, "unknown fault field 'colour'"),
        ({"path": "/x", "kind": "reset", "status": 503}, "fault field 'status' only applies"),
        ([{"path": "/x", "status": 503}], "a fault must be a JSON object"),
        ("not json", "request body is not valid JSON"),
    ],
)
def test_admin_api_rejects_bad_faults(env: Env, body: Any, message: str) -> None:
    if body == "not json":
        r = env.sigma(
            "POST", "/_authmock/faults", data=b"{oops", headers={"Content-Type": "application/json"}
        )
    else:
        r = env.sigma("POST", "/_authmock/faults", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == "BAD_REQUEST"
    assert r.json()["message"].startswith(message)
    assert env.sigma("GET", "/_authmock/faults").json() == []


def test_a_fault_must_be_a_mapping_or_keywords(mock: AuthMock) -> None:
    with pytest.raises(FaultError, match="a fault must be a JSON object"):
        mock.faults.add(["/healthz"])  # type: ignore[arg-type]
    fault_id = mock.faults.add({"path": "/healthz", "status": 500}, status=503)
    assert mock.faults.get(fault_id).status == 503  # keywords override the mapping
    with pytest.raises(KeyError):
        mock.faults.get("fault-99")
