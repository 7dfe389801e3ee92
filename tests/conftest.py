"""Shared fixtures. ``env`` runs each HTTP contract test in every mode, so the
modes are proven to behave the same rather than hoped to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from authmock import AuthMock, RemoteAuthMock

MODES = ["requests", "httpx", "httpx_async", "server"]
_UNSET: Any = object()


class Env:
    """One mode: a client, the URLs to call, and the control API (``mock``)."""

    def __init__(self, mode: str, mock: Any, client: Any, sigma_base: str, bigid_base: Any) -> None:
        self.mode = mode
        self.mock = mock
        self.client = client
        self.sigma_base = sigma_base
        self._bigid_base = bigid_base

    def bigid_base(self, deployment: str | None = None) -> str:
        return str(self._bigid_base(deployment))

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = _UNSET,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        if headers and self.mode.startswith("httpx"):
            # requests sends header values as latin-1; httpx takes only ASCII str.
            headers = {k: v.encode("latin-1") for k, v in headers.items()}  # type: ignore[misc]
        kwargs: dict[str, Any] = {"headers": headers}
        if timeout is not None:
            kwargs["timeout"] = timeout
        if json is not _UNSET:
            kwargs["json"] = json
        if data is not None:
            kwargs["content" if self.mode.startswith("httpx") else "data"] = data
        return self.client.request(method, url, **kwargs)

    @property
    def client_errors(self) -> tuple[type[Exception], type[Exception]]:
        """What this mode's client raises for a connection reset and a read timeout."""
        if self.mode.startswith("httpx"):
            return httpx.ReadError, httpx.ReadTimeout
        return requests.ConnectionError, requests.ReadTimeout

    @property
    def refused_error(self) -> type[Exception]:
        """What this mode's client raises for a refused connection (a BigID
        deployment that does not exist); a live server can only reset it."""
        return httpx.ConnectError if self.mode.startswith("httpx") else requests.ConnectionError

    def sigma(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, self.sigma_base + path, **kwargs)

    def bigid(self, method: str, path: str, deployment: str | None = None, **kwargs: Any) -> Any:
        return self.request(method, self.bigid_base(deployment) + path, **kwargs)


def _requests_env(mock: AuthMock) -> Iterator[Env]:
    with mock, requests.Session() as session:
        yield Env("requests", mock, session, mock.sigma_url, mock.bigid_url)


def _httpx_env(mock: AuthMock) -> Iterator[Env]:
    with mock, httpx.Client(transport=mock.httpx_transport()) as client:
        yield Env("httpx", mock, client, mock.sigma_url, mock.bigid_url)


class SyncAsyncClient:
    """An httpx.AsyncClient driven from sync tests: each request runs in one loop."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=transport)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


def _httpx_async_env(mock: AuthMock) -> Iterator[Env]:
    client = SyncAsyncClient(mock.httpx_async_transport())
    try:
        with mock:
            yield Env("httpx_async", mock, client, mock.sigma_url, mock.bigid_url)
    finally:
        client.close()


def _live_env(mock: AuthMock) -> Iterator[Env]:
    """The in-process mock's engine on a live server, reached over real sockets."""
    with mock.serve() as server, requests.Session() as session:
        bigid = lambda d=None: f"{server.url}/bigid/{d}/api/v1" if d else f"{server.url}/api/v1"  # noqa: E731
        yield Env("live", mock, session, server.url, bigid)


def _server_env(mock: AuthMock) -> Iterator[Env]:
    # A live server, a plain client, and the control API over the admin API.
    with (
        mock.serve() as server,
        requests.Session() as session,
        RemoteAuthMock(server.url) as remote,
    ):
        yield Env("server", remote, session, remote.sigma_url, _server_bigid(remote))


def _server_bigid(remote: RemoteAuthMock) -> Any:
    """BigID's base on the server in its unambiguous form, /bigid/{deployment}/api/v1:
    at /api/v1 the default deployment shares its paths with Sigma."""

    def base(deployment: str | None = None) -> str:
        return remote.bigid_url(deployment or remote.bigid.deployments[0]["name"])

    return base


_BUILDERS = {
    "requests": _requests_env,
    "httpx": _httpx_env,
    "httpx_async": _httpx_async_env,
    "live": _live_env,
    "server": _server_env,
}


@pytest.fixture(params=MODES)
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """A fresh emulator (seed 7) reached through one mode."""
    mock = AuthMock(seed=7)
    yield from _BUILDERS[request.param](mock)


@pytest.fixture(params=["requests", "httpx", "httpx_async", "live"])
def way(request: pytest.FixtureRequest) -> Iterator[Env]:
    """Like ``env``, plus ``live``: an in-process AuthMock (``way.mock`` is
    always one) served on a real socket, for faults and the journal."""
    mock = AuthMock(seed=7)
    yield from _BUILDERS[request.param](mock)


@pytest.fixture
def mock() -> Iterator[AuthMock]:
    """A fresh in-process emulator (seed 7), active for requests."""
    with AuthMock(seed=7) as active:
        yield active


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, not an xdist worker
        from tests.counts import clear

        clear()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.counts import collect

    counts = collect()
    if counts:
        terminalreporter.section("authmock counts")
        for name, value in sorted(counts.items()):
            terminalreporter.write_line(f"{name}: {value}")
