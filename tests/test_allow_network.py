"""``AuthMock(allow_network=False)``: no silent real network. Nothing here
reaches the network: every refused request fails before a socket opens."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import responses

from authmock import AuthMock

pytest_plugins = ["pytester"]

TYPO = "https://sandbox.bigid.tools443/api/v1/refresh-access-token"


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fails the test if anything tries a real connection (DNS included)."""
    tried: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        tried.append(args)
        raise AssertionError(f"real network used: {args}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield tried


@pytest.fixture
def strict() -> Iterator[AuthMock]:
    with AuthMock(seed=7, allow_network=False) as mock:
        yield mock


def test_requests_to_other_hosts_fail_fast_naming_the_url(
    strict: AuthMock, no_sockets: list[Any]
) -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(TYPO, timeout=5)
    assert str(caught.value).startswith(f"authmock: real network refused for {TYPO}")
    assert "allow_network=False" in str(caught.value)
    # authmock's own hosts still answer.
    assert requests.get(f"{strict.sigma_url}/healthz").json() == {"status": "ok"}
    assert no_sockets == []


def test_httpx_to_other_hosts_fail_fast(strict: AuthMock, no_sockets: list[Any]) -> None:
    with httpx.Client() as client, pytest.raises(httpx.ConnectError, match="real network refused"):
        client.get("https://example.invalid/x")
    assert httpx.get(f"{strict.sigma_url}/healthz").json() == {"status": "ok"}

    async def run() -> None:
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError, match=r"https://example\.invalid/y"):
                await client.get("https://example.invalid/y")

    asyncio.run(run())
    assert no_sockets == []


def test_user_responses_mocks_still_answer_in_either_order(no_sockets: list[Any]) -> None:
    for outer_first in (True, False):
        mock, rsps = AuthMock(seed=7, allow_network=False), responses.RequestsMock()
        first, second = (mock, rsps) if outer_first else (rsps, mock)
        with first, second:  # type: ignore[attr-defined]
            rsps.add(responses.GET, "https://partner.example/ping", json={"pong": True})
            assert requests.get("https://partner.example/ping").json() == {"pong": True}
            # responses refuses what it does not know, with its own message.
            with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
                requests.get("https://partner.example/other")
    assert no_sockets == []


def test_httpx_mock_transport_still_answers(strict: AuthMock) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"mocked": True}))
    with httpx.Client(transport=transport) as client:
        assert client.get("https://partner.example/").json() == {"mocked": True}


def test_loopback_is_allowed(strict: AuthMock) -> None:
    other = AuthMock(seed=1)
    with other.serve() as server:
        assert requests.get(f"{server.url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
        local = server.url.replace("127.0.0.1", "localhost")
        assert requests.get(f"{local}/healthz").status_code == 200


def test_default_allows_and_stopping_lifts_the_ban(no_sockets: list[Any]) -> None:
    with AuthMock(seed=7), pytest.raises(AssertionError, match="real network used"):
        requests.get("https://example.invalid/", timeout=1)
    strict = AuthMock(seed=7, allow_network=False)
    with strict, pytest.raises(requests.ConnectionError):
        requests.get("https://example.invalid/", timeout=1)
    with pytest.raises(AssertionError, match="real network used"):
        requests.get("https://example.invalid/", timeout=1)


MARKED = """
import pytest
import requests


@pytest.mark.authmock(allow_network=False)
def test_marker(authmock):
    with pytest.raises(requests.ConnectionError, match="real network refused"):
        requests.get("https://example.invalid/", timeout=1)


def test_ini(authmock):
    assert authmock.allow_network is {ini}
"""


@pytest.mark.parametrize("ini", [True, False])
def test_marker_and_ini_option(pytester: pytest.Pytester, ini: bool) -> None:
    pytester.makeini(f"[pytest]\nauthmock_allow_network = {str(ini).lower()}\n")
    pytester.makepyfile(test_network=MARKED.format(ini=ini))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_marker_refuses_a_non_boolean(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.authmock(allow_network="no")
def test_x(authmock):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)  # the fixture refuses it, with the option's name
    result.stdout.fnmatch_lines(["*allow_network must be True or False*"])
