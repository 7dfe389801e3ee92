"""The OpenAPI 3 document of the admin API (``GET /_authmock/openapi/admin.json``).

One table, :data:`OPERATIONS`, describes every admin route; tests/test_openapi.py
checks it against the admin route table, so a route added without its entry
here fails the suite. Paths are full paths from the server root.
"""

from __future__ import annotations

import re
from typing import Any

from authmock import effects
from authmock.reasons import REASONS
from authmock.version import __version__

JSON = "application/json"
ERROR = {"$ref": "#/components/schemas/Error"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def _obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
TOKEN = _obj(("token",), token=STRING)

SCHEMAS: dict[str, Any] = {
    "Error": _obj(("error", "message"), error=STRING, message=STRING),
    "Fault": {
        **_obj(
            api={"type": "string", "enum": ["sigma", "bigid"]},
            method=STRING,
            path={"type": "string", "description": "may use * globs"},
            tenant=STRING,
            status={"type": "integer", "minimum": 200, "maximum": 599},
            error=STRING,
            message=STRING,
            body={"type": "string", "description": "sent verbatim (any status 200-599)"},
            content_type=STRING,
            headers={"type": "object", "additionalProperties": STRING},
            kind={"type": "string", "enum": list(effects.kinds())},
            delay={"type": "number", "minimum": 0},
            times={"type": "integer", "minimum": 1},
            after={"type": "integer", "minimum": 0},
            probability={"type": "number", "minimum": 0, "maximum": 1},
        ),
        "additionalProperties": False,
        "description": "docs/failures.md: status is required for kind http (the default)",
    },
    "ListedFault": {
        "allOf": [
            {"$ref": "#/components/schemas/Fault"},
            _obj(("id", "seen", "fired"), id=STRING, seen=INTEGER, fired=INTEGER),
        ]
    },
    "Call": _obj(
        ("api", "method", "path", "status", "timestamp"),
        api=STRING,
        method=STRING,
        path=STRING,
        status={"type": "integer", "description": "0: the connection was dropped"},
        tenant={"type": ["string", "null"]},
        principal={"type": ["string", "null"]},
        timestamp=NUMBER,
        headers={"type": "object", "additionalProperties": STRING},
        body={"description": "the JSON body, passwords masked"},
        fault={"type": ["string", "null"]},
        reason={
            "type": ["string", "null"],
            "enum": [*REASONS, None],
            "description": "why authmock refused the call (docs/journal.md); null: a success",
        },
        detail={"type": ["string", "null"], "description": "the reason, as a sentence"},
    ),
    "State": _obj(
        ("seed", "sigma", "bigid"),
        seed=INTEGER,
        sigma=_obj(("tenants",), tenants={"type": "array", "items": ANY_OBJECT}),
        bigid=_obj(
            ("errors", "deployments"),
            errors={"type": "string", "enum": ["spec", "production"]},
            defaultDeployment={"type": ["string", "null"]},
            systemTokenTtl=INTEGER,
            deployments={"type": "array", "items": ANY_OBJECT},
        ),
    ),
    "Clock": _obj(("now",), now=NUMBER),
    "ClockChange": {
        "oneOf": [
            _obj(("advance",), advance=NUMBER),
            _obj(("set",), set=NUMBER),
            _obj(("resume",), resume={"type": "boolean", "enum": [True]}),
        ],
        "description": "exactly one key",
    },
    "Token": TOKEN,
    "Secret": _obj(("secret",), secret=STRING),
    "DeclaredRoute": _obj(
        ("method", "path"),
        method=STRING,
        path=STRING,
        status=INTEGER,
        json={"description": "the JSON body answered"},
        body={"type": "string", "description": "a raw body (with content_type)"},
        content_type=STRING,
        permission={"type": "string", "description": "Sigma only"},
        deployments={"type": "array", "items": STRING, "description": "BigID only"},
    ),
    "Instance": _obj(
        ("id", "url"),
        id=STRING,
        url=STRING,
        seed=INTEGER,
        createdAt=STRING,
        idleSeconds=NUMBER,
    ),
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


# (method, path) -> (summary, request body schema or None, {status: schema or None}).
# 400 (bad body), 401 (admin token) and 404 (unknown route) apply to every route.
Operation = tuple[str, Any, dict[int, Any]]
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("get", "/_authmock"): ("This index: every admin route and the documents", None, {200: None}),
    ("get", "/_authmock/"): ("The same index", None, {200: None}),
    ("post", "/_authmock/reset"): (
        "Back to the seeded state; optionally reseed (scenario: a dict, or a bundled name or"
        " a file in --scenario-dir)",
        {  # no body, or null, is a plain reset
            **_obj(
                seed={"type": ["integer", "null"]}, scenario={"type": ["object", "string", "null"]}
            ),
            "type": ["object", "null"],
        },
        {204: None},
    ),
    ("get", "/_authmock/state"): (
        "Every tenant, user and key; never a hash or raw key",
        None,
        {200: _ref("State")},
    ),
    ("get", "/_authmock/clock"): ("The emulator's time", None, {200: _ref("Clock")}),
    ("post", "/_authmock/clock"): (
        "Advance, set or resume the clock",
        _ref("ClockChange"),
        {200: _ref("Clock")},
    ),
    ("get", "/_authmock/faults"): (
        "The live faults",
        None,
        {200: {"type": "array", "items": _ref("ListedFault")}},
    ),
    ("post", "/_authmock/faults"): ("Add a fault", _ref("Fault"), {201: _obj(("id",), id=STRING)}),
    ("delete", "/_authmock/faults"): ("Remove every fault", None, {204: None}),
    ("get", "/_authmock/faults/{fault_id}"): (
        "One live fault",
        None,
        {200: _ref("ListedFault"), 404: ERROR},
    ),
    ("delete", "/_authmock/faults/{fault_id}"): ("Remove a fault", None, {204: None, 404: ERROR}),
    ("get", "/_authmock/calls"): (
        "The journal, oldest first; query filters method, path (globs), api, status (401 or"
        " 4xx), tenant, principal, fault, reason, body and headers (JSON objects, subset match)",
        None,
        {200: {"type": "array", "items": _ref("Call")}},
    ),
    ("delete", "/_authmock/calls"): ("Clear the journal (no filters)", None, {204: None}),
    ("get", "/_authmock/calls.har"): (
        "The journal as HAR 1.2 (same filters)",
        None,
        {200: ANY_OBJECT},
    ),
    ("get", "/_authmock/openapi/{name}.json"): (
        "An OpenAPI document: sigma, bigid or admin",
        None,
        {200: ANY_OBJECT, 404: ERROR},
    ),
    ("get", "/_authmock/snapshot"): (
        "The whole state, clock, faults and journal",
        None,
        {200: ANY_OBJECT},
    ),
    ("post", "/_authmock/snapshot"): ("Restore a snapshot", ANY_OBJECT, {204: None}),
    ("post", "/_authmock/instances"): (
        "A new isolated instance at {url}",
        {  # no body, or null: the server's seed and scenario
            **_obj(
                seed={"type": ["integer", "null"]},
                scenario={"type": ["object", "string", "null"]},
                bigid_errors={"type": ["string", "null"], "enum": ["spec", "production", None]},
            ),
            "type": ["object", "null"],
        },
        {201: _ref("Instance"), 429: ERROR},
    ),
    ("get", "/_authmock/instances"): (
        "The live instances",
        None,
        {
            200: _obj(
                ("instances",),
                instances={"type": "array", "items": _ref("Instance")},
                maxInstances=INTEGER,
                ttlSeconds=NUMBER,
            )
        },
    ),
    ("delete", "/_authmock/instances/{instance_id}"): (
        "Delete an instance",
        None,
        {204: None, 404: ERROR},
    ),
    # -- Sigma --
    ("post", "/_authmock/sigma/routes"): (
        "Declare a protected Sigma route",
        _ref("DeclaredRoute"),
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
        {200: _ref("Secret")},
    ),
    ("post", "/_authmock/sigma/tokens"): (
        "A token for a user (negative expiresIn: already expired)",
        _obj(
            ("email",),
            email={"type": "string", "description": "or a user id"},
            workspaceId=STRING,
            expiresIn=INTEGER,
        ),
        {200: _ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/sigma/tenants"): (
        "Add a tenant",
        _obj(("workspaceId", "name"), workspaceId=STRING, name=STRING),
        {201: _obj(("workspaceId", "name"), workspaceId=STRING, name=STRING)},
    ),
    ("post", "/_authmock/sigma/users"): (
        "Add a user (the answer includes the password)",
        _obj(
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
        _obj(
            ("workspaceId", "name", "permissions"),
            workspaceId=STRING,
            name=STRING,
            permissions={"type": "array", "items": STRING},
        ),
        {201: ANY_OBJECT, 404: ERROR},
    ),
    # -- BigID --
    ("post", "/_authmock/bigid/routes"): (
        "Declare a protected BigID route",
        _ref("DeclaredRoute"),
        {201: ANY_OBJECT},
    ),
    ("post", "/_authmock/bigid/deployments"): (
        "Add a deployment",
        _obj(("name",), name=STRING, secret=STRING),
        {201: _obj(("name",), name=STRING)},
    ),
    ("delete", "/_authmock/bigid/deployments/{name}"): (
        "Remove a deployment (its host then refuses connections)",
        None,
        {204: None, 404: ERROR},
    ),
    ("get", "/_authmock/bigid/deployments/{name}/secret"): (
        "The HS256 key of a deployment's tokens",
        None,
        {200: _ref("Secret"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/users"): (
        "Add a user",
        _obj(
            ("deployment", "username", "password"),
            deployment=STRING,
            username=STRING,
            password=STRING,
            firstName=STRING,
            lastName=STRING,
            email=STRING,
            role=STRING,
        ),
        {201: ANY_OBJECT, 404: ERROR},
    ),
    ("delete", "/_authmock/bigid/deployments/{name}/users/{username}"): (
        "Remove a user",
        None,
        {204: None, 404: ERROR},
    ),
    ("get", "/_authmock/bigid/deployments/{name}/users/{username}/user-token"): (
        "The user token seeded for a user",
        None,
        {200: _ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/user-tokens"): (
        "A new user token (1 to 999 days)",
        _obj(("username",), username=STRING, deployment=STRING, days=INTEGER),
        {201: _ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/user-tokens/revoke"): (
        "Revoke a user token",
        _obj(("token",), token=STRING),
        {204: None},
    ),
    ("post", "/_authmock/bigid/system-tokens"): (
        "A system token (negative expiresIn: already expired)",
        _obj(("username",), username=STRING, deployment=STRING, expiresIn=INTEGER),
        {201: _ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/errors"): (
        "Switch the BigID error style",
        _obj(("errors",), errors={"type": "string", "enum": ["spec", "production"]}),
        {200: _obj(("errors",), errors=STRING)},
    ),
}


def _operation_id(method: str, path: str) -> str:
    words = [w.strip("{}").replace("-", "_").replace(".", "_") for w in path.split("/") if w]
    if len(words) > 1:
        return "_".join([method, *words[1:]])
    return f"{method}_index" + ("_slash" if path.endswith("/") else "")


def admin_openapi() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), (summary, body, answers) in OPERATIONS.items():
        responses: dict[str, Any] = {}
        for status, schema in sorted(answers.items()):
            entry: dict[str, Any] = {"description": summary if status < 300 else "refused"}
            if schema is not None:
                entry["content"] = {JSON: {"schema": schema}}
            elif status == 200:
                entry["content"] = {JSON: {"schema": ANY_OBJECT}}
            responses[str(status)] = entry
        responses.setdefault(
            "400", {"description": "bad body or field", "content": {JSON: {"schema": ERROR}}}
        )
        responses["401"] = {
            "description": "X-Authmock-Admin missing or wrong (--admin-token)",
            "content": {JSON: {"schema": ERROR}},
        }
        operation: dict[str, Any] = {
            "operationId": _operation_id(method, path),
            "summary": summary,
            "responses": responses,
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": STRING}
            for name in re.findall(r"\{(\w+)\}", path)
        ]
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            operation["requestBody"] = {"required": False, "content": {JSON: {"schema": body}}}
            responses["415"] = {
                "description": "a body that is not Content-Type: application/json",
                "content": {JSON: {"schema": ERROR}},
            }
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "authmock admin API",
            "version": __version__,
            "description": "Control a running authmock: state, clock, faults, journal. "
            "JSON in and out; errors are {error, message}. See docs/admin-api.md.",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
