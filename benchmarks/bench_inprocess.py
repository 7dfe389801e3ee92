"""In-process mode (issues 2 and 15): per-test setup (start/stop, the ``authmock``
fixture, the ``authmock_server`` reset beside them), authenticated GET and login
against a bare ``responses`` callback, login with 20,000 extra users, and the
memory 10,000 journal entries take."""

from __future__ import annotations

import re
import tracemalloc

import requests
import responses

from authmock import AuthMock
from authmock.testkit import SessionServer, TestSettings, finish_test, new_mock
from benchmarks.common import (
    Ratio,
    ResponsesFloor,
    alternate,
    median_seconds,
    microseconds,
    stop_and_clear,
)

SIGMA = "https://api.sigma-pim.com"
ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def start_stop() -> Ratio:
    def once() -> None:
        AuthMock(seed=0).start().stop()

    once()  # the first in a process pays for imports and faker
    ms = median_seconds(once, 200) * 1000
    return Ratio(
        "AuthMock(seed=0) start+stop, median ms", ms, 0.5, detail="(absolute, after the first)"
    )


def fixture_overhead() -> Ratio:
    """What the ``authmock`` fixture does around a test: build the mock from the
    marker's settings, start, stop, report unfired faults."""
    settings = TestSettings()

    def once() -> None:
        mock = new_mock(settings, None, None)
        mock.start()
        mock.stop()
        finish_test(mock)

    once()
    ms = median_seconds(once, 200) * 1000
    return Ratio("authmock fixture setup+teardown, median ms", ms, 0.5, detail="(absolute)")


def server_reset() -> Ratio:
    server = SessionServer()
    try:
        settings = TestSettings()
        server.before_test(settings)  # warm: seed data generated once per process
        ms = median_seconds(lambda: server.before_test(settings), 300) * 1000
    finally:
        server.close()
    return Ratio(
        "authmock_server reset before a test, median ms", ms, 5.0, detail="POST /_authmock/reset"
    )


def authenticated_get() -> Ratio:
    session = requests.Session()
    mock = AuthMock(seed=0)
    with mock:
        token = session.post(f"{SIGMA}/api/v1/auth/login", json=ADMIN).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = session.get(f"{SIGMA}/api/v1/roles", headers=headers).content
    # The floor answers the same body, as login's does.
    floor = ResponsesFloor(responses.GET, re.compile(r"https://floor\.test/.*"), body)

    def subject() -> None:
        assert session.get(f"{SIGMA}/api/v1/roles", headers=headers).status_code == 200

    def bare() -> None:
        assert session.get("https://floor.test/api/v1/roles", headers=headers).status_code == 200

    paired = alternate(
        subject,
        bare,
        setup_subject=mock.start,
        teardown_subject=stop_and_clear(mock),
        setup_floor=floor.start,
        teardown_floor=floor.stop,
    )
    return Ratio(
        "authenticated in-process GET / bare responses callback",
        paired.ratio,
        1.10,
        detail=microseconds(paired),
    )


def login() -> Ratio:
    """Sigma login against a bare ``responses`` callback answering the same body."""
    session = requests.Session()
    mock = AuthMock(seed=0)
    url = f"{SIGMA}/api/v1/auth/login"
    with mock:
        body = session.post(url, json=ADMIN).content
    floor = ResponsesFloor(responses.POST, "https://floor.test/api/v1/auth/login", body)

    def subject() -> None:
        assert session.post(url, json=ADMIN).status_code == 200

    def bare() -> None:
        assert session.post("https://floor.test/api/v1/auth/login", json=ADMIN).status_code == 200

    paired = alternate(
        subject,
        bare,
        setup_subject=mock.start,
        teardown_subject=stop_and_clear(mock),
        setup_floor=floor.start,
        teardown_floor=floor.stop,
    )
    return Ratio(
        "in-process login / bare responses callback",
        paired.ratio,
        1.20,
        detail=microseconds(paired),
    )


def journal_memory() -> Ratio:
    """Bytes the journal holds for 10,000 logins (bodies and headers included)."""
    mock = AuthMock(seed=0)
    session = requests.Session()
    with mock:
        session.post(f"{SIGMA}/api/v1/auth/login", json=ADMIN)
        mock.calls.clear()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            session.post(f"{SIGMA}/api/v1/auth/login", json=ADMIN)
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert len(mock.calls) == 10_000
    return Ratio(
        "journal memory per 10,000 entries (MiB, informative)",
        held / 2**20,
        64.0,
        detail="10,000 Sigma logins, bodies and headers kept (masked)",
    )


def login_scaling() -> Ratio:
    small, large = AuthMock(seed=0), AuthMock(seed=0)
    for i in range(20_000):
        large.sigma.add_user("ws-sigma", f"user{i}@bulk.test", "pw")
    session = requests.Session()

    def login() -> None:
        assert session.post(f"{SIGMA}/api/v1/auth/login", json=ADMIN).status_code == 200

    paired = alternate(
        login,
        login,
        setup_subject=large.start,
        teardown_subject=large.stop,
        setup_floor=small.start,
        teardown_floor=small.stop,
    )
    return Ratio(
        "login with 20,000 extra users / seed alone", paired.ratio, 1.05, detail=paired.spread()
    )


def run() -> list[Ratio]:
    return [
        start_stop(),
        fixture_overhead(),
        server_reset(),
        authenticated_get(),
        login(),
        login_scaling(),
        journal_memory(),
    ]
