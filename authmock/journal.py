"""The request journal: what each call asked and got, credentials masked."""

from __future__ import annotations

import functools
import inspect
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, overload

from authmock.apis import EmulatedApi, names, one_of, registered_apis
from authmock.errors import Invalid
from authmock.globs import path_matcher
from authmock.har import to_har
from authmock.reasons import REASONS
from authmock.security import mask_body, mask_headers, mask_text

DEFAULT_LIMIT = 10_000
# Bytes of JSON: one body is kept up to this, all bodies together up to the budget.
DEFAULT_BODY_LIMIT = 16 * 1024
DEFAULT_BODY_BUDGET = 4 * 1024 * 1024
TRUNCATED = "... [authmock: body truncated, {size} bytes]"
DROPPED = "[authmock: body dropped, over the journal's body budget]"
# An entry's path, URL and headers are capped too (a request line or header can
# be 64 KiB): each header value at 1 KiB, all headers at 8 KiB, the path at 2 KiB,
# the URL (host, path and query) at 4 KiB.
HEADER_VALUE_LIMIT = 1024
HEADERS_LIMIT = 8 * 1024
PATH_LIMIT = 2048
URL_LIMIT = 2 * PATH_LIMIT
CUT = "... [authmock: truncated, {size} characters]"
MORE_HEADERS = "X-Authmock-Headers-Dropped"
MAX_FILTER_DEPTH = 64  # of a body/headers filter over HTTP


