"""A client's own retry policy runs in-process as over the network: the same
retrying client, in every mode, sees the same calls, status and exception."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from authmock import AuthMock
from tests.conftest import Env

HEALTH = "/healthz"
LOGIN = "/api/v1/auth/login"
ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def _retrying(env: Env, retry: Retry, adapter: type[HTTPAdapter] = HTTPAdapter) -> requests.Session:
    if env.mode not in ("requests", "server"):
        pytest.skip("urllib3's Retry is a requests feature")
    session = requests.Session()
    session.mount("http://", adapter(max_retries=retry))
    session.mount("https://", adapter(max_retries=retry))
    return session


def _statuses(env: Env, path: str) -> list[int]:
    return [c.status for c in env.mock.calls if c.path == path]


def test_one_503_is_retried(env: Env) -> None:
    env.mock.faults.add(path=HEALTH, status=503, times=1)
    session = _retrying(env, Retry(total=3, status_forcelist=[503], backoff_factor=0))
    response = session.get(env.sigma_base + HEALTH)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert _statuses(env, HEALTH) == [503, 200]


def test_post_is_not_retried_unless_allowed(env: Env) -> None:
    env.mock.faults.add(path=LOGIN, status=503, times=1)
    session = _retrying(env, Retry(total=3, status_forcelist=[503]))
    assert session.post(env.sigma_base + LOGIN, json=ADMIN).status_code == 503
    assert _statuses(env, LOGIN) == [503]
    env.mock.faults.add(path=LOGIN, status=503, times=1)
    session = _retrying(env, Retry(total=3, status_forcelist=[503], allowed_methods=None))
    assert session.post(env.sigma_base + LOGIN, json=ADMIN).status_code == 200
    assert _statuses(env, LOGIN) == [503, 503, 200]


def test_retries_exhausted_is_a_retry_error(env: Env) -> None:
    env.mock.faults.add(path=HEALTH, status=502)
    session = _retrying(env, Retry(total=2, status_forcelist=[502]))
    with pytest.raises(
        requests.exceptions.RetryError,
        match=r"^HTTPS?ConnectionPool\(host=.*too many 502 error responses",
    ):
        session.get(env.sigma_base + HEALTH)
    assert _statuses(env, HEALTH) == [502, 502, 502]


def test_raise_on_status_false_returns_the_last_answer(env: Env) -> None:
    env.mock.faults.add(path=HEALTH, status=500)
    session = _retrying(env, Retry(total=1, status_forcelist=[500], raise_on_status=False))
    assert session.get(env.sigma_base + HEALTH).status_code == 500
    assert _statuses(env, HEALTH) == [500, 500]


def test_reset_is_retried_as_a_read_error(env: Env) -> None:
    env.mock.faults.add(path=HEALTH, kind="reset", times=1)
    session = _retrying(env, Retry(total=2, backoff_factor=0))
    assert session.get(env.sigma_base + HEALTH).status_code == 200
    assert _statuses(env, HEALTH) == [0, 200]


def test_reset_without_retries_is_a_connection_error(env: Env) -> None:
    env.mock.faults.add(path=HEALTH, kind="reset")
    session = _retrying(env, Retry(total=2, read=0))
    with pytest.raises(requests.ConnectionError) as caught:
        session.get(env.sigma_base + HEALTH)
    assert not isinstance(caught.value, requests.exceptions.RetryError)
    assert "Connection aborted" in str(caught.value)
    # read=0: no read retries, whatever is left of total.
    assert _statuses(env, HEALTH) == [0]


def test_timeout_is_retried_then_a_read_timeout(env: Env) -> None:
    env.mock.faults.add(path=HEALTH, kind="timeout", times=1)
    session = _retrying(env, Retry(total=1, backoff_factor=0))
    assert session.get(env.sigma_base + HEALTH, timeout=0.5).status_code == 200
    assert _statuses(env, HEALTH) == [0, 200]
    env.mock.calls.clear()
    env.mock.faults.add(path=HEALTH, kind="timeout")
    session = _retrying(env, Retry(total=0, read=False))
    with pytest.raises(requests.ReadTimeout, match=r"HTTP\w*ConnectionPool.*Read timed out"):
        session.get(env.sigma_base + HEALTH, timeout=0.5)
    assert _statuses(env, HEALTH) == [0]


# -- in-process only: what stays in the path -----------------------------------------


class LoggingAdapter(HTTPAdapter):
    sent: list[str]

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(str(request.url))
        response = super().send(request, *args, **kwargs)
        response.headers["X-Logged"] = "yes"
        return response


@pytest.fixture
def active() -> Iterator[AuthMock]:
    with AuthMock(seed=7) as mock:
        yield mock


def test_custom_adapter_subclass_stays_in_the_path(active: AuthMock) -> None:
    LoggingAdapter.sent = []
    active.faults.add(path=HEALTH, status=503, times=1)
    session = requests.Session()
    session.mount("https://", LoggingAdapter(max_retries=Retry(total=1, status_forcelist=[503])))
    response = session.get(f"{active.sigma_url}{HEALTH}")
    assert (response.status_code, response.headers["X-Logged"]) == (200, "yes")
    # The adapter sent once; urllib3 retried below it.
    assert LoggingAdapter.sent == [f"{active.sigma_url}{HEALTH}"]
    assert [c.status for c in active.calls] == [503, 200]


@pytest.mark.parametrize("order", ["authmock-first", "responses-first"])
def test_retries_with_user_responses_active_in_either_order(order: str) -> None:
    mock = AuthMock(seed=7)
    rsps = responses.RequestsMock()
    first, second = (mock, rsps) if order == "authmock-first" else (rsps, mock)
    with first, second:  # type: ignore[attr-defined]
        rsps.add(responses.GET, "https://example.test/ping", json={"pong": True})
        mock.faults.add(path=HEALTH, status=503, times=1)
        session = requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=Retry(total=1, status_forcelist=[503])))
        assert session.get(f"{mock.sigma_url}{HEALTH}").status_code == 200
        assert session.get("https://example.test/ping").json() == {"pong": True}
        assert [c.status for c in mock.calls] == [503, 200]


def test_urllib3_logs_its_retries(active: AuthMock, caplog: pytest.LogCaptureFixture) -> None:
    active.faults.add(path=HEALTH, kind="reset", times=1)
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=1)))
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        assert session.get(f"{active.sigma_url}{HEALTH}").status_code == 200
    assert "Retrying" in caplog.text and "Connection reset by peer" in caplog.text


def test_session_without_retries_still_fails_fast(active: AuthMock) -> None:
    active.faults.add(path=HEALTH, kind="reset")
    with pytest.raises(requests.ConnectionError, match="Connection reset by peer"):
        requests.get(f"{active.sigma_url}{HEALTH}")
    assert len(active.calls) == 1


# -- httpx: HTTPTransport(retries=N) retries connect errors only ---------------------


def test_httpx_transport_does_not_retry_a_reset(active: AuthMock) -> None:
    # A reset comes after the request was sent: httpcore retries only connects.
    active.faults.add(path=HEALTH, kind="reset", times=1)
    with httpx.Client(transport=httpx.HTTPTransport(retries=2)) as client:
        with pytest.raises(httpx.ReadError):
            client.get(f"{active.sigma_url}{HEALTH}")
        assert client.get(f"{active.sigma_url}{HEALTH}").status_code == 200
    assert [c.status for c in active.calls] == [0, 200]


def test_httpx_reset_is_not_retried_over_the_network_either(active: AuthMock) -> None:
    with active.serve() as server:
        active.faults.add(path=HEALTH, kind="reset", times=1)
        transport = httpx.HTTPTransport(retries=2)
        with httpx.Client(transport=transport) as client, pytest.raises(httpx.TransportError):
            client.get(f"{server.url}{HEALTH}")
    assert [c.status for c in active.calls] == [0]


def test_httpx_transport_retries_a_refused_connection(
    active: AuthMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No such deployment: no server to connect to, a connect error, retried.
    app = active.wsgi_app
    attempts: list[str] = []
    original = app.respond

    def counting(environ: Any) -> Any:
        attempts.append(environ["PATH_INFO"])
        return original(environ)

    monkeypatch.setattr(app, "respond", counting)
    transport = httpx.HTTPTransport(retries=2)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get("https://nosuch.bigid.com/api/v1/ds-connections")
    assert attempts == ["/api/v1/ds-connections"] * 3


def test_httpx_async_transport_does_not_retry_a_reset(active: AuthMock) -> None:
    active.faults.add(path=HEALTH, kind="reset", times=1)

    async def run() -> list[int]:
        transport = httpx.AsyncHTTPTransport(retries=1)
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(httpx.ReadError):
                await client.get(f"{active.sigma_url}{HEALTH}")
            return [(await client.get(f"{active.sigma_url}{HEALTH}")).status_code]

    assert asyncio.run(run()) == [200]
    assert [c.status for c in active.calls] == [0, 200]
