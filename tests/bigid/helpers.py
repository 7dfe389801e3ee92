"""What the BigID tests share: the contract's exact strings, and checks that
know what each error style does to a status and a content type."""

from __future__ import annotations

from typing import Any

import jwt

# Written out, not imported from authmock: a typo there must fail here.
BAD_LOGIN = "Authentication failed. Username / Password incorrect or insufficient roles in AD."
REQUIRED = "username and password are required"
NO_TOKEN = "No token provided."
BAD_TOKEN = "Failed to authenticate token."
NOT_REFRESH = "Refresh token not valid"
TOO_LARGE = "Payload too large"
JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=utf-8"
STYLES = ["spec", "production"]
CLAIM_NAMES = {"user_name", "type", "roleIds", "isAdmin", "iat", "exp", "deployment"}
DAY = 86400
# The seeded sandbox admin as the state dump and `mock.bigid.deployments` list it.
SEEDED_ADMIN = {
    "username": "bigid",
    "password": "bigid",
    "firstName": "BigID Admin",
    "lastName": "",
    "email": "",
    "role": "admin",
}


def failure(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


def expect(response: Any, style: str, status: int, body: Any) -> None:
    """``status`` is the spec style's; production answers auth failures (400,
    401) with 200, and every BigID response there is text/html."""
    if style == "production" and status in (400, 401):
        status = 200
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers["Content-Type"] == (HTML_TYPE if style == "production" else JSON_TYPE)


def claims(token: str) -> dict[str, Any]:
    """A token's claims, read without checking its signature."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def forge(secret: str, base: dict[str, Any], **changes: Any) -> str:
    """A token signed with ``secret``: ``base`` claims with ``changes``
    (a change to ``...`` drops that claim)."""
    payload = {k: v for k, v in {**base, **changes}.items() if v is not ...}
    return jwt.encode(payload, secret, algorithm="HS256")
