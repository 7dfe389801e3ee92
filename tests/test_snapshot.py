"""Snapshots: one versioned document of the whole state, restored here or in a new process."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock
from authmock.remote import AdminBadRequest
from authmock.snapshot import VERSION
from tests.test_cli import serve

SIGMA_ADMIN = {"email": "admin@sigma.io", "password": "admin"}
SIGMA = "https://api.sigma-pim.com"
BIGID = "https://sandbox.bigid.com/api/v1"


def busy_mock() -> tuple[AuthMock, dict[str, str]]:
    """A mock with something in every part of its state."""
    mock = AuthMock(seed=4)
    mock.sigma.add_tenant("ws-extra", "Extra")
    mock.sigma.add_user("ws-extra", "ops@extra.test", "pw", role_id="role-admin")
    key = mock.sigma.create_api_key("ws-extra", "ci", ["read"])
    mock.bigid.add_deployment("acme", secret="s" * 40)
    mock.bigid.add_user("acme", "eve", "pw")
    revoked = mock.bigid.create_user_token("eve", "acme")
    mock.bigid.revoke_user_token(revoked)
    mock.bigid.errors = "production"
    mock.sigma.add_route("/api/v1/things", json={"things": []})
    mock.clock.advance(3600)
    with mock, requests.Session() as http:
        token = http.post(f"{SIGMA}/api/v1/auth/login", json=SIGMA_ADMIN).json()["token"]
        assert http.get(f"{SIGMA}/api/v1/roles", headers={"X-Sigma-ApiKey": key}).ok
        mock.faults.add(path="/healthz", status=503, times=3)
        mock.faults.add(path="/api/v1/roles", status=500, probability=0.5)
        assert http.get(f"{SIGMA}/healthz").status_code == 503
    return mock, {"token": token, "key": key, "revoked": revoked}


def test_snapshot_restores_everything_in_another_mock() -> None:
    mock, issued = busy_mock()
    document = json.loads(json.dumps(mock.snapshot()))  # plain JSON all the way
    assert (document["format"], document["version"]) == ("authmock-snapshot", VERSION)
    assert issued["key"] not in json.dumps(document)  # hashes only, never a raw key
    other = AuthMock()
    other.restore(document)
    assert other.snapshot() == document
    assert other.state() == mock.state()
    assert other.seed == 4 and other.bigid.errors == "production"
    assert list(other.calls) == list(mock.calls)
    assert [f.to_json() for f in other.faults.list()] == [f.to_json() for f in mock.faults.list()]
    assert other.faults.list()[0].fired == 1  # two firings left of three
    assert abs(other.clock.now() - mock.clock.now()) < 5
    with other, requests.Session() as http:
        bearer = {"Authorization": f"Bearer {issued['token']}"}
        other.faults.clear()
        other.bigid.errors = "spec"
        assert http.get(f"{SIGMA}/api/v1/api-keys", headers=bearer).status_code == 200
        things = http.get(f"{SIGMA}/api/v1/things", headers=bearer)  # a declared route
        assert (things.status_code, things.json()) == (200, {"things": []})
        keyed = http.get(f"{SIGMA}/api/v1/roles", headers={"X-Sigma-ApiKey": issued["key"]})
        assert keyed.status_code == 200
        refused = http.get(
            "https://acme.bigid.com/api/v1/refresh-access-token",
            headers={"Authorization": issued["revoked"]},
        )
        assert refused.status_code == 401  # still revoked
    # A reset goes back to the snapshot's seed, not the restoring mock's.
    other.reset()
    assert other.state() == AuthMock(seed=4).state()


def test_the_fault_rng_goes_on_where_it_was() -> None:
    mock = AuthMock()
    mock.faults.add(path="/healthz", status=503, probability=0.5)
    with mock, requests.Session() as http:
        for _ in range(5):
            http.get(f"{SIGMA}/healthz")
        document = mock.snapshot()
        after = [http.get(f"{SIGMA}/healthz").status_code for _ in range(20)]
    other = AuthMock()
    other.restore(document)
    with other, requests.Session() as http:
        assert [http.get(f"{SIGMA}/healthz").status_code for _ in range(20)] == after
    assert other.faults.add(path="/x", status=500) == "fault-2"  # ids go on too


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: d.update(version=VERSION + 1),
            f"snapshot version {VERSION + 1} is not supported"
            f" (this authmock reads version {VERSION})",
        ),
        (lambda d: d.pop("format"), 'not an authmock snapshot (no "format": "authmock-snapshot")'),
        (
            lambda d: d["sigma"]["tenants"][0]["users"][1].update(email=7),
            "snapshot: sigma.tenants[0].users[1].email: must be a string",
        ),
        (
            lambda d: d["sigma"]["tenants"][1]["apiKeys"][0].update(hash="abc"),
            "snapshot: sigma.tenants[1].apiKeys[0].hash: must be a SHA-256 in hex",
        ),
        (lambda d: d["bigid"].pop("deployments"), "snapshot: bigid.deployments: is missing"),
        (
            lambda d: d["faults"]["faults"][0].update(status=99),
            "snapshot: faults.faults[0]: fault field 'status' must be between 400 and 599"
            " (any of 200-599 with a 'body')",
        ),
        (
            lambda d: d["faults"].update(rng=[1, 2]),
            "snapshot: faults.rng: is not a random generator state",
        ),
        (  # out of a C unsigned long's range: was an OverflowError, a 500
            lambda d: d["faults"]["rng"][1].__setitem__(0, -1),
            "snapshot: faults.rng: is not a random generator state",
        ),
        (
            lambda d: d["faults"]["rng"][1].__setitem__(5, 10**30),
            "snapshot: faults.rng: is not a random generator state",
        ),
        (lambda d: d["clock"].update(frozen=-5), "snapshot: clock.frozen: is not a valid time"),
        (
            lambda d: d["routes"]["sigma"][0].update(status=7),
            "snapshot: routes.sigma[0].status: must be an integer between 200 and 599",
        ),
        (
            lambda d: d["journal"].append({"method": "GET"}),
            "snapshot: journal[3]: is not a journal entry (KeyError('api'))",
        ),
        (  # a header value that is no string: was a TypeError when journaled, a 500
            lambda d: d["journal"][0]["headers"].update(Accept=5),
            "snapshot: journal[0].headers: must be an object of strings",
        ),
        (
            lambda d: d["journal"][0].update(response_headers=["a"]),
            "snapshot: journal[0].response_headers: must be an object of strings",
        ),
    ],
)
def test_another_version_or_a_damaged_document_is_a_400_and_changes_nothing(
    damage: Any, message: str
) -> None:
    source, _ = busy_mock()
    document = source.snapshot()
    damage(document)
    target = AuthMock(seed=9)
    target.clock.advance(50)
    before = target.snapshot()
    with pytest.raises(ValueError) as failed:
        target.restore(document)
    assert str(failed.value) == message
    assert json.dumps(target.snapshot(), sort_keys=True) == json.dumps(before, sort_keys=True)
    with target.serve() as server:
        reply = requests.post(f"{server.url}/_authmock/snapshot", json=document)
        assert reply.status_code == 400
        assert reply.json() == {"error": "BAD_REQUEST", "message": message}
        with RemoteAuthMock(server.url) as remote, pytest.raises(AdminBadRequest):
            remote.restore(document)
    assert json.dumps(target.snapshot(), sort_keys=True) == json.dumps(before, sort_keys=True)


def test_over_http_and_remote_with_a_journal_over_one_mebibyte() -> None:
    mock = AuthMock()
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        padding = "x" * 2000
        for _ in range(600):
            requests.post(
                f"{server.url}/api/v1/auth/login", json={"email": padding, "password": "p"}
            )
        document = remote.snapshot()
        assert document == mock.snapshot()
        assert len(json.dumps(document)) > 1024 * 1024
        remote.reset()
        assert len(remote.calls) == 0
        reply = requests.post(f"{server.url}/_authmock/snapshot", json=document)
        assert (reply.status_code, reply.content) == (204, b"")
        assert len(remote.calls) == 600
        remote.restore(copy.deepcopy(document))
        assert remote.snapshot() == document


def test_tokens_and_keys_from_before_work_after_a_restore_in_a_new_process() -> None:
    first = serve("--seed", "3")
    try:
        remote = RemoteAuthMock(first.url)
        token = requests.post(f"{first.url}/api/v1/auth/login", json=SIGMA_ADMIN).json()["token"]
        key = remote.sigma.create_api_key("ws-sigma", "ci", ["read"])
        user_token = remote.bigid.create_user_token("bigid")
        remote.clock.advance(7200)
        document = remote.snapshot()
        remote.close()
    finally:
        assert first.stop()[0] == 0
    second = serve()  # another process, another seed: nothing in common but the snapshot
    try:
        with RemoteAuthMock(second.url) as remote:
            remote.restore(document)
            url = second.url
            bearer = {"Authorization": f"Bearer {token}"}
            assert requests.get(f"{url}/api/v1/api-keys", headers=bearer).status_code == 200
            assert requests.get(f"{url}/api/v1/roles", headers={"X-Sigma-ApiKey": key}).ok
            exchanged = requests.get(
                f"{url}/bigid/sandbox/api/v1/refresh-access-token",
                headers={"Authorization": user_token},
            )
            assert exchanged.status_code == 200
            assert remote.clock.now() > document["clock"]["offset"]
            assert abs(remote.snapshot()["clock"]["offset"] - 7200) < 1
    finally:
        assert second.stop()[0] == 0


def test_a_restored_users_tokens_still_die_with_it() -> None:
    mock = AuthMock(seed=4)
    mock.bigid.add_deployment("acme", secret="s" * 40)
    mock.bigid.add_user("acme", "eve", "pw")
    token = mock.bigid.create_user_token("eve", "acme")
    other = AuthMock()
    other.restore(json.loads(json.dumps(mock.snapshot())))
    other.bigid.remove_user("acme", "eve")
    other.bigid.add_user("acme", "eve", "pw")
    with other:
        refused = requests.get(
            "https://acme.bigid.com/api/v1/refresh-access-token",
            headers={"Authorization": token},
        )
    assert refused.json() == {"success": False, "message": "Refresh token not valid"}
