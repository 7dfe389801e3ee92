"""A first-come, first-served limit on how many requests run in the engine at once.

The werkzeug server has a thread per connection; under load (a hundred
keep-alive connections) that many runnable threads take turns at one GIL, and
CPython hands it over unfairly: the median request was answered in 25 ms while
one in a hundred waited over a second. Past the :class:`FairGate`, only a few
threads compete for the GIL; the others wait in a queue, each on a lock of its
own, and are let in strictly in the order they came.

The gate orders requests; it is no hard limit. A holder is expected to give
its slot back around every wait (the server's handler does, for the client and
for a fault's delay or stall), but code it does not know of (a fault kind of a
user's that blocks without ``pause``) may not: a waiter that has waited
``patience`` seconds goes in anyway, so that such a holder slows the server
down instead of stopping it.
"""

from __future__ import annotations

import threading
from collections import deque


class FairGate:
    """At most ``slots`` holders; waiters get in first come, first served.

    A freed slot is handed straight to the longest waiter (no newcomer can
    take it in between). :meth:`close` lets every waiter go and admits
    nobody after: a stopping server must not keep threads waiting."""

    def __init__(self, slots: int, patience: float = 1.0) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self.slots = slots
        self.patience = patience
        self._lock = threading.Lock()
        self._free = slots
        # Holders let in by their patience, beyond the slots; the next releases are theirs.
        self._extra = 0
        # One locked lock per waiter, released to let it in.
        self._waiters: deque[threading.Lock] = deque()
        self.closed = False
        self.admitted = 0  # acquisitions so far

    def acquire(self) -> bool:
        """Wait for a slot; False (and no slot) once the gate is closed."""
        with self._lock:
            if self.closed:
                return False
            if self._free:
                self._free -= 1
                self.admitted += 1
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        # Until release() hands this waiter a slot, or close(), or patience runs out.
        if not waiter.acquire(timeout=self.patience):
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    self._extra += 1
                    self.admitted += 1
                    return True
            # Let in (or closed) between the timeout and the lock.
        return not self.closed

    def release(self) -> None:
        """Give back a slot acquired with :meth:`acquire`."""
        with self._lock:
            if self._extra:
                self._extra -= 1  # back to the slots' number: nothing to hand over
            elif self._waiters:
                self.admitted += 1
                self._waiters.popleft().release()  # the slot passes on as it is
            else:
                self._free += 1

    def close(self) -> None:
        """Let every waiter go (their ``acquire`` is False) and admit nobody after."""
        with self._lock:
            self.closed = True
            while self._waiters:
                self._waiters.popleft().release()

    @property
    def waiting(self) -> int:
        """How many wait for a slot now."""
        return len(self._waiters)
