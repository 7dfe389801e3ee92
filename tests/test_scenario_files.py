"""Scenario files as an attacker would hand them over: the admin API reads no
file outside the bundled scenarios and the scenario directory, every read is
bounded and refuses devices and FIFOs, and hostile contents (deep nesting,
huge integers, parser errors) are one clear line, never a traceback."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from authmock import AuthMock
from authmock.cli import main
from authmock.scenario import MAX_SCENARIO_BYTES, ScenarioError
from tests.test_cli import serve

SIGMA = "https://api.sigma-pim.com"
NO_DIR = (
    "'scenario' must be a bundled scenario name (acme, bigid-resources, two-tenants);"
    " files are read only from a"
    " scenario directory (serve --scenario-dir)"
)
OUTSIDE_DIR = (
    "'scenario' must be a bundled scenario name (acme, bigid-resources, two-tenants)"
    " or a file in the scenario"
    " directory"
)
MINE = "[[sigma.tenants]]\nworkspaceId = 'ws-mine'\nname = 'Mine'\n"
DEEP_TOML = "seed = " + "[" * 100_000 + "]" * 100_000 + "\n"
DEEP_JSON = '{"seed": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE_INT = "seed = " + "9" * 5000 + "\n"


def workspaces(url: str) -> list[str]:
    tenants = requests.get(f"{url}/_authmock/state", timeout=10).json()["sigma"]["tenants"]
    return [t["workspaceId"] for t in tenants]


def reset(url: str, scenario: Any) -> requests.Response:
    return requests.post(f"{url}/_authmock/reset", json={"scenario": scenario}, timeout=10)


def finishes(action: Callable[[], Any]) -> Any:
    """Run ``action`` in a thread; fail (instead of hanging) if it blocks."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = action()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "reading the scenario blocked"
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    inside = tmp_path / "scenarios"
    inside.mkdir()
    (inside / "mine.toml").write_text(MINE)
    (inside / "deep.toml").write_text(DEEP_TOML)
    (inside / "huge.toml").write_text(HUGE_INT)
    (inside / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(inside / "fifo.json")
    (tmp_path / "outside.toml").write_text(MINE.replace("ws-mine", "ws-outside"))
    (inside / "link.toml").symlink_to(tmp_path / "outside.toml")
    return inside


# -- what the admin API may read ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "/etc/shadow",
        "/nonexistent/x.toml",
        "/dev/zero",
        "../../../etc/passwd",
        "fixtures/acme.toml",
        "",
    ],
)
def test_without_a_scenario_dir_only_bundled_names_are_read(name: str) -> None:
    """One message for every path, existing or not: no existence oracle."""
    with AuthMock(seed=7).serve() as server:
        before = workspaces(server.url)
        r = reset(server.url, name)
        assert (r.status_code, r.json()) == (400, {"error": "BAD_REQUEST", "message": NO_DIR})
        assert workspaces(server.url) == before


@pytest.mark.parametrize("name", ["acme", "acme.toml", "two-tenants"])
def test_bundled_names_reset_over_http(name: str) -> None:
    with AuthMock(seed=7).serve() as server:
        assert reset(server.url, name).status_code == 204
        expected = AuthMock(scenario=name.removesuffix(".toml")).state()["sigma"]["tenants"]
        assert workspaces(server.url) == [t["workspaceId"] for t in expected]


def test_files_inside_the_scenario_dir_are_read(scenario_dir: Path) -> None:
    with AuthMock(seed=7, scenario_dir=scenario_dir).serve() as server:
        assert reset(server.url, "mine.toml").status_code == 204
        assert workspaces(server.url) == ["ws-mine"]
        assert reset(server.url, str(scenario_dir / "mine.toml")).status_code == 204


@pytest.mark.parametrize(
    "name",
    [
        "link.toml",  # a link out of the directory
        "zero.toml",  # a link to a device
        "../outside.toml",
        "/etc/passwd",
        "/nonexistent/x.toml",
        ".",
    ],
)
def test_nothing_outside_the_scenario_dir_is_read(scenario_dir: Path, name: str) -> None:
    with AuthMock(seed=7, scenario_dir=scenario_dir).serve() as server:
        r = reset(server.url, name)
        assert (r.status_code, r.json()) == (400, {"error": "BAD_REQUEST", "message": OUTSIDE_DIR})
        assert "ws-outside" not in workspaces(server.url)