def _depth(value: Any) -> int:
    """How deeply a JSON value nests (iterative: it is measured to refuse deep ones)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


# How many near misses a failed assert_called lists.
NEAR_MISSES = 3


@dataclass(frozen=True)
class Call:
    """One journaled request. ``status`` is 0 when there was no answer (a
    ``reset``/``timeout`` fault, or a refused connection to a BigID deployment
    that does not exist); ``fault`` is the id of the fault that fired, if any.
    ``reason``/``detail`` say why authmock refused it (None for a success; see
    :data:`authmock.reasons.REASONS`). Headers and bodies are masked: whoever
    reads the journal (``mock.calls``, the admin API, HAR, snapshots) never sees
    a credential. (The engine masks headers and answer bodies when the journal
    is first read rather than on every call: see :meth:`Journal.record_raw`.)

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
    reason: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line: ``POST /api/v1/auth/refresh -> 401 expired: expired 1 s ago ...``."""
        status = "no answer" if self.status == 0 else str(self.status)
        line = f"{self.method} {self.path} -> {status}"
        if self.reason:
            line += f" {self.reason}: {self.detail}"
        if self.fault and self.reason != "fault":
            line += f" [{self.fault}]"
        return line

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
            reason=data.get("reason"),
            detail=data.get("detail"),
        )


Check = Callable[[Call], str | None]
_CALL_FIELDS = tuple(f.name for f in fields(Call))


def new_call(**values: Any) -> Call:
    """``Call(**values)``, every field given, without the frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field): the engine makes one
    per request, and that ``__init__`` cost as much as the rest of journaling.
    Fields go in in declaration order, so the instance dict stays key-sharing
    (small), as ``__init__`` leaves it."""
    if len(values) != len(_CALL_FIELDS):
        raise TypeError(f"new_call needs exactly the fields {', '.join(_CALL_FIELDS)}")
    call = object.__new__(Call)
    held = call.__dict__
    for name in _CALL_FIELDS:
        held[name] = values[name]
    return call


def _subset_diff(wanted: Any, got: Any, where: str) -> str | None:
    """How ``got`` fails to contain ``wanted`` (objects recursively by key,
    anything else by equality); None when it does."""
    if isinstance(wanted, Mapping):
        if not isinstance(got, Mapping):
            return f"{where or 'body'} is {_short(got)}, not an object"
        for key, value in wanted.items():
            if key not in got:
                return f"{where}[{key!r}] is missing"
            diff = _subset_diff(value, got[key], f"{where}[{key!r}]")
            if diff:
                return diff
        return None
    if wanted != got or type(wanted) is not type(got):
        return f"{where} is {_short(got)}, not {_short(wanted)}"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _status_check(status: int | str) -> Check:
    """A status: 401, or a class such as "4xx"."""
    if isinstance(status, str):
        text = status.strip().lower()
        if len(text) != 3 or text[0] not in "0123456789" or text[1:] != "xx":
            raise Invalid(f"status must be an integer or a class such as '4xx', not {status!r}")
        low = int(text[0]) * 100
        return lambda c: None if low <= c.status < low + 100 else f"status {c.status}, not {text}"
    if isinstance(status, bool) or not isinstance(status, int):
        raise Invalid(f"status must be an integer or a class such as '4xx', not {status!r}")
    return lambda c: None if c.status == status else f"status {c.status}, not {status}"


def _headers_check(headers: Mapping[str, str]) -> Check:
    wanted = {str(k).lower(): v for k, v in headers.items()}

    def check(call: Call) -> str | None:
        got = {k.lower(): v for k, v in call.headers.items()}
        for name, value in wanted.items():
            if name not in got:
                return f"no {name} header"
            if got[name] != value:
                return f"header {name} is {_short(got[name])}, not {_short(value)}"
        return None

    return check


def _equal_check(name: str, value: Any) -> Check:
    return lambda c: (
        None if getattr(c, name) == value else f"{name} {getattr(c, name)}, not {value}"
    )


def checks(
    method: str | None = None,
    path: str | None = None,
    api: str | None = None,
    status: int | str | None = None,
    tenant: str | None = None,
    principal: str | None = None,
    fault: str | None = None,
    reason: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    apis: Sequence[EmulatedApi] | None = None,
    check_api: bool = True,
) -> list[Check]:
    """One check per filter given; each returns None for a match, else how a call
    differs. ``api`` is one of ``apis`` (default: every registered API), unless
    ``check_api`` is False (a server's journal: the server checks it)."""
    out: list[Check] = []
    if method is not None:
        wanted_method = method.upper()
        out.append(
            lambda c: (
                None if c.method == wanted_method else f"method {c.method}, not {wanted_method}"
            )
        )
    if path is not None:
        path_ok = path_matcher(path, "filter 'path'")
        out.append(lambda c: None if path_ok(c.path) else f"path {c.path}, not {path}")
    if api is not None:
        known = registered_apis() if apis is None else apis
        if check_api and api not in names(known):
            raise Invalid(f"api must be {one_of(known)}, not {api!r}")
        out.append(_equal_check("api", api))
    if status is not None:
        out.append(_status_check(status))
    if reason is not None:
        if reason not in REASONS:
            raise Invalid(f"unknown reason '{reason}' (known: {', '.join(REASONS)})")
        out.append(_equal_check("reason", reason))
    for name, value in (("tenant", tenant), ("principal", principal), ("fault", fault)):
        if value is not None:
            out.append(_equal_check(name, value))
    if body is not None:
        out.append(lambda c: _subset_diff(body, c.body, "body"))
    if headers is not None:
        out.append(_headers_check(headers))
    return out


# The filters `filter()` and `GET /_authmock/calls?...` take (body and headers
# as JSON objects in the query string): the keywords of `checks`, named once.
FILTERS = tuple(n for n in inspect.signature(checks).parameters if n not in ("apis", "check_api"))


def decoded_answer(raw: bytes) -> Any:
    """An answer body as the journal shows it: its JSON (masked like request
    bodies), else its text (credential-like runs masked)."""
    try:
        return mask_body(json.loads(raw))
    except (ValueError, RecursionError):
        return mask_text(raw.decode("utf-8", "replace"))


# What an entry keeps of an environ besides the HTTP_* headers: the URL the
# client saw (an instance's prefix, SCRIPT_NAME, included) and the two headers
# WSGI names without the prefix. Never a socket, an input stream or a body.
_REQUEST_KEYS = frozenset(
    {
        "wsgi.url_scheme",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
    }
)
# Set by the in-process ways (wsgi_call.build_environ): the request's header
# bytes, so that journaling need not walk the environ to find a hostile size.
HEADER_BYTES = "authmock.header_bytes"


@functools.lru_cache(maxsize=4096)  # asked for every key of every read entry; bounded
def _header_name(key: str) -> str:
    """An environ key's header name ("HTTP_USER_AGENT" -> "User-Agent"; "" for
    a key that is no header)."""
    if key.startswith("HTTP_"):
        return key[5:].replace("_", "-").title()
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key.replace("_", "-").title()
    return ""


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """A WSGI environ's request headers by name. An empty Content-Type or
    Content-Length is no header; an empty X-... is."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        name = _header_name(key)
        if name and (value or key[0] == "H"):
            headers[name] = value
    return headers


def kept_request(environ: Mapping[str, Any]) -> dict[str, Any]:
    """What a journal entry keeps of an environ it may not hold whole (see _REQUEST_KEYS)."""
    return {k: v for k, v in environ.items() if k[:5] == "HTTP_" or k in _REQUEST_KEYS}


class RawCall:
    """An engine call as it happened, before anyone reads it: the :class:`Call`
    it becomes on first read (:meth:`resolve`), kept in as few new objects as
    possible. The engine journals every request, and what one entry holds
    beyond what the request had anyway is most of what journaling costs: so
    ``request`` is a bodiless in-process call's own environ (built for this
    call and never changed after it) or the few keys :func:`kept_request`
    keeps of any other, the answer's headers are the reply's own tuples and
    its body the bytes sent. Naming, masking and capping wait for the read.
    ``status``, ``fault`` and ``reason`` are a Call's, for the server's access log."""

    __slots__ = (
        "answer",
        "answer_headers",
        "api",
        "body",
        "detail",
        "duration",
        "fault",
        "method",
        "path",
        "principal",
        "reason",
        "request",
        "status",
        "tenant",
        "timestamp",
    )

    def __init__(
        self,
        api: str,
        method: str,
        path: str,
        status: int,
        tenant: str | None,
        principal: str | None,
        timestamp: float,
        request: Mapping[str, Any],
        body: Any,
        fault: str | None,
        answer_headers: tuple[tuple[str, str], ...],
        answer: bytes | None,
        duration: float,
        reason: str | None,
        detail: str | None,
    ) -> None:
        self.api = api
        self.method = method
        self.path = path
        self.status = status
        self.tenant = tenant
        self.principal = principal
        self.timestamp = timestamp
        self.request = request
        self.body = body
        self.fault = fault
        self.answer_headers = answer_headers
        # The answer body: the bytes sent until read (then decoded), or already
        # the journal's value (decoded when too large to keep, or DROPPED); None: none.
        self.answer: Any = answer or None
        self.duration = duration
        self.reason = reason
        self.detail = detail

    def oversize(self) -> bool:
        """Whether the request is over the URL or the header cap (names
        included), for the journal to cap it at once."""
        request = self.request
        url = (
            len(request.get("HTTP_HOST", ""))
            + len(request.get("SCRIPT_NAME", ""))
            + len(request.get("PATH_INFO", ""))
            + len(request.get("QUERY_STRING") or "")
        )
        if url > URL_LIMIT:
            return True
        size = request.get(HEADER_BYTES)
        if size is None:  # a kept_request: its keys are the server's per-request strings
            size = sum(len(k) + len(v) for k, v in request.items() if isinstance(v, str))
        return bool(size > HEADERS_LIMIT)

    def resolve(self, limit: Callable[[Any], tuple[Any, int]]) -> Call:
        """The masked Call; ``limit`` keeps a decoded answer within the body limit."""
        request = self.request
        url = (
            f"{request.get('wsgi.url_scheme', 'http')}://{request.get('HTTP_HOST', '')}"
            f"{request.get('SCRIPT_NAME', '')}{request.get('PATH_INFO', '')}"
        )
        query = request.get("QUERY_STRING")
        if query:
            url = f"{url}?{query}"
        answer = self.answer
        return new_call(
            api=self.api,
            method=self.method,
            path=self.path,
            status=self.status,
            tenant=self.tenant,
            principal=self.principal,
            timestamp=self.timestamp,
            headers=_capped_headers(mask_headers(request_headers(request))),
            body=self.body,
            fault=self.fault,
            url=_cut(url, URL_LIMIT),
            response_headers=mask_headers(dict(self.answer_headers)),
            response_body=limit(decoded_answer(answer))[0] if isinstance(answer, bytes) else answer,
            duration=self.duration,
            reason=self.reason,
            detail=self.detail,
        )


class CallLog:
    """The queries over a list of calls, whether this process's :class:`Journal`
    or a running server's (``RemoteAuthMock.calls``): written once."""

    # The APIs a filter's ``api`` may name: an emulator's own (None: every
    # registered one; a server checks its own).
    _apis: Sequence[EmulatedApi] | None = None
    # False for a running server's journal: its server checks a filter's api.
    _checks_api = True

    def _copy(self) -> list[Call]:
        raise NotImplementedError

    def _read(self, api: str | None) -> list[Call]:
        """The calls a filter reads (``api``: the one it names, if any)."""
        return self._copy()

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
        status: int | str | None = None,
        tenant: str | None = None,
        principal: str | None = None,
        fault: str | None = None,
        reason: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[Call]:
        """The calls matching every filter given. ``path`` may use ``*`` globs;
        ``status`` is a code or a class ("4xx"); ``reason`` one of the reason
        codes; ``body`` a subset of the (masked) JSON body, objects matched
        key by key; ``headers`` a subset of the headers, names in any case."""
        tests = checks(
            method,
            path,
            api,
            status,
            tenant,
            principal,
            fault,
            reason,
            body,
            headers,
            self._apis,
            self._checks_api,
        )
        return [c for c in self._read(api) if all(t(c) is None for t in tests)]

    def query(self, params: Mapping[str, str]) -> list[Call]:
        """``filter()`` from URL query parameters (the admin API's ``GET /calls``):
        ``body`` and ``headers`` are JSON objects."""
        unknown = sorted(set(params) - set(FILTERS))
        if unknown:
            raise Invalid(f"unknown filter '{unknown[0]}' (known: {', '.join(FILTERS)})")
        filters: dict[str, Any] = dict(params)
        status = filters.get("status")
        if status is not None and status.strip().isdigit():
            try:
                filters["status"] = int(status)
            except ValueError:  # "²" is a digit to isdigit(), and int() has a length limit
                raise Invalid(
                    f"status must be an integer or a class such as '4xx', not {status!r}"
                ) from None
        for name in ("body", "headers"):
            if name in filters:
                try:
                    filters[name] = json.loads(filters[name])
                except (ValueError, RecursionError):  # RecursionError: nested too deep
                    raise Invalid(f"filter '{name}' must be JSON") from None
                if _depth(filters[name]) > MAX_FILTER_DEPTH:
                    # The subset match recurses: a deeper filter is no real one.
                    raise Invalid(
                        f"filter '{name}' is nested more than {MAX_FILTER_DEPTH} levels deep"
                    )
        if "headers" in filters and not isinstance(filters["headers"], dict):
            raise Invalid("filter 'headers' must be a JSON object")
        return self.filter(**filters)

    def assert_called(
        self,
        method: str,
        path: str,
        times: int | None = None,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        status: int | str | None = None,
        reason: str | None = None,
        api: str | None = None,
    ) -> list[Call]:
        """The matching calls (the filters of :meth:`filter`); AssertionError when
        there are none, or not exactly ``times``, listing the closest calls and
        how each differs (a near-miss report)."""
        tests = checks(
            method,
            path,
            api,
            status,
            None,
            None,
            None,
            reason,
            body,
            headers,
            self._apis,
            self._checks_api,
        )
        calls = self._read(api)
        found = [c for c in calls if all(t(c) is None for t in tests)]
        what = _describe(method, path, body, headers, status, reason, api)
        if times is None and not found:
            raise AssertionError(f"{what} was never called{_near_misses(calls, tests)}")
        if times is not None and len(found) != times:
            raise AssertionError(
                f"{what} was called {len(found)} time(s), expected {times}"
                f"{_near_misses(calls, tests)}"
            )
        return found

    def to_har(self) -> dict[str, Any]:
        """The calls as a HAR 1.2 document (open it in browser devtools, Charles,
        any HAR viewer), with the journal's masking."""
        document: dict[str, Any] = to_har(self._copy())
        return document


