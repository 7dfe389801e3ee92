"""Regressions found in review: each of these once misbehaved."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
import requests

from authmock import AuthMock
from authmock.cli import main

SIGMA = "https://api.sigma-pim.com"
ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def _exchange(server: Any, raw: bytes) -> bytes:
    """Send raw bytes asking the server to close; read the whole answer."""
    line, _, rest = raw.partition(b"\r\n")
    chunks = []
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(line + b"\r\nConnection: close\r\n" + rest)
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("move", ["advance", "set"])
def test_seeded_user_tokens_work_after_a_reset_of_a_moved_clock(move: str) -> None:
    with AuthMock(seed=7) as mock:
        if move == "advance":
            mock.clock.advance(3 * 86400)
        else:
            mock.clock.set(1_000_000_000)
        mock.reset()
        response = requests.get(
            mock.bigid_url() + "/refresh-access-token",
            headers={"Authorization": mock.bigid.user_token("bigid")},
        )
        assert response.json()["success"] is True


def test_admin_api_reads_chunked_bodies() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        json_type = {"Content-Type": "application/json"}
        reset = httpx.post(
            f"{server.url}/_authmock/reset", content=iter([b'{"seed": 5}']), headers=json_type
        )
        assert reset.status_code == 204
        assert mock.seed == 5
        added = httpx.post(
            f"{server.url}/_authmock/faults",
            content=iter([b'{"path": "/healthz", "status": 503}']),
            headers=json_type,
        )
        assert added.status_code == 201


def test_a_bad_content_length_is_a_400_not_a_hang() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        answer = _exchange(
            server,
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Length: 12abc\r\n\r\n{}",
        )
        assert answer.startswith(b"HTTP/1.1 400")
        assert b"bad Content-Length '12abc': it must be a number of bytes" in answer


def test_a_post_without_length_or_chunking_has_no_body_and_does_not_hang() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        answer = _exchange(server, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400")


def test_a_handler_returning_non_json_is_a_500_and_reraised() -> None:
    mock = AuthMock(seed=7)

    @mock.sigma.route("GET", "/api/v1/odd")
    def odd(request: Any, principal: Any) -> Any:
        return {1, 2}

    token = mock.sigma.issue_token("admin@sigma.io")
    with pytest.raises(TypeError, match="not JSON serializable"), mock:
        response = requests.get(f"{SIGMA}/api/v1/odd", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 500
        assert response.json() == {
            "error": "INTERNAL_ERROR",
            "message": "Route handler raised an exception",
        }


def test_an_empty_workspace_id_searches_no_tenant() -> None:
    with AuthMock(seed=7):
        response = requests.post(f"{SIGMA}/api/v1/auth/login", json={**ADMIN, "workspaceId": ""})
        assert response.status_code == 401
        assert response.json() == {"error": "UNAUTHORIZED", "message": "Invalid email or password"}


def test_route_permissions_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown permission 'bogus'"):
        AuthMock().sigma.route("GET", "/api/v1/x", permission="bogus")


def test_an_empty_sigma_secret_flag_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--sigma-secret", ""]) == 2
    assert capsys.readouterr().err == "authmock: error: --sigma-secret must not be empty\n"
