"""BigID's part of the CLI's credentials table (``authmock serve`` / ``tenants``)."""

from __future__ import annotations

from typing import Any

from authmock.bigid.models import SYSTEM_TTL
from authmock.bigid.seed import BigidSeed
from authmock.bigid.views import base_url


def bigid_credentials(seed: BigidSeed) -> dict[str, Any]:
    """Deployments, users and passwords: derived from the seed data alone, so
    ``tenants --json`` is identical for identical inputs."""
    return {
        "systemTokenTtl": seed.system_token_ttl or SYSTEM_TTL,
        "deployments": [
            {
                "name": d.name,
                "url": base_url(d.name),
                "users": [
                    {
                        "username": u.username,
                        "password": u.password,
                        "firstName": u.first_name,
                        "lastName": u.last_name,
                        "email": u.email,
                        "role": u.role,
                        "userTokenDays": u.token_days,
                    }
                    for u in d.users
                ],
            }
            for d in seed.deployments
        ],
    }


def bigid_table(creds: dict[str, Any], base: str | None) -> list[str]:
    """Table lines; with a server ``base``, the server-mode URLs."""
    lines = []
    for i, deployment in enumerate(creds["deployments"]):
        name = deployment["name"]
        if base is None:
            url = deployment["url"]
        else:
            url = f"{base}/bigid/{name}/api/v1" + (f"  (and {base}/api/v1)" if i == 0 else "")
        lines.append(f"BigID {name}  {url}")
        for user in deployment["users"]:
            lines.append(f"    {user['username']:<40} {user['password']:<16} {user['role']}")
    return lines


def user_token_lines(control: Any) -> list[str]:
    """The seeded user tokens. They are signed with this process's secrets, so
    only a serving process prints them."""
    lines = ["BigID user tokens (valid while this server runs)"]
    for deployment in control.deployments:
        for user in deployment["users"]:
            token = control.user_token(user["username"], deployment["name"])
            lines.append(f"    {deployment['name']}/{user['username']}  {token}")
    return lines
