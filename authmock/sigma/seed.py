"""Sigma's seeded data: three tenants (or a scenario's), frozen and shared."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from authmock.security import sha256_hex
from authmock.seed import Seeding, slug
from authmock.sigma.models import KEY_PREFIX

# Seeded keys are "created" on fixed dates so they do not depend on the clock.
_CREATED_BASE = 1767225600.0  # 2026-01-01T00:00:00Z
_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class SigmaUserSeed:
    id: str
    email: str
    password: str
    name: str
    role_id: str
    quick_login: bool


@dataclass(frozen=True)
class SigmaKeySeed:
    id: str
    name: str
    permissions: tuple[str, ...]
    raw: str
    hash: str
    created_at: float
    active: bool = True


@dataclass(frozen=True)
class SigmaTenantSeed:
    workspace_id: str
    name: str
    users: tuple[SigmaUserSeed, ...]
    api_keys: tuple[SigmaKeySeed, ...]


@dataclass(frozen=True)
class SigmaSeed:
    secret: str | None
    tenants: tuple[SigmaTenantSeed, ...]


def random_key(rng: random.Random) -> str:
    return KEY_PREFIX + "".join(rng.choice(_URLSAFE) for _ in range(40))


def generate(seeding: Seeding, section: dict[str, Any]) -> SigmaSeed:
    """Sigma's seed data: the scenario's tenants, else three generated ones."""
    gen = _Generator(seeding)
    tenants = (
        tuple(gen.from_scenario(t) for t in section["tenants"])
        if "tenants" in section
        else gen.default()
    )
    return SigmaSeed(section.get("secret"), tenants)


class _Generator:
    def __init__(self, seeding: Seeding) -> None:
        self.seeding = seeding
        self.rng = seeding.rng
        self.fake = seeding.fake
        self.emails = seeding.emails

    def _key(
        self,
        name: str,
        permissions: tuple[str, ...],
        raw: str | None,
        active: bool,
        key_id: str | None = None,
    ) -> SigmaKeySeed:
        raw = raw or random_key(self.rng)
        created = (
            _CREATED_BASE + self.rng.randrange(0, 90 * 86400) + self.rng.randrange(1000) / 1000
        )
        generated = self.seeding.id("apikey")  # drawn either way: later draws stay the same
        return SigmaKeySeed(
            key_id or generated, name, permissions, raw, sha256_hex(raw), created, active
        )

    def _person(self, domain: str) -> tuple[str, str]:
        while True:
            first, last = self.fake.first_name(), self.fake.last_name()
            email = f"{slug(first)}.{slug(last)}@{domain}".replace("-", "")
            if email not in self.emails:
                self.emails.add(email)
                return f"{first} {last}", email

    def _generated_user(self, domain: str, role: str) -> SigmaUserSeed:
        name, email = self._person(domain)
        password = self.fake.password(length=12, special_chars=False)
        return SigmaUserSeed(self.seeding.id("user"), email, password, name, role, True)

    def default(self) -> tuple[SigmaTenantSeed, ...]:
        self.emails.add("admin@sigma.io")
        admin = SigmaUserSeed(
            "user-admin", "admin@sigma.io", "admin", "Admin User", "role-admin", True
        )
        demo_users = (
            admin,
            self._generated_user("sigma.io", "role-editor"),
            self._generated_user("sigma.io", "role-viewer"),
        )
        tenants = [
            SigmaTenantSeed(
                "ws-sigma",
                "Sigma Demo",
                demo_users,
                (self._key("Demo integration", ("read",), None, True),),
            )
        ]
        used = {"ws-sigma"}
        while len(tenants) < 3:
            company = self.fake.company()
            workspace = f"ws-{slug(company)}"
            if workspace in used:
                continue
            used.add(workspace)
            domain = f"{slug(company).split('-')[0]}.test"
            users = tuple(
                self._generated_user(domain, r)
                for r in ("role-admin", "role-editor", "role-viewer")
            )
            key = self._key(f"{company} integration", ("read", "update-data"), None, True)
            tenants.append(SigmaTenantSeed(workspace, company, users, (key,)))
        return tuple(tenants)

    def from_scenario(self, tenant: dict[str, Any]) -> SigmaTenantSeed:
        users = tuple(
            SigmaUserSeed(
                u.get("id") or self.seeding.id("user"),
                u["email"].strip(),
                u["password"],
                u.get("name") or u["email"].split("@")[0].strip(),
                u.get("roleId", "role-viewer"),
                u.get("quickLogin", False),
            )
            for u in tenant.get("users", [])
        )
        keys = tuple(
            self._key(
                k["name"], tuple(k["permissions"]), k.get("key"), k.get("active", True), k.get("id")
            )
            for k in tenant.get("apiKeys", [])
        )
        return SigmaTenantSeed(tenant["workspaceId"], tenant["name"], users, keys)
