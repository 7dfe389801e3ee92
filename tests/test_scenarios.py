"""Scenario files: loading, what they replace, and validation messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from authmock import AuthMock, ScenarioError
from authmock.scenario import from_state

SIGMA = "https://api.sigma-pim.com"


def test_bundled_toml_scenario_replaces_sigma_tenants() -> None:
    with AuthMock(scenario="acme") as mock:
        assert mock.seed == 7
        tenants = requests.get(f"{SIGMA}/api/v1/auth/quick-logins").json()
        assert [t["workspaceId"] for t in tenants] == ["ws-acme"]
        assert [u["email"] for u in tenants[0]["users"]] == ["ops@acme.test", "dev@acme.test"]
        # The scenario's own raw key authenticates.
        key = "sigma_sk_live_acmeCIpipelineKey0123456789abcdefXYZ"
        assert (
            requests.get(f"{SIGMA}/api/v1/roles", headers={"X-Sigma-ApiKey": key}).status_code
            == 200
        )


def test_json_scenario_and_the_same_email_in_two_tenants() -> None:
    with AuthMock(scenario="two-tenants"):
        north = requests.post(
            f"{SIGMA}/api/v1/auth/login", json={"email": "shared@corp.test", "password": "north-pw"}
        )
        south = requests.post(
            f"{SIGMA}/api/v1/auth/login", json={"email": "shared@corp.test", "password": "south-pw"}
        )
        assert north.json()["user"]["workspaceId"] == "ws-north"
        assert south.json()["user"]["workspaceId"] == "ws-south"


def test_scenario_as_dict_with_a_configured_secret() -> None:
    import jwt

    scenario = {"sigma": {"secret": "a-configured-secret-for-the-service-under-test"}}
    with AuthMock(scenario=scenario) as mock:
        token = requests.post(
            f"{SIGMA}/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
        ).json()["token"]
        assert mock.sigma.secret == "a-configured-secret-for-the-service-under-test"
        assert jwt.decode(token, mock.sigma.secret, algorithms=["HS256"])["userId"] == "user-admin"


def test_explicit_secret_beats_the_scenario() -> None:
    mock = AuthMock(
        sigma_secret="explicit-secret-explicit-secret-xx",
        scenario={"sigma": {"secret": "from-file"}},
    )
    assert mock.sigma.secret == "explicit-secret-explicit-secret-xx"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.toml", "seed = 1\ncolour = 'red'\n", "a.toml: colour: unknown key"),
        ("b.toml", "seed = 'one'\n", "b.toml: seed: must be an integer"),
        ("c.toml", "seed = true\n", "c.toml: seed: must be an integer"),
        (
            "d.toml",
            "[[sigma.tenants]]\nworkspaceId = 'ws-a'\nname = 'A'\n"
            "[[sigma.tenants.users]]\nemail = 'x@a.test'\npassword = 'p'\n"
            "[[sigma.tenants.users]]\nemail = 'X@A.test'\npassword = 'q'\n",
            "d.toml: sigma.tenants[0].users[1].email: duplicate email 'X@A.test' in tenant 'ws-a'",
        ),
        (
            "e.toml",
            "[[sigma.tenants]]\nname = 'A'\n",
            "e.toml: sigma.tenants[0].workspaceId: is required",
        ),
        (
            "f.toml",
            "[[sigma.tenants]]\nworkspaceId = 'ws-a'\nname = 'A'\n[[sigma.tenants.users]]\n"
            "email = 'x@a.test'\npassword = 'p'\nroleId = 'role-god'\n",
            "f.toml: sigma.tenants[0].users[0].roleId: unknown role 'role-god' "
            "(one of role-admin, role-editor, role-viewer)",
        ),
        (
            "g.toml",
            "[[sigma.tenants]]\nworkspaceId = 'ws-a'\nname = 'A'\n[[sigma.tenants.apiKeys]]\n"
            "name = 'k'\npermissions = ['fly']\n",
            "g.toml: sigma.tenants[0].apiKeys[0].permissions: must be distinct values from "
            "read, update-data, delete-data, update-model, delete-model",
        ),
        (
            "h.toml",
            "[[bigid.deployments]]\nname = 'Not A Label'\n",
            "h.toml: bigid.deployments[0].name: 'Not A Label' is not a DNS label ([a-z0-9-])",
        ),
        ("i.toml", "sigma = 5\n", "i.toml: sigma: must be a table/object"),
        ("j.json", '{"sigma": {"tenants": {}}}', "j.json: sigma.tenants: must be an array"),
        (
            "k.toml",
            "[[sigma.tenants]]\nworkspaceId = ''\nname = 'A'\n",
            "k.toml: sigma.tenants[0].workspaceId: must not be empty",
        ),
        (
            "l.toml",
            "[[sigma.tenants]]\nworkspaceId = 'ws-a'\nname = 'A'\n"
            "[[sigma.tenants.apiKeys]]\nid = 'apikey-1'\nname = 'k'\npermissions = ['read']\n"
            "[[sigma.tenants.apiKeys]]\nid = 'apikey-1'\nname = 'j'\npermissions = ['read']\n",
            "l.toml: sigma.tenants[0].apiKeys[1].id: duplicate API key id 'apikey-1'"
            " in tenant 'ws-a'",
        ),
        (
            "m.toml",
            "[bigid]\nsystem_token_ttl = 60\nsystemTokenTtl = 60\n",
            "m.toml: bigid.systemTokenTtl: give system_token_ttl or systemTokenTtl, not both",
        ),
        (
            "n.toml",
            "[bigid]\nsystemTokenTtl = 0\n",
            "n.toml: bigid.systemTokenTtl: must be a positive number of seconds",
        ),
        (
            "o.toml",
            "[[bigid.deployments]]\nname = 'a'\n[[bigid.deployments.users]]\n"
            "username = 'u'\npassword = 'p'\nlastName = 3\n",
            "o.toml: bigid.deployments[0].users[0].lastName: must be a string",
        ),
    ],
)
def test_invalid_scenarios_name_file_key_and_problem(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        AuthMock(scenario=_write(tmp_path, name, text))
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("name", "text", "start"),
    [
        ("bad.toml", "seed = = 1", "bad.toml: invalid TOML ("),
        ("bad.json", "{nope", "bad.json: invalid JSON ("),
        ("bad.yaml", "seed: 1", "bad.yaml: scenario files must end in .toml or .json"),
    ],
)
def test_unreadable_scenarios(tmp_path: Path, name: str, text: str, start: str) -> None:
    with pytest.raises(ScenarioError) as info:
        AuthMock(scenario=_write(tmp_path, name, text))
    assert str(info.value).startswith(start)
    assert "\n" not in str(info.value)


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"missing\.toml: cannot read scenario file"):
        AuthMock(scenario=tmp_path / "missing.toml")


def test_a_dict_scenario_is_validated_too() -> None:
    with pytest.raises(ScenarioError, match=r"^scenario: sigma\.tenants\[0\]\.name: is required$"):
        AuthMock(scenario={"sigma": {"tenants": [{"workspaceId": "ws-x"}]}})


def test_admin_reset_with_a_scenario_dict() -> None:
    with AuthMock(seed=1):
        body: dict[str, Any] = {
            "scenario": {"sigma": {"tenants": [{"workspaceId": "ws-r", "name": "R"}]}},
            "seed": 9,
        }
        assert requests.post(f"{SIGMA}/_authmock/reset", json=body).status_code == 204
        tenants = requests.get(f"{SIGMA}/_authmock/state").json()["sigma"]["tenants"]
        assert [t["workspaceId"] for t in tenants] == ["ws-r"]
        bad = requests.post(f"{SIGMA}/_authmock/reset", json={"scenario": {"nope": 1}})
        assert bad.status_code == 400
        assert bad.json() == {"error": "BAD_REQUEST", "message": "scenario: nope: unknown key"}


def test_duplicate_user_ids_in_a_tenant_are_refused() -> None:
    """Tokens name users by id: a shared id would let a viewer's token refresh as the admin."""
    users = [
        {"id": "u1", "email": "viewer@x.test", "password": "p", "roleId": "role-viewer"},
        {"id": "u1", "email": "admin@x.test", "password": "q", "roleId": "role-admin"},
    ]
    with pytest.raises(ScenarioError) as info:
        AuthMock(
            scenario={"sigma": {"tenants": [{"workspaceId": "w", "name": "W", "users": users}]}}
        )
    assert (
        str(info.value)
        == "scenario: sigma.tenants[0].users[1].id: duplicate user id 'u1' in tenant 'w'"
    )


