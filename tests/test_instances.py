"""Isolated instances behind one server: lifecycle, routing, isolation, limits, remote control."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock
from authmock.cli import main
from authmock.http import instances as instances_module
from authmock.remote import AdminApiError, AdminNotFound

SIGMA_ADMIN = {"email": "admin@sigma.io", "password": "admin"}
BIGID_ADMIN = {"username": "bigid", "password": "bigid"}


@pytest.fixture
def server() -> Iterator[tuple[AuthMock, str]]:
    mock = AuthMock(seed=7)
    with mock.serve() as live:
        yield mock, live.url


def create(base: str, **body: Any) -> dict[str, Any]:
    reply = requests.post(f"{base}/_authmock/instances", json=body or None)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def login(base: str) -> str:
    reply = requests.post(f"{base}/api/v1/auth/login", json=SIGMA_ADMIN)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["token"])


def test_create_serves_everything_the_root_serves_under_its_url(
    server: tuple[AuthMock, str],
) -> None:
    _, base = server
    created = create(base, seed=3)
    assert created["url"] == f"{base}/_i/{created['id']}"
    assert created["seed"] == 3
    url = created["url"]
    # Sigma paths, with the instance's own seeded data.
    token = login(url)
    keys = requests.get(f"{url}/api/v1/api-keys", headers={"Authorization": f"Bearer {token}"})
    assert keys.status_code == 200
    assert [k["name"] for k in keys.json()] == ["Demo integration"]
    assert requests.get(f"{url}/_authmock/state").json() == AuthMock(seed=3).state()
    # BigID at /api/v1 (the default deployment) and at /bigid/{deployment}/api/v1.
    for bigid in (f"{url}/api/v1", f"{url}/bigid/sandbox/api/v1"):
        session = requests.post(f"{bigid}/sessions", json=BIGID_ADMIN)
        assert session.status_code == 200 and session.json()["auth_token"]
    # Its own admin API and demo page.
    assert requests.get(f"{url}/_authmock/clock").status_code == 200
    page = requests.get(f"{url}/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


def test_instances_are_isolated_from_the_root_and_each_other(
    server: tuple[AuthMock, str],
) -> None:
    mock, base = server
    one, two = create(base)["url"], create(base)["url"]
    root_before = mock.clock.now()
    requests.post(f"{one}/_authmock/clock", json={"advance": 86400 * 10})
    requests.post(f"{one}/_authmock/faults", json={"path": "/api/v1/auth/login", "status": 503})
    assert requests.post(f"{one}/api/v1/auth/login", json=SIGMA_ADMIN).status_code == 503
    # The others: no fault, clock not moved, own secret (a token of one is refused).
    token_two = login(two)
    assert mock.clock.now() - root_before < 86400
    assert requests.get(f"{two}/_authmock/clock").json()["now"] < root_before + 86400
    assert requests.get(f"{two}/_authmock/faults").json() == []
    foreign = requests.get(
        f"{base}/api/v1/api-keys", headers={"Authorization": f"Bearer {token_two}"}
    )
    assert foreign.status_code == 401
    # Each journal holds its own calls only, with the API path (no /_i/ prefix).
    assert [c["status"] for c in requests.get(f"{one}/_authmock/calls").json()] == [503]
    assert [c["path"] for c in requests.get(f"{two}/_authmock/calls").json()] == [
        "/api/v1/auth/login"
    ]
    assert len(mock.calls) == 1  # the refused call at the root


def test_header_routes_a_root_request_to_the_instance(server: tuple[AuthMock, str]) -> None:
    mock, base = server
    instance = create(base, seed=11)
    header = {"X-Authmock-Instance": instance["id"]}
    requests.post(f"{base}/_authmock/clock", json={"set": 2_000_000_000}, headers=header)
    assert requests.get(f"{instance['url']}/_authmock/clock").json() == {"now": 2_000_000_000}
    assert mock.clock.now() < 2_000_000_000
    reply = requests.post(f"{base}/api/v1/auth/login", json=SIGMA_ADMIN, headers=header)
    assert reply.status_code == 200
    assert len(mock.calls) == 0
    assert len(requests.get(f"{instance['url']}/_authmock/calls").json()) == 1
    unknown = requests.get(f"{base}/_authmock/state", headers={"X-Authmock-Instance": "nope"})
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": "NOT_FOUND",
        "message": "no instance 'nope' (deleted, expired or never created)",
    }


def test_list_and_delete(server: tuple[AuthMock, str]) -> None:
    _, base = server
    a, b = create(base), create(base)
    listed = requests.get(f"{base}/_authmock/instances").json()
    assert {i["id"] for i in listed["instances"]} == {a["id"], b["id"]}
    assert {i["url"] for i in listed["instances"]} == {a["url"], b["url"]}
    assert listed["maxInstances"] == 1000
    deleted = requests.delete(f"{base}/_authmock/instances/{a['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    for path in ("/", "/api/v1/auth/login", "/_authmock/state", "/bigid/sandbox/api/v1/sessions"):
        assert requests.get(a["url"] + path).status_code == 404
    again = requests.delete(f"{base}/_authmock/instances/{a['id']}")
    assert again.status_code == 404
    assert again.json()["message"] == f"no instance '{a['id']}'"
    listed = requests.get(f"{base}/_authmock/instances").json()
    assert [i["id"] for i in listed["instances"]] == [b["id"]]


def test_an_instance_manages_no_instances(server: tuple[AuthMock, str]) -> None:
    _, base = server
    url = create(base)["url"]
    reply = requests.post(f"{url}/_authmock/instances")
    assert reply.status_code == 404
    assert reply.json()["message"] == (
        "instances are managed at the server root, not in an instance"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"color": 1}, "unknown field 'color' (known: seed, scenario, bigid_errors)"),
        ({"seed": "1"}, "'seed' must be an integer"),
        ({"seed": True}, "'seed' must be an integer"),
        ({"bigid_errors": "loud"}, "'bigid_errors' must be 'spec' or 'production'"),
        ({"scenario": 3}, "'scenario' must be a scenario object or a bundled scenario's name"),
        (
            {"scenario": "../fixtures/acme.toml"},
            "'scenario' must be a bundled scenario name (acme, bigid-resources, two-tenants);"
            " files are read"
            " only from a scenario directory (serve --scenario-dir)",
        ),
        (
            {"scenario": "/etc/passwd"},
            "'scenario' must be a bundled scenario name (acme, bigid-resources, two-tenants);"
            " files are read"
            " only from a scenario directory (serve --scenario-dir)",
        ),
        (
            {"scenario": "nosuch"},
            "'scenario' must be a bundled scenario name (acme, bigid-resources, two-tenants);"
            " files are read"
            " only from a scenario directory (serve --scenario-dir)",
        ),
        (
            {"scenario": {"sigma": {"tenants": [{"name": "x"}]}}},
            "scenario: sigma.tenants[0].workspaceId: is required",
        ),
    ],
)
def test_bad_create_bodies_are_400s_naming_the_problem(
    server: tuple[AuthMock, str], body: dict[str, Any], message: str
) -> None:
    mock, base = server
    reply = requests.post(f"{base}/_authmock/instances", json=body)
    assert reply.status_code == 400
    assert reply.json() == {"error": "BAD_REQUEST", "message": message}
    assert mock.wsgi_app.instances is not None and len(mock.wsgi_app.instances) == 0


def test_create_with_a_bundled_scenario_or_a_scenario_object(
    server: tuple[AuthMock, str],
) -> None:
    _, base = server
    acme = create(base, scenario="acme", bigid_errors="production")["url"]
    assert (
        requests.get(f"{acme}/_authmock/state").json()
        == AuthMock(scenario="acme", bigid_errors="production").state()
    )
    scenario = {"sigma": {"tenants": [{"workspaceId": "ws-x", "name": "X"}]}}
    mine = create(base, scenario=scenario)["url"]
    tenants = requests.get(f"{mine}/_authmock/state").json()["sigma"]["tenants"]
    assert [t["workspaceId"] for t in tenants] == ["ws-x"]


def test_limit_on_live_instances(server: tuple[AuthMock, str]) -> None:
    mock, base = server
    assert mock.wsgi_app.instances is not None
    mock.wsgi_app.instances.configure(2, 3600)
    first = create(base)
    create(base)
    refused = requests.post(f"{base}/_authmock/instances")
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "TOO_MANY_INSTANCES",
        "message": "2 instances exist, the server's limit (--max-instances 2): delete some first",
    }
    requests.delete(f"{base}/_authmock/instances/{first['id']}")
    create(base)


def test_all_instances_journal_bodies_stay_within_one_server_wide_budget(
    server: tuple[AuthMock, str],
) -> None:
    mock, base = server
    registry = mock.wsgi_app.instances
    assert registry is not None
    registry.configure(1000, 3600)
    created = create(base)
    (instance,) = (i for i in registry.list() if i.id == created["id"])
    budget = instance.app.emulator.journal.body_budget
    # 1000 busy instances hold at most 256 MiB of bodies, not 1000 x 4 MiB.
    assert budget * 1000 <= instances_module.INSTANCES_BODY_BUDGET
    assert budget >= mock.wsgi_app.emulator.journal.body_limit  # one whole body still fits
    big = {"email": "a" * 100_000, "password": "x"}
    for _ in range(40):
        requests.post(f"{created['url']}/api/v1/auth/login", json=big)
    held = instance.app.emulator.journal.body_bytes
    assert 0 < held <= budget
    registry.configure(2, 3600)  # few instances: each may use the root's whole budget
    assert registry.body_budget() == mock.wsgi_app.emulator.journal.body_budget


def test_idle_instances_expire(
    server: tuple[AuthMock, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mock, base = server
    assert mock.wsgi_app.instances is not None
    mock.wsgi_app.instances.configure(1000, 60)
    now = [1000.0]
    monkeypatch.setattr(instances_module.time, "monotonic", lambda: now[0])
    idle, busy = create(base), create(base)
    now[0] += 40
    assert requests.get(f"{busy['url']}/_authmock/clock").status_code == 200
    now[0] += 40  # idle: 80 s unused; busy: 40 s
    assert requests.get(f"{idle['url']}/_authmock/clock").status_code == 404
    listed = requests.get(f"{base}/_authmock/instances").json()["instances"]
    assert [i["id"] for i in listed] == [busy["id"]]
    assert listed[0]["idleSeconds"] == 40
    now[0] += 61
    assert requests.get(f"{base}/_authmock/instances").json()["instances"] == []


def test_admin_token_guards_instances_too() -> None:
    mock = AuthMock(admin_token="s3cret")
    with mock.serve() as live:
        assert requests.post(f"{live.url}/_authmock/instances").status_code == 401
        guard = {"X-Authmock-Admin": "s3cret"}
        url = requests.post(f"{live.url}/_authmock/instances", headers=guard).json()["url"]
        assert requests.get(f"{url}/_authmock/state").status_code == 401
        assert requests.get(f"{url}/_authmock/state", headers=guard).status_code == 200
        remote = RemoteAuthMock(live.url, admin_token="s3cret")
        with remote, remote.new_instance(seed=1) as instance:
            assert instance.state() == AuthMock(seed=1).state()


def test_in_process_instances_by_path_and_header() -> None:
    with AuthMock() as mock, requests.Session() as http:
        created = http.post(f"{mock.sigma_url}/_authmock/instances").json()
        assert created["url"] == f"https://api.sigma-pim.com/_i/{created['id']}"
        http.post(f"{created['url']}/_authmock/clock", json={"set": 1_900_000_000})
        header = {"X-Authmock-Instance": created["id"]}
        clock = http.get(f"{mock.sigma_url}/_authmock/clock", headers=header).json()
        assert clock == {"now": 1_900_000_000}
        session = http.post(f"{mock.bigid_url()}/sessions", json=BIGID_ADMIN, headers=header)
        assert session.status_code == 200
        assert len(mock.calls) == 0


def test_remote_controls_an_instance_as_it_controls_a_server(
    server: tuple[AuthMock, str],
) -> None:
    mock, base = server
    with RemoteAuthMock(base) as remote:
        with remote.new_instance(seed=5) as instance:
            assert instance.url.startswith(f"{base}/_i/") and instance.instance_id
            assert instance.sigma_url == instance.url
            assert instance.bigid_url() == f"{instance.url}/bigid/sandbox/api/v1"
            assert instance.state() == AuthMock(seed=5).state()
            instance.clock.set(1_800_000_000)
            fault = instance.faults.add(path="/api/v1/auth/login", status=500, times=1)
            key = instance.sigma.create_api_key("ws-sigma", "ci", ["read"])
            assert (
                requests.post(f"{instance.url}/api/v1/auth/login", json=SIGMA_ADMIN).status_code
                == 500
            )
            roles = requests.get(f"{instance.url}/api/v1/roles", headers={"X-Sigma-ApiKey": key})
            assert roles.status_code == 200
            instance.assert_called("GET", "/api/v1/roles", times=1)
            assert [c.fault for c in instance.calls] == [fault, None]
            assert [i["id"] for i in remote.instances()] == [instance.instance_id]
            # The same instance, reached by its URL alone.
            again = RemoteAuthMock(instance.url)
            assert again.clock.now() == 1_800_000_000
            again.close()
        # The with block deleted it.
        assert remote.instances() == []
        with pytest.raises(AdminNotFound):
            instance.clock.now()
    assert mock.clock.now() < 1_800_000_000 and len(mock.calls) == 0
    with pytest.raises(ValueError, match="is a server, not an instance"):
        RemoteAuthMock(base).delete()


def test_forty_threads_each_with_its_own_instance(server: tuple[AuthMock, str]) -> None:
    _, base = server
    failures: list[str] = []
    barrier = threading.Barrier(40)

    def worker(n: int) -> None:
        try:
            with RemoteAuthMock(base) as remote, remote.new_instance() as mine:
                barrier.wait(timeout=60)
                token = login(mine.url)
                bearer = {"Authorization": f"Bearer {token}"}
                mine.clock.advance(n * 1000)
                names = [f"key-{n}-{i}" for i in range(3)]
                for name in names:
                    made = requests.post(
                        f"{mine.url}/api/v1/api-keys",
                        json={"name": name, "permissions": ["read"]},
                        headers=bearer,
                    )
                    assert made.status_code == 201, made.text
                listed = requests.get(f"{mine.url}/api/v1/api-keys", headers=bearer).json()
                mine_names = sorted(k["name"] for k in listed)
                assert mine_names == sorted(["Demo integration", *names]), mine_names
                assert [c.method for c in mine.calls] == ["POST", "POST", "POST", "POST", "GET"]
                # Its own clock offset, nobody else's (other workers moved theirs).
                assert abs(mine.clock.now() - time.time() - n * 1000) < 300
                mine.delete()
                assert requests.get(f"{mine.url}/_authmock/state").status_code == 404
        except Exception as exc:  # collected: an assert in a thread would be lost
            failures.append(f"worker {n}: {exc!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert requests.get(f"{base}/_authmock/instances").json()["instances"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--max-instances", "-1"],
            "authmock: error: --max-instances must not be negative, not -1",
        ),
        (
            ["--instance-ttl", "0"],
            "authmock: error: --instance-ttl must be a positive number of seconds, not 0.0",
        ),
    ],
)
def test_bad_instance_flags(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", *args]) == 2
    assert capsys.readouterr().err == message + "\n"


def test_remote_errors_of_a_deleted_instance_are_clear(server: tuple[AuthMock, str]) -> None:
    _, base = server
    with RemoteAuthMock(base) as remote:
        instance = remote.new_instance()
        instance.delete()
        with pytest.raises(AdminApiError) as gone:
            instance.state()
        assert "deleted, expired or never created" in str(gone.value)
        instance.close()


def test_scenario_files_only_from_the_servers_scenario_directory(
    server: tuple[AuthMock, str], tmp_path: Any
) -> None:
    mock, base = server
    (tmp_path / "mine.json").write_text(
        '{"sigma": {"tenants": [{"workspaceId": "ws-file", "name": "F"}]}}'
    )
    assert (
        requests.post(f"{base}/_authmock/instances", json={"scenario": "mine.json"}).status_code
        == 400
    )
    mock.wsgi_app.scenario_dir = tmp_path
    url = create(base, scenario="mine.json")["url"]
    tenants = requests.get(f"{url}/_authmock/state").json()["sigma"]["tenants"]
    assert [t["workspaceId"] for t in tenants] == ["ws-file"]
