"""Sleeping faults (``delay``, and ``timeout`` on the live server) hold only
their own request, and reset/stop release them; stopping never disarms them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from authmock import AuthMock
from authmock.faults import Fault


def sleeping_fault(mock: AuthMock, **fields: Any) -> Fault:
    return mock.faults.get(mock.faults.add(**fields))


def wait_until_fired(fault: Fault) -> None:
    """Until the fault has fired (its request is now sleeping in it); bounded,
    so a broken server fails instead of hanging."""
    deadline = time.monotonic() + 10
    while not fault.fired:
        assert time.monotonic() < deadline, "the request never reached the fault"
        time.sleep(0.01)


class Background:
    """A call (a request, mostly) in a thread of its own; ``outcome`` is its
    result or exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.outcome: Any = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.outcome = fn()
        except Exception as exc:
            self.outcome = exc

    def join(self) -> Any:
        self._thread.join(timeout=20)
        assert not self._thread.is_alive(), "never returned (a request never released?)"
        return self.outcome


def test_a_stalled_connection_does_not_hold_other_requests() -> None:
    mock = AuthMock(seed=7)
    fault = sleeping_fault(mock, path="/api/v1/roles", kind="timeout", times=1)
    with mock.serve() as server:
        stalled = Background(lambda: requests.get(f"{server.url}/api/v1/roles", timeout=30))
        wait_until_fired(fault)
        other = requests.get(f"{server.url}/healthz", timeout=5)
        assert other.json() == {"status": "ok"}
        assert stalled.outcome is None  # still stalled
        mock.reset()  # releases it: the connection is then reset
        assert isinstance(stalled.join(), requests.ConnectionError)


def test_stopping_the_server_releases_a_stalled_connection() -> None:
    mock = AuthMock(seed=7)
    fault = sleeping_fault(mock, path="/healthz", kind="timeout")
    with mock.serve() as server:
        # A client patient enough (30 s) that only a release ends it early.
        stalled = Background(lambda: requests.get(f"{server.url}/healthz", timeout=30))
        wait_until_fired(fault)
    outcome = stalled.join()
    assert isinstance(outcome, requests.ConnectionError)
    assert not isinstance(outcome, requests.ReadTimeout)


def test_stopping_the_server_releases_a_delayed_request() -> None:
    mock = AuthMock(seed=7)
    fault = sleeping_fault(mock, path="/healthz", delay=600)
    with mock.serve() as server:
        delayed = Background(lambda: requests.get(f"{server.url}/healthz", timeout=30))
        wait_until_fired(fault)
    # Released by stop; a delay is not a failure, so the response may arrive or
    # the closing server may cut it; either way it did not wait 600 s.
    outcome = delayed.join()
    assert not isinstance(outcome, requests.ReadTimeout)


def test_reset_releases_an_in_process_delay() -> None:
    with AuthMock(seed=7) as mock:
        fault = sleeping_fault(mock, path="/healthz", delay=600, times=1)
        delayed = Background(lambda: requests.get(f"{mock.sigma_url}/healthz"))
        wait_until_fired(fault)
        mock.reset()
        assert delayed.join().json() == {"status": "ok"}


@pytest.mark.parametrize("how", ["serve", "stop-start"])
def test_delays_still_delay_after_a_server_stopped_or_the_mock_restarted(how: str) -> None:
    mock = AuthMock(seed=7)
    if how == "serve":
        with mock.serve():
            pass
    mock.start()
    if how == "stop-start":
        mock.stop()
        mock.start()
    try:
        mock.faults.add(path="/healthz", delay=600)
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{mock.sigma_url}/healthz", timeout=0.2)
    finally:
        mock.stop()


def test_a_urllib3_timeout_object_is_the_callers_to_reuse_in_process() -> None:
    """requests takes a urllib3 ``Timeout`` as is; in-process its total counts
    from each call, and the caller's object is never started (reusable)."""
    from urllib3.util.timeout import Timeout

    timeout = Timeout(total=0.2)
    with AuthMock(seed=3) as mock, requests.Session() as session:
        mock.faults.add(path="/healthz", delay=30)
        for _ in range(2):
            with pytest.raises(requests.ReadTimeout):
                session.get(f"{mock.sigma_url}/healthz", timeout=timeout)
        mock.faults.clear()
        assert session.get(f"{mock.sigma_url}/healthz", timeout=timeout).status_code == 200
    assert timeout._start_connect is None  # never started: still the caller's to reuse
