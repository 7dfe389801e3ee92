"""The control API behaves the same in-process (AuthMock) and over a live
server (RemoteAuthMock): every test here runs in every mode of ``env``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from authmock import AuthMock, RemoteAuthMock
from authmock.clock import iso8601
from authmock.control import BigidApi, CallsApi, ClockApi, ControlApi, FaultsApi, SigmaApi
from tests.conftest import Env

ADMIN = "admin@sigma.io"
UNAUTHORIZED_TOKEN = {"error": "UNAUTHORIZED", "message": "Invalid or expired token"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_clock_advance_expires_tokens_and_reset_brings_time_back(env: Env) -> None:
    token = env.mock.sigma.issue_token(ADMIN)
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200
    before = env.mock.clock.now()
    after = env.mock.clock.advance(86401)
    assert 86401 <= after - before < 86461
    response = env.sigma("GET", "/api/v1/roles", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED_TOKEN
    env.mock.reset()
    assert abs(env.mock.clock.now() - before) < 60
    token = env.mock.sigma.issue_token(ADMIN)
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200


def test_clock_set_freezes_and_resume_follows_real_time_again(env: Env) -> None:
    assert env.mock.clock.set(1_800_000_000) == 1_800_000_000
    assert env.mock.clock.now() == 1_800_000_000
    assert env.mock.clock.advance(5) == 1_800_000_005
    token = env.mock.sigma.issue_token(ADMIN)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iat"], claims["exp"]) == (1_800_000_005, 1_800_086_405)
    # Both modes share this process's time.time(): resume follows it again.
    assert abs(env.mock.clock.resume() - time.time()) < 60


def test_clock_out_of_range_is_refused(env: Env) -> None:
    with pytest.raises(ValueError, match="outside"):
        env.mock.clock.set(-1)
    with pytest.raises(ValueError, match="outside"):
        env.mock.clock.advance(1e300)


def test_expired_token_from_issue_token(env: Env) -> None:
    token = env.mock.sigma.issue_token(ADMIN, expires_in=-1)
    response = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED_TOKEN


def test_401_fault_on_refresh_fires_once_then_is_gone(env: Env) -> None:
    token = env.mock.sigma.issue_token(ADMIN)
    fault_id = env.mock.faults.add(path="/api/v1/auth/refresh", status=401, times=1)
    assert [f.id for f in env.mock.faults.list()] == [fault_id]
    assert [f.id for f in env.mock.faults.unfired()] == [fault_id]
    first = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert first.status_code == 401
    assert first.json() == UNAUTHORIZED_TOKEN
    assert env.mock.faults.list() == []
    second = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert second.status_code == 200
    assert second.json()["user"]["email"] == ADMIN
    assert [c.fault for c in env.mock.calls] == [fault_id, None]


def test_faults_remove_and_clear(env: Env) -> None:
    kept = env.mock.faults.add(path="/healthz", status=503)
    gone = env.mock.faults.add(path="/api/*", status=500, error="BOOM", message="down")
    assert env.mock.faults.remove(gone) is True
    assert env.mock.faults.remove(gone) is False
    listed = env.mock.faults.list()
    assert [(f.id, f.path, f.status, f.fired) for f in listed] == [(kept, "/healthz", 503, 0)]
    response = env.sigma("GET", "/healthz")
    assert (response.status_code, response.json()) == (
        503,
        {"error": "SERVICE_UNAVAILABLE", "message": "Service Unavailable"},
    )
    assert env.mock.faults.list()[0].fired == 1
    env.mock.faults.clear()
    assert env.mock.faults.list() == []
    assert env.sigma("GET", "/healthz").json() == {"status": "ok"}


def test_bad_fault_is_refused_with_the_field_named(env: Env) -> None:
    with pytest.raises(ValueError, match="fault field 'kind'"):
        env.mock.faults.add(kind="explode")
    with pytest.raises(ValueError, match="unknown fault field 'colour'"):
        env.mock.faults.add(colour="red", status=500)


def test_missing_workspace(env: Env) -> None:
    token = env.mock.sigma.issue_token(ADMIN)
    env.mock.sigma.remove_workspace("ws-sigma")
    response = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert response.status_code == 401
    assert response.json() == {"error": "UNAUTHORIZED", "message": "Workspace not found"}
    assert "ws-sigma" not in [t["workspaceId"] for t in env.mock.sigma.tenants]
    with pytest.raises(KeyError, match="ws-sigma"):
        env.mock.sigma.remove_workspace("ws-sigma")
    with pytest.raises(KeyError, match="ws-sigma"):
        env.mock.sigma.users("ws-sigma")


def test_journal_masks_credentials_and_filters(env: Env) -> None:
    login = env.sigma("POST", "/api/v1/auth/login", json={"email": ADMIN, "password": "admin"})
    token = login.json()["token"]
    env.sigma("GET", "/api/v1/roles", headers=bearer(token))
    env.sigma("GET", "/api/v1/nope")
    calls = list(env.mock.calls)
    assert [(c.api, c.method, c.path, c.status) for c in calls] == [
        ("sigma", "POST", "/api/v1/auth/login", 200),
        ("sigma", "GET", "/api/v1/roles", 200),
        ("sigma", "GET", "/api/v1/nope", 404),
    ]
    assert calls[0].body == {"email": ADMIN, "password": "********"}
    assert (calls[0].tenant, calls[0].principal) == ("ws-sigma", "user-admin")
    assert calls[1].headers["Authorization"] == "********" + token[-4:]
    assert len(env.mock.calls) == 3
    assert env.mock.calls[-1].path == "/api/v1/nope"
    assert [c.path for c in env.mock.calls.filter(status=200)] == [
        "/api/v1/auth/login",
        "/api/v1/roles",
    ]
    assert len(env.mock.assert_called("get", "/api/v1/roles", times=1)) == 1
    with pytest.raises(AssertionError, match="was called 1 time"):
        env.mock.assert_called("GET", "/api/v1/roles", times=2)
    env.mock.calls.clear()
    assert len(env.mock.calls) == 0
    with pytest.raises(AssertionError, match="never called; calls seen: none"):
        env.mock.assert_called("GET", "/api/v1/roles")


def test_added_tenant_user_and_key_work_over_the_api(env: Env) -> None:
    assert env.mock.sigma.add_tenant("ws-new", "New Co") == "ws-new"
    user_id = env.mock.sigma.add_user(
        "ws-new", "boss@new.test", "pw-1", role_id="role-admin", name="Boss"
    )
    assert [u["id"] for u in env.mock.sigma.users("ws-new")] == [user_id]
    login = env.sigma(
        "POST",
        "/api/v1/auth/login",
        json={"email": "boss@new.test", "password": "pw-1", "workspaceId": "ws-new"},
    )
    assert login.json()["user"] == {
        "id": user_id,
        "email": "boss@new.test",
        "name": "Boss",
        "roleId": "role-admin",
        "workspaceId": "ws-new",
    }
    raw = env.mock.sigma.create_api_key("ws-new", "ci", ["read"])
    assert raw.startswith("sigma_sk_live_")
    keys = env.sigma("GET", "/api/v1/api-keys", headers={"X-Sigma-ApiKey": raw})
    assert [(k["name"], k["permissions"], k["active"]) for k in keys.json()] == [
        ("ci", ["read"], True)
    ]
    env.mock.sigma.remove_user("ws-new", user_id)
    assert env.mock.sigma.users("ws-new") == []
    with pytest.raises(ValueError, match="already exists"):
        env.mock.sigma.add_tenant("ws-new", "Again")


def test_token_verifies_with_the_secret(env: Env) -> None:
    token = env.mock.sigma.issue_token("user-admin", workspace_id="ws-sigma")
    claims = jwt.decode(token, env.mock.sigma.secret, algorithms=["HS256"])
    assert set(claims) == {"userId", "workspaceId", "roleId", "iat", "exp"}
    assert (claims["userId"], claims["workspaceId"]) == ("user-admin", "ws-sigma")


def test_reset_with_seed_and_state_never_shows_hashes_or_raw_keys(env: Env) -> None:
    env.mock.reset(seed=3)
    first = env.mock.state()
    env.mock.sigma.add_tenant("ws-extra", "Extra")
    env.mock.reset(seed=3)
    assert env.mock.state() == first
    tenants = first["sigma"]["tenants"]
    assert tenants[0]["workspaceId"] == "ws-sigma"
    key = tenants[0]["apiKeys"][0]
    assert set(key) == {"id", "name", "permissions", "active", "createdAt", "lastUsedAt"}
    assert "sigma_sk_live_" not in str(first)


def test_reset_with_a_scenario(env: Env) -> None:
    scenario = {
        "seed": 11,
        "sigma": {
            "tenants": [
                {
                    "workspaceId": "ws-acme",
                    "name": "Acme Corp",
                    "users": [
                        {"email": "ops@acme.test", "password": "s3cret", "roleId": "role-admin"}
                    ],
                }
            ]
        },
    }
    env.mock.reset(scenario=scenario)
    assert [t["workspaceId"] for t in env.mock.sigma.tenants] == ["ws-acme"]
    login = env.sigma(
        "POST", "/api/v1/auth/login", json={"email": "ops@acme.test", "password": "s3cret"}
    )
    assert login.status_code == 200


# -- the names: one control API, checked ------------------------------------------------------

# What only an in-process AuthMock can have: interception, the app itself,
# handler exceptions, and engine hooks the emulator calls.
IN_PROCESS_ONLY = {
    "mock": {
        "start",
        "stop",
        "active",
        "wsgi_app",
        "httpx_transport",
        "httpx_async_transport",
        "serve",
        "handler_errors",
        "raise_handler_errors",
        "allow_network",  # what in-process interception lets through to the network
    },
    # The engine's, not a test's (export/restore: what a snapshot takes and gives back).
    "faults": {"check", "reset", "may_sleep", "export", "restore"},
    # query: the admin API's parser of ?filters; limits and budget: the server's own
    # settings; record_raw: the engine's way in
    "calls": {"record", "record_raw", "limit", "query", "body_limit", "body_budget", "body_bytes"},
    "clock": {"export", "restore"},
    "sigma": {"route"},
    "bigid": {"route"},
}
# A server's: its URL, the admin connection, and its isolated instances.
REMOTE_ONLY = {
    "mock": {
        "url",
        "close",
        "server_url",
        "instance_id",
        "new_instance",
        "instances",
        "delete",
        "ca_path",
    },
    "faults": set(),
    "calls": {"query"},
    "clock": set(),
}
# Remote names that exist only to raise a clear NotImplementedError.
REMOTE_REFUSES = {"sigma": {"route"}, "bigid": {"route"}}
PROTOCOLS: dict[str, Any] = {
    "mock": ControlApi,
    "clock": ClockApi,
    "faults": FaultsApi,
    "calls": CallsApi,
    "sigma": SigmaApi,
    "bigid": BigidApi,
}
DUNDERS = {"__len__", "__iter__", "__getitem__"}


def public(obj: Any) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_") or (n in DUNDERS and hasattr(obj, n))}


def protocol_names(protocol: Any) -> set[str]:
    return {
        n
        for n in vars(protocol)
        if (not n.startswith("_") or n in DUNDERS) and n not in {"_is_protocol"}
    }


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[AuthMock, RemoteAuthMock]]:
    with AuthMock(seed=7).serve() as server, RemoteAuthMock(server.url) as remote:
        yield AuthMock(seed=7), remote


@pytest.mark.parametrize("part", list(PROTOCOLS))
def test_in_process_and_remote_offer_the_same_names(
    pair: tuple[AuthMock, RemoteAuthMock], part: str
) -> None:
    local, remote = pair
    here = public(local if part == "mock" else getattr(local, part))
    there = public(remote if part == "mock" else getattr(remote, part))
    shared = here - IN_PROCESS_ONLY[part]
    assert shared == there - REMOTE_ONLY.get(part, set()) - REMOTE_REFUSES.get(part, set())
    # The Protocol is the shared definition: exactly these names, no fewer, no more.
    assert protocol_names(PROTOCOLS[part]) == shared


# -- the names added for parity, in every mode ---------------------------------------------


def test_seed_follows_reset(env: Env) -> None:
    assert env.mock.seed == 7
    env.mock.reset(seed=3)
    assert env.mock.seed == 3
    assert env.mock.state()["seed"] == 3


def test_clock_iso(env: Env) -> None:
    env.mock.clock.set(1_771_146_000.25)
    assert env.mock.clock.iso() == "2026-02-15T09:00:00.250Z"
    assert env.mock.clock.iso(0) == "1970-01-01T00:00:00.000Z"
    assert iso8601(env.mock.clock.now()) == env.mock.clock.iso()


def test_faults_get(env: Env) -> None:
    fault_id = env.mock.faults.add(path="/healthz", status=503, times=2)
    env.sigma("GET", "/healthz")
    fault = env.mock.faults.get(fault_id)
    assert (fault.id, fault.path, fault.status, fault.times, fault.fired) == (
        fault_id,
        "/healthz",
        503,
        2,
        1,
    )
    assert [f.id for f in env.mock.faults] == [fault_id]
    env.mock.faults.clear()
    with pytest.raises(KeyError, match=fault_id):
        env.mock.faults.get(fault_id)


def test_bigid_settings_and_seeded_user_token(env: Env) -> None:
    assert env.mock.bigid.default_deployment == "sandbox"
    assert env.mock.bigid.system_token_ttl == 86400
    token = env.mock.bigid.user_token("bigid")
    assert token == env.mock.bigid.user_token("bigid", deployment="sandbox")
    claims = jwt.decode(token, env.mock.bigid.secret("sandbox"), algorithms=["HS256"])
    assert claims["user_name"] == "bigid"
    session = env.bigid("GET", "/refresh-access-token", headers={"Authorization": token})
    assert session.status_code == 200
    with pytest.raises(KeyError, match="no seeded user token for 'nobody'"):
        env.mock.bigid.user_token("nobody")
    with pytest.raises(KeyError, match="no deployment 'gone'"):
        env.mock.bigid.secret("gone")


def test_bigid_system_token_ttl_and_default_deployment_of_a_scenario(env: Env) -> None:
    scenario = {
        "bigid": {
            "system_token_ttl": 600,
            "deployments": [{"name": "acme", "users": [{"username": "u", "password": "p"}]}],
        }
    }
    env.mock.reset(scenario=scenario)
    assert env.mock.bigid.default_deployment == "acme"
    assert env.mock.bigid.system_token_ttl == 600
    system = env.mock.bigid.issue_system_token("u", deployment="acme")
    claims = jwt.decode(system, env.mock.bigid.secret("acme"), algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 600
