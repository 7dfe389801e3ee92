"""``serve --state-file``: state survives a restart and a ``kill -9``; a bad file is exit 2."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import pytest
import requests

from authmock import RemoteAuthMock
from authmock.cli import main
from tests.test_cli import serve

SIGMA_ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = serve("--state-file", str(path), "--fault", '{"path": "/healthz", "status": 503}')
    try:
        remote = RemoteAuthMock(first.url)
        remote.sigma.add_tenant("ws-kept", "Kept")
        key = remote.sigma.create_api_key("ws-kept", "ci", ["read"])
        token = requests.post(f"{first.url}/api/v1/auth/login", json=SIGMA_ADMIN).json()["token"]
        remote.clock.advance(600)
        document = remote.snapshot()
        remote.close()
    finally:
        assert first.stop()[0] == 0
    assert json.loads(path.read_text())["sigma"] == document["sigma"]
    # Restarted with the same --fault: the loaded state has it already, once.
    second = serve("--state-file", str(path), "--fault", '{"path": "/healthz", "status": 503}')
    try:
        with RemoteAuthMock(second.url) as remote:
            assert [t["workspaceId"] for t in remote.sigma.tenants][-1] == "ws-kept"
            assert len(remote.faults.list()) == 1
            url = second.url
            assert requests.get(f"{url}/api/v1/roles", headers={"X-Sigma-ApiKey": key}).ok
            bearer = {"Authorization": f"Bearer {token}"}
            assert requests.get(f"{url}/api/v1/api-keys", headers=bearer).ok
            assert abs(remote.snapshot()["clock"]["offset"] - 600) < 1
            journal = [c.path for c in remote.calls]
            assert journal[:2] == ["/api/v1/auth/login", "/api/v1/roles"]
    finally:
        assert second.stop()[0] == 0


def test_every_key_whose_201_arrived_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    server = serve("--state-file", str(path))
    url = server.url
    token = requests.post(f"{url}/api/v1/auth/login", json=SIGMA_ADMIN).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    created: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def burst(n: int) -> None:
        with requests.Session() as http:
            for i in range(10_000):
                try:
                    reply = http.post(
                        f"{url}/api/v1/api-keys",
                        json={"name": f"k{n}-{i}", "permissions": ["read"]},
                        headers=bearer,
                        timeout=10,
                    )
                except requests.RequestException:
                    return  # the server is gone: this answer never reached us
                assert reply.status_code == 201
                with lock:
                    created.append(reply.json()["key"])
                    if len(created) >= 60:
                        enough.set()

    workers = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    assert enough.wait(120)
    server.process.send_signal(signal.SIGKILL)  # mid-burst: the workers are still posting
    server.process.communicate(timeout=10)
    for worker in workers:
        worker.join(timeout=30)
    with lock:
        acknowledged = list(created)
    json.loads(path.read_text())  # never torn
    restarted = serve("--state-file", str(path))
    try:
        with requests.Session() as http:
            for key in acknowledged:
                reply = http.get(f"{restarted.url}/api/v1/roles", headers={"X-Sigma-ApiKey": key})
                assert reply.status_code == 200, key
            assert http.get(f"{restarted.url}/api/v1/api-keys", headers=bearer).ok
    finally:
        assert restarted.stop()[0] == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "state file is not JSON (Expecting property name enclosed in double"),
        (b'{"format": "authmock-snapshot", "version": 99}', "snapshot version 99 is not"),
        (b"[]", 'not an authmock snapshot (no "format": "authmock-snapshot")'),
    ],
)
def test_an_invalid_state_file_is_one_line_exit_2_and_never_overwritten(
    tmp_path: Path, content: bytes, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    assert main(["serve", "--port", "0", "--state-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"authmock: error: --state-file {path}: {problem}")
    assert err.count("\n") == 1
    assert path.read_bytes() == content


def test_an_unreadable_state_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a-directory"
    path.mkdir()
    assert main(["serve", "--port", "0", "--state-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"authmock: error: --state-file {path}: cannot read state file (Is a directory)\n"
    missing_dir = tmp_path / "nope" / "state.json"
    assert main(["serve", "--port", "0", "--state-file", str(missing_dir)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"authmock: error: --state-file {missing_dir}: cannot write state file"
        " (No such file or directory)\n"
    )


def test_the_state_file_is_private_and_no_planted_symlink_is_followed(tmp_path: Path) -> None:
    """It holds every password and the signing key: mode 0600, and a symlink
    planted under the old predictable temporary name (.NAME.PID.tmp) is never
    written through."""
    import os

    from authmock import AuthMock
    from authmock.statefile import StateFile

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = tmp_path / "state.json"
    (tmp_path / f".state.json.{os.getpid()}.tmp").symlink_to(victim)
    mock = AuthMock()
    StateFile(path, mock.snapshot, mock.restore).save()
    assert victim.read_text() == "keep me"
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["format"] == "authmock-snapshot"
    server = serve("--state-file", str(tmp_path / "served.json"))
    try:
        requests.post(f"{server.url}/_authmock/sigma/tenants", json={"workspaceId": "ws-p"})
    finally:
        assert server.stop()[0] == 0
    assert (tmp_path / "served.json").stat().st_mode & 0o777 == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")][1:]
