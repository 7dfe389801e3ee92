"""One emulator's state: every API's backend, the clock, faults, journal (no HTTP here)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from authmock import scenario as scenarios
from authmock.apis import EmulatedApi, registered_apis
from authmock.clock import Clock
from authmock.faults import FaultSet
from authmock.http.declared import DeclaredRoutes
from authmock.journal import DEFAULT_BODY_BUDGET, DEFAULT_BODY_LIMIT, DEFAULT_LIMIT, Journal
from authmock.seed import SeedData, seed_data

# Handler errors an emulator keeps (the most recent): see Emulator.handler_errors.
MAX_HANDLER_ERRORS = 100

ScenarioSource = str | os.PathLike[str] | Mapping[str, Any]


class Emulator:
    """Everything a reset returns to the seeded state."""

    def __init__(
        self,
        seed: int | None = None,
        scenario: ScenarioSource | None = None,
        *,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        journal_limit: int = DEFAULT_LIMIT,
        journal_body_limit: int = DEFAULT_BODY_LIMIT,
        journal_body_budget: int = DEFAULT_BODY_BUDGET,
        apis: Sequence[EmulatedApi] | None = None,
        report_to: Callable[[BaseException], None] | None = None,
    ) -> None:
        # The emulated APIs (default: every registered one) and each one's options.
        self.apis = tuple(apis) if apis is not None else registered_apis()
        self.options = {api.name: dict((options or {}).get(api.name, {})) for api in self.apis}
        self.clock = Clock()
        self.journal = Journal(
            journal_limit, journal_body_limit, journal_body_budget, apis=self.apis
        )
        self._explicit_seed = seed
        self.scenario: dict[str, Any] | None = None
        self.seed = 0
        self._configure(seed, scenario)
        self.faults = FaultSet(self.seed, self.apis)
        # Declared stand-in routes: the scenario's, plus any added at run time until a reset.
        self.routes = DeclaredRoutes(self.apis)
        self.backends: dict[str, Any] = {
            api.name: api.backend(self.clock, self.options[api.name]) for api in self.apis
        }
        # Exceptions raised by route and admin handlers: bugs, the client saw a 500
        # (re-raised in tests). The most recent MAX_HANDLER_ERRORS: a long-running
        # server whose instances keep hitting a bug must not keep every one.
        self.handler_errors: list[BaseException] = []
        # Where they go: this list, or (``report_to``, an instance's) its server's
        # root, whose owner re-raises them; nobody reads an instance's own list.
        self.handler_error: Callable[[BaseException], None] = (
            self._keep_handler_error if report_to is None else report_to
        )
        # Set to release requests sleeping in a delay or stalled by a timeout fault.
        self.wake = threading.Event()
        self.reset()

    def _configure(self, seed: int | None, scenario: ScenarioSource | None) -> None:
        if scenario is not None:
            self.scenario = scenarios.load(scenario, self.apis)
        if seed is not None:
            self.seed = seed
        elif self.scenario is not None and "seed" in self.scenario:
            self.seed = int(self.scenario["seed"])
        else:
            self.seed = 0

    @property
    def data(self) -> SeedData:
        return seed_data(self.seed, self.scenario, self.apis)

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
        for api in self.apis:
            api.load(self.backends[api.name], data.section(api.name))
        self.faults.reset(self.seed)
        self.routes.load(self.scenario)
        self.journal.clear()
        self.handler_errors.clear()

    def _keep_handler_error(self, error: BaseException) -> None:
        errors = self.handler_errors
        errors.append(error)
        # One list operation each, no length read in between: requests' threads
        # recording at once keep exactly the most recent (a stale length cut more).
        del errors[:-MAX_HANDLER_ERRORS]

    def release(self) -> None:
        """Wake every request sleeping in a ``delay`` or stalled by a ``timeout``
        fault now; later ones sleep again (stop must not disarm delays)."""
        woken, self.wake = self.wake, threading.Event()
        woken.set()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"seed": self.seed}
        for api in self.apis:
            state[api.name] = api.state(self.backends[api.name])
        return state
