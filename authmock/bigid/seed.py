"""BigID's seeded data: the sandbox and one generated deployment (or a scenario's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authmock.seed import Seeding, slug


@dataclass(frozen=True)
class BigidUserSeed:
    username: str
    password: str
    first_name: str
    last_name: str
    email: str
    role: str
    token_days: int


@dataclass(frozen=True)
class BigidDeploymentSeed:
    name: str
    users: tuple[BigidUserSeed, ...]
    secret: str | None = None


@dataclass(frozen=True)
class BigidSeed:
    deployments: tuple[BigidDeploymentSeed, ...]
    system_token_ttl: int | None


def generate(seeding: Seeding, section: dict[str, Any]) -> BigidSeed:
    """BigID's seed data: the scenario's deployments, else the sandbox and one more."""
    deployments = (
        tuple(_from_scenario(d) for d in section["deployments"])
        if "deployments" in section
        else _default(seeding)
    )
    ttl = section.get("system_token_ttl", section.get("systemTokenTtl"))
    return BigidSeed(deployments, ttl)


def _user(seeding: Seeding, role: str) -> BigidUserSeed:
    fake = seeding.fake
    first, last = fake.first_name(), fake.last_name()
    username = f"{slug(first)}.{slug(last)}".replace("-", "")
    return BigidUserSeed(
        username,
        fake.password(length=12, special_chars=False),
        first,
        last,
        f"{username}@bigid.test",
        role,
        seeding.rng.choice((7, 30, 90, 365)),
    )


def _default(seeding: Seeding) -> tuple[BigidDeploymentSeed, ...]:
    admin = BigidUserSeed("bigid", "bigid", "BigID Admin", "", "", "admin", 30)
    sandbox = BigidDeploymentSeed("sandbox", (admin, _user(seeding, "viewer")))
    while True:
        name = slug(seeding.fake.company())[:30].strip("-")
        if name != "sandbox":
            break
    other = BigidDeploymentSeed(name, (_user(seeding, "admin"), _user(seeding, "viewer")))
    return (sandbox, other)


def _from_scenario(dep: dict[str, Any]) -> BigidDeploymentSeed:
    users = tuple(
        BigidUserSeed(
            u["username"],
            u["password"],
            u.get("firstName", ""),
            u.get("lastName", ""),
            u.get("email", ""),
            u.get("role", "admin"),
            u.get("userTokenDays", 30),
        )
        for u in dep.get("users", [])
    )
    return BigidDeploymentSeed(dep["name"], users, dep.get("secret"))
