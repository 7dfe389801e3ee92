"""The admin API can be locked with a token, and a non-loopback bind warns."""

from __future__ import annotations

import subprocess
import sys

import requests

from authmock import AuthMock

SIGMA = "https://api.sigma-pim.com"


def test_admin_token_is_required_when_set() -> None:
    with AuthMock(seed=1, admin_token="let-me-in"):
        for headers in ({}, {"X-Authmock-Admin": "wrong"}, {"X-Authmock-Admin": ""}):
            response = requests.get(f"{SIGMA}/_authmock/state", headers=headers)
            assert response.status_code == 401
            assert response.json() == {
                "error": "UNAUTHORIZED",
                "message": "X-Authmock-Admin header missing or wrong",
            }
        assert requests.post(f"{SIGMA}/_authmock/reset", headers={}).status_code == 401
        ok = requests.get(f"{SIGMA}/_authmock/state", headers={"X-Authmock-Admin": "let-me-in"})
        assert ok.status_code == 200
        # The emulated API itself is unaffected.
        assert requests.get(f"{SIGMA}/healthz").status_code == 200


def test_admin_token_is_masked_in_the_journal() -> None:
    with AuthMock(seed=1, admin_token="let-me-in") as mock:
        requests.get(f"{SIGMA}/healthz", headers={"X-Authmock-Admin": "let-me-in-too"})
        assert mock.calls[0].headers["X-Authmock-Admin"].endswith("-too")
        assert "let-me-in" not in str(mock.calls[0].headers)


def test_serving_beyond_loopback_warns() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "authmock", "serve", "--host", "0.0.0.0", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        warning = process.stderr.readline()
        assert warning.startswith(
            "warning: listening on 0.0.0.0: anyone who can reach it can use the admin API"
        )
        assert "--admin-token" in warning
        assert "--allow-host" in warning
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
