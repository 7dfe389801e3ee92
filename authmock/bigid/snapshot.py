"""BigID's part of a snapshot: deployments, secrets, users, token digests, revocations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authmock.bigid.models import (
    BigidBackend,
    BigidUser,
    Deployment,
    check_deployment_name,
    check_style,
)
from authmock.clock import Clock
from authmock.errors import Invalid
from authmock.snapshot import SHA256, Node, check, epoch
from authmock.tokens import TokenCodec


def export(backend: BigidBackend) -> dict[str, Any]:
    """BigID's state as JSON-ready data (call with the backend's lock held)."""
    deployments = [
        {
            "name": d.name,
            "secret": d.codec.secret,
            "users": [
                # The state's fields, and the user's tokens (revoked with it when it is removed).
                {**u.state(), "userTokens": sorted(u.tokens)}
                for u in d.users.values()
            ],
            "revoked": sorted(d.revoked),
            "seededTokenTtls": dict(d.seeded_ttls),
            "loadedAt": d.loaded_at,
        }
        for d in backend.deployments.values()
    ]
    return {
        "errors": backend.errors,
        "systemTokenTtl": backend.system_ttl,
        "defaultDeployment": backend.default_deployment,
        "deployments": deployments,
    }


def restore(backend: BigidBackend, node: Node, clock: Clock) -> Callable[[], None]:
    """Check and build BigID's state from a snapshot; the result swaps it in."""
    try:
        errors = check_style(node.get("errors", str))
    except Invalid as exc:
        raise node.fail(str(exc), "errors") from None
    ttl = node.get("systemTokenTtl", int)
    check(node, "systemTokenTtl", lambda v: v > 0, "must be positive", ttl)
    deployments = _parse(node, clock, backend.CLAIMS)
    default = node.get("defaultDeployment", str, optional=True)
    if default is not None and default not in deployments:
        raise node.fail(f"no deployment '{default}'", "defaultDeployment")

    def commit() -> None:
        backend.errors = errors
        backend.system_ttl = ttl
        backend.deployments = deployments
        backend.default_deployment = default

    return commit


def _parse(node: Node, clock: Clock, claims: dict[str, type]) -> dict[str, Deployment]:
    deployments: dict[str, Deployment] = {}
    for d in node.items("deployments"):
        name = d.get("name", str)
        try:
            check_deployment_name(name)
        except Invalid as exc:
            raise d.fail(str(exc), "name") from None
        if name in deployments:
            raise d.fail(f"duplicate deployment '{name}'", "name")
        secret = check(d, "secret", bool, "must not be empty", d.get("secret", str))
        deployment = deployments[name] = Deployment(name, TokenCodec(secret, clock, claims))
        for u in d.items("users"):
            user = BigidUser(
                u.get("username", str),
                u.get("password", str),
                u.get("firstName", str),
                u.get("lastName", str),
                u.get("email", str),
                u.get("role", str),
            )
            if user.username in deployment.users:
                raise u.fail(f"duplicate user '{user.username}'", "username")
            if u.get("userTokens", list, optional=True) is not None:
                for digest in u.strings("userTokens"):
                    check(u, "userTokens", SHA256.fullmatch, "must hold SHA-256 digests", digest)
                    user.tokens.add(digest)
            deployment.users[user.username] = user
        for digest in d.strings("revoked"):
            check(d, "revoked", SHA256.fullmatch, "must hold SHA-256 digests in hex", digest)
            deployment.revoked.add(digest)
        ttls = d.get("seededTokenTtls", dict)
        for username, ttl in ttls.items():
            if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
                raise d.fail("must be positive integers", f"seededTokenTtls.{username}")
            if username in deployment.users:
                deployment.seeded_ttls[username] = ttl
        deployment.loaded_at = int(epoch(d, "loadedAt") or 0)
    return deployments
