"""Measuring against a floor: paired rounds, the median of their ratios.

A single pass of each side is too noisy on a shared 2-core machine, whose
speed drifts by a factor of two within a minute as neighbours come and go.
So mock and floor run in many short rounds in pairs, back to back in the same
process (which of the two goes first alternates), and each pair gives a
ratio: both sides of a pair meet the same machine. The figure is the median
pair ratio, printed with its interquartile range. Comparing each side's best
round instead (this module's method until December 2026) let one lucky quiet
moment on either side decide, and moved a ratio by ±7% between runs.
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
    # "<=" when lower is better (time ratios), ">=" when higher is (throughput),
    # "info" for a figure no issue sets a target for (``limit`` unused).
    goal: str = "<="
    detail: str = ""

    @property
    def ok(self) -> bool:
        if self.goal == "info":
            return True
        return self.value <= self.limit if self.goal == "<=" else self.value >= self.limit

    def line(self) -> str:
        mark = "info" if self.goal == "info" else "ok " if self.ok else "MISS"
        target = "(no target)" if self.goal == "info" else f"(target {self.goal} {self.limit:g})"
        return f"[{mark}] {self.name:<58} {self.value:7.3f}  {target}  {self.detail}"


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Seconds per call over one round of ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


@dataclass
class Paired:
    """Per-call seconds of each side (the medians over the rounds) and the
    median and quartiles of the rounds' ratios (subject / floor)."""

    subject: float
    floor: float
    ratio: float
    low: float
    high: float

    def spread(self) -> str:
        return f"IQR {self.low:.3f}-{self.high:.3f}"


def alternate(
    subject: Callable[[], object],
    floor: Callable[[], object],
    *,
    rounds: int = 60,
    calls: int = 50,
    setup_subject: Callable[[], object] | None = None,
    teardown_subject: Callable[[], object] | None = None,
    setup_floor: Callable[[], object] | None = None,
    teardown_floor: Callable[[], object] | None = None,
) -> Paired:
    """``rounds`` pairs of rounds of ``calls`` calls, each pair subject and floor
    back to back (the first of the two alternating)."""
    sides = [
        (setup_subject, subject, teardown_subject),
        (setup_floor, floor, teardown_floor),
    ]
    mine: list[float] = []
    theirs: list[float] = []
    for number in range(rounds):
        timed = [0.0, 0.0]
        for index in (0, 1) if number % 2 == 0 else (1, 0):
            setup, fn, teardown = sides[index]
            if setup:
                setup()
            timed[index] = per_call(fn, calls)
            if teardown:
                teardown()
        mine.append(timed[0])
        theirs.append(timed[1])
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    low, _, high = statistics.quantiles(ratios, n=4)
    median = statistics.median
    return Paired(median(mine), median(theirs), median(ratios), low, high)


def microseconds(paired: Paired) -> str:
    """A paired measure's detail: both sides per call, and the ratios' spread."""
    return f"{paired.subject * 1e6:.0f} µs vs {paired.floor * 1e6:.0f} µs, {paired.spread()}"


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
