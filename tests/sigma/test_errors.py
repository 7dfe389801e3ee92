"""The error table: 404, 405, 413, hostile bodies, statuses only faults produce."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.sigma.helpers import ADMIN, bearer, error, login

LOGIN = "/api/v1/auth/login"


def test_unknown_route_is_404_in_the_envelope(env: Any) -> None:
    error(env.sigma("GET", "/api/v1/nope"), 404, "NOT_FOUND", "Route GET /api/v1/nope not found")
    error(
        env.sigma("POST", "/totally/else"), 404, "NOT_FOUND", "Route POST /totally/else not found"
    )


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/v1/auth/login", "POST"),
        ("PUT", "/api/v1/roles", "GET, HEAD"),
        ("PATCH", "/api/v1/api-keys", "GET, HEAD, POST"),
        ("GET", "/api/v1/api-keys/apikey-x", "DELETE"),
        ("DELETE", "/healthz", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_allow(env: Any, method: str, path: str, allow: str) -> None:
    response = env.sigma(method, path)
    error(response, 405, "METHOD_NOT_ALLOWED", f"Method {method} not allowed on {path}")
    assert response.headers["Allow"] == allow


def test_body_over_one_mebibyte_is_413(env: Any) -> None:
    big = json.dumps({"email": "a" * (2 * 1024 * 1024), "password": "x"})
    error(
        env.sigma("POST", LOGIN, data=big), 413, "PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB"
    )
    auth = bearer(login(env))
    error(
        env.sigma("POST", "/api/v1/api-keys", data=big, headers=auth),
        413,
        "PAYLOAD_TOO_LARGE",
        "Request body exceeds 1 MiB",
    )
    # Exactly at the limit is not too large (it is just a bad login).
    at_limit = json.dumps({"email": "a@b.c", "password": "x" * (1024 * 1024 - 40)})
    at_limit += " " * (1024 * 1024 - len(at_limit))
    assert len(at_limit) == 1024 * 1024
    error(env.sigma("POST", LOGIN, data=at_limit), 401, "UNAUTHORIZED", "Invalid email or password")


HOSTILE = {
    "not json": b"{'email': 'admin'}",
    "truncated": b'{"email": "admin@sigma.io", "pass',
    "null": b"null",
    "array": b'[{"email": "admin@sigma.io", "password": "admin"}]',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "NaN": b'{"email": NaN, "password": "x"}',
    "invalid utf-8": b'{"email": "\xff\xfe", "password": "x"}',
    "NUL byte": b'{"email": "admin@sigma.io\x00", "password": "admin"}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies_get_a_4xx_in_the_envelope(env: Any, name: str) -> None:
    auth = bearer(login(env))
    for path, headers in ((LOGIN, {}), ("/api/v1/auth/refresh", {}), ("/api/v1/api-keys", auth)):
        response = env.sigma(
            "POST",
            path,
            data=HOSTILE[name],
            headers={**headers, "Content-Type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (name, path)
        body = response.json()
        assert set(body) == {"error", "message"}, (name, path)


@pytest.mark.parametrize(
    "body",
    [
        {"email": {"$ne": ""}, "password": {"$ne": ""}},
        {"email": ["admin@sigma.io"], "password": "admin"},
        {"email": "admin@sigma.io", "password": True},
        {"email": "admin@sigma.io", "password": 0},
    ],
)
def test_objects_where_strings_belong(env: Any, body: dict[str, Any]) -> None:
    error(
        env.sigma("POST", LOGIN, json=body),
        400,
        "VALIDATION_ERROR",
        "Email and password are required",
    )


def test_nul_characters_in_strings_do_not_match(env: Any) -> None:
    body = {"email": "admin@sigma.io\u0000", "password": "admin\u0000"}
    error(env.sigma("POST", LOGIN, json=body), 401, "UNAUTHORIZED", "Invalid email or password")


def test_extra_fields_are_ignored(env: Any) -> None:
    assert env.sigma("POST", LOGIN, json={**ADMIN, "remember": True}).status_code == 200


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (429, "RATE_LIMITED", "Too many requests"),
        (500, "INTERNAL_ERROR", "Internal Server Error"),
        (502, "BAD_GATEWAY", "Bad Gateway"),
        (503, "SERVICE_UNAVAILABLE", "Service Unavailable"),
    ],
)
def test_server_errors_only_when_a_fault_asks(
    env: Any, status: int, code: str, message: str
) -> None:
    env.mock.faults.add(path=LOGIN, status=status, times=1)
    response = env.sigma("POST", LOGIN, json=ADMIN)
    error(response, status, code, message)
    if status == 429:
        assert response.headers["Retry-After"] == "1"
    assert env.sigma("POST", LOGIN, json=ADMIN).status_code == 200


def test_fault_with_own_error_and_message(env: Any) -> None:
    env.mock.faults.add(
        path="/api/v1/auth/*", status=401, error="UNAUTHORIZED", message="Workspace not found"
    )
    error(env.sigma("POST", LOGIN, json=ADMIN), 401, "UNAUTHORIZED", "Workspace not found")


def test_head_gets_headers_without_a_body(env: Any) -> None:
    response = env.sigma("HEAD", "/healthz")
    assert response.status_code == 200
    assert response.content == b""
