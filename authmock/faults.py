"""Failure injection: the fault model and its matching rules.

One model everywhere: Python keyword arguments, admin-API JSON, the pytest
marker and the CLI all go through :func:`parse_fault`. Faults are checked
before routing, so they apply to any path, known or not. What a fault does to
a request is its kind's effect (:mod:`authmock.effects`), which also
validates the kind's own fields.
"""

from __future__ import annotations

import builtins
import itertools
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authmock import effects
from authmock.apis import EmulatedApi, one_of, registered_apis
from authmock.errors import Invalid, NotFound
from authmock.globs import PathMatcher, PatternError, path_matcher

# The fields of the model, in the order they are listed.
FIELDS = (
    "api",
    "method",
    "path",
    "tenant",
    "status",
    "error",
    "message",
    "body",
    "content_type",
    "headers",
    "kind",
    "delay",
    "times",
    "after",
    "probability",
)
# The fields only some kinds take (authmock.effects.Effect.fields says which).
KIND_FIELDS = ("status", "error", "message", "body", "content_type", "headers")
# An HTTP header name (RFC 9110 token); the framing headers stay the server's.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_FRAMING = ("content-length", "transfer-encoding", "connection")
# A header value every client parses alike: visible ASCII, spaces and tabs. No
# CR/LF (header injection), no NUL or other controls (h11 refuses the answer),
# nothing outside ASCII (httpx header values are ASCII; latin-1 breaks the server).
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_MAX_DELAY = 3600.0
_UNRESOLVED: Any = object()


class FaultError(Invalid):
    """A fault definition that cannot be used; the message names the field."""


@dataclass(eq=False)
class Fault:
    id: str
    api: str | None = None
    method: str | None = None
    path: str | None = None
    tenant: str | None = None
    status: int | None = None
    error: str | None = None
    message: str | None = None
    body: str | None = None
    content_type: str | None = None
    headers: dict[str, str] | None = None
    kind: str = effects.DEFAULT_KIND
    delay: float = 0.0
    times: int | None = None
    after: int = 0
    probability: float | None = None
    # Bookkeeping: matching requests seen (for `after`) and how often it fired.
    seen: int = 0
    fired: int = 0
    # Set once the fault has fired `times` times or was removed.
    gone: bool = field(default=False, repr=False)
    _path_ok: PathMatcher | None = field(default=None, repr=False)
    # What it does to the requests it fires on: its kind's effect (authmock.effects).
    effect: effects.Effect = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.effect = _effect(self.kind)(self)

    def spec(self) -> dict[str, Any]:
        """The fields it was defined with (defaults left out)."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value is None or (name in ("after", "delay") and not value):
                continue
            if name == "kind" and value == effects.DEFAULT_KIND:
                continue
            out[name] = value
        return out

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.spec(), "seen": self.seen, "fired": self.fired}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault as ``GET /_authmock/faults`` lists it (with ``id``, ``seen``,
        ``fired``); its ``api`` is the server's, which this process may not have."""
        spec = {k: v for k, v in data.items() if k not in ("id", "seen", "fired")}
        fault = parse_fault(spec, str(data.get("id", "")), check_api=False)
        fault.seen = int(data.get("seen") or 0)
        fault.fired = int(data.get("fired") or 0)
        return fault

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.spec().items()]
        return f"fault {self.id} ({', '.join(parts)})"

    def matches_request(self, path: str, tenant: Callable[[], str | None]) -> bool:
        """Path and tenant; api and method are pre-filtered by :class:`FaultSet`."""
        if self._path_ok is not None and not self._path_ok(path):
            return False
        return self.tenant is None or self.tenant == tenant()


