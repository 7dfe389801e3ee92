"""Sigma PIM state and rules: tenants, users, roles, API keys, tokens.

No HTTP here. Every failure is a :class:`SigmaError` carrying the status,
error code and message the API answers with.
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from authmock.clock import Clock
from authmock.errors import ApiError, Invalid, NotFound
from authmock.reasons import clip
from authmock.security import new_secret, same, sha256_hex
from authmock.tokens import TokenCodec, TokenError

if TYPE_CHECKING:
    from authmock.sigma.seed import SigmaSeed

TOKEN_TTL = 86400
KEY_PREFIX = "sigma_sk_live_"

MISSING_AUTH = "Missing authentication"
BAD_TOKEN = "Invalid or expired token"
BAD_KEY = "Invalid API key"
BAD_LOGIN = "Invalid email or password"
NO_WORKSPACE = "Workspace not found"
PERMISSIONS = ("read", "update-data", "delete-data", "update-model", "delete-model")
SIGMA_ROLES = ("role-admin", "role-editor", "role-viewer")

ROLES: dict[str, dict[str, Any]] = {
    "role-admin": {
        "id": "role-admin",
        "name": "Admin",
        "description": "Full access, including API key management",
        "permissions": list(PERMISSIONS),
    },
    "role-editor": {
        "id": "role-editor",
        "name": "Editor",
        "description": "Read and change data",
        "permissions": ["read", "update-data", "delete-data"],
    },
    "role-viewer": {
        "id": "role-viewer",
        "name": "Viewer",
        "description": "Read-only access",
        "permissions": ["read"],
    },
}
ROLE_ORDER = SIGMA_ROLES
# Only admins manage API keys; keys never manage keys.
KEY_MANAGERS = frozenset({"role-admin"})


class SigmaError(ApiError):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        reason: str,
        detail: str,
    ):
        super().__init__(status, message, headers, reason=reason, detail=detail)
        self.error = error


def unauthorized(message: str, reason: str, detail: str) -> SigmaError:
    return SigmaError(401, "UNAUTHORIZED", message, reason=reason, detail=detail)


def invalid(message: str, detail: str | None = None) -> SigmaError:
    """A 400: the message is the detail too unless one is given."""
    return SigmaError(
        400, "VALIDATION_ERROR", message, reason="invalid_request", detail=detail or message
    )


def not_found(message: str, reason: str, detail: str) -> SigmaError:
    return SigmaError(404, "NOT_FOUND", message, reason=reason, detail=detail)


def denied(message: str, detail: str) -> SigmaError:
    return SigmaError(403, "PERMISSION_DENIED", message, reason="permission_denied", detail=detail)


def no_workspace(workspace_id: str) -> SigmaError:
    return unauthorized(
        NO_WORKSPACE, "workspace_not_found", f"workspace '{workspace_id}' does not exist"
    )


@dataclass
class User:
    id: str
    email: str
    password: str
    name: str
    role_id: str
    quick_login: bool
    workspace_id: str

    def credentials(self) -> dict[str, Any]:
        """What a login screen needs: the user, with the password."""
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "roleId": self.role_id,
            "password": self.password,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "roleId": self.role_id,
            "workspaceId": self.workspace_id,
        }


@dataclass
class ApiKey:
    id: str
    name: str
    permissions: list[str]
    hash: str
    created_at: float
    workspace_id: str
    active: bool = True
    last_used_at: float | None = None


@dataclass
class Tenant:
    workspace_id: str
    name: str
    users: dict[str, User] = field(default_factory=dict)
    by_email: dict[str, User] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (JWT) or an API key, scoped to one workspace."""

    workspace_id: str
    user_id: str | None
    role_id: str | None
    api_key_id: str | None
    permissions: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.user_id or self.api_key_id or "?"

    def describe(self) -> str:
        """Who lacks a permission, for refusal details: "role role-viewer", "API key ..."."""
        if self.api_key_id is not None:
            return f"API key {self.api_key_id} (permissions: {', '.join(self.permissions)})"
        return f"role {self.role_id}"

    def can_manage_keys(self) -> bool:
        return self.api_key_id is None and self.role_id in KEY_MANAGERS


