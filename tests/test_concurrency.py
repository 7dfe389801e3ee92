"""Parallel clients: zero errors and an exact final state, in-process and live."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from authmock import AuthMock
from tests.counts import count

THREADS = 8
PER_THREAD = 250
ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def _worker(
    base: str, number: int, created: list[str], deactivated: list[str], errors: list[str]
) -> None:
    with requests.Session() as session:
        token = session.post(f"{base}/api/v1/auth/login", json=ADMIN).json()["token"]
        done = 1
        mine: list[str] = []
        while done < PER_THREAD:
            step = done % 5
            if step == 0:
                response = session.post(f"{base}/api/v1/auth/login", json=ADMIN)
                expected = 200
            elif step == 1:
                response = session.post(f"{base}/api/v1/auth/refresh", json={"token": token})
                expected = 200
                if response.status_code == 200:
                    token = response.json()["token"]
            elif step == 2:
                response = session.post(
                    f"{base}/api/v1/api-keys",
                    json={"name": f"t{number}-{done}", "permissions": ["read"]},
                    headers={"Authorization": f"Bearer {token}"},
                )
                expected = 201
                if response.status_code == 201:
                    mine.append(response.json()["id"])
            elif step == 3:
                response = session.get(
                    f"{base}/api/v1/api-keys", headers={"Authorization": f"Bearer {token}"}
                )
                expected = 200
            else:
                target = mine[-1]
                response = session.post(
                    f"{base}/api/v1/api-keys/{target}/deactivate",
                    headers={"Authorization": f"Bearer {token}"},
                )
                expected = 200
                if response.status_code == 200:
                    deactivated.append(target)
            if response.status_code != expected:
                errors.append(f"{response.url}: {response.status_code} {response.text}")
            done += 1
        created.extend(mine)


def _hammer(mock: AuthMock, base: str) -> None:
    created: list[str] = []
    deactivated: list[str] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_worker, args=(base, n, created, deactivated, errors))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    count("concurrent requests", THREADS * PER_THREAD)
    keys = mock.state()["sigma"]["tenants"][0]["apiKeys"]
    ids = [k["id"] for k in keys]
    # Every created key is present exactly once, with the state each thread left it in.
    assert len(created) == THREADS * (PER_THREAD // 5)
    assert len(ids) == len(set(ids)) == 1 + len(created)
    assert set(created) <= set(ids)
    inactive = {k["id"] for k in keys if not k["active"]}
    assert inactive == set(deactivated)


def test_parallel_clients_in_process() -> None:
    with AuthMock(seed=7) as mock:
        _hammer(mock, mock.sigma_url)
        assert len(mock.calls) == THREADS * PER_THREAD


@pytest.fixture
def live() -> Iterator[tuple[AuthMock, Any]]:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        yield mock, server


def test_parallel_clients_on_the_live_server(live: tuple[AuthMock, Any]) -> None:
    mock, server = live
    _hammer(mock, server.url)


def test_server_survives_garbage_and_half_closed_connections(live: tuple[AuthMock, Any]) -> None:
    _, server = live
    for payload in (
        b"\x00\xff garbage\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /api/v1/auth/login HTTP/1.1\r\nContent-Length: 100\r\n\r\n{",
    ):
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)  # half-close: no more bytes are coming
            sock.settimeout(5)
            with contextlib.suppress(OSError):
                sock.recv(4096)
    with socket.create_connection((server.host, server.port), timeout=5):
        pass  # connect and vanish
    # Still serving, and correctly.
    response = requests.post(f"{server.url}/api/v1/auth/login", json=ADMIN, timeout=5)
    assert response.status_code == 200
