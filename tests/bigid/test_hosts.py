"""In-process BigID hosts: which are intercepted, and the missing-deployment
failure (the client's connection error, never real network traffic)."""

from __future__ import annotations

import pytest
import requests

from authmock import AuthMock
from tests.bigid.helpers import BAD_TOKEN, failure


def login(base: str, username: str = "bigid", password: str = "bigid") -> requests.Response:
    return requests.post(f"{base}/sessions", json={"username": username, "password": password})


@pytest.mark.parametrize(
    ("url", "owned"),
    [
        ("https://sandbox.bigid.tools/api/v1/sessions", True),
        ("https://sandbox.bigid.tools:443/api/v1/sessions", True),
        ("https://austin-and-sons.bigid.com/api/v1/sessions", True),
        ("https://not-a-deployment.bigid.com/api/v1/sessions", True),
        ("https://www.bigid.com/", True),
        ("https://bigid.com/api/v1/sessions", False),
        ("https://other.bigid.tools/api/v1/sessions", False),
        ("https://sandbox.bigid.tools.evil.test/api/v1/sessions", False),
        ("https://bigid.com.evil.test/api/v1/sessions", False),
        ("https://example.com/api/v1/sessions", False),
    ],
)
def test_which_urls_are_intercepted(url: str, owned: bool) -> None:
    assert AuthMock(seed=7).wsgi_app.intercepts(url) is owned


def test_every_seeded_deployment_has_its_host(mock: AuthMock) -> None:
    for deployment in mock.bigid.deployments:
        user = deployment["users"][0]
        response = login(mock.bigid_url(deployment["name"]), user["username"], user["password"])
        assert response.json()["success"] is True
        assert mock.calls[-1].tenant == deployment["name"]


def test_sandbox_also_answers_on_its_bigid_com_host(mock: AuthMock) -> None:
    assert login("https://sandbox.bigid.com/api/v1").json()["success"] is True


@pytest.mark.parametrize(
    "url",
    [
        "https://nope.bigid.com/api/v1/sessions",
        "https://a.b.bigid.com/api/v1/sessions",
        "https://www.bigid.com/_authmock/state",
    ],
)
def test_unknown_bigid_com_hosts_refuse_connections(mock: AuthMock, url: str) -> None:
    with pytest.raises(
        requests.ConnectionError, match=r"\[Errno \d+\] Connection refused"
    ) as refused:
        requests.post(url, json={"username": "bigid", "password": "bigid"})
    # The message says why, not "authmock fault None".
    assert "authmock: no BigID deployment" in str(refused.value)
    assert "None" not in str(refused.value)
    # Nothing answered, but the journal says why the connection was refused.
    (call,) = mock.calls
    assert (call.api, call.method, call.status, call.reason) == (
        "bigid",
        "POST",
        0,
        "deployment_not_found",
    )
    name = url.split("//")[1].split(".bigid.com")[0]
    assert call.detail == (
        f"deployment '{name}' does not exist (removed, or never added): the connection is refused"
    )


def test_removed_deployment_refuses_connections(mock: AuthMock) -> None:
    mock.bigid.add_deployment("acme")
    mock.bigid.add_user("acme", "ops", "pw")
    user_token = mock.bigid.create_user_token("ops", deployment="acme")
    base = mock.bigid_url("acme")
    assert login(base, "ops", "pw").json()["success"] is True

    mock.bigid.remove_deployment("acme")
    with pytest.raises(requests.ConnectionError):
        login(base, "ops", "pw")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/refresh-access-token", headers={"Authorization": user_token})
    # Elsewhere the removed deployment's token is a foreign one...
    sandbox = requests.get(
        f"{mock.bigid_url()}/refresh-access-token", headers={"Authorization": user_token}
    )
    assert sandbox.json() == failure(BAD_TOKEN)
    # ...and a deployment re-created under the same name has a new secret.
    mock.bigid.add_deployment("acme")
    mock.bigid.add_user("acme", "ops", "pw")
    again = requests.get(f"{base}/refresh-access-token", headers={"Authorization": user_token})
    assert again.json() == failure(BAD_TOKEN)


def test_removing_the_sandbox(mock: AuthMock) -> None:
    mock.bigid.remove_deployment("sandbox")
    with pytest.raises(requests.ConnectionError):
        login(mock.bigid_url())
    # Reset brings the seeded deployments back.
    mock.reset()
    assert login(mock.bigid_url()).json()["success"] is True


def test_passthrough_leaves_a_bigid_host_alone() -> None:
    with AuthMock(seed=7, passthrough=["https://sandbox.bigid.tools"]) as mock:
        interceptor = mock._requests
        assert not interceptor.claims("https://sandbox.bigid.tools/api/v1/sessions")
        assert interceptor.claims("https://austin-and-sons.bigid.com/api/v1/sessions")
