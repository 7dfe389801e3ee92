"""The BigID contract (shared/spec bigid.md), case by case, in both error styles
and in every mode (``env``). ``env.mock`` is used only for what the admin API
also offers, plus route registration."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bigid.helpers import (
    BAD_LOGIN,
    BAD_TOKEN,
    CLAIM_NAMES,
    DAY,
    HTML_TYPE,
    JSON_TYPE,
    NO_TOKEN,
    NOT_REFRESH,
    REQUIRED,
    STYLES,
    TOO_LARGE,
    claims,
    expect,
    failure,
    forge,
)
from tests.counts import count
from tests.jwt_variants import non_canonical

ACME_SECRET = "acme-known-secret-for-tests-0123456789"
ADMIN_PERMISSIONS = [
    "admin",
    "catalog.read",
    "catalog.edit",
    "scans.read",
    "scans.run",
    "policies.read",
    "policies.edit",
    "users.manage",
]


@pytest.fixture(params=STYLES)
def style(request: pytest.FixtureRequest, env: Any) -> str:
    env.mock.bigid.errors = request.param
    return str(request.param)


@pytest.fixture
def acme(env: Any) -> str:
    """A second deployment with a known secret and a viewer."""
    env.mock.bigid.add_deployment("acme", secret=ACME_SECRET)
    env.mock.bigid.add_user("acme", "scanner", "s3cret", first_name="Scan", role="viewer")
    return "acme"


@pytest.fixture
def catalog(env: Any) -> None:
    """A protected route, as a user of authmock registers one."""
    if env.mode == "server":
        pytest.skip("routes are registered in-process only (see test_server.py)")

    @env.mock.bigid.route("GET", "/api/v1/data-catalog")
    def data_catalog(request: Any, principal: Any) -> dict[str, Any]:
        return {
            "deployment": principal.deployment,
            "username": principal.username,
            "roleIds": principal.role_ids,
            "isAdmin": principal.is_admin,
            "q": request.args.get("q"),
        }


def login(env: Any, username: str = "bigid", password: str = "bigid", **kw: Any) -> Any:
    return env.bigid("POST", "/sessions", json={"username": username, "password": password}, **kw)


def session_token(env: Any, username: str = "bigid", password: str = "bigid", **kw: Any) -> str:
    return str(login(env, username, password, **kw).json()["auth_token"])


def refresh(env: Any, authorization: str | None, method: str = "GET", **kw: Any) -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    return env.bigid(method, "/refresh-access-token", headers=headers, **kw)


def system_token(env: Any, username: str = "bigid", deployment: str | None = None) -> str:
    user_token = env.mock.bigid.create_user_token(username, deployment=deployment or "sandbox")
    return str(refresh(env, user_token, deployment=deployment).json()["systemToken"])


def content_type(style: str) -> str:
    return HTML_TYPE if style == "production" else JSON_TYPE


# -- POST /sessions ------------------------------------------------------------------------


def test_session_answers_the_full_success_body(env: Any, style: str) -> None:
    response = login(env)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type(style)
    body = response.json()
    token = body.pop("auth_token")
    assert body == {
        "success": True,
        "message": "Enjoy your token!",
        "username": "bigid",
        "firstName": "BigID Admin",
        "lastName": "",
        "email": "",
        "permissions": ADMIN_PERMISSIONS,
        "isPasswordChangeNeeded": False,
    }
    payload = claims(token)
    assert set(payload) == CLAIM_NAMES
    assert {k: payload[k] for k in ("user_name", "type", "roleIds", "isAdmin", "deployment")} == {
        "user_name": "bigid",
        "type": "access-token",
        "roleIds": ["admin"],
        "isAdmin": True,
        "deployment": "sandbox",
    }
    assert payload["exp"] - payload["iat"] == DAY


def test_session_on_another_deployment_is_that_deployments(env: Any, style: str, acme: str) -> None:
    response = login(env, "scanner", "s3cret", deployment=acme)
    body = response.json()
    assert (response.status_code, body["username"], body["firstName"]) == (200, "scanner", "Scan")
    assert body["permissions"] == ["viewer", "catalog.read", "scans.read", "policies.read"]
    payload = claims(body["auth_token"])
    assert (payload["deployment"], payload["roleIds"], payload["isAdmin"]) == (
        "acme",
        ["viewer"],
        False,
    )
    # Users belong to their deployment: acme's user does not exist on sandbox.
    expect(login(env, "scanner", "s3cret"), style, 401, failure(BAD_LOGIN))


@pytest.mark.parametrize(
    ("username", "password"),
    [("bigid", "wrong"), ("nobody", "bigid"), ("BIGID", "bigid"), ("bigid", "BIGID")],
)
def test_session_refuses_bad_credentials(
    env: Any, style: str, username: str, password: str
) -> None:
    expect(login(env, username, password), style, 401, failure(BAD_LOGIN))


@pytest.mark.parametrize(
    "request_body",
    [
        {"json": {}},
        {"json": {"username": "bigid"}},
        {"json": {"password": "bigid"}},
        {"json": {"username": 1, "password": "bigid"}},
        {"json": {"username": "bigid", "password": None}},
        {"json": {"username": "bigid", "password": ["bigid"]}},
        {"json": {"username": "", "password": "bigid"}},
        {"json": [{"username": "bigid", "password": "bigid"}]},
        {"json": "bigid"},
        {"json": None},
        {"data": "username=bigid&password=bigid"},
        {"data": "{not json"},
        {},
    ],
    ids=lambda b: repr(b)[:40],
)
def test_session_requires_username_and_password(
    env: Any, style: str, request_body: dict[str, Any]
) -> None:
    response = env.bigid("POST", "/sessions", **request_body)
    expect(response, style, 400, failure(REQUIRED))


# -- /refresh-access-token -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("scheme", ["", "Bearer ", "bearer "], ids=["raw", "Bearer", "bearer"])
def test_refresh_exchanges_a_user_token_for_a_system_token(
    env: Any, style: str, method: str, scheme: str
) -> None:
    user_token = env.mock.bigid.create_user_token("bigid")
    response = refresh(env, scheme + user_token, method)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type(style)
    body = response.json()
    assert set(body) == {"success", "systemToken"} and body["success"] is True
    payload = claims(body["systemToken"])
    assert set(payload) == CLAIM_NAMES
    assert (payload["user_name"], payload["type"], payload["deployment"]) == (
        "bigid",
        "access-token",
        "sandbox",
    )
    assert payload["exp"] - payload["iat"] == DAY


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   "])
def test_refresh_without_a_token(env: Any, style: str, authorization: str | None) -> None:
    expect(refresh(env, authorization), style, 401, failure(NO_TOKEN))
    expect(refresh(env, authorization, "POST"), style, 401, failure(NO_TOKEN))


def test_refresh_refuses_malformed_forged_and_expired_tokens(env: Any, style: str) -> None:
    good = env.mock.bigid.create_user_token("bigid", days=1)
    head, payload, signature = good.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    malformed = ("not-a-jwt", "a.b.c", f"{head}.{payload}.{flipped}", f"{head}.{payload}")
    count("forged tokens tried (BigID)", len(malformed) + 1)
    for token in malformed:
        expect(refresh(env, token), style, 401, failure(BAD_TOKEN))
    foreign = forge("someone-elses-secret-of-32-bytes-or-more", claims(good))
    expect(refresh(env, foreign), style, 401, failure(BAD_TOKEN))
    # A user token lives exactly its days.
    env.mock.clock.advance(DAY - 30)
    assert refresh(env, good).json()["success"] is True
    env.mock.clock.advance(30)
    expect(refresh(env, good), style, 401, failure(BAD_TOKEN))
    expect(refresh(env, "Bearer " + good, "POST"), style, 401, failure(BAD_TOKEN))


def test_refresh_refuses_tokens_that_are_not_live_user_tokens(
    env: Any, style: str, acme: str
) -> None:
    sandbox_session = session_token(env)
    expect(refresh(env, sandbox_session), style, 401, failure(NOT_REFRESH))
    expect(refresh(env, system_token(env)), style, 401, failure(NOT_REFRESH))
    revoked = env.mock.bigid.create_user_token("scanner", deployment=acme, days=7)
    assert refresh(env, revoked, deployment=acme).json()["success"] is True
    env.mock.bigid.revoke_user_token(revoked)
    expect(refresh(env, revoked, deployment=acme), style, 401, failure(NOT_REFRESH))
    expect(
        refresh(env, "Bearer " + revoked, "POST", deployment=acme), style, 401, failure(NOT_REFRESH)
    )
    orphan = env.mock.bigid.create_user_token("scanner", deployment=acme)
    env.mock.bigid.remove_user(acme, "scanner")
    expect(refresh(env, orphan, deployment=acme), style, 401, failure(NOT_REFRESH))


def test_non_canonical_encodings_of_a_user_token_are_malformed(
    env: Any, style: str, acme: str
) -> None:
    """The issue's bypass: a revoked user token with one '=' appended refreshed
    again. Now every other spelling of a token is malformed, revoked or not."""
    genuine = env.mock.bigid.create_user_token("scanner", deployment=acme, days=7)
    variants = {
        k: v for k, v in non_canonical(genuine).items() if "\t" not in v and "\x00" not in v
    }
    count("forged tokens tried (BigID)", 2 * len(variants))
    for name, token in variants.items():
        assert refresh(env, token, deployment=acme).json() == failure(BAD_TOKEN), name
    env.mock.bigid.revoke_user_token(genuine)
    expect(refresh(env, genuine, deployment=acme), style, 401, failure(NOT_REFRESH))
    for token in variants.values():
        response = refresh(env, "Bearer " + token, "POST", deployment=acme)
        expect(response, style, 401, failure(BAD_TOKEN))


def test_a_session_token_has_one_spelling_too(env: Any, style: str) -> None:
    token = system_token(env)
    variants = non_canonical(token)
    count("forged tokens tried (BigID)", 1)
    expect(refresh(env, variants["padded signature"]), style, 401, failure(BAD_TOKEN))


def test_user_tokens_die_with_their_user(env: Any, style: str, acme: str) -> None:
    """Removed and re-added under the same name, a user gets none of the old
    user's tokens (the seeded one included)."""
    seeded = env.mock.bigid.user_token("bigid")
    created = env.mock.bigid.create_user_token("bigid", days=3)
    other = env.mock.bigid.create_user_token("scanner", deployment=acme)
    env.mock.bigid.remove_user("sandbox", "bigid")
    env.mock.bigid.add_user("sandbox", "bigid", "bigid", first_name="BigID Admin", role="admin")
    for token in (seeded, created):
        expect(refresh(env, token), style, 401, failure(NOT_REFRESH))
    # Minted in the same second with the same lifetime as the old seeded token
    # (the same claims), the new user's token still differs from it.
    fresh = env.mock.bigid.create_user_token("bigid")
    assert fresh != seeded
    assert refresh(env, fresh).json()["success"] is True
    assert refresh(env, other, deployment=acme).json()["success"] is True


