"""The OpenAPI 3 document of what authmock serves for BigID.

Kept beside the routes it describes: ``tests/test_openapi.py`` checks it
against ``BigidHttp.ROUTES``, the route table, so they cannot drift. Paths
are full paths from the server root, where the default deployment answers;
statuses are the ``spec`` error style's.
"""

from __future__ import annotations

from typing import Any

_FAILURE = {"$ref": "#/components/schemas/Failure"}
_TRUE = {"type": "boolean", "enum": [True]}
_FALSE = {"type": "boolean", "enum": [False]}
# Real clients send the token raw; the vendor's document says Bearer. Both work.
_TOKEN_AUTH: list[dict[str, list[str]]] = [{"rawToken": []}, {"bearerAuth": []}]
_PRODUCTION_NOTE = (
    " In the `production` error style (what real deployments were recorded doing)"
    " every 400/401 below is HTTP 200 with the same body, and every response is"
    " `text/html; charset=utf-8`."
)


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _refresh(operation_id: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": "Exchange a user token for a system token",
        "security": _TOKEN_AUTH,
        "responses": {
            "200": _json({"$ref": "#/components/schemas/SystemToken"}, "A system token"),
            "401": _json(
                _FAILURE,
                "`No token provided.`, `Failed to authenticate token.` (malformed, forged,"
                " expired) or `Refresh token not valid` (not a live user token)",
            ),
            "413": _json(_FAILURE, "Request body over 1 MiB"),
        },
    }


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, all required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def bigid_openapi() -> dict[str, Any]:
    text = {"type": "string"}
    nonempty = {"type": "string", "minLength": 1}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "BigID authentication API (authmock)",
            "version": "1.0",
            "description": "What authmock emulates of BigID: sessions, user tokens and"
            " system tokens. Each deployment is also served under"
            " /bigid/{deployment}/api/v1." + _PRODUCTION_NOTE,
        },
        "paths": {
            "/api/v1/sessions": {
                "post": {
                    "operationId": "createSession",
                    "summary": "Sign in with username and password",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SessionRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Session"}, "Signed in"),
                        "400": _json(_FAILURE, "`username and password are required`"),
                        "401": _json(_FAILURE, "Wrong username or password"),
                        "413": _json(_FAILURE, "Request body over 1 MiB"),
                    },
                }
            },
            "/api/v1/refresh-access-token": {
                "get": _refresh("refreshAccessToken"),
                "post": _refresh("refreshAccessTokenPost"),
            },
        },
        "components": {
            "securitySchemes": {
                "rawToken": {"type": "apiKey", "in": "header", "name": "Authorization"},
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "schemas": {
                "Failure": _object({"success": _FALSE, "message": text}),
                "SessionRequest": _object({"username": nonempty, "password": nonempty}),
                "Session": _object(
                    {
                        "success": _TRUE,
                        "message": text,
                        "auth_token": text,
                        "username": text,
                        "firstName": text,
                        "lastName": text,
                        "email": text,
                        "permissions": {"type": "array", "items": text},
                        "isPasswordChangeNeeded": {"type": "boolean"},
                    }
                ),
                "SystemToken": _object({"success": _TRUE, "systemToken": text}),
            },
        },
    }
