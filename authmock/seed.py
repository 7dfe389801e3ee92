"""Seeded data: generated once per (seed, scenario), copied per mock.

Faker costs ~40 ms to construct and ~0.5 ms per generated user, so the
result is frozen and cached; each emulator builds its mutable state from it.
Everything here derives from the seed alone: the same seed and scenario give
byte-identical names, emails, ids, raw API keys and ``createdAt`` values.
Each API generates its own section (its ``seed.py``) from one shared
:class:`Seeding`, in registration order.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authmock.apis import EmulatedApi, registered_apis


@dataclass(frozen=True)
class SeedData:
    seed: int
    # Each API's frozen seed data, by API name (what its ``seed()`` returned).
    sections: Mapping[str, Any] = field(default_factory=dict)

    def section(self, api: str) -> Any:
        return self.sections.get(api)


# (seed, scenario, the APIs' ids) -> the data and the APIs (kept, so their ids
# are not reused while the entry lives). Bounded: tests may register a fresh
# API object each time.
_CACHE: dict[tuple[int, str, tuple[int, ...]], tuple[SeedData, tuple[EmulatedApi, ...]]] = {}
_CACHE_LIMIT = 1024
_LOCK = threading.Lock()
_FAKER: Any = None


def _faker(seed: int) -> Any:
    global _FAKER
    if _FAKER is None:
        from faker import Faker  # imported lazily: ~0.3 s of import time

        _FAKER = Faker("en_US")
    _FAKER.seed_instance(seed)
    return _FAKER


def seed_data(
    seed: int,
    scenario: dict[str, Any] | None = None,
    apis: Sequence[EmulatedApi] | None = None,
) -> SeedData:
    """The seeded data of every API (default: every registered one)."""
    if apis is None:
        apis = registered_apis()
    key = (
        seed,
        json.dumps(scenario, sort_keys=True) if scenario else "",
        # The objects, not their classes: an API's seed may depend on how it was built.
        tuple(id(api) for api in apis),
    )
    cached = _CACHE.get(key)
    if cached is None:
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is None:
                seeding = Seeding(seed)
                sections = {
                    api.name: api.seed(seeding, (scenario or {}).get(api.name, {})) for api in apis
                }
                if len(_CACHE) >= _CACHE_LIMIT:
                    _CACHE.clear()
                cached = _CACHE[key] = (SeedData(seed, sections), tuple(apis))
    return cached[0]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "tenant"


class Seeding:
    """The randomness of one seed, shared by every API's generator."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"authmock-{seed}")
        self.fake = _faker(seed)
        # Emails handed out so far (generated people never share one).
        self.emails: set[str] = set()

    def id(self, prefix: str) -> str:
        return f"{prefix}-{self.rng.getrandbits(40):010x}"
