"""The request journal: what each call asked and got, credentials masked."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_LIMIT = 10_000


@dataclass(frozen=True)
class Call:
    api: str
    method: str
    path: str
    status: int
    tenant: str | None
    principal: str | None
    timestamp: float
    headers: dict[str, str]
    body: Any
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Call:
        """A call record as ``GET /_authmock/calls`` returns it."""
        return cls(
            api=str(data["api"]),
            method=str(data["method"]),
            path=str(data["path"]),
            status=int(data["status"]),
            tenant=data.get("tenant"),
            principal=data.get("principal"),
            timestamp=float(data["timestamp"]),
            headers=dict(data.get("headers") or {}),
            body=data.get("body"),
            fault=data.get("fault"),
        )


class CallLog:
    """Queries over a sequence of calls, local (:class:`Journal`) or remote."""

    def __iter__(self) -> Iterator[Call]:
        raise NotImplementedError

    def filter(
        self,
        method: str | None = None,
        path: str | None = None,
        api: str | None = None,
        status: int | None = None,
        tenant: str | None = None,
    ) -> list[Call]:
        return [
            c
            for c in self
            if (method is None or c.method == method.upper())
            and (path is None or c.path == path)
            and (api is None or c.api == api)
            and (status is None or c.status == status)
            and (tenant is None or c.tenant == tenant)
        ]

    def assert_called(self, method: str, path: str, times: int | None = None) -> list[Call]:
        found = self.filter(method=method, path=path)
        if times is None and not found:
            raise AssertionError(f"{method.upper()} {path} was never called{self._summary()}")
        if times is not None and len(found) != times:
            raise AssertionError(
                f"{method.upper()} {path} was called {len(found)} time(s), "
                f"expected {times}{self._summary()}"
            )
        return found

    def _summary(self) -> str:
        seen = [f"{c.method} {c.path} -> {c.status}" for c in list(self)[-10:]]
        return "; calls seen: " + (", ".join(seen) if seen else "none")


class Journal(CallLog):
    """Bounded, newest last; a long server run drops its oldest entries."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._calls: deque[Call] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            return iter(list(self._calls))

    def __len__(self) -> int:
        return len(self._calls)

    def __getitem__(self, index: int) -> Call:
        with self._lock:
            return self._calls[index]
