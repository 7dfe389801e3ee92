"""The Sigma endpoints table, row by row, through real HTTP in every mode."""

from __future__ import annotations

import re
from typing import Any

from tests.sigma.helpers import ADMIN, bearer, claims, error, header, login


def test_healthz(env: Any) -> None:
    response = env.sigma("GET", "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_quick_logins_lists_every_tenant_with_its_flagged_users(env: Any) -> None:
    response = env.sigma("GET", "/api/v1/auth/quick-logins")
    assert response.status_code == 200
    tenants = response.json()
    assert tenants[0]["workspaceId"] == "ws-sigma"
    assert len(tenants) == 3
    assert tenants[0]["name"] == "Sigma Demo"
    assert tenants[0]["users"][0] == {
        "id": "user-admin",
        "email": "admin@sigma.io",
        "name": "Admin User",
        "roleId": "role-admin",
        "password": "admin",
    }
    # Default scenario: every user flagged, each tenant one admin, editor, viewer.
    for tenant in tenants:
        assert set(tenant) == {"workspaceId", "name", "users"}
        assert sorted(u["roleId"] for u in tenant["users"]) == [
            "role-admin",
            "role-editor",
            "role-viewer",
        ]
    emails = [u["email"] for t in tenants for u in t["users"]]
    assert len(emails) == len(set(emails)) == 9


def test_quick_logins_only_lists_flagged_users(env: Any) -> None:
    env.mock.sigma.add_tenant("ws-quiet", "Quiet")
    env.mock.sigma.add_user("ws-quiet", "hidden@quiet.test", "pw")
    env.mock.sigma.add_user("ws-quiet", "shown@quiet.test", "pw", quick_login=True)
    tenants = env.sigma("GET", "/api/v1/auth/quick-logins").json()
    assert tenants[-1]["workspaceId"] == "ws-quiet"
    assert [u["email"] for u in tenants[-1]["users"]] == ["shown@quiet.test"]


def test_login_returns_token_and_user(env: Any) -> None:
    response = env.sigma("POST", "/api/v1/auth/login", json=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user"}
    assert body["user"] == {
        "id": "user-admin",
        "email": "admin@sigma.io",
        "name": "Admin User",
        "roleId": "role-admin",
        "workspaceId": "ws-sigma",
    }


def test_token_is_hs256_with_exactly_the_documented_claims(env: Any) -> None:
    token = login(env)
    assert header(token) == {"alg": "HS256", "typ": "JWT"}
    payload = claims(token)
    assert set(payload) == {"userId", "workspaceId", "roleId", "iat", "exp"}
    assert payload["userId"] == "user-admin"
    assert payload["workspaceId"] == "ws-sigma"
    assert payload["roleId"] == "role-admin"
    assert isinstance(payload["iat"], int) and isinstance(payload["exp"], int)
    assert payload["exp"] - payload["iat"] == 86400
    assert abs(payload["iat"] - env.mock.clock.now()) < 5


def test_login_email_is_trimmed_and_case_insensitive(env: Any) -> None:
    token = login(env, email="  ADMIN@Sigma.IO ")
    assert claims(token)["userId"] == "user-admin"


def test_login_without_workspace_first_matching_tenant_wins(env: Any) -> None:
    for ws in ("ws-one", "ws-two", "ws-three"):
        env.mock.sigma.add_tenant(ws, ws)
    env.mock.sigma.add_user("ws-one", "dup@x.test", "pw-one")
    env.mock.sigma.add_user("ws-two", "dup@x.test", "shared")
    env.mock.sigma.add_user("ws-three", "dup@x.test", "shared")
    # The password decides between tenants; among matches, registration order.
    assert claims(login(env, "dup@x.test", "pw-one"))["workspaceId"] == "ws-one"
    assert claims(login(env, "dup@x.test", "shared"))["workspaceId"] == "ws-two"
    assert (
        claims(login(env, "dup@x.test", "shared", workspaceId="ws-three"))["workspaceId"]
        == "ws-three"
    )


def test_login_with_workspace_searches_only_that_tenant(env: Any) -> None:
    response = env.sigma(
        "POST",
        "/api/v1/auth/login",
        json={**ADMIN, "workspaceId": next(iter(_other_workspaces(env)))},
    )
    error(response, 401, "UNAUTHORIZED", "Invalid email or password")


def test_login_with_unknown_workspace_is_401_not_enumeration(env: Any) -> None:
    response = env.sigma("POST", "/api/v1/auth/login", json={**ADMIN, "workspaceId": "ws-nope"})
    error(response, 401, "UNAUTHORIZED", "Invalid email or password")


def test_login_wrong_password_and_unknown_email(env: Any) -> None:
    for body in (
        {"email": "admin@sigma.io", "password": "nope"},
        {"email": "who@x.test", "password": "admin"},
    ):
        error(
            env.sigma("POST", "/api/v1/auth/login", json=body),
            401,
            "UNAUTHORIZED",
            "Invalid email or password",
        )


def test_login_requires_email_and_password(env: Any) -> None:
    for body in (
        {},
        {"email": "admin@sigma.io"},
        {"password": "admin"},
        {"email": "", "password": "admin"},
        {"email": "   ", "password": "admin"},
        {"email": "admin@sigma.io", "password": ""},
        {"email": 7, "password": "admin"},
        {"email": "admin@sigma.io", "password": ["admin"]},
        {"email": None, "password": None},
    ):
        response = env.sigma("POST", "/api/v1/auth/login", json=body)
        error(response, 400, "VALIDATION_ERROR", "Email and password are required")


def test_login_workspace_id_must_be_a_string(env: Any) -> None:
    response = env.sigma("POST", "/api/v1/auth/login", json={**ADMIN, "workspaceId": 5})
    error(response, 400, "VALIDATION_ERROR", "workspaceId must be a string")


def test_login_body_must_be_a_json_object(env: Any) -> None:
    for raw in (b"[]", b"null", b'"text"', b"42", b"not json", b""):
        response = env.sigma(
            "POST", "/api/v1/auth/login", data=raw, headers={"Content-Type": "application/json"}
        )
        error(response, 400, "VALIDATION_ERROR", "Request body must be a JSON object")


def test_refresh_issues_a_new_token_with_fresh_expiry(env: Any) -> None:
    token = login(env)
    env.mock.clock.advance(3600)
    response = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == "user-admin"
    old, new = claims(token), claims(body["token"])
    assert new["iat"] >= old["iat"] + 3600
    assert new["exp"] - new["iat"] == 86400
    assert {k: new[k] for k in ("userId", "workspaceId", "roleId")} == {
        k: old[k] for k in ("userId", "workspaceId", "roleId")
    }


def test_refresh_requires_a_token(env: Any) -> None:
    for body in ({}, {"token": ""}, {"token": 5}, {"token": None}, {"token": ["a"]}):
        error(
            env.sigma("POST", "/api/v1/auth/refresh", json=body),
            400,
            "VALIDATION_ERROR",
            "Token is required in the request body",
        )
    error(
        env.sigma("POST", "/api/v1/auth/refresh", json=[]),
        400,
        "VALIDATION_ERROR",
        "Request body must be a JSON object",
    )


def test_refresh_rejects_bad_and_expired_tokens(env: Any) -> None:
    expired = env.mock.sigma.issue_token("admin@sigma.io", expires_in=-1)
    for token in ("garbage", "a.b.c", expired):
        error(
            env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}),
            401,
            "UNAUTHORIZED",
            "Invalid or expired token",
        )


