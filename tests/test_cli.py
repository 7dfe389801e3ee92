"""``authmock serve`` / ``authmock tenants`` as a user runs them: real processes."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests

from authmock import AdminApiError, AuthMock, RemoteAuthMock
from authmock.cli import main
from authmock.scenario import bundled_names

LISTENING = "authmock listening on "
BUNDLED = "bundled scenarios: " + ", ".join(bundled_names())


def authmock_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "authmock", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


class Served:
    def __init__(self, process: subprocess.Popen[str], banner: list[str], url: str) -> None:
        self.process = process
        self.banner = banner
        self.url = url

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=10)
        return self.process.returncode, err


def serve(*args: str, log: bool = False) -> Served:
    """``authmock serve`` in a process; ``--quiet`` unless ``log`` (nothing reads
    stderr until the end, and a full pipe would block the server)."""
    quiet = () if log else ("--quiet",)
    process = subprocess.Popen(
        [sys.executable, "-m", "authmock", "serve", "--port", "0", *quiet, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    # A hung start must fail the test, not hang it.
    timer = threading.Timer(60, process.kill)
    timer.start()
    try:
        for line in process.stdout:
            banner.append(line.rstrip("\n"))
            if line.startswith(LISTENING):
                return Served(process, banner, line[len(LISTENING) :].strip())
    finally:
        timer.cancel()
    process.kill()
    raise AssertionError(f"no listening line; stdout: {banner}; stderr: {process.communicate()[1]}")


@pytest.fixture
def served() -> Iterator[Served]:
    server = serve("--seed", "7", log=True)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.communicate()


def test_serve_announces_itself_serves_sigma_and_exits_0_on_sigterm(served: Served) -> None:
    host, _, port = served.url.removeprefix("http://").rpartition(":")
    assert host == "127.0.0.1" and int(port) > 0
    expected = AuthMock(seed=7).sigma.tenants
    assert served.banner[0] == f"Sigma PIM  {served.url}/api/v1   (seed 7)"
    for tenant in expected:
        assert f"  {tenant['workspaceId']}  {tenant['name']}" in served.banner
        for user in tenant["users"]:
            assert any(
                line.split()[:3] == [user["email"], user["password"], user["roleId"]]
                for line in served.banner
            )
    login = requests.post(
        served.url + "/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
    )
    assert login.status_code == 200
    assert login.json()["user"]["workspaceId"] == "ws-sigma"
    roles = requests.get(
        served.url + "/api/v1/roles", headers={"Authorization": "Bearer " + login.json()["token"]}
    )
    assert roles.status_code == 200
    # A malformed request gets werkzeug's 400, and no log line (it reached no app).
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1 extra\r\n\r\n")
        assert b"Error code: 400" in raw.recv(1000)
    code, err = served.stop(signal.SIGTERM)
    assert code == 0
    # One line per request on stderr, no traceback.
    assert [line.split()[:3] for line in err.splitlines()] == [
        ["POST", "/api/v1/auth/login", "200"],
        ["GET", "/api/v1/roles", "200"],
    ]


def test_serve_exits_0_on_ctrl_c(served: Served) -> None:
    assert requests.get(served.url + "/healthz").json() == {"status": "ok"}
    code, err = served.stop(signal.SIGINT)
    assert code == 0
    assert re.fullmatch(r"GET /healthz 200 \d+\.\dms\n", err)


def test_serve_with_scenario_faults_and_secret(tmp_path: Path) -> None:
    scenario = tmp_path / "team.toml"
    scenario.write_text(
        'seed = 5\n[[sigma.tenants]]\nworkspaceId = "ws-team"\nname = "Team"\n'
        '  [[sigma.tenants.users]]\n  email = "dev@team.test"\n  password = "pw"\n'
    )
    server = serve(
        "--scenario", str(scenario),
        "--sigma-secret", "k" * 32,
        "--fault", json.dumps({"path": "/healthz", "status": 503, "times": 1}),
    )  # fmt: skip
    try:
        assert server.banner[:3] == [
            f"Sigma PIM  {server.url}/api/v1   (seed 5)",
            "  ws-team  Team",
            f"    {'dev@team.test':<40} {'pw':<16} role-viewer",
        ]
        assert requests.get(server.url + "/healthz").status_code == 503
        assert requests.get(server.url + "/healthz").status_code == 200
        login = requests.post(
            server.url + "/api/v1/auth/login", json={"email": "dev@team.test", "password": "pw"}
        )
        assert jwt.decode(login.json()["token"], "k" * 32, algorithms=["HS256"])["workspaceId"] == (
            "ws-team"
        )
    finally:
        assert server.stop()[0] == 0


def test_admin_token_guards_the_admin_api() -> None:
    server = serve("--admin-token", "let-me-in")
    try:
        refused = requests.get(server.url + "/_authmock/state")
        assert (refused.status_code, refused.json()) == (
            401,
            {"error": "UNAUTHORIZED", "message": "X-Authmock-Admin header missing or wrong"},
        )
        with RemoteAuthMock(server.url, admin_token="let-me-in") as remote:
            assert remote.clock.advance(10) > 0
        with (
            RemoteAuthMock(server.url, admin_token="wrong") as remote,
            pytest.raises(AdminApiError, match="401 UNAUTHORIZED"),
        ):
            remote.state()
    finally:
        assert server.stop()[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--bogus"], "authmock: error: unrecognized arguments: --bogus"),
        (["serve", "--port", "abc"], "authmock: error: argument --port: invalid int value: 'abc'"),
        (["serve", "--port", "70000"], "authmock: error: --port must be 0 to 65535, not 70000"),
        (["serve", "--bigid-errors", "loud"], "authmock: error: argument --bigid-errors: invalid"
         " choice: 'loud' (choose from "),
        (["serve", "--fault", "{"], "authmock: error: --fault '{': invalid JSON (Expecting"
         " property name enclosed in double quotes: line 1 column 2 (char 1))"),
        (["serve", "--fault", '{"kind": "x"}'], "authmock: error: --fault '{\"kind\": \"x\"}':"
         " fault field 'kind' must be one of http, reset, timeout, malformed"),
        (["serve", "--header-timeout", "0"],
         "authmock: error: --header-timeout must be a positive number of seconds"),
        (["serve", "--header-timeout", "inf"],
         "authmock: error: --header-timeout must be a positive number of seconds"),
        (["tenants", "--seed", "x"], "authmock: error: argument --seed: invalid int value: 'x'"),
        (["launch"], "authmock: error: argument command: invalid choice: 'launch'"),
        ([], "authmock: error: the following arguments are required: command"),
    ],
)  # fmt: skip
def test_bad_flags_give_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    # argparse's wording of choices varies across Python versions: the start is ours.
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert captured.err.count("\n") == 1 and captured.err.endswith("\n")


def test_bad_flag_in_a_real_process_has_no_traceback() -> None:
    done = authmock_cli("serve", "--port", "abc")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "authmock: error: argument --port: invalid int value: 'abc'\n"


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = authmock_cli("serve", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.startswith(f"authmock: error: cannot listen on 127.0.0.1:{port}: ")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", ["serve", "tenants"])
def test_bad_scenario_file_names_file_and_key(command: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sigma.tenants]]\nworkspaceId = "ws-a"\nname = "A"\ncolour = "red"\n')
    port = ["--port", "0"] if command == "serve" else []
    done = authmock_cli(command, "--scenario", str(bad), *port)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "authmock: error: bad.toml: sigma.tenants[0].colour: unknown key\n"


def test_missing_scenario_file(tmp_path: Path) -> None:
    done = authmock_cli("tenants", "--scenario", str(tmp_path / "nope.toml"))
    assert done.returncode == 2
    assert done.stderr == (
        f"authmock: error: {tmp_path / 'nope.toml'}: cannot read scenario file"
        f" (No such file or directory); {BUNDLED}\n"
    )


def test_unknown_scenario_name_lists_the_bundled_ones() -> None:
    done = authmock_cli("serve", "--scenario", "nosuch", "--port", "0")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"authmock: error: nosuch: no such scenario file or bundled scenario; {BUNDLED}\n"
    )


def test_serve_help_shows_every_default_and_choice() -> None:
    done = authmock_cli("serve", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps lines at the terminal width
    assert "--bigid-errors {spec,production}" in text
    assert "--port PORT port; 0 picks a free one (default: 8080)" in text
    assert "BigID error bodies" in text and "(default: spec)" in text
    assert "lifetime of BigID system tokens (default: the scenario's, else 86400)" in text
    # Every option's help names its default, in words or as argparse renders it.
    from authmock.cli import _parser

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in commands.choices.items():
        formatter = command.formatter_class(prog=name)
        for action in command._actions:
            if action.dest != "help":
                assert "default" in (formatter._get_help_string(action) or ""), action.dest


def test_quiet_serve_logs_nothing_per_request() -> None:
    server = serve()  # --quiet
    try:
        assert requests.get(server.url + "/healthz").status_code == 200
    finally:
        code, err = server.stop()
    assert (code, err) == (0, "")


def test_request_log_names_faults_and_dropped_connections() -> None:
    server = serve(
        "--fault", json.dumps({"path": "/healthz", "status": 503, "times": 1}),
        "--fault", json.dumps({"path": "/api/v1/roles", "kind": "reset"}),
        log=True,
    )  # fmt: skip
    try:
        assert requests.get(server.url + "/healthz").status_code == 503
        assert requests.get(server.url + "/healthz").status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/api/v1/roles")
        # A refusal names its reason (from the journal).
        assert requests.get(server.url + "/api/v1/api-keys").status_code == 401
        # The admin API is logged too (never journaled, so no fault or reason).
        assert requests.get(server.url + "/_authmock/clock").status_code == 200
    finally:
        code, err = server.stop()
    assert code == 0
    lines = err.splitlines()
    pattern = r"(\S+) (\S+) (\S+) \d+\.\dms(?: (.*))?"
    parsed = [re.fullmatch(pattern, line) for line in lines]
    assert all(parsed), lines
    assert [m.groups() for m in parsed if m] == [
        ("GET", "/healthz", "503", "fault=fault-1 reason=fault"),
        ("GET", "/healthz", "200", None),
        ("GET", "/api/v1/roles", "reset", "fault=fault-2 reason=fault"),
        ("GET", "/api/v1/api-keys", "401", "reason=missing_credentials"),
        ("GET", "/_authmock/clock", "200", None),
    ]


def test_tenants_json_is_deterministic_and_complete() -> None:
    first = authmock_cli("tenants", "--seed", "7", "--json")
    second = authmock_cli("tenants", "--seed", "7", "--json")
    assert first.returncode == 0
    assert first.stdout == second.stdout
    creds = json.loads(first.stdout)
    assert creds["seed"] == 7
    expected = AuthMock(seed=7).sigma.tenants
    tenants = creds["sigma"]["tenants"]
    assert [t["workspaceId"] for t in tenants] == [t["workspaceId"] for t in expected]
    assert tenants[0]["users"][0] == {
        "email": "admin@sigma.io",
        "password": "admin",
        "roleId": "role-admin",
        "id": "user-admin",
        "name": "Admin User",
        "quickLogin": True,
    }
    assert all(k["key"].startswith("sigma_sk_live_") for t in tenants for k in t["apiKeys"])
    other = authmock_cli("tenants", "--seed", "8", "--json")
    assert json.loads(other.stdout)["sigma"]["tenants"] != tenants


def test_tenants_table_and_bundled_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tenants", "--scenario", "acme"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "Sigma PIM  https://api.sigma-pim.com/api/v1   (seed 7)",
        "  ws-acme  Acme Corp",
        f"    {'ops@acme.test':<40} {'s3cret':<16} role-admin",
    ]


def test_module_entry_point_and_console_script_agree() -> None:
    script = Path(sys.executable).with_name("authmock")
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    via_script = subprocess.run(
        [str(script), "tenants", "--json"], capture_output=True, text=True, timeout=60,
        env={**os.environ},
    )  # fmt: skip
    assert via_script.stdout == authmock_cli("tenants", "--json").stdout


def test_serve_names_the_demo_page_and_it_is_served(served: Served) -> None:
    assert served.banner[-2] == f"demo page: {served.url}/"
    page = requests.get(f"{served.url}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("source", [["--seed", "7"], ["--scenario", "acme"]])
def test_tenants_json_is_a_scenario_that_loads_back_identically(
    source: list[str], tmp_path: Path
) -> None:
    exported = authmock_cli("tenants", *source, "--json")
    assert exported.returncode == 0, exported.stderr
    path = tmp_path / "exported.json"
    path.write_text(exported.stdout)
    again = authmock_cli("tenants", "--scenario", str(path), "--json")
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout == exported.stdout
    # Edited, it loads with the edit: the point of exporting.
    data = json.loads(exported.stdout)
    data["sigma"]["tenants"][0]["users"][0]["password"] = "changed"
    path.write_text(json.dumps(data))
    edited = json.loads(authmock_cli("tenants", "--scenario", str(path), "--json").stdout)
    assert edited["sigma"]["tenants"][0]["users"][0]["password"] == "changed"
