"""What a protected route's handler may return: body, (body, status),
(body, status, headers) or a werkzeug Response; anything else is a 500 and a
TypeError re-raised to the test, saying what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Response

from authmock import AuthMock

SIGMA = "https://api.sigma-pim.com"
Handler = Callable[[Any, Any], Any]


def _call_sigma(mock: AuthMock, handler: Handler) -> requests.Response:
    mock.sigma.route("POST", "/api/v1/things")(handler)
    token = mock.sigma.issue_token("admin@sigma.io")
    return requests.post(f"{SIGMA}/api/v1/things", headers={"Authorization": f"Bearer {token}"})


def _call_bigid(mock: AuthMock, handler: Handler) -> requests.Response:
    mock.bigid.route("POST", "/api/v1/things")(handler)
    token = mock.bigid.issue_system_token("bigid")
    return requests.post(f"{mock.bigid_url()}/things", headers={"Authorization": token})


CALLERS = pytest.mark.parametrize("call", [_call_sigma, _call_bigid], ids=["sigma", "bigid"])


@CALLERS
@pytest.mark.parametrize(
    ("result", "status", "body", "content_type"),
    [
        ({"id": "t-1"}, 200, b'{"id":"t-1"}', "application/json"),
        ([1, 2], 200, b"[1,2]", "application/json"),
        (({"id": "t-1"}, 201), 201, b'{"id":"t-1"}', "application/json"),
        (([1, 2], 409), 409, b"[1,2]", "application/json"),
        ((None, 204), 204, b"", None),
        (("", 204, {"X-Seen": "1"}), 204, b"", None),
        (
            ({"id": "t-1"}, 202, {"Location": "/api/v1/things/t-1"}),
            202,
            b'{"id":"t-1"}',
            "application/json",
        ),
        (
            ({"ok": True}, 200, [("Content-Type", "application/vnd.things+json")]),
            200,
            b'{"ok":true}',
            "application/vnd.things+json",
        ),
        (Response(b"plain", status=418, content_type="text/plain"), 418, b"plain", "text/plain"),
    ],
    ids=[
        "body",
        "list-body",
        "body-status",
        "list-body-status",
        "no-content",
        "no-content-headers",
        "body-status-headers",
        "own-content-type",
        "werkzeug-response",
    ],
)
def test_allowed_results(
    call: Callable[[AuthMock, Handler], requests.Response],
    result: Any,
    status: int,
    body: bytes,
    content_type: str | None,
) -> None:
    with AuthMock(seed=7) as mock:
        response = call(mock, lambda request, principal: result)
        assert (response.status_code, response.content) == (status, body)
        assert response.headers.get("Content-Type") == content_type
        if isinstance(result, tuple) and len(result) == 3:
            for name, value in dict(result[2]).items():
                assert response.headers[name] == value
        mock.raise_handler_errors()  # nothing to re-raise


@CALLERS
@pytest.mark.parametrize(
    ("result", "message"),
    [
        (({"a": 1}, 201, {}, "extra"), "returned a tuple of 4 items; return a JSON-able body"),
        (({"a": 1},), "returned a tuple of 1 items"),
        (({"a": 1}, "201"), "returned status '201'; a status is an int 100-599"),
        (({"a": 1}, True), "returned status True"),
        (({"a": 1}, 700), "returned status 700"),
        (({"a": 1}, 200, 5), "returned headers 5; headers are a dict or"),
        (({"a": 1}, 204), "returned a body with status 204, which has none"),
        ({1, 2}, "returned a body JSON cannot encode"),
        (b"raw", "returned a body JSON cannot encode"),
    ],
    ids=[
        "four-items",
        "one-item",
        "string-status",
        "bool-status",
        "status-out-of-range",
        "bad-headers",
        "body-with-204",
        "set",
        "bytes",
    ],
)
def test_other_results_are_a_500_reraised_with_what_is_allowed(
    call: Callable[[AuthMock, Handler], requests.Response], result: Any, message: str
) -> None:
    mock = AuthMock(seed=7)
    with pytest.raises(TypeError, match=message) as raised, mock:
        response = call(mock, lambda request, principal: result)
        assert response.status_code == 500
    assert "route handler POST /api/v1/things" in str(raised.value)
    if "tuple of" in message:
        assert str(raised.value).endswith(
            "return a JSON-able body, (body, status), (body, status, headers) "
            "or a werkzeug Response"
        )
