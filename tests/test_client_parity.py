"""A failed connection raises, in-process, the exception the network raises.

For each failure (``reset``, ``timeout``, a BigID deployment that does not
exist) and each client (requests, httpx sync and async), the same call is made
over real sockets and through every in-process way, and the exception classes,
the messages (requests, sync httpx) and the socket's ``OSError`` under them are
compared, so parity is measured rather than assumed.

The network's answer for ``reset`` and ``timeout`` is the live server's. For a
refusal it is a loopback port nothing listens on: in-process, a deployment that
does not exist has no server to connect to (as with real BigID), while a live
server has already accepted the connection when it reads the path, so it can
only reset it (docs/servers.md); that row is pinned too.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import requests

from authmock import AuthMock

KINDS = ["reset", "timeout", "refused"]
CLIENTS = ["requests", "httpx", "httpx_async"]
PATH = "/healthz"
MISSING = "/api/v1/refresh-access-token"  # on a deployment that does not exist
# A short read timeout only where the server stalls; elsewhere a loaded machine's
# slow answer must not become a timeout.
READ_TIMEOUT = {"timeout": 0.2}


def raised(
    client: str, url: str, kind: str, transport: Callable[[], Any] | None = None
) -> BaseException:
    """The exception ``client`` raises for a GET of ``url`` (through ``transport``
    if given, else the client's own, which an active mock intercepts)."""
    kwargs: dict[str, Any] = {} if transport is None else {"transport": transport()}
    read = READ_TIMEOUT.get(kind, 10.0)
    try:
        if client == "requests":
            requests.get(url, timeout=(10.0, read))
        elif client == "httpx":
            with httpx.Client(**kwargs) as sync:
                sync.get(url, timeout=httpx.Timeout(10.0, read=read))
        else:

            async def run() -> None:
                async with httpx.AsyncClient(**kwargs) as aclient:
                    await aclient.get(url, timeout=httpx.Timeout(10.0, read=read))

            asyncio.run(run())
    except Exception as error:
        return error
    raise AssertionError(f"{client} GET {url}: no error")


def with_fault(kind: str) -> AuthMock:
    mock = AuthMock(seed=7)
    if kind != "refused":
        mock.faults.add(path=PATH, kind=kind)
    return mock


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listening: refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def network_error(kind: str, client: str) -> BaseException:
    if kind == "refused":
        with closed_port() as port:
            return raised(client, f"http://127.0.0.1:{port}{PATH}", kind)
    with with_fault(kind).serve() as server:
        return raised(client, f"{server.url}{PATH}", kind)


def in_process_url(mock: AuthMock, kind: str) -> str:
    return f"https://nosuch.bigid.com{MISSING}" if kind == "refused" else f"{mock.sigma_url}{PATH}"


def shape(error: BaseException) -> str:
    """The message without authmock's note of what caused it."""
    return re.sub(r" \(authmock[^()]*(\([^()]*\))?[^()]*\)", "", str(error))


def without_address(message: str) -> str:
    """The message without the host, port, scheme and path, which differ
    between the in-process call and the network's."""
    message = re.sub(r"HTTPS?(Connection(Pool)?)\(host='[^']*', port=\d+\)", r"\1(...)", message)
    return re.sub(r"with url: \S+", "with url: ...", message)


def under(error: BaseException) -> list[BaseException]:
    """``error`` and every exception under it, breadth first: causes and
    contexts (suppressed or not), urllib3's ``reason`` and exception args."""
    found: list[BaseException] = []
    seen: set[int] = set()
    todo: list[Any] = [error]
    while todo:
        item = todo.pop(0)
        if isinstance(item, BaseException) and id(item) not in seen:
            seen.add(id(item))
            found.append(item)
            todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return found


def socket_error(error: BaseException) -> tuple[type[BaseException], int | None]:
    """The class and errno of the socket's OSError under a client's error (the
    innermost: asyncio wraps one per address tried in "All connection attempts failed")."""
    found = [e for e in under(error) if isinstance(e, OSError) and type(e).__module__ == "builtins"]
    assert found, f"no socket error under {error!r}"
    return type(found[-1]), found[-1].errno


def authmock_errors(error: BaseException) -> list[BaseException]:
    """authmock's own exceptions under ``error``: over the network there are none."""
    return [e for e in under(error) if type(e).__module__.startswith("authmock")]


def raised_in_process(kind: str, client: str, way: str) -> tuple[AuthMock, BaseException]:
    """The mock (its journal) and what ``client`` raises in-process for ``kind``,
    through an explicit transport or the active mock's interception."""
    mock = with_fault(kind)
    url = in_process_url(mock, kind)
    if way == "transport":  # explicit transports need no active mock
        sync = client == "httpx"
        transport = mock.httpx_transport if sync else mock.httpx_async_transport
        return mock, raised(client, url, kind, transport)
    with mock:
        return mock, raised(client, url, kind)


WAYS = [("requests", "intercepted"), ("httpx", "transport"), ("httpx", "intercepted")]
WAYS += [("httpx_async", "transport"), ("httpx_async", "intercepted")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("client", "way"), WAYS)
def test_in_process_raises_the_networks_exception(kind: str, client: str, way: str) -> None:
    expected = network_error(kind, client)
    mock, got = raised_in_process(kind, client, way)
    assert type(got) is type(expected), (got, expected)
    if client == "httpx":  # the sync client's message is the socket error's (async's is empty)
        assert shape(got) == shape(expected)
    if client == "requests":  # the socket's errno text, as urllib3 words it
        assert without_address(shape(got)) == without_address(shape(expected))
    assert socket_error(got) == socket_error(expected)
    assert authmock_errors(got) == []  # the engine's ConnectionFault is not in the chain
    assert re.search(r"\(authmock[^)]*\)", str(got)), "names authmock as the cause"
    assert [c.status for c in mock.calls] == [0]  # journaled as a dropped connection


@pytest.mark.parametrize("client", CLIENTS)
def test_a_live_server_resets_a_missing_deployment(client: str) -> None:
    # docs/servers.md: the server accepted the connection before it read the
    # deployment from the path, so the refusal is a reset.
    with with_fault("reset").serve() as server:
        reset = raised(client, f"{server.url}{PATH}", "reset")
        refused = raised(client, f"{server.url}/bigid/nosuch{MISSING}", "refused")
    assert type(refused) is type(reset)


def chain(error: BaseException) -> list[tuple[type[BaseException], str]]:
    """The exceptions a traceback shows under ``error`` (each one's ``__cause__``,
    else its ``__context__``), by class and message, without authmock's note
    or the address."""
    links: list[tuple[type[BaseException], str]] = []
    item: BaseException | None = error
    while item is not None and len(links) < 10:
        message = re.sub(r"\('[^']*', \d+\)", "(...)", without_address(shape(item)))
        links.append((type(item), message))
        item = item.__cause__ or item.__context__
    return links


HTTPX_WAYS = [(client, way) for client, way in WAYS if client != "requests"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("client", "way"), HTTPX_WAYS)
def test_in_process_httpx_raises_the_networks_chain(kind: str, client: str, way: str) -> None:
    # httpx's error caused by httpcore's, over the socket's OSError; async httpx
    # wraps a refusal in anyio's OSError("All connection attempts failed").
    expected = network_error(kind, client)
    _, got = raised_in_process(kind, client, way)
    if client == "httpx_async" and kind != "refused":
        # Over a socket the async client's reset and timeout say nothing ('', via
        # anyio's own errors); in-process they say what the sync client says.
        assert [c for c, _ in chain(got)[:2]] == [c for c, _ in chain(expected)[:2]]
    else:
        assert chain(got) == chain(expected)
    assert re.search(r"\(authmock[^)]*\)", str(got)), "names authmock as the cause"
