"""What registered faults cost a request that none of them matches.

The floor is a bare ``responses`` callback returning a constant on the same
``requests.Session``: the least any requests-level mock can cost. The subject
is authmock answering an authenticated ``GET /api/v1/roles`` (Bearer token)
with 10 non-matching faults registered, so the figure includes fault
matching, authentication, the endpoint and the journal.
"""

from __future__ import annotations

from typing import Any

import requests
import responses

from authmock import AuthMock
from benchmarks.common import Ratio, ResponsesFloor, alternate, microseconds, stop_and_clear

LIMIT = 1.35
ROLES_PATH = "/api/v1/roles"
# Ten faults a GET /api/v1/roles never matches, of every shape: other paths
# (literal and glob), other methods, the other API, another tenant.
NON_MATCHING: list[dict[str, Any]] = [
    {"path": "/api/v1/auth/refresh", "status": 401, "times": 1},
    {"path": "/api/v1/api-keys*", "status": 503},
    {"method": "GET", "path": "/healthz", "kind": "reset"},
    {"method": "GET", "path": "/api/v1/users/*", "delay": 1},
    {"method": "POST", "path": ROLES_PATH, "status": 500},
    {"method": "DELETE", "status": 500},
    {"method": "POST", "path": "/api/v1/auth/login", "kind": "timeout"},
    {"api": "bigid", "status": 503},
    {"api": "bigid", "path": ROLES_PATH, "status": 503, "probability": 0.5},
    {"tenant": "ws-elsewhere", "path": "/api/v1/api-keys", "status": 503},
]


def run() -> list[Ratio]:
    return [*measure(trust_env=True), *measure(trust_env=False)]


def measure(trust_env: bool) -> list[Ratio]:
    """``trust_env=False`` drops requests' per-call scan of the environment for
    proxies (a large share of the floor when the environment is big): the
    stricter comparison, reported as well."""
    mock = AuthMock(seed=7)
    url = mock.sigma_url + ROLES_PATH
    headers = {"Authorization": f"Bearer {mock.sigma.issue_token('admin@sigma.io')}"}
    session = requests.Session()
    session.trust_env = trust_env
    suffix = "" if trust_env else " (trust_env=False)"
    for fault in NON_MATCHING:
        mock.faults.add(fault)

    mock.start()
    expected = session.get(url, headers=headers)
    assert expected.status_code == 200, expected.text
    body = expected.content
    mock.stop()

    floor_mock = ResponsesFloor(responses.GET, url, body)

    def call() -> object:
        return session.get(url, headers=headers)

    paired = alternate(
        call,
        call,
        setup_subject=mock.start,
        teardown_subject=stop_and_clear(mock),
        setup_floor=floor_mock.start,
        teardown_floor=floor_mock.stop,
    )
    assert all(f.fired == 0 for f in mock.faults.list()), "a fault matched"
    with_faults = Ratio(
        "authed GET, 10 non-matching faults / bare responses callback" + suffix,
        paired.ratio,
        LIMIT,
        detail=microseconds(paired),
    )

    if not trust_env:
        session.close()
        return [with_faults]

    # The same request with and without the faults: what matching costs alone.
    def add_faults() -> None:
        for fault in NON_MATCHING:
            mock.faults.add(fault)

    def remove_faults() -> None:
        mock.faults.clear()
        mock.calls.clear()

    mock.faults.clear()
    mock.start()
    try:
        matched = alternate(
            call,
            call,
            setup_subject=add_faults,
            teardown_subject=remove_faults,
            teardown_floor=mock.calls.clear,
        )
    finally:
        mock.stop()
        session.close()
    matching = Ratio(
        "authed GET, 10 non-matching faults / no faults (informative)" + suffix,
        matched.ratio,
        1.10,
        detail=microseconds(matched),
    )
    return [with_faults, matching]
