"""The served OpenAPI documents match the routes they describe."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from authmock import AuthMock
from tests.route_tables import route_tables

# Each API's built-in route table: its document must describe exactly these.
TABLES = route_tables()


def _werkzeug_to_openapi(path: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def _document(name: str) -> dict[str, Any]:
    with AuthMock(seed=1):
        response = requests.get(f"https://api.sigma-pim.com/_authmock/openapi/{name}.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("api", TABLES)
def test_each_document_describes_exactly_the_routes_of_its_table(api: str) -> None:
    """A built-in route added without its OpenAPI entry (or an entry left for a
    route that is gone) fails here."""
    document = _document(api)
    assert document["openapi"].startswith("3.")
    served = {(_werkzeug_to_openapi(r.path), r.method.lower()) for r in TABLES[api]}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == served
    assert len(served) == len(TABLES[api])  # one route per method and path


@pytest.mark.parametrize("api", TABLES)
def test_every_reference_resolves_and_every_operation_has_an_id(api: str) -> None:
    document = _document(api)
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(document))
    assert refs and set(refs) <= set(document["components"]["schemas"])
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == len(TABLES[api])
    for path, item in document["paths"].items():
        for operation in item.values():
            names = [p["name"] for p in operation.get("parameters", [])]
            assert names == re.findall(r"\{(\w+)\}", path)


def test_unknown_document_is_404() -> None:
    with AuthMock(seed=1):
        response = requests.get("https://api.sigma-pim.com/_authmock/openapi/nope.json")
    assert response.status_code == 404
    assert response.json()["error"] == "NOT_FOUND"


def test_the_non_blank_pattern_is_exactly_what_the_server_strips() -> None:
    """``"\\u001f"`` is blank to the server (str.strip), so the document must say
    so: schemathesis once found it about one run in four."""
    import sys

    from authmock.sigma.openapi import NOT_BLANK, sigma_openapi

    pattern = re.compile(NOT_BLANK["pattern"])
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (pattern.search(char) is None) is char.isspace(), hex(code)
    document = sigma_openapi()["components"]["schemas"]
    assert document["LoginRequest"]["properties"]["email"] == NOT_BLANK
    assert document["RefreshRequest"]["properties"]["token"] == NOT_BLANK


def test_a_blank_email_is_refused_as_the_document_says(mock: AuthMock) -> None:
    r = requests.post(
        f"{mock.sigma_url}/api/v1/auth/login", json={"email": "\u001f", "password": "p"}
    )
    assert (r.status_code, r.json()) == (
        400,
        {"error": "VALIDATION_ERROR", "message": "Email and password are required"},
    )


def _admin_routes() -> set[tuple[str, str]]:
    """(path, method) of every admin route (werkzeug adds HEAD to each GET)."""
    specs = AuthMock(seed=1).wsgi_app.admin._specs
    return {
        (_werkzeug_to_openapi(path), m.lower())
        for path, methods, _ in specs
        for m in methods
        if m != "HEAD"
    }


def test_admin_document_describes_exactly_the_admin_routes() -> None:
    """A route added to the admin API without its entry in
    authmock/http/admin_openapi.py (OPERATIONS) fails here."""
    with AuthMock(seed=1):
        document = requests.get("https://api.sigma-pim.com/_authmock/openapi/admin.json").json()
    assert document["openapi"].startswith("3.")
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == _admin_routes()
    text = json.dumps(document)
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text)
    assert refs and set(refs) <= set(document["components"]["schemas"])
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for path, item in document["paths"].items():
        for operation in item.values():
            # Every operation documents its error answers in the admin envelope.
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
            names = [p["name"] for p in operation.get("parameters", [])]
            assert names == re.findall(r"\{(\w+)\}", path)


def test_admin_index_lists_every_route_and_the_three_documents() -> None:
    with AuthMock(seed=1):
        for path in ("/_authmock", "/_authmock/"):
            response = requests.get("https://api.sigma-pim.com" + path)
            assert response.status_code == 200
            index = response.json()
            assert {(r["path"], r["method"].lower()) for r in index["routes"]} == _admin_routes()
            assert index["openapi"] == {
                name: f"/_authmock/openapi/{name}.json" for name in ("sigma", "bigid", "admin")
            }
            for url in index["openapi"].values():
                assert requests.get("https://api.sigma-pim.com" + url).status_code == 200


def test_admin_document_describes_the_index_and_its_apis() -> None:
    with AuthMock(seed=1):
        document = requests.get("https://api.sigma-pim.com/_authmock/openapi/admin.json").json()
        index = requests.get("https://api.sigma-pim.com/_authmock").json()
    schemas = document["components"]["schemas"]
    for path in ("/_authmock", "/_authmock/"):
        answer = document["paths"][path]["get"]["responses"]["200"]
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Index"
        }
    schema = schemas["Index"]
    assert schema["required"] == ["authmock", "apis", "routes", "openapi"]
    assert set(schema["properties"]) == set(index)
    assert schema["properties"]["apis"]["items"]["enum"] == index["apis"] == ["sigma", "bigid"]
