"""Clients that are not ``requests`` against the ``authmock_server`` fixture:
the live server is a real HTTP server, whatever the client."""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from typing import Any

import httpx
import pytest

from authmock import RemoteAuthMock

ADMIN = {"email": "admin@sigma.io", "password": "admin"}
ADMIN_USER = {
    "id": "user-admin",
    "email": "admin@sigma.io",
    "name": "Admin User",
    "roleId": "role-admin",
    "workspaceId": "ws-sigma",
}


def urlopen(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_urllib_logs_in_and_uses_the_token(authmock_server: RemoteAuthMock) -> None:
    login = urllib.request.Request(
        authmock_server.url + "/api/v1/auth/login",
        data=json.dumps(ADMIN).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    status, body = urlopen(login)
    assert (status, body["user"]) == (200, ADMIN_USER)
    roles = urllib.request.Request(
        authmock_server.url + "/api/v1/roles", headers={"Authorization": "Bearer " + body["token"]}
    )
    status, listed = urlopen(roles)
    assert status == 200
    assert [r["id"] for r in listed] == ["role-admin", "role-editor", "role-viewer"]
    status, body = urlopen(urllib.request.Request(authmock_server.url + "/api/v1/roles"))
    assert (status, body) == (401, {"error": "UNAUTHORIZED", "message": "Missing authentication"})
    authmock_server.assert_called("POST", "/api/v1/auth/login", times=1)


def test_urllib_sees_a_reset_connection(authmock_server: RemoteAuthMock) -> None:
    authmock_server.faults.add(path="/healthz", kind="reset", times=1)
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        urllib.request.urlopen(authmock_server.url + "/healthz", timeout=10)
    assert urlopen(urllib.request.Request(authmock_server.url + "/healthz")) == (
        200,
        {"status": "ok"},
    )


def test_httpx_sync_and_async(authmock_server: RemoteAuthMock) -> None:
    token = authmock_server.sigma.issue_token("admin@sigma.io")
    with httpx.Client(base_url=authmock_server.url) as client:
        refreshed = client.post("/api/v1/auth/refresh", json={"token": token})
        assert refreshed.status_code == 200
        assert refreshed.json()["user"] == ADMIN_USER
        authmock_server.faults.add(path="/api/v1/auth/refresh", status=401, times=1)
        failed = client.post("/api/v1/auth/refresh", json={"token": token})
        assert (failed.status_code, failed.json()) == (
            401,
            {"error": "UNAUTHORIZED", "message": "Invalid or expired token"},
        )

    async def roles() -> httpx.Response:
        async with httpx.AsyncClient(base_url=authmock_server.url) as client:
            return await client.get("/api/v1/roles", headers={"Authorization": f"Bearer {token}"})

    response = asyncio.run(roles())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_in_a_subprocess(authmock_server: RemoteAuthMock) -> None:
    def curl(*args: str) -> Any:
        done = subprocess.run(
            ["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout)

    login = curl(
        "-H",
        "Content-Type: application/json",
        "-d",
        json.dumps(ADMIN),
        authmock_server.url + "/api/v1/auth/login",
    )
    assert login["user"] == ADMIN_USER
    authmock_server.clock.advance(86401)
    expired = curl(
        "-H", f"Authorization: Bearer {login['token']}", authmock_server.url + "/api/v1/roles"
    )
    assert expired == {"error": "UNAUTHORIZED", "message": "Invalid or expired token"}
    # The admin API works from any client too.
    assert curl(authmock_server.url + "/_authmock/clock")["now"] > 0
