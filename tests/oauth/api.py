"""A tiny OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4).

``POST /oauth/token`` takes a form-encoded ``grant_type=client_credentials``
with ``client_id`` and ``client_secret``, and answers a bearer token;
``POST /oauth/introspect`` (RFC 7662) says whether a token is active. Errors
use OAuth's envelope: ``{"error": ..., "error_description": ...}``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from werkzeug.routing import Rule

from authmock.apis import (
    AdminOperation,
    AdminRoutes,
    ApiHttp,
    EmulatedApi,
    Fail,
    HttpContext,
    Seeding,
)
from authmock.clock import Clock
from authmock.errors import ApiError
from authmock.http.admin_kit import field
from authmock.http.admin_openapi import STRING, obj
from authmock.http.exchange import Exchange, Reply, json_reply
from authmock.http.routes import Endpoints, UserRoute, endpoint
from authmock.remote.client import AdminClient
from authmock.security import same, sha256_hex
from authmock.snapshot import Node

HOST = "auth.oauth.test"
URL = f"https://{HOST}"
TOKEN_TTL = 3600
ERRORS = {400: "invalid_request", 401: "invalid_client", 404: "not_found", 405: "invalid_request"}


@dataclass(frozen=True)
class ClientSeed:
    client_id: str
    client_secret: str


@dataclass
class Token:
    client_id: str
    expires_at: float


class OAuthError(ApiError):
    """OAuth's error: ``error`` and ``error_description`` (the message) in its envelope."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        reason: str,
        headers: dict[str, str] | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(status, description, headers, reason=reason, detail=detail or description)
        self.error = error


class OAuthBackend:
    """Clients and the tokens issued to them (state and rules: no HTTP)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.clients: dict[str, str] = {}  # client_id -> SHA-256 of its secret
        self.tokens: dict[str, Token] = {}  # SHA-256 of a token -> what it is

    def load(self, seed: tuple[ClientSeed, ...]) -> None:
        with self.lock:
            self.clients = {c.client_id: sha256_hex(c.client_secret) for c in seed}
            self.tokens = {}

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {"clients": [{"client_id": c} for c in self.clients]}

    def add_client(self, client_id: str, client_secret: str) -> None:
        with self.lock:
            if client_id in self.clients:
                raise ValueError(f"client '{client_id}' already exists")
            self.clients[client_id] = sha256_hex(client_secret)

    def issue(self, client_id: str, client_secret: str) -> str:
        known = self.clients.get(client_id)
        # Compare even for an unknown client: the time must not tell which it was.
        if not same(sha256_hex(client_secret), known or "0" * 64) or known is None:
            raise OAuthError(
                401, "invalid_client", "Client authentication failed", "bad_credentials"
            )
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[sha256_hex(token)] = Token(client_id, self.clock.now() + TOKEN_TTL)
        return token

    def introspect(self, token: str) -> dict[str, Any]:
        found = self.tokens.get(sha256_hex(token))
        if found is None or found.expires_at <= self.clock.now():
            return {"active": False}
        return {"active": True, "client_id": found.client_id, "exp": int(found.expires_at)}


def error_reply(status: int, error: str | None = None, message: str | None = None) -> Reply:
    code = error if error and error.islower() else ERRORS.get(status, "server_error")
    return json_reply(status, {"error": code, "error_description": message or code})


class OAuthHttp(Endpoints[OAuthBackend]):
    """The HTTP layer on the shared dispatcher: which requests are ours, the
    two ``@endpoint`` handlers, the envelope (``error``: the shared ``handle``
    answers an ``OAuthError`` through it). No user routes: ``authorize``
    refuses them."""

    name = "oauth"
    title = "OAuth"

    def route_host(self, host: str, path: str) -> tuple[str, str | None] | None:
        return (path, None) if host == HOST else None

    def route_path(self, path: str) -> tuple[str, str | None] | None:
        return (path, None) if path.startswith("/oauth/") else None

    def emulated_host(self, name: str) -> bool:
        return name == HOST

    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply:
        return error_reply(status, error, message)

    def route_error(
        self, status: int, message: str, detail: str, headers: dict[str, str] | None = None
    ) -> OAuthError:
        return OAuthError(status, ERRORS[status], message, "invalid_request", headers, detail)

    def authorize(self, ex: Exchange, route: UserRoute) -> Any:
        raise OAuthError(401, "invalid_client", "no user routes", "missing_credentials")

    def fault_tenant(self, ex: Exchange) -> str | None:
        return None

    @endpoint("POST", "/oauth/token")
    def _token_endpoint(self, ex: Exchange) -> Reply:
        return self._token(ex, self._form(ex))

    @endpoint("POST", "/oauth/introspect")
    def _introspect_endpoint(self, ex: Exchange) -> Reply:
        return self._introspect(self._form(ex))

    @staticmethod
    def _form(ex: Exchange) -> dict[str, str]:
        kind = (ex.header("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise OAuthError(
                400, "invalid_request", "the body must be form-encoded", "invalid_request"
            )
        try:
            return dict(parse_qsl(ex.body().decode("utf-8"), max_num_fields=20))
        except (UnicodeDecodeError, ValueError):
            raise OAuthError(
                400, "invalid_request", "the form cannot be read", "invalid_request"
            ) from None

    def _token(self, ex: Exchange, form: dict[str, str]) -> Reply:
        grant = form.get("grant_type")
        if grant != "client_credentials":
            error = "invalid_request" if grant is None else "unsupported_grant_type"
            raise OAuthError(
                400, error, f"grant_type {grant!r} is not supported", "invalid_request"
            )
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if not client_id or not secret:
            raise OAuthError(
                400,
                "invalid_request",
                "client_id and client_secret are required",
                "invalid_request",
            )
        token = self.backend.issue(client_id, secret)
        ex.principal = client_id
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL}
        return json_reply(200, body)

    def _introspect(self, form: dict[str, str]) -> Reply:
        token = form.get("token")
        if not token:
            raise OAuthError(400, "invalid_request", "token is required", "invalid_request")
        return json_reply(200, self.backend.introspect(token))


class OAuthControl:
    """``mock.api("oauth")``."""

    url = URL

    def __init__(self, backend: OAuthBackend) -> None:
        self._backend = backend

    @property
    def clients(self) -> list[dict[str, Any]]:
        return list(self._backend.state()["clients"])

    def add_client(self, client_id: str, client_secret: str) -> str:
        self._backend.add_client(client_id, client_secret)
        return client_id


class RemoteOAuth:
    """``RemoteAuthMock.api("oauth")``: the same over the admin API."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin
        self.url = admin.url

    @property
    def clients(self) -> list[dict[str, Any]]:
        return list(self._admin.call("GET", "/state")["oauth"]["clients"])

    def add_client(self, client_id: str, client_secret: str) -> str:
        body = {"client_id": client_id, "client_secret": client_secret}
        self._admin.call("POST", "/oauth/clients", body)
        return client_id


