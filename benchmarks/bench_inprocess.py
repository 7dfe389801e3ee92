"""In-process mode (issue 2): start/stop cost, authenticated GET against a
bare ``responses`` callback, and login cost with 20,000 extra users."""

from __future__ import annotations

import re

import requests
import responses

from authmock import AuthMock
from benchmarks.common import Ratio, alternate, median_seconds

SIGMA = "https://api.sigma-pim.com"
ADMIN = {"email": "admin@sigma.io", "password": "admin"}


def start_stop() -> Ratio:
    def once() -> None:
        AuthMock(seed=0).start().stop()

    once()  # the first in a process pays for imports and faker
    ms = median_seconds(once, 200) * 1000
    return Ratio(
        "AuthMock(seed=0) start+stop, median ms", ms, 3.0, detail="(absolute, not a ratio)"
    )


def authenticated_get() -> Ratio:
    session = requests.Session()
    mock = AuthMock(seed=0)
    with mock:
        token = session.post(f"{SIGMA}/api/v1/auth/login", json=ADMIN).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    floor = responses.RequestsMock(assert_all_requests_are_fired=False)
    floor.add_callback(
        responses.GET,
        re.compile(r"https://floor\.test/.*"),
        callback=lambda request: (200, {"Content-Type": "application/json"}, "[]"),
    )

    def subject() -> None:
        assert session.get(f"{SIGMA}/api/v1/roles", headers=headers).status_code == 200

    def bare() -> None:
        assert session.get("https://floor.test/api/v1/roles", headers=headers).status_code == 200

    mine, theirs = alternate(
        subject,
        bare,
        setup_subject=mock.start,
        teardown_subject=mock.stop,
        setup_floor=floor.start,
        teardown_floor=lambda: (floor.stop(), floor.calls.reset()),
    )
    detail = f"{mine * 1e6:.0f} µs vs {theirs * 1e6:.0f} µs"
    return Ratio(
        "authenticated in-process GET / bare responses callback", mine / theirs, 1.35, detail=detail
    )


def login_scaling() -> Ratio:
    small, large = AuthMock(seed=0), AuthMock(seed=0)
    for i in range(20_000):
        large.sigma.add_user("ws-sigma", f"user{i}@bulk.test", "pw")
    session = requests.Session()

    def login() -> None:
        assert session.post(f"{SIGMA}/api/v1/auth/login", json=ADMIN).status_code == 200

    big, base = alternate(
        login,
        login,
        calls=100,
        setup_subject=large.start,
        teardown_subject=large.stop,
        setup_floor=small.start,
        teardown_floor=small.stop,
    )
    return Ratio("login with 20,000 extra users / seed alone", big / base, 1.3)


def run() -> list[Ratio]:
    return [start_stop(), authenticated_get(), login_scaling()]