@functools.lru_cache(maxsize=4096)
def _user_principal(workspace_id: str, user_id: str, role_id: str) -> Principal:
    """A signed-in user's principal. The token's role decides, as in the product;
    an unknown role has no rights. One per (user, role): it is immutable, and
    the engine asks for it on every authenticated call."""
    role = ROLES.get(role_id)
    permissions = tuple(role["permissions"]) if role else ()
    return Principal(workspace_id, user_id, role_id, None, permissions)


def normal_email(email: str) -> str:
    return email.strip().lower()


class SigmaBackend:
    """One emulator's Sigma state. Thread-safe: the live server is threaded."""

    CLAIMS: ClassVar[dict[str, type]] = {
        "userId": str,
        "workspaceId": str,
        "roleId": str,
        "iat": int,
        "exp": int,
    }

    def __init__(self, clock: Clock, secret: str | None = None) -> None:
        self.clock = clock
        self.configured_secret = secret
        self.lock = threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self._keys_by_hash: dict[str, ApiKey] = {}
        # SHA-256 of keys that are gone -> why, for refusal details only.
        self._gone_keys: dict[str, str] = {}
        self.codec = TokenCodec(secret or new_secret(), clock, self.CLAIMS)

    # -- loading -----------------------------------------------------------
    def load(self, seed: SigmaSeed) -> None:
        """Replace all state with the seeded data; tokens issued before are void."""
        with self.lock:
            secret = self.configured_secret or seed.secret or new_secret()
            self.codec = TokenCodec(secret, self.clock, self.CLAIMS)
            self.tenants = {}
            self._keys_by_hash = {}
            self._gone_keys = {}
            for t in seed.tenants:
                tenant = self.add_tenant(t.workspace_id, t.name)
                for u in t.users:
                    self._store_user(
                        tenant,
                        User(
                            u.id,
                            u.email,
                            u.password,
                            u.name,
                            u.role_id,
                            u.quick_login,
                            t.workspace_id,
                        ),
                    )
                for k in t.api_keys:
                    self._store_key(
                        ApiKey(
                            k.id,
                            k.name,
                            list(k.permissions),
                            k.hash,
                            k.created_at,
                            t.workspace_id,
                            k.active,
                        )
                    )

    def replace(
        self, codec: TokenCodec, tenants: dict[str, Tenant], keys_by_hash: dict[str, ApiKey]
    ) -> None:
        """Swap in a whole state (a snapshot's restore); tokens are checked with ``codec``."""
        with self.lock:
            self.codec = codec
            self.tenants = tenants
            self._keys_by_hash = keys_by_hash

    @property
    def secret(self) -> str:
        return self.codec.secret

    # -- tenants and users ---------------------------------------------------
    def add_tenant(self, workspace_id: str, name: str) -> Tenant:
        if not workspace_id.strip() or not name.strip():
            raise Invalid("workspace id and name must not be empty")
        with self.lock:
            if workspace_id in self.tenants:
                raise Invalid(f"workspace '{workspace_id}' already exists")
            tenant = self.tenants[workspace_id] = Tenant(workspace_id, name)
            return tenant

    def tenant(self, workspace_id: str) -> Tenant:
        tenant = self.tenants.get(workspace_id)
        if tenant is None:
            raise NotFound(f"no workspace '{workspace_id}'")
        return tenant

    def add_user(
        self,
        workspace_id: str,
        email: str,
        password: str,
        role_id: str = "role-viewer",
        name: str | None = None,
        quick_login: bool = False,
        user_id: str | None = None,
    ) -> User:
        if role_id not in ROLES:
            raise Invalid(f"unknown role '{role_id}' (one of {', '.join(ROLE_ORDER)})")
        if not email.strip() or "@" not in email:
            raise Invalid(f"'{email}' is not an email")
        if not password:
            raise Invalid("password must not be empty")
        with self.lock:
            tenant = self.tenant(workspace_id)
            if normal_email(email) in tenant.by_email:
                raise Invalid(f"email '{email}' already exists in workspace '{workspace_id}'")
            uid = user_id or f"user-{secrets.token_hex(5)}"
            if uid in tenant.users:
                raise Invalid(f"user id '{uid}' already exists in workspace '{workspace_id}'")
            user = User(
                uid,
                email.strip(),
                password,
                name or email.split("@")[0],
                role_id,
                quick_login,
                workspace_id,
            )
            self._store_user(tenant, user)
            return user

    def _store_user(self, tenant: Tenant, user: User) -> None:
        tenant.users[user.id] = user
        tenant.by_email[normal_email(user.email)] = user

    def remove_workspace(self, workspace_id: str) -> None:
        with self.lock:
            tenant = self.tenant(workspace_id)
            del self.tenants[workspace_id]
            for key in tenant.keys.values():
                self._keys_by_hash.pop(key.hash, None)
                self._forget_key(key, f"its workspace '{workspace_id}' was removed")

    def remove_user(self, workspace_id: str, user_id: str) -> None:
        with self.lock:
            tenant = self.tenant(workspace_id)
            user = tenant.users.pop(user_id, None)
            if user is None:
                raise NotFound(f"no user '{user_id}' in workspace '{workspace_id}'")
            tenant.by_email.pop(normal_email(user.email), None)

    def find_user(self, email_or_id: str, workspace_id: str | None = None) -> User:
        tenants = [self.tenant(workspace_id)] if workspace_id else list(self.tenants.values())
        for tenant in tenants:
            user = tenant.users.get(email_or_id) or tenant.by_email.get(normal_email(email_or_id))
            if user is not None:
                return user
        where = f" in workspace '{workspace_id}'" if workspace_id else ""
        raise NotFound(f"no user '{email_or_id}'{where}")

    # -- tokens ----------------------------------------------------------------
    def issue_token(self, user: User, expires_in: int = TOKEN_TTL) -> str:
        now = self.clock.now_int()
        return self.codec.encode(
            {
                "userId": user.id,
                "workspaceId": user.workspace_id,
                "roleId": user.role_id,
                "iat": now,
                "exp": now + int(expires_in),
            }
        )

    def login(self, email: str, password: str, workspace_id: str | None) -> tuple[str, User]:
        key = normal_email(email)
        if workspace_id is not None:
            tenant = self.tenants.get(workspace_id)
            if tenant is None:
                raise unauthorized(
                    BAD_LOGIN,
                    "workspace_not_found",
                    f"workspace '{clip(workspace_id)}' does not exist",
                )
            candidates = [tenant]
        else:
            candidates = list(self.tenants.values())
        wrong_password: list[str] = []
        for tenant in candidates:
            # A dictionary lookup per tenant: login cost does not grow with users.
            user = tenant.by_email.get(key)
            if user is not None:
                if same(user.password, password):
                    return self.issue_token(user), user
                wrong_password.append(tenant.workspace_id)
        if wrong_password:
            detail = f"wrong password for '{clip(email)}' in workspace '{wrong_password[0]}'"
        else:
            where = f"workspace '{workspace_id}'" if workspace_id is not None else "any workspace"
            detail = f"no user with email '{clip(email)}' in {where}"
        raise unauthorized(BAD_LOGIN, "bad_credentials", detail)

    def _token_user(self, token: str) -> tuple[User, dict[str, Any]]:
        try:
            claims = self.codec.decode(token)
        except TokenError as exc:
            refusal = exc.refusal
            detail = refusal.detail
            if refusal.reason == "bad_signature":
                detail = (
                    "not signed with this emulator's Sigma secret "
                    "(a token from before a reset, from another emulator, or forged)"
                )
            raise unauthorized(BAD_TOKEN, refusal.reason, detail) from None
        tenant = self.tenants.get(claims["workspaceId"])
        if tenant is None:
            raise no_workspace(claims["workspaceId"])
        user = tenant.users.get(claims["userId"])
        if user is None:
            raise unauthorized(
                BAD_TOKEN,
                "user_not_found",
                f"user '{claims['userId']}' no longer exists in workspace '{tenant.workspace_id}'",
            )
        return user, claims

    def refresh(self, token: str) -> tuple[str, User]:
        user, _ = self._token_user(token)
        return self.issue_token(user), user

    def token_workspace(self, token: str) -> str | None:
        """The workspace a genuine token names, expired or not, for fault
        matching (None if forged or unreadable)."""
        try:
            return str(self.codec.signed_claims(token)["workspaceId"])
        except TokenError:
            return None

    # -- authentication ------------------------------------------------------
    def authenticate(self, authorization: str | None, api_key: str | None) -> Principal:
        if authorization is not None:
            user, claims = self._token_user(bearer_token(authorization))
            return _user_principal(user.workspace_id, user.id, claims["roleId"])
        if api_key is not None:
            key = self.key_for(api_key)
            if key is None:
                raise unauthorized(BAD_KEY, "key_unknown", self._unknown_key(api_key))
            if not key.active:
                raise unauthorized(
                    BAD_KEY, "key_inactive", f"API key {key.id} ('{key.name}') was deactivated"
                )
            key.last_used_at = self.clock.now()
            return Principal(key.workspace_id, None, None, key.id, tuple(key.permissions))
        raise unauthorized(
            MISSING_AUTH,
            "missing_credentials",
            "neither an Authorization header nor an X-Sigma-ApiKey header was sent",
        )

    def _unknown_key(self, raw: str) -> str:
        if not raw.startswith(KEY_PREFIX):
            return f"the key does not start with '{KEY_PREFIX}'"
        gone = self._gone_keys.get(sha256_hex(raw))
        if gone is not None:
            return gone
        return "no API key of this emulator has this key's hash (mistyped, or from before a reset)"

    def _forget_key(self, key: ApiKey, why: str) -> None:
        self._gone_keys[key.hash] = f"API key {key.id} ('{key.name}'): {why}"

    def key_for(self, raw: str) -> ApiKey | None:
        if not raw.startswith(KEY_PREFIX):
            return None
        digest = sha256_hex(raw)
        key = self._keys_by_hash.get(digest)
        # The dict lookup finds the candidate; the comparison that decides is constant-time.
        if key is None or not same(key.hash, digest) or key.workspace_id not in self.tenants:
            return None
        return key

    # -- API keys ------------------------------------------------------------------
    def _store_key(self, key: ApiKey) -> None:
        self.tenants[key.workspace_id].keys[key.id] = key
        self._keys_by_hash[key.hash] = key

    def create_key(self, workspace_id: str, name: Any, permissions: Any) -> tuple[ApiKey, str]:
        validate_key_spec(name, permissions)
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.lock:
            self.tenant(workspace_id)
            key = ApiKey(
                f"apikey-{secrets.token_hex(5)}",
                name,
                list(permissions),
                sha256_hex(raw),
                self.clock.now(),
                workspace_id,
            )
            self._store_key(key)
        return key, raw

    def get_key(self, workspace_id: str, key_id: str) -> ApiKey:
        tenant = self.tenants.get(workspace_id)
        key = tenant.keys.get(key_id) if tenant else None
        if key is None:
            # Another workspace's key is as unknown as a key that never existed.
            raise not_found(
                f"API key '{key_id}' not found",
                "key_unknown",
                f"no API key '{clip(key_id)}' in workspace '{workspace_id}'",
            )
        return key

    def deactivate_key(self, workspace_id: str, key_id: str) -> ApiKey:
        with self.lock:
            key = self.get_key(workspace_id, key_id)
            key.active = False
            return key

    def delete_key(self, workspace_id: str, key_id: str) -> None:
        with self.lock:
            key = self.get_key(workspace_id, key_id)
            del self.tenants[workspace_id].keys[key_id]
            self._keys_by_hash.pop(key.hash, None)
            self._forget_key(key, "it was deleted")

    def key_json(self, key: ApiKey) -> dict[str, Any]:
        return {
            "id": key.id,
            "name": key.name,
            "permissions": list(key.permissions),
            "active": key.active,
            "createdAt": self.clock.iso(key.created_at),
            "lastUsedAt": None if key.last_used_at is None else self.clock.iso(key.last_used_at),
        }

    # -- views of the state ----------------------------------------------------
    def quick_logins(self) -> list[dict[str, Any]]:
        return [
            {
                "workspaceId": t.workspace_id,
                "name": t.name,
                "users": [u.credentials() for u in list(t.users.values()) if u.quick_login],
            }
            for t in list(self.tenants.values())
        ]

    def state(self) -> list[dict[str, Any]]:
        """All tenants with users (passwords included) and key objects; no hashes."""
        return [
            {
                "workspaceId": t.workspace_id,
                "name": t.name,
                "users": [
                    {**u.credentials(), "quickLogin": u.quick_login} for u in list(t.users.values())
                ],
                "apiKeys": [self.key_json(k) for k in list(t.keys.values())],
            }
            for t in list(self.tenants.values())
        ]


