"""``mock.sigma`` and ``mock.bigid`` of a running server, over the admin API.

Only what the admin API offers: routes with a handler exist in-process only
(a handler is Python code in the test's process); declared routes
(``add_route``) are data and work on a server too.
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import quote

from authmock.bigid.models import SANDBOX, USER_TOKEN_DAYS
from authmock.remote.client import AdminClient
from authmock.sigma.control import users_of
from authmock.sigma.models import TOKEN_TTL


def _in_process_only(what: str) -> NoReturn:
    raise NotImplementedError(
        f"{what} exists only in-process (AuthMock): a running server's admin API does not offer it"
    )


def _segment(value: str) -> str:
    return quote(value, safe="")


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
        self._admin.call("DELETE", f"/sigma/workspaces/{_segment(workspace_id)}")

    def remove_user(self, workspace_id: str, user_id: str) -> None:
        self._admin.call(
            "DELETE", f"/sigma/workspaces/{_segment(workspace_id)}/users/{_segment(user_id)}"
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
        _in_process_only("mock.sigma.route")

    def add_route(self, path: str, **fields: Any) -> dict[str, Any]:
        """A declared route, over ``POST /_authmock/sigma/routes``."""
        return dict(self._admin.call("POST", "/sigma/routes", {"path": path, **fields}))


class RemoteBigid:
    """``mock.bigid`` over ``/_authmock/bigid/*`` and ``/_authmock/state``."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def _state(self) -> dict[str, Any]:
        return dict(self._admin.call("GET", "/state")["bigid"])

    @property
    def deployments(self) -> list[dict[str, Any]]:
        """Every deployment with its users (passwords included)."""
        return list(self._state()["deployments"])

    @property
    def errors(self) -> str:
        """The error style: ``"spec"`` or ``"production"`` (settable)."""
        return str(self._state()["errors"])

    @errors.setter
    def errors(self, style: str) -> None:
        self._admin.call("POST", "/bigid/errors", {"errors": style})

    @property
    def default_deployment(self) -> str | None:
        """The deployment served at ``/api/v1`` on the server (first in the scenario)."""
        name = self._state()["defaultDeployment"]
        return None if name is None else str(name)

    @property
    def system_token_ttl(self) -> int:
        return int(self._state()["systemTokenTtl"])

    def secret(self, deployment: str) -> str:
        """The HS256 key of a deployment's tokens, for services that verify them."""
        path = f"/bigid/deployments/{_segment(deployment)}/secret"
        return str(self._admin.call("GET", path)["secret"])

    def add_deployment(self, name: str, secret: str | None = None) -> str:
        body = {"name": name} if secret is None else {"name": name, "secret": secret}
        self._admin.call("POST", "/bigid/deployments", body)
        return name

    def remove_deployment(self, name: str) -> None:
        self._admin.call("DELETE", f"/bigid/deployments/{_segment(name)}")

    def add_user(
        self,
        deployment: str,
        username: str,
        password: str,
        first_name: str = "",
        role: str = "admin",
    ) -> str:
        body = {
            "deployment": deployment,
            "username": username,
            "password": password,
            "firstName": first_name,
            "role": role,
        }
        self._admin.call("POST", "/bigid/users", body)
        return username

    def remove_user(self, deployment: str, username: str) -> None:
        self._admin.call(
            "DELETE", f"/bigid/deployments/{_segment(deployment)}/users/{_segment(username)}"
        )

    def user_token(self, username: str, deployment: str = SANDBOX) -> str:
        """The user token seeded for a user when the server was (re)set."""
        path = f"/bigid/deployments/{_segment(deployment)}/users/{_segment(username)}/user-token"
        return str(self._admin.call("GET", path)["token"])

    def create_user_token(
        self, username: str, deployment: str = SANDBOX, days: int = USER_TOKEN_DAYS
    ) -> str:
        body = {"username": username, "deployment": deployment, "days": days}
        return str(self._admin.call("POST", "/bigid/user-tokens", body)["token"])

    def revoke_user_token(self, token: str) -> None:
        self._admin.call("POST", "/bigid/user-tokens/revoke", {"token": token})

    def issue_system_token(
        self, username: str, deployment: str = SANDBOX, expires_in: int | None = None
    ) -> str:
        """A system token (the server's TTL unless ``expires_in``; negative: expired)."""
        body = {"username": username, "deployment": deployment, "expiresIn": expires_in}
        return str(self._admin.call("POST", "/bigid/system-tokens", body)["token"])

    def route(self, method: str, path: str) -> NoReturn:
        _in_process_only("mock.bigid.route")

    def add_route(self, path: str, **fields: Any) -> dict[str, Any]:
        """A declared route, over ``POST /_authmock/bigid/routes``."""
        return dict(self._admin.call("POST", "/bigid/routes", {"path": path, **fields}))
