"""The request journal: what each call asked and got, credentials masked."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, overload

from authmock.globs import path_matcher
from authmock.security import mask_body

DEFAULT_LIMIT = 10_000
# Bytes of JSON: one body is kept up to this, all bodies together up to the budget.
DEFAULT_BODY_LIMIT = 16 * 1024
DEFAULT_BODY_BUDGET = 4 * 1024 * 1024
TRUNCATED = "... [authmock: body truncated, {size} bytes]"
DROPPED = "[authmock: body dropped, over the journal's body budget]"
# An entry's path and headers are capped too (a request line or header can be
# 64 KiB): each header value at 1 KiB, all headers at 8 KiB, the path at 2 KiB.
HEADER_VALUE_LIMIT = 1024
HEADERS_LIMIT = 8 * 1024
PATH_LIMIT = 2048
CUT = "... [authmock: truncated, {size} characters]"
MORE_HEADERS = "X-Authmock-Headers-Dropped"
# The filters `filter()` and `GET /_authmock/calls?...` take.
FILTERS = ("method", "path", "api", "status", "tenant", "principal", "fault")


@dataclass(frozen=True)
class Call:
    """One journaled request. ``status`` is 0 when a fault dropped the
    connection (``reset``/``timeout``); ``fault`` is the id of the fault that
    fired, if any. Headers and body are stored already masked.

    For HAR export (:meth:`CallLog.to_har`) it also keeps the full ``url``, the
    answer's headers and body (masked the same way) and ``duration`` (seconds)."""

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
    url: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    duration: float = 0.0

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
            url=str(data.get("url") or ""),
            response_headers=dict(data.get("response_headers") or {}),
            response_body=data.get("response_body"),
            duration=float(data.get("duration") or 0.0),
        )


class PendingAnswer:
    """An answer's raw body, decoded and masked only when the journal is read."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def decode(self) -> Any:
        """Its JSON (masked like request bodies), else its text."""
        try:
            return mask_body(json.loads(self.raw))
        except (ValueError, RecursionError):
            return self.raw.decode("utf-8", "replace")


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

    def to_har(self) -> dict[str, Any]:
        """The calls as a HAR 1.2 document (open it in browser devtools, Charles,
        any HAR viewer), with the journal's masking."""
        from authmock.har import to_har

        document: dict[str, Any] = to_har(self._copy())
        return document

    def _summary(self) -> str:
        seen = [f"{c.method} {c.path} -> {c.status}" for c in self._copy()[-10:]]
        return "; calls seen: " + (", ".join(seen) if seen else "none")


class _Entry:
    """A journal slot: the call (its body replaceable) and its body's size."""

    __slots__ = ("call", "pending", "size")

    def __init__(self, call: Call, size: int) -> None:
        self.call = call
        self.size = size
        self.pending = isinstance(call.response_body, PendingAnswer)


def body_size(body: Any) -> int:
    """The size of a journaled body: its compact JSON encoding, in bytes."""
    if body is None:
        return 0
    return len(json.dumps(body, separators=(",", ":")))


def _check_size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + CUT.format(size=len(text))


def _capped_headers(headers: dict[str, str]) -> dict[str, str]:
    """The headers within HEADERS_LIMIT characters; the same dict when they fit."""
    if sum(len(k) + len(v) for k, v in headers.items()) <= HEADERS_LIMIT:
        return headers
    kept: dict[str, str] = {}
    total = 0
    for number, (name, value) in enumerate(headers.items()):
        name, value = _cut(name, 256), _cut(value, HEADER_VALUE_LIMIT)
        if total + len(name) + len(value) > HEADERS_LIMIT:
            kept[MORE_HEADERS] = str(len(headers) - number)
            break
        kept[name] = value
        total += len(name) + len(value)
    return kept


class Journal(CallLog):
    """Bounded, newest last; a long server run drops its oldest entries.

    Bodies have a byte budget too: one over ``body_limit`` is kept as the start
    of its JSON text with a marker, and when all bodies together pass
    ``body_budget`` the oldest bodies are dropped (their entries stay)."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        body_limit: int = DEFAULT_BODY_LIMIT,
        body_budget: int = DEFAULT_BODY_BUDGET,
    ) -> None:
        self.limit = _check_size(limit, "journal_limit")
        self.body_limit = _check_size(body_limit, "journal_body_limit")
        self.body_budget = _check_size(body_budget, "journal_body_budget")
        self._calls: deque[_Entry] = deque(maxlen=limit)
        # The entries still holding a body, oldest first (the next to drop).
        self._bodied: deque[_Entry] = deque()
        self._body_bytes = 0
        self._lock = threading.Lock()

    @property
    def body_bytes(self) -> int:
        """The bytes all journaled bodies take together (at most ``body_budget``)."""
        return self._body_bytes

    def _within_limit(self, body: Any) -> tuple[Any, int]:
        size = body_size(body)
        if size > self.body_limit:
            text = json.dumps(body, separators=(",", ":"))[: self.body_limit]
            body = f"{text}{TRUNCATED.format(size=size)}"
            size = body_size(body)
        return body, size

    def record(self, call: Call) -> None:
        headers, path = _capped_headers(call.headers), _cut(call.path, PATH_LIMIT)
        if headers is not call.headers or path is not call.path:
            call = replace(call, headers=headers, path=path)
        body, size = self._within_limit(call.body)
        if body is not call.body:
            call = replace(call, body=body)
        # The answer's body counts toward the same limits (its raw length until read).
        answer = call.response_body
        if isinstance(answer, PendingAnswer) and len(answer.raw) <= self.body_limit:
            size += len(answer.raw)
        elif answer is not None:
            if isinstance(answer, PendingAnswer):
                answer = answer.decode()  # too large to keep raw until read
            answer, answer_size = self._within_limit(answer)
            call = replace(call, response_body=answer)
            size += answer_size
        entry = _Entry(call, size)
        with self._lock:
            if not self.limit:
                return
            if len(self._calls) == self.limit:
                oldest = self._calls[0]
                if oldest.size:
                    # The oldest entry holding a body is the oldest entry.
                    self._bodied.popleft()
                    self._body_bytes -= oldest.size
            self._calls.append(entry)
            if size:
                self._bodied.append(entry)
                self._body_bytes += size
            while self._body_bytes > self.body_budget:
                dropped = self._bodied.popleft()
                self._body_bytes -= dropped.size
                old = dropped.call
                dropped.call = replace(
                    old,
                    body=None if old.body is None else DROPPED,
                    response_body=None if old.response_body is None else DROPPED,
                )
                dropped.pending = False
                dropped.size = 0

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._bodied.clear()
            self._body_bytes = 0

    def _copy(self) -> list[Call]:
        with self._lock:
            for entry in self._calls:
                if entry.pending:
                    answer = entry.call.response_body
                    assert isinstance(answer, PendingAnswer)
                    decoded, _ = self._within_limit(answer.decode())
                    entry.call = replace(entry.call, response_body=decoded)
                    entry.pending = False
            return [entry.call for entry in self._calls]

    def __len__(self) -> int:
        return len(self._calls)

    def __repr__(self) -> str:
        return f"<Journal {len(self)} call(s)>"
