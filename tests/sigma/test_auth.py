"""Authenticated requests, the permission table, expiry, forged credentials."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from tests.counts import count
from tests.jwt_variants import non_canonical
from tests.sigma.helpers import bearer, claims, error, login, user_of_role

ROLES = ("role-admin", "role-editor", "role-viewer")
FOREIGN = "a-foreign-secret-of-a-decent-length-0123456789"


def _token_for(env: Any, role: str) -> str:
    return str(env.mock.sigma.issue_token(user_of_role(env, role)["email"], "ws-sigma"))


def _key(env: Any, permissions: list[str]) -> str:
    return str(env.mock.sigma.create_api_key("ws-sigma", "k", permissions))


def _create(env: Any, headers: dict[str, str]) -> Any:
    return env.sigma(
        "POST", "/api/v1/api-keys", json={"name": "n", "permissions": ["read"]}, headers=headers
    )


# -- credentials ---------------------------------------------------------------------


def test_no_credentials(env: Any) -> None:
    for method, path in (
        ("GET", "/api/v1/api-keys"),
        ("POST", "/api/v1/api-keys"),
        ("GET", "/api/v1/roles"),
    ):
        error(env.sigma(method, path), 401, "UNAUTHORIZED", "Missing authentication")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "Token abc",
        "Bearer a b",
        "bearer\tabc",
        "Bearer,abc",
    ],
)
def test_malformed_authorization_header(env: Any, value: str) -> None:
    error(
        env.sigma("GET", "/api/v1/roles", headers={"Authorization": value}),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )


def test_bearer_scheme_is_case_insensitive(env: Any) -> None:
    response = env.sigma("GET", "/api/v1/roles", headers={"Authorization": f"bearer {login(env)}"})
    assert response.status_code == 200


def test_authorization_wins_over_api_key(env: Any) -> None:
    key = _key(env, ["read"])
    # A bad token with a good key: the token is used, so 401.
    response = env.sigma(
        "GET", "/api/v1/roles", headers={"Authorization": "Bearer nope", "X-Sigma-ApiKey": key}
    )
    error(response, 401, "UNAUTHORIZED", "Invalid or expired token")
    # A good token with a bad key: the token is used, so 200.
    response = env.sigma(
        "GET", "/api/v1/roles", headers={**bearer(login(env)), "X-Sigma-ApiKey": "bad"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "value", ["", "nope", "sigma_sk_live_", "sigma_sk_live_" + "A" * 40, "SIGMA_SK_LIVE_x"]
)
def test_bad_api_keys(env: Any, value: str) -> None:
    error(
        env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": value}),
        401,
        "UNAUTHORIZED",
        "Invalid API key",
    )


def test_ws_sigma_starts_with_one_active_unused_key(env: Any) -> None:
    tenant = env.mock.state()["sigma"]["tenants"][0]
    assert len(tenant["apiKeys"]) == 1 and tenant["apiKeys"][0]["active"] is True
    assert tenant["apiKeys"][0]["lastUsedAt"] is None


def test_token_of_removed_workspace_and_user(env: Any) -> None:
    env.mock.sigma.add_tenant("ws-tmp", "Tmp")
    uid = env.mock.sigma.add_user("ws-tmp", "a@tmp.test", "pw", role_id="role-admin")
    token = login(env, "a@tmp.test", "pw")
    key = env.mock.sigma.create_api_key("ws-tmp", "k", ["read"])
    env.mock.sigma.remove_user("ws-tmp", uid)
    error(
        env.sigma("GET", "/api/v1/roles", headers=bearer(token)),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )
    env.mock.sigma.remove_workspace("ws-tmp")
    error(
        env.sigma("GET", "/api/v1/roles", headers=bearer(token)),
        401,
        "UNAUTHORIZED",
        "Workspace not found",
    )
    error(
        env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": key}),
        401,
        "UNAUTHORIZED",
        "Invalid API key",
    )


# -- expiry on the mock's clock -----------------------------------------------------------


def test_expiry_follows_the_clock(env: Any) -> None:
    token = login(env)
    env.mock.clock.advance(86400 - 5)
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200
    assert env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}).status_code == 200
    env.mock.clock.advance(6)
    error(
        env.sigma("GET", "/api/v1/roles", headers=bearer(token)),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )
    error(
        env.sigma("GET", "/api/v1/api-keys", headers=bearer(token)),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )
    error(
        env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )


def test_advance_a_day_and_a_second_expires_everything(env: Any) -> None:
    token = login(env)
    env.mock.clock.advance(86401)
    for method, path in (
        ("GET", "/api/v1/roles"),
        ("GET", "/api/v1/api-keys"),
        ("POST", "/api/v1/api-keys"),
    ):
        error(
            env.sigma(method, path, headers=bearer(token)),
            401,
            "UNAUTHORIZED",
            "Invalid or expired token",
        )


def test_refreshed_token_outlives_the_old_one(env: Any) -> None:
    token = login(env)
    env.mock.clock.advance(80000)
    fresh = env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}).json()["token"]
    env.mock.clock.advance(10000)
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 401
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(fresh)).status_code == 200


def test_clock_set_and_resume(env: Any) -> None:
    token = login(env)
    iat = claims(token)["iat"]
    env.mock.clock.set(iat + 86400)
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 401
    env.mock.clock.resume()
    assert env.sigma("GET", "/api/v1/roles", headers=bearer(token)).status_code == 200


def test_issue_token_with_negative_expiry_is_expired(env: Any) -> None:
    token = env.mock.sigma.issue_token("admin@sigma.io", expires_in=-1)
    assert claims(token)["exp"] < claims(token)["iat"]
    error(
        env.sigma("GET", "/api/v1/roles", headers=bearer(token)),
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )


# -- the permission table -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"), [("role-admin", True), ("role-editor", False), ("role-viewer", False)]
)
def test_list_api_keys_by_role(env: Any, role: str, allowed: bool) -> None:
    response = env.sigma("GET", "/api/v1/api-keys", headers=bearer(_token_for(env, role)))
    if allowed:
        assert response.status_code == 200
    else:
        error(response, 403, "PERMISSION_DENIED", "Only workspace admins can manage API keys")


@pytest.mark.parametrize(
    ("perms", "allowed"), [(["read"], True), (["update-data", "delete-model"], False)]
)
def test_list_api_keys_by_key(env: Any, perms: list[str], allowed: bool) -> None:
    response = env.sigma("GET", "/api/v1/api-keys", headers={"X-Sigma-ApiKey": _key(env, perms)})
    if allowed:
        assert response.status_code == 200
    else:
        error(response, 403, "PERMISSION_DENIED", "This action requires the 'read' permission")


@pytest.mark.parametrize("role", ROLES)
def test_manage_api_keys_by_role(env: Any, role: str) -> None:
    headers = bearer(_token_for(env, role))
    target = env.mock.state()["sigma"]["tenants"][0]["apiKeys"][0]["id"]
    responses = [
        _create(env, headers),
        env.sigma("POST", f"/api/v1/api-keys/{target}/deactivate", headers=headers),
        env.sigma("DELETE", f"/api/v1/api-keys/{target}", headers=headers),
    ]
    if role == "role-admin":
        assert [r.status_code for r in responses] == [201, 200, 204]
    else:
        for response in responses:
            error(response, 403, "PERMISSION_DENIED", "Only workspace admins can manage API keys")


def test_keys_never_manage_keys_even_with_every_permission(env: Any) -> None:
    headers = {
        "X-Sigma-ApiKey": _key(
            env, ["read", "update-data", "delete-data", "update-model", "delete-model"]
        )
    }
    target = env.mock.state()["sigma"]["tenants"][0]["apiKeys"][0]["id"]
    for response in (
        _create(env, headers),
        env.sigma("POST", f"/api/v1/api-keys/{target}/deactivate", headers=headers),
        env.sigma("DELETE", f"/api/v1/api-keys/{target}", headers=headers),
    ):
        error(response, 403, "PERMISSION_DENIED", "API keys cannot manage API keys")


def test_permission_is_checked_before_the_resource_is_looked_up(env: Any) -> None:
    headers = bearer(_token_for(env, "role-viewer"))
    response = env.sigma("DELETE", "/api/v1/api-keys/apikey-does-not-exist", headers=headers)
    error(response, 403, "PERMISSION_DENIED", "Only workspace admins can manage API keys")


@pytest.mark.parametrize("role", ROLES)
def test_list_roles_by_role(env: Any, role: str) -> None:
    assert (
        env.sigma("GET", "/api/v1/roles", headers=bearer(_token_for(env, role))).status_code == 200
    )


def test_list_roles_by_key_needs_read(env: Any) -> None:
    assert (
        env.sigma(
            "GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": _key(env, ["read"])}
        ).status_code
        == 200
    )
    error(
        env.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": _key(env, ["update-model"])}),
        403,
        "PERMISSION_DENIED",
        "This action requires the 'read' permission",
    )


# -- workspace isolation --------------------------------------------------------------------


def test_another_workspace_key_is_404_never_403(env: Any) -> None:
    tenants = env.mock.state()["sigma"]["tenants"]
    foreign = tenants[1]["apiKeys"][0]["id"]
    headers = bearer(login(env))
    for method, path in (
        ("POST", f"/api/v1/api-keys/{foreign}/deactivate"),
        ("DELETE", f"/api/v1/api-keys/{foreign}"),
    ):
        error(
            env.sigma(method, path, headers=headers),
            404,
            "NOT_FOUND",
            f"API key '{foreign}' not found",
        )
    listed = {k["id"] for k in env.sigma("GET", "/api/v1/api-keys", headers=headers).json()}
    assert foreign not in listed
    # And the foreign key is untouched.
    after = env.mock.state()["sigma"]["tenants"][1]["apiKeys"][0]
    assert after["id"] == foreign and after["active"] is True


def test_api_key_sees_only_its_own_workspace(env: Any) -> None:
    tenants = env.mock.state()["sigma"]["tenants"]
    key = env.mock.sigma.create_api_key(tenants[2]["workspaceId"], "k", ["read"])
    listed = env.sigma("GET", "/api/v1/api-keys", headers={"X-Sigma-ApiKey": key}).json()
    assert {k["id"] for k in listed} == {
        k["id"] for k in env.mock.state()["sigma"]["tenants"][2]["apiKeys"]
    }


# -- forged tokens ------------------------------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(genuine: str) -> dict[str, str]:
    head, payload, signature = genuine.split(".")
    body = claims(genuine)
    escalated = _b64({**body, "roleId": "role-admin", "userId": "user-x"})
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg none signed": jwt.encode(body, None, algorithm="none"),
        # Algorithm confusion: an RS256 label on an HMAC signature.
        "RS256 label": f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{payload}.{signature}",
        "tampered payload": f"{head}.{escalated}.{signature}",
        "tampered expiry": f"{head}.{_b64({**body, 'exp': body['exp'] + 10**6})}.{signature}",
        "foreign secret": jwt.encode(body, FOREIGN, algorithm="HS256"),
        "HS512": jwt.encode(
            body, "not-the-secret-but-long-enough-for-hs512" * 2, algorithm="HS512"
        ),
        "truncated": genuine[:-10],
        "two segments": f"{head}.{payload}",
        "signature stripped": f"{head}.{payload}.",
        "kid header": jwt.encode(
            body, FOREIGN, algorithm="HS256", headers={"kid": "../../dev/null"}
        ),
        "jku header": jwt.encode(
            body, FOREIGN, algorithm="HS256", headers={"jku": "http://evil.test/keys"}
        ),
        "non-ascii": genuine + "é",
        "oversized": genuine + "A" * 20000,
        "empty parts": "..",
    }


def test_forged_tokens_are_rejected_everywhere(env: Any) -> None:
    genuine = _token_for(env, "role-viewer")
    forged = forged_tokens(genuine)
    count("forged tokens tried (Sigma)", 2 * len(forged))
    for name, token in forged.items():
        for response in (
            env.sigma("GET", "/api/v1/roles", headers={"Authorization": f"Bearer {token}"}),
            env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}),
        ):
            assert response.status_code == 401, name
            assert response.json() == {
                "error": "UNAUTHORIZED",
                "message": "Invalid or expired token",
            }, name


def test_non_canonical_encodings_of_a_genuine_token_are_malformed(env: Any) -> None:
    """Padding, whitespace, stray characters or bits, trailing bytes: one token
    has one spelling (no revocation or cache can be sidestepped by another)."""
    genuine = _token_for(env, "role-viewer")
    variants = non_canonical(genuine)
    count("forged tokens tried (Sigma)", 2 * len(variants))
    for name, token in variants.items():
        for response in (
            env.sigma("POST", "/api/v1/auth/refresh", json={"token": token}),
            env.sigma("GET", "/api/v1/roles", headers={"Authorization": f"Bearer {token}"})
            if "\t" not in token and "\x00" not in token  # no client sends these in a header
            else env.sigma("POST", "/api/v1/auth/refresh", json={"token": token + " "}),
        ):
            assert response.status_code == 401, name
            assert response.json() == {
                "error": "UNAUTHORIZED",
                "message": "Invalid or expired token",
            }, name
    assert env.sigma("POST", "/api/v1/auth/refresh", json={"token": genuine}).status_code == 200


def test_validly_signed_tokens_of_the_wrong_shape_are_rejected(mock: Any) -> None:
    """Needs the secret, so in-process: extra, missing and mistyped claims."""
    import requests

    good = {"userId": "user-admin", "workspaceId": "ws-sigma", "roleId": "role-admin"}
    now = int(mock.clock.now())
    shapes = {
        "missing iat": {**good, "exp": now + 60},
        "missing exp": {**good, "iat": now},
        "missing userId": {
            "workspaceId": "ws-sigma",
            "roleId": "role-admin",
            "iat": now,
            "exp": now + 60,
        },
        "extra claim": {**good, "iat": now, "exp": now + 60, "admin": True},
        "string exp": {**good, "iat": now, "exp": str(now + 60)},
        "float exp": {**good, "iat": now, "exp": now + 60.5},
        "bool iat": {**good, "iat": True, "exp": now + 60},
        "list userId": {**good, "userId": ["user-admin"], "iat": now, "exp": now + 60},
        "future iat": {**good, "iat": now + 3600, "exp": now + 7200},
    }
    count("forged tokens tried (Sigma)", len(shapes))
    for name, payload in shapes.items():
        token = jwt.encode(payload, mock.sigma.secret, algorithm="HS256")
        response = requests.get("https://api.sigma-pim.com/api/v1/roles", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json()["message"] == "Invalid or expired token", name
    # The same secret and shape, done right, is accepted: the checks above are real.
    ok = jwt.encode({**good, "iat": now, "exp": now + 60}, mock.sigma.secret, algorithm="HS256")
    assert (
        requests.get("https://api.sigma-pim.com/api/v1/roles", headers=bearer(ok)).status_code
        == 200
    )


def test_tokens_verify_with_the_published_secret(mock: Any) -> None:
    import requests

    token = requests.post(
        "https://api.sigma-pim.com/api/v1/auth/login",
        json={"email": "admin@sigma.io", "password": "admin"},
    ).json()["token"]
    decoded = jwt.decode(token, mock.sigma.secret, algorithms=["HS256"])
    assert set(decoded) == {"userId", "workspaceId", "roleId", "iat", "exp"}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, FOREIGN, algorithms=["HS256"])


def test_a_short_configured_secret_works_without_warnings() -> None:
    import warnings

    import requests

    from authmock import AuthMock

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with AuthMock(sigma_secret="s3cret") as short:
            token = requests.post(
                "https://api.sigma-pim.com/api/v1/auth/login",
                json={"email": "admin@sigma.io", "password": "admin"},
            ).json()["token"]
            assert (
                requests.get(
                    "https://api.sigma-pim.com/api/v1/roles", headers=bearer(token)
                ).status_code
                == 200
            )
        assert short.sigma.secret == "s3cret"
