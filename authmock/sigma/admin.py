"""Sigma's part of the admin API."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule

from authmock.apis import AdminOperation
from authmock.http.admin_kit import AdminError, AdminHandler, field
from authmock.http.admin_openapi import ANY_OBJECT, BOOLEAN, ERROR, INTEGER, STRING, obj, ref
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


# These routes in the admin OpenAPI document (EmulatedApi.admin_operations; the
# POST .../routes of declared routes is the admin API's, described here).
ADMIN_OPERATIONS: dict[tuple[str, str], AdminOperation] = {
    ("post", "/_authmock/sigma/routes"): (
        "Declare a protected Sigma route",
        ref("DeclaredRoute"),
        {201: ANY_OBJECT},
    ),
    ("delete", "/_authmock/sigma/workspaces/{workspace_id}"): (
        "Remove a workspace (the missing-workspace failure)",
        None,
        {204: None, 404: ERROR},
    ),
    ("delete", "/_authmock/sigma/workspaces/{workspace_id}/users/{user_id}"): (
        "Remove a user",
        None,
        {204: None, 404: ERROR},
    ),
    ("get", "/_authmock/sigma/secret"): (
        "The HS256 key of Sigma tokens",
        None,
        {200: ref("Secret")},
    ),
    ("post", "/_authmock/sigma/tokens"): (
        "A token for a user (negative expiresIn: already expired)",
        obj(
            ("email",),
            email={"type": "string", "description": "or a user id"},
            workspaceId=STRING,
            expiresIn=INTEGER,
        ),
        {200: ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/sigma/tenants"): (
        "Add a tenant",
        obj(("workspaceId", "name"), workspaceId=STRING, name=STRING),
        {201: obj(("workspaceId", "name"), workspaceId=STRING, name=STRING)},
    ),
    ("post", "/_authmock/sigma/users"): (
        "Add a user (the answer includes the password)",
        obj(
            ("workspaceId", "email", "password"),
            workspaceId=STRING,
            email=STRING,
            password=STRING,
            roleId=STRING,
            name=STRING,
            quickLogin=BOOLEAN,
        ),
        {201: ANY_OBJECT, 404: ERROR},
    ),
    ("post", "/_authmock/sigma/api-keys"): (
        "Create an API key; the raw key is in the answer once",
        obj(
            ("workspaceId", "name", "permissions"),
            workspaceId=STRING,
            name=STRING,
            permissions={"type": "array", "items": STRING},
        ),
        {201: ANY_OBJECT, 404: ERROR},
    ),
}

# GET /_authmock/state's "sigma" (EmulatedApi.state_schema).
STATE_SCHEMA = obj(("tenants",), tenants={"type": "array", "items": ANY_OBJECT})
