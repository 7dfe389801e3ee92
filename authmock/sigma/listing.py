"""Sigma's part of the CLI's credentials (``authmock serve`` / ``tenants``)."""

from __future__ import annotations

from typing import Any

from authmock.sigma.seed import SigmaSeed


def sigma_credentials(seed: SigmaSeed, url: str) -> dict[str, Any]:
    """Tenants, users, passwords and raw keys: derived from the seed data alone,
    so ``tenants --json`` is identical for identical inputs."""
    tenants = [
        {
            "workspaceId": t.workspace_id,
            "name": t.name,
            "users": [
                {
                    "email": u.email,
                    "password": u.password,
                    "roleId": u.role_id,
                    "id": u.id,
                    "name": u.name,
                    "quickLogin": u.quick_login,
                }
                for u in t.users
            ],
            "apiKeys": [
                {
                    "id": k.id,
                    "name": k.name,
                    "key": k.raw,
                    "permissions": list(k.permissions),
                    "active": k.active,
                }
                for k in t.api_keys
            ],
        }
        for t in seed.tenants
    ]
    return {"url": url, "tenants": tenants}


def sigma_table(document: dict[str, Any], base: str | None) -> list[str]:
    """Table lines; with a server ``base``, the server-mode URL."""
    creds = document["sigma"]
    lines = [f"Sigma PIM  {base or creds['url']}/api/v1   (seed {document['seed']})"]
    for tenant in creds["tenants"]:
        lines.append(f"  {tenant['workspaceId']}  {tenant['name']}")
        for user in tenant["users"]:
            lines.append(f"    {user['email']:<40} {user['password']:<16} {user['roleId']}")
        for key in tenant["apiKeys"]:
            lines.append(f"    key {key['key']}  ({', '.join(key['permissions'])})")
    return lines