class Spec:
    """A fault definition being validated: typed reads of its fields, each
    error naming the field (what an effect's ``parse`` reads its fields with)."""

    def __init__(
        self,
        data: Mapping[str, Any],
        apis: Sequence[EmulatedApi] | None = None,
        check_api: bool = True,
    ) -> None:
        self.data = data
        # The APIs the fault may name (its emulator's; None: every registered one).
        self.apis: Sequence[EmulatedApi] = registered_apis() if apis is None else apis
        # False: the api name is a server's to check (RemoteAuthMock), not these APIs'.
        self.check_api = check_api

    def api(self, name: str | None) -> EmulatedApi | None:
        """The API a fault names, when it is one of :attr:`apis`."""
        return next((a for a in self.apis if a.name == name), None)

    def fails_at_200(self, api: str | None) -> bool:
        """Whether the API's envelope can fail at HTTP 200 (BigID's production
        failure); for an API unknown here, left to the server that checks its name."""
        known = self.api(api)
        if known is not None:
            return known.fault_200_message
        return not self.check_api and api is not None

    def get(self, name: str) -> Any:
        return self.data.get(name)

    @staticmethod
    def error(message: str) -> FaultError:
        return FaultError(message)

    def number(self, name: str, integer: bool, low: float, high: float, hint: str = "") -> Any:
        """The field's value (None if absent), in [low, high]; ``hint`` follows a
        range error."""
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            raise FaultError(
                f"fault field '{name}' must be {'an integer' if integer else 'a number'}"
            )
        if not low <= value <= high:
            bounds = (f"{low:.0f}", f"{high:.0f}") if integer else (f"{low:g}", f"{high:g}")
            raise FaultError(
                f"fault field '{name}' must be between {bounds[0]} and {bounds[1]}{hint}"
            )
        return value if integer else float(value)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise FaultError(f"fault field '{name}' must be a non-empty string")
        return value

    def one_line(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not _FIELD_VALUE.fullmatch(value):
            raise FaultError(f"fault field '{name}' must be one line of printable ASCII")
        return value

    def headers(self, name: str = "headers") -> dict[str, str] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise FaultError(f"fault field '{name}' must be an object of header names to strings")
        out: dict[str, str] = {}
        for header, text in value.items():
            if not isinstance(header, str) or not _HEADER_NAME.match(header):
                raise FaultError(f"fault field '{name}': {header!r} is not a header name")
            if header.lower() in _FRAMING:
                raise FaultError(
                    f"fault field '{name}' cannot set '{header}' (the server frames it)"
                )
            if not isinstance(text, str) or not _FIELD_VALUE.fullmatch(text):
                raise FaultError(
                    f"fault field '{name}': '{header}' must be a one-line string of printable ASCII"
                )
            out[header] = text
        return out


def _effect(kind: str) -> type[effects.Effect]:
    """The registered effect of a kind, else the error naming the kinds."""
    effect = effects.lookup(kind)
    if effect is None:
        raise FaultError(f"fault field 'kind' must be one of {', '.join(effects.kinds())}")
    return effect


def parse_fault(
    data: Mapping[str, Any],
    fault_id: str,
    apis: Sequence[EmulatedApi] | None = None,
    *,
    check_api: bool = True,
) -> Fault:
    """Validate a fault given as keyword arguments or admin-API JSON.

    The common fields here; the kind's own (``status``, ``body``...) by its
    effect's ``parse`` (authmock.effects). ``check_api=False`` checks the
    shape only, leaving the ``api`` name (and what it allows) to the server
    the fault is for: a running server is the authority on its own APIs."""
    if not isinstance(data, Mapping):
        raise FaultError("a fault must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS), key=str)
    if unknown:
        raise FaultError(f"unknown fault field '{unknown[0]}' (known: {', '.join(FIELDS)})")
    spec = Spec(data, apis, check_api)
    api = spec.text("api")
    if api is not None and check_api and spec.api(api) is None:
        raise FaultError(f"fault field 'api' must be {one_of(spec.apis)}")
    kind = spec.text("kind") or effects.DEFAULT_KIND
    effect = _effect(kind)
    for name in KIND_FIELDS:
        if data.get(name) is not None and name not in effect.fields:
            accepted = " or ".join(f"'{k}'" for k in effects.accepting(name)) or "none"
            raise FaultError(f"fault field '{name}' only applies to kind {accepted}")
    delay = spec.number("delay", False, 0, _MAX_DELAY) or 0.0
    own = effect.parse(spec, api, delay)
    method = spec.text("method")
    if method is not None and not method.isalpha():
        raise FaultError("fault field 'method' must be an HTTP method such as 'GET'")
    path = spec.text("path")
    if path is not None and not path.startswith("/"):
        raise FaultError("fault field 'path' must start with '/'")
    try:
        path_ok = path_matcher(path, "fault field 'path'") if path is not None else None
    except PatternError as exc:
        raise FaultError(str(exc)) from None
    return Fault(
        id=fault_id,
        api=api,
        method=method.upper() if method else None,
        path=path,
        tenant=spec.text("tenant"),
        kind=kind,
        delay=delay,
        times=spec.number("times", True, 1, 10**9),
        after=spec.number("after", True, 0, 10**9) or 0,
        probability=spec.number("probability", False, 0, 1),
        _path_ok=path_ok,
        **own,
    )


class _Snapshot:
    """The registered faults, immutable, with a per-(api, method) candidate cache.

    Replaced wholesale on every change, so a request reads one consistent
    snapshot without taking the lock."""

    __slots__ = ("by_key", "faults", "may_sleep")

    def __init__(self, faults: tuple[Fault, ...]) -> None:
        self.faults = faults
        self.by_key: dict[tuple[str, str], tuple[Fault, ...]] = {}
        self.may_sleep = any(f.effect.sleeps() for f in faults)

    def candidates(self, api: str, method: str) -> tuple[Fault, ...]:
        key = (api, method)
        found = self.by_key.get(key)
        if found is None:
            found = self.by_key[key] = tuple(
                f
                for f in self.faults
                if (f.api is None or f.api == api) and (f.method is None or f.method == method)
            )
        return found


class FaultSet:
    """The registered faults of one emulator, checked before routing."""

    def __init__(self, seed: int, apis: Sequence[EmulatedApi] | None = None) -> None:
        # The emulator's APIs, the ones a fault may name (None: every registered one).
        self._apis = apis
        self._lock = threading.Lock()
        self._snapshot = _Snapshot(())
        self._ids = itertools.count(1)
        self.reset(seed)

    def reset(self, seed: int) -> None:
        """No faults, ids from 1 again, and the RNG behind ``probability``
        back to its seeded start (reproducible per seed)."""
        with self._lock:
            self._replace(())
            self._ids = itertools.count(1)
            self._rng = random.Random(f"authmock-faults-{seed}")

    def _replace(self, faults: tuple[Fault, ...]) -> None:
        for fault in self._snapshot.faults:
            if fault not in faults:
                fault.gone = True
        self._snapshot = _Snapshot(faults)

    def add(self, spec: Mapping[str, Any] | None = None, /, **fields: Any) -> str:
        """Register a fault (a mapping, or keyword arguments); returns its id."""
        if spec is not None and not isinstance(spec, Mapping):
            raise FaultError("a fault must be a JSON object")
        merged = {**(spec or {}), **fields}
        with self._lock:
            fault = parse_fault(merged, f"fault-{next(self._ids)}", self._apis)
            self._replace((*self._snapshot.faults, fault))
        return fault.id

    def remove(self, fault_id: str) -> bool:
        """Unregister a fault; False when there is no such (live) fault."""
        with self._lock:
            kept = tuple(f for f in self._snapshot.faults if f.id != fault_id)
            if len(kept) == len(self._snapshot.faults):
                return False
            self._replace(kept)
            return True

    def clear(self) -> None:
        with self._lock:
            self._replace(())

    def get(self, fault_id: str) -> Fault:
        for fault in self._snapshot.faults:
            if fault.id == fault_id:
                return fault
        raise NotFound(f"no fault '{fault_id}'")

    def list(self) -> builtins.list[Fault]:
        """The live faults, in registration order (expired ones are gone)."""
        return builtins.list(self._snapshot.faults)

    def __len__(self) -> int:
        return len(self._snapshot.faults)

    @property
    def may_sleep(self) -> bool:
        """Whether a registered fault may make a request wait (a ``delay``, or
        its kind's effect says so)."""
        return self._snapshot.may_sleep

    def __iter__(self) -> Iterator[Fault]:
        return iter(self._snapshot.faults)

    def check(
        self, api: str, method: str, path: str, tenant: Callable[[], str | None]
    ) -> Fault | None:
        """The first fault that fires for this request, counted as fired.

        Every matching fault counts the request toward its ``after``; only
        the first one that is past its ``after`` (and wins its
        ``probability`` draw) fires.

        ``tenant`` is only called when a fault names one, at most once."""
        snapshot = self._snapshot
        if not snapshot.faults:
            return None
        candidates = snapshot.candidates(api, method)
        if not candidates:
            return None
        resolved = _UNRESOLVED

        def tenant_once() -> str | None:
            nonlocal resolved
            if resolved is _UNRESOLVED:
                resolved = tenant()
            return resolved  # type: ignore[no-any-return]

        # Path and tenant matching is pure: done outside the lock.
        matching = [f for f in candidates if f.matches_request(path, tenant_once)]
        if not matching:
            return None
        fired: Fault | None = None
        with self._lock:
            for fault in matching:
                if fault.gone:
                    continue
                # Every matching fault counts the request for its `after`, even
                # one answered by an earlier fault: request numbers compose.
                fault.seen += 1
                if fired is not None or fault.seen <= fault.after:
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fired = fault
                fault.fired += 1
                if fault.times is not None and fault.fired >= fault.times:
                    self._replace(tuple(f for f in self._snapshot.faults if f is not fault))
        return fired

    def unfired(self) -> builtins.list[Fault]:
        """Faults limited by ``times`` that never fired (a test that did not test)."""
        return never_fired(self._snapshot.faults)

    def assert_all_fired(self) -> None:
        """AssertionError naming each registered fault that has not fired once."""
        assert_fired(self._snapshot.faults)

    def export(self) -> dict[str, Any]:
        """Everything a snapshot needs: the faults with their counts, the next id,
        and the RNG's state (so ``probability`` draws go on where they were)."""
        with self._lock:
            next_id = next(self._ids)
            self._ids = itertools.count(next_id)
            version, internal, gauss = self._rng.getstate()
            return {
                "faults": [f.to_json() for f in self._snapshot.faults],
                "nextId": next_id,
                "rng": [version, builtins.list(internal), gauss],
            }

    def restore(self, faults: tuple[Fault, ...], next_id: int, rng: random.Random) -> None:
        with self._lock:
            self._replace(faults)
            self._ids = itertools.count(next_id)
            self._rng = rng


def never_fired(faults: Iterable[Fault]) -> list[Fault]:
    """The faults limited by ``times`` that have not fired once."""
    return [f for f in faults if f.times is not None and f.fired == 0]


def assert_fired(faults: Iterable[Fault]) -> None:
    """AssertionError naming every fault (still registered) that never fired; a
    fault used up by its ``times`` is no longer registered, so it has fired."""
    idle = [f for f in faults if f.fired == 0]
    if idle:
        raise AssertionError(
            f"{len(idle)} fault(s) never fired: " + "; ".join(f.describe() for f in idle)
        )
