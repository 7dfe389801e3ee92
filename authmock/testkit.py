"""What the pytest plugin does, as plain library code (``plugin.py`` only wires fixtures).

- the ``@pytest.mark.authmock(...)`` options, checked;
- the per-test ``AuthMock`` and the per-session live server, reset before each test;
- the end of a test: unfired faults reported, route-handler exceptions re-raised.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from authmock.apis import EmulatedApi, registered_apis
from authmock.emulator import ScenarioSource
from authmock.errors import AuthmockWarning
from authmock.faults import Fault, parse_fault
from authmock.journal import Call
from authmock.mock import AuthMock
from authmock.remote import AdminNotFound, RemoteAuthMock
from authmock.ways.server import LiveServer


def _api_options() -> dict[str, tuple[EmulatedApi, tuple[str, ...]]]:
    """The marker options of the APIs (``bigid_errors``): their instance
    options (``EmulatedApi.instance_options``), which a test sets as an instance would."""
    return {
        keyword: (api, choices)
        for api in registered_apis()
        for keyword, choices in api.instance_options.items()
    }


def marker_options() -> tuple[str, ...]:
    return ("seed", "scenario", *_api_options(), "faults", "allow_network")


MARKER_HELP = (
    f"authmock(seed=None, scenario=None, {''.join(f'{k}=None, ' for k in _api_options())}"
    "faults=[], allow_network=None): configure the "
    "authmock and authmock_server fixtures for this test (faults are dicts of fault fields)"
)


@dataclass(frozen=True)
class TestSettings:
    """What a test asked for with the marker; None means "the default"."""

    __test__ = False  # not a test class, whatever pytest's name patterns say

    seed: int | None = None
    scenario: ScenarioSource | None = None
    faults: tuple[Mapping[str, Any], ...] = ()
    allow_network: bool | None = None
    # The APIs' options the test sets (``{"bigid_errors": "production"}``), never None.
    api_options: Mapping[str, Any] = field(default_factory=dict)


def marker_settings(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> TestSettings:
    """Check the marker's arguments; ``ValueError`` names the one that is wrong."""
    options = marker_options()
    if args:
        raise ValueError(f"takes keyword arguments only ({', '.join(options)})")
    unknown = sorted(set(kwargs) - set(options))
    if unknown:
        raise ValueError(f"unknown option '{unknown[0]}' (options: {', '.join(options)})")
    seed = kwargs.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an integer, not {seed!r}")
    scenario = kwargs.get("scenario")
    if scenario is not None and not isinstance(scenario, (str, os.PathLike, Mapping)):
        raise ValueError(f"scenario must be a path or a dict, not {scenario!r}")
    api_options = {}
    for keyword, (_, choices) in _api_options().items():
        value = kwargs.get(keyword)
        if value is not None and value not in choices:
            allowed = " or ".join(f"'{choice}'" for choice in choices)
            raise ValueError(f"{keyword} must be {allowed}, not {value!r}")
        if value is not None:
            api_options[keyword] = value
    faults = kwargs.get("faults") or ()
    if isinstance(faults, Mapping) or not isinstance(faults, (list, tuple)):
        raise ValueError("faults must be a list of dicts of fault fields")
    for fault in faults:
        # FaultError (a ValueError) names the field; the api name is the mock's to
        # check (a server's is the server's: it may have APIs this process has not).
        parse_fault(fault, "marker", check_api=False)
    network = kwargs.get("allow_network")
    if network is not None and not isinstance(network, bool):
        raise ValueError(f"allow_network must be True or False, not {network!r}")
    return TestSettings(seed, scenario, tuple(faults), network, api_options)


def ini_seed(raw: str) -> int | None:
    """The ``authmock_seed`` ini option ("" when unset)."""
    if not raw.strip():
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"ini option authmock_seed must be an integer, not {raw!r}") from None


def ini_scenario(raw: str, base: Path) -> str | None:
    """The ``authmock_scenario`` ini option: relative to the ini file, else a bundled name."""
    if not raw.strip():
        return None
    candidate = base / raw
    return str(candidate) if candidate.exists() else raw


def new_mock(
    settings: TestSettings,
    seed: int | None,
    scenario: ScenarioSource | None,
    allow_network: bool = True,
) -> AuthMock:
    """The ``authmock`` fixture's mock: the marker's options over the fixtures' defaults
    (``allow_network``: the ini option's)."""
    mock = AuthMock(
        seed=settings.seed if settings.seed is not None else seed,
        scenario=settings.scenario if settings.scenario is not None else scenario,
        **settings.api_options,
        allow_network=allow_network if settings.allow_network is None else settings.allow_network,
    )
    for fault in settings.faults:
        mock.faults.add(fault)
    return mock


class _HasUnfired(Protocol):
    def unfired(self) -> list[Fault]: ...


class UnfiredFaults(AssertionError):
    """With ``authmock_unfired_faults = fail``: faults limited by ``times`` never fired."""


