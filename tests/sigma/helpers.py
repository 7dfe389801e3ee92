"""Small helpers for the Sigma contract tests."""

from __future__ import annotations

import base64
import json
from typing import Any

ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def login(env: Any, email: str = "admin@sigma.io", password: str = "admin", **extra: Any) -> str:
    response = env.sigma(
        "POST", "/api/v1/auth/login", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def segment(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def claims(token: str) -> dict[str, Any]:
    """The payload, read without verifying (tests check the shape)."""
    return dict(segment(token.split(".")[1]))


def header(token: str) -> dict[str, Any]:
    return dict(segment(token.split(".")[0]))


def user_of_role(env: Any, role: str, workspace: str = "ws-sigma") -> dict[str, Any]:
    for tenant in env.mock.state()["sigma"]["tenants"]:
        if tenant["workspaceId"] == workspace:
            return next(u for u in tenant["users"] if u["roleId"] == role)
    raise AssertionError(f"no {role} in {workspace}")


def error(response: Any, status: int, code: str, message: str) -> None:
    """The flat envelope, exactly: status, both keys, JSON content type."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": code, "message": message}
