"""The live server's gate (ways/gate.py): requests go past it first come, first
served, and a request that waits (for its client, in a fault's ``delay`` or
stall) gives its slot back, so it never holds up another connection; a stopping
server lets the waiting ones go.

The server tests run with one slot and no patience to speak of: a request
that kept its slot while it waited would hold every other one until the
client's timeout, and the test would fail."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
import requests

from authmock import AuthMock, effects
from authmock.effects import Effect
from authmock.http.exchange import Exchange
from authmock.ways import server as server_module
from authmock.ways.gate import FairGate
from authmock.ways.server import LiveServer
from tests.test_fault_sleeps import Background, wait_until_fired


def _until(condition: Callable[[], bool], what: str) -> None:
    """Bounded, so that a broken server fails instead of hanging."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


# -- the gate ---------------------------------------------------------------------------


def test_waiters_get_in_in_the_order_they_came() -> None:
    gate = FairGate(1, patience=600)
    assert gate.acquire()
    order: list[int] = []

    def enter(n: int) -> None:
        assert gate.acquire()
        order.append(n)
        gate.release()

    threads = []
    for n in range(8):
        threads.append(threading.Thread(target=enter, args=(n,), daemon=True))
        threads[-1].start()
        _until(lambda n=n: gate.waiting == n + 1, "a waiter never queued")  # type: ignore[misc]
    gate.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == list(range(8))
    # Every slot is back: as many holders as slots get in at once again.
    assert gate.acquire()
    assert gate.waiting == 0


def test_a_slot_given_back_goes_to_a_waiter_not_a_newcomer() -> None:
    gate = FairGate(1, patience=600)
    assert gate.acquire()
    waiter = Background(gate.acquire)
    _until(lambda: gate.waiting == 1, "the waiter never queued")
    gate.release()
    assert waiter.join() is True
    newcomer = Background(gate.acquire)  # the slot is the waiter's now
    _until(lambda: gate.waiting == 1, "the newcomer never queued")
    gate.close()
    assert newcomer.join() is False


def test_closing_lets_every_waiter_go_and_admits_nobody() -> None:
    gate = FairGate(2, patience=600)
    assert gate.acquire() and gate.acquire()
    waiters = [Background(gate.acquire) for _ in range(3)]
    _until(lambda: gate.waiting == 3, "the waiters never queued")
    gate.close()
    assert [w.join() for w in waiters] == [False, False, False]
    assert gate.acquire() is False


def test_a_waiter_out_of_patience_goes_in_beside_the_holder() -> None:
    gate = FairGate(1, patience=0.01)
    assert gate.acquire()  # held, never given back while the waiter waits
    assert Background(gate.acquire).join() is True
    assert gate.waiting == 0
    # Both give back: the slot is free again, once (not twice: the count did not drift).
    gate.release()
    gate.release()
    gate.patience = 600  # from now on, a waiter waits for the slot
    assert gate.acquire()
    late = Background(gate.acquire)
    _until(lambda: gate.waiting == 1, "a second holder got in: the slots drifted")
    gate.release()
    assert late.join() is True


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        FairGate(0)


# -- the server with one slot -----------------------------------------------------------


def _one_slot_gate(monkeypatch: pytest.MonkeyPatch, patience: float = 600.0) -> None:
    """The servers started after this have a gate of one slot."""
    monkeypatch.setattr(server_module, "GATE_SLOTS", 1)
    monkeypatch.setattr(server_module, "GATE_PATIENCE", patience)


@pytest.fixture
def one_slot(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AuthMock, LiveServer]]:
    _one_slot_gate(monkeypatch)
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        yield mock, server


def _gate(server: LiveServer) -> FairGate:
    gate = server._server.gate
    assert gate is not None and gate.slots == 1
    return gate


