"""A running server is the authority on its own APIs: RemoteAuthMock leaves a
fault's ``api`` and a journal filter's ``api`` to the server, which knows APIs
this process may not (and may lack some this process has)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock
from authmock.apis import registered
from authmock.errors import Invalid
from authmock.faults import FaultError
from authmock.http.admin import Admin
from authmock.http.admin_kit import AdminError
from authmock.http.exchange import json_reply
from authmock.remote import AdminBadRequest, AdminNotFound, RemoteApi
from tests.oauth.api import OAuthApi

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SERVER_APIS = "'sigma', 'bigid' or 'oauth'"


@pytest.fixture
def server_only_api() -> Iterator[RemoteAuthMock]:
    """A server with the test OAuth API, driven from a process that has
    unregistered it (as a client without the API's code would be)."""
    with registered(OAuthApi()):
        mock = AuthMock(seed=3)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        yield remote


@pytest.fixture
def process_only_api() -> Iterator[RemoteAuthMock]:
    """A server without the test OAuth API, driven from a process that has it
    registered (as a client newer than the server would be)."""
    mock = AuthMock(seed=3)  # made before the OAuth API is registered here
    with (
        mock.serve() as server,
        registered(OAuthApi()),
        RemoteAuthMock(server.url) as remote,
    ):
        yield remote


def test_a_fault_for_an_api_only_the_server_has_is_accepted_and_fires(
    server_only_api: RemoteAuthMock,
) -> None:
    remote = server_only_api
    fault_id = remote.faults.add(api="oauth", status=503, message="down", times=1)
    # Listing and reading it back parse it here too: the server's APIs, not ours.
    assert [f.api for f in remote.faults.list()] == ["oauth"]
    assert remote.faults.get(fault_id).status == 503
    assert remote.faults.unfired()[0].id == fault_id
    answer = requests.post(remote.url + "/oauth/token", data="grant_type=x", headers=FORM)
    assert answer.status_code == 503
    assert answer.json() == {"error": "server_error", "error_description": "down"}
    assert remote.faults.list() == []


def test_an_unknown_api_is_the_servers_fault_error_naming_its_apis(
    server_only_api: RemoteAuthMock,
) -> None:
    remote = server_only_api
    with pytest.raises(FaultError) as raised:
        remote.faults.add(api="nope", status=503)
    # The same type as in-process, a 400 of the admin API too, naming the server's APIs.
    assert isinstance(raised.value, AdminBadRequest)
    assert raised.value.status == 400
    assert raised.value.message == f"fault field 'api' must be {SERVER_APIS}"
    assert remote.faults.list() == []


def test_the_admin_api_refuses_an_unknown_api_in_its_envelope(
    server_only_api: RemoteAuthMock,
) -> None:
    answer = requests.post(
        server_only_api.url + "/_authmock/faults", json={"api": "nope", "status": 503}
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "BAD_REQUEST",
        "message": f"fault field 'api' must be {SERVER_APIS}",
    }


def test_a_faults_shape_is_still_checked_here(server_only_api: RemoteAuthMock) -> None:
    remote = server_only_api
    with pytest.raises(FaultError, match="fault field 'status' must be an integer") as raised:
        remote.faults.add(api="oauth", status="503")
    assert not isinstance(raised.value, AdminBadRequest)  # never sent
    with pytest.raises(FaultError, match="fault field 'kind' must be one of"):
        remote.faults.add(api="oauth", kind="nope")
    assert remote.faults.list() == []


def test_an_api_only_this_process_has_is_refused_by_the_server(
    process_only_api: RemoteAuthMock,
) -> None:
    remote = process_only_api
    with pytest.raises(FaultError) as raised:
        remote.faults.add(api="oauth", status=503)
    assert raised.value.message == "fault field 'api' must be 'sigma' or 'bigid'"
    with pytest.raises(Invalid, match="api must be 'sigma' or 'bigid', not 'oauth'"):
        remote.calls.filter(api="oauth")


def test_journal_filters_take_the_servers_api_names(server_only_api: RemoteAuthMock) -> None:
    remote = server_only_api
    # No call of it yet: the server says whether it has the API.
    assert remote.calls.filter(api="oauth") == []
    requests.post(remote.url + "/oauth/token", data="grant_type=x", headers=FORM)
    requests.get(remote.url + "/api/v1/roles")
    assert [c.status for c in remote.calls.filter(api="oauth")] == [400]
    assert [c.api for c in remote.calls.filter(status="4xx")] == ["oauth", "sigma"]
    assert len(remote.calls.assert_called("POST", "/oauth/token", api="oauth", status=400)) == 1
    with pytest.raises(AssertionError, match="was never called"):
        remote.calls.assert_called("GET", "/oauth/token", api="oauth")
    with pytest.raises(Invalid, match=f"api must be {SERVER_APIS}, not 'nope'") as raised:
        remote.calls.filter(api="nope")
    assert isinstance(raised.value, AdminBadRequest)
    with pytest.raises(Invalid, match=f"api must be {SERVER_APIS}, not 'nope'"):
        remote.calls.assert_called("GET", "/x", api="nope")


def test_the_admin_index_lists_the_servers_apis(server_only_api: RemoteAuthMock) -> None:
    index = requests.get(server_only_api.url + "/_authmock").json()
    assert index["apis"] == ["sigma", "bigid", "oauth"]


def test_api_of_an_api_only_the_server_has(server_only_api: RemoteAuthMock) -> None:
    remote = server_only_api
    oauth = remote.api("oauth")
    assert isinstance(oauth, RemoteApi)
    assert remote.api("oauth") is oauth
    assert (oauth.name, oauth.url) == ("oauth", remote.url)
    assert oauth.state() == remote.state()["oauth"]
    # Its own admin routes, under /_authmock/oauth/.
    oauth.admin("POST", "/clients", {"client_id": "app", "client_secret": "s3cret"})
    assert {"client_id": "app"} in oauth.state()["clients"]
    fault_id = oauth.add_fault(status=503, message="down", times=1)
    assert [(f.id, f.api) for f in remote.faults.list()] == [(fault_id, "oauth")]
    body = "grant_type=client_credentials&client_id=app&client_secret=s3cret"
    assert requests.post(remote.url + "/oauth/token", data=body, headers=FORM).status_code == 503
    assert requests.post(remote.url + "/oauth/token", data=body, headers=FORM).status_code == 200
    requests.get(remote.url + "/api/v1/roles")
    assert [(c.api, c.status) for c in oauth.calls()] == [("oauth", 503), ("oauth", 200)]
    assert [c.status for c in oauth.calls(status=200)] == [200]
    with pytest.raises(AdminNotFound):
        oauth.admin("GET", "/nope")


def test_api_gives_this_processs_control_for_a_shared_api(
    server_only_api: RemoteAuthMock,
) -> None:
    assert server_only_api.api("sigma") is server_only_api.sigma


def test_api_of_an_unknown_name_names_the_servers_apis(server_only_api: RemoteAuthMock) -> None:
    with pytest.raises(KeyError) as raised:
        server_only_api.api("nope")
    assert raised.value.args[0] == (
        f"no emulated API 'nope' on {server_only_api.url} (one of sigma, bigid, oauth)"
    )


def test_api_of_an_api_only_this_process_has_says_the_server_lacks_it(
    process_only_api: RemoteAuthMock,
) -> None:
    remote = process_only_api
    with pytest.raises(KeyError) as raised:
        remote.api("oauth")
    assert raised.value.args[0] == (
        f"no emulated API 'oauth' on {remote.url} (one of sigma, bigid):"
        " this process has its code, the server does not emulate it"
    )


def _older_index(without: str) -> Any:
    """``Admin.index`` of a server older than the index (404) or its ``apis``."""

    def index(self: Admin, body: Any) -> Any:
        if without == "index":
            raise AdminError(404, "no admin route GET /_authmock")
        reply = ORIGINAL_INDEX(self, body)
        document = json.loads(reply.body)
        del document["apis"]
        return json_reply(200, document)

    return index


ORIGINAL_INDEX = Admin.index


@pytest.mark.parametrize("without", ["apis", "index"])
def test_api_of_a_server_older_than_the_list_takes_this_processs_apis(
    without: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Admin, "index", _older_index(without))
    with AuthMock(seed=3).serve() as server, RemoteAuthMock(server.url) as remote:
        assert remote.api("sigma") is remote.sigma
        with pytest.raises(KeyError) as raised:
            remote.api("nope")
        assert raised.value.args[0] == (
            f"no emulated API 'nope' on {server.url} (one of sigma, bigid)"
        )
