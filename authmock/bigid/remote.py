"""``mock.bigid`` of a running server (``RemoteAuthMock.bigid``), over the admin API."""

from __future__ import annotations

from typing import Any, NoReturn

from authmock.bigid.models import SANDBOX, USER_TOKEN_DAYS
from authmock.remote.client import AdminClient, in_process_only, segment


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
        path = f"/bigid/deployments/{segment(deployment)}/secret"
        return str(self._admin.call("GET", path)["secret"])

    def add_deployment(self, name: str, secret: str | None = None) -> str:
        body = {"name": name} if secret is None else {"name": name, "secret": secret}
        self._admin.call("POST", "/bigid/deployments", body)
        return name

    def remove_deployment(self, name: str) -> None:
        self._admin.call("DELETE", f"/bigid/deployments/{segment(name)}")

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
            "DELETE", f"/bigid/deployments/{segment(deployment)}/users/{segment(username)}"
        )

    def user_token(self, username: str, deployment: str = SANDBOX) -> str:
        """The user token seeded for a user when the server was (re)set."""
        path = f"/bigid/deployments/{segment(deployment)}/users/{segment(username)}/user-token"
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
        in_process_only("mock.bigid.route")

    def add_route(self, path: str, **fields: Any) -> dict[str, Any]:
        """A declared route, over ``POST /_authmock/bigid/routes``."""
        return dict(self._admin.call("POST", "/bigid/routes", {"path": path, **fields}))
