"""Property-based fuzzing: whatever arrives, never a 5xx, always the envelope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from authmock import AuthMock
from authmock.sigma.views import SigmaHttp
from tests import strategies
from tests.counts import count
from tests.strategies import json_values

# Every built-in route, from the route table (a new one is fuzzed with no edit here).
SIGMA_PATHS = strategies.route_paths(SigmaHttp.ROUTES, "apikey-x")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

bodies = strategies.bodies(
    {
        "email": json_values | st.sampled_from(["admin@sigma.io", " ADMIN@sigma.io", ""]),
        "password": json_values | st.just("admin"),
        "workspaceId": json_values | st.just("ws-sigma"),
        "token": json_values,
        "name": json_values,
        "permissions": json_values
        | st.lists(st.sampled_from(["read", "update-data", "x"]), max_size=3),
    }
)
paths = strategies.paths(SIGMA_PATHS, "/", 40)
header_values = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60
) | st.sampled_from(
    ["Bearer ", "Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.e30.", "sigma_sk_live_" + "A" * 40]
)


def _check_sigma(status: int, data: bytes, method: str) -> None:
    assert status < 500, (status, data)
    if status >= 400 and method != "HEAD":
        body = json.loads(data)
        assert isinstance(body, dict) and set(body) == {"error", "message"}, body
        assert all(isinstance(v, str) for v in body.values())


MOCK = AuthMock(seed=7)
CLIENT = Client(MOCK.wsgi_app)
ADMIN = "Bearer " + MOCK.sigma.issue_token("admin@sigma.io")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(METHODS),
    path=paths,
    body=bodies,
    authorization=st.none() | header_values,
    api_key=st.none() | header_values,
    content_type=st.sampled_from(
        [None, "application/json", "text/plain", "application/x-www-form-urlencoded"]
    ),
)
@strategies.every_route(
    SigmaHttp.ROUTES,
    "apikey-x",
    body=b"{}",
    authorization=ADMIN,
    api_key=None,
    content_type="application/json",
)
def test_sigma_in_process_never_5xx(
    method: str, path: str, body: bytes, authorization: Any, api_key: Any, content_type: Any
) -> None:
    headers = {"Host": "api.sigma-pim.com"}
    if authorization is not None:
        headers["Authorization"] = authorization
    if api_key is not None:
        headers["X-Sigma-ApiKey"] = api_key
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = CLIENT.open(
        path, method=method, data=body, headers=headers, base_url="https://api.sigma-pim.com"
    )
    _check_sigma(response.status_code, response.get_data(), method)
    count("fuzz examples (in-process)")


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with MOCK.serve() as live:
        yield live


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(SIGMA_PATHS),
    body=bodies,
    authorization=st.none() | header_values,
)
@strategies.every_route(SigmaHttp.ROUTES, "apikey-x", body=b"{}", authorization=ADMIN)
def test_sigma_on_the_live_server_never_5xx(
    server: Any, method: str, path: str, body: bytes, authorization: Any
) -> None:
    import http.client

    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        _check_sigma(response.status, response.read(), method)
    finally:
        connection.close()
    count("fuzz examples (live server)")