def _healthy(server: LiveServer) -> None:
    """Another connection's request is answered (the one slot is free)."""
    answer = requests.get(f"{server.url}/healthz", timeout=5)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def _raw(server: LiveServer, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(data)
    return sock


def test_a_stalled_request_gives_its_slot_back(one_slot: tuple[AuthMock, LiveServer]) -> None:
    mock, server = one_slot
    fault = mock.faults.get(mock.faults.add(path="/api/v1/roles", kind="timeout", times=1))
    stalled = Background(lambda: requests.get(f"{server.url}/api/v1/roles", timeout=30))
    wait_until_fired(fault)
    _healthy(server)
    _healthy(server)
    assert stalled.outcome is None  # still stalled
    mock.reset()  # releases it: it takes a slot again and resets its connection
    assert isinstance(stalled.join(), requests.ConnectionError)
    _healthy(server)


def test_a_delayed_request_gives_its_slot_back(one_slot: tuple[AuthMock, LiveServer]) -> None:
    mock, server = one_slot
    fault = mock.faults.get(mock.faults.add(path="/api/v1/roles", delay=600, times=1))
    delayed = Background(lambda: requests.get(f"{server.url}/api/v1/roles", timeout=30))
    wait_until_fired(fault)
    _healthy(server)
    assert delayed.outcome is None  # still sleeping
    mock.reset()  # wakes it: the real answer (401, no token), late
    assert delayed.join().status_code == 401
    _healthy(server)


def test_a_slow_upload_holds_no_slot(one_slot: tuple[AuthMock, LiveServer]) -> None:
    _, server = one_slot
    body = b'{"seed": 7}'
    head = (
        b"POST /_authmock/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    gate = _gate(server)
    with _raw(server, head + body[:3]) as slow:
        # In: it holds the slot until it must wait for the rest of its body.
        _until(lambda: gate.admitted == 1, "the request never went past the gate")
        _healthy(server)
        _healthy(server)
        slow.sendall(body[3:])  # the rest: it is answered as ever
        answer = slow.recv(65536)
        assert answer.startswith(b"HTTP/1.1 204 "), answer  # reset to seed 7


def test_slow_headers_hold_no_slot(one_slot: tuple[AuthMock, LiveServer]) -> None:
    _, server = one_slot
    gate = _gate(server)
    with _raw(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.") as slow:
        # The request line is in: it holds the slot until it must wait for the rest.
        _until(lambda: gate.admitted == 1, "the request never went past the gate")
        _healthy(server)
        slow.sendall(b"0.1\r\n\r\n")
        answer = slow.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b'{"status":"ok"}')


class Hold(Effect):
    """Blocks in the engine without ``pause`` (so it keeps its slot) until ``go``."""

    name = "hold"
    go = threading.Event()
    holding: ClassVar[list[bool]] = []

    def before(self, ex: Exchange, pause: Callable[[float], None]) -> None:
        Hold.holding.append(True)
        Hold.go.wait(30)


@pytest.fixture
def hold() -> Iterator[type[Hold]]:
    Hold.go.clear()
    Hold.holding.clear()
    effects.register(Hold)
    try:
        yield Hold
    finally:
        Hold.go.set()
        effects.unregister("hold")


def _closed_unanswered(sock: socket.socket) -> bool:
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def test_stop_lets_the_requests_waiting_for_a_slot_go(
    monkeypatch: pytest.MonkeyPatch, hold: type[Hold]
) -> None:
    _one_slot_gate(monkeypatch)
    mock = AuthMock(seed=7)
    mock.faults.add(path="/healthz", kind="hold")
    server = LiveServer(mock.wsgi_app).start()
    holder = Background(lambda: requests.get(f"{server.url}/healthz", timeout=30))
    _until(lambda: bool(hold.holding), "the request never reached the fault")
    gate = _gate(server)
    request = b"GET /api/v1/roles HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    waiting = [_raw(server, request) for _ in range(3)]
    try:
        _until(lambda: gate.waiting == 3, "the requests never waited for the slot")
        Background(server.stop).join()  # returns, though the slot is never given back
        assert all(_closed_unanswered(sock) for sock in waiting)
    finally:
        for sock in waiting:
            sock.close()
        hold.go.set()
    assert isinstance(holder.join(), requests.ConnectionError)  # its socket was shut
    _until(lambda: len(mock.calls) > 0, "the holder never finished")  # it goes on ungated
    assert [c.path for c in mock.calls] == ["/healthz"]  # the waiting ones never ran


def test_a_holder_that_keeps_its_slot_slows_others_but_never_stops_them(
    monkeypatch: pytest.MonkeyPatch, hold: type[Hold]
) -> None:
    _one_slot_gate(monkeypatch, patience=0.05)
    mock = AuthMock(seed=7)
    mock.faults.add(path="/api/v1/roles", kind="hold")
    with mock.serve() as server:
        holder = Background(lambda: requests.get(f"{server.url}/api/v1/roles", timeout=30))
        _until(lambda: bool(hold.holding), "the request never reached the fault")
        _healthy(server)  # in after its patience
        hold.go.set()
        assert holder.join().status_code == 401


def _recv_until(sock: socket.socket, done: Callable[[bytes], bool], got: bytes = b"") -> bytes:
    while not done(got):
        chunk = sock.recv(65536)
        assert chunk, f"closed after {got!r}"
        got += chunk
    return got


class Trickle(Effect):
    """The real answer's body sent a byte first, the rest once ``go`` is set."""

    name = "trickle"
    go = threading.Event()

    def on_reply(self, reply: Any, ex: Exchange) -> Any:
        def chunks() -> Iterator[bytes]:
            yield reply.body[:1]
            Trickle.go.wait(30)
            yield reply.body[1:]

        reply.chunks = chunks()
        return reply

    def sleeps(self) -> bool:
        return True


def test_a_slow_streamed_answer_holds_no_slot(one_slot: tuple[AuthMock, LiveServer]) -> None:
    mock, server = one_slot
    Trickle.go.clear()
    effects.register(Trickle)
    try:
        mock.faults.add(path="/api/v1/roles", kind="trickle", times=1)
        with _raw(server, b"GET /api/v1/roles HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") as slow:
            got = _recv_until(slow, lambda got: b"\r\n\r\n" in got)  # the head: the body waits
            _healthy(server)
            Trickle.go.set()
            got = _recv_until(slow, lambda got: got.endswith(b"}"), got)
        head, _, body = got.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 401 ")
        # The real answer, whole (the fault fired once: this one is plain).
        assert body == requests.get(f"{server.url}/api/v1/roles", timeout=5).content
    finally:
        Trickle.go.set()
        effects.unregister("trickle")


def test_a_request_woken_from_its_delay_takes_a_turn_again(
    monkeypatch: pytest.MonkeyPatch, hold: type[Hold]
) -> None:
    _one_slot_gate(monkeypatch)
    mock = AuthMock(seed=7)
    delay = mock.faults.get(mock.faults.add(path="/api/v1/roles", delay=600, times=1))
    mock.faults.add(path="/healthz", kind="hold", times=1)
    with mock.serve() as server:
        gate = _gate(server)
        delayed = Background(lambda: requests.get(f"{server.url}/api/v1/roles", timeout=30))
        _until(lambda: delay.fired > 0, "the request never reached its delay")
        holder = Background(lambda: requests.get(f"{server.url}/healthz", timeout=30))
        _until(lambda: bool(hold.holding), "the holder never reached its fault")
        mock.reset()  # wakes the delayed request: it queues behind the holder
        _until(lambda: gate.waiting == 1, "the woken request went on without a turn")
        assert delayed.outcome is None
        hold.go.set()
        assert holder.join().status_code == 200
        assert delayed.join().status_code == 401


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_body_already_there_keeps_the_turn(
    monkeypatch: pytest.MonkeyPatch, hold: type[Hold], tls: bool
) -> None:
    """The body sent apart from the headers (as clients do; over TLS, a record of
    its own): once it is in, reading it is no wait for the client, and the
    request keeps its turn."""
    _one_slot_gate(monkeypatch)
    mock = AuthMock(seed=7)
    mock.faults.add(path="/healthz", kind="hold", times=1)
    with mock.serve(tls=tls) as server:
        gate = _gate(server)
        ca = server.ca_path or True
        holder = Background(lambda: requests.get(f"{server.url}/healthz", timeout=30, verify=ca))
        _until(lambda: bool(hold.holding), "the holder never reached its fault")
        body = json.dumps({"email": "admin@sigma.io", "password": "admin"}).encode()
        head = (
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        login = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        # Each send goes out at once, as urllib3 sends (no Nagle wait for an ACK).
        login.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if server.ca_path is not None:
            context = ssl.create_default_context(cafile=server.ca_path)
            login = context.wrap_socket(login, server_hostname="127.0.0.1")
        with login:
            login.sendall(head)  # a segment (a record) of its own
            _until(lambda: gate.waiting == 1, "the login never queued")
            login.sendall(body)  # another, in before the login's turn
            later = Background(
                lambda: requests.get(f"{server.url}/api/v1/roles", timeout=30, verify=ca)
            )
            _until(lambda: gate.waiting == 2, "the later request never queued")
            hold.go.set()
            assert holder.join().status_code == 200
            answer = _recv_until(login, lambda got: got.endswith(b"}"))
            assert answer.startswith(b"HTTP/1.1 200 ")
            assert later.join().status_code == 401
    # The turns as they came: the login did not go to the back of the queue for its body.
    assert [c.path for c in mock.calls] == ["/healthz", "/api/v1/auth/login", "/api/v1/roles"]
