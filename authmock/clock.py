"""The emulator's time. Tokens are issued and checked against it."""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timezone

from authmock.errors import Invalid

# The emulator's time stays within what a timestamp can be shown as (year 9999).
MAX_EPOCH = 253402300799.0


def _as_float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float
        return math.inf


def _in_range(epoch: float, what: str) -> float:
    if not math.isfinite(epoch) or not 0 <= epoch <= MAX_EPOCH:
        raise Invalid(f"{what} would put the clock outside 1970-01-01..9999-12-31")
    return epoch


class Clock:
    """Follows ``time.time()`` (so freezegun and time-machine work too), plus an
    offset added by :meth:`advance`; :meth:`set` freezes it at an instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        frozen = self._frozen
        return frozen if frozen is not None else time.time() + self._offset

    def now_int(self) -> int:
        return int(self.now())

    def advance(self, seconds: float) -> float:
        with self._lock:
            step = _as_float(seconds)
            _in_range(self.now() + step, f"advancing by {seconds!r} seconds")
            if self._frozen is not None:
                self._frozen += step
            else:
                self._offset += step
        return self.now()

    def set(self, epoch: float) -> float:
        epoch = _in_range(_as_float(epoch), f"setting it to {epoch!r}")
        with self._lock:
            self._frozen = epoch
        return self.now()

    def resume(self) -> float:
        with self._lock:
            self._offset = 0.0
            self._frozen = None
        return self.now()

    def export(self) -> dict[str, float | None]:
        """The offset from real time and the frozen instant (None when running)."""
        with self._lock:
            return {"offset": self._offset, "frozen": self._frozen}

    def restore(self, offset: float, frozen: float | None) -> None:
        with self._lock:
            self._offset = float(offset)
            self._frozen = None if frozen is None else float(frozen)

    def iso(self, epoch: float | None = None) -> str:
        return iso8601(self.now() if epoch is None else epoch)


def describe(clock: Clock) -> str:
    """How the emulator's clock differs from real time, for refusal details:
    "" when it follows it, else " (advanced by 86401 s)" or " (set to ...)"."""
    frozen, offset = clock._frozen, clock._offset
    if frozen is not None:
        return f" (set to {iso8601(frozen)})"
    if offset:
        verb = "advanced" if offset > 0 else "moved back"
        return f" ({verb} by {seconds(abs(offset))} s)"
    return ""


def seconds(value: float) -> str:
    """A duration for people: 86401, 1.5 (never 1e+06)."""
    return f"{value:.0f}" if value == int(value) else f"{value:.3f}".rstrip("0")


def iso8601(epoch: float) -> str:
    """``2026-02-15T09:00:00.000Z``: UTC, milliseconds, ``Z``."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