def test_a_token_created_after_revoking_its_twin_works(env: Any, style: str, acme: str) -> None:
    env.mock.clock.set(1_900_000_000)  # frozen: the twin has the very same claims
    first = env.mock.bigid.create_user_token("scanner", deployment=acme, days=2)
    env.mock.bigid.revoke_user_token(first)
    second = env.mock.bigid.create_user_token("scanner", deployment=acme, days=2)
    assert second != first
    assert claims(second)["exp"] - claims(second)["iat"] == 2 * DAY
    assert refresh(env, second, deployment=acme).json()["success"] is True
    expect(refresh(env, first, deployment=acme), style, 401, failure(NOT_REFRESH))


def test_user_tokens_die_with_their_deployment(env: Any, style: str, acme: str) -> None:
    """A deployment removed and re-added with its configured secret revives none."""
    old = env.mock.bigid.create_user_token("scanner", deployment=acme)
    env.mock.bigid.remove_deployment(acme)
    env.mock.bigid.add_deployment(acme, secret=ACME_SECRET)
    env.mock.bigid.add_user(acme, "scanner", "s3cret", first_name="Scan", role="viewer")
    expect(refresh(env, old, deployment=acme), style, 401, failure(NOT_REFRESH))
    fresh = env.mock.bigid.create_user_token("scanner", deployment=acme)
    assert refresh(env, fresh, deployment=acme).json()["success"] is True


