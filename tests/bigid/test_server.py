"""Server mode: Sigma and BigID share the server root. The default deployment
is at /api/v1, every deployment at /bigid/{deployment}/api/v1, and an
/api/v1 path that is no BigID route is Sigma's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from authmock import AuthMock
from tests.bigid.helpers import BAD_TOKEN, HTML_TYPE, NO_TOKEN, failure

BIGID_LOGIN = {"username": "bigid", "password": "bigid"}


@pytest.fixture
def served() -> Iterator[tuple[AuthMock, str]]:
    mock = AuthMock(seed=7)
    mock.bigid.add_deployment("acme")
    mock.bigid.add_user("acme", "ops", "pw", first_name="Ops")
    with mock.serve() as server:
        yield mock, server.url


def test_api_v1_sessions_is_the_default_deployment(served: tuple[AuthMock, str]) -> None:
    mock, url = served
    body = requests.post(f"{url}/api/v1/sessions", json=BIGID_LOGIN).json()
    assert (body["success"], body["message"], body["firstName"]) == (
        True,
        "Enjoy your token!",
        "BigID Admin",
    )
    call = mock.calls[-1]
    assert (call.api, call.path, call.tenant, call.status) == (
        "bigid",
        "/api/v1/sessions",
        "sandbox",
        200,
    )
    token = mock.bigid.user_token("bigid")
    for method in ("GET", "POST"):
        response = requests.request(
            method, f"{url}/api/v1/refresh-access-token", headers={"Authorization": token}
        )
        assert response.json()["success"] is True


def test_each_deployment_under_its_prefix(served: tuple[AuthMock, str]) -> None:
    mock, url = served
    body = requests.post(
        f"{url}/bigid/acme/api/v1/sessions", json={"username": "ops", "password": "pw"}
    ).json()
    assert body["success"] is True and body["firstName"] == "Ops"
    call = mock.calls[-1]
    # The journal sees the API path, without the /bigid/acme prefix.
    assert (call.path, call.tenant, call.principal) == ("/api/v1/sessions", "acme", "ops")
    # The sandbox answers under its prefix too, and its users are not acme's.
    sandbox = requests.post(f"{url}/bigid/sandbox/api/v1/sessions", json=BIGID_LOGIN).json()
    assert sandbox["success"] is True
    assert requests.post(f"{url}/bigid/acme/api/v1/sessions", json=BIGID_LOGIN).status_code == 401
    missing = requests.get(f"{url}/bigid/acme/api/v1/refresh-access-token").json()
    assert missing == failure(NO_TOKEN)


def test_sigma_paths_under_api_v1_still_go_to_sigma(served: tuple[AuthMock, str]) -> None:
    mock, url = served
    response = requests.post(
        f"{url}/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
    )
    assert response.status_code == 200 and "token" in response.json()
    assert mock.calls[-1].api == "sigma"
    unknown = requests.get(f"{url}/api/v1/not-a-route")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"error": "NOT_FOUND", "message": "Route GET /api/v1/not-a-route not found"},
    )
    assert mock.calls[-1].api == "sigma"


def test_user_registered_bigid_routes_go_to_bigid(served: tuple[AuthMock, str]) -> None:
    mock, url = served

    @mock.bigid.route("GET", "/api/v1/data-catalog")
    def catalog(request: Any, principal: Any) -> dict[str, str]:
        return {"deployment": principal.deployment}

    system = mock.bigid.issue_system_token("ops", deployment="acme")
    for path, deployment in (("/api/v1", "sandbox"), ("/bigid/acme/api/v1", "acme")):
        token = system if deployment == "acme" else mock.bigid.issue_system_token("bigid")
        response = requests.get(f"{url}{path}/data-catalog", headers={"Authorization": token})
        assert response.json() == {"deployment": deployment}
    # A BigID route answers in BigID's envelope, whatever the method.
    response = requests.post(f"{url}/api/v1/data-catalog")
    assert (response.status_code, response.json()) == (
        405,
        failure("Method POST not allowed on /api/v1/data-catalog"),
    )
    wrong = requests.get(f"{url}/api/v1/data-catalog", headers={"Authorization": system})
    assert wrong.json() == failure(BAD_TOKEN)


def test_faults_and_production_style_on_the_server(served: tuple[AuthMock, str]) -> None:
    mock, url = served
    mock.bigid.errors = "production"
    mock.faults.add(api="bigid", tenant="acme", path="/api/v1/sessions", status=502, times=1)
    faulted = requests.post(f"{url}/bigid/acme/api/v1/sessions", json={})
    assert (faulted.status_code, faulted.json()) == (502, failure("Bad Gateway"))
    assert faulted.headers["Content-Type"] == HTML_TYPE
    bad = requests.post(f"{url}/bigid/acme/api/v1/sessions", json={})
    assert (bad.status_code, bad.headers["Content-Type"]) == (200, HTML_TYPE)
    assert bad.json() == failure("username and password are required")


def test_removed_and_unknown_deployments_drop_the_connection(
    served: tuple[AuthMock, str],
) -> None:
    mock, url = served
    token = mock.bigid.create_user_token("ops", deployment="acme")
    mock.bigid.remove_deployment("acme")
    # A timeout only so that a server that fails to drop the connection fails fast.
    with pytest.raises(requests.ConnectionError):
        requests.get(
            f"{url}/bigid/acme/api/v1/refresh-access-token",
            headers={"Authorization": token},
            timeout=5,
        )
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{url}/bigid/typo/api/v1/sessions", json=BIGID_LOGIN, timeout=5)
    # The server itself is fine.
    assert requests.post(f"{url}/api/v1/sessions", json=BIGID_LOGIN).status_code == 200
    refused = requests.get(f"{url}/api/v1/refresh-access-token", headers={"Authorization": token})
    assert refused.json() == failure(BAD_TOKEN)


def test_the_default_deployment_is_the_scenarios_first() -> None:
    mock = AuthMock(scenario="acme")  # its only deployment is acme
    with mock.serve() as server:
        login = {"username": "scanner", "password": "s3cret"}
        assert requests.post(f"{server.url}/api/v1/sessions", json=login).json()["success"]
        assert mock.calls[-1].tenant == "acme"
        assert requests.post(f"{server.url}/api/v1/sessions", json=BIGID_LOGIN).status_code == 401
