"""Shared fixtures. ``env`` runs each HTTP contract test in every mode, so the
modes are proven to behave the same rather than hoped to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock

MODES = ["requests", "server"]
_UNSET: Any = object()


class Env:
    """One mode: a client, the URLs to call, and the control API (``mock``)."""

    def __init__(self, mode: str, mock: Any, client: Any, sigma_base: str, bigid_base: Any) -> None:
        self.mode = mode
        self.mock = mock
        self.client = client
        self.sigma_base = sigma_base
        self._bigid_base = bigid_base

    def in_process_only(self, feature: str) -> None:
        """Skip in server mode a test that needs what only an in-process mock has."""
        if self.mode == "server":
            pytest.skip(f"{feature} exists only in-process")

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
    ) -> Any:
        kwargs: dict[str, Any] = {"headers": headers}
        if json is not _UNSET:
            kwargs["json"] = json
        if data is not None:
            kwargs["content" if self.mode.startswith("httpx") else "data"] = data
        return self.client.request(method, url, **kwargs)

    def sigma(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, self.sigma_base + path, **kwargs)

    def bigid(self, method: str, path: str, deployment: str | None = None, **kwargs: Any) -> Any:
        return self.request(method, self.bigid_base(deployment) + path, **kwargs)


def _requests_env(mock: AuthMock) -> Iterator[Env]:
    with mock, requests.Session() as session:
        bigid = getattr(mock, "bigid_url", lambda d=None: "")
        yield Env("requests", mock, session, mock.sigma_url, bigid)


def _server_env(mock: AuthMock) -> Iterator[Env]:
    # A live server, a plain client, and the control API over the admin API.
    with (
        mock.serve() as server,
        requests.Session() as session,
        RemoteAuthMock(server.url) as remote,
    ):
        yield Env("server", remote, session, remote.sigma_url, remote.bigid_url)


_BUILDERS = {"requests": _requests_env, "server": _server_env}


@pytest.fixture(params=MODES)
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """A fresh emulator (seed 7) reached through one mode."""
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
