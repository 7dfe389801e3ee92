"""``authmock serve --fault JSON``: the same fault model from the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from authmock.cli import main

PROXY_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.fixture
def served() -> Iterator[str]:
    faults = [
        {"path": "/api/v1/auth/refresh", "status": 401, "after": 1, "times": 1},
        {"path": "/api/v1/roles", "kind": "reset"},
        {"path": "/api/v1/no-such-*", "status": 503, "message": "Down"},
        {"path": "/api/v1/proxied", "body": PROXY_PAGE, "content_type": "text/html"},
    ]
    args = [sys.executable, "-m", "authmock", "serve", "--port", "0", "--seed", "7"]
    for fault in faults:
        args += ["--fault", json.dumps(fault)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            if line.startswith("authmock listening on "):
                url = line.split()[-1]
                break
        assert url, proc.stderr.read() if proc.stderr else "no listening line"
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_serve_registers_every_fault(served: str) -> None:
    listed = requests.get(f"{served}/_authmock/faults", timeout=5).json()
    assert listed == [
        {
            "id": "fault-1",
            "path": "/api/v1/auth/refresh",
            "status": 401,
            "times": 1,
            "after": 1,
            "seen": 0,
            "fired": 0,
        },
        {"id": "fault-2", "path": "/api/v1/roles", "kind": "reset", "seen": 0, "fired": 0},
        {
            "id": "fault-3",
            "path": "/api/v1/no-such-*",
            "status": 503,
            "message": "Down",
            "seen": 0,
            "fired": 0,
        },
        {
            "id": "fault-4",
            "path": "/api/v1/proxied",
            "status": 200,
            "body": PROXY_PAGE,
            "content_type": "text/html",
            "seen": 0,
            "fired": 0,
        },
    ]


def test_serve_faults_fire(served: str) -> None:
    token = requests.post(
        f"{served}/_authmock/sigma/tokens", json={"email": "admin@sigma.io"}, timeout=5
    ).json()["token"]
    refresh = [
        requests.post(f"{served}/api/v1/auth/refresh", json={"token": token}, timeout=5)
        for _ in range(3)
    ]
    assert [r.status_code for r in refresh] == [200, 401, 200]
    with pytest.raises(requests.ConnectionError, match="reset by peer"):
        requests.get(f"{served}/api/v1/roles", timeout=5)
    down = requests.get(f"{served}/api/v1/no-such-thing", timeout=5)
    assert (down.status_code, down.json()) == (
        503,
        {"error": "SERVICE_UNAVAILABLE", "message": "Down"},
    )
    proxied = requests.get(f"{served}/api/v1/proxied", timeout=5)
    assert (proxied.status_code, proxied.text) == (200, PROXY_PAGE)
    assert proxied.headers["Content-Type"] == "text/html"


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ("{not json", "invalid JSON (Expecting property name enclosed in double quotes"),
        ("not json", "invalid JSON (Expecting value: line 1 column 1 (char 0))"),
        ('["/healthz"]', "a fault must be a JSON object"),
        ('{"path": "/x", "kind": "explode"}', "fault field 'kind' must be one of"),
        ('{"path": "/x"}', "fault field 'status' is required for kind 'http'"),
        ('{"status": 200}', "fault field 'status' 200 needs a 'body', or api 'bigid'"),
        ('{"body": "x", "status": 700}', "fault field 'status' must be between 200 and 599"),
    ],
)
def test_a_bad_fault_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], fault: str, problem: str
) -> None:
    assert main(["serve", "--port", "0", "--fault", fault]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"authmock: error: --fault {fault!r}: {problem}")
    assert err.count("\n") == 1
