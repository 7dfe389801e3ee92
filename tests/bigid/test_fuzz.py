"""Property-based fuzzing of BigID: whatever arrives, in either error style,
never a 5xx, always BigID's envelope and the style's content type."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from authmock import AuthMock
from authmock.bigid.views import BigidHttp
from tests import strategies
from tests.bigid.helpers import HTML_TYPE, JSON_TYPE
from tests.counts import count
from tests.strategies import json_values

# Every built-in route, from the route table, and two paths that are none.
BIGID_PATHS = [*strategies.route_paths(BigidHttp.ROUTES), "/api/v1", "/"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]

MOCK = AuthMock(seed=7)
CLIENT = Client(MOCK.wsgi_app)
USER_TOKEN = MOCK.bigid.user_token("bigid")

bodies = strategies.bodies(
    {
        "username": json_values | st.sampled_from(["bigid", "BIGID", ""]),
        "password": json_values | st.just("bigid"),
    }
)
paths = strategies.paths(BIGID_PATHS, "/api/v1/", 30)
authorizations = (
    st.none()
    | st.sampled_from(
        [
            USER_TOKEN,
            "Bearer " + USER_TOKEN,
            USER_TOKEN[:-3],
            "Bearer",
            "Basic Ymln",
            "eyJhbGciOiJub25lIn0.e30.",
            "a.b.c",
            "x" * 9000,
        ]
    )
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    style=st.sampled_from(["spec", "production"]),
    method=st.sampled_from(METHODS),
    path=paths,
    body=bodies,
    authorization=authorizations,
    host=st.sampled_from(["sandbox.bigid.tools", f"{MOCK.bigid.deployments[1]['name']}.bigid.com"]),
)
@strategies.every_route(
    BigidHttp.ROUTES,
    style="spec",
    body=b'{"username": "bigid", "password": "bigid"}',
    authorization=USER_TOKEN,
    host="sandbox.bigid.tools",
)
def test_bigid_never_5xx_and_always_its_envelope(
    style: str, method: str, path: str, body: bytes, authorization: Any, host: str
) -> None:
    MOCK.bigid.errors = style
    headers = {"Host": host, "Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = CLIENT.open(
        path, method=method, data=body, headers=headers, base_url=f"https://{host}"
    )
    assert response.status_code < 500, response.get_data()
    assert response.headers["Content-Type"] == (HTML_TYPE if style == "production" else JSON_TYPE)
    if method != "HEAD":
        reply = json.loads(response.get_data())
        if reply.get("success") is False:
            assert set(reply) == {"success", "message"} and isinstance(reply["message"], str)
        else:
            assert response.status_code == 200 and reply["success"] is True
    if style == "production":
        assert response.status_code not in (400, 401)
    count("fuzz examples (BigID)")