def test_one_deployments_token_is_refused_by_another(env: Any, style: str, acme: str) -> None:
    acme_user_token = env.mock.bigid.create_user_token("scanner", deployment=acme)
    expect(refresh(env, acme_user_token), style, 401, failure(BAD_TOKEN))
    sandbox_user_token = env.mock.bigid.create_user_token("bigid")
    expect(refresh(env, sandbox_user_token, deployment=acme), style, 401, failure(BAD_TOKEN))


def test_a_deployment_claim_must_name_the_deployment(env: Any, style: str) -> None:
    # Two deployments configured with one secret: the signature alone cannot tell them apart.
    env.mock.bigid.add_deployment("acme", secret=ACME_SECRET)
    env.mock.bigid.add_deployment("globex", secret=ACME_SECRET)
    env.mock.bigid.add_user("acme", "ops", "pw")
    env.mock.bigid.add_user("globex", "ops", "pw")
    acme_token = env.mock.bigid.create_user_token("ops", deployment="acme")
    expect(refresh(env, acme_token, deployment="globex"), style, 401, failure(BAD_TOKEN))
    assert refresh(env, acme_token, deployment="acme").json()["success"] is True


def _valid_claims(deployment: str = "acme", kind: str = "refresh-token") -> dict[str, Any]:
    now = 2_000_000_000  # replaced by the clock's time below
    return {
        "user_name": "scanner",
        "type": kind,
        "roleIds": ["viewer"],
        "isAdmin": False,
        "iat": now,
        "exp": now + DAY,
        "deployment": deployment,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"isAdmin": "false"},
        {"isAdmin": 0},
        {"roleIds": "viewer"},
        {"roleIds": [1]},
        {"iat": "now"},
        {"exp": True},
        {"user_name": ["scanner"]},
        {"type": "session"},
        {"deployment": ...},
        {"roleIds": ...},
        {"extra": "claim"},
    ],
    ids=repr,
)
def test_refresh_refuses_tokens_with_wrong_claims(
    env: Any, style: str, acme: str, changes: dict[str, Any]
) -> None:
    now = int(env.mock.clock.now())
    base = {**_valid_claims(), "iat": now, "exp": now + DAY}
    assert refresh(env, forge(ACME_SECRET, base), deployment=acme).json()["success"] is True
    token = forge(ACME_SECRET, base, **changes)
    expect(refresh(env, token, deployment=acme), style, 401, failure(BAD_TOKEN))


