"""The OpenAPI 3 document of the admin API (``GET /_authmock/openapi/admin.json``).

:data:`OPERATIONS` describes the routes every server has; each API describes
its own (``EmulatedApi.admin_operations``, next to its ``admin.py``) and the
schema of its part of the state (``EmulatedApi.state_schema``).
tests/test_openapi.py checks the document against the admin route table, so a
route added without its entry fails the suite. Paths are full paths from the
server root. The helpers (:func:`obj`, :func:`ref`, ``STRING``...) are for the
APIs' tables too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from authmock import effects
from authmock.reasons import REASONS
from authmock.version import __version__

if TYPE_CHECKING:
    from authmock.apis import AdminOperation, EmulatedApi

JSON = "application/json"
ERROR = {"$ref": "#/components/schemas/Error"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
TOKEN = obj(("token",), token=STRING)

# The schemas every server has; "Fault" and "State" depend on the APIs (_schemas).
SCHEMAS: dict[str, Any] = {
    "Error": obj(("error", "message"), error=STRING, message=STRING),
    "Fault": {
        **obj(
            api={"type": "string", "enum": []},  # the APIs' names (_schemas)
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
            obj(("id", "seen", "fired"), id=STRING, seen=INTEGER, fired=INTEGER),
        ]
    },
    "Call": obj(
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
    "State": obj(("seed",), seed=INTEGER),  # and each API's (_schemas)
    "Clock": obj(("now",), now=NUMBER),
    "ClockChange": {
        "oneOf": [
            obj(("advance",), advance=NUMBER),
            obj(("set",), set=NUMBER),
            obj(("resume",), resume={"type": "boolean", "enum": [True]}),
        ],
        "description": "exactly one key",
    },
    "Token": TOKEN,
    "Secret": obj(("secret",), secret=STRING),
    "DeclaredRoute": obj(
        ("method", "path"),
        method=STRING,
        path=STRING,
        status=INTEGER,
        json={"description": "the JSON body answered"},
        body={"type": "string", "description": "a raw body (with content_type)"},
        content_type=STRING,
    ),  # and the fields the APIs add (_schemas)
    "Index": obj(
        ("authmock", "apis", "routes", "openapi"),
        authmock={"type": "string", "description": "the server's version"},
        apis={"type": "array", "items": {"type": "string", "enum": []}},  # _schemas
        routes={"type": "array", "items": obj(("method", "path"), method=STRING, path=STRING)},
        openapi={"type": "object", "additionalProperties": STRING},
    ),
    "Instance": obj(
        ("id", "url"),
        id=STRING,
        url=STRING,
        seed=INTEGER,
        createdAt=STRING,
        idleSeconds=NUMBER,
    ),
}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


# (method, path) -> (summary, request body schema or None, {status: schema or None}).
# 400 (bad body), 401 (admin token) and 404 (unknown route) apply to every route.
OPERATIONS: dict[tuple[str, str], AdminOperation] = {
    ("get", "/_authmock"): (
        "This index: the emulated APIs, every admin route and the documents",
        None,
        {200: ref("Index")},
    ),
    ("get", "/_authmock/"): ("The same index", None, {200: ref("Index")}),
    ("post", "/_authmock/reset"): (
        "Back to the seeded state; optionally reseed (scenario: a dict, or a bundled name or"
        " a file in --scenario-dir)",
        {  # no body, or null, is a plain reset
            **obj(
                seed={"type": ["integer", "null"]}, scenario={"type": ["object", "string", "null"]}
            ),
            "type": ["object", "null"],
        },
        {204: None},
    ),
    ("get", "/_authmock/state"): (
        "Every tenant, user and key; never a hash or raw key",
        None,
        {200: ref("State")},
    ),
    ("get", "/_authmock/clock"): ("The emulator's time", None, {200: ref("Clock")}),
    ("post", "/_authmock/clock"): (
        "Advance, set or resume the clock",
        ref("ClockChange"),
        {200: ref("Clock")},
    ),
    ("get", "/_authmock/faults"): (
        "The live faults",
        None,
        {200: {"type": "array", "items": ref("ListedFault")}},
    ),
    ("post", "/_authmock/faults"): ("Add a fault", ref("Fault"), {201: obj(("id",), id=STRING)}),
    ("delete", "/_authmock/faults"): ("Remove every fault", None, {204: None}),
    ("get", "/_authmock/faults/{fault_id}"): (
        "One live fault",
        None,
        {200: ref("ListedFault"), 404: ERROR},
    ),
    ("delete", "/_authmock/faults/{fault_id}"): ("Remove a fault", None, {204: None, 404: ERROR}),
    ("get", "/_authmock/calls"): (
        "The journal, oldest first; query filters method, path (globs), api, status (401 or"
        " 4xx), tenant, principal, fault, reason, body and headers (JSON objects, subset match)",
        None,
        {200: {"type": "array", "items": ref("Call")}},
    ),
    ("delete", "/_authmock/calls"): ("Clear the journal (no filters)", None, {204: None}),
    ("get", "/_authmock/calls.har"): (
        "The journal as HAR 1.2 (same filters)",
        None,
        {200: ANY_OBJECT},
    ),
    ("get", "/_authmock/openapi/{name}.json"): (
        "An OpenAPI document: each API's or admin",  # names them (_operations)
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
            **obj(
                seed={"type": ["integer", "null"]},
                scenario={"type": ["object", "string", "null"]},
            ),  # and the APIs' instance options (_operations)
            "type": ["object", "null"],
        },
        {201: ref("Instance"), 429: ERROR},
    ),
    ("get", "/_authmock/instances"): (
        "The live instances",
        None,
        {
            200: obj(
                ("instances",),
                instances={"type": "array", "items": ref("Instance")},
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
}


def _operation_id(method: str, path: str) -> str:
    words = [w.strip("{}").replace("-", "_").replace(".", "_") for w in path.split("/") if w]
    if len(words) > 1:
        return "_".join([method, *words[1:]])
    return f"{method}_index" + ("_slash" if path.endswith("/") else "")


def _operations(apis: Sequence[EmulatedApi]) -> dict[tuple[str, str], AdminOperation]:
    """Every server's routes, the parts of them that name the APIs, then each API's."""
    operations = dict(OPERATIONS)
    key = ("get", "/_authmock/openapi/{name}.json")
    summary, body, answers = operations[key]
    documents = ", ".join(api.name for api in apis)
    operations[key] = (f"An OpenAPI document: {documents} or admin", body, answers)
    key = ("post", "/_authmock/instances")
    summary, body, answers = operations[key]
    options = {
        keyword: {"type": ["string", "null"], "enum": [*choices, None]}
        for api in apis
        for keyword, choices in api.instance_options.items()
    }
    body = {**body, "properties": {**body["properties"], **options}}
    operations[key] = (summary, body, answers)
    for api in apis:
        operations.update(api.admin_operations())
    return operations


def _schemas(apis: Sequence[EmulatedApi]) -> dict[str, Any]:
    schemas = dict(SCHEMAS)
    fault = schemas["Fault"]
    names = [api.name for api in apis]
    api_field = {**fault["properties"]["api"], "enum": names}
    schemas["Fault"] = {**fault, "properties": {**fault["properties"], "api": api_field}}
    index = schemas["Index"]
    apis_field = {"type": "array", "items": {"type": "string", "enum": names}}
    schemas["Index"] = {**index, "properties": {**index["properties"], "apis": apis_field}}
    route = schemas["DeclaredRoute"]
    fields: dict[str, Any] = {}
    for api in apis:
        rules = api.declared_routes()
        fields.update(rules.fields if rules is not None else {})
    schemas["DeclaredRoute"] = {**route, "properties": {**route["properties"], **fields}}
    state = schemas["State"]
    schemas["State"] = {
        **state,
        "properties": {**state["properties"], **{api.name: api.state_schema() for api in apis}},
        "required": [*state["required"], *names],
    }
    return schemas


def admin_openapi(apis: Sequence[EmulatedApi]) -> dict[str, Any]:
    """The admin API's document for a server of these APIs."""
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), (summary, body, answers) in _operations(apis).items():
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
        "components": {"schemas": _schemas(apis)},
    }
