"""The benchmarks' estimator (never a timing: the clock is replaced)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from benchmarks import common
from benchmarks.common import Ratio, alternate


def test_alternate_pairs_rounds_and_takes_the_median_pair_ratio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order: list[str] = []
    # Per round, (subject, floor) seconds: the machine's speed changes between
    # pairs, and the pair ratios are 1.0, 1.2, 1.1, 1.3, 1.1. Each side's best
    # round (1.0 vs 1.0) would say 1.0; the pairs say 1.1.
    rounds = [(1.0, 1.0), (6.0, 5.0), (2.2, 2.0), (3.9, 3.0), (1.1, 1.0)]

    def subject() -> None: ...

    def floor() -> None: ...

    def timed(fn: Callable[[], object], calls: int) -> float:
        order.append("s" if fn is subject else "f")
        mine, theirs = rounds[(len(order) - 1) // 2]
        return mine if fn is subject else theirs

    monkeypatch.setattr(common, "per_call", timed)
    events: list[str] = []
    paired = alternate(
        subject,
        floor,
        rounds=5,
        setup_subject=lambda: events.append("+s"),
        teardown_subject=lambda: events.append("-s"),
        setup_floor=lambda: events.append("+f"),
        teardown_floor=lambda: events.append("-f"),
    )
    assert paired.ratio == pytest.approx(1.1)
    assert (paired.low, paired.high) == (pytest.approx(1.05), pytest.approx(1.25))
    assert (paired.subject, paired.floor) == (pytest.approx(2.2), pytest.approx(2.0))
    assert order == ["s", "f", "f", "s", "s", "f", "f", "s", "s", "f"]  # who goes first alternates
    assert events[:8] == ["+s", "-s", "+f", "-f", "+f", "-f", "+s", "-s"]


def test_an_informative_figure_has_no_target() -> None:
    info = Ratio("httpx", 9.0, 0.0, goal="info")
    assert info.ok and info.line().startswith("[info]") and "(no target)" in info.line()
    assert not Ratio("get", 1.2, 1.1).ok and Ratio("get", 1.2, 1.1).line().startswith("[MISS]")
    assert Ratio("load", 2.0, 1.0, goal=">=").ok
