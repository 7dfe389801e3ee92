"""What an isolated instance costs: creation time and memory per idle instance.

Creation is measured in-process on the registry a server uses (no HTTP), so
the figure is the instance itself; over HTTP add one admin round trip. The
first admin call of an instance builds its admin route table (~0.2 ms): that
is measured separately. Memory is what ``tracemalloc`` sees allocated per
idle instance with the default generated data.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

import requests

from authmock import AuthMock
from authmock.http.instances import Instances
from benchmarks.common import Ratio

CREATE_LIMIT_MS = 0.5
ADMIN_LIMIT_MS = 1.0
MEMORY_LIMIT_KIB = 64.0
HTTP_LIMIT_MS = 5.0  # the target of a reset between tests, which this replaces


def _create_ms(instances: Instances, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        instances.delete(instances.create().id)
    return (time.perf_counter() - start) / count * 1000


def _first_admin_ms(instances: Instances, count: int) -> float:
    made = [instances.create() for _ in range(count)]
    start = time.perf_counter()
    for instance in made:
        _ = instance.app.admin
    spent = (time.perf_counter() - start) / count * 1000
    for instance in made:
        instances.delete(instance.id)
    return spent


def _memory_kib(instances: Instances, count: int) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = [instances.create() for _ in range(count)]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    for instance in made:
        instances.delete(instance.id)
    return (after - before) / count / 1024


def _http_create_delete_ms(count: int) -> float:
    """What the plugin pays per test with ``authmock_server_url``: create + delete."""
    mock = AuthMock()
    with mock.serve() as server, requests.Session() as http:
        http.trust_env = False
        spent = []
        for _ in range(count):
            start = time.perf_counter()
            made = http.post(f"{server.url}/_authmock/instances").json()
            http.delete(f"{server.url}/_authmock/instances/{made['id']}")
            spent.append(time.perf_counter() - start)
    return statistics.median(spent) * 1000


def run() -> list[Ratio]:
    instances = AuthMock().wsgi_app.instances
    assert instances is not None
    instances.configure(100_000, 3600)
    _create_ms(instances, 50)  # warm the seed cache and the route maps
    create = min(_create_ms(instances, 500) for _ in range(5))
    admin = min(_first_admin_ms(instances, 200) for _ in range(3))
    memory = _memory_kib(instances, 500)
    http = _http_create_delete_ms(200)
    return [
        Ratio("instance creation (ms, in-process registry)", create, CREATE_LIMIT_MS),
        Ratio("instance's first admin call builds its routes (ms)", admin, ADMIN_LIMIT_MS),
        Ratio("memory per idle instance (KiB, tracemalloc)", memory, MEMORY_LIMIT_KIB),
        Ratio("create + delete over HTTP, median (ms, one test's cost)", http, HTTP_LIMIT_MS),
    ]