def test_refresh_refuses_unsigned_oversized_and_key_fetching_tokens(
    env: Any, style: str, acme: str
) -> None:
    import base64
    import json

    import jwt

    now = int(env.mock.clock.now())
    base = {**_valid_claims(), "iat": now, "exp": now + DAY}

    def b64(value: dict[str, Any]) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(base)}."
    oversized = forge(ACME_SECRET, base, user_name="x" * 9000)
    with_kid = jwt.encode(base, ACME_SECRET, algorithm="HS256", headers={"kid": "k1"})
    hs512 = jwt.encode(base, ACME_SECRET * 2, algorithm="HS512")
    count("forged tokens tried (BigID)", 4)
    for token in (unsigned, oversized, with_kid, hs512):
        expect(refresh(env, token, deployment=acme), style, 401, failure(BAD_TOKEN))


# -- tokens on protected routes ------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["", "Bearer "], ids=["raw", "Bearer"])
def test_protected_route_takes_session_and_system_tokens(
    env: Any, style: str, catalog: None, acme: str, scheme: str
) -> None:
    sandbox_admin = {"deployment": "sandbox", "username": "bigid", "roleIds": ["admin"]}
    for token in (session_token(env), system_token(env)):
        response = env.bigid(
            "GET", "/data-catalog?q=pii", headers={"Authorization": scheme + token}
        )
        assert response.status_code == 200
        assert response.headers["Content-Type"] == content_type(style)
        assert response.json() == {**sandbox_admin, "isAdmin": True, "q": "pii"}
    token = session_token(env, "scanner", "s3cret", deployment=acme)
    response = env.bigid("GET", "/data-catalog", deployment=acme, headers={"Authorization": token})
    assert response.json() == {
        "deployment": "acme",
        "username": "scanner",
        "roleIds": ["viewer"],
        "isAdmin": False,
        "q": None,
    }


