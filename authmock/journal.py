"""The request journal: what each call asked and got, credentials masked."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, overload

from authmock.globs import path_matcher

DEFAULT_LIMIT = 10_000
# The filters `filter()` and `GET /_authmock/calls?...` take.
FILTERS = ("method", "path", "api", "status", "tenant", "principal", "fault")


@dataclass(frozen=True)
class Call:
    """One journaled request. ``status`` is 0 when a fault dropped the
    connection (``reset``/``timeout``); ``fault`` is the id of the fault that
    fired, if any. Headers and body are stored already masked."""

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
    """The queries over a list of calls, whether this process's :class:`Journal`
    or a running server's (``RemoteAuthMock.calls``): written once."""

    def _copy(self) -> list[Call]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Call]:
        return iter(self._copy())

    def __len__(self) -> int:
        return len(self._copy())

    @overload
    def __getitem__(self, index: int) -> Call: ...

    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...

    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        return self._copy()[index]

    def filter(
        self,
        method: str | None = None,
        path: str | None = None,
        api: str | None = None,
        status: int | None = None,
        tenant: str | None = None,
        principal: str | None = None,
        fault: str | None = None,
    ) -> list[Call]:
        """The calls matching every filter given; ``path`` may use ``*`` globs."""
        path_ok = path_matcher(path, "filter 'path'") if path is not None else None
        wanted_method = method.upper() if method is not None else None
        return [
            c
            for c in self._copy()
            if (wanted_method is None or c.method == wanted_method)
            and (path_ok is None or path_ok(c.path))
            and (api is None or c.api == api)
            and (status is None or c.status == status)
            and (tenant is None or c.tenant == tenant)
            and (principal is None or c.principal == principal)
            and (fault is None or c.fault == fault)
        ]

    def query(self, params: Mapping[str, str]) -> list[Call]:
        """``filter()`` from URL query parameters (the admin API's ``GET /calls``)."""
        unknown = sorted(set(params) - set(FILTERS))
        if unknown:
            raise ValueError(f"unknown filter '{unknown[0]}' (known: {', '.join(FILTERS)})")
        filters: dict[str, Any] = dict(params)
        if "status" in filters:
            try:
                filters["status"] = int(filters["status"])
            except ValueError:
                raise ValueError("filter 'status' must be an integer") from None
        return self.filter(**filters)

    def assert_called(self, method: str, path: str, times: int | None = None) -> list[Call]:
        """The matching calls; AssertionError (listing recent calls) when there
        are none, or not exactly ``times``. ``path`` may use ``*`` globs."""
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
        seen = [f"{c.method} {c.path} -> {c.status}" for c in self._copy()[-10:]]
        return "; calls seen: " + (", ".join(seen) if seen else "none")


class Journal(CallLog):
    """Bounded, newest last; a long server run drops its oldest entries."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"journal_limit must be a non-negative integer, not {limit!r}")
        self.limit = limit
        self._calls: deque[Call] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def _copy(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def __len__(self) -> int:
        return len(self._calls)

    def __repr__(self) -> str:
        return f"<Journal {len(self)} call(s)>"
