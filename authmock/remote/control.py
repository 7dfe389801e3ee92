"""The clock, faults and journal of a running server, with the in-process names."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from authmock.clock import iso8601
from authmock.faults import Fault, FaultError, assert_fired, never_fired, parse_fault
from authmock.journal import Call, CallLog
from authmock.remote.client import NO_BODY, AdminBadRequest, AdminClient, AdminNotFound, segment


class RemoteFaultError(AdminBadRequest, FaultError):
    """The server refused a fault (400): a :class:`FaultError`, as in-process."""


class RemoteClock:
    """``mock.clock`` over ``/_authmock/clock``."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def _post(self, body: dict[str, Any]) -> float:
        return float(self._admin.call("POST", "/clock", body)["now"])

    def now(self) -> float:
        return float(self._admin.call("GET", "/clock")["now"])

    def now_int(self) -> int:
        return int(self.now())

    def advance(self, seconds: float) -> float:
        return self._post({"advance": seconds})

    def set(self, epoch: float) -> float:
        return self._post({"set": epoch})

    def resume(self) -> float:
        return self._post({"resume": True})

    def iso(self, epoch: float | None = None) -> str:
        """``2026-02-15T09:00:00.000Z``: the server's now, or ``epoch``."""
        return iso8601(self.now() if epoch is None else epoch)


class RemoteFaults:
    """``mock.faults`` over ``/_authmock/faults``."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def add(self, spec: Mapping[str, Any] | None = None, /, **fields: Any) -> str:
        """Register a fault (a mapping, or keyword arguments); returns its id."""
        if spec is not None and not isinstance(spec, Mapping):
            raise FaultError("a fault must be a JSON object")
        fault = {**(spec or {}), **fields}
        # Its shape is checked here first, so a bad fault raises the same FaultError
        # as in-process; its api is the server's to check (it may have APIs this
        # process has not, or lack some), and that refusal is a FaultError too.
        parse_fault(fault, "check", check_api=False)
        try:
            return str(self._admin.call("POST", "/faults", fault)["id"])
        except AdminBadRequest as exc:
            raise RemoteFaultError(
                exc.method, exc.path, exc.status, exc.error, exc.message
            ) from None

    def remove(self, fault_id: str) -> bool:
        try:
            self._admin.call("DELETE", f"/faults/{segment(fault_id)}")
        except AdminNotFound:
            return False
        return True

    def clear(self) -> None:
        self._admin.call("DELETE", "/faults")

    def get(self, fault_id: str) -> Fault:
        """A live fault by id (``KeyError`` when there is none)."""
        return Fault.from_json(self._admin.call("GET", f"/faults/{segment(fault_id)}"))

    def list(self) -> builtins.list[Fault]:
        return [Fault.from_json(item) for item in self._admin.call("GET", "/faults")]

    def __len__(self) -> int:
        return len(self.list())

    def __iter__(self) -> Iterator[Fault]:
        return iter(self.list())

    def unfired(self) -> builtins.list[Fault]:
        """Faults limited by `times` that never fired (a test that did not test)."""
        return never_fired(self.list())

    def assert_all_fired(self) -> None:
        """AssertionError naming each registered fault that has not fired once."""
        assert_fired(self.list())


class RemoteJournal(CallLog):
    """``mock.calls`` over ``/_authmock/calls``: each access reads the server's journal."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    _checks_api = False  # the server is the authority on its own APIs

    def _copy(self) -> list[Call]:
        return [Call.from_json(item) for item in self._admin.call("GET", "/calls")]

    def _read(self, api: str | None) -> list[Call]:
        calls = self._copy()
        if api is not None and not any(c.api == api for c in calls):
            # No call of it: whether the server has such an API is the server's to
            # say (an AdminBadRequest, an Invalid as in-process, names its APIs).
            self._admin.call("GET", "/calls?" + urlencode({"api": api}))
        return calls

    def clear(self) -> None:
        self._admin.call("DELETE", "/calls")

    def __repr__(self) -> str:
        return f"<RemoteJournal of {self._admin.url}>"


class RemoteApi:
    """``RemoteAuthMock.api(name)`` for an API the server emulates and this process
    has no code for (a server with more APIs registered than the test's process):
    its state, faults, journal and admin routes, by name, over the admin API."""

    def __init__(
        self, name: str, admin: AdminClient, faults: RemoteFaults, calls: RemoteJournal
    ) -> None:
        self.name = name
        self.url = admin.url
        self._admin = admin
        self._faults = faults
        self._calls = calls

    def state(self) -> Any:
        """Its part of ``GET /_authmock/state``."""
        return self._admin.call("GET", "/state")[self.name]

    def add_fault(self, spec: Mapping[str, Any] | None = None, /, **fields: Any) -> str:
        """``mock.faults.add(...)`` with this API's ``api``; returns the fault's id."""
        return self._faults.add({**(spec or {}), **fields, "api": self.name})

    def calls(self, **filters: Any) -> builtins.list[Call]:
        """Its journal entries, oldest first (``mock.calls.filter(api=name, ...)``)."""
        return self._calls.filter(api=self.name, **filters)

    def admin(self, method: str, path: str, body: Any = NO_BODY) -> Any:
        """``method /_authmock/{name}{path}``, one of its own admin routes (see
        ``/_authmock/openapi/admin.json``): the decoded JSON answer, None for 204."""
        return self._admin.call(method, f"/{self.name}{path}", body)

    def __repr__(self) -> str:
        return f"<RemoteApi {self.name!r} of {self.url}>"
