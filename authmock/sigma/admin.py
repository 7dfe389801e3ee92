"""Sigma's part of the admin API."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule

from authmock.http.admin_kit import AdminError, AdminHandler, field
from authmock.http.exchange import Reply, json_reply
from authmock.sigma.models import TOKEN_TTL, SigmaBackend

# About 31 years either way: enough for any expiry test, small enough to stay a timestamp.
MAX_EXPIRES_IN = 10**9


def sigma_admin_routes(backend: SigmaBackend) -> list[tuple[Rule, AdminHandler]]:

    def remove_workspace(body: Any, workspace_id: str) -> Reply:
        backend.remove_workspace(workspace_id)
        return Reply(204)

    def remove_user(body: Any, workspace_id: str, user_id: str) -> Reply:
        backend.remove_user(workspace_id, user_id)
        return Reply(204)

    def secret(body: Any) -> Reply:
        # The admin API can mint any token already; the key lets a service verify them.
        return json_reply(200, {"secret": backend.secret})

    def issue_token(body: Any) -> Reply:
        email = field(body, "email", str)
        workspace = field(body, "workspaceId", str, required=False)
        expires_in = field(body, "expiresIn", int, required=False)
        if expires_in is not None and abs(expires_in) > MAX_EXPIRES_IN:
            raise AdminError(400, f"'expiresIn' must be within ±{MAX_EXPIRES_IN} seconds")
        user = backend.find_user(email, workspace)
        token = backend.issue_token(user, TOKEN_TTL if expires_in is None else expires_in)
        return json_reply(200, {"token": token})

    def add_tenant(body: Any) -> Reply:
        tenant = backend.add_tenant(field(body, "workspaceId", str), field(body, "name", str))
        return json_reply(201, {"workspaceId": tenant.workspace_id, "name": tenant.name})

    def add_user(body: Any) -> Reply:
        user = backend.add_user(
            field(body, "workspaceId", str),
            field(body, "email", str),
            field(body, "password", str),
            role_id=field(body, "roleId", str, required=False) or "role-viewer",
            name=field(body, "name", str, required=False),
            quick_login=bool(field(body, "quickLogin", bool, required=False)),
        )
        return json_reply(201, {**user.to_json(), "password": user.password})

    def create_api_key(body: Any) -> Reply:
        permissions = field(body, "permissions", list)
        key, raw = backend.create_key(
            field(body, "workspaceId", str), field(body, "name", str), permissions
        )
        return json_reply(201, {**backend.key_json(key), "key": raw})

    return [
        (Rule("/_authmock/sigma/workspaces/<workspace_id>", methods=["DELETE"]), remove_workspace),
        (
            Rule("/_authmock/sigma/workspaces/<workspace_id>/users/<user_id>", methods=["DELETE"]),
            remove_user,
        ),
        (Rule("/_authmock/sigma/secret", methods=["GET"]), secret),
        (Rule("/_authmock/sigma/tokens", methods=["POST"]), issue_token),
        (Rule("/_authmock/sigma/tenants", methods=["POST"]), add_tenant),
        (Rule("/_authmock/sigma/users", methods=["POST"]), add_user),
        (Rule("/_authmock/sigma/api-keys", methods=["POST"]), create_api_key),
    ]
