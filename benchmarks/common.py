"""Measuring against a floor: alternate rounds, compare minima.

A single pass of each side is too noisy on a 2-core machine, so mock and
floor run in alternating rounds in the same process and the best round of
each is compared.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import responses

from authmock import AuthMock


@dataclass
class Ratio:
    name: str
    value: float
    limit: float
    # "<=" when lower is better (time ratios), ">=" when higher is (throughput).
    goal: str = "<="
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.value <= self.limit if self.goal == "<=" else self.value >= self.limit

    def line(self) -> str:
        mark = "ok " if self.ok else "MISS"
        target = f"(target {self.goal} {self.limit:g})"
        return f"[{mark}] {self.name:<58} {self.value:7.3f}  {target}  {self.detail}"


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Seconds per call over one round of ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def alternate(
    subject: Callable[[], object],
    floor: Callable[[], object],
    *,
    rounds: int = 15,
    calls: int = 200,
    setup_subject: Callable[[], object] | None = None,
    teardown_subject: Callable[[], object] | None = None,
    setup_floor: Callable[[], object] | None = None,
    teardown_floor: Callable[[], object] | None = None,
) -> tuple[float, float]:
    """(best seconds per call of subject, of floor), measured in alternation."""
    best_subject = best_floor = float("inf")
    for _ in range(rounds):
        if setup_subject:
            setup_subject()
        best_subject = min(best_subject, per_call(subject, calls))
        if teardown_subject:
            teardown_subject()
        if setup_floor:
            setup_floor()
        best_floor = min(best_floor, per_call(floor, calls))
        if teardown_floor:
            teardown_floor()
    return best_subject, best_floor


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


CONSTANT_BODY = b'[{"id":"role-admin","name":"Admin"}]'


def constant_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The floor of the server benchmarks: a WSGI app answering a constant JSON body."""
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(CONSTANT_BODY)))],
    )
    return [CONSTANT_BODY]


class ResponsesFloor:
    """The floor of the in-process ratios: a bare ``responses`` callback answering
    ``body`` as JSON. Its ``start``/``stop`` are ``alternate``'s floor setup and
    teardown (``stop`` empties its call list, as :func:`stop_and_clear` the journal)."""

    def __init__(self, method: str, url: str | re.Pattern[str], body: bytes | str) -> None:
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._mock.add_callback(
            method, url, callback=lambda request: (200, {"Content-Type": "application/json"}, body)
        )

    def start(self) -> None:
        self._mock.start()

    def stop(self) -> None:
        self._mock.stop()
        self._mock.calls.reset()


def stop_and_clear(mock: AuthMock) -> Callable[[], None]:
    """``alternate``'s subject teardown: stop ``mock`` and empty its journal, which
    must not grow without bound during a benchmark."""

    def teardown() -> None:
        mock.stop()
        mock.calls.clear()

    return teardown