def test_refresh_after_workspace_removed(env: Any) -> None:
    token = login(env)
    env.mock.sigma.remove_workspace("ws-sigma")
    error(
        env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}),
        401,
        "UNAUTHORIZED",
        "Workspace not found",
    )


def test_refresh_after_user_removed(env: Any) -> None:
    env.mock.sigma.add_tenant("ws-gone", "Gone")
    user_id = env.mock.sigma.add_user("ws-gone", "bye@gone.test", "pw")
    token = login(env, "bye@gone.test", "pw")
    env.mock.sigma.remove_user("ws-gone", user_id)
    error(
        env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )


def test_api_key_lifecycle(env: Any) -> None:
    auth = bearer(login(env))
    created = env.sigma(
        "POST", "/api/v1/api-keys", json={"name": "ci", "permissions": ["read"]}, headers=auth
    )
    assert created.status_code == 201
    key = created.json()
    assert set(key) == {"id", "name", "permissions", "active", "createdAt", "lastUsedAt", "key"}
    assert key["name"] == "ci" and key["permissions"] == ["read"] and key["active"] is True
    assert key["lastUsedAt"] is None
    assert re.fullmatch(r"sigma_sk_live_[A-Za-z0-9_-]{32,}", key["key"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", key["createdAt"])

    listed = env.sigma("GET", "/api/v1/api-keys", headers=auth).json()
    ours = [k for k in listed if k["id"] == key["id"]]
    # Listed without the raw key, and never with a hash.
    assert ours == [{k: v for k, v in key.items() if k != "key"}]
    assert all(
        set(k) == {"id", "name", "permissions", "active", "createdAt", "lastUsedAt"} for k in listed
    )

    # The key authenticates; lastUsedAt is set by that use.
    roles = env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": key["key"]})
    assert roles.status_code == 200
    after = {k["id"]: k for k in env.sigma("GET", "/api/v1/api-keys", headers=auth).json()}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", after[key["id"]]["lastUsedAt"])

    deactivated = env.sigma("POST", f"/api/v1/api-keys/{key['id']}/deactivate", headers=auth)
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert set(deactivated.json()) == {
        "id",
        "name",
        "permissions",
        "active",
        "createdAt",
        "lastUsedAt",
    }
    again = env.sigma("POST", f"/api/v1/api-keys/{key['id']}/deactivate", headers=auth)
    assert again.status_code == 200 and again.json() == deactivated.json()
    error(
        env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": key["key"]}),
        401,
        "UNAUTHORIZED",
        "Invalid API key",
    )

    deleted = env.sigma("DELETE", f"/api/v1/api-keys/{key['id']}", headers=auth)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert key["id"] not in {
        k["id"] for k in env.sigma("GET", "/api/v1/api-keys", headers=auth).json()
    }
    error(
        env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": key["key"]}),
        401,
        "UNAUTHORIZED",
        "Invalid API key",
    )
    error(
        env.sigma("DELETE", f"/api/v1/api-keys/{key['id']}", headers=auth),
        404,
        "NOT_FOUND",
        f"API key '{key['id']}' not found",
    )


def test_api_keys_are_never_stored_raw_in_state(env: Any) -> None:
    auth = bearer(login(env))
    raw = env.sigma(
        "POST", "/api/v1/api-keys", json={"name": "x", "permissions": ["read"]}, headers=auth
    ).json()["key"]
    dump = str(env.mock.state())
    assert raw not in dump
    assert raw[len("sigma_sk_live_") :] not in dump


def test_api_key_validation(env: Any) -> None:
    auth = bearer(login(env))
    name_msg = "name must be a non-empty string of at most 200 characters"
    cases = [
        ({"permissions": ["read"]}, name_msg),
        ({"name": "", "permissions": ["read"]}, name_msg),
        ({"name": 5, "permissions": ["read"]}, name_msg),
        ({"name": "x" * 201, "permissions": ["read"]}, name_msg),
        ({"name": "ok"}, "permissions must be a non-empty array"),
        ({"name": "ok", "permissions": []}, "permissions must be a non-empty array"),
        ({"name": "ok", "permissions": "read"}, "permissions must be a non-empty array"),
        (
            {"name": "ok", "permissions": ["read", "admin"]},
            "permissions contains an unknown permission: 'admin' "
            "(allowed: read, update-data, delete-data, update-model, delete-model)",
        ),
        (
            {"name": "ok", "permissions": [{"a": 1}]},
            "permissions contains an unknown permission: {'a': 1} "
            "(allowed: read, update-data, delete-data, update-model, delete-model)",
        ),
        (
            {"name": "ok", "permissions": ["read", "read"]},
            "permissions must not contain duplicates",
        ),
    ]
    for body, message in cases:
        error(
            env.sigma("POST", "/api/v1/api-keys", json=body, headers=auth),
            400,
            "VALIDATION_ERROR",
            message,
        )
    ok = env.sigma(
        "POST", "/api/v1/api-keys", json={"name": "x" * 200, "permissions": ["read"]}, headers=auth
    )
    assert ok.status_code == 201


def test_every_permission_can_be_granted(env: Any) -> None:
    auth = bearer(login(env))
    perms = ["read", "update-data", "delete-data", "update-model", "delete-model"]
    created = env.sigma(
        "POST", "/api/v1/api-keys", json={"name": "all", "permissions": perms}, headers=auth
    )
    assert created.status_code == 201 and created.json()["permissions"] == perms


def test_roles(env: Any) -> None:
    response = env.sigma("GET", "/api/v1/roles", headers=bearer(login(env)))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": "role-admin",
            "name": "Admin",
            "description": "Full access, including API key management",
            "permissions": ["read", "update-data", "delete-data", "update-model", "delete-model"],
        },
        {
            "id": "role-editor",
            "name": "Editor",
            "description": "Read and change data",
            "permissions": ["read", "update-data", "delete-data"],
        },
        {
            "id": "role-viewer",
            "name": "Viewer",
            "description": "Read-only access",
            "permissions": ["read"],
        },
    ]


def _other_workspaces(env: Any) -> list[str]:
    return [
        t["workspaceId"]
        for t in env.mock.state()["sigma"]["tenants"]
        if t["workspaceId"] != "ws-sigma"
    ]
