"""Sigma's section of a scenario file: ``[sigma]`` with tenants, users and keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authmock.apis import Fail
from authmock.sigma.models import KEY_PREFIX, PERMISSIONS, SIGMA_ROLES

SCHEMA: dict[str, Any] = {
    "secret": str,
    "url": str,  # informational (``tenants --json`` prints it); ignored
    "routes": [dict],
    "tenants": [
        {
            "workspaceId!": str,
            "name!": str,
            "users": [
                {
                    "id": str,
                    "email!": str,
                    "password!": str,
                    "name": str,
                    "roleId": str,
                    "quickLogin": bool,
                }
            ],
            "apiKeys": [
                {"id": str, "name!": str, "permissions!": [str], "key": str, "active": bool}
            ],
        }
    ],
}
# What GET /_authmock/state has that describes the running emulator, not its data.
RUN_TIME_KEY_FIELDS = ("createdAt", "lastUsedAt")
# A scenario's raw API key: the prefix and at least 32 characters.
_MIN_KEY = len(KEY_PREFIX) + 32


def validate(section: Mapping[str, Any], fail: Fail) -> None:
    seen_ws: set[str] = set()
    for t, tenant in enumerate(section.get("tenants", [])):
        ws = tenant["workspaceId"]
        if ws in seen_ws:
            fail(f"tenants[{t}].workspaceId", f"duplicate workspaceId '{ws}'")
        seen_ws.add(ws)
        emails: set[str] = set()
        ids: set[str] = set()
        for u, user in enumerate(tenant.get("users", [])):
            # Tokens name users by id: two users with one id would share tokens.
            if "id" in user and user["id"] in ids:
                fail(
                    f"tenants[{t}].users[{u}].id",
                    f"duplicate user id '{user['id']}' in tenant '{ws}'",
                )
            ids.add(user.get("id", ""))
            email = user["email"].strip().lower()
            if "@" not in email:
                fail(f"tenants[{t}].users[{u}].email", f"'{user['email']}' is not an email")
            if email in emails:
                fail(
                    f"tenants[{t}].users[{u}].email",
                    f"duplicate email '{user['email']}' in tenant '{ws}'",
                )
            emails.add(email)
            role = user.get("roleId", "role-viewer")
            if role not in SIGMA_ROLES:
                fail(
                    f"tenants[{t}].users[{u}].roleId",
                    f"unknown role '{role}' (one of {', '.join(SIGMA_ROLES)})",
                )
        key_ids: set[str] = set()
        for k, key in enumerate(tenant.get("apiKeys", [])):
            if "id" in key:
                if key["id"] in key_ids:
                    fail(
                        f"tenants[{t}].apiKeys[{k}].id",
                        f"duplicate API key id '{key['id']}' in tenant '{ws}'",
                    )
                key_ids.add(key["id"])
            perms = key["permissions"]
            bad = [p for p in perms if p not in PERMISSIONS]
            if not perms or bad or len(set(perms)) != len(perms):
                fail(
                    f"tenants[{t}].apiKeys[{k}].permissions",
                    f"must be distinct values from {', '.join(PERMISSIONS)}",
                )
            raw = key.get("key")
            if raw is not None and (not raw.startswith(KEY_PREFIX) or len(raw) < _MIN_KEY):
                fail(
                    f"tenants[{t}].apiKeys[{k}].key",
                    f"must be '{KEY_PREFIX}' followed by at least 32 characters",
                )


def from_state(section: dict[str, Any]) -> dict[str, Any]:
    for tenant in section.get("tenants", []):
        for key in tenant.get("apiKeys", []):
            for name in RUN_TIME_KEY_FIELDS:
                key.pop(name, None)
    return section
