"""BigID state and rules: deployments, users, and their three kinds of token.

No HTTP here. Every failure is a :class:`BigidError` carrying the status and
message the ``spec`` error style answers with; the HTTP layer applies the
``production`` style on top.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authmock.bigid.seed import BigidSeed
from authmock.clock import Clock
from authmock.errors import ApiError, Invalid, NotFound
from authmock.reasons import clip
from authmock.security import new_secret, same
from authmock.tokens import TokenCodec, TokenError, signature_id

ACCESS = "access-token"
REFRESH = "refresh-token"
DAY = 86400
SESSION_TTL = DAY
SYSTEM_TTL = DAY
USER_TOKEN_DAYS = 30
MAX_USER_TOKEN_DAYS = 999
ERROR_STYLES = ("spec", "production")
SANDBOX = "sandbox"
# A deployment name is a host name label: {name}.bigid.com.
DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

BAD_LOGIN = "Authentication failed. Username / Password incorrect or insufficient roles in AD."
CREDENTIALS_REQUIRED = "username and password are required"
NO_TOKEN = "No token provided."
BAD_TOKEN = "Failed to authenticate token."
NOT_REFRESH = "Refresh token not valid"
TOO_LARGE = "Payload too large"

# What a session reports as the user's permissions; the role name comes first.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "admin": (
        "admin",
        "catalog.read",
        "catalog.edit",
        "scans.read",
        "scans.run",
        "policies.read",
        "policies.edit",
        "users.manage",
    ),
    "viewer": ("viewer", "catalog.read", "scans.read", "policies.read"),
}


class BigidError(ApiError):
    """An auth failure: the status of the ``spec`` style and the exact message."""


def unauthorized(message: str, reason: str, detail: str) -> BigidError:
    return BigidError(401, message, reason=reason, detail=detail)


def _kind(claims: dict[str, Any]) -> str:
    if claims["type"] == REFRESH:
        return f"a user token (type '{REFRESH}')"
    return f"a session or system token (type '{ACCESS}')"


def check_style(style: Any) -> str:
    if style not in ERROR_STYLES:
        raise Invalid(f"BigID errors must be 'spec' or 'production', not {style!r}")
    return str(style)


def check_seconds(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Invalid(f"{name} must be a positive number of seconds, not {value!r}")
    return value


def check_deployment_name(name: Any) -> str:
    if not isinstance(name, str) or not DNS_LABEL.fullmatch(name):
        raise Invalid(f"deployment name {name!r} is not a DNS label ([a-z0-9-], 1 to 63 chars)")
    return name


def token_from_header(value: str | None) -> str | None:
    """The token of an ``Authorization`` header, sent raw (as real clients do)
    or as ``Bearer <token>`` (as the OpenAPI says); None when there is none."""
    if value is None:
        return None
    value = value.strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    return value or None


@dataclass
class BigidUser:
    username: str
    password: str
    first_name: str
    last_name: str
    email: str
    role: str
    # signature_id of every user token minted for this user (not for a
    # re-added user of the same name): revoked when the user is removed.
    tokens: set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def role_ids(self) -> list[str]:
        return [self.role]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def permissions(self) -> list[str]:
        return list(ROLE_PERMISSIONS.get(self.role, (self.role,)))

    def state(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "password": self.password,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "role": self.role,
        }


@dataclass
class Deployment:
    name: str
    codec: TokenCodec
    users: dict[str, BigidUser] = field(default_factory=dict)
    # signature_id of each revoked user token (the raw token is never kept).
    revoked: set[str] = field(default_factory=set)
    # The user token seeded for each user at load time, minted on first use
    # (signing costs ~40 µs a token: too much for every mock or instance created).
    seeded_tokens: dict[str, str] = field(default_factory=dict)
    # username -> lifetime of its seeded token, issued at ``loaded_at``.
    seeded_ttls: dict[str, int] = field(default_factory=dict)
    loaded_at: int = 0


@dataclass(frozen=True)
class BigidPrincipal:
    """Who is calling a protected route: a session or system token's user."""

    deployment: str
    username: str
    role_ids: list[str]
    is_admin: bool