# Authorization header -> its bearer token: a test sends the same header over
# and over, and parsing it makes four new strings a call. Bounded.
_BEARER: dict[str, str] = {}


def bearer_token(authorization: str) -> str:
    """The token of ``Authorization: Bearer <token>``; a 401 for any other shape."""
    token = _BEARER.get(authorization)
    if token is not None:
        return token
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and " " not in token:
        if len(authorization) <= 2048:  # < 16 MiB held (keys and tokens), whatever is sent
            if len(_BEARER) >= 4096:
                _BEARER.clear()
            _BEARER[authorization] = token
        return token
    if not scheme:
        raise unauthorized(BAD_TOKEN, "missing_credentials", "the Authorization header is empty")
    if scheme.startswith(KEY_PREFIX) and not token:
        detail = "an API key in the Authorization header: send it as X-Sigma-ApiKey"
        raise unauthorized(BAD_TOKEN, "wrong_token_type", detail)
    if not token and scheme.lower() != "bearer" and scheme.count(".") == 2:
        detail = "a raw token in the Authorization header: Sigma needs 'Bearer <token>'"
    elif scheme.lower() != "bearer":
        detail = "the Authorization scheme is not 'Bearer'"
    elif not token:
        detail = "'Bearer' with no token after it"
    else:
        detail = "more than one word after 'Bearer'"
    raise unauthorized(BAD_TOKEN, "malformed_token", detail)


def require(principal: Principal, permission: str) -> None:
    if permission not in principal.permissions:
        raise denied(
            f"This action requires the '{permission}' permission",
            f"{principal.describe()} lacks permission '{permission}'",
        )


def require_key_manager(principal: Principal) -> None:
    if principal.api_key_id is not None:
        raise denied(
            "API keys cannot manage API keys",
            f"API key {principal.api_key_id} used to manage API keys: only users can",
        )
    if not principal.can_manage_keys():
        raise denied(
            "Only workspace admins can manage API keys",
            f"role {principal.role_id} lacks permission 'manage-keys' (role-admin only)",
        )


def validate_key_spec(name: Any, permissions: Any) -> None:
    """The rules for a new API key's name and permissions (400 otherwise)."""
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise invalid("name must be a non-empty string of at most 200 characters")
    if not isinstance(permissions, list) or not permissions:
        raise invalid("permissions must be a non-empty array")
    for value in permissions:
        if not isinstance(value, str) or value not in PERMISSIONS:
            raise invalid(
                f"permissions contains an unknown permission: {value!r} "
                f"(allowed: {', '.join(PERMISSIONS)})"
            )
    if len(set(permissions)) != len(permissions):
        raise invalid("permissions must not contain duplicates")
