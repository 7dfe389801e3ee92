"""Failure injection: the fault model and its matching rules (no HTTP here)."""

from __future__ import annotations

import builtins
import fnmatch
import itertools
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("http", "reset", "timeout", "malformed")
APIS = ("sigma", "bigid")
_FIELDS = {
    "api",
    "method",
    "path",
    "tenant",
    "status",
    "error",
    "message",
    "kind",
    "delay",
    "times",
    "after",
    "probability",
}


class FaultError(ValueError):
    """A fault definition that cannot be used; the message names the field."""


@dataclass
class Fault:
    id: str
    api: str | None = None
    method: str | None = None
    path: str | None = None
    tenant: str | None = None
    status: int | None = None
    error: str | None = None
    message: str | None = None
    kind: str = "http"
    delay: float = 0.0
    times: int | None = None
    after: int = 0
    probability: float | None = None
    # Bookkeeping: matches seen (for `after`) and how often it fired.
    seen: int = 0
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        for name in sorted(_FIELDS):
            value = getattr(self, name)
            if value is not None and not (name == "after" and value == 0):
                out[name] = value
        if self.delay == 0:
            out.pop("delay", None)
        out["fired"] = self.fired
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault as ``GET /_authmock/faults`` lists it (``id`` and ``fired`` included)."""
        spec = {k: v for k, v in data.items() if k not in ("id", "fired")}
        fault = parse_fault(spec, str(data.get("id", "")))
        fault.fired = int(data.get("fired") or 0)
        return fault

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.to_json().items() if k not in ("id", "fired")]
        return f"fault {self.id} ({', '.join(parts)})"

    def matches(self, api: str, method: str, path: str, tenant: Callable[[], str | None]) -> bool:
        if self.api is not None and self.api != api:
            return False
        if self.method is not None and self.method != method:
            return False
        if self._pattern is not None and not self._pattern.fullmatch(path):
            return False
        return self.tenant is None or self.tenant == tenant()


def _number(spec: Mapping[str, Any], name: str, kind: type, low: float, high: float) -> Any:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise FaultError(
            f"fault field '{name}' must be {'a number' if kind is float else 'an integer'}"
        )
    if not low <= value <= high:
        raise FaultError(f"fault field '{name}' must be between {low:g} and {high:g}")
    return kind(value)


def _text(spec: Mapping[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise FaultError(f"fault field '{name}' must be a non-empty string")
    return value


def parse_fault(spec: Mapping[str, Any], fault_id: str) -> Fault:
    """Validate a fault given as keyword arguments or admin-API JSON."""
    if not isinstance(spec, Mapping):
        raise FaultError("a fault must be a JSON object")
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise FaultError(f"unknown fault field '{unknown[0]}'")
    api = _text(spec, "api")
    if api is not None and api not in APIS:
        raise FaultError("fault field 'api' must be 'sigma' or 'bigid'")
    kind = _text(spec, "kind") or "http"
    if kind not in KINDS:
        raise FaultError(f"fault field 'kind' must be one of {', '.join(KINDS)}")
    status = _number(spec, "status", int, 100, 599)
    delay = _number(spec, "delay", float, 0, 3600) or 0.0
    if kind == "http" and status is None and not delay:
        raise FaultError("fault field 'status' is required for kind 'http' (or give a 'delay')")
    method = _text(spec, "method")
    path = _text(spec, "path")
    if path is not None and not path.startswith("/"):
        raise FaultError("fault field 'path' must start with '/'")
    fault = Fault(
        id=fault_id,
        api=api,
        method=method.upper() if method else None,
        path=path,
        tenant=_text(spec, "tenant"),
        status=status,
        error=_text(spec, "error"),
        message=_text(spec, "message"),
        kind=kind,
        delay=delay,
        times=_number(spec, "times", int, 1, 10**9),
        after=_number(spec, "after", int, 0, 10**9) or 0,
        probability=_number(spec, "probability", float, 0, 1),
    )
    if path is not None:
        # `*` matches within and across segments; everything else is literal.
        fault._pattern = re.compile(fnmatch.translate(path).replace("(?s:", "(?:", 1))
    return fault


class FaultSet:
    """The registered faults of one emulator, checked before routing."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self.reset(seed)

    def reset(self, seed: int) -> None:
        with self._lock:
            self._faults = []
            self._ids = itertools.count(1)
            # The RNG behind `probability`: reproducible per seed.
            self._rng = random.Random(f"authmock-faults-{seed}")
        # Faults that reached `times`, kept for "never fired" reporting.
        self.spent: list[Fault] = []

    def add(self, spec: Mapping[str, Any] | None = None, /, **fields: Any) -> str:
        """Register a fault (a mapping, or keyword arguments); returns its id."""
        with self._lock:
            fault = parse_fault({**(spec or {}), **fields}, f"fault-{next(self._ids)}")
            self._faults.append(fault)
        return fault.id

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults = []

    def list(self) -> builtins.list[Fault]:
        return list(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def check(
        self, api: str, method: str, path: str, tenant: Callable[[], str | None]
    ) -> Fault | None:
        """The first fault that fires for this request, counting it as fired."""
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(api, method, path, tenant):
                    continue
                fault.seen += 1
                if fault.seen <= fault.after:
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                if fault.times is not None and fault.fired >= fault.times:
                    self._faults.remove(fault)
                    self.spent.append(fault)
                return fault
        return None

    def unfired(self) -> builtins.list[Fault]:
        """Faults limited by `times` that never fired (a test that did not test)."""
        return never_fired(self._faults)


def never_fired(faults: Iterable[Fault]) -> list[Fault]:
    """The faults limited by ``times`` that have not fired once."""
    return [f for f in faults if f.times is not None and f.fired == 0]
