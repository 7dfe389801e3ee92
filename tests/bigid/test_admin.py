"""BigID's part of the admin API, reached in-process on a BigID host."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from authmock import AuthMock
from tests.bigid.helpers import (
    BAD_TOKEN,
    HTML_TYPE,
    NOT_REFRESH,
    SEEDED_ADMIN,
    claims,
    failure,
)

ADMIN = "https://sandbox.bigid.tools/_authmock"


def admin(method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{ADMIN}{path}", json=body)


def refresh(base: str, token: str) -> Any:
    return requests.get(f"{base}/refresh-access-token", headers={"Authorization": token}).json()


def test_state_lists_deployments_and_users_but_no_secret_or_token(mock: AuthMock) -> None:
    state = admin("GET", "/state").json()["bigid"]
    assert state["errors"] == "spec"
    assert state["deployments"][0] == {
        "name": "sandbox",
        "users": [
            SEEDED_ADMIN,
            state["deployments"][0]["users"][1],
        ],
    }
    assert {tuple(u) for d in state["deployments"] for u in d["users"]} == {
        ("username", "password", "firstName", "lastName", "email", "role")
    }
    dump = json.dumps(state)
    assert mock.bigid.secret("sandbox") not in dump and "eyJ" not in dump


def test_deployments_and_users_over_http(mock: AuthMock) -> None:
    assert admin("POST", "/bigid/deployments", {"name": "acme"}).json() == {"name": "acme"}
    created = admin(
        "POST",
        "/bigid/users",
        {"deployment": "acme", "username": "ops", "password": "pw", "firstName": "Ops"},
    )
    assert (created.status_code, created.json()) == (
        201,
        {
            "username": "ops",
            "password": "pw",
            "firstName": "Ops",
            "lastName": "",
            "email": "",
            "role": "admin",
        },
    )
    login = requests.post(
        "https://acme.bigid.com/api/v1/sessions", json={"username": "ops", "password": "pw"}
    )
    assert login.json()["firstName"] == "Ops"
    assert admin("DELETE", "/bigid/deployments/acme/users/ops").status_code == 204
    assert admin("DELETE", "/bigid/deployments/acme").status_code == 204
    assert [d["name"] for d in admin("GET", "/state").json()["bigid"]["deployments"]] == [
        "sandbox",
        "austin-and-sons",
    ]
    with pytest.raises(requests.ConnectionError):
        requests.post("https://acme.bigid.com/api/v1/sessions", json={})


def test_user_tokens_created_and_revoked_over_http(mock: AuthMock) -> None:
    created = admin("POST", "/bigid/user-tokens", {"username": "bigid", "days": 2})
    assert created.status_code == 201 and set(created.json()) == {"token"}
    token = created.json()["token"]
    payload = claims(token)
    assert (payload["type"], payload["exp"] - payload["iat"]) == ("refresh-token", 2 * 86400)
    assert refresh(mock.bigid_url(), token)["success"] is True
    revoked = admin("POST", "/bigid/user-tokens/revoke", {"token": token})
    assert (revoked.status_code, revoked.content) == (204, b"")
    assert refresh(mock.bigid_url(), token) == failure(NOT_REFRESH)
    other = mock.bigid.deployments[1]
    username = other["users"][0]["username"]
    made = admin(
        "POST", "/bigid/user-tokens", {"username": username, "deployment": other["name"]}
    ).json()["token"]
    assert claims(made)["deployment"] == other["name"]
    assert claims(made)["exp"] - claims(made)["iat"] == 30 * 86400


def test_system_tokens_over_http(mock: AuthMock) -> None:
    token = admin("POST", "/bigid/system-tokens", {"username": "bigid", "expiresIn": -1}).json()
    payload = claims(token["token"])
    assert (payload["type"], payload["exp"] - payload["iat"]) == ("access-token", -1)


def test_error_style_switched_over_http(mock: AuthMock) -> None:
    switched = admin("POST", "/bigid/errors", {"errors": "production"})
    assert (switched.status_code, switched.json()) == (200, {"errors": "production"})
    response = requests.get(
        f"{mock.bigid_url()}/refresh-access-token", headers={"Authorization": "x"}
    )
    assert (response.status_code, response.headers["Content-Type"]) == (200, HTML_TYPE)
    assert response.json() == failure(BAD_TOKEN)
    assert admin("GET", "/state").json()["bigid"]["errors"] == "production"
    # A reset returns to the mock's own choice.
    assert admin("POST", "/reset").status_code == 204
    assert mock.bigid.errors == "spec"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/bigid/errors", {"errors": "prod"}, 400, "must be 'spec' or 'production'"),
        ("POST", "/bigid/errors", {}, 400, "'errors' is required"),
        ("POST", "/bigid/errors", {"errors": 1}, 400, "'errors' has the wrong type"),
        ("POST", "/bigid/deployments", {"name": "Not A Label"}, 400, "not a DNS label"),
        ("POST", "/bigid/deployments", {"name": "sandbox"}, 400, "already exists"),
        ("POST", "/bigid/users", {"deployment": "nope", "username": "a", "password": "b"}, 404, ""),
        ("POST", "/bigid/users", {"deployment": "sandbox", "username": "a"}, 400, "'password'"),
        ("POST", "/bigid/user-tokens", {"username": "nobody"}, 404, "no user 'nobody'"),
        ("POST", "/bigid/user-tokens", {"username": "bigid", "days": 1000}, 400, "1 to 999"),
        ("POST", "/bigid/user-tokens", {"username": "bigid", "days": True}, 400, "wrong type"),
        ("POST", "/bigid/user-tokens/revoke", {"token": "junk"}, 400, "not a live user token"),
        ("POST", "/bigid/user-tokens/revoke", [], 400, "JSON object"),
        ("DELETE", "/bigid/deployments/nope", None, 404, "no deployment 'nope'"),
        ("DELETE", "/bigid/deployments/sandbox/users/nobody", None, 404, "no user 'nobody'"),
    ],
)
def test_bad_admin_requests_are_clear_4xx(
    mock: AuthMock, method: str, path: str, body: Any, status: int, message: str
) -> None:
    response = admin(method, path, body)
    assert response.status_code == status
    assert message in response.json()["message"]
    assert mock.bigid.errors == "spec"


def test_bigid_openapi_document_describes_exactly_the_routes(mock: AuthMock) -> None:
    from authmock.bigid.views import BigidHttp

    document = admin("GET", "/openapi/bigid.json").json()
    assert document["openapi"].startswith("3.")
    served = {(r.path, r.method.lower()) for r in BigidHttp.ROUTES}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == served
    schemas = document["components"]["schemas"]
    refs = {ref.rsplit("/", 1)[1] for ref in _refs(document)}
    assert refs and refs <= set(schemas)


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if "$ref" in value else []
        return found + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []
