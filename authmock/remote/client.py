"""The HTTP client behind :class:`~authmock.RemoteAuthMock`: JSON to and from ``/_authmock/``."""

from __future__ import annotations

import ipaddress
import os
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from authmock.errors import Invalid, NotFound

# Captured at import, before a test can start a `responses` mock that patches it:
# the admin API of a running server must stay reachable whatever else is mocked.
_SEND = HTTPAdapter.send
# And its connection pools: an in-process AuthMock swaps them for its hosts.
_POOL = HTTPAdapter.get_connection_with_tls_context
NO_BODY: Any = object()  # call() without a body (None is JSON null)


class AdminApiError(Exception):
    """The admin API refused a call; ``status``, ``error`` and ``message`` say why."""

    def __init__(self, method: str, path: str, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.error = error
        self.message = message

    def __str__(self) -> str:
        where = f"{self.method} {self.path}"
        return f"authmock admin API: {where} -> {self.status} {self.error}: {self.message}"


class AdminNotFound(AdminApiError, NotFound):
    """404: no such workspace, user, fault... (a :class:`~authmock.errors.NotFound`
    and so a ``KeyError``, as in-process)."""


class AdminBadRequest(AdminApiError, Invalid):
    """400: the call was invalid (an :class:`~authmock.errors.Invalid` and so a
    ``ValueError``, as in-process)."""


class AdminUnavailable(AdminApiError, ConnectionError):
    """No authmock server answered at that URL."""


class _DirectAdapter(HTTPAdapter):
    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        return _SEND(self, request, *args, **kwargs)

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Any:
        return _POOL(self, request, *args, **kwargs)


class _DirectSession(requests.Session):
    """A session neither authmock's own interception nor ``responses`` redirects."""

    def __init__(self) -> None:
        super().__init__()
        self._direct = _DirectAdapter()

    def get_adapter(self, url: str) -> HTTPAdapter:
        # AuthMock patches Session.get_adapter for its hosts; this override wins.
        return self._direct

    def close(self) -> None:
        super().close()
        self._direct.close()


class AdminClient:
    """Calls one server's admin API; raises :class:`AdminApiError` on any error status."""

    def __init__(
        self,
        url: str,
        admin_token: str | None = None,
        timeout: float = 30.0,
        verify: bool | str = True,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = _DirectSession()
        # No proxy, .netrc or CA lookups from the environment for a loopback server:
        # they would cost more than the admin call itself.
        self._session.trust_env = not _is_loopback(self.url)
        if verify is True and not self._session.trust_env:
            # ...except the CA bundle a `serve --tls` told the user to export.
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
        self._session.verify = verify
        if admin_token is not None:
            self._session.headers["X-Authmock-Admin"] = admin_token

    def call(self, method: str, path: str, body: Any = NO_BODY) -> Any:
        """``method /_authmock{path}``; the decoded JSON answer (None for 204)."""
        path = f"/_authmock{path}"
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if body is not NO_BODY:
            kwargs["json"] = body
        try:
            response = self._session.request(method, self.url + path, **kwargs)
        except requests.RequestException as exc:
            raise AdminUnavailable(
                method, path, 0, "UNAVAILABLE", f"no answer from {self.url} ({exc})"
            ) from None
        if response.status_code >= 400:
            raise _error(method, path, response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def close(self) -> None:
        self._session.close()


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error(method: str, path: str, response: requests.Response) -> AdminApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    error = str(body.get("error") or "ERROR")
    message = str(body.get("message") or response.text[:200] or response.reason)
    kind = {404: AdminNotFound, 400: AdminBadRequest}.get(response.status_code, AdminApiError)
    return kind(method, path, response.status_code, error, message)


def in_process_only(what: str) -> NoReturn:
    """For a control method that needs the test's process (a Python route handler)."""
    raise NotImplementedError(
        f"{what} exists only in-process (AuthMock): a running server's admin API does not offer it"
    )


def segment(value: str) -> str:
    """A value as one URL path segment."""
    return quote(value, safe="")
