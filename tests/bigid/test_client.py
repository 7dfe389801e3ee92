"""BigID integrations as real teams write them, run against authmock.

Real clients keep a ``requests.Session`` with ``Accept: application/json``,
exchange the user token (sent raw) on GET /refresh-access-token, read
``systemToken`` and send it raw in ``Authorization``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from authmock import AuthMock
from tests.bigid.helpers import BAD_TOKEN, HTML_TYPE, JSON_TYPE, STYLES, failure


class BigidAuthError(Exception):
    pass


class BigidClient:
    """The careful kind: it reads ``success`` instead of trusting the status."""

    def __init__(self, base_url: str, user_token: str) -> None:
        self.base_url = base_url
        self.user_token = user_token
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        self.system_token: str | None = None

    def refresh(self) -> str:
        response = self.session.get(
            f"{self.base_url}/refresh-access-token", headers={"Authorization": self.user_token}
        )
        body = response.json()
        if not body.get("success"):
            raise BigidAuthError(body.get("message"))
        self.system_token = body["systemToken"]
        return str(self.system_token)

    def get(self, path: str) -> Any:
        if self.system_token is None:
            self.refresh()
        response = self.session.get(
            f"{self.base_url}{path}", headers={"Authorization": str(self.system_token)}
        )
        body = response.json()
        if isinstance(body, dict) and body.get("success") is False:
            # Expired system token: refresh once and retry, as integrations do.
            self.refresh()
            response = self.session.get(
                f"{self.base_url}{path}", headers={"Authorization": str(self.system_token)}
            )
            body = response.json()
        return body


def naive_refresh(base_url: str, user_token: str) -> str:
    """The other kind: trusts the status code, then reads ``systemToken``."""
    with requests.Session() as session:
        session.headers.update({"Accept": "application/json"})
        response = session.get(
            f"{base_url}/refresh-access-token", headers={"Authorization": user_token}
        )
        response.raise_for_status()
        return str(response.json()["systemToken"])


@pytest.fixture(params=STYLES)
def mock(request: pytest.FixtureRequest) -> Any:
    with AuthMock(seed=7, bigid_errors=request.param) as active:

        @active.bigid.route("GET", "/api/v1/data-catalog/objects")
        def objects(request: Any, principal: Any) -> dict[str, Any]:
            return {"results": [{"name": "customers.csv", "owner": principal.username}]}

        yield active


def test_real_client_logs_in_with_the_seeded_user_token(mock: AuthMock) -> None:
    client = BigidClient(mock.bigid_url("sandbox"), mock.bigid.user_token("bigid"))
    assert client.get("/data-catalog/objects") == {
        "results": [{"name": "customers.csv", "owner": "bigid"}]
    }
    call = mock.assert_called("GET", "/api/v1/data-catalog/objects", times=1)[0]
    assert (call.principal, call.tenant, call.status) == ("bigid", "sandbox", 200)
    mock.assert_called("GET", "/api/v1/refresh-access-token", times=1)


def test_real_client_on_a_customer_deployment(mock: AuthMock) -> None:
    mock.bigid.add_deployment("acme")
    mock.bigid.add_user("acme", "svc-scanner", "pw", first_name="Scanner")
    token = mock.bigid.create_user_token("svc-scanner", deployment="acme", days=90)
    client = BigidClient("https://acme.bigid.com/api/v1", token)
    assert client.get("/data-catalog/objects")["results"][0]["owner"] == "svc-scanner"
    assert mock.calls[-1].tenant == "acme"


def test_real_client_refreshes_when_its_system_token_expires(mock: AuthMock) -> None:
    client = BigidClient(mock.bigid_url(), mock.bigid.user_token("bigid"))
    client.get("/data-catalog/objects")
    first = client.system_token
    mock.clock.advance(86400)
    assert client.get("/data-catalog/objects")["results"][0]["owner"] == "bigid"
    assert client.system_token != first
    mock.assert_called("GET", "/api/v1/refresh-access-token", times=2)


def test_real_client_reports_a_revoked_user_token(mock: AuthMock) -> None:
    token = mock.bigid.user_token("bigid")
    mock.bigid.revoke_user_token(token)
    with pytest.raises(BigidAuthError, match=r"^Refresh token not valid$"):
        BigidClient(mock.bigid_url(), token).refresh()


def test_real_client_reports_an_expired_user_token(mock: AuthMock) -> None:
    mock.clock.advance(30 * 86400)  # the seeded token of `bigid` lives 30 days
    with pytest.raises(BigidAuthError, match=f"^{BAD_TOKEN}$"):
        BigidClient(mock.bigid_url(), mock.bigid.user_token("bigid")).refresh()


def test_why_production_mode_exists() -> None:
    """A client that trusts the status code works against the OpenAPI's
    behaviour and breaks on what real deployments do: HTTP 200, success false."""
    with AuthMock(seed=7) as mock:
        base = mock.bigid_url()
        with pytest.raises(requests.HTTPError) as spec_failure:
            naive_refresh(base, "expired-or-garbage")
        assert spec_failure.value.response.status_code == 401
        assert spec_failure.value.response.headers["Content-Type"] == JSON_TYPE

        mock.bigid.errors = "production"
        # The bug production mode exists to expose: the status says all is well...
        with pytest.raises(KeyError, match="systemToken"):
            naive_refresh(base, "expired-or-garbage")
        response = requests.get(
            f"{base}/refresh-access-token", headers={"Authorization": "expired-or-garbage"}
        )
        assert (response.status_code, response.json()) == (200, failure(BAD_TOKEN))
        assert response.headers["Content-Type"] == HTML_TYPE
        # ...while the careful client reports the real failure in both styles.
        with pytest.raises(BigidAuthError, match=f"^{BAD_TOKEN}$"):
            BigidClient(base, "expired-or-garbage").refresh()
        # A good token works the same for both kinds of client.
        assert naive_refresh(base, mock.bigid.user_token("bigid")).count(".") == 2
