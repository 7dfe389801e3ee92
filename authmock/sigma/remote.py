"""``mock.sigma`` of a running server (``RemoteAuthMock.sigma``), over the admin API."""

from __future__ import annotations

from typing import Any, NoReturn

from authmock.remote.client import AdminClient, in_process_only, segment
from authmock.sigma.control import users_of
from authmock.sigma.models import TOKEN_TTL


class RemoteSigma:
    """``mock.sigma`` over ``/_authmock/sigma/*`` and ``/_authmock/state``."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    @property
    def tenants(self) -> list[dict[str, Any]]:
        """Every tenant with its users (passwords included) and API keys."""
        return list(self._admin.call("GET", "/state")["sigma"]["tenants"])

    @property
    def secret(self) -> str:
        """The HS256 key tokens are signed with, for services that verify them."""
        return str(self._admin.call("GET", "/sigma/secret")["secret"])

    def users(self, workspace_id: str) -> list[dict[str, Any]]:
        return users_of(self.tenants, workspace_id)

    def add_tenant(self, workspace_id: str, name: str) -> str:
        self._admin.call("POST", "/sigma/tenants", {"workspaceId": workspace_id, "name": name})
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
        body = {
            "workspaceId": workspace_id,
            "email": email,
            "password": password,
            "roleId": role_id,
            "name": name,
            "quickLogin": quick_login,
        }
        return str(self._admin.call("POST", "/sigma/users", body)["id"])

    def remove_workspace(self, workspace_id: str) -> None:
        self._admin.call("DELETE", f"/sigma/workspaces/{segment(workspace_id)}")

    def remove_user(self, workspace_id: str, user_id: str) -> None:
        self._admin.call(
            "DELETE", f"/sigma/workspaces/{segment(workspace_id)}/users/{segment(user_id)}"
        )

    def create_api_key(self, workspace_id: str, name: str, permissions: list[str]) -> str:
        """Create a key and return the raw key (the server keeps only its SHA-256)."""
        body = {"workspaceId": workspace_id, "name": name, "permissions": list(permissions)}
        return str(self._admin.call("POST", "/sigma/api-keys", body)["key"])

    def issue_token(
        self, email_or_user_id: str, workspace_id: str | None = None, expires_in: int = TOKEN_TTL
    ) -> str:
        """A JWT for a user; a negative ``expires_in`` mints an expired one."""
        body = {"email": email_or_user_id, "workspaceId": workspace_id, "expiresIn": expires_in}
        return str(self._admin.call("POST", "/sigma/tokens", body)["token"])

    def route(self, method: str, path: str, permission: str = "read") -> NoReturn:
        in_process_only("mock.sigma.route")

    def add_route(self, path: str, **fields: Any) -> dict[str, Any]:
        """A declared route, over ``POST /_authmock/sigma/routes``."""
        return dict(self._admin.call("POST", "/sigma/routes", {"path": path, **fields}))
