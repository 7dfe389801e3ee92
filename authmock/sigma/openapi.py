"""The OpenAPI 3 document of what the Sigma emulation serves (``/_authmock/openapi/sigma.json``).

Paths are full paths from the server root, so a tool pointed at the server URL
finds them. User-registered routes are listed too: they are served.
"""

from __future__ import annotations

import re
from typing import Any

from authmock.http.routes import RouteTable
from authmock.scenario import PERMISSIONS

_JSON = "application/json"
_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_BOTH: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKey": []}]
_JWT: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(status: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {_JSON: {"schema": schema}}
    return {status: answer}


def _errors(*statuses: int) -> dict[str, Any]:
    words = {
        400: "Invalid body (VALIDATION_ERROR)",
        401: "Missing or bad credentials, or workspace gone (UNAUTHORIZED)",
        403: "Lacks the permission (PERMISSION_DENIED)",
        404: "Unknown resource (NOT_FOUND)",
        413: "Body over 1 MiB (PAYLOAD_TOO_LARGE)",
    }
    return {
        str(s): {"description": words[s], "content": {_JSON: {"schema": _ref("Error")}}}
        for s in statuses
    }


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": _ref(schema)}}}


def _key_id() -> list[dict[str, Any]]:
    return [{"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}]


_PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {
        "get": {
            "summary": "Health check",
            "security": [],
            "responses": _ok(
                "200", "Up", {"type": "object", "properties": {"status": {"type": "string"}}}
            ),
        }
    },
    "/api/v1/auth/quick-logins": {
        "get": {
            "summary": "List all tenants with quick-login users",
            "security": [],
            "responses": _ok(
                "200", "Tenants", {"type": "array", "items": _ref("QuickLoginTenant")}
            ),
        }
    },
    "/api/v1/auth/login": {
        "post": {
            "summary": "Authenticate and receive a JWT token",
            "security": [],
            "requestBody": _body("LoginRequest"),
            "responses": {
                **_ok("200", "Signed in", _ref("TokenResponse")),
                **_errors(400, 401, 413),
            },
        }
    },
    "/api/v1/auth/refresh": {
        "post": {
            "summary": "Refresh an existing JWT token",
            "security": [],
            "requestBody": _body("RefreshRequest"),
            "responses": {
                **_ok("200", "New token", _ref("TokenResponse")),
                **_errors(400, 401, 413),
            },
        }
    },
    "/api/v1/api-keys": {
        "get": {
            "summary": "List the workspace's API keys",
            "security": _BOTH,
            "responses": {
                **_ok("200", "Keys", {"type": "array", "items": _ref("ApiKey")}),
                **_errors(401, 403),
            },
        },
        "post": {
            "summary": "Create an API key (admins only); the raw key is shown once",
            "security": _JWT,
            "requestBody": _body("NewApiKey"),
            "responses": {
                **_ok("201", "Created", _ref("CreatedApiKey")),
                **_errors(400, 401, 403, 413),
            },
        },
    },
    "/api/v1/api-keys/{key_id}/deactivate": {
        "post": {
            "summary": "Deactivate an API key (idempotent)",
            "security": _JWT,
            "parameters": _key_id(),
            "responses": {**_ok("200", "Deactivated", _ref("ApiKey")), **_errors(401, 403, 404)},
        }
    },
    "/api/v1/api-keys/{key_id}": {
        "delete": {
            "summary": "Delete an API key",
            "security": _JWT,
            "parameters": _key_id(),
            "responses": {**_ok("204", "Deleted"), **_errors(401, 403, 404)},
        }
    },
    "/api/v1/roles": {
        "get": {
            "summary": "List the roles",
            "security": _BOTH,
            "responses": {
                **_ok("200", "Roles", {"type": "array", "items": _ref("Role")}),
                **_errors(401, 403),
            },
        }
    },
}

_STRING = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_PERMISSIONS = {"type": "array", "items": {"type": "string", "enum": list(PERMISSIONS)}}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_USER_FIELDS = {"id": _STRING, "email": _STRING, "name": _STRING, "roleId": _STRING}
_KEY_FIELDS = {
    "id": _STRING,
    "name": _STRING,
    "permissions": _PERMISSIONS,
    "active": {"type": "boolean"},
    "createdAt": _TIME,
    "lastUsedAt": {**_TIME, "nullable": True},
}
_SCHEMAS: dict[str, Any] = {
    "Error": _object(["error", "message"], error=_STRING, message=_STRING),
    "LoginRequest": _object(
        ["email", "password"], email=_STRING, password=_STRING, workspaceId=_STRING
    ),
    "RefreshRequest": _object(["token"], token=_STRING),
    "User": _object([*_USER_FIELDS, "workspaceId"], **_USER_FIELDS, workspaceId=_STRING),
    "TokenResponse": _object(["token", "user"], token=_STRING, user=_ref("User")),
    "ApiKey": _object(list(_KEY_FIELDS), **_KEY_FIELDS),
    "NewApiKey": _object(
        ["name", "permissions"], name={**_STRING, "maxLength": 200}, permissions=_PERMISSIONS
    ),
    "CreatedApiKey": _object([*_KEY_FIELDS, "key"], **_KEY_FIELDS, key=_STRING),
    "Role": _object(
        ["id", "name", "description", "permissions"],
        id=_STRING,
        name=_STRING,
        description=_STRING,
        permissions=_PERMISSIONS,
    ),
    "QuickLoginTenant": _object(
        ["workspaceId", "name", "users"],
        workspaceId=_STRING,
        name=_STRING,
        users={
            "type": "array",
            "items": _object([*_USER_FIELDS, "password"], **_USER_FIELDS, password=_STRING),
        },
    ),
}


def openapi_path(rule: str) -> str:
    """``/api/v1/things/<int:thing_id>`` -> ``/api/v1/things/{thing_id}``."""
    return _CONVERTER.sub(r"{\1}", rule)


def sigma_openapi(routes: RouteTable, version: str) -> dict[str, Any]:
    paths = {path: dict(ops) for path, ops in _PATHS.items()}
    for route in routes.user_routes:
        path = openapi_path(route.path)
        names = [m.group(1) for m in _CONVERTER.finditer(route.path)]
        operation: dict[str, Any] = {
            "summary": f"Registered route (needs '{route.options.get('permission', 'read')}')",
            "security": _BOTH,
            "responses": {**_ok("200", "The handler's answer", {}), **_errors(401, 403)},
        }
        if names:
            operation["parameters"] = [
                {"name": n, "in": "path", "required": True, "schema": _STRING} for n in names
            ]
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Sigma PIM authentication API (authmock emulation)",
            "version": version,
            "description": "Errors are {error, message}. JWTs last 24 hours; keys never expire.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Sigma-ApiKey"},
            },
            "schemas": _SCHEMAS,
        },
    }