def test_protected_route_refuses_user_foreign_and_expired_tokens(
    env: Any, style: str, catalog: None, acme: str
) -> None:
    def call(authorization: str | None, deployment: str | None = None) -> Any:
        headers = {} if authorization is None else {"Authorization": authorization}
        return env.bigid("GET", "/data-catalog", deployment=deployment, headers=headers)

    expect(call(None), style, 401, failure(NO_TOKEN))
    expect(call(env.mock.bigid.create_user_token("bigid")), style, 401, failure(BAD_TOKEN))
    acme_session = session_token(env, "scanner", "s3cret", deployment=acme)
    expect(call(acme_session), style, 401, failure(BAD_TOKEN))
    expect(call(session_token(env), deployment=acme), style, 401, failure(BAD_TOKEN))
    expired = env.mock.bigid.issue_system_token("bigid", deployment="sandbox", expires_in=-1)
    expect(call(expired), style, 401, failure(BAD_TOKEN))
    expect(call("Bearer garbage"), style, 401, failure(BAD_TOKEN))


def test_session_and_system_tokens_expire_after_a_day(env: Any, style: str, catalog: None) -> None:
    tokens = [session_token(env), system_token(env)]
    env.mock.clock.advance(DAY - 30)
    for token in tokens:
        assert (
            env.bigid("GET", "/data-catalog", headers={"Authorization": token}).status_code == 200
        )
    env.mock.clock.advance(30)
    for token in tokens:
        response = env.bigid("GET", "/data-catalog", headers={"Authorization": token})
        expect(response, style, 401, failure(BAD_TOKEN))


# -- the envelope for everything else ----------------------------------------------------------


def test_bodies_over_one_mebibyte_get_413(env: Any, style: str) -> None:
    response = env.bigid("POST", "/sessions", data=b"x" * (1024 * 1024 + 1))
    expect(response, style, 413, failure(TOO_LARGE))


def test_unknown_routes_and_methods(env: Any, style: str) -> None:
    expect(env.bigid("GET", "/nope"), style, 404, failure("Route GET /api/v1/nope not found"))
    response = env.bigid("GET", "/sessions")
    expect(response, style, 405, failure("Method GET not allowed on /api/v1/sessions"))
    assert response.headers["Allow"] == "POST"
    response = env.bigid("DELETE", "/refresh-access-token")
    expect(
        response, style, 405, failure("Method DELETE not allowed on /api/v1/refresh-access-token")
    )


def test_fault_statuses_are_kept_in_both_styles(env: Any, style: str, acme: str) -> None:
    env.mock.faults.add(api="bigid", path="/api/v1/sessions", status=401, times=1)
    response = login(env)
    assert (response.status_code, response.json()) == (401, failure(BAD_TOKEN))
    assert response.headers["Content-Type"] == content_type(style)
    assert login(env).status_code == 200
    env.mock.faults.add(api="bigid", tenant=acme, status=503, message="Down for maintenance")
    response = refresh(env, "anything", deployment=acme)
    assert (response.status_code, response.json()) == (503, failure("Down for maintenance"))
    # The fault names acme: sandbox is untouched.
    expect(refresh(env, "anything"), style, 401, failure(BAD_TOKEN))


def test_journal_sees_the_api_path_the_deployment_and_no_password(
    env: Any, style: str, acme: str
) -> None:
    login(env, "scanner", "s3cret", deployment=acme)
    login(env, "bigid", "wrong")
    env.mock.assert_called("POST", "/api/v1/sessions", times=2)
    ok, failed = list(env.mock.calls)[-2:]
    assert (ok.api, ok.tenant, ok.principal, ok.status) == ("bigid", "acme", "scanner", 200)
    assert ok.body == {"username": "scanner", "password": "********"}
    assert (failed.tenant, failed.principal) == ("sandbox", None)
    assert failed.status == (200 if style == "production" else 401)