class BigidBackend:
    """One emulator's BigID state. Thread-safe: the live server is threaded."""

    CLAIMS: ClassVar[dict[str, type]] = {
        "user_name": str,
        "type": str,
        "roleIds": list,
        "isAdmin": bool,
        "iat": int,
        "exp": int,
        "deployment": str,
    }

    def __init__(self, clock: Clock, errors: str = "spec", system_token_ttl: int | None = None):
        self.clock = clock
        self.lock = threading.RLock()
        self.configured_errors = check_style(errors)
        self.errors = self.configured_errors
        self.configured_ttl = (
            None
            if system_token_ttl is None
            else check_seconds(system_token_ttl, "system token TTL")
        )
        self.system_ttl = self.configured_ttl or SYSTEM_TTL
        self.deployments: dict[str, Deployment] = {}
        # The user tokens of removed deployments: one re-added under the name
        # with its configured secret must not revive them.
        self.retired: set[str] = set()
        # Served at /api/v1 in server mode: the first deployment of the scenario.
        self.default_deployment: str | None = None

    # -- loading ---------------------------------------------------------------------
    def load(self, seed: BigidSeed) -> None:
        """Replace all state with the seeded data. Unconfigured secrets are new,
        so every token issued before is void."""
        with self.lock:
            self.errors = self.configured_errors
            self.system_ttl = self.configured_ttl or seed.system_token_ttl or SYSTEM_TTL
            self.deployments = {}
            self.retired = set()
            self.default_deployment = None
            now = self.clock.now_int()
            for d in seed.deployments:
                deployment = self.add_deployment(d.name, d.secret)
                deployment.loaded_at = now
                for u in d.users:
                    user = BigidUser(
                        u.username, u.password, u.first_name, u.last_name, u.email, u.role
                    )
                    deployment.users[user.username] = user
                    deployment.seeded_ttls[user.username] = u.token_days * DAY

    def set_errors(self, style: Any) -> str:
        self.errors = check_style(style)
        return self.errors

    # -- deployments and users ------------------------------------------------------
    def add_deployment(self, name: str, secret: str | None = None) -> Deployment:
        check_deployment_name(name)
        if secret is not None and (not isinstance(secret, str) or not secret):
            raise Invalid("secret must be a non-empty string")
        with self.lock:
            if name in self.deployments:
                raise Invalid(f"deployment '{name}' already exists")
            codec = TokenCodec(secret or new_secret(), self.clock, self.CLAIMS)
            deployment = self.deployments[name] = Deployment(name, codec)
            if self.default_deployment is None:
                self.default_deployment = name
            return deployment

    def deployment(self, name: str) -> Deployment:
        deployment = self.deployments.get(name)
        if deployment is None:
            raise NotFound(f"no deployment '{name}'")
        return deployment

    def exists(self, name: str) -> bool:
        return name in self.deployments

    def remove_deployment(self, name: str) -> None:
        with self.lock:
            target = self.deployment(name)
            for user in list(target.users.values()):
                self._retire(target, user)
            self.retired |= target.revoked
            del self.deployments[name]

    def add_user(
        self,
        deployment: str,
        username: str,
        password: str,
        first_name: str = "",
        role: str = "admin",
        last_name: str = "",
        email: str = "",
    ) -> BigidUser:
        for name, value in (("username", username), ("password", password), ("role", role)):
            if not isinstance(value, str) or not value.strip():
                raise Invalid(f"{name} must be a non-empty string")
        for name, value in (("first_name", first_name), ("last_name", last_name), ("email", email)):
            if not isinstance(value, str):
                raise Invalid(f"{name} must be a string")
        with self.lock:
            target = self.deployment(deployment)
            if username in target.users:
                raise Invalid(f"user '{username}' already exists in deployment '{deployment}'")
            user = BigidUser(username, password, first_name, last_name, email, role)
            target.users[username] = user
            return user

    def remove_user(self, deployment: str, username: str) -> None:
        with self.lock:
            target = self.deployment(deployment)
            user = target.users.get(username)
            if user is None:
                raise NotFound(f"no user '{username}' in deployment '{deployment}'")
            self._retire(target, user)
            del target.users[username]
            target.seeded_tokens.pop(username, None)
            target.seeded_ttls.pop(username, None)

    def _retire(self, deployment: Deployment, user: BigidUser) -> None:
        """Revoke every user token minted for ``user``, its seeded one included
        (minted now if nobody asked for it yet: it is the same token), so that
        none works for a user re-added under the name."""
        if user.username in deployment.seeded_ttls:
            self.seeded_user_token(deployment.name, user.username)
        deployment.revoked |= user.tokens

    def find_user(self, deployment: str, username: str) -> tuple[Deployment, BigidUser]:
        target = self.deployment(deployment)
        user = target.users.get(username)
        if user is None:
            raise NotFound(f"no user '{username}' in deployment '{deployment}'")
        return target, user

    # -- minting -------------------------------------------------------------------
    def _mint(
        self, deployment: Deployment, user: BigidUser, kind: str, ttl: int, now: int | None = None
    ) -> str:
        now = self.clock.now_int() if now is None else now
        return deployment.codec.encode(
            {
                "user_name": user.username,
                "type": kind,
                "roleIds": user.role_ids,
                "isAdmin": user.is_admin,
                "iat": now,
                "exp": now + ttl,
                "deployment": deployment.name,
            }
        )

    def _mint_user_token(
        self, deployment: Deployment, user: BigidUser, ttl: int, now: int | None = None
    ) -> str:
        issued = self.clock.now_int() if now is None else now
        with self.lock:
            while True:
                token = self._mint(deployment, user, REFRESH, ttl, issued)
                token_id = signature_id(token)
                if not self._is_revoked(deployment, token_id):
                    break
                # The same claims in the same second make the same token, and
                # that one is revoked: issue it a second earlier instead.
                issued -= 1
            user.tokens.add(token_id)
        return token

    def _is_revoked(self, deployment: Deployment, token_id: str) -> bool:
        return token_id in deployment.revoked or token_id in self.retired

    def create_user_token(self, deployment: str, username: str, days: int = USER_TOKEN_DAYS) -> str:
        """A long-lived user token (``refresh-token``) of 1 to 999 days."""
        if isinstance(days, bool) or not isinstance(days, int):
            raise Invalid(f"days must be an integer, not {days!r}")
        if not 1 <= days <= MAX_USER_TOKEN_DAYS:
            raise Invalid(f"days must be 1 to {MAX_USER_TOKEN_DAYS}, not {days}")
        target, user = self.find_user(deployment, username)
        return self._mint_user_token(target, user, days * DAY)

    def issue_system_token(
        self, deployment: str, username: str, expires_in: int | None = None
    ) -> str:
        """A system token as refresh-access-token mints it; a negative
        ``expires_in`` mints an expired one."""
        if expires_in is not None and (
            isinstance(expires_in, bool) or not isinstance(expires_in, int)
        ):
            raise Invalid(f"expires_in must be an integer number of seconds, not {expires_in!r}")
        target, user = self.find_user(deployment, username)
        return self._mint(
            target, user, ACCESS, self.system_ttl if expires_in is None else expires_in
        )

    def seeded_user_token(self, deployment: str, username: str) -> str:
        target = self.deployment(deployment)
        token = target.seeded_tokens.get(username)
        if token is None:
            ttl = target.seeded_ttls.get(username)
            user = target.users.get(username)
            if ttl is None or user is None:
                raise NotFound(
                    f"no seeded user token for '{username}' in deployment '{deployment}'"
                )
            # Issued at load time, whenever first asked for: the same token every time.
            token = self._mint_user_token(target, user, ttl, target.loaded_at)
            target.seeded_tokens[username] = token
        return token

    def revoke_user_token(self, token: str) -> str:
        """Revoke a live user token of any deployment; returns the deployment."""
        if not isinstance(token, str) or not token:
            raise Invalid("token must be a non-empty string")
        with self.lock:
            for deployment in list(self.deployments.values()):
                try:
                    claims = self._claims(deployment, token)
                except BigidError:
                    continue
                if claims["type"] != REFRESH:
                    raise Invalid(f"not a user token (its type is '{claims['type']}')")
                deployment.revoked.add(signature_id(token))
                return deployment.name
        raise Invalid("not a live user token of any deployment")

    # -- the rules the endpoints apply -------------------------------------------------
    def _live(self, name: str, failure: str) -> Deployment:
        deployment = self.deployments.get(name)
        if deployment is None:
            # Removed while the request was on its way.
            raise unauthorized(failure, "deployment_not_found", f"deployment '{name}' was removed")
        return deployment

    def _claims(self, deployment: Deployment, token: str) -> dict[str, Any]:
        """Verified claims of a token of this deployment, or ``BAD_TOKEN``."""
        try:
            claims = deployment.codec.decode(token)
        except TokenError as exc:
            refusal = exc.refusal
            detail = refusal.detail
            if refusal.reason == "bad_signature":
                detail = self._whose_signature(deployment, token)
            raise unauthorized(BAD_TOKEN, refusal.reason, detail) from None
        roles = claims["roleIds"]
        if claims["deployment"] != deployment.name:
            # Two deployments configured with one secret: the claim tells them apart.
            detail = (
                f"a token of deployment '{claims['deployment']}' (its 'deployment' claim), "
                f"not '{deployment.name}'"
            )
            raise unauthorized(BAD_TOKEN, "bad_signature", detail)
        if claims["type"] not in (ACCESS, REFRESH):
            detail = f"claim 'type' is {claims['type']!r:.40}, not '{ACCESS}' or '{REFRESH}'"
            raise unauthorized(BAD_TOKEN, "malformed_token", detail)
        if not all(isinstance(r, str) for r in roles):
            raise unauthorized(BAD_TOKEN, "malformed_token", "claim 'roleIds' holds a non-string")
        return claims

    def _whose_signature(self, deployment: Deployment, token: str) -> str:
        """Whose secret signed a token this deployment refused, for the detail."""
        for other in list(self.deployments.values()):
            if other is deployment:
                continue
            try:
                other.codec.signed_claims(token)
            except TokenError:
                continue
            return f"signed with the secret of deployment '{other.name}', not '{deployment.name}'"
        return (
            f"not signed with the secret of deployment '{deployment.name}' nor of any other "
            "(a token from before a reset, from another emulator, or forged)"
        )

    def login(self, deployment: str, username: str, password: str) -> tuple[str, BigidUser]:
        target = self._live(deployment, BAD_LOGIN)
        user = target.users.get(username)
        if user is None:
            detail = f"no user '{clip(username)}' in deployment '{deployment}'"
            raise unauthorized(BAD_LOGIN, "bad_credentials", detail)
        if not same(user.password, password):
            detail = f"wrong password for user '{clip(username)}' in deployment '{deployment}'"
            raise unauthorized(BAD_LOGIN, "bad_credentials", detail)
        return self._mint(target, user, ACCESS, SESSION_TTL), user

    def refresh(self, deployment: str, authorization: str | None) -> tuple[str, BigidUser]:
        """Exchange a live user token for a system token."""
        token = self._token(authorization)
        target = self._live(deployment, BAD_TOKEN)
        claims = self._claims(target, token)
        user = target.users.get(claims["user_name"])
        if claims["type"] != REFRESH:
            detail = f"{_kind(claims)} where a user token (type '{REFRESH}') is needed"
            raise unauthorized(NOT_REFRESH, "wrong_token_type", detail)
        if user is None:
            raise unauthorized(NOT_REFRESH, "user_not_found", self._no_user(claims, deployment))
        if self._is_revoked(target, signature_id(token)):
            detail = f"this user token of '{user.username}' was revoked"
            raise unauthorized(NOT_REFRESH, "revoked", detail)
        return self._mint(target, user, ACCESS, self.system_ttl), user

    def authenticate(self, deployment: str, authorization: str | None) -> BigidPrincipal:
        """The caller of a protected route: a live session or system token only."""
        token = self._token(authorization)
        target = self._live(deployment, BAD_TOKEN)
        claims = self._claims(target, token)
        if claims["type"] != ACCESS:
            detail = (
                f"{_kind(claims)} where a session or system token is needed "
                "(exchange it at refresh-access-token first)"
            )
            raise unauthorized(BAD_TOKEN, "wrong_token_type", detail)
        if claims["user_name"] not in target.users:
            raise unauthorized(BAD_TOKEN, "user_not_found", self._no_user(claims, deployment))
        return BigidPrincipal(
            target.name, claims["user_name"], list(claims["roleIds"]), claims["isAdmin"]
        )

    @staticmethod
    def _token(authorization: str | None) -> str:
        token = token_from_header(authorization)
        if token is None:
            what = "no Authorization header" if authorization is None else "an empty one"
            raise unauthorized(NO_TOKEN, "missing_credentials", f"{what} was sent")
        return token

    @staticmethod
    def _no_user(claims: dict[str, Any], deployment: str) -> str:
        return f"user '{claims['user_name']}' no longer exists in deployment '{deployment}'"

    # -- views of the state ----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Deployments and users, passwords included; never a secret or a token."""
        return {
            "errors": self.errors,
            "defaultDeployment": self.default_deployment,
            "systemTokenTtl": self.system_ttl,
            "deployments": [
                {"name": d.name, "users": [u.state() for u in list(d.users.values())]}
                for d in list(self.deployments.values())
            ],
        }