class _Entry:
    """A journal slot: the call (its body replaceable) and its body's size. An
    engine call stays a :class:`RawCall` until the journal is first read, and
    is resolved under the lock before anyone sees it."""

    __slots__ = ("call", "size")

    def __init__(self, call: Call | RawCall, size: int) -> None:
        self.call = call
        self.size = size


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def body_size(body: Any) -> int:
    """The size of a journaled body: its compact JSON encoding, in bytes."""
    if body is None:
        return 0
    return len(_COMPACT.encode(body))


def _check_size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(f"{name} must be a non-negative integer, not {value!r}")
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
        *,
        apis: Sequence[EmulatedApi] | None = None,
    ) -> None:
        self._apis = apis
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
        """Keep one call, its path, URL, headers and bodies capped."""
        path = _cut(call.path, PATH_LIMIT)
        url = _cut(call.url, URL_LIMIT)
        headers = _capped_headers(call.headers)
        if headers is not call.headers or path is not call.path or url is not call.url:
            call = replace(call, headers=headers, path=path, url=url)
        body, size = self._within_limit(call.body)
        if body is not call.body:
            call = replace(call, body=body)
        if call.response_body is not None:
            answer, answer_size = self._within_limit(call.response_body)
            if answer is not call.response_body:
                call = replace(call, response_body=answer)
            size += answer_size
        self._keep(_Entry(call, size))

    def record_raw(self, raw: RawCall) -> None:
        """Keep one engine call; its headers are named, masked and capped, and
        its answer decoded, when the journal is first read (never unmasked),
        or at once for a request over the URL or header caps."""
        if len(raw.path) > PATH_LIMIT:
            raw.path = _cut(raw.path, PATH_LIMIT)
        size = 0
        if raw.body is not None:
            raw.body, size = self._within_limit(raw.body)
        # The answer counts toward the same limits (its raw length until read).
        answer = raw.answer
        if answer is not None:
            if len(answer) <= self.body_limit:
                size += len(answer)
            else:  # too large to keep raw until read
                raw.answer, answer_size = self._within_limit(decoded_answer(answer))
                size += answer_size
        if raw.oversize():
            # Over a cap (a hostile client's 64 KiB header lines): capped now, or
            # an unread journal would hold all of it.
            self._keep(_Entry(raw.resolve(self._within_limit), size))
            return
        self._keep(_Entry(raw, size))

    def _keep(self, entry: _Entry) -> None:
        size = entry.size
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
                dropped.size = 0
                old = dropped.call
                if isinstance(old, RawCall):
                    if old.body is not None:
                        old.body = DROPPED
                    if old.answer is not None:
                        old.answer = DROPPED
                    continue
                dropped.call = replace(
                    old,
                    body=None if old.body is None else DROPPED,
                    response_body=None if old.response_body is None else DROPPED,
                )

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._bodied.clear()
            self._body_bytes = 0

    def _copy(self) -> list[Call]:
        with self._lock:
            calls: list[Call] = []
            for entry in self._calls:
                call = entry.call
                if isinstance(call, RawCall):
                    call = entry.call = call.resolve(self._within_limit)
                calls.append(call)
            return calls

    def __len__(self) -> int:
        return len(self._calls)

    def __repr__(self) -> str:
        return f"<Journal {len(self)} call(s)>"