class OAuthApi(EmulatedApi):
    name = "oauth"
    title = "OAuth token endpoint (test-only)"
    scenario_schema: ClassVar[Mapping[str, Any]] = {
        "clients": [{"client_id!": str, "client_secret!": str}]
    }

    def backend(self, clock: Clock, options: Mapping[str, Any]) -> OAuthBackend:
        return OAuthBackend(clock)

    def seed(self, seeding: Seeding, section: Mapping[str, Any]) -> tuple[ClientSeed, ...]:
        if "clients" in section:
            return tuple(ClientSeed(c["client_id"], c["client_secret"]) for c in section["clients"])
        secret = "".join(
            seeding.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32)
        )
        return (ClientSeed(f"client-{seeding.seed}", secret),)

    def validate_scenario(self, section: Mapping[str, Any], fail: Fail) -> None:
        seen: set[str] = set()
        for i, client in enumerate(section.get("clients", [])):
            if client["client_id"] in seen:
                fail(f"clients[{i}].client_id", f"duplicate client '{client['client_id']}'")
            seen.add(client["client_id"])

    def credentials(self, seed: tuple[ClientSeed, ...], http: ApiHttp) -> dict[str, Any]:
        return {
            "clients": [{"client_id": c.client_id, "client_secret": c.client_secret} for c in seed]
        }

    def credentials_table(self, document: Mapping[str, Any], base_url: str | None) -> list[str]:
        lines = [f"OAuth  {base_url or URL}/oauth/token"]
        for client in document["oauth"]["clients"]:
            lines.append(f"    {client['client_id']:<40} {client['client_secret']}")
        return lines

    def snapshot(self, backend: OAuthBackend) -> dict[str, Any]:
        return {"clients": dict(backend.clients)}

    def restore(self, backend: OAuthBackend, node: Node, clock: Clock) -> Callable[[], None]:
        clients = node.get("clients", dict)

        def commit() -> None:
            backend.clients = dict(clients)
            backend.tokens = {}

        return commit

    def http(self, backend: OAuthBackend, context: HttpContext) -> OAuthHttp:
        return OAuthHttp(backend, context.on_handler_error, context.declared)

    def admin_routes(self, backend: OAuthBackend, http: ApiHttp) -> AdminRoutes:
        def add_client(body: Any) -> Reply:
            client_id = field(body, "client_id", str)
            backend.add_client(client_id, field(body, "client_secret", str))
            return json_reply(201, {"client_id": client_id})

        return [(Rule("/_authmock/oauth/clients", methods=["POST"]), add_client)]

    def admin_operations(self) -> Mapping[tuple[str, str], AdminOperation]:
        client = obj(("client_id", "client_secret"), client_id=STRING, client_secret=STRING)
        return {
            ("post", "/_authmock/oauth/clients"): (
                "Add a client",
                client,
                {201: obj(("client_id",), client_id=STRING)},
            )
        }

    def state_schema(self) -> dict[str, Any]:
        client = obj(("client_id",), client_id=STRING)
        return obj(("clients",), clients={"type": "array", "items": client})

    def openapi(self) -> dict[str, Any]:
        form = {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "client_id", "client_secret"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                    },
                }
            }
        }
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": "1"},
            "paths": {
                "/oauth/token": {
                    "post": {
                        "operationId": "token",
                        "requestBody": {"required": True, "content": form},
                        "responses": {"200": {"description": "A bearer token"}},
                    }
                },
                "/oauth/introspect": {
                    "post": {
                        "operationId": "introspect",
                        "responses": {"200": {"description": "Whether a token is active"}},
                    }
                },
            },
        }

    def control(self, backend: OAuthBackend, http: ApiHttp) -> OAuthControl:
        return OAuthControl(backend)

    def remote(self, admin: AdminClient) -> RemoteOAuth:
        return RemoteOAuth(admin)
