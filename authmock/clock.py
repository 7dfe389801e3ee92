"""The emulator's time. Tokens are issued and checked against it."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


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
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds
        return self.now()

    def set(self, epoch: float) -> float:
        with self._lock:
            self._frozen = float(epoch)
        return self.now()

    def resume(self) -> float:
        with self._lock:
            self._offset = 0.0
            self._frozen = None
        return self.now()

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def iso(self, epoch: float | None = None) -> str:
        return iso8601(self.now() if epoch is None else epoch)


def iso8601(epoch: float) -> str:
    """``2026-02-15T09:00:00.000Z``: UTC, milliseconds, ``Z``."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
