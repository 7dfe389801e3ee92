"""Every refusal explains itself: the repository's failure corpus maps to its
reason code in every mode, and the answers on the wire do not change (unless
``reason_header`` is switched on, which adds exactly one header)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests

from authmock import AuthMock
from authmock.http.declared import DeclaredRoute
from authmock.reasons import REASONS
from tests.conftest import _BUILDERS, Env
from tests.sigma.helpers import bearer, claims, user_of_role
from tests.test_admin_errors import _raise

LOGIN = {"email": "admin@sigma.io", "password": "admin"}
FOREIGN = "someone-elses-secret-of-32-bytes-or-more"
BAD_TOKEN = {"error": "UNAUTHORIZED", "message": "Invalid or expired token"}
BAD_KEY = {"error": "UNAUTHORIZED", "message": "Invalid API key"}
BIGID_BAD_TOKEN = {"success": False, "message": "Failed to authenticate token."}
NOT_REFRESH = {"success": False, "message": "Refresh token not valid"}
# Headers an answer may carry: the engine's, and the live server's own.
ENGINE_HEADERS = {
    "content-type",
    "content-length",
    "x-content-type-options",
    "cache-control",
    "content-security-policy",
}
SERVER_HEADERS = {"server", "date", "connection", "keep-alive"}


@dataclass(frozen=True)
class Case:
    """A request authmock refuses: how to make it, its reason, a detail pattern
    and the exact answer (status, JSON body); ``body`` None: no answer at all."""

    run: Callable[[Env], Any]
    reason: str
    detail: str
    status: int = 401
    body: Any = None


def _token(env: Env) -> str:
    return str(env.sigma("POST", "/api/v1/auth/login", json=LOGIN).json()["token"])


def _roles(env: Env, headers: dict[str, str] | None = None) -> Any:
    return env.sigma("GET", "/api/v1/roles", headers=headers)


def _forged(env: Env, secret: str, **changes: Any) -> str:
    now = int(env.mock.clock.now())
    payload = {
        "userId": "user-admin",
        "workspaceId": "ws-sigma",
        "roleId": "role-admin",
        "iat": now,
        "exp": now + 60,
        **changes,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def expired(env: Env) -> Any:
    token = _token(env)
    env.mock.clock.advance(86401)
    return _roles(env, bearer(token))


def future_iat(env: Env) -> Any:
    now = int(env.mock.clock.now())
    token = _forged(env, env.mock.sigma.secret, iat=now + 3600, exp=now + 7200)
    return _roles(env, bearer(token))


def foreign_secret(env: Env) -> Any:
    return _roles(env, bearer(_forged(env, FOREIGN)))


def tampered(env: Env) -> Any:
    head, _, signature = _token(env).split(".")
    payload = json.dumps({**claims(_token(env)), "roleId": "role-admin", "userId": "x"})
    body = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode()
    return _roles(env, bearer(f"{head}.{body}.{signature}"))


def alg_none(env: Env) -> Any:
    return _roles(env, bearer(jwt.encode(claims(_token(env)), None, algorithm="none")))


def not_a_jwt(env: Env) -> Any:
    return _roles(env, bearer("not-a-jwt"))


def raw_token(env: Env) -> Any:
    return _roles(env, {"Authorization": _token(env)})


def key_as_bearer(env: Env) -> Any:
    return _roles(env, {"Authorization": env.mock.sigma.create_api_key("ws-sigma", "k", ["read"])})


def no_credentials(env: Env) -> Any:
    return _roles(env)


def removed_workspace(env: Env) -> Any:
    token = _token(env)
    env.mock.sigma.remove_workspace("ws-sigma")
    return _roles(env, bearer(token))


def removed_user(env: Env) -> Any:
    token = _token(env)
    env.mock.sigma.remove_user("ws-sigma", "user-admin")
    return env.sigma("POST", "/api/v1/auth/refresh", json={"token": token})


def _key(env: Env) -> tuple[str, str, dict[str, str]]:
    auth = bearer(_token(env))
    created = env.sigma(
        "POST", "/api/v1/api-keys", json={"name": "ci", "permissions": ["read"]}, headers=auth
    ).json()
    return created["id"], created["key"], auth


def deactivated_key(env: Env) -> Any:
    key_id, raw, auth = _key(env)
    env.sigma("POST", f"/api/v1/api-keys/{key_id}/deactivate", headers=auth)
    return _roles(env, {"X-Sigma-ApiKey": raw})


def deleted_key(env: Env) -> Any:
    key_id, raw, auth = _key(env)
    env.sigma("DELETE", f"/api/v1/api-keys/{key_id}", headers=auth)
    return _roles(env, {"X-Sigma-ApiKey": raw})


def unknown_key(env: Env) -> Any:
    return _roles(env, {"X-Sigma-ApiKey": "sigma_sk_live_" + "x" * 43})


def viewer_manages_keys(env: Env) -> Any:
    viewer = user_of_role(env, "role-viewer")
    login = {"email": viewer["email"], "password": viewer["password"]}
    token = env.sigma("POST", "/api/v1/auth/login", json=login).json()["token"]
    return env.sigma(
        "POST",
        "/api/v1/api-keys",
        json={"name": "x", "permissions": ["read"]},
        headers=bearer(token),
    )


def wrong_password(env: Env) -> Any:
    return env.sigma("POST", "/api/v1/auth/login", json={**LOGIN, "password": "nope"})


def empty_login(env: Env) -> Any:
    return env.sigma("POST", "/api/v1/auth/login", json={"email": "admin@sigma.io"})


def faulted(env: Env) -> Any:
    env.mock.faults.add(path="/api/v1/roles", status=503, times=1)
    return _roles(env, bearer(_token(env)))


# -- BigID --------------------------------------------------------------------------------


def _refresh(env: Env, authorization: str | None, deployment: str | None = None) -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    return env.bigid("GET", "/refresh-access-token", deployment=deployment, headers=headers)


def _acme(env: Env) -> None:
    env.mock.bigid.add_deployment("acme")
    env.mock.bigid.add_user("acme", "scanner", "s3cret")


def bigid_expired(env: Env, scheme: str = "") -> Any:
    token = env.mock.bigid.create_user_token("bigid", days=1)
    env.mock.clock.advance(86400 + 5)
    return _refresh(env, scheme + token)


def other_deployment(env: Env) -> Any:
    _acme(env)
    return _refresh(env, env.mock.bigid.create_user_token("scanner", deployment="acme"))


def revoked(env: Env) -> Any:
    token = env.mock.bigid.create_user_token("bigid")
    env.mock.bigid.revoke_user_token(token)
    return _refresh(env, token)


def session_as_user_token(env: Env) -> Any:
    login = env.bigid("POST", "/sessions", json={"username": "bigid", "password": "bigid"})
    return _refresh(env, login.json()["auth_token"])


def bigid_removed_user(env: Env) -> Any:
    _acme(env)
    token = env.mock.bigid.create_user_token("scanner", deployment="acme")
    env.mock.bigid.remove_user("acme", "scanner")
    return _refresh(env, token, deployment="acme")


def removed_deployment(env: Env) -> Any:
    _acme(env)
    env.mock.bigid.remove_deployment("acme")
    with pytest.raises(env.refused_error):
        _refresh(env, "whatever", deployment="acme")


def bigid_wrong_password(env: Env) -> Any:
    return env.bigid("POST", "/sessions", json={"username": "bigid", "password": "nope"})


def bigid_production_no_token(env: Env) -> Any:
    env.mock.bigid.errors = "production"
    return _refresh(env, None)


def buggy_route(env: Env) -> Any:
    # A declared route (every mode has them) whose handler has a bug.
    env.mock.sigma.add_route("/api/v1/buggy", json={"ok": True})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DeclaredRoute, "handler", _raise(RuntimeError("a bug in your route")))
        answer = env.sigma("GET", "/api/v1/buggy", headers=bearer(_token(env)))
    if isinstance(env.mock, AuthMock):
        env.mock.handler_errors.clear()  # seen: not re-raised when the mock exits
    return answer


SIGMA_EXPIRED = r"expired [12] s ago on the emulator's clock \(advanced by 86401 s\)"
CASES: dict[str, Case] = {
    "expired": Case(expired, "expired", SIGMA_EXPIRED, body=BAD_TOKEN),
    "future iat": Case(
        future_iat,
        "not_yet_valid",
        # 3599 when a second ticks between minting and the check.
        r"issued 3(600|599) s in the future on the emulator's clock",
        body=BAD_TOKEN,
    ),
    "foreign secret": Case(
        foreign_secret,
        "bad_signature",
        r"not signed with this emulator's Sigma secret \(a token from before a reset",
        body=BAD_TOKEN,
    ),
    "tampered payload": Case(tampered, "bad_signature", "not signed with", body=BAD_TOKEN),
    "alg none": Case(
        alg_none, "malformed_token", r"the signature is empty \(an unsigned token\)", body=BAD_TOKEN
    ),
    "not a JWT": Case(not_a_jwt, "malformed_token", r"not a JWT \(", body=BAD_TOKEN),
    "raw token, no Bearer": Case(
        raw_token,
        "malformed_token",
        "a raw token in the Authorization header: Sigma needs 'Bearer <token>'",
        body=BAD_TOKEN,
    ),
    "API key as a token": Case(
        key_as_bearer,
        "wrong_token_type",
        "an API key in the Authorization header: send it as X-Sigma-ApiKey",
        body=BAD_TOKEN,
    ),
    "no credentials": Case(
        no_credentials,
        "missing_credentials",
        "neither an Authorization header nor an X-Sigma-ApiKey header was sent",
        body={"error": "UNAUTHORIZED", "message": "Missing authentication"},
    ),
    "removed workspace": Case(
        removed_workspace,
        "workspace_not_found",
        "workspace 'ws-sigma' does not exist",
        body={"error": "UNAUTHORIZED", "message": "Workspace not found"},
    ),
    "removed user": Case(
        removed_user,
        "user_not_found",
        "user 'user-admin' no longer exists in workspace 'ws-sigma'",
        body=BAD_TOKEN,
    ),
    "deactivated key": Case(
        deactivated_key,
        "key_inactive",
        r"API key apikey-\w+ \('ci'\) was deactivated",
        body=BAD_KEY,
    ),
    "deleted key": Case(
        deleted_key, "key_unknown", r"API key apikey-\w+ \('ci'\): it was deleted", body=BAD_KEY
    ),
    "unknown key": Case(unknown_key, "key_unknown", "no API key of this emulator", body=BAD_KEY),
    "wrong permission": Case(
        viewer_manages_keys,
        "permission_denied",
        r"role role-viewer lacks permission 'manage-keys' \(role-admin only\)",
        403,
        {"error": "PERMISSION_DENIED", "message": "Only workspace admins can manage API keys"},
    ),
    "wrong password": Case(
        wrong_password,
        "bad_credentials",
        "wrong password for 'admin@sigma.io' in workspace 'ws-sigma'",
        body={"error": "UNAUTHORIZED", "message": "Invalid email or password"},
    ),
    "no password": Case(
        empty_login,
        "invalid_request",
        "Email and password are required",
        400,
        {"error": "VALIDATION_ERROR", "message": "Email and password are required"},
    ),
    "fault": Case(
        faulted,
        "fault",
        r"fault fault-1 \(path='/api/v1/roles', status=503, times=1\) answered 503",
        503,
        {"error": "SERVICE_UNAVAILABLE", "message": "Service Unavailable"},
    ),
    "route handler bug": Case(
        buggy_route,
        "handler_error",
        r"^route handler GET /api/v1/buggy raised RuntimeError: a bug in your route$",
        500,
        {"error": "INTERNAL_ERROR", "message": "Route handler raised an exception"},
    ),
    "BigID expired user token, raw": Case(
        bigid_expired,
        "expired",
        r"expired [56] s ago on the emulator's clock",
        body=BIGID_BAD_TOKEN,
    ),
    "BigID expired user token, Bearer": Case(
        lambda env: bigid_expired(env, "Bearer "),
        "expired",
        r"expired [56] s ago on the emulator's clock",
        body=BIGID_BAD_TOKEN,
    ),
    "BigID other deployment": Case(
        other_deployment,
        "bad_signature",
        "signed with the secret of deployment 'acme', not 'sandbox'",
        body=BIGID_BAD_TOKEN,
    ),
    "BigID revoked": Case(
        revoked, "revoked", "this user token of 'bigid' was revoked", body=NOT_REFRESH
    ),
    "BigID session token as user token": Case(
        session_as_user_token,
        "wrong_token_type",
        r"a session or system token \(type 'access-token'\) where a user token"
        r" \(type 'refresh-token'\) is needed",
        body=NOT_REFRESH,
    ),
    "BigID removed user": Case(
        bigid_removed_user,
        "user_not_found",
        "user 'scanner' no longer exists in deployment 'acme'",
        body=NOT_REFRESH,
    ),
    "BigID removed deployment": Case(
        removed_deployment,
        "deployment_not_found",
        "deployment 'acme' does not exist",
        0,
    ),
    "BigID wrong password": Case(
        bigid_wrong_password,
        "bad_credentials",
        "wrong password for user 'bigid' in deployment 'sandbox'",
        body={
            "success": False,
            "message": "Authentication failed. Username / Password incorrect or insufficient"
            " roles in AD.",
        },
    ),
    "BigID production style, HTTP 200": Case(
        bigid_production_no_token,
        "missing_credentials",
        "no Authorization header was sent",
        200,
        {"success": False, "message": "No token provided."},
    ),
}


@contextlib.contextmanager
def twin(mode: str) -> Iterator[Env]:
    """The same mode with ``reason_header=True``."""
    yield from _BUILDERS[mode](AuthMock(seed=7, reason_header=True))


def _headers(response: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


def _run(env: Env, case: Case) -> Any:
    env.mock.reset()
    return case.run(env)


def test_every_reason_of_the_table_is_exercised() -> None:
    assert {c.reason for c in CASES.values()} == set(REASONS)


@pytest.mark.parametrize("name", list(CASES))
def test_the_corpus_maps_to_its_reason_and_the_wire_is_unchanged(env: Env, name: str) -> None:
    case = CASES[name]
    response = _run(env, case)
    last = env.mock.calls[-1]
    assert (last.reason, last.status) == (case.reason, case.status), last
    assert last.detail is not None and re.search(case.detail, last.detail), last.detail
    if case.body is None:
        return
    # The answer is the API's own, to the byte, with no header more than before.
    assert response.status_code == case.status
    assert response.content == json.dumps(case.body, separators=(",", ":")).encode()
    names = set(_headers(response))
    allowed = ENGINE_HEADERS | (SERVER_HEADERS if env.mode == "server" else set())
    assert names <= allowed and names >= ENGINE_HEADERS, names
    # Switched on, the header is the only difference.
    with twin(env.mode) as loud:
        debug = _run(loud, case)
        assert loud.mock.calls[-1].reason == case.reason
    assert (debug.status_code, debug.content) == (response.status_code, response.content)
    debug_headers = _headers(debug)
    reason = debug_headers.pop("x-authmock-reason")
    assert reason.startswith(f"{case.reason}: ")
    plain = _headers(response)
    for volatile in ("date", "server"):
        plain.pop(volatile, None)
        debug_headers.pop(volatile, None)
    assert debug_headers == plain


def test_a_success_has_no_reason_and_no_header(env: Env) -> None:
    with twin(env.mode) as loud:
        response = loud.sigma("POST", "/api/v1/auth/login", json=LOGIN)
        assert response.status_code == 200
        assert "x-authmock-reason" not in _headers(response)
        (call,) = loud.mock.calls
        assert (call.reason, call.detail) == (None, None)
    env.sigma("GET", "/healthz")
    assert env.mock.calls[-1].reason is None


def test_the_journal_records_the_answer_and_the_time_it_took(env: Env) -> None:
    token = _token(env)
    env.sigma("GET", "/api/v1/roles")
    login, refused = env.mock.calls
    assert login.response_body["token"] == "********" + token[-4:]
    assert login.response_body["user"]["id"] == "user-admin"
    assert refused.response_body == {"error": "UNAUTHORIZED", "message": "Missing authentication"}
    assert isinstance(refused.duration, float) and refused.duration >= 0
    listed = env.sigma("GET", "/_authmock/calls?reason=missing_credentials").json()
    assert [(c["path"], c["reason"]) for c in listed] == [("/api/v1/roles", "missing_credentials")]


def test_a_cut_off_answer_is_a_fault(mock: AuthMock) -> None:
    mock.faults.add(path="/api/v1/auth/login", kind="malformed", times=1)
    cut = requests.post(f"{mock.sigma_url}/api/v1/auth/login", json=LOGIN)
    assert cut.status_code == 200
    (call,) = mock.calls
    assert (call.status, call.reason, call.fault) == (200, "fault", "fault-1")
    assert (
        call.detail == "fault fault-1 (path='/api/v1/auth/login', kind='malformed', times=1)"
        " answered 200"
    )


def test_the_clock_frozen_or_moved_back_is_named_in_the_detail(mock: AuthMock) -> None:
    token = mock.sigma.issue_token("admin@sigma.io")
    mock.clock.set(time.time() + 86400 * 2)
    requests.get(f"{mock.sigma_url}/api/v1/roles", headers=bearer(token))
    assert re.fullmatch(
        r"expired 864\d\d s ago on the emulator's clock \(set to \d{4}-.*Z\)",
        mock.calls[-1].detail or "",
    )
    mock.clock.resume()
    mock.clock.advance(-3600)
    requests.get(f"{mock.sigma_url}/api/v1/roles", headers=bearer(token))
    assert re.fullmatch(
        r"issued 3\d\d\d s in the future on the emulator's clock \(moved back by 3600 s\)",
        mock.calls[-1].detail or "",
    )


def test_serve_reason_header_flag() -> None:
    from authmock.cli import _parser

    assert _parser().parse_args(["serve", "--reason-header"]).reason_header is True
    assert _parser().parse_args(["serve"]).reason_header is False
