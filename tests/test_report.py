"""What a failing test's pytest report shows of authmock: its calls with the
reason of each refusal (ini ``authmock_report``), and unfired faults as failures
(ini ``authmock_unfired_faults``). Run by pytester, as a user's suite would be."""

from __future__ import annotations

import textwrap

import pytest

from authmock import AuthMock
from authmock.testkit import report_section

pytest_plugins = ["pytester"]

FAILING = """
    import requests

    SIGMA = "https://api.sigma-pim.com"


    def test_roles_after_a_day(authmock):
        token = authmock.sigma.issue_token("admin@sigma.io")
        authmock.clock.advance(86401)
        roles = requests.get(SIGMA + "/api/v1/roles", headers={"Authorization": f"Bearer {token}"})
        assert roles.status_code == 200


    def test_server_wrong_password(authmock_server):
        login = requests.post(
            authmock_server.url + "/api/v1/auth/login",
            json={"email": "admin@sigma.io", "password": "nope"},
        )
        assert login.status_code == 200


    def test_passes(authmock):
        assert requests.get(SIGMA + "/healthz").status_code == 200
"""


def _suite(pytester: pytest.Pytester, ini: str = "") -> None:
    pytester.makepyfile(test_suite=textwrap.dedent(FAILING))
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")


def test_a_failing_test_shows_its_calls_and_the_reason(pytester: pytest.Pytester) -> None:
    _suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2, passed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*- authmock calls (authmock, call) -*",
            "  1. sigma GET /api/v1/roles -> 401 expired: expired * s ago on the emulator's clock"
            " (advanced by 86401 s)",
            "*- authmock calls (authmock_server, call) -*",
            "  1. sigma POST /api/v1/auth/login -> 401 bad_credentials: wrong password for"
            " 'admin@sigma.io' in workspace 'ws-sigma'",
        ]
    )
    # A passing test's calls are not reported by default.
    assert "GET /healthz" not in out


def test_all_reports_passing_tests_too_and_off_reports_none(pytester: pytest.Pytester) -> None:
    _suite(pytester, "authmock_report = all")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rP")
    result.stdout.fnmatch_lines(
        ["*- authmock calls (authmock, call) -*", "  1. sigma GET /healthz -> 200"]
    )
    _suite(pytester, "authmock_report = off")
    quiet = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rP")
    quiet.assert_outcomes(failed=2, passed=1)
    assert "authmock calls" not in quiet.stdout.str()


def test_a_bad_report_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _suite(pytester, "authmock_report = sometimes")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*ini option authmock_report must be one of failed, all, off, not 'sometimes'*"]
    )


UNFIRED = """
    import pytest


    @pytest.mark.authmock(faults=[{"path": "/api/v1/auth/refresh", "status": 401, "times": 1}])
    def test_never_refreshes(authmock):
        pass


    @pytest.mark.authmock(faults=[{"path": "/api/v1/auth/refresh", "status": 401, "times": 1}])
    def test_server_never_refreshes(authmock_server):
        pass
"""


def test_unfired_faults_fail_the_test_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_unfired=textwrap.dedent(UNFIRED))
    warned = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    warned.assert_outcomes(passed=2, warnings=2)
    pytester.makeini("[pytest]\nauthmock_unfired_faults = fail\n")
    failed = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    failed.assert_outcomes(passed=2, errors=2)
    failed.stdout.fnmatch_lines(
        ["*authmock: fault fault-1 (path='/api/v1/auth/refresh', status=401, times=1) never fired*"]
    )


def test_assert_all_fired(env: object) -> None:
    mock = env.mock  # type: ignore[attr-defined]
    first = mock.faults.add(path="/healthz", status=503, times=2)
    mock.faults.add(path="/api/v1/roles", status=500)
    with pytest.raises(AssertionError) as idle:
        mock.faults.assert_all_fired()
    assert str(idle.value) == (
        "2 fault(s) never fired: fault fault-1 (path='/healthz', status=503, times=2); "
        "fault fault-2 (path='/api/v1/roles', status=500)"
    )
    env.sigma("GET", "/healthz")  # type: ignore[attr-defined]
    env.sigma("GET", "/api/v1/roles")  # type: ignore[attr-defined]
    mock.faults.assert_all_fired()
    assert mock.faults.get(first).fired == 1


def test_the_section_is_capped_most_recent_last() -> None:
    with AuthMock(seed=7) as mock:
        import requests

        for n in range(35):
            requests.get(f"{mock.sigma_url}/healthz?n={n}")
        requests.get(f"{mock.sigma_url}/api/v1/roles")
        lines = report_section(mock.calls).splitlines()
    assert lines[0] == "... 6 earlier call(s) not shown"
    assert len(lines) == 31
    assert lines[-1] == (
        " 36. sigma GET /api/v1/roles -> 401 missing_credentials: neither an Authorization"
        " header nor an X-Sigma-ApiKey header was sent"
    )
    assert report_section([]) == "no call reached authmock"
