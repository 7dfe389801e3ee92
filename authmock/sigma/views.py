"""Sigma PIM over HTTP: routing, request parsing and the error envelope."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.http import HTTP_STATUS_CODES

from authmock import errors
from authmock.http.declared import DeclaredRoutes
from authmock.http.exchange import (
    JSON_HEADER,
    BadJson,
    Exchange,
    Reply,
    default_port,
    dumps,
    json_reply,
)
from authmock.http.routes import Endpoints, UserRoute, endpoint
from authmock.reasons import json_kind
from authmock.sigma.models import (
    ROLE_ORDER,
    ROLES,
    Principal,
    SigmaBackend,
    SigmaError,
    invalid,
    no_workspace,
    require,
    require_key_manager,
)

DEFAULT_URL = "https://api.sigma-pim.com"
NOT_OBJECT = "Request body must be a JSON object"
ERROR_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}
DEFAULT_MESSAGES = {
    401: "Invalid or expired token",
    413: "Request body exceeds 1 MiB",
    429: "Too many requests",
}


@functools.cache
def _roles_body() -> bytes:
    """GET /api/v1/roles answers the same constant list to everyone."""
    return dumps([ROLES[r] for r in ROLE_ORDER])


def error_reply(status: int, error: str | None = None, message: str | None = None) -> Reply:
    """The flat Sigma envelope: exactly ``error`` and ``message``."""
    reply = json_reply(
        status,
        {
            "error": error or ERROR_CODES.get(status, "HTTP_ERROR"),
            "message": message
            or DEFAULT_MESSAGES.get(status)
            or HTTP_STATUS_CODES.get(status, "Error"),
        },
    )
    if status == 429:
        reply.headers.append(("Retry-After", "1"))
    return reply


class SigmaHttp(Endpoints[SigmaBackend]):
    """The Sigma endpoints of the engine."""

    name = "sigma"
    title = "Sigma"

    def __init__(
        self,
        backend: SigmaBackend,
        on_handler_error: Callable[[BaseException], None],
        declared: DeclaredRoutes | None = None,
        url: str = DEFAULT_URL,
    ):
        super().__init__(backend, on_handler_error, declared)
        # In-process, Sigma answers at this URL (its path a prefix of every route).
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        self.host = default_port(parts.netloc.lower(), parts.scheme)
        self.prefix = parts.path.rstrip("/")
        self.hostname = (parts.hostname or "").rstrip(".")

    # -- which requests are Sigma's ---------------------------------------------------
    def route_host(self, host: str, path: str) -> tuple[str, str | None] | None:
        """Requests to sigma_url's host, under its path (segment-wise: /pim, not /pimx)."""
        if host != self.host:
            return None
        prefix = self.prefix
        if not prefix:
            return path, None
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix) :] or "/", None
        return None

    def route_path(self, path: str) -> tuple[str, str | None] | None:
        """On a server Sigma answers at the root, every path no other API claims."""
        return path, None

    def emulated_host(self, name: str) -> bool:
        return name == self.hostname

    # -- the engine's interface ------------------------------------------------
    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply:
        return error_reply(status, error, message)

    def fault_tenant(self, ex: Exchange) -> str | None:
        """The workspace a request is about, known before routing."""
        authorization = ex.header("Authorization")
        if authorization:
            token = authorization.strip().partition(" ")[2].strip()
            workspace = self.backend.token_workspace(token)
            if workspace:
                return workspace
        raw_key = ex.header("X-Sigma-ApiKey")
        if raw_key:
            key = self.backend.key_for(raw_key)
            if key is not None:
                return key.workspace_id
        body = ex.json_or_none()
        if isinstance(body, dict) and isinstance(body.get("workspaceId"), str):
            return str(body["workspaceId"])
        if isinstance(body, dict) and isinstance(body.get("token"), str):
            return self.backend.token_workspace(body["token"])
        return None

    # -- routing: the envelope and auth the dispatcher asks for -------------------------
    def route_error(
        self, status: int, message: str, detail: str, headers: dict[str, str] | None = None
    ) -> SigmaError:
        code = ERROR_CODES[status]
        return SigmaError(status, code, message, headers, reason="invalid_request", detail=detail)

    def authorize(self, ex: Exchange, route: UserRoute) -> Principal:
        principal = self._principal(ex)
        require(principal, route.options.get("permission", "read"))
        return principal

    def _principal(self, ex: Exchange) -> Principal:
        authorization = ex.header("Authorization")
        # A Bearer token wins over a key (authenticate ignores the key then).
        api_key = ex.header("X-Sigma-ApiKey") if authorization is None else None
        principal = self.backend.authenticate(authorization, api_key)
        ex.tenant = principal.workspace_id
        ex.principal = principal.label
        return principal

    @staticmethod
    def _object(ex: Exchange) -> dict[str, Any]:
        try:
            body = ex.json()
        except BadJson:
            raise invalid(NOT_OBJECT, "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid(NOT_OBJECT, f"the request body is {json_kind(body)}, not an object")
        return body

    # -- endpoints -----------------------------------------------------------------
    @endpoint("GET", "/healthz")
    def _healthz(self, ex: Exchange) -> Reply:
        return json_reply(200, {"status": "ok"})

    @endpoint("GET", "/api/v1/auth/quick-logins")
    def _quick_logins(self, ex: Exchange) -> Reply:
        return json_reply(200, self.backend.quick_logins())

    @endpoint("POST", "/api/v1/auth/login")
    def _login(self, ex: Exchange) -> Reply:
        body = self._object(ex)
        email, password = body.get("email"), body.get("password")
        if (
            not isinstance(email, str)
            or not email.strip()
            or not isinstance(password, str)
            or not password
        ):
            raise invalid("Email and password are required")
        workspace = body.get("workspaceId")
        if workspace is not None and not isinstance(workspace, str):
            raise invalid("workspaceId must be a string")
        ex.tenant = workspace
        token, user = self.backend.login(email, password, workspace)
        ex.tenant, ex.principal = user.workspace_id, user.id
        return json_reply(200, {"token": token, "user": user.to_json()})

    @endpoint("POST", "/api/v1/auth/refresh")
    def _refresh(self, ex: Exchange) -> Reply:
        body = self._object(ex)
        token = body.get("token")
        if not isinstance(token, str) or not token.strip():
            raise invalid("Token is required in the request body")
        new_token, user = self.backend.refresh(token.strip())
        ex.tenant, ex.principal = user.workspace_id, user.id
        return json_reply(200, {"token": new_token, "user": user.to_json()})

    @endpoint("GET", "/api/v1/api-keys")
    def _list_keys(self, ex: Exchange) -> Reply:
        principal = self._principal(ex)
        if principal.api_key_id is None:
            require_key_manager(principal)
        else:
            require(principal, "read")
        tenant = self.backend.tenants.get(principal.workspace_id)
        if tenant is None:
            raise no_workspace(principal.workspace_id)
        keys = [self.backend.key_json(k) for k in list(tenant.keys.values())]
        return json_reply(200, keys)

    @endpoint("POST", "/api/v1/api-keys")
    def _create_key(self, ex: Exchange) -> Reply:
        principal = self._principal(ex)
        require_key_manager(principal)
        body = self._object(ex)
        name, permissions = body.get("name"), body.get("permissions")
        try:
            key, raw = self.backend.create_key(principal.workspace_id, name, permissions)
        except errors.NotFound:  # the workspace was removed after authentication
            raise no_workspace(principal.workspace_id) from None
        return json_reply(201, {**self.backend.key_json(key), "key": raw})

    @endpoint("POST", "/api/v1/api-keys/<key_id>/deactivate")
    def _deactivate_key(self, ex: Exchange, key_id: str) -> Reply:
        principal = self._principal(ex)
        require_key_manager(principal)
        key = self.backend.deactivate_key(principal.workspace_id, key_id)
        return json_reply(200, self.backend.key_json(key))

    @endpoint("DELETE", "/api/v1/api-keys/<key_id>")
    def _delete_key(self, ex: Exchange, key_id: str) -> Reply:
        principal = self._principal(ex)
        require_key_manager(principal)
        self.backend.delete_key(principal.workspace_id, key_id)
        return Reply(204)

    @endpoint("GET", "/api/v1/roles")
    def _roles(self, ex: Exchange) -> Reply:
        principal = self._principal(ex)
        if principal.api_key_id is not None:
            require(principal, "read")
        return Reply(200, _roles_body(), [JSON_HEADER])
