"""Sigma's part of a snapshot: tenants, users, key hashes and the signing secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authmock.clock import Clock
from authmock.sigma.models import ROLES, ApiKey, SigmaBackend, Tenant, User, normal_email
from authmock.snapshot import SHA256, Node, check, epoch
from authmock.tokens import TokenCodec


def export(backend: SigmaBackend) -> dict[str, Any]:
    """Sigma's state as JSON-ready data (call with the backend's lock held)."""
    tenants = [
        {
            "workspaceId": t.workspace_id,
            "name": t.name,
            "users": [
                {
                    "id": u.id,
                    "email": u.email,
                    "password": u.password,
                    "name": u.name,
                    "roleId": u.role_id,
                    "quickLogin": u.quick_login,
                }
                for u in t.users.values()
            ],
            "apiKeys": [
                {
                    "id": k.id,
                    "name": k.name,
                    "permissions": list(k.permissions),
                    "hash": k.hash,
                    "createdAt": k.created_at,
                    "active": k.active,
                    "lastUsedAt": k.last_used_at,
                }
                for k in t.keys.values()
            ],
        }
        for t in backend.tenants.values()
    ]
    return {"secret": backend.codec.secret, "tenants": tenants}


def restore(backend: SigmaBackend, node: Node, clock: Clock) -> Callable[[], None]:
    """Check and build Sigma's state from a snapshot; the result swaps it in."""
    codec, tenants, by_hash = _parse(node, clock)

    def commit() -> None:
        backend.replace(codec, tenants, by_hash)

    return commit


def _parse(node: Node, clock: Clock) -> tuple[TokenCodec, dict[str, Tenant], dict[str, ApiKey]]:
    secret = check(node, "secret", bool, "must not be empty", node.get("secret", str))
    codec = TokenCodec(secret, clock, SigmaBackend.CLAIMS)
    tenants: dict[str, Tenant] = {}
    by_hash: dict[str, ApiKey] = {}
    for t in node.items("tenants"):
        workspace = t.get("workspaceId", str)
        if workspace in tenants:
            raise t.fail(f"duplicate workspace '{workspace}'", "workspaceId")
        tenant = tenants[workspace] = Tenant(workspace, t.get("name", str))
        for u in t.items("users"):
            role = u.get("roleId", str)
            check(u, "roleId", lambda r: r in ROLES, f"unknown role '{role}'", role)
            user = User(
                u.get("id", str),
                u.get("email", str),
                u.get("password", str),
                u.get("name", str),
                role,
                u.get("quickLogin", bool),
                workspace,
            )
            if user.id in tenant.users or normal_email(user.email) in tenant.by_email:
                raise u.fail(f"duplicate user '{user.id}' / '{user.email}'")
            tenant.users[user.id] = user
            tenant.by_email[normal_email(user.email)] = user
        for k in t.items("apiKeys"):
            digest = k.get("hash", str)
            check(k, "hash", SHA256.fullmatch, "must be a SHA-256 in hex", digest)
            key = ApiKey(
                k.get("id", str),
                k.get("name", str),
                k.strings("permissions"),
                digest,
                epoch(k, "createdAt") or 0.0,
                workspace,
                k.get("active", bool),
                epoch(k, "lastUsedAt", optional=True),
            )
            if key.id in tenant.keys or digest in by_hash:
                raise k.fail(f"duplicate API key '{key.id}'")
            tenant.keys[key.id] = key
            by_hash[digest] = key
    return codec, tenants, by_hash
