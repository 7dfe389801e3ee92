"""``mock.bigid`` and the AuthMock options of BigID: lifetimes, secrets,
revocation, error styles, seeded data and determinism."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
import pytest
import requests

from authmock import AuthMock
from tests.bigid.helpers import (
    BAD_TOKEN,
    CLAIM_NAMES,
    DAY,
    NOT_REFRESH,
    SEEDED_ADMIN,
    claims,
    failure,
)

SCENARIO: dict[str, Any] = {
    "bigid": {
        "system_token_ttl": 120,
        "deployments": [
            {
                "name": "acme",
                "secret": "acme-scenario-secret-0123456789abcdef",
                "users": [
                    {"username": "scanner", "password": "s3cret", "firstName": "Scan"},
                    {"username": "auditor", "password": "pw", "role": "viewer", "userTokenDays": 7},
                ],
            },
            {"name": "globex", "users": [{"username": "ops", "password": "pw"}]},
        ],
    }
}


def refresh(mock: AuthMock, token: str, deployment: str = "sandbox") -> Any:
    url = f"{mock.bigid_url(deployment)}/refresh-access-token"
    return requests.get(url, headers={"Authorization": token}).json()


def lifetime(token: str) -> int:
    payload = claims(token)
    return int(payload["exp"] - payload["iat"])


# -- lifetimes -----------------------------------------------------------------------------


def test_seeded_user_tokens(mock: AuthMock) -> None:
    token = mock.bigid.user_token("bigid")
    payload = claims(token)
    assert set(payload) == CLAIM_NAMES
    assert (payload["type"], payload["user_name"], payload["deployment"]) == (
        "refresh-token",
        "bigid",
        "sandbox",
    )
    assert lifetime(token) == 30 * DAY
    assert refresh(mock, token)["success"] is True
    for deployment in mock.bigid.deployments:
        for user in deployment["users"]:
            seeded = mock.bigid.user_token(user["username"], deployment["name"])
            assert lifetime(seeded) in {7 * DAY, 30 * DAY, 90 * DAY, 365 * DAY}
            assert refresh(mock, seeded, deployment["name"])["success"] is True


def test_seeded_user_token_days_come_from_the_scenario() -> None:
    with AuthMock(scenario=SCENARIO) as mock:
        assert lifetime(mock.bigid.user_token("scanner", "acme")) == 30 * DAY
        assert lifetime(mock.bigid.user_token("auditor", "acme")) == 7 * DAY


@pytest.mark.parametrize("days", [1, 30, 999])
def test_user_tokens_live_their_days(mock: AuthMock, days: int) -> None:
    token = mock.bigid.create_user_token("bigid", days=days)
    assert lifetime(token) == days * DAY
    mock.clock.advance(days * DAY - 60)
    assert refresh(mock, token)["success"] is True
    mock.clock.advance(60)
    assert refresh(mock, token) == failure(BAD_TOKEN)


@pytest.mark.parametrize("days", [0, -1, 1000, True, 1.5, "30"])
def test_user_token_days_are_checked(mock: AuthMock, days: Any) -> None:
    with pytest.raises(ValueError, match="days must be"):
        mock.bigid.create_user_token("bigid", days=days)


def test_unknown_users_and_deployments_are_key_errors(mock: AuthMock) -> None:
    with pytest.raises(KeyError, match="no user 'nobody' in deployment 'sandbox'"):
        mock.bigid.create_user_token("nobody")
    with pytest.raises(KeyError, match="no deployment 'acme'"):
        mock.bigid.issue_system_token("bigid", deployment="acme")


def test_system_token_ttl_defaults_to_a_day(mock: AuthMock) -> None:
    assert lifetime(refresh(mock, mock.bigid.user_token("bigid"))["systemToken"]) == DAY
    assert lifetime(mock.bigid.issue_system_token("bigid")) == DAY
    assert lifetime(mock.bigid.issue_system_token("bigid", expires_in=60)) == 60


def test_system_token_ttl_from_the_scenario_and_the_argument() -> None:
    with AuthMock(scenario=SCENARIO) as mock:
        system = refresh(mock, mock.bigid.user_token("scanner", "acme"), "acme")["systemToken"]
        assert lifetime(system) == 120
        # Not a user token while it lives; a dead token once 120 s have passed.
        assert refresh(mock, system, "acme") == failure(NOT_REFRESH)
        mock.clock.advance(120)
        assert refresh(mock, system, "acme") == failure(BAD_TOKEN)
    # The constructor argument wins over the scenario.
    with AuthMock(scenario=SCENARIO, bigid_system_token_ttl=3600) as mock:
        system = refresh(mock, mock.bigid.user_token("scanner", "acme"), "acme")["systemToken"]
        assert lifetime(system) == 3600
        assert lifetime(mock.bigid.issue_system_token("ops", deployment="globex")) == 3600


@pytest.mark.parametrize("ttl", [0, -5, True, 1.5])
def test_system_token_ttl_is_checked(ttl: Any) -> None:
    with pytest.raises(ValueError, match="system token TTL must be a positive number"):
        AuthMock(bigid_system_token_ttl=ttl)


# -- secrets ---------------------------------------------------------------------------------


def test_each_deployment_has_its_own_secret_and_tokens_verify_with_it() -> None:
    with AuthMock(scenario=SCENARIO) as mock:
        assert mock.bigid.secret("acme") == "acme-scenario-secret-0123456789abcdef"
        assert mock.bigid.secret("globex") != mock.bigid.secret("acme")
        token = mock.bigid.create_user_token("scanner", deployment="acme")
        payload = jwt.decode(token, mock.bigid.secret("acme"), algorithms=["HS256"])
        assert payload["deployment"] == "acme"
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, mock.bigid.secret("globex"), algorithms=["HS256"])


def test_random_secrets_change_on_reset_so_old_tokens_die() -> None:
    with AuthMock(scenario=SCENARIO) as mock:
        globex_token = mock.bigid.create_user_token("ops", deployment="globex")
        acme_token = mock.bigid.create_user_token("scanner", deployment="acme")
        globex_secret = mock.bigid.secret("globex")
        mock.reset()
        assert mock.bigid.secret("globex") != globex_secret
        assert refresh(mock, globex_token, "globex") == failure(BAD_TOKEN)
        # A configured secret stays: its tokens survive a reset.
        assert refresh(mock, acme_token, "acme")["success"] is True


def test_two_mocks_do_not_accept_each_others_tokens() -> None:
    first, second = AuthMock(seed=7), AuthMock(seed=7)
    token = first.bigid.user_token("bigid")
    assert first.bigid.secret("sandbox") != second.bigid.secret("sandbox")
    with second:
        assert refresh(second, token) == failure(BAD_TOKEN)


# -- revocation --------------------------------------------------------------------------------


def test_revocation_keeps_only_the_sha256_of_the_signature(mock: AuthMock) -> None:
    token = mock.bigid.create_user_token("bigid", days=5)
    mock.bigid.revoke_user_token(token)
    mock.bigid.revoke_user_token(token)  # idempotent
    assert refresh(mock, token) == failure(NOT_REFRESH)
    signature = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    revoked = mock.wsgi_app.emulator.backends["bigid"].deployment("sandbox").revoked
    assert revoked == {hashlib.sha256(signature).hexdigest()}
    assert token not in json.dumps(mock.state())
    # Other user tokens of the same user still work.
    assert refresh(mock, mock.bigid.user_token("bigid"))["success"] is True


@pytest.mark.parametrize("kind", ["session", "system", "garbage", "foreign", "empty"])
def test_only_live_user_tokens_can_be_revoked(mock: AuthMock, kind: str) -> None:
    tokens = {
        "session": lambda: requests.post(
            f"{mock.bigid_url()}/sessions", json={"username": "bigid", "password": "bigid"}
        ).json()["auth_token"],
        "system": lambda: mock.bigid.issue_system_token("bigid"),
        "garbage": lambda: "not-a-token",
        "foreign": lambda: AuthMock(seed=7).bigid.user_token("bigid"),
        "empty": lambda: "",
    }
    with pytest.raises(ValueError, match=r"user token|non-empty"):
        mock.bigid.revoke_user_token(tokens[kind]())


# -- error styles ------------------------------------------------------------------------------


def test_error_style_is_chosen_per_mock_and_switchable(mock: AuthMock) -> None:
    assert mock.bigid.errors == "spec"
    with AuthMock(bigid_errors="production") as production:
        assert production.bigid.errors == "production"
        assert production.state()["bigid"]["errors"] == "production"
        production.bigid.errors = "spec"
        assert production.state()["bigid"]["errors"] == "spec"
        # A reset returns to the mock's own choice.
        production.reset()
        assert production.bigid.errors == "production"


@pytest.mark.parametrize("style", ["prod", "SPEC", "", None, 1])
def test_invalid_error_styles_are_refused(mock: AuthMock, style: Any) -> None:
    message = "BigID errors must be 'spec' or 'production'"
    with pytest.raises(ValueError, match=message):
        AuthMock(bigid_errors=style)
    with pytest.raises(ValueError, match=message):
        mock.bigid.errors = style
    assert mock.bigid.errors == "spec"


# -- deployments, users, routes ------------------------------------------------------------------


def test_bigid_url() -> None:
    mock = AuthMock(seed=7)
    assert mock.bigid_url() == "https://sandbox.bigid.tools/api/v1"
    assert mock.bigid_url("sandbox") == "https://sandbox.bigid.tools/api/v1"
    assert mock.bigid_url("acme") == "https://acme.bigid.com/api/v1"
    assert mock.bigid_url(None) == "https://sandbox.bigid.tools/api/v1"
    assert AuthMock(scenario=SCENARIO).bigid_url(None) == "https://acme.bigid.com/api/v1"
    for bad in ("Acme", "acme.evil.com", "", "-acme", "a" * 64):
        with pytest.raises(ValueError, match="not a DNS label"):
            mock.bigid_url(bad)


def test_add_and_remove_deployments_and_users(mock: AuthMock) -> None:
    assert mock.bigid.add_deployment("acme") == "acme"
    assert mock.bigid.add_user("acme", "ops", "pw", first_name="Ops", role="viewer") == "ops"
    assert mock.bigid.deployments[-1] == {
        "name": "acme",
        "users": [
            {
                "username": "ops",
                "password": "pw",
                "firstName": "Ops",
                "lastName": "",
                "email": "",
                "role": "viewer",
            }
        ],
    }
    with pytest.raises(ValueError, match="deployment 'acme' already exists"):
        mock.bigid.add_deployment("acme")
    with pytest.raises(ValueError, match="not a DNS label"):
        mock.bigid.add_deployment("ACME")
    with pytest.raises(ValueError, match="user 'ops' already exists in deployment 'acme'"):
        mock.bigid.add_user("acme", "ops", "other")
    with pytest.raises(ValueError, match="password must be a non-empty string"):
        mock.bigid.add_user("acme", "ops2", "")
    mock.bigid.remove_user("acme", "ops")
    with pytest.raises(KeyError):
        mock.bigid.remove_user("acme", "ops")
    mock.bigid.remove_deployment("acme")
    assert [d["name"] for d in mock.bigid.deployments] == ["sandbox", "austin-and-sons"]
    with pytest.raises(KeyError, match="no deployment 'acme'"):
        mock.bigid.remove_deployment("acme")


def test_routes_take_the_full_api_path(mock: AuthMock) -> None:
    with pytest.raises(ValueError, match="BigID route paths start with /api/v1/"):
        mock.bigid.route("GET", "/data-catalog")


def test_a_handler_that_raises_answers_500_and_is_reraised(mock: AuthMock) -> None:
    @mock.bigid.route("GET", "/api/v1/broken")
    def broken(request: Any, principal: Any) -> Any:
        raise RuntimeError("handler bug")

    token = mock.bigid.issue_system_token("bigid")
    response = requests.get(f"{mock.bigid_url()}/broken", headers={"Authorization": token})
    assert (response.status_code, response.json()) == (
        500,
        failure("Route handler raised an exception"),
    )
    with pytest.raises(RuntimeError, match="handler bug"):
        mock.raise_handler_errors()


# -- seeded data -----------------------------------------------------------------------------------


def test_default_scenario() -> None:
    deployments = AuthMock(seed=7).bigid.deployments
    assert deployments[0]["name"] == "sandbox"
    assert deployments[0]["users"][0] == SEEDED_ADMIN
    assert len(deployments) == 2 and deployments[1]["name"] != "sandbox"
    assert all(d["users"] for d in deployments)


def test_same_seed_same_bigid_users_and_passwords() -> None:
    first, again, other = (AuthMock(seed=s).state()["bigid"] for s in (11, 11, 12))
    assert first == again
    assert first["deployments"][1:] != other["deployments"][1:]
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_state_never_shows_a_secret_or_a_token(mock: AuthMock) -> None:
    dump = json.dumps(mock.state())
    for deployment in mock.bigid.deployments:
        assert mock.bigid.secret(deployment["name"]) not in dump
        for user in deployment["users"]:
            assert mock.bigid.user_token(user["username"], deployment["name"]) not in dump
    assert "eyJ" not in dump
