"""The control API, once: what ``AuthMock`` and ``RemoteAuthMock`` both offer.

Each Protocol lists the names a test may use on either; mypy checks both
classes against them (the ``TYPE_CHECKING`` block at the end), and
``tests/test_control_parity.py`` checks that neither has public names the
other lacks beyond the in-process-only ones it lists.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from authmock.emulator import ScenarioSource
from authmock.faults import Fault
from authmock.journal import Call


class ClockApi(Protocol):
    def now(self) -> float: ...
    def now_int(self) -> int: ...
    def advance(self, seconds: float) -> float: ...
    def set(self, epoch: float) -> float: ...
    def resume(self) -> float: ...
    def iso(self, epoch: float | None = None) -> str: ...


class FaultsApi(Protocol):
    def add(self, spec: Mapping[str, Any] | None = None, /, **fields: Any) -> str: ...
    def remove(self, fault_id: str) -> bool: ...
    def clear(self) -> None: ...
    def get(self, fault_id: str) -> Fault: ...
    def list(self) -> builtins.list[Fault]: ...
    def unfired(self) -> builtins.list[Fault]: ...
    def assert_all_fired(self) -> None: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Fault]: ...


class CallsApi(Protocol):
    def __iter__(self) -> Iterator[Call]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Call: ...
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
    ) -> list[Call]: ...
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
    ) -> list[Call]: ...
    def clear(self) -> None: ...
    def to_har(self) -> dict[str, Any]: ...


class SigmaApi(Protocol):
    @property
    def tenants(self) -> list[dict[str, Any]]: ...
    @property
    def secret(self) -> str: ...
    def users(self, workspace_id: str) -> list[dict[str, Any]]: ...
    def add_tenant(self, workspace_id: str, name: str) -> str: ...
    def add_user(
        self,
        workspace_id: str,
        email: str,
        password: str,
        role_id: str = ...,
        name: str | None = None,
        quick_login: bool = False,
    ) -> str: ...
    def remove_workspace(self, workspace_id: str) -> None: ...
    def remove_user(self, workspace_id: str, user_id: str) -> None: ...
    def create_api_key(self, workspace_id: str, name: str, permissions: list[str]) -> str: ...
    def issue_token(
        self, email_or_user_id: str, workspace_id: str | None = None, expires_in: int = ...
    ) -> str: ...
    def add_route(self, path: str, **fields: Any) -> dict[str, Any]: ...


class BigidApi(Protocol):
    @property
    def deployments(self) -> list[dict[str, Any]]: ...
    @property
    def default_deployment(self) -> str | None: ...
    @property
    def errors(self) -> str: ...
    @errors.setter
    def errors(self, style: str) -> None: ...
    @property
    def system_token_ttl(self) -> int: ...
    def secret(self, deployment: str) -> str: ...
    def add_deployment(self, name: str, secret: str | None = None) -> str: ...
    def remove_deployment(self, name: str) -> None: ...
    def add_user(
        self,
        deployment: str,
        username: str,
        password: str,
        first_name: str = "",
        role: str = "admin",
    ) -> str: ...
    def remove_user(self, deployment: str, username: str) -> None: ...
    def user_token(self, username: str, deployment: str = ...) -> str: ...
    def create_user_token(self, username: str, deployment: str = ..., days: int = ...) -> str: ...
    def revoke_user_token(self, token: str) -> None: ...
    def issue_system_token(
        self, username: str, deployment: str = ..., expires_in: int | None = None
    ) -> str: ...
    def add_route(self, path: str, **fields: Any) -> dict[str, Any]: ...


class ControlApi(Protocol):
    """``mock`` in a test, whether an ``AuthMock`` or a ``RemoteAuthMock``."""

    @property
    def clock(self) -> ClockApi: ...
    @property
    def faults(self) -> FaultsApi: ...
    @property
    def calls(self) -> CallsApi: ...
    @property
    def sigma(self) -> SigmaApi: ...
    @property
    def bigid(self) -> BigidApi: ...
    @property
    def sigma_url(self) -> str: ...
    @property
    def seed(self) -> int: ...
    def bigid_url(self, deployment: str | None = ...) -> str: ...
    def api(self, name: str) -> Any: ...
    def reset(self, seed: int | None = None, scenario: ScenarioSource | None = None) -> None: ...
    def state(self) -> dict[str, Any]: ...
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
    ) -> list[Call]: ...
    def snapshot(self) -> dict[str, Any]: ...
    def restore(self, document: Mapping[str, Any]) -> None: ...


class ApiControls:
    """``api(name)`` over each emulated API's control object: one definition
    for ``AuthMock`` and ``RemoteAuthMock`` (each fills ``_controls``)."""

    _controls: dict[str, Any]

    def api(self, name: str) -> Any:
        """The control object of an emulated API by name (``mock.api("sigma")``
        is ``mock.sigma``); ``KeyError`` for an API that is not emulated here."""
        try:
            return self._controls[name]
        except KeyError:
            known = ", ".join(self._controls)
            raise KeyError(f"no emulated API {name!r} (one of {known})") from None


class JournalAssertions:
    """``assert_called`` over ``calls``: one definition for ``AuthMock`` and
    ``RemoteAuthMock`` (each gives its own ``calls``)."""

    @property
    def calls(self) -> CallsApi:
        raise NotImplementedError

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
        """The matching calls, else AssertionError with a near-miss report
        (see :meth:`authmock.journal.CallLog.assert_called`)."""
        return self.calls.assert_called(
            method, path, times, body=body, headers=headers, status=status, reason=reason, api=api
        )


if TYPE_CHECKING:
    from authmock.mock import AuthMock
    from authmock.remote import RemoteAuthMock


# Never called: mypy fails here when either class drifts from the Protocols.
def _in_process(mock: AuthMock) -> ControlApi:
    return mock


def _remote(mock: RemoteAuthMock) -> ControlApi:
    return mock