def report_unfired(
    faults: _HasUnfired, where: tuple[str, int] | None = None, fail: bool = False
) -> None:
    """A warning for each fault limited by ``times`` that never fired: a test that did not
    test. ``where`` (file, line) is the test's, so the warning points at it. With
    ``fail``, :class:`UnfiredFaults` naming them all instead."""
    unfired = faults.unfired()
    if fail and unfired:
        raise UnfiredFaults(
            "authmock: " + "; ".join(f"{f.describe()} never fired" for f in unfired)
        )
    for fault in unfired:
        warning = AuthmockWarning(f"authmock: {fault.describe()} never fired")
        if where is None:
            warnings.warn(warning, stacklevel=2)
        else:
            warnings.warn_explicit(warning, AuthmockWarning, where[0], where[1])


def finish_test(mock: AuthMock, where: tuple[str, int] | None = None, fail: bool = False) -> None:
    """The end of a test: report unfired faults, re-raise a route handler's exception."""
    try:
        report_unfired(mock.faults, where, fail)
    finally:
        mock.raise_handler_errors()


REPORT_MODES = ("failed", "all", "off")
UNFIRED_MODES = ("warn", "fail")
# The report section shows the last calls only, each on one line of at most this.
REPORT_CALLS = 30
REPORT_WIDTH = 300


def ini_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    """An ini option with a fixed set of values; the first is the default."""
    value = raw.strip() or choices[0]
    if value not in choices:
        raise ValueError(f"ini option {name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def report_section(calls: Iterable[Call], limit: int = REPORT_CALLS) -> str:
    """A test's authmock calls for its pytest report, most recent last: method,
    path, status, reason, detail and fault of each."""
    every = list(calls)
    if not every:
        return "no call reached authmock"
    shown = every[-limit:]
    skipped = len(every) - len(shown)
    lines = [f"... {skipped} earlier call(s) not shown"] if skipped else []
    for number, call in enumerate(shown, skipped + 1):
        line = f"{number:>3}. {call.api:<5} {call.summary()}"
        lines.append(line if len(line) <= REPORT_WIDTH else line[: REPORT_WIDTH - 3] + "...")
    return "\n".join(lines)


class SessionServer:
    """One live server for a test session (one per xdist worker), reset before each test.

    Configured once (ini options); each test's marker is applied through a reset
    with its seed and scenario, so nothing of one test survives into the next.
    """

    def __init__(
        self,
        seed: int | None = None,
        scenario: ScenarioSource | None = None,
        *,
        tls: bool = False,
    ) -> None:
        self.mock = AuthMock(seed=seed, scenario=scenario)
        self._seed = seed
        # {} is the generated data: it replaces a scenario an earlier test's marker chose.
        self._scenario: ScenarioSource = scenario if scenario is not None else {}
        self._server = LiveServer(self.mock.wsgi_app, tls=tls).start()
        self.url = self._server.url
        # With tls, the CA bundle clients must trust (a .pem); None otherwise.
        self.ca_path = self._server.ca_path
        self.remote = RemoteAuthMock(self.url, verify=self.ca_path or True)

    def before_test(self, settings: TestSettings) -> RemoteAuthMock:
        remote = self.remote
        remote.reset(
            seed=settings.seed if settings.seed is not None else self._seed,
            scenario=settings.scenario if settings.scenario is not None else self._scenario,
        )
        options = _api_options()
        for keyword, value in settings.api_options.items():
            # Only for this test: a reset restores the server's configured value.
            api = options[keyword][0]
            api.set_option(remote.api(api.name), keyword, value)
        for fault in settings.faults:
            remote.faults.add(fault)
        return remote

    def after_test(self, where: tuple[str, int] | None = None, fail: bool = False) -> None:
        finish_test(self.mock, where, fail)

    def close(self) -> None:
        self.remote.close()
        self._server.stop()


class SharedServer:
    """An authmock server that is already running (ini ``authmock_server_url``): each
    test gets a fresh instance of its own there, deleted after the test, so any
    number of workers (xdist, other jobs, other languages) share one server with
    no cross-talk and no reset between tests."""

    def __init__(
        self,
        url: str,
        seed: int | None = None,
        scenario: ScenarioSource | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.server = RemoteAuthMock(self.url, admin_token)
        self._seed = seed
        self._scenario = scenario
        self._instance: RemoteAuthMock | None = None

    def before_test(self, settings: TestSettings) -> RemoteAuthMock:
        instance = self.server.new_instance(
            seed=settings.seed if settings.seed is not None else self._seed,
            scenario=settings.scenario if settings.scenario is not None else self._scenario,
            **settings.api_options,
        )
        self._instance = instance
        try:
            for fault in settings.faults:
                instance.faults.add(fault)
        except BaseException:
            self.after_test()
            raise
        return instance

    def after_test(self, where: tuple[str, int] | None = None, fail: bool = False) -> None:
        instance, self._instance = self._instance, None
        if instance is None:
            return
        try:
            report_unfired(instance.faults, where, fail)
        finally:
            with contextlib.suppress(AdminNotFound):  # expired already
                instance.delete()
            instance.close()

    def close(self) -> None:
        self.server.close()
