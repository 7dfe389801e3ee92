"""The served OpenAPI documents match the routes they describe."""

from __future__ import annotations

import re

import requests

from authmock import AuthMock
from authmock.sigma.views import _ROUTES as SIGMA_ROUTES


def _werkzeug_to_openapi(path: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def test_sigma_document_describes_exactly_the_routes() -> None:
    with AuthMock(seed=1):
        document = requests.get("https://api.sigma-pim.com/_authmock/openapi/sigma.json").json()
    assert document["openapi"].startswith("3.")
    served = {
        (_werkzeug_to_openapi(path), m.lower())
        for path, methods, _ in SIGMA_ROUTES
        for m in methods
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == served


def test_every_reference_resolves_and_every_operation_has_an_id() -> None:
    with AuthMock(seed=1):
        document = requests.get("https://api.sigma-pim.com/_authmock/openapi/sigma.json").json()
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', __import__("json").dumps(document))
    assert refs and set(refs) <= set(document["components"]["schemas"])
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == len(SIGMA_ROUTES)


def test_unknown_document_is_404() -> None:
    with AuthMock(seed=1):
        response = requests.get("https://api.sigma-pim.com/_authmock/openapi/nope.json")
    assert response.status_code == 404
    assert response.json()["error"] == "NOT_FOUND"
