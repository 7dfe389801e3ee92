"""BigID's part of the admin API."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule

from authmock.apis import AdminOperation
from authmock.bigid.models import ERROR_STYLES, SANDBOX, USER_TOKEN_DAYS, BigidBackend
from authmock.http.admin_kit import AdminHandler, field
from authmock.http.admin_openapi import ANY_OBJECT, ERROR, INTEGER, STRING, obj, ref
from authmock.http.exchange import Reply, json_reply


def bigid_admin_routes(backend: BigidBackend) -> list[tuple[Rule, AdminHandler]]:

    def remove_deployment(body: Any, name: str) -> Reply:
        backend.remove_deployment(name)
        return Reply(204)

    def add_deployment(body: Any) -> Reply:
        deployment = backend.add_deployment(
            field(body, "name", str), field(body, "secret", str, required=False)
        )
        return json_reply(201, {"name": deployment.name})

    def remove_user(body: Any, name: str, username: str) -> Reply:
        backend.remove_user(name, username)
        return Reply(204)

    def secret(body: Any, name: str) -> Reply:
        # As for Sigma: the admin API mints any token already; the key lets a service verify.
        return json_reply(200, {"secret": backend.deployment(name).codec.secret})

    def user_token(body: Any, name: str, username: str) -> Reply:
        return json_reply(200, {"token": backend.seeded_user_token(name, username)})

    def add_user(body: Any) -> Reply:
        user = backend.add_user(
            field(body, "deployment", str),
            field(body, "username", str),
            field(body, "password", str),
            first_name=field(body, "firstName", str, required=False) or "",
            role=field(body, "role", str, required=False) or "admin",
            last_name=field(body, "lastName", str, required=False) or "",
            email=field(body, "email", str, required=False) or "",
        )
        return json_reply(201, user.state())

    def create_user_token(body: Any) -> Reply:
        days = field(body, "days", int, required=False)
        token = backend.create_user_token(
            field(body, "deployment", str, required=False) or SANDBOX,
            field(body, "username", str),
            USER_TOKEN_DAYS if days is None else days,
        )
        return json_reply(201, {"token": token})

    def revoke_user_token(body: Any) -> Reply:
        backend.revoke_user_token(field(body, "token", str))
        return Reply(204)

    def issue_system_token(body: Any) -> Reply:
        token = backend.issue_system_token(
            field(body, "deployment", str, required=False) or SANDBOX,
            field(body, "username", str),
            field(body, "expiresIn", int, required=False),
        )
        return json_reply(201, {"token": token})

    def set_errors(body: Any) -> Reply:
        return json_reply(200, {"errors": backend.set_errors(field(body, "errors", str))})

    return [
        (Rule("/_authmock/bigid/deployments/<name>", methods=["DELETE"]), remove_deployment),
        (Rule("/_authmock/bigid/deployments", methods=["POST"]), add_deployment),
        (Rule("/_authmock/bigid/users", methods=["POST"]), add_user),
        (
            Rule("/_authmock/bigid/deployments/<name>/users/<username>", methods=["DELETE"]),
            remove_user,
        ),
        (Rule("/_authmock/bigid/deployments/<name>/secret", methods=["GET"]), secret),
        (
            Rule(
                "/_authmock/bigid/deployments/<name>/users/<username>/user-token",
                methods=["GET"],
            ),
            user_token,
        ),
        (Rule("/_authmock/bigid/user-tokens", methods=["POST"]), create_user_token),
        (Rule("/_authmock/bigid/user-tokens/revoke", methods=["POST"]), revoke_user_token),
        (Rule("/_authmock/bigid/system-tokens", methods=["POST"]), issue_system_token),
        (Rule("/_authmock/bigid/errors", methods=["POST"]), set_errors),
    ]


# An error style, as the models know them.
_STYLE = {"type": "string", "enum": list(ERROR_STYLES)}

# These routes in the admin OpenAPI document (EmulatedApi.admin_operations; the
# POST .../routes of declared routes is the admin API's, described here).
ADMIN_OPERATIONS: dict[tuple[str, str], AdminOperation] = {
    ("post", "/_authmock/bigid/routes"): (
        "Declare a protected BigID route",
        ref("DeclaredRoute"),
        {201: ANY_OBJECT},
    ),
    ("post", "/_authmock/bigid/deployments"): (
        "Add a deployment",
        obj(("name",), name=STRING, secret=STRING),
        {201: obj(("name",), name=STRING)},
    ),
    ("delete", "/_authmock/bigid/deployments/{name}"): (
        "Remove a deployment (its host then refuses connections)",
        None,
        {204: None, 404: ERROR},
    ),
    ("get", "/_authmock/bigid/deployments/{name}/secret"): (
        "The HS256 key of a deployment's tokens",
        None,
        {200: ref("Secret"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/users"): (
        "Add a user",
        obj(
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
        {200: ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/user-tokens"): (
        "A new user token (1 to 999 days)",
        obj(("username",), username=STRING, deployment=STRING, days=INTEGER),
        {201: ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/user-tokens/revoke"): (
        "Revoke a user token",
        obj(("token",), token=STRING),
        {204: None},
    ),
    ("post", "/_authmock/bigid/system-tokens"): (
        "A system token (negative expiresIn: already expired)",
        obj(("username",), username=STRING, deployment=STRING, expiresIn=INTEGER),
        {201: ref("Token"), 404: ERROR},
    ),
    ("post", "/_authmock/bigid/errors"): (
        "Switch the BigID error style",
        obj(("errors",), errors=_STYLE),
        {200: obj(("errors",), errors=STRING)},
    ),
}

# GET /_authmock/state's "bigid" (EmulatedApi.state_schema).
STATE_SCHEMA = obj(
    ("errors", "deployments"),
    errors=_STYLE,
    defaultDeployment={"type": ["string", "null"]},
    systemTokenTtl=INTEGER,
    deployments={"type": "array", "items": ANY_OBJECT},
)
