"""httpx in-process: the transports, interception of authmock's hosts while a
mock is active, and authmock without httpx installed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import httpx
import pytest
import requests

from authmock import AuthMock

ORIGINAL_SYNC = httpx.Client._transport_for_url
ORIGINAL_ASYNC = httpx.AsyncClient._transport_for_url
OTHER = "https://elsewhere.test/ping"


def elsewhere(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"from": "user transport", "url": str(request.url)})


def test_clients_created_while_active_reach_the_emulator() -> None:
    with AuthMock(seed=7) as mock:
        assert httpx.get(f"{mock.sigma_url}/healthz").json() == {"status": "ok"}
        with httpx.Client() as client:
            login = client.post(
                f"{mock.sigma_url}/api/v1/auth/login",
                json={"email": "admin@sigma.io", "password": "admin"},
            )
        assert login.json()["user"]["id"] == "user-admin"
        mock.assert_called("GET", "/healthz", times=1)


def test_async_clients_created_while_active_reach_the_emulator() -> None:
    async def run(url: str) -> object:
        async with httpx.AsyncClient() as client:
            return (await client.get(url)).json()

    with AuthMock(seed=7) as mock:
        assert asyncio.run(run(f"{mock.sigma_url}/healthz")) == {"status": "ok"}


def test_interception_faults_raise_httpx_errors() -> None:
    with AuthMock(seed=7) as mock:
        mock.faults.add(path="/healthz", kind="reset", times=1)
        mock.faults.add(path="/healthz", kind="timeout", times=1, after=1)
        with pytest.raises(httpx.ReadError):
            httpx.get(f"{mock.sigma_url}/healthz")
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{mock.sigma_url}/healthz")


def test_other_hosts_keep_the_clients_own_transport() -> None:
    with AuthMock(seed=7) as mock:
        with httpx.Client(transport=httpx.MockTransport(elsewhere)) as client:
            assert client.get(OTHER).json()["from"] == "user transport"
            # authmock's host goes to the emulator, even past the user's transport.
            assert client.get(f"{mock.sigma_url}/healthz").json() == {"status": "ok"}
        with httpx.Client(mounts={"https://elsewhere.test": httpx.MockTransport(elsewhere)}) as c:
            assert c.get(OTHER).json()["from"] == "user transport"


def test_passthrough_prefixes_go_to_the_clients_transport() -> None:
    mock = AuthMock(seed=7, passthrough=["https://api.sigma-pim.com/healthz"])
    with mock, httpx.Client(transport=httpx.MockTransport(elsewhere)) as client:
        assert client.get(f"{mock.sigma_url}/healthz").json()["from"] == "user transport"
        assert client.get(f"{mock.sigma_url}/api/v1/roles").status_code == 401


def test_stop_restores_httpx_and_nesting_is_respected() -> None:
    outer = AuthMock(seed=7)
    inner = AuthMock(seed=7, sigma_url="https://sigma.internal.test")
    with outer:
        with inner:
            assert httpx.get("https://sigma.internal.test/healthz").status_code == 200
            assert httpx.get(f"{outer.sigma_url}/healthz").status_code == 200
        # The inner mock stopped; the outer one still answers for its host.
        assert httpx.get(f"{outer.sigma_url}/healthz").status_code == 200
        assert len(inner.calls) == 1 and len(outer.calls) == 2
    assert httpx.Client._transport_for_url is ORIGINAL_SYNC
    assert httpx.AsyncClient._transport_for_url is ORIGINAL_ASYNC
    with httpx.Client(transport=httpx.MockTransport(elsewhere)) as client:
        assert client.get(f"{outer.sigma_url}/healthz").json()["from"] == "user transport"


def test_an_explicit_transport_wins_over_an_active_mock() -> None:
    active = AuthMock(seed=7)
    explicit = AuthMock(seed=7)
    with active, httpx.Client(transport=explicit.httpx_transport()) as client:
        client.get(f"{explicit.sigma_url}/healthz")
    assert (len(explicit.calls), len(active.calls)) == (1, 0)


def test_async_delays_do_not_block_the_event_loop() -> None:
    mock = AuthMock(seed=7)
    mock.faults.add(path="/healthz", delay=600, times=1)

    async def run() -> tuple[bool, int, object]:
        transport = mock.httpx_async_transport()
        async with httpx.AsyncClient(transport=transport, base_url=mock.sigma_url) as client:
            slow = asyncio.ensure_future(client.get("/healthz"))
            await asyncio.sleep(0)
            quick = await client.get("/api/v1/auth/quick-logins")
            # The delayed request is still sleeping while another was answered.
            still_sleeping = not slow.done()
            mock.reset()  # wakes it
            return still_sleeping, quick.status_code, (await slow).json()

    assert asyncio.run(run()) == (True, 200, {"status": "ok"})


def test_request_bodies_and_headers_reach_the_engine() -> None:
    mock = AuthMock(seed=7)
    with httpx.Client(transport=mock.httpx_transport(), base_url=mock.sigma_url) as client:
        r = client.post(
            "/api/v1/auth/login",
            content=b'{"email": "admin@sigma.io", "password": "admin"}',
            headers={"Content-Type": "application/json", "X-Trace": "abc"},
        )
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert int(r.headers["content-length"]) == len(r.content)
        deleted = client.delete(
            f"/api/v1/api-keys/{client.get('/api/v1/api-keys', headers=auth(r)).json()[0]['id']}",
            headers=auth(r),
        )
        assert (deleted.status_code, deleted.content) == (204, b"")
    assert mock.calls[0].headers["X-Trace"] == "abc"


def auth(login: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {login.json()['token']}"}


def test_authmock_works_without_httpx() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["httpx"] = None  # as if not installed
        import requests
        from authmock import AuthMock
        with AuthMock() as mock:
            print(requests.get(mock.sigma_url + "/healthz").json())
            try:
                mock.httpx_transport()
            except ImportError as exc:
                print(exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.splitlines() == [
        "{'status': 'ok'}",
        "the httpx transports need httpx: pip install 'authmock[httpx]'",
    ]


def test_header_bytes_reach_the_engine_as_a_live_server_reads_them() -> None:
    """A header's bytes become the environ's text by one rule in every way in:
    latin-1, as WSGI has a server decode them (httpx in-process used httpx's
    own guess, UTF-8, where the live server and requests read latin-1)."""
    raw = "café ✓".encode()
    mock = AuthMock(seed=1)
    with mock:
        httpx.get(f"{mock.sigma_url}/healthz", headers={"X-Note": raw})
        requests.get(f"{mock.sigma_url}/healthz", headers={"X-Note": raw})
    with mock.serve() as server:
        httpx.get(f"{server.url}/healthz", headers={"X-Note": raw})
    notes = [call.headers["X-Note"] for call in mock.calls]
    assert notes == [raw.decode("latin-1")] * 3