def test_the_scenario_dir_defaults_to_the_scenarios_directory(scenario_dir: Path) -> None:
    (scenario_dir / "other.toml").write_text(MINE.replace("ws-mine", "ws-other"))
    with AuthMock(scenario=scenario_dir / "mine.toml").serve() as server:
        assert workspaces(server.url) == ["ws-mine"]
        assert reset(server.url, "other.toml").status_code == 204
        assert workspaces(server.url) == ["ws-other"]
        assert reset(server.url, "../outside.toml").json()["message"] == OUTSIDE_DIR


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fifo.json", "fifo.json: not a regular file"),
        ("deep.toml", "deep.toml: invalid TOML (nested too deeply)"),
        ("huge.toml", "huge.toml: invalid TOML (an integer has too many digits)"),
    ],
)
def test_hostile_files_in_the_scenario_dir_are_400s(
    scenario_dir: Path, name: str, message: str
) -> None:
    with AuthMock(seed=7, scenario_dir=scenario_dir).serve() as server:
        r = finishes(lambda: reset(server.url, name))
        assert (r.status_code, r.json()) == (400, {"error": "BAD_REQUEST", "message": message})
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200


def test_in_process_the_admin_api_refuses_paths_too() -> None:
    with AuthMock(seed=7):
        r = requests.post(f"{SIGMA}/_authmock/reset", json={"scenario": "/etc/passwd"})
        assert (r.status_code, r.json()) == (400, {"error": "BAD_REQUEST", "message": NO_DIR})


def test_the_python_api_takes_any_path(scenario_dir: Path) -> None:
    mock = AuthMock(seed=7)
    mock.reset(scenario=scenario_dir.parent / "outside.toml")
    assert [t["workspaceId"] for t in mock.state()["sigma"]["tenants"]] == ["ws-outside"]


# -- bounded reads, from any way in ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("zero.toml", "zero.toml: not a regular file"),
        ("fifo.json", "fifo.json: not a regular file"),
        ("deep.toml", "deep.toml: invalid TOML (nested too deeply)"),
        ("huge.toml", "huge.toml: invalid TOML (an integer has too many digits)"),
    ],
)
def test_the_python_api_refuses_devices_fifos_and_hostile_files(
    scenario_dir: Path, name: str, message: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        finishes(lambda: AuthMock(scenario=scenario_dir / name))
    assert str(info.value) == message


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * (MAX_SCENARIO_BYTES // 10 + 1))
    with pytest.raises(ScenarioError) as info:
        AuthMock(scenario=big)
    assert str(info.value) == f"big.toml: scenario file over {MAX_SCENARIO_BYTES} bytes"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", DEEP_JSON, "deep.json: invalid JSON (nested too deeply)"),
        (
            "huge.json",
            '{"seed": ' + "1" * 5000 + "}",
            "huge.json: invalid JSON (an integer has too many digits)",
        ),
        ("nan.json", '{"seed": NaN}', "nan.json: invalid JSON (NaN is not JSON)"),
        (
            "tables.toml",
            "a = " + "{b = " * 5000 + "1" + "}" * 5000,
            "tables.toml: invalid TOML (nested too deeply)",
        ),
    ],
)
def test_hostile_contents_are_one_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ScenarioError) as info:
        AuthMock(scenario=tmp_path / name)
    assert str(info.value) == message


@pytest.mark.parametrize("command", ["serve", "tenants"])
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("deep.toml", "deep.toml: invalid TOML (nested too deeply)"),
        ("huge.toml", "huge.toml: invalid TOML (an integer has too many digits)"),
        ("zero.toml", "zero.toml: not a regular file"),
        ("fifo.json", "fifo.json: not a regular file"),
    ],
)
def test_the_cli_gives_one_line_and_exit_2(
    scenario_dir: Path, capsys: Any, command: str, name: str, message: str
) -> None:
    port = ["--port", "0"] if command == "serve" else []
    assert finishes(lambda: main([command, "--scenario", str(scenario_dir / name), *port])) == 2
    assert capsys.readouterr().err == f"authmock: error: {message}\n"


def test_scenario_dir_must_be_a_directory(tmp_path: Path, capsys: Any) -> None:
    assert main(["serve", "--port", "0", "--scenario-dir", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == (
        f"authmock: error: --scenario-dir {str(tmp_path / 'nope')!r} is not a directory\n"
    )


def test_serve_scenario_dir_in_a_real_process(scenario_dir: Path) -> None:
    server = serve("--seed", "7", "--scenario-dir", str(scenario_dir))
    try:
        assert reset(server.url, "mine.toml").status_code == 204
        assert workspaces(server.url) == ["ws-mine"]
        assert reset(server.url, "link.toml").json()["message"] == OUTSIDE_DIR
        assert reset(server.url, "deep.toml").json()["message"] == (
            "deep.toml: invalid TOML (nested too deeply)"
        )
    finally:
        code, err = server.stop()
    assert (code, err) == (0, "")
