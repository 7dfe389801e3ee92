"""Fault kinds are effect classes (authmock.effects): a kind registered by a
test, through the public hooks only, is validated, applied by the engine and
shown by every way in, like the built-in ones; unregistered, it is gone."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest

from authmock import AuthMock, effects
from authmock.effects import Client, Connection, Effect, Envelope, Refused, Socket
from authmock.faults import FaultError, Spec
from authmock.http.exchange import Exchange, Reply
from tests.conftest import Env


class Stamped(Effect):
    """The real answer, wrapped, with a header naming the fault."""

    name = "stamped"

    def on_reply(self, reply: Reply, ex: Exchange) -> Reply:
        body = json.dumps({"stamped": json.loads(reply.body), "path": ex.path}).encode()
        return Reply(reply.status, body, [*reply.headers, ("X-Stamped", self.fault.id)])


class Teapot(Effect):
    """Answers in the API's envelope instead of the handler, with its own take
    on ``status`` (a field it shares with kind http): 1xx-5xx, default 418."""

    name = "teapot"
    fields = ("status",)

    @classmethod
    def parse(cls, spec: Spec, api: str | None, delay: float) -> dict[str, Any]:
        return {"status": spec.number("status", True, 400, 499) or 418}

    def instead(self, api: Envelope, ex: Exchange) -> Reply | None:
        return api.error(self.fault.status or 418, "TEAPOT", f"short and stout at {ex.path}")


class Unplugged(Effect, Refused):
    """Nothing listens: a refused connection (as for an unknown BigID host)."""

    name = "unplugged"
    shown: ClassVar[list[str]] = []

    def instead(self, api: Envelope, ex: Exchange) -> Reply | None:
        raise self.fail(self.fault.id)

    def on_socket(self, sock: Socket[Any]) -> Any:
        Unplugged.shown.append("socket")
        return sock.drop()

    def on_client(self, client: Client[Any]) -> Any:
        Unplugged.shown.append("client")
        return client.refused()


@pytest.fixture
def extra_kinds() -> Iterator[None]:
    for kind in (Stamped, Teapot, Unplugged):
        effects.register(kind)
    Unplugged.shown.clear()
    try:
        yield
    finally:
        for kind in (Stamped, Teapot, Unplugged):
            effects.unregister(kind.name)


@pytest.mark.usefixtures("extra_kinds")
def test_an_effect_on_the_reply_in_every_mode(env: Env) -> None:
    fault_id = env.mock.faults.add(path="/healthz", kind="stamped", times=1)
    response = env.sigma("GET", "/healthz")
    assert response.status_code == 200
    assert response.json() == {"stamped": {"status": "ok"}, "path": "/healthz"}
    assert response.headers["X-Stamped"] == fault_id
    assert int(response.headers["Content-Length"]) == len(response.content)
    # Used up: the next answer is the real one.
    assert env.sigma("GET", "/healthz").json() == {"status": "ok"}
    assert [(c.status, c.fault) for c in env.mock.calls] == [(200, fault_id), (200, None)]
    assert env.mock.calls[0].reason == "fault"


@pytest.mark.usefixtures("extra_kinds")
def test_an_effect_instead_of_the_handler_with_its_own_fields(env: Env) -> None:
    env.mock.faults.add(path="/api/v1/roles", kind="teapot", status=451)
    response = env.sigma("GET", "/api/v1/roles")
    assert response.status_code == 451
    assert response.json() == {"error": "TEAPOT", "message": "short and stout at /api/v1/roles"}
    listed = env.mock.faults.list()
    assert [f.spec() for f in listed] == [
        {"path": "/api/v1/roles", "status": 451, "kind": "teapot"}
    ]


def _refusal(mock: AuthMock, **spec: Any) -> str:
    with pytest.raises(FaultError) as caught:
        mock.faults.add(**spec)
    return str(caught.value)


@pytest.mark.usefixtures("extra_kinds")
def test_a_kind_validates_its_fields_and_others_refuse_them() -> None:
    with AuthMock() as mock:
        assert _refusal(mock, kind="teapot", status=503) == (
            "fault field 'status' must be between 400 and 499"
        )
        assert _refusal(mock, kind="reset", status=503) == (
            "fault field 'status' only applies to kind 'http' or 'teapot'"
        )
        assert _refusal(mock, kind="teapot", body="") == (
            "fault field 'body' only applies to kind 'http'"
        )


@pytest.mark.usefixtures("extra_kinds")
def test_a_connection_kind_asks_the_way_in(way: Env) -> None:
    fault_id = way.mock.faults.add(path="/healthz", kind="unplugged", times=1)
    with pytest.raises(way.refused_error):
        way.sigma("GET", "/healthz")
    # A live server was asked what to do with the socket, a client library which error.
    assert Unplugged.shown == ["socket" if way.mode == "live" else "client"]
    (call,) = way.mock.calls
    assert (call.status, call.fault, call.reason) == (0, fault_id, "fault")
    assert call.detail == f"fault {fault_id} (path='/healthz', kind='unplugged', times=1) unplugged"
    assert way.sigma("GET", "/healthz").json() == {"status": "ok"}


class Nap(Effect):
    """Waits before the handler as long as the client lets it (no ``delay`` field)."""

    name = "nap"

    def sleeps(self) -> bool:
        return True

    def before(self, ex: Exchange, pause: Callable[[float], None]) -> None:
        pause(600)


def test_an_effect_that_waits_before_the_handler() -> None:
    effects.register(Nap)
    try:
        with AuthMock() as mock:
            mock.faults.add(path="/api/v1/roles", kind="reset")
            without = mock.faults.may_sleep
            mock.faults.add(path="/healthz", kind="nap")
            # The async transport runs the engine off the event loop.
            assert (without, mock.faults.may_sleep) == (False, True)

            async def main() -> None:
                transport = mock.httpx_async_transport()
                async with httpx.AsyncClient(transport=transport, timeout=0.05) as client:
                    with pytest.raises(httpx.ReadTimeout):
                        await client.get(f"{mock.sigma_url}/healthz")

            asyncio.run(main())
            (call,) = mock.calls
            assert (call.status, call.fault) == (0, "fault-2")
    finally:
        effects.unregister("nap")


class Dribble(Effect):
    """The real body in two halves, the second once the test says ``go``: a
    live server must send the first before the second exists."""

    name = "dribble"
    go = threading.Event()
    released: ClassVar[list[bool]] = []

    def on_reply(self, reply: Reply, ex: Exchange) -> Reply:
        reply.chunks = self._halves(reply.body)
        return reply

    @staticmethod
    def _halves(body: bytes) -> Iterator[bytes]:
        yield body[: len(body) // 2]
        Dribble.released.append(Dribble.go.wait(10))
        yield body[len(body) // 2 :]


def test_an_effect_that_streams_the_body(way: Env) -> None:
    effects.register(Dribble)
    Dribble.go.clear()
    Dribble.released.clear()
    try:
        way.mock.faults.add(path="/healthz", kind="dribble")
        if way.mode == "live":
            with way.client.get(f"{way.sigma_base}/healthz", stream=True) as response:
                first = response.raw.read(7)  # the head and the first half are here...
                Dribble.go.set()  # ...before the second half is made
                assert first + response.raw.read() == b'{"status":"ok"}'
        else:
            Dribble.go.set()  # in-process the chunks are joined before the client sees any
            response = way.sigma("GET", "/healthz")
            assert response.content == b'{"status":"ok"}'
        assert response.headers["Content-Length"] == "15"
        assert Dribble.released == [True]
        assert [(c.status, c.fault) for c in way.mock.calls] == [(200, "fault-1")]
        # The connection stays usable after a streamed body.
        assert way.sigma("GET", "/healthz").json() == {"status": "ok"}
    finally:
        effects.unregister("dribble")


def test_the_registry() -> None:
    assert list(effects.kinds()) == ["http", "reset", "timeout", "malformed"]
    effects.register(Stamped)
    try:
        effects.register(Stamped)  # the same class again: no change
        assert effects.lookup("stamped") is Stamped

        class Impostor(Effect):
            name = "stamped"

        with pytest.raises(ValueError, match="fault kind 'stamped' is already registered"):
            effects.register(Impostor)
        with pytest.raises(ValueError, match="Nameless has no name"):
            effects.register(type("Nameless", (Effect,), {}))
    finally:
        effects.unregister("stamped")
    with AuthMock() as mock:
        assert _refusal(mock, kind="stamped") == (
            "fault field 'kind' must be one of http, reset, timeout, malformed"
        )


def test_connections_default_to_a_reset() -> None:
    class Seen:
        def timeout(self) -> str:
            return "timeout"

        def reset(self) -> str:
            return "reset"

        def refused(self) -> str:
            return "refused"

        def stall(self) -> None:
            self.stalled = True

        def drop(self) -> str:
            return "dropped"

    client = Seen()
    assert [c.on_client(client) for c in (effects.RESET, effects.TIMED_OUT, effects.REFUSED)] == [
        "reset",
        "timeout",
        "refused",
    ]
    sock = Seen()
    assert Connection().on_socket(sock) == "dropped" and not hasattr(sock, "stalled")
    assert effects.TIMED_OUT.on_socket(sock) == "dropped" and sock.stalled
