"""BigID over HTTP: which requests are BigID's, its endpoints, its envelope and
the two error styles (``spec`` and the recorded ``production`` behaviour)."""

from __future__ import annotations

from werkzeug.http import HTTP_STATUS_CODES

from authmock.bigid.models import (
    BAD_TOKEN,
    CREDENTIALS_REQUIRED,
    SANDBOX,
    TOO_LARGE,
    BigidBackend,
    BigidError,
    BigidPrincipal,
)
from authmock.effects import REFUSED
from authmock.errors import ApiError
from authmock.http.exchange import (
    BadJson,
    Exchange,
    Reply,
    json_reply,
)
from authmock.http.routes import Endpoints, UserRoute, endpoint
from authmock.reasons import Refusal

SANDBOX_HOST = "sandbox.bigid.tools"
DEPLOYMENT_DOMAIN = ".bigid.com"
# Server mode: every deployment also lives under /bigid/{deployment}.
SERVER_PREFIX = "/bigid/"
API_PREFIX = "/api/v1/"
HTML_TYPE = "text/html; charset=utf-8"
# Auth failures that the production style answers with HTTP 200.
AUTH_FAILURES = (400, 401)
DEFAULT_MESSAGES = {
    401: BAD_TOKEN,
    413: TOO_LARGE,
    429: "Too many requests",
    500: "Internal server error",
}


def base_url(deployment: str) -> str:
    """The in-process base URL of a deployment's API."""
    host = SANDBOX_HOST if deployment == SANDBOX else f"{deployment}{DEPLOYMENT_DOMAIN}"
    return f"https://{host}/api/v1"


def host_deployment(host: str) -> str | None:
    """The deployment a host names (existing or not); None for a non-BigID host."""
    name = host.partition(":")[0].rstrip(".")
    if name == SANDBOX_HOST:
        return SANDBOX
    if name.endswith(DEPLOYMENT_DOMAIN) and len(name) > len(DEPLOYMENT_DOMAIN):
        return name[: -len(DEPLOYMENT_DOMAIN)]
    return None


def envelope(status: int, message: str) -> Reply:
    """BigID's error body: exactly ``success`` (false) and ``message``."""
    return json_reply(status, {"success": False, "message": message})


class BigidHttp(Endpoints[BigidBackend]):
    """The BigID endpoints of the engine."""

    name = "bigid"
    title = "BigID"

    # -- which requests are BigID's -------------------------------------------------
    def owns(self, path: str) -> bool:
        """Whether a path is a BigID route, built-in or user-registered (any method)."""
        return self.routes.matches(path)

    def _existing(self, deployment: str | None, path: str) -> str:
        if deployment is None or not self.backend.exists(deployment):
            # What a client sees for a deployment that does not exist: no server.
            detail = (
                f"deployment '{deployment}' does not exist (removed, or never added):"
                " the connection is refused"
                if deployment
                else "no BigID deployment exists: the connection is refused"
            )
            refused = REFUSED.fail(deployment=deployment or "")
            refused.api, refused.path = self.name, path
            refused.refusal = Refusal("deployment_not_found", detail)
            raise refused
        return deployment

    def route_host(self, host: str, path: str) -> tuple[str, str | None] | None:
        """The deployment of an in-process BigID host; None for other hosts.

        Raises :class:`ConnectionFault` for a ``*.bigid.com`` host that is no
        deployment of this mock."""
        deployment = host_deployment(host)
        return None if deployment is None else (path, self._existing(deployment, path))

    def route_path(self, path: str) -> tuple[str, str | None] | None:
        """Server mode: (API path, deployment) for a BigID path, None for Sigma's."""
        if path.startswith(SERVER_PREFIX):
            name, _, rest = path[len(SERVER_PREFIX) :].partition("/")
            return "/" + rest, self._existing(name, "/" + rest)
        if path.startswith(API_PREFIX) and self.owns(path):
            return path, self._existing(self.backend.default_deployment, path)
        return None

    def emulated_host(self, name: str) -> bool:
        return host_deployment(name) is not None

    # -- the engine's interface --------------------------------------------------------
    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply:
        text = message or DEFAULT_MESSAGES.get(status) or HTTP_STATUS_CODES.get(status, "Error")
        return self._styled(envelope(status, text))

    def fault_tenant(self, ex: Exchange) -> str | None:
        return ex.deployment

    def dispatch(self, ex: Exchange) -> Reply:
        """The shared dispatcher's reply, in the deployment's error style."""
        ex.tenant = ex.deployment
        return self._styled(super().dispatch(ex))

    def refused(self, exc: ApiError) -> Reply:
        """The shared reply, but the production style answers auth failures with 200."""
        reply = super().refused(exc)
        if exc.status in AUTH_FAILURES and self.backend.errors == "production":
            reply.status = 200
        return self._styled(reply)  # again: Content-Type last, after the error's headers

    def _styled(self, reply: Reply) -> Reply:
        if self.backend.errors == "production":
            # Recorded from real deployments: HTML content type on JSON bodies.
            reply.headers = [h for h in reply.headers if h[0].lower() != "content-type"]
            reply.headers.append(("Content-Type", HTML_TYPE))
        return reply

    # -- routing: the envelope and auth the dispatcher asks for -------------------------
    def route_error(
        self, status: int, message: str, detail: str, headers: dict[str, str] | None = None
    ) -> BigidError:
        return BigidError(status, message, headers, reason="invalid_request", detail=detail)

    def authorize(self, ex: Exchange, route: UserRoute) -> BigidPrincipal:
        deployments = route.options.get("deployments")
        if deployments is not None and ex.deployment not in deployments:
            # Declared for other deployments only: here the route does not exist.
            raise BigidError(
                404,
                f"Route {ex.method} {ex.path} not found",
                reason="invalid_request",
                detail=f"the route is declared for other deployments, not '{ex.deployment}'",
            )
        principal = self.backend.authenticate(self._deployment(ex), ex.header("Authorization"))
        ex.principal = principal.username
        return principal

    @staticmethod
    def _deployment(ex: Exchange) -> str:
        assert ex.deployment is not None  # the engine routes only with a deployment
        return ex.deployment

    # -- endpoints ----------------------------------------------------------------------
    @endpoint("POST", "/api/v1/sessions")
    def _sessions(self, ex: Exchange) -> Reply:
        try:
            body = ex.json()
        except BadJson:
            body = None
        username = body.get("username") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        # Missing, empty (falsy, as the product's JavaScript sees it) or not strings.
        if not (isinstance(username, str) and username and isinstance(password, str) and password):
            missing = "username" if not (isinstance(username, str) and username) else "password"
            detail = f"no {missing} (a non-empty string) in the JSON body"
            raise BigidError(400, CREDENTIALS_REQUIRED, reason="invalid_request", detail=detail)
        token, user = self.backend.login(self._deployment(ex), username, password)
        ex.principal = user.username
        return json_reply(
            200,
            {
                "success": True,
                "message": "Enjoy your token!",
                "auth_token": token,
                "username": user.username,
                "firstName": user.first_name,
                "lastName": user.last_name,
                "email": user.email,
                "permissions": user.permissions,
                "isPasswordChangeNeeded": False,
            },
        )

    @endpoint("GET", "/api/v1/refresh-access-token")
    @endpoint("POST", "/api/v1/refresh-access-token")
    def _refresh(self, ex: Exchange) -> Reply:
        token, user = self.backend.refresh(self._deployment(ex), ex.header("Authorization"))
        ex.principal = user.username
        return json_reply(200, {"success": True, "systemToken": token})