def _describe(
    method: str,
    path: str,
    body: Any,
    headers: Mapping[str, str] | None,
    status: int | str | None,
    reason: str | None,
    api: str | None,
) -> str:
    parts = [f"{method.upper()} {path}"]
    for name, value in (
        ("api", api),
        ("status", status),
        ("reason", reason),
        ("body", body),
        ("headers", headers),
    ):
        if value is not None:
            parts.append(f"{name}={_short(value)}")
    return " ".join(parts[:1]) + (f" ({', '.join(parts[1:])})" if parts[1:] else "")


def _near_misses(calls: list[Call], tests: list[Check]) -> str:
    """The calls closest to matching (fewest differences, most recent first)."""
    if not calls:
        return "; calls seen: none"
    scored = []
    for index, call in enumerate(calls):
        diffs = [d for d in (t(call) for t in tests) if d is not None]
        if diffs:
            scored.append((len(diffs), -index, index, call, diffs))
    scored.sort(key=lambda item: item[:2])
    lines = [
        f"  #{index} {call.summary()}: {'; '.join(diffs)}"
        for _, _, index, call, diffs in scored[:NEAR_MISSES]
    ]
    if not lines:
        return f"; all {len(calls)} call(s) match"
    return f"; closest of {len(calls)} call(s):\n" + "\n".join(lines)
