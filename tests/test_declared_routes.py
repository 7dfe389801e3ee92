"""Declared routes: protected stand-in endpoints from a scenario, the admin API
or ``add_route``, served in every mode and guarded like ``mock.*.route``."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from authmock import AuthMock
from authmock.cli import main
from tests.conftest import _BUILDERS, MODES, Env

SCENARIO: dict[str, Any] = {
    "sigma": {
        "routes": [
            {"path": "/api/v1/products/<product_id>", "permission": "read", "json": {"id": "p-1"}},
            {
                "method": "DELETE",
                "path": "/api/v1/models/<m>",
                "permission": "delete-model",
                "status": 204,
            },
        ]
    },
    "bigid": {
        "routes": [
            {"path": "/api/v1/ds-connections", "json": {"data": {"ds_connections": []}}},
            {
                "path": "/api/v1/acme-only",
                "deployments": ["acme"],
                "body": "hi",
                "content_type": "text/plain",
            },
        ],
        "deployments": [
            {"name": "sandbox", "users": [{"username": "bigid", "password": "bigid"}]},
            {"name": "acme", "users": [{"username": "u", "password": "p"}]},
        ],
    },
}
FAILED = {"success": False, "message": "Failed to authenticate token."}
NO_TOKEN = {"success": False, "message": "No token provided."}


@pytest.fixture(params=MODES)
def routed(request: pytest.FixtureRequest) -> Iterator[Env]:
    yield from _BUILDERS[request.param](AuthMock(seed=7, scenario=SCENARIO))


def _sigma_auth(env: Env, role: str) -> dict[str, str]:
    user = next(u for u in env.mock.sigma.users("ws-sigma") if u["roleId"] == role)
    return {"Authorization": f"Bearer {env.mock.sigma.issue_token(user['email'])}"}


def _system(env: Env, deployment: str = "sandbox", username: str = "bigid") -> dict[str, str]:
    return {"Authorization": env.mock.bigid.issue_system_token(username, deployment=deployment)}


def test_sigma_declared_route_is_guarded_by_the_permission_table(routed: Env) -> None:
    assert routed.sigma("GET", "/api/v1/products/p9").json() == {
        "error": "UNAUTHORIZED",
        "message": "Missing authentication",
    }
    viewer = routed.sigma("GET", "/api/v1/products/p9", headers=_sigma_auth(routed, "role-viewer"))
    assert (viewer.status_code, viewer.json()) == (200, {"id": "p-1"})
    editor = _sigma_auth(routed, "role-editor")
    denied = routed.sigma("DELETE", "/api/v1/models/m1", headers=editor)
    assert (denied.status_code, denied.json()["error"]) == (403, "PERMISSION_DENIED")
    admin = _sigma_auth(routed, "role-admin")
    deleted = routed.sigma("DELETE", "/api/v1/models/m1", headers=admin)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert [c.status for c in routed.mock.calls] == [401, 200, 403, 204]


def test_bigid_declared_route_takes_session_or_system_tokens(routed: Env) -> None:
    missing = routed.bigid("GET", "/ds-connections")
    assert (missing.status_code, missing.json()) == (401, NO_TOKEN)
    user_token = {"Authorization": routed.mock.bigid.create_user_token("bigid")}
    assert routed.bigid("GET", "/ds-connections", headers=user_token).json() == FAILED
    answer = routed.bigid("GET", "/ds-connections", headers=_system(routed))
    assert (answer.status_code, answer.json()) == (200, {"data": {"ds_connections": []}})


def test_bigid_declared_route_only_on_its_deployments(routed: Env) -> None:
    acme = routed.bigid("GET", "/acme-only", "acme", headers=_system(routed, "acme", "u"))
    assert (acme.status_code, acme.text, acme.headers["Content-Type"]) == (200, "hi", "text/plain")
    sandbox = routed.bigid("GET", "/acme-only", headers=_system(routed))
    assert sandbox.status_code == 404
    # Another deployment's token is refused as on any protected route.
    cross = routed.bigid("GET", "/acme-only", "acme", headers=_system(routed))
    assert (cross.status_code, cross.json()) == (401, FAILED)


def test_routes_added_at_run_time_until_a_reset(routed: Env) -> None:
    added = routed.mock.sigma.add_route(
        "/api/v1/items", method="POST", status=201, json={"created": True}
    )
    assert added == {
        "method": "POST",
        "path": "/api/v1/items",
        "status": 201,
        "json": {"created": True},
        "permission": "read",
    }
    answer = routed.sigma("POST", "/api/v1/items", headers=_sigma_auth(routed, "role-viewer"))
    assert (answer.status_code, answer.json()) == (201, {"created": True})
    routed.mock.bigid.add_route("/api/v1/audit-log", body="a,b\n", content_type="text/csv")
    log = routed.bigid("GET", "/audit-log", headers=_system(routed))
    assert (log.text, log.headers["Content-Type"]) == ("a,b\n", "text/csv")
    with pytest.raises(ValueError, match="path: must start with '/'"):
        routed.mock.sigma.add_route("api/v1/x")
    routed.mock.reset()
    assert routed.sigma("POST", "/api/v1/items").status_code == 404
    # The scenario's routes stay.
    viewer = _sigma_auth(routed, "role-viewer")
    assert routed.sigma("GET", "/api/v1/products/p", headers=viewer).json() == {"id": "p-1"}


def test_faults_apply_to_declared_routes(routed: Env) -> None:
    routed.mock.faults.add(path="/api/v1/ds-connections", status=503, times=1)
    assert routed.bigid("GET", "/ds-connections", headers=_system(routed)).status_code == 503
    assert routed.bigid("GET", "/ds-connections", headers=_system(routed)).status_code == 200


def test_declared_routes_are_in_the_openapi_documents() -> None:
    with AuthMock(seed=7, scenario=SCENARIO) as mock:
        mock.bigid.add_route("/api/v1/system-users", json=[])
        sigma = requests.get(f"{mock.sigma_url}/_authmock/openapi/sigma.json").json()
        bigid = requests.get(f"{mock.sigma_url}/_authmock/openapi/bigid.json").json()
    product = sigma["paths"]["/api/v1/products/{product_id}"]["get"]
    assert product["parameters"][0]["name"] == "product_id"
    assert set(product["responses"]) == {"200", "401"}
    assert "delete" in sigma["paths"]["/api/v1/models/{m}"]
    assert {"/api/v1/ds-connections", "/api/v1/acme-only", "/api/v1/system-users"} <= set(
        bigid["paths"]
    )
    assert "/api/v1/sessions" in bigid["paths"]  # the built-in paths are still there


@pytest.mark.parametrize(
    ("api", "route", "problem"),
    [
        ("sigma", {"path": "api/v1/x"}, "sigma.routes[0].path: must start with '/'"),
        ("sigma", {"path": "/x", "permission": "admin"}, "sigma.routes[0].permission: unknown"),
        ("bigid", {"path": "/api/v1/x", "json": {}, "body": "x"}, "bigid.routes[0].body: give"),
        ("bigid", {"path": "/x"}, "bigid.routes[0].path: BigID route paths start with /api/v1/"),
        ("bigid", {"path": "/api/v1/x", "permission": "read"}, "bigid.routes[0].permission: unkn"),
        ("sigma", {"path": "/x", "status": 700}, "sigma.routes[0].status: must be an integer"),
        ("sigma", {"path": "/x/<a", "json": 1}, "sigma.routes[0].path: not a werkzeug rule"),
        ("sigma", {"path": "/x", "status": 204, "json": 1}, "sigma.routes[0].status: a 204"),
        ("bigid", {"path": "/api/v1/x", "deployments": "acme"}, "bigid.routes[0].deployments:"),
        ("sigma", {"json": 1}, "sigma.routes[0].path: is required"),
        # A 1xx is no final answer (over HTTP/1.1 the client waits on for one).
        ("sigma", {"path": "/x", "status": 100, "body": "x"}, "sigma.routes[0].status: must be"),
        # The live server could not send these (latin-1), nor httpx read them.
        ("sigma", {"path": "/x", "body": "x", "content_type": "text/\u20ac"}, "sigma.routes[0]."),
        ("sigma", {"path": "/x", "body": "x", "content_type": "a\n"}, "sigma.routes[0].conte"),
        # A built-in endpoint answers first: the declaration would never be served.
        ("sigma", {"path": "/api/v1/auth/login", "method": "POST"}, "sigma.routes[0].path: POST"),
        ("sigma", {"path": "/api/v1/api-keys/<k>", "method": "DELETE"}, "sigma.routes[0].path:"),
        ("bigid", {"path": "/api/v1/sessions", "method": "POST"}, "bigid.routes[0].path: POST"),
        # authmock serve sends a path a BigID route matches to BigID: Sigma's would be lost.
        ("bigid", {"path": "/api/v1/roles"}, "bigid.routes[0].path: /api/v1/roles matches Sig"),
        ("bigid", {"path": "/api/v1/<path:rest>"}, "bigid.routes[0].path: /api/v1/<path:rest> m"),
        ("sigma", {"path": "/api/v1/sessions", "method": "POST"}, "sigma.routes[0].path: /api"),
        (
            "sigma",
            {"path": "/<path:a>/<path:b>"},
            "sigma.routes[0].path: at most one <path:...> converter",
        ),
    ],
)
def test_bad_declarations_name_file_key_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], api: str, route: Any, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({api: {"routes": [route]}}))
    assert main(["serve", "--port", "0", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"authmock: error: bad.json: {problem}"), err
    assert err.count("\n") == 1


def test_toml_values_json_cannot_carry_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dates.toml"
    route = '[[bigid.routes]]\npath = "/api/v1/when"\n'
    path.write_text(route + "json = { at = 2024-01-01T00:00:00Z }\n")
    assert main(["serve", "--port", "0", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("authmock: error: dates.toml: bigid.routes[0].json: cannot be sent"), err
    path.write_text(route + "json = { n = nan }\n")
    assert main(["serve", "--port", "0", "--scenario", str(path)]) == 2
    assert "bigid.routes[0].json: cannot be sent as JSON" in capsys.readouterr().err


def test_a_bigid_route_cannot_take_sigma_login_on_the_server() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        url = f"{server.url}/_authmock/bigid/routes"
        response = requests.post(url, json={"path": "/api/v1/<path:rest>", "method": "POST"})
        assert response.status_code == 400
        assert "matches Sigma's" in response.json()["message"]
        login = requests.post(
            f"{server.url}/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
        )
        assert login.status_code == 200 and "token" in login.json()


def test_admin_api_refuses_a_bad_declaration() -> None:
    with AuthMock(seed=7) as mock:
        url = f"{mock.sigma_url}/_authmock/sigma/routes"
        response = requests.post(url, json={"path": "/x", "permission": "fly"})
        assert response.status_code == 400
        assert response.json() == {
            "error": "BAD_REQUEST",
            "message": "permission: unknown permission 'fly' (one of read, update-data, "
            "delete-data, update-model, delete-model)",
        }
        assert requests.post(url, json=["/x"]).status_code == 400


def test_a_route_that_would_freeze_the_server_is_refused_over_a_socket() -> None:
    """Five path converters against an 80-segment path took seconds per request
    (werkzeug tries every split): declarations take at most one."""
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        url = f"{server.url}/_authmock/bigid/routes"
        path = "/api/v1/" + "/".join(f"<path:p{n}>" for n in range(5)) + "/zz"
        response = requests.post(url, json={"path": path, "json": 1})
        assert response.status_code == 400
        assert response.json() == {
            "error": "BAD_REQUEST",
            "message": "path: at most one <path:...> converter (matching more is not linear)",
        }
        one = requests.post(url, json={"path": "/api/v1/files/<path:name>", "json": 1})
        assert one.status_code == 201
    paths = [r["path"] for r in mock.snapshot()["routes"]["bigid"]]
    assert paths == ["/api/v1/files/<path:name>"]


def test_bundled_resource_scenario_serves_what_clients_call_first() -> None:
    with AuthMock(scenario="bigid-resources") as mock:
        headers = {"Authorization": mock.bigid.issue_system_token("bigid")}
        base = mock.bigid_url()
        connections = requests.get(f"{base}/ds-connections", headers=headers).json()
        assert [c["name"] for c in connections["data"]["ds_connections"]] == [
            "crm-postgres",
            "finance-s3",
        ]
        users = requests.get(f"{base}/system-users", headers=headers).json()
        assert users["systemUsers"][0]["name"] == "bigid"
        log = requests.get(f"{base}/audit-log", headers=headers)
        assert log.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert log.text.splitlines()[0] == "timestamp,user,action,entity,entity_id"
        details = requests.get(
            f"{base}/data-catalog/object-details",
            params={"object_name": "crm-postgres.crm.public.customers"},
            headers=headers,
        )
        assert details.json()["data"]["objectName"] == "public.customers"
        for method in ("GET", "POST"):
            search = requests.request(method, f"{base}/metadata-search", headers=headers)
            assert search.json()["totalCount"] == 1
        assert requests.get(f"{base}/ds-connections").status_code == 401


@pytest.fixture
def served_resources(tmp_path: Path) -> Iterator[tuple[str, str]]:
    pytest.importorskip("trustme", reason="--tls needs the 'tls' extra")
    args = [sys.executable, "-m", "authmock", "serve", "--port", "0", "--tls"]
    args += ["--tls-dir", str(tmp_path), "--scenario", "bigid-resources"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = ca = None
        for line in proc.stdout:
            if line.startswith("TLS CA bundle: "):
                ca = line.split(": ", 1)[1].strip()
            if line.startswith("authmock listening on "):
                url = line.split()[-1]
                break
        assert url and ca, proc.stderr.read() if proc.stderr else "no listening line"
        yield url, ca
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_over_tls_gets_a_system_token_then_a_resource_list(
    served_resources: tuple[str, str],
) -> None:
    """A stand-in for a non-Python client: curl, the printed URL and CA bundle only."""
    url, ca = served_resources
    assert url.startswith("https://") and ca.endswith(".pem")

    def curl(*args: str) -> Any:
        command = ["curl", "-sS", "--fail-with-body", "--cacert", ca, *args]
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
        return json.loads(out.stdout)

    user_token = curl(
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"username": "bigid"}',
        f"{url}/_authmock/bigid/user-tokens",
    )["token"]
    exchange = curl(
        "-H", f"Authorization: {user_token}", f"{url}/bigid/sandbox/api/v1/refresh-access-token"
    )
    assert exchange["success"] is True
    listing = curl(
        "-H",
        f"Authorization: {exchange['systemToken']}",
        f"{url}/bigid/sandbox/api/v1/ds-connections",
    )
    assert [c["name"] for c in listing["data"]["ds_connections"]] == ["crm-postgres", "finance-s3"]
