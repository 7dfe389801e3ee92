"""One emulator's state: both APIs, the clock, faults, journal (no HTTP here)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from authmock import scenario as scenarios
from authmock.bigid.models import BigidBackend
from authmock.clock import Clock
from authmock.faults import FaultSet
from authmock.http.declared import DeclaredRoutes
from authmock.journal import DEFAULT_BODY_BUDGET, DEFAULT_BODY_LIMIT, DEFAULT_LIMIT, Journal
from authmock.seed import SeedData, seed_data
from authmock.sigma.models import SigmaBackend

ScenarioSource = str | os.PathLike[str] | Mapping[str, Any]


class Emulator:
    """Everything a reset returns to the seeded state."""

    def __init__(
        self,
        seed: int | None = None,
        scenario: ScenarioSource | None = None,
        *,
        sigma_secret: str | None = None,
        journal_limit: int = DEFAULT_LIMIT,
        journal_body_limit: int = DEFAULT_BODY_LIMIT,
        journal_body_budget: int = DEFAULT_BODY_BUDGET,
        bigid_errors: str = "spec",
        bigid_system_token_ttl: int | None = None,
    ) -> None:
        self.clock = Clock()
        self.journal = Journal(journal_limit, journal_body_limit, journal_body_budget)
        self._explicit_seed = seed
        self.scenario: dict[str, Any] | None = None
        self.seed = 0
        self._configure(seed, scenario)
        self.faults = FaultSet(self.seed)
        # Declared stand-in routes: the scenario's, plus any added at run time until a reset.
        self.routes = DeclaredRoutes()
        self.sigma = SigmaBackend(self.clock, sigma_secret)
        self.bigid = BigidBackend(self.clock, bigid_errors, bigid_system_token_ttl)
        # Exceptions raised by user-registered route handlers (re-raised in tests).
        self.handler_errors: list[BaseException] = []
        # Set to release requests sleeping in a delay or stalled by a timeout fault.
        self.wake = threading.Event()
        self.reset()

    def _configure(self, seed: int | None, scenario: ScenarioSource | None) -> None:
        if scenario is not None:
            self.scenario = scenarios.load(scenario)
        if seed is not None:
            self.seed = seed
        elif self.scenario is not None and "seed" in self.scenario:
            self.seed = int(self.scenario["seed"])
        else:
            self.seed = 0

    @property
    def data(self) -> SeedData:
        return seed_data(self.seed, self.scenario)

    def reset(self, seed: int | None = None, scenario: ScenarioSource | None = None) -> None:
        """Back to the seeded state: data, faults, journal, fault RNG, clock.

        With ``seed``/``scenario``, reseed with those instead.
        """
        if seed is not None or scenario is not None:
            self._configure(seed if seed is not None else self._explicit_seed, scenario)
        data = self.data
        # Release anything sleeping on the old state before replacing it.
        self.release()
        # The clock first: seeded tokens are minted on it while loading.
        self.clock.resume()
        self.sigma.load(data)
        self.bigid.load(data)
        self.faults.reset(self.seed)
        self.routes.load(self.scenario)
        self.journal.clear()
        self.handler_errors.clear()

    def release(self) -> None:
        """Wake every request sleeping in a ``delay`` or stalled by a ``timeout``
        fault now; later ones sleep again (stop must not disarm delays)."""
        woken, self.wake = self.wake, threading.Event()
        woken.set()

    def state(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "sigma": {"tenants": self.sigma.state()},
            "bigid": self.bigid.state(),
        }
