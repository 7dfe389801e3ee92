"""``mock.sigma``: the Python API over one emulator's Sigma state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authmock.errors import Invalid, NotFound
from authmock.sigma.models import PERMISSIONS, TOKEN_TTL, SigmaBackend
from authmock.sigma.views import SigmaHttp


def users_of(tenants: list[dict[str, Any]], workspace_id: str) -> list[dict[str, Any]]:
    """The users of one workspace in a state dump (``KeyError`` if it is gone)."""
    for tenant in tenants:
        if tenant["workspaceId"] == workspace_id:
            return list(tenant["users"])
    raise NotFound(f"no workspace '{workspace_id}'")


class SigmaControl:
    def __init__(self, backend: SigmaBackend, http: SigmaHttp) -> None:
        self._backend = backend
        self._http = http

    @property
    def tenants(self) -> list[dict[str, Any]]:
        """Every tenant with its users (passwords included) and API keys."""
        return self._backend.state()

    @property
    def secret(self) -> str:
        """The HS256 key tokens are signed with, for services that verify them."""
        return self._backend.secret

    def users(self, workspace_id: str) -> list[dict[str, Any]]:
        return users_of(self._backend.state(), workspace_id)

    def add_tenant(self, workspace_id: str, name: str) -> str:
        self._backend.add_tenant(workspace_id, name)
        return workspace_id

    def add_user(
        self,
        workspace_id: str,
        email: str,
        password: str,
        role_id: str = "role-viewer",
        name: str | None = None,
        quick_login: bool = False,
    ) -> str:
        return self._backend.add_user(workspace_id, email, password, role_id, name, quick_login).id

    def remove_workspace(self, workspace_id: str) -> None:
        self._backend.remove_workspace(workspace_id)

    def remove_user(self, workspace_id: str, user_id: str) -> None:
        self._backend.remove_user(workspace_id, user_id)

    def create_api_key(self, workspace_id: str, name: str, permissions: list[str]) -> str:
        """Create a key and return the raw key (stored only as its SHA-256)."""
        return self._backend.create_key(workspace_id, name, list(permissions))[1]

    def issue_token(
        self, email_or_user_id: str, workspace_id: str | None = None, expires_in: int = TOKEN_TTL
    ) -> str:
        """A JWT for a user; a negative ``expires_in`` mints an expired one."""
        user = self._backend.find_user(email_or_user_id, workspace_id)
        return self._backend.issue_token(user, expires_in)

    def route(
        self, method: str, path: str, permission: str = "read"
    ) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
        """Register a protected route: ``handler(request, principal)``."""
        if permission not in PERMISSIONS:
            raise Invalid(f"unknown permission {permission!r} (one of {', '.join(PERMISSIONS)})")

        def register(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
            self._http.routes.add(method, path, handler, permission=permission)
            return handler

        return register

    def add_route(self, path: str, **fields: Any) -> dict[str, Any]:
        """Declare a protected stand-in route (fields as in a scenario's
        ``[[sigma.routes]]``: ``method``, ``status``, ``json`` or ``body`` +
        ``content_type``, ``permission``); returns it as JSON. Gone after a reset
        unless the scenario declares it."""
        return self._http.declared.add("sigma", {"path": path, **fields}).to_json()
