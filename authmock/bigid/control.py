"""``mock.bigid``: the Python API over one emulator's BigID state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authmock.bigid.models import SANDBOX, USER_TOKEN_DAYS, BigidBackend
from authmock.bigid.views import API_PREFIX, BigidHttp
from authmock.errors import Invalid


class BigidControl:
    def __init__(self, backend: BigidBackend, http: BigidHttp) -> None:
        self._backend = backend
        self._http = http

    @property
    def deployments(self) -> list[dict[str, Any]]:
        """Every deployment with its users (passwords included, no tokens)."""
        return list(self._backend.state()["deployments"])

    @property
    def default_deployment(self) -> str | None:
        """The deployment served at ``/api/v1`` in server mode (first in the scenario)."""
        return self._backend.default_deployment

    @property
    def errors(self) -> str:
        """``"spec"`` or ``"production"``; settable at run time."""
        return self._backend.errors

    @errors.setter
    def errors(self, style: str) -> None:
        self._backend.set_errors(style)

    @property
    def system_token_ttl(self) -> int:
        return self._backend.system_ttl

    def secret(self, deployment: str) -> str:
        """The HS256 key of a deployment's tokens, for services that verify them."""
        return self._backend.deployment(deployment).codec.secret

    def add_deployment(self, name: str, secret: str | None = None) -> str:
        self._backend.add_deployment(name, secret)
        return name

    def remove_deployment(self, name: str) -> None:
        """The missing-deployment failure: its host then refuses connections."""
        self._backend.remove_deployment(name)

    def add_user(
        self,
        deployment: str,
        username: str,
        password: str,
        first_name: str = "",
        role: str = "admin",
    ) -> str:
        return self._backend.add_user(deployment, username, password, first_name, role).username

    def remove_user(self, deployment: str, username: str) -> None:
        self._backend.remove_user(deployment, username)

    def user_token(self, username: str, deployment: str = SANDBOX) -> str:
        """The user token seeded for a user when the mock was (re)set."""
        return self._backend.seeded_user_token(deployment, username)

    def create_user_token(
        self, username: str, deployment: str = SANDBOX, days: int = USER_TOKEN_DAYS
    ) -> str:
        """A new user token (1 to 999 days), as BigID's UI would create it."""
        return self._backend.create_user_token(deployment, username, days)

    def revoke_user_token(self, token: str) -> None:
        self._backend.revoke_user_token(token)

    def issue_system_token(
        self, username: str, deployment: str = SANDBOX, expires_in: int | None = None
    ) -> str:
        """A system token (the mock's system token TTL unless ``expires_in``;
        negative mints an expired one)."""
        return self._backend.issue_system_token(deployment, username, expires_in)

    def route(
        self, method: str, path: str
    ) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
        """Register a protected route: ``handler(request, principal)``; it takes
        a live session or system token of the deployment it is called on."""

        if not path.startswith(API_PREFIX):
            # The full path, as on the server: only /api/v1/* reaches BigID there.
            raise Invalid(f"BigID route paths start with {API_PREFIX}: {path!r}")

        def register(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
            self._http.routes.add(method, path, handler)
            return handler

        return register

    def add_route(self, path: str, **fields: Any) -> dict[str, Any]:
        """Declare a protected stand-in route (fields as in a scenario's
        ``[[bigid.routes]]``: ``method``, ``status``, ``json`` or ``body`` +
        ``content_type``, ``deployments``); returns it as JSON. Gone after a reset
        unless the scenario declares it."""
        return self._http.declared.add("bigid", {"path": path, **fields}).to_json()