@pytest.mark.parametrize("seed", [0, 7])
def test_the_state_minus_run_time_fields_is_a_scenario_that_loads_back(seed: int) -> None:
    original = AuthMock(seed=seed)
    original.bigid.errors = "production"  # run-time only: not part of the data
    state = original.state()
    scenario = from_state(state)
    assert "errors" not in scenario["bigid"] and "defaultDeployment" not in scenario["bigid"]
    loaded = AuthMock(scenario=scenario)
    assert from_state(loaded.state()) == scenario
    # The same data behaves the same: ids, passwords, TTLs, default deployment.
    assert loaded.bigid.default_deployment == original.bigid.default_deployment
    assert loaded.bigid.system_token_ttl == original.bigid.system_token_ttl
    key_ids = [k["id"] for t in state["sigma"]["tenants"] for k in t["apiKeys"]]
    assert key_ids == [k["id"] for t in loaded.state()["sigma"]["tenants"] for k in t["apiKeys"]]
    with loaded:
        for tenant in state["sigma"]["tenants"]:
            user = tenant["users"][0]
            login = requests.post(
                "https://api.sigma-pim.com/api/v1/auth/login",
                json={
                    "email": user["email"],
                    "password": user["password"],
                    "workspaceId": tenant["workspaceId"],
                },
            )
            assert login.json()["user"] == {
                k: user[k] for k in ("id", "email", "name", "roleId")
            } | {"workspaceId": tenant["workspaceId"]}


def test_the_state_of_an_edited_mock_loads_back() -> None:
    mock = AuthMock(seed=1)
    mock.sigma.add_tenant("ws-new", "New")
    mock.sigma.add_user("ws-new", "a@new.test", "pw", role_id="role-admin")
    mock.sigma.create_api_key("ws-new", "ci", ["read"])
    mock.bigid.add_deployment("extra")
    mock.bigid.add_user("extra", "ops", "pw", first_name="")
    scenario = from_state(mock.state())
    assert from_state(AuthMock(scenario=scenario).state()) == scenario
