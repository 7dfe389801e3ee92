"""Seeded data: generated once per (seed, scenario), copied per mock.

Faker costs ~40 ms to construct and ~0.5 ms per generated user, so the
result is frozen and cached; each emulator builds its mutable state from it.
Everything here derives from the seed alone: the same seed and scenario give
byte-identical names, emails, ids, raw API keys and ``createdAt`` values.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import dataclass
from typing import Any

from authmock.security import sha256_hex

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
class SeedData:
    seed: int
    sigma_secret: str | None
    sigma_tenants: tuple[SigmaTenantSeed, ...]
    bigid_deployments: tuple[BigidDeploymentSeed, ...]
    bigid_system_token_ttl: int | None


_CACHE: dict[tuple[int, str], SeedData] = {}
_LOCK = threading.Lock()
_FAKER: Any = None


def _faker(seed: int) -> Any:
    global _FAKER
    if _FAKER is None:
        from faker import Faker  # imported lazily: ~0.3 s of import time

        _FAKER = Faker("en_US")
    _FAKER.seed_instance(seed)
    return _FAKER


def seed_data(seed: int, scenario: dict[str, Any] | None = None) -> SeedData:
    key = (seed, json.dumps(scenario, sort_keys=True) if scenario else "")
    cached = _CACHE.get(key)
    if cached is None:
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is None:
                cached = _CACHE[key] = _Generator(seed, scenario or {}).build()
    return cached


def random_key(rng: random.Random) -> str:
    return "sigma_sk_live_" + "".join(rng.choice(_URLSAFE) for _ in range(40))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "tenant"


class _Generator:
    def __init__(self, seed: int, scenario: dict[str, Any]) -> None:
        self.seed = seed
        self.scenario = scenario
        self.rng = random.Random(f"authmock-{seed}")
        self.fake = _faker(seed)
        self.emails: set[str] = set()

    def build(self) -> SeedData:
        sigma = self.scenario.get("sigma", {})
        bigid = self.scenario.get("bigid", {})
        tenants = (
            tuple(self._sigma_from_scenario(t) for t in sigma["tenants"])
            if "tenants" in sigma
            else self._sigma_default()
        )
        deployments = (
            tuple(self._bigid_from_scenario(d) for d in bigid["deployments"])
            if "deployments" in bigid
            else self._bigid_default()
        )
        return SeedData(
            seed=self.seed,
            sigma_secret=sigma.get("secret"),
            sigma_tenants=tenants,
            bigid_deployments=deployments,
            bigid_system_token_ttl=bigid.get("system_token_ttl", bigid.get("systemTokenTtl")),
        )

    # -- Sigma -------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        return f"{prefix}-{self.rng.getrandbits(40):010x}"

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
        generated = self._id("apikey")  # drawn either way: later draws stay the same
        return SigmaKeySeed(
            key_id or generated, name, permissions, raw, sha256_hex(raw), created, active
        )

    def _person(self, domain: str) -> tuple[str, str]:
        while True:
            first, last = self.fake.first_name(), self.fake.last_name()
            email = f"{_slug(first)}.{_slug(last)}@{domain}".replace("-", "")
            if email not in self.emails:
                self.emails.add(email)
                return f"{first} {last}", email

    def _generated_user(self, domain: str, role: str) -> SigmaUserSeed:
        name, email = self._person(domain)
        password = self.fake.password(length=12, special_chars=False)
        return SigmaUserSeed(self._id("user"), email, password, name, role, True)

    def _sigma_default(self) -> tuple[SigmaTenantSeed, ...]:
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
            workspace = f"ws-{_slug(company)}"
            if workspace in used:
                continue
            used.add(workspace)
            domain = f"{_slug(company).split('-')[0]}.test"
            users = tuple(
                self._generated_user(domain, r)
                for r in ("role-admin", "role-editor", "role-viewer")
            )
            key = self._key(f"{company} integration", ("read", "update-data"), None, True)
            tenants.append(SigmaTenantSeed(workspace, company, users, (key,)))
        return tuple(tenants)

    def _sigma_from_scenario(self, tenant: dict[str, Any]) -> SigmaTenantSeed:
        users = tuple(
            SigmaUserSeed(
                u.get("id") or self._id("user"),
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

    # -- BigID -------------------------------------------------------------
    def _bigid_user(self, role: str) -> BigidUserSeed:
        first, last = self.fake.first_name(), self.fake.last_name()
        username = f"{_slug(first)}.{_slug(last)}".replace("-", "")
        return BigidUserSeed(
            username,
            self.fake.password(length=12, special_chars=False),
            first,
            last,
            f"{username}@bigid.test",
            role,
            self.rng.choice((7, 30, 90, 365)),
        )

    def _bigid_default(self) -> tuple[BigidDeploymentSeed, ...]:
        admin = BigidUserSeed("bigid", "bigid", "BigID Admin", "", "", "admin", 30)
        sandbox = BigidDeploymentSeed("sandbox", (admin, self._bigid_user("viewer")))
        while True:
            name = _slug(self.fake.company())[:30].strip("-")
            if name != "sandbox":
                break
        other = BigidDeploymentSeed(name, (self._bigid_user("admin"), self._bigid_user("viewer")))
        return (sandbox, other)

    def _bigid_from_scenario(self, dep: dict[str, Any]) -> BigidDeploymentSeed:
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
