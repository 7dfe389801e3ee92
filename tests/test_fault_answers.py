"""Faults that answer anything: a verbatim body, its content type and headers,
any status with a body, and BigID's production failure at HTTP 200 — in every
mode (the server mode adds them through the admin API's JSON)."""

from __future__ import annotations

import pytest
import requests
from urllib3.util.retry import Retry

from authmock import AuthMock
from authmock.faults import Fault
from tests.conftest import Env

PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
REFRESH = "/refresh-access-token"


def _user_token(env: Env) -> str:
    return str(env.mock.bigid.create_user_token("bigid"))


def test_a_verbatim_body_with_its_type_and_headers(env: Env) -> None:
    env.mock.faults.add(
        path="/healthz",
        body=PROXY_PAGE,
        content_type="text/html",
        headers={"X-Served-By": "nginx", "X-Upstream": "down"},
        times=1,
    )
    response = env.sigma("GET", "/healthz")
    assert (response.status_code, response.text) == (200, PROXY_PAGE)
    assert response.headers["Content-Type"] == "text/html"
    assert (response.headers["X-Served-By"], response.headers["X-Upstream"]) == ("nginx", "down")
    assert env.sigma("GET", "/healthz").json() == {"status": "ok"}
    assert [c.status for c in env.mock.calls] == [200, 200]
    assert [c.fault for c in env.mock.calls] == ["fault-1", None]


@pytest.mark.parametrize("status", [203, 302, 404, 599])
def test_a_body_goes_with_any_status(env: Env, status: int) -> None:
    env.mock.faults.add(path="/api/v1/roles", status=status, body='{"odd": true}')
    response = env.sigma("GET", "/api/v1/roles")
    assert (response.status_code, response.json()) == (status, {"odd": True})
    # A body that parses as JSON is labelled so; anything else is text.
    assert response.headers["Content-Type"] == "application/json"


def test_an_empty_text_body(env: Env) -> None:
    env.mock.faults.add(path="/healthz", status=500, body="")
    response = env.sigma("GET", "/healthz")
    assert (response.status_code, response.content) == (500, b"")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_headers_on_an_error_envelope(env: Env) -> None:
    env.mock.faults.add(path="/healthz", status=429, headers={"Retry-After": "30"})
    response = env.sigma("GET", "/healthz")
    assert response.status_code == 429
    assert response.json() == {"error": "RATE_LIMITED", "message": "Too many requests"}
    assert response.headers["Retry-After"] == "30"  # replaces Sigma's own "1"


def test_bigid_production_failure_at_200_then_success(env: Env) -> None:
    # Recorded from a real deployment: HTTP 200, text/html, then the retry worked.
    env.mock.faults.add(
        api="bigid",
        path="/api/v1/refresh-access-token",
        status=200,
        message="Refresh token not valid",
        content_type="text/html",
        times=1,
    )
    headers = {"Authorization": _user_token(env)}
    failed = env.bigid("GET", REFRESH, headers=headers)
    assert (failed.status_code, failed.headers["Content-Type"]) == (200, "text/html")
    assert failed.json() == {"success": False, "message": "Refresh token not valid"}
    succeeded = env.bigid("GET", REFRESH, headers=headers)
    assert succeeded.status_code == 200 and succeeded.json()["success"] is True
    assert "systemToken" in succeeded.json()


def test_the_fields_are_listed_as_given(env: Env) -> None:
    spec = {"path": "/x", "body": "<p>", "content_type": "text/html", "headers": {"A": "b"}}
    fault_id = env.mock.faults.add(**spec)
    listed = [f.to_json() for f in env.mock.faults.list()]
    assert listed == [
        {"id": fault_id, **spec, "status": 200, "seen": 0, "fired": 0},
    ]
    assert Fault.from_json(listed[0]).spec() == {**spec, "status": 200}


def test_retry_after_from_a_fault_is_honoured(env: Env) -> None:
    if env.mode not in ("requests", "server"):
        pytest.skip("urllib3's Retry is a requests feature")
    # 503 with Retry-After is retried even without a status_forcelist.
    env.mock.faults.add(path="/healthz", status=503, times=1, headers={"Retry-After": "0"})
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=Retry(total=2)))
    session.mount("https://", requests.adapters.HTTPAdapter(max_retries=Retry(total=2)))
    assert session.get(env.sigma_base + "/healthz").status_code == 200
    assert [c.status for c in env.mock.calls] == [503, 200]
    env.mock.faults.add(path="/healthz", status=503, times=1, headers={"Retry-After": "0"})
    adapter = requests.adapters.HTTPAdapter(
        max_retries=Retry(total=2, respect_retry_after_header=False)
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    assert session.get(env.sigma_base + "/healthz").status_code == 503


def test_admin_api_refuses_bad_answer_fields_clearly() -> None:
    with AuthMock(seed=7) as mock:
        url = f"{mock.sigma_url}/_authmock/faults"
        response = requests.post(url, json={"status": 200})
        assert response.status_code == 400
        assert "'status' 200 needs a 'body', or api 'bigid' and a 'message'" in response.text
        response = requests.post(url, json={"status": 503, "headers": {"X": 1}})
        assert response.status_code == 400
        assert "'headers': 'X' must be a one-line string" in response.text


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        # Each of these once broke an answer: the live server died encoding a
        # non-latin-1 value, httpx refused non-ASCII in-process and NUL on the wire.
        ({"headers": {"X-E": "\u20ac"}}, "'headers': 'X-E' must be a one-line string of printable"),
        ({"headers": {"X-N": "a\x00b"}}, "'headers': 'X-N' must be a one-line string of printable"),
        ({"headers": {"X-L": "a\n"}}, "'headers': 'X-L' must be a one-line string of printable"),
        ({"content_type": "text/html\x00"}, "'content_type' must be one line of printable ASCII"),
        ({"content_type": "text/html\n"}, "'content_type' must be one line of printable ASCII"),
        # A 1xx is no final answer (over HTTP/1.1 the client waits on); 204/304 carry no body.
        ({"status": 100}, "fault field 'status' must be between 200 and 599"),
        ({"status": 199}, "fault field 'status' must be between 200 and 599"),
        ({"status": 204}, "fault field 'body': a 204 answer has no body"),
        ({"status": 304}, "fault field 'body': a 304 answer has no body"),
    ],
)
def test_answers_no_client_can_read_are_refused(spec: dict[str, object], problem: str) -> None:
    with AuthMock(seed=7) as mock:
        response = requests.post(
            f"{mock.sigma_url}/_authmock/faults", json={"path": "/healthz", "body": "x", **spec}
        )
        assert response.status_code == 400
        assert problem in response.json()["message"]
        assert list(mock.faults) == []


def test_an_empty_204_and_a_tab_in_a_header_are_answers(env: Env) -> None:
    env.mock.faults.add(path="/healthz", status=204, body="", headers={"X-T": "a\tb"}, times=1)
    response = env.sigma("GET", "/healthz")
    assert (response.status_code, response.content, response.headers["X-T"]) == (204, b"", "a\tb")
