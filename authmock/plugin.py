"""The pytest plugin, registered by installing authmock (``pytest11`` entry point).

Fixtures: ``authmock`` (an active in-process AuthMock per test),
``authmock_server`` (a live server per session, reset before each test),
``authmock_seed`` / ``authmock_scenario`` (override them). Marker
``@pytest.mark.authmock(seed=, scenario=, bigid_errors=, faults=[...])``; ini
options ``authmock_seed``, ``authmock_scenario``, ``authmock_report`` (a failing
test's report lists its authmock calls), ``authmock_unfired_faults``, ``authmock_server_url``
(a running server: each test gets its own instance there) and
``authmock_server_tls`` (the session's own server over HTTPS). The logic lives in
:mod:`authmock.testkit`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from authmock import testkit
from authmock.emulator import ScenarioSource
from authmock.mock import AuthMock
from authmock.remote import RemoteAuthMock

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
# The ini options read on every test, checked and kept once per session:
# (authmock_report's mode, whether authmock_unfired_faults is "fail").
_INI = pytest.StashKey[tuple[str, bool]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("authmock").addoption(
        "--authmock-har",
        metavar="DIR",
        default=None,
        help="write the authmock journal of each failing test to DIR as HAR 1.2",
    )
    _addini_tls(parser)
    parser.addini(
        "authmock_seed", "seed of the authmock fixtures (default: the scenario's, else 0)"
    )
    parser.addini(
        "authmock_scenario",
        "scenario of the authmock fixtures: a .toml/.json file (relative to the ini file)"
        " or a bundled name",
    )
    parser.addini(
        "authmock_allow_network",
        "false: while the authmock fixture is active, requests/httpx calls to hosts that are"
        " not authmock's, not loopback and not answered by your responses/respx mocks fail"
        " fast (default true)",
        type="bool",
        default=True,
    )
    parser.addini(
        "authmock_report",
        "failed (default): a failing test's report lists its authmock calls, with the"
        " reason of each refusal; all: every test's (shown with -rP); off",
    )
    parser.addini(
        "authmock_unfired_faults",
        "warn (default): a fault with `times` that never fired is an AuthmockWarning;"
        " fail: the test fails",
    )
    parser.addini(
        "authmock_server_url",
        "an authmock server already running (e.g. started by CI): authmock_server then"
        " gives each test its own instance there (env AUTHMOCK_SERVER_URL when unset;"
        " admin token from env AUTHMOCK_ADMIN_TOKEN)",
    )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Kept so a fixture's teardown knows whether its test failed (for --authmock-har).
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    _report_calls(item, report)


def _write_har(request: pytest.FixtureRequest, calls: Any, name: str) -> None:
    """``--authmock-har DIR``: the journal of a failed test as DIR/<test id>.<name>.har."""
    folder = request.config.getoption("authmock_har")
    if folder is None:
        return
    reports = request.node.stash.get(_REPORTS, {})
    if not any(r.failed for r in reports.values()):
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid).strip("_")
    path = Path(folder) / f"{stem}.{name}.har"
    path.write_text(json.dumps(calls.to_har(), indent=1, ensure_ascii=False), encoding="utf-8")


def _addini_tls(parser: pytest.Parser) -> None:
    parser.addini(
        "authmock_server_tls",
        "authmock_server serves HTTPS with a local CA (needs authmock[tls]); its bundle is"
        " authmock_server.ca_path",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", testkit.MARKER_HELP)
    try:
        testkit.ini_seed(str(config.getini("authmock_seed")))
        report = str(config.getini("authmock_report"))
        unfired = str(config.getini("authmock_unfired_faults"))
        config.stash[_INI] = (
            testkit.ini_choice("authmock_report", report, testkit.REPORT_MODES),
            testkit.ini_choice("authmock_unfired_faults", unfired, testkit.UNFIRED_MODES) == "fail",
        )
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _report_mode(config: pytest.Config) -> str:
    return config.stash[_INI][0]


def _fail_unfired(config: pytest.Config) -> bool:
    return config.stash[_INI][1]


@contextmanager
def _finishing() -> Iterator[None]:
    """Unfired faults under ``authmock_unfired_faults = fail``: one line, no traceback."""
    try:
        yield
    except testkit.UnfiredFaults as exc:
        raise pytest.fail.Exception(str(exc), pytrace=False) from None


def _report_calls(item: pytest.Item, report: pytest.TestReport) -> None:
    """A failing test that used authmock gets a report section listing its calls
    (like pytest's captured-log sections): the reason for every refusal."""
    mode = _report_mode(item.config)
    if mode == "off" or (not report.failed and (mode == "failed" or report.when != "call")):
        return
    values = getattr(item, "funcargs", {})
    for name in ("authmock", "authmock_server"):
        mock = values.get(name)
        if mock is None:
            continue
        try:
            text = testkit.report_section(mock.calls)
        except Exception as exc:  # the server may be gone: the report must still be written
            text = f"could not read the journal: {exc}"
        report.sections.append((f"authmock calls ({name}, {report.when})", text))


def _settings(request: pytest.FixtureRequest) -> testkit.TestSettings:
    marker = request.node.get_closest_marker("authmock")
    if marker is None:
        return testkit.TestSettings()
    try:
        return testkit.marker_settings(marker.args, marker.kwargs)
    except ValueError as exc:
        raise pytest.fail.Exception(f"@pytest.mark.authmock: {exc}", pytrace=False) from None


@contextmanager
def _configuring() -> Iterator[None]:
    """A bad scenario or fault fails the test with its one-line message, no traceback."""
    try:
        yield
    except ValueError as exc:  # ScenarioError, FaultError, AdminBadRequest
        raise pytest.fail.Exception(f"authmock: {exc}", pytrace=False) from None


def _where(request: pytest.FixtureRequest) -> tuple[str, int]:
    """The test's file and line, for warnings about it."""
    path, line, _ = request.node.reportinfo()
    return str(path), (line or 0) + 1


def _ini_seed(config: pytest.Config) -> int | None:
    return testkit.ini_seed(str(config.getini("authmock_seed")))


def _ini_scenario(config: pytest.Config) -> str | None:
    base = config.inipath.parent if config.inipath else config.rootpath
    return testkit.ini_scenario(str(config.getini("authmock_scenario")), base)


@pytest.fixture
def authmock_seed(pytestconfig: pytest.Config) -> int | None:
    """Seed of the ``authmock`` fixture: the ``authmock_seed`` ini option, else the
    scenario's seed, else 0. Override this fixture to choose another."""
    return _ini_seed(pytestconfig)


@pytest.fixture
def authmock_scenario(pytestconfig: pytest.Config) -> ScenarioSource | None:
    """Scenario of the ``authmock`` fixture (a path or a dict): the ``authmock_scenario``
    ini option, else none. Override this fixture to choose another."""
    return _ini_scenario(pytestconfig)


@pytest.fixture
def authmock(
    request: pytest.FixtureRequest,
    authmock_seed: int | None,
    authmock_scenario: ScenarioSource | None,
) -> Iterator[AuthMock]:
    """An active in-process ``AuthMock`` with fresh state for this test: ``requests`` to
    the Sigma and BigID hosts reach it. Configured by ``authmock_seed``,
    ``authmock_scenario`` and ``@pytest.mark.authmock(...)``. At the end of the test,
    faults with ``times`` that never fired are reported as warnings, and an exception
    raised in a route handler of yours is re-raised."""
    with _configuring():
        mock = testkit.new_mock(
            _settings(request),
            authmock_seed,
            authmock_scenario,
            bool(request.config.getini("authmock_allow_network")),
        )
    mock.start()
    try:
        yield mock
    finally:
        mock.stop()
        _write_har(request, mock.calls, "authmock")
    with _finishing():
        testkit.finish_test(mock, _where(request), _fail_unfired(request.config))


def _server_url(config: pytest.Config) -> str | None:
    url = str(config.getini("authmock_server_url")).strip()
    return url or os.environ.get("AUTHMOCK_SERVER_URL", "").strip() or None


@pytest.fixture(scope="session")
def _authmock_session_server(
    pytestconfig: pytest.Config,
) -> Iterator[testkit.SessionServer | testkit.SharedServer]:
    """The server behind ``authmock_server``: one per session (per xdist worker),
    or the one ``authmock_server_url`` names, with an instance per test."""
    seed, scenario = _ini_seed(pytestconfig), _ini_scenario(pytestconfig)
    url = _server_url(pytestconfig)
    server: testkit.SessionServer | testkit.SharedServer
    if url is not None:
        token = os.environ.get("AUTHMOCK_ADMIN_TOKEN") or None
        server = testkit.SharedServer(url, seed, scenario, token)
    else:
        tls = bool(pytestconfig.getini("authmock_server_tls"))
        server = testkit.SessionServer(seed, scenario, tls=tls)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def authmock_server(
    request: pytest.FixtureRequest,
    _authmock_session_server: testkit.SessionServer | testkit.SharedServer,
) -> Iterator[RemoteAuthMock]:
    """A live authmock HTTP server on 127.0.0.1, for clients that are not ``requests``
    (httpx, aiohttp, urllib, subprocesses, other languages). Started once per session
    (per xdist worker) from the ini options and reset before every test, with the
    seed/scenario/faults of ``@pytest.mark.authmock(...)``. ``.url`` is its base URL;
    the rest is the ``RemoteAuthMock`` control API (clock, faults, calls, sigma, ...).
    With the ini option ``authmock_server_url``, each test gets instead a fresh
    instance of that server of its own (``.url`` is the instance's base), deleted
    after the test. With ``authmock_server_tls = true`` the session's server serves
    HTTPS; ``.ca_path`` is then the CA bundle (a .pem) for clients to trust."""
    with _configuring():
        remote = _authmock_session_server.before_test(_settings(request))
    try:
        yield remote
    finally:
        _write_har(request, remote.calls, "authmock_server")
    with _finishing():
        _authmock_session_server.after_test(_where(request), _fail_unfired(request.config))
