"""The admin API under ``/_authmock/``: every route of the contract, in-process
(on the intercepted host) and on the live server, JSON in and out; bad input
is a 400 JSON error, never a 500."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authmock import AuthMock
from authmock.journal import Call
from authmock.seed import seed_data
from authmock.ways.wsgi_call import build_environ, call
from tests.conftest import Env

ADMIN_EMAIL = "admin@sigma.io"
NEW_USER = {"workspaceId": "ws-sigma", "email": "x@y.test", "password": "p"}
KEY_OBJECT = {"id", "name", "permissions", "active", "createdAt", "lastUsedAt"}
ONE_OF = 'give exactly one of {"advance": s}, {"set": epoch}, {"resume": true}'
NEW_KEY = {"workspaceId": "ws-sigma", "name": "k", "permissions": ["read"]}


def admin(env: Env, method: str, path: str, **kwargs: Any) -> Any:
    return env.sigma(method, "/_authmock" + path, **kwargs)


NO_SCENARIO_DIR = (
    "'scenario' must be a bundled scenario name (acme, bigid-resources, two-tenants);"
    " files are read only from a"
    " scenario directory (serve --scenario-dir)"
)


def test_reset_state_and_reseed(env: Env) -> None:
    seeded = admin(env, "GET", "/state").json()
    assert (
        admin(env, "POST", "/sigma/tenants", json={"workspaceId": "ws-x", "name": "X"}).status_code
        == 201
    )
    reset = admin(env, "POST", "/reset")
    assert (reset.status_code, reset.content) == (204, b"")
    assert admin(env, "GET", "/state").json() == seeded
    reseeded = admin(env, "POST", "/reset", json={"seed": 3})
    assert reseeded.status_code == 204
    expected = AuthMock(seed=3).state()["sigma"]
    state = admin(env, "GET", "/state").json()["sigma"]
    assert [t["workspaceId"] for t in state["tenants"]] == [
        t["workspaceId"] for t in expected["tenants"]
    ]
    assert [t["users"] for t in state["tenants"]] == [t["users"] for t in expected["tenants"]]
    scenario = {"sigma": {"tenants": [{"workspaceId": "ws-s", "name": "S"}]}}
    assert admin(env, "POST", "/reset", json={"scenario": scenario}).status_code == 204
    assert admin(env, "GET", "/state").json()["sigma"] == {
        "tenants": [{"workspaceId": "ws-s", "name": "S", "users": [], "apiKeys": []}]
    }


def test_state_shows_passwords_and_key_objects_but_no_hash_or_raw_key(env: Env) -> None:
    body = admin(env, "GET", "/state").json()
    first = body["sigma"]["tenants"][0]
    assert first["workspaceId"] == "ws-sigma"
    assert first["users"][0] == {
        "id": "user-admin",
        "email": ADMIN_EMAIL,
        "name": "Admin User",
        "roleId": "role-admin",
        "password": "admin",
        "quickLogin": True,
    }
    assert set(first["apiKeys"][0]) == KEY_OBJECT
    text = json.dumps(body)
    seeded_key = seed_data(7).section("sigma").tenants[0].api_keys[0]
    assert seeded_key.raw not in text and seeded_key.hash not in text
    assert "sigma_sk_live_" not in text


def test_clock_routes(env: Env) -> None:
    now = admin(env, "GET", "/clock").json()["now"]
    advanced = admin(env, "POST", "/clock", json={"advance": 60}).json()["now"]
    assert 60 <= advanced - now < 120
    assert admin(env, "POST", "/clock", json={"set": 1_900_000_000}).json() == {
        "now": 1_900_000_000
    }
    assert admin(env, "GET", "/clock").json() == {"now": 1_900_000_000}
    resumed = admin(env, "POST", "/clock", json={"resume": True}).json()["now"]
    assert abs(resumed - now) < 60


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, ONE_OF),
        ({"resume": False}, ONE_OF),
        ({"advance": 1, "set": 2}, ONE_OF),
        ({"advance": "1"}, "'advance' has the wrong type"),
        ({"advance": True}, "'advance' has the wrong type"),
        ({"set": -1}, "setting it to -1 would put the clock outside 1970-01-01..9999-12-31"),
        ({"advance": 10**400}, f"advancing by {10**400!r} seconds would put the clock outside"
         " 1970-01-01..9999-12-31"),
        ([1], ONE_OF),
    ],
)  # fmt: skip
def test_clock_bad_bodies(env: Env, body: Any, message: str) -> None:
    response = admin(env, "POST", "/clock", json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "BAD_REQUEST", "message": message},
    )


@pytest.mark.parametrize("raw", ['{"advance": NaN}', '{"set": Infinity}', "{", "[1,", "\xff"])
def test_bodies_that_are_not_json(env: Env, raw: str) -> None:
    response = admin(
        env,
        "POST",
        "/clock",
        data=raw.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": "BAD_REQUEST", "message": "request body is not valid JSON"},
    )


def test_fault_routes(env: Env) -> None:
    created = admin(env, "POST", "/faults", json={"path": "/healthz", "status": 503, "times": 2})
    assert (created.status_code, created.json()) == (201, {"id": "fault-1"})
    listed = admin(env, "GET", "/faults").json()
    assert listed == [
        {"id": "fault-1", "path": "/healthz", "status": 503, "times": 2, "seen": 0, "fired": 0}
    ]
    assert env.sigma("GET", "/healthz").status_code == 503
    assert admin(env, "GET", "/faults").json()[0]["fired"] == 1
    assert admin(env, "DELETE", "/faults/fault-1").status_code == 204
    missing = admin(env, "DELETE", "/faults/fault-1")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "NOT_FOUND", "message": "no fault 'fault-1'"},
    )
    admin(env, "POST", "/faults", json={"status": 500})
    assert admin(env, "DELETE", "/faults").status_code == 204
    assert admin(env, "GET", "/faults").json() == []
    bad = admin(env, "POST", "/faults", json={"status": 500, "times": 0})
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": "BAD_REQUEST", "message": "fault field 'times' must be between 1 and 1000000000"},
    )
    assert admin(env, "POST", "/faults", json=["status", 500]).json() == {
        "error": "BAD_REQUEST",
        "message": "a fault must be a JSON object",
    }


def test_admin_api_is_never_faulted_nor_journaled(env: Env) -> None:
    admin(env, "POST", "/faults", json={"status": 500})
    assert env.sigma("GET", "/healthz").status_code == 500
    assert admin(env, "GET", "/state").status_code == 200
    calls = admin(env, "GET", "/calls").json()
    assert [(c["method"], c["path"], c["status"], c["fault"]) for c in calls] == [
        ("GET", "/healthz", 500, "fault-1")
    ]
    assert admin(env, "DELETE", "/calls").status_code == 204
    assert admin(env, "GET", "/calls").json() == []


def test_calls_are_masked(env: Env) -> None:
    env.sigma("POST", "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "admin"})
    env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": "sigma_sk_live_secretsecret1234"})
    login, roles = admin(env, "GET", "/calls").json()
    assert set(login) == {f.name for f in dataclasses.fields(Call)}
    assert login["body"] == {"email": ADMIN_EMAIL, "password": "********"}
    assert (roles["status"], roles["headers"]["X-Sigma-Apikey"]) == (401, "********1234")


def test_sigma_routes(env: Env) -> None:
    tenant = admin(env, "POST", "/sigma/tenants", json={"workspaceId": "ws-new", "name": "New"})
    assert (tenant.status_code, tenant.json()) == (201, {"workspaceId": "ws-new", "name": "New"})
    new_admin = {
        "workspaceId": "ws-new",
        "email": "a@new.test",
        "password": "pw",
        "roleId": "role-admin",
    }
    user = admin(env, "POST", "/sigma/users", json=new_admin)
    assert user.status_code == 201
    created = user.json()
    assert created == {
        "id": created["id"],
        "email": "a@new.test",
        "name": "a",
        "roleId": "role-admin",
        "workspaceId": "ws-new",
        "password": "pw",
    }
    key = admin(
        env,
        "POST",
        "/sigma/api-keys",
        json={"workspaceId": "ws-new", "name": "ci", "permissions": ["read"]},
    )
    assert key.status_code == 201
    assert set(key.json()) == KEY_OBJECT | {"key"}
    assert (
        env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": key.json()["key"]}).status_code
        == 200
    )
    token = admin(
        env, "POST", "/sigma/tokens", json={"email": "a@new.test", "workspaceId": "ws-new"}
    )
    assert (token.status_code, set(token.json())) == (200, {"token"})
    bearer = {"Authorization": "Bearer " + token.json()["token"]}
    assert env.sigma("GET", "/api/v1/api-keys", headers=bearer).status_code == 200
    expired = admin(
        env, "POST", "/sigma/tokens", json={"email": "a@new.test", "expiresIn": -1}
    ).json()
    assert (
        env.sigma(
            "GET", "/api/v1/roles", headers={"Authorization": "Bearer " + expired["token"]}
        ).status_code
        == 401
    )
    secret = admin(env, "GET", "/sigma/secret").json()
    assert secret == {"secret": env.mock.sigma.secret}
    assert (
        admin(env, "DELETE", f"/sigma/workspaces/ws-new/users/{created['id']}").status_code == 204
    )
    assert admin(env, "DELETE", "/sigma/workspaces/ws-new").status_code == 204
    gone = env.sigma("GET", "/api/v1/roles", headers=bearer)
    assert gone.json() == {"error": "UNAUTHORIZED", "message": "Workspace not found"}
    again = admin(env, "DELETE", "/sigma/workspaces/ws-new")
    assert (again.status_code, again.json()) == (
        404,
        {"error": "NOT_FOUND", "message": "no workspace 'ws-new'"},
    )


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/sigma/tenants", {"workspaceId": "ws-sigma", "name": "Again"}, 400,
         "workspace 'ws-sigma' already exists"),
        ("/sigma/tenants", {"workspaceId": " ", "name": "Blank"}, 400,
         "workspace id and name must not be empty"),
        ("/sigma/tenants", {"workspaceId": 5, "name": "X"}, 400,
         "'workspaceId' has the wrong type"),
        ("/sigma/tenants", {"name": "X"}, 400, "'workspaceId' is required"),
        ("/sigma/users", {"workspaceId": "ws-nope", "email": "a@b.test", "password": "p"}, 404,
         "no workspace 'ws-nope'"),
        ("/sigma/users", {**NEW_USER, "roleId": "role-god"}, 400,
         "unknown role 'role-god' (one of role-admin, role-editor, role-viewer)"),
        ("/sigma/users", {**NEW_USER, "email": ADMIN_EMAIL}, 400,
         "email 'admin@sigma.io' already exists in workspace 'ws-sigma'"),
        ("/sigma/users", {**NEW_USER, "quickLogin": "yes"}, 400, "'quickLogin' has the wrong type"),
        ("/sigma/api-keys", {**NEW_KEY, "permissions": ["fly"]}, 400,
         "permissions contains an unknown permission: 'fly' (allowed: read, update-data,"
         " delete-data, update-model, delete-model)"),
        ("/sigma/api-keys", {**NEW_KEY, "permissions": "read"}, 400,
         "'permissions' has the wrong type"),
        ("/sigma/tokens", {"email": "nobody@x.test"}, 404, "no user 'nobody@x.test'"),
        ("/sigma/tokens", {"email": ADMIN_EMAIL, "expiresIn": 1.5}, 400,
         "'expiresIn' has the wrong type"),
        ("/sigma/tokens", {"email": ADMIN_EMAIL, "expiresIn": 10**12}, 400,
         "'expiresIn' must be within ±1000000000 seconds"),
        ("/sigma/tokens", [ADMIN_EMAIL], 400, "request body must be a JSON object"),
        ("/reset", {"seed": "7"}, 400, "'seed' has the wrong type"),
        ("/reset", {"scenario": {"colour": 1}}, 400, "scenario: colour: unknown key"),
        ("/reset", {"scenario": "/nonexistent/x.toml"}, 400, NO_SCENARIO_DIR),
    ],
)  # fmt: skip
def test_sigma_and_reset_errors(env: Env, path: str, body: Any, status: int, message: str) -> None:
    error = {400: "BAD_REQUEST", 404: "NOT_FOUND"}[status]
    response = admin(env, "POST", path, json=body)
    assert (response.status_code, response.json()) == (status, {"error": error, "message": message})
    assert response.headers["Content-Type"] == "application/json"


def test_unknown_route_and_wrong_method(env: Env) -> None:
    unknown = admin(env, "GET", "/nope")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"error": "NOT_FOUND", "message": "no admin route GET /_authmock/nope"},
    )
    wrong = admin(env, "PUT", "/clock")
    assert (wrong.status_code, wrong.json()) == (
        405,
        {"error": "METHOD_NOT_ALLOWED", "message": "method PUT not allowed on /_authmock/clock"},
    )
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}


# -- never a 500, whatever the body -------------------------------------------------
ROUTES = [
    ("POST", "/_authmock/reset"),
    ("GET", "/_authmock/state"),
    ("GET", "/_authmock/clock"),
    ("POST", "/_authmock/clock"),
    ("GET", "/_authmock/faults"),
    ("POST", "/_authmock/faults"),
    ("DELETE", "/_authmock/faults"),
    ("DELETE", "/_authmock/faults/fault-1"),
    ("GET", "/_authmock/calls"),
    ("DELETE", "/_authmock/calls"),
    ("DELETE", "/_authmock/sigma/workspaces/ws-sigma"),
    ("DELETE", "/_authmock/sigma/workspaces/ws-sigma/users/user-admin"),
    ("POST", "/_authmock/sigma/tokens"),
    ("POST", "/_authmock/sigma/tenants"),
    ("POST", "/_authmock/sigma/users"),
    ("POST", "/_authmock/sigma/api-keys"),
    ("GET", "/_authmock/sigma/secret"),
    ("GET", "/_authmock/openapi/sigma.json"),
]
FIELDS = [
    "seed", "scenario", "advance", "set", "resume", "email", "workspaceId", "expiresIn", "name",
    "password", "roleId", "quickLogin", "permissions", "path", "status", "kind", "times", "after",
    "probability", "method", "api", "tenant",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["ws-sigma", ADMIN_EMAIL, "role-admin", "read", "/healthz", "acme", "http"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), body=BODIES)
def test_any_json_body_gets_json_and_never_a_500(route: tuple[str, str], body: Any) -> None:
    mock = AuthMock(seed=1)
    method, path = route
    status, headers, content = _call(mock, method, path, json.dumps(body).encode())
    assert status < 500, (route, body, content)
    if status != 204:
        assert dict(headers)["Content-Type"] == "application/json"
        json.loads(content)
    # Whatever was accepted left a working emulator behind.
    mock.faults.clear()
    for check in ("/api/v1/auth/quick-logins", "/_authmock/state", "/_authmock/clock"):
        assert _call(mock, "GET", check, None)[0] == 200, (route, body, check)


def _call(mock: AuthMock, method: str, path: str, body: bytes | None) -> Any:
    headers = [("Content-Type", "application/json")] if body is not None else []
    environ = build_environ(method, "https://api.sigma-pim.com" + path, headers, body)
    return call(mock.wsgi_app, environ)
