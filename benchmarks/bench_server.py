"""The live server: throughput against a bare werkzeug server.

- Authenticated ``GET /api/v1/roles`` (Bearer token) through ``mock.serve()``
  against a bare werkzeug threaded server answering a constant, with the same
  client: 4 threads, one ``requests.Session`` each. Target: >= 0.75x.

The ``authmock_server`` fixture's reset before each test is measured beside the
in-process setup (bench_inprocess).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from werkzeug.serving import make_server

from authmock import AuthMock
from benchmarks.common import Ratio, constant_app

CLIENT_THREADS = 4
REQUESTS_PER_THREAD = 150
ROUNDS = 7


@contextmanager
def _bare_server() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, constant_app, threaded=True)
    server.daemon_threads = True  # type: ignore[attr-defined]
    # Werkzeug's default handler logs every request: silence it, as authmock does.
    server.RequestHandlerClass.log = lambda *args: None  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _requests_per_second(url: str, headers: dict[str, str]) -> float:
    """Wall-clock throughput of CLIENT_THREADS threads, each with its own Session."""
    sessions = [requests.Session() for _ in range(CLIENT_THREADS)]
    barrier = threading.Barrier(CLIENT_THREADS + 1)
    failures: list[int] = []

    def client(session: requests.Session) -> None:
        barrier.wait()
        for _ in range(REQUESTS_PER_THREAD):
            status = session.get(url, headers=headers).status_code
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    for session in sessions:
        session.close()
    if failures:
        raise RuntimeError(f"benchmark requests failed: {sorted(set(failures))}")
    return CLIENT_THREADS * REQUESTS_PER_THREAD / elapsed


def throughput() -> Ratio:
    mock = AuthMock(seed=7)
    token = mock.sigma.issue_token("admin@sigma.io")
    auth = {"Authorization": f"Bearer {token}"}
    best_mock = best_floor = 0.0
    with mock.serve() as server, _bare_server() as floor:
        _requests_per_second(server.url + "/api/v1/roles", auth)  # warm up both
        _requests_per_second(floor + "/api/v1/roles", auth)
        for _ in range(ROUNDS):
            mock.calls.clear()  # the journal is bounded, but keep rounds alike
            best_mock = max(best_mock, _requests_per_second(server.url + "/api/v1/roles", auth))
            best_floor = max(best_floor, _requests_per_second(floor + "/api/v1/roles", auth))
    return Ratio(
        "live server GET /api/v1/roles vs bare werkzeug (req/s ratio)",
        best_mock / best_floor,
        0.75,
        ">=",
        f"authmock {best_mock:.0f} req/s, werkzeug constant {best_floor:.0f} req/s, "
        f"{CLIENT_THREADS} client threads",
    )


def run() -> list[Ratio]:
    return [throughput()]
