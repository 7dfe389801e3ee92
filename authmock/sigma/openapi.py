"""The OpenAPI 3 document of what authmock serves for Sigma PIM.

Kept beside the routes it describes; ``tests/test_openapi.py`` checks it
against ``SigmaHttp.ROUTES``, the route table, so they cannot drift, and
schemathesis checks the server against the document.
"""

from __future__ import annotations

from typing import Any

from authmock.sigma.models import KEY_PREFIX, PERMISSIONS

_ERROR = {"$ref": "#/components/schemas/Error"}
_KEY = {"$ref": "#/components/schemas/ApiKey"}
_AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKey": []}]
_JWT_ONLY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Validation error",
        401: "Missing or invalid credentials",
        403: "Permission denied",
        404: "Unknown resource",
        413: "Request body over 1 MiB",
    }
    return {str(s): _json(_ERROR, text[s]) for s in statuses}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_KEY_ID = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
_SESSION = _json({"$ref": "#/components/schemas/Session"}, "A token and the signed-in user")


def sigma_openapi() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Sigma PIM authentication API (authmock)",
            "version": "1.0",
            "description": "What authmock emulates of Sigma PIM: JWT sessions and API keys.",
        },
        "paths": {
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "responses": {"200": _json({"$ref": "#/components/schemas/Health"}, "Alive")},
                }
            },
            "/api/v1/auth/quick-logins": {
                "get": {
                    "operationId": "quickLogins",
                    "summary": "All tenants with their quick-login users",
                    "responses": {
                        "200": _json(
                            {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/QuickLoginTenant"},
                            },
                            "Tenants in registration order",
                        )
                    },
                }
            },
            "/api/v1/auth/login": {
                "post": {
                    "operationId": "login",
                    "requestBody": _body({"$ref": "#/components/schemas/LoginRequest"}),
                    "responses": {"200": _SESSION, **_errors(400, 401, 413)},
                }
            },
            "/api/v1/auth/refresh": {
                "post": {
                    "operationId": "refresh",
                    "requestBody": _body({"$ref": "#/components/schemas/RefreshRequest"}),
                    "responses": {"200": _SESSION, **_errors(400, 401, 413)},
                }
            },
            "/api/v1/api-keys": {
                "get": {
                    "operationId": "listApiKeys",
                    "security": _AUTH,
                    "responses": {
                        "200": _json({"type": "array", "items": _KEY}, "The workspace's keys"),
                        **_errors(401, 403),
                    },
                },
                "post": {
                    "operationId": "createApiKey",
                    "security": _JWT_ONLY,
                    "requestBody": _body({"$ref": "#/components/schemas/CreateApiKey"}),
                    "responses": {
                        "201": _json(
                            {"$ref": "#/components/schemas/CreatedApiKey"}, "The key, raw key once"
                        ),
                        **_errors(400, 401, 403, 413),
                    },
                },
            },
            "/api/v1/api-keys/{key_id}/deactivate": {
                "post": {
                    "operationId": "deactivateApiKey",
                    "security": _JWT_ONLY,
                    "parameters": [_KEY_ID],
                    "responses": {
                        "200": _json(_KEY, "The key, now inactive"),
                        **_errors(401, 403, 404, 413),
                    },
                }
            },
            "/api/v1/api-keys/{key_id}": {
                "delete": {
                    "operationId": "deleteApiKey",
                    "security": _JWT_ONLY,
                    "parameters": [_KEY_ID],
                    "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404, 413)},
                }
            },
            "/api/v1/roles": {
                "get": {
                    "operationId": "listRoles",
                    "security": _AUTH,
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": {"$ref": "#/components/schemas/Role"}},
                            "Roles",
                        ),
                        **_errors(401, 403),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Sigma-ApiKey"},
            },
            "schemas": _schemas(),
        },
    }


# What the server calls blank is what Python's str.strip() removes. Spelled out
# (not ``\S``) because regex engines disagree on \s: ECMA-262's omits
# U+001C-U+001F and U+0085, which Python strips, so "\u001f" would pass the
# document yet be refused as missing.
_WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = {"type": "string", "minLength": 1, "pattern": f"[^{_WHITESPACE}]"}


def _object(
    properties: dict[str, Any], required: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    schema["required"] = list(properties) if required is None else required
    return schema


def _schemas() -> dict[str, Any]:
    text = {"type": "string"}
    timestamp = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"}
    permission = {"type": "string", "enum": list(PERMISSIONS)}
    key = {
        "id": text,
        "name": text,
        "permissions": {"type": "array", "items": permission},
        "active": {"type": "boolean"},
        "createdAt": timestamp,
        "lastUsedAt": {**timestamp, "nullable": True},
    }
    user = {"id": text, "email": text, "name": text, "roleId": text, "workspaceId": text}
    return {
        "Error": _object(
            {"error": text, "message": text},
            additionalProperties=False,
            description="The flat error envelope",
        ),
        "Health": _object({"status": {"type": "string", "enum": ["ok"]}}),
        "QuickLoginTenant": _object(
            {
                "workspaceId": text,
                "name": text,
                "users": {
                    "type": "array",
                    "items": _object(
                        {"id": text, "email": text, "name": text, "roleId": text, "password": text}
                    ),
                },
            }
        ),
        "LoginRequest": _object(
            {
                "email": NOT_BLANK,
                "password": {"type": "string", "minLength": 1},
                "workspaceId": text,
            },
            ["email", "password"],
        ),
        "RefreshRequest": _object({"token": NOT_BLANK}),
        "Session": _object({"token": text, "user": _object(user)}),
        "CreateApiKey": _object(
            {
                "name": {**NOT_BLANK, "maxLength": 200},
                "permissions": {
                    "type": "array",
                    "items": permission,
                    "minItems": 1,
                    "uniqueItems": True,
                },
            }
        ),
        "ApiKey": _object(key, additionalProperties=False),
        "CreatedApiKey": _object({**key, "key": {"type": "string", "pattern": f"^{KEY_PREFIX}"}}),
        "Role": _object(
            {
                "id": text,
                "name": text,
                "description": text,
                "permissions": {"type": "array", "items": permission},
            }
        ),
    }
