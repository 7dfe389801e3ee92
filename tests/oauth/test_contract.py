"""The test-only OAuth API, in every mode: registered from its own folder,
it is served, faulted, journaled and documented like the built-in APIs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock, testkit
from authmock.apis import register, registered, registered_apis, unregister
from authmock.scenario import ScenarioError
from tests.conftest import _BUILDERS, MODES, Env
from tests.oauth.api import TOKEN_TTL, URL, OAuthApi

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CLIENT = "grant_type=client_credentials&client_id=svc&client_secret=s3cret"


@pytest.fixture(params=MODES)
def oauth(request: pytest.FixtureRequest) -> Iterator[Env]:
    """An emulator with the OAuth API registered, reached through one mode,
    with a client ``svc`` whose secret is ``s3cret``."""
    with registered(OAuthApi()):
        mock = AuthMock(seed=7)
        for env in _BUILDERS[request.param](mock):
            env.mock.api("oauth").add_client("svc", "s3cret")
            yield env


def base(env: Env) -> str:
    return str(env.mock.api("oauth").url)


def post(env: Env, path: str, form: str, headers: dict[str, str] | None = None) -> Any:
    return env.request("POST", base(env) + path, data=form, headers=headers or FORM)


def test_client_credentials_grant_issues_a_bearer_token(oauth: Env) -> None:
    response = post(oauth, "/oauth/token", CLIENT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == TOKEN_TTL
    active = post(oauth, "/oauth/introspect", f"token={body['access_token']}").json()
    assert active["active"] is True and active["client_id"] == "svc"
    # The clock every API shares: past its lifetime the token is no longer active.
    oauth.mock.clock.advance(TOKEN_TTL + 1)
    assert post(oauth, "/oauth/introspect", f"token={body['access_token']}").json() == {
        "active": False
    }


def test_refusals_use_the_oauth_envelope_and_are_explained(oauth: Env) -> None:
    wrong = post(oauth, "/oauth/token", CLIENT.replace("s3cret", "nope"))
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }
    grant = post(oauth, "/oauth/token", "grant_type=password&client_id=svc&client_secret=x")
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    as_json = oauth.request("POST", base(oauth) + "/oauth/token", json={"grant_type": "x"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    method = oauth.request("GET", base(oauth) + "/oauth/token")
    assert method.status_code == 405 and method.headers["Allow"] == "POST"
    refused = oauth.mock.calls.filter(api="oauth", status=401)
    assert [(c.method, c.path, c.reason) for c in refused] == [
        ("POST", "/oauth/token", "bad_credentials")
    ]


def test_the_journal_records_oauth_calls_beside_the_others(oauth: Env) -> None:
    post(oauth, "/oauth/token", CLIENT)
    oauth.sigma("GET", "/healthz")
    calls = oauth.mock.calls.filter(api="oauth")
    assert [(c.api, c.method, c.path, c.status, c.principal) for c in calls] == [
        ("oauth", "POST", "/oauth/token", 200, "svc")
    ]
    assert [c.api for c in oauth.mock.calls.filter(path="/healthz")] == ["sigma"]


def test_faults_aim_at_the_oauth_api_only(oauth: Env) -> None:
    oauth.mock.faults.add(api="oauth", path="/oauth/*", status=503, message="down", times=1)
    assert oauth.sigma("GET", "/healthz").status_code == 200  # another API: not faulted
    faulted = post(oauth, "/oauth/token", CLIENT)
    assert faulted.status_code == 503
    assert faulted.json() == {"error": "server_error", "error_description": "down"}
    assert post(oauth, "/oauth/token", CLIENT).status_code == 200  # times=1: once
    (call,) = oauth.mock.calls.filter(api="oauth", status=503)
    assert call.reason == "fault"


def test_admin_api_state_and_openapi_include_it(oauth: Env) -> None:
    index = oauth.request("GET", base(oauth) + "/_authmock/").json()
    assert {"method": "POST", "path": "/_authmock/oauth/clients"} in index["routes"]
    assert index["openapi"]["oauth"] == "/_authmock/openapi/oauth.json"
    document = oauth.request("GET", base(oauth) + "/_authmock/openapi/oauth.json").json()
    assert set(document["paths"]) == {"/oauth/token", "/oauth/introspect"}
    assert {"client_id": "svc"} in oauth.mock.state()["oauth"]["clients"]
    oauth.mock.reset()
    assert {"client_id": "svc"} not in oauth.mock.state()["oauth"]["clients"]


def test_the_admin_document_describes_its_admin_routes(oauth: Env) -> None:
    """The check of tests/test_openapi.py, with the OAuth API registered."""
    document = oauth.request("GET", base(oauth) + "/_authmock/openapi/admin.json").json()
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    index = oauth.request("GET", base(oauth) + "/_authmock/").json()  # the admin route table
    assert described == {(r["path"], r["method"].lower()) for r in index["routes"]}
    assert ("/_authmock/oauth/clients", "post") in described
    schemas = document["components"]["schemas"]
    assert schemas["Fault"]["properties"]["api"]["enum"] == ["sigma", "bigid", "oauth"]
    assert schemas["State"]["required"] == ["seed", "sigma", "bigid", "oauth"]
    assert schemas["State"]["properties"]["oauth"]["required"] == ["clients"]
    summary = document["paths"]["/_authmock/openapi/{name}.json"]["get"]["summary"]
    assert summary == "An OpenAPI document: sigma, bigid, oauth or admin"


def test_a_scenario_section_seeds_it_and_is_validated() -> None:
    scenario = {"oauth": {"clients": [{"client_id": "ci", "client_secret": "pw"}]}}
    with pytest.raises(ScenarioError, match="oauth: unknown key"):
        AuthMock(scenario=scenario)  # not registered: not a section
    with registered(OAuthApi()), AuthMock(scenario=scenario) as mock:
        assert mock.wsgi_app.credentials()["oauth"] == scenario["oauth"]
        assert mock.state()["oauth"] == {"clients": [{"client_id": "ci"}]}
        twice = {"oauth": {"clients": [{"client_id": "ci", "client_secret": "a"}] * 2}}
        with pytest.raises(ScenarioError, match=r"oauth\.clients\[1\]\.client_id: duplicate"):
            AuthMock(scenario=twice)


def test_snapshots_carry_its_state() -> None:
    with registered(OAuthApi()):
        one, two = AuthMock(seed=1), AuthMock(seed=2)
        one.api("oauth").add_client("kept", "pw")
        two.restore(one.snapshot())
        assert {"client_id": "kept"} in two.state()["oauth"]["clients"]


def test_the_registry_refuses_what_would_clash() -> None:
    names = [api.name for api in registered_apis()]
    assert names[:2] == ["sigma", "bigid"]
    with registered(OAuthApi()), pytest.raises(ValueError, match="already registered"):
        register(OAuthApi())
    assert "oauth" not in [api.name for api in registered_apis()]
    with pytest.raises(KeyError):
        unregister("oauth")
    bad = OAuthApi()
    bad.name = "Not A Name"  # type: ignore[misc]
    with pytest.raises(ValueError, match="must match"):
        register(bad)
    with pytest.raises(KeyError, match="no emulated API 'oauth'"):
        AuthMock().api("oauth")


class StyledOAuth(OAuthApi):
    """The OAuth API with an option a test or an instance may set (as BigID's errors)."""

    options: ClassVar[Mapping[str, str]] = {"oauth_style": "style"}
    instance_options: ClassVar[Mapping[str, tuple[str, ...]]] = {"oauth_style": ("plain", "strict")}


def test_an_apis_instance_options_reach_instances_the_marker_and_the_admin_document() -> None:
    with registered(StyledOAuth()), AuthMock(seed=1) as mock:
        assert testkit.marker_options() == (
            "seed",
            "scenario",
            "bigid_errors",
            "oauth_style",
            "faults",
            "allow_network",
        )
        settings = testkit.marker_settings((), {"oauth_style": "strict"})
        assert settings.api_options == {"oauth_style": "strict"}
        with pytest.raises(ValueError, match="oauth_style must be 'plain' or 'strict', not 'x'"):
            testkit.marker_settings((), {"oauth_style": "x"})
        admin = "https://api.sigma-pim.com/_authmock"
        created = requests.post(f"{admin}/instances", json={"oauth_style": "strict"})
        assert created.status_code == 201
        instance = mock.wsgi_app.instances.get(created.json()["id"])
        assert instance is not None and instance.app.emulator.options["oauth"] == {
            "style": "strict"
        }
        refused = requests.post(f"{admin}/instances", json={"oauth_style": "loud"})
        assert (refused.status_code, refused.json()["message"]) == (
            400,
            "'oauth_style' must be 'plain' or 'strict'",
        )
        unknown = requests.post(f"{admin}/instances", json={"colour": "red"}).json()
        assert unknown["message"] == (
            "unknown field 'colour' (known: seed, scenario, bigid_errors, oauth_style)"
        )
        document = requests.get(f"{admin}/openapi/admin.json").json()
        body = document["paths"]["/_authmock/instances"]["post"]["requestBody"]
        fields = body["content"]["application/json"]["schema"]["properties"]
        assert list(fields) == ["seed", "scenario", "bigid_errors", "oauth_style"]
        assert fields["oauth_style"]["enum"] == ["plain", "strict", None]
        with (
            mock.serve() as live,
            RemoteAuthMock(live.url).new_instance(oauth_style="plain") as remote,
        ):
            instance_id = remote.url.rstrip("/").rsplit("/", 1)[-1]
            served = mock.wsgi_app.instances.get(instance_id)
            assert served is not None
            assert served.app.emulator.options["oauth"] == {"style": "plain"}


def test_its_route_table_is_the_one_dispatcher_s_and_its_document_describes_it() -> None:
    """Built on ``Endpoints``: the same table the OpenAPI test holds the built-in
    APIs to, and the same 404/405 (in its own envelope)."""
    from tests.oauth.api import OAuthHttp

    with registered(OAuthApi()), AuthMock() as mock:
        served = {(r.path, r.method.lower()) for r in OAuthHttp.ROUTES}
        assert served == {("/oauth/token", "post"), ("/oauth/introspect", "post")}
        document = requests.get(f"{URL}/_authmock/openapi/oauth.json").json()
        assert {(p, m) for p, item in document["paths"].items() for m in item} == served
        missing = requests.post(f"{URL}/oauth/nope", data={"a": "b"})
        assert missing.status_code == 404
        assert missing.json() == {
            "error": "not_found",
            "error_description": "Route POST /oauth/nope not found",
        }
        assert list(mock.calls)[-1].detail == "no OAuth route /oauth/nope"


def test_faults_and_journal_filters_know_the_emulator_s_own_apis() -> None:
    """An API registered after an emulator was made is not one of its APIs (its
    fault could never fire), and an emulator made with one keeps it after the
    registration ends (a session-long mock)."""
    before = AuthMock()
    with registered(OAuthApi()):
        with pytest.raises(ValueError, match="fault field 'api' must be 'sigma' or 'bigid'"):
            before.faults.add(api="oauth", status=500)
        with pytest.raises(ValueError, match="api must be 'sigma' or 'bigid', not 'oauth'"):
            before.calls.filter(api="oauth")
        with_oauth = AuthMock()
    assert with_oauth.faults.get(with_oauth.faults.add(api="oauth", status=503)).api == "oauth"
    assert with_oauth.calls.filter(api="oauth") == []
    document = with_oauth.snapshot()
    with_oauth.restore(document)
    assert [f.api for f in with_oauth.faults.list()] == ["oauth"]
    with pytest.raises(ValueError, match="must be 'sigma', 'bigid' or 'oauth'"):
        with_oauth.faults.add(api="nope", status=500)


def test_two_registrations_of_one_api_class_seed_their_own_data() -> None:
    """Seeded data is cached per seed, scenario and API object: an API whose
    seed depends on how it was built is not served another object's seed."""
    from tests.oauth.api import ClientSeed

    class Configured(OAuthApi):
        def __init__(self, client_id: str) -> None:
            self.client_id = client_id

        def seed(self, seeding: Any, section: Mapping[str, Any]) -> tuple[ClientSeed, ...]:
            return (ClientSeed(self.client_id, "pw"),)

    for client_id in ("first", "second"):
        with registered(Configured(client_id)):
            clients = AuthMock(seed=3).state()["oauth"]["clients"]
        assert clients == [{"client_id": client_id}]


def test_a_snapshot_made_without_it_restores_it_to_its_seeded_state() -> None:
    document = AuthMock(seed=3).snapshot()  # the OAuth API is not registered here
    assert "oauth" not in document
    with registered(OAuthApi()):
        mock = AuthMock(seed=1)
        mock.api("oauth").add_client("dropped", "pw")
        mock.restore(document)
        assert mock.state()["oauth"] == {"clients": [{"client_id": "client-3"}]}
        assert mock.seed == 3
