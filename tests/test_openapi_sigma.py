"""``GET /_authmock/openapi/sigma.json``: the OpenAPI document of what is served."""

from __future__ import annotations

from typing import Any

import requests

from authmock import AuthMock
from authmock.sigma.openapi import openapi_path
from authmock.sigma.views import _RULES
from conftest import Env


def document(env: Env) -> Any:
    response = env.sigma("GET", "/_authmock/openapi/sigma.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def test_every_served_route_is_documented_with_full_paths(env: Env) -> None:
    doc = document(env)
    assert doc["openapi"] == "3.0.3"
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = {
        (openapi_path(rule.rule), method)
        for rule in _RULES
        for method in rule.methods or ()
        if method != "HEAD"
    }
    assert documented == served
    assert doc["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Sigma-ApiKey"},
    }


def test_documented_shapes_match_the_answers(env: Env) -> None:
    schemas = document(env)["components"]["schemas"]
    login = env.sigma(
        "POST", "/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
    )
    body = login.json()
    assert set(schemas["TokenResponse"]["required"]) == set(body)
    assert set(schemas["User"]["required"]) == set(body["user"])
    keys = env.sigma(
        "GET", "/api/v1/api-keys", headers={"Authorization": "Bearer " + body["token"]}
    )
    assert set(schemas["ApiKey"]["required"]) == set(keys.json()[0])
    error = env.sigma("GET", "/api/v1/roles")
    assert set(schemas["Error"]["required"]) == set(error.json())
    roles = env.sigma("GET", "/api/v1/roles", headers={"Authorization": "Bearer " + body["token"]})
    assert set(schemas["Role"]["required"]) == set(roles.json()[0])


def test_user_routes_are_documented() -> None:
    mock = AuthMock()

    @mock.sigma.route("POST", "/api/v1/things/<int:thing_id>/archive", permission="update-data")
    def archive(request: Any, principal: Any) -> dict[str, bool]:
        return {"archived": True}

    with mock:
        doc = requests.get(mock.sigma_url + "/_authmock/openapi/sigma.json").json()
    operation = doc["paths"]["/api/v1/things/{thing_id}/archive"]["post"]
    assert operation["summary"] == "Registered route (needs 'update-data')"
    assert operation["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert set(operation["responses"]) == {"200", "401", "403"}
