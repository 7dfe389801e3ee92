"""The pytest plugin as a user gets it: a separate test directory, run by a
separate pytest process that has only the installed plugin (no conftest of ours)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from authmock import AuthMock

pytest_plugins = ["pytester"]


def write(pytester: pytest.Pytester, name: str, source: str) -> Path:
    path = pytester.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


ISOLATION = """
    import time

    import requests

    from authmock import AuthMock

    SIGMA = "https://api.sigma-pim.com"
    seen = {}


    def test_first_changes_everything(authmock, authmock_server):
        raw = authmock.sigma.create_api_key("ws-sigma", "one", ["read"])
        ok = requests.get(SIGMA + "/api/v1/roles", headers={"X-Sigma-ApiKey": raw})
        assert ok.status_code == 200
        authmock.clock.advance(100_000)
        remote_raw = authmock_server.sigma.create_api_key("ws-sigma", "two", ["read"])
        url = authmock_server.url + "/api/v1/roles"
        assert requests.get(url, headers={"X-Sigma-ApiKey": remote_raw}).status_code == 200
        authmock_server.clock.advance(100_000)
        authmock_server.faults.add(path="/healthz", status=503)
        seen.update(raw=raw, remote_raw=remote_raw, url=authmock_server.url, mock=authmock)


    def test_second_starts_fresh(authmock, authmock_server):
        assert authmock is not seen["mock"]
        assert authmock_server.url == seen["url"]  # one server for the session
        gone = requests.get(SIGMA + "/api/v1/roles", headers={"X-Sigma-ApiKey": seen["raw"]})
        assert gone.status_code == 401
        assert gone.json() == {"error": "UNAUTHORIZED", "message": "Invalid API key"}
        url = authmock_server.url + "/api/v1/roles"
        remote = requests.get(url, headers={"X-Sigma-ApiKey": seen["remote_raw"]})
        assert remote.status_code == 401
        assert abs(authmock.clock.now() - time.time()) < 60
        assert abs(authmock_server.clock.now() - time.time()) < 60
        assert authmock_server.faults.list() == []
        assert requests.get(authmock_server.url + "/healthz").json() == {"status": "ok"}
        assert [c.path for c in authmock_server.calls] == ["/api/v1/roles", "/healthz"]


    def test_default_seed_is_zero(authmock, authmock_server):
        expected = [t["workspaceId"] for t in AuthMock(seed=0).sigma.tenants]
        assert [t["workspaceId"] for t in authmock.sigma.tenants] == expected
        assert [t["workspaceId"] for t in authmock_server.sigma.tenants] == expected
"""

MARKER = """
    import pytest
    import requests

    from authmock import AuthMock

    def ids(tenants):
        return [t["workspaceId"] for t in tenants]


    @pytest.mark.authmock(seed=3, faults=[{"path": "/healthz", "status": 503}])
    def test_seed_and_faults(authmock, authmock_server):
        assert ids(authmock.sigma.tenants) == ids(AuthMock(seed=3).sigma.tenants)
        assert ids(authmock_server.sigma.tenants) == ids(AuthMock(seed=3).sigma.tenants)
        assert requests.get("https://api.sigma-pim.com/healthz").status_code == 503
        assert requests.get(authmock_server.url + "/healthz").status_code == 503


    PROXY = {"path": "/api/v1/x", "body": "<h1>502 Bad Gateway</h1>", "content_type": "text/html"}


    @pytest.mark.authmock(faults=[PROXY])
    def test_marker_fault_with_a_verbatim_body(authmock, authmock_server):
        for url in ("https://api.sigma-pim.com", authmock_server.url):
            answer = requests.get(url + "/api/v1/x")
            assert (answer.status_code, answer.text) == (200, "<h1>502 Bad Gateway</h1>")
            assert answer.headers["Content-Type"] == "text/html"


    @pytest.mark.authmock(scenario="acme")
    def test_bundled_scenario(authmock, authmock_server):
        assert ids(authmock.sigma.tenants) == ["ws-acme"]
        assert ids(authmock_server.sigma.tenants) == ["ws-acme"]
        assert authmock.seed == 7


    @pytest.mark.authmock(scenario={"sigma": {"tenants": [{"workspaceId": "ws-x", "name": "X"}]}})
    def test_dict_scenario(authmock_server):
        assert ids(authmock_server.sigma.tenants) == ["ws-x"]


    def test_unmarked_test_is_back_to_the_defaults(authmock_server):
        assert ids(authmock_server.sigma.tenants) == ids(AuthMock(seed=0).sigma.tenants)
        assert requests.get(authmock_server.url + "/healthz").status_code == 200


    @pytest.mark.authmock
    class TestClassMarker:
        pytestmark = [pytest.mark.authmock(seed=9)]

        def test_class_level_marker(self, authmock):
            assert authmock.seed == 9
"""


def test_fixtures_marker_and_isolation_with_only_the_installed_plugin(
    pytester: pytest.Pytester,
) -> None:
    write(pytester, "test_isolation.py", ISOLATION)
    write(pytester, "test_marker.py", MARKER)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--strict-markers", "-W", "error"
    )
    result.assert_outcomes(passed=9)


def test_fixtures_are_listed_with_their_docstrings(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    out = result.stdout.str()
    for name, words in [
        ("authmock", "An active in-process ``AuthMock`` with fresh state for this test"),
        ("authmock_server", "A live authmock HTTP server on 127.0.0.1"),
        ("authmock_seed", "Seed of the ``authmock`` fixture"),
        ("authmock_scenario", "Scenario of the ``authmock`` fixture"),
    ]:
        result.stdout.fnmatch_lines([f"{name} -- *authmock*plugin.py*", f"    {words}*"])
    assert "_authmock_session_server" not in out  # internal: hidden without -v
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.authmock(seed=None, scenario=None, *"])


def test_ini_options_and_overridden_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        authmock_seed = 4
        authmock_scenario = scenarios/mine.toml
        """
    )
    write(
        pytester,
        "scenarios/mine.toml",
        """
        [[sigma.tenants]]
        workspaceId = "ws-mine"
        name = "Mine"
        """,
    )
    write(
        pytester,
        "test_ini.py",
        """
        import pytest

        def test_ini_configures_both(authmock, authmock_server):
            assert authmock.seed == 4
            assert [t["workspaceId"] for t in authmock.sigma.tenants] == ["ws-mine"]
            assert [t["workspaceId"] for t in authmock_server.sigma.tenants] == ["ws-mine"]

        @pytest.mark.authmock(seed=8)
        def test_marker_overrides_ini(authmock, authmock_server):
            assert authmock.seed == 8
            assert [t["workspaceId"] for t in authmock_server.sigma.tenants] == ["ws-mine"]
        """,
    )
    write(
        pytester,
        "sub/test_override.py",
        """
        import pytest

        @pytest.fixture
        def authmock_seed():
            return 21

        @pytest.fixture
        def authmock_scenario():
            return None

        def test_overridden_fixtures(authmock):
            assert authmock.seed == 21
            assert "ws-sigma" in [t["workspaceId"] for t in authmock.sigma.tenants]
        """,
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_unfired_faults_warn_and_handler_errors_are_reraised(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_end.py",
        """
        import pytest
        import requests

        def test_fault_never_fired_in_process(authmock):
            authmock.faults.add(path="/api/v1/auth/refresh", status=401, times=1)

        @pytest.mark.authmock(faults=[{"path": "/api/v1/roles", "status": 500, "times": 2}])
        def test_fault_never_fired_on_the_server(authmock_server):
            pass

        def test_fault_that_fired_is_not_reported(authmock):
            authmock.faults.add(path="/healthz", status=503, times=1)
            assert requests.get("https://api.sigma-pim.com/healthz").status_code == 503

        def test_handler_error_is_reraised(authmock):
            @authmock.sigma.route("GET", "/api/v1/widgets")
            def widgets(request, principal):
                raise RuntimeError("boom in handler")

            token = authmock.sigma.issue_token("admin@sigma.io")
            response = requests.get(
                "https://api.sigma-pim.com/api/v1/widgets",
                headers={"Authorization": "Bearer " + token},
            )
            assert response.status_code == 500
        """,
    )
    result = pytester.runpytest("-rA")
    result.assert_outcomes(passed=4, errors=1, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_handler_error_is_reraised*",
            "E*RuntimeError: boom in handler",
            "*test_end.py:5: AuthmockWarning: authmock: fault fault-1"
            " (path='/api/v1/auth/refresh', status=401, times=1) never fired",
            "*test_end.py:8: AuthmockWarning: authmock: fault fault-1"
            " (path='/api/v1/roles', status=500, times=2) never fired",
        ]
    )


def test_bad_marker_and_bad_ini_are_clear_errors(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_bad.py",
        """
        import pytest

        @pytest.mark.authmock(colour="red")
        def test_unknown_option(authmock):
            pass

        @pytest.mark.authmock(faults=[{"path": "/x", "kind": "explode"}])
        def test_bad_fault(authmock_server):
            pass

        @pytest.mark.authmock(scenario={"sigma": {"tenants": [{"name": "No id"}]}})
        def test_bad_scenario_in_process(authmock):
            pass

        @pytest.mark.authmock(scenario="missing.toml")
        def test_bad_scenario_on_the_server(authmock_server):
            pass

        # An api name is the mock's to check (a server's own APIs, on a server).
        @pytest.mark.authmock(faults=[{"api": "nope", "status": 503}])
        def test_unknown_api_in_process(authmock):
            pass

        @pytest.mark.authmock(faults=[{"api": "nope", "status": 503}])
        def test_unknown_api_on_the_server(authmock_server):
            pass
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.authmock: unknown option 'colour' (options: seed, scenario, *",
            "*@pytest.mark.authmock: fault field 'kind' must be one of http, reset, *",
            "*authmock: scenario: sigma.tenants?0?.workspaceId: is required",
            "*authmock: missing.toml: cannot read scenario file (No such file or directory);"
            " bundled scenarios: *",
            "*authmock: fault field 'api' must be 'sigma' or 'bigid'",
            "*authmock: authmock admin API: POST /_authmock/faults -> 400 BAD_REQUEST:"
            " fault field 'api' must be 'sigma' or 'bigid'",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    pytester.makeini("[pytest]\nauthmock_seed = many\n")
    bad_ini = pytester.runpytest_subprocess()
    assert bad_ini.ret == pytest.ExitCode.USAGE_ERROR
    bad_ini.stderr.fnmatch_lines(["*ini option authmock_seed must be an integer, not 'many'"])


def test_one_server_per_xdist_worker_and_no_shared_state(pytester: pytest.Pytester) -> None:
    out = pytester.path / "out"
    out.mkdir()
    write(
        pytester,
        "test_workers.py",
        f"""
        import json, os, pathlib

        import pytest

        OUT = pathlib.Path({str(out)!r})

        @pytest.mark.parametrize("n", range(8))
        def test_same_tenant_everywhere(authmock_server, n):
            # Would collide if two tests (or two workers) shared state.
            authmock_server.sigma.add_tenant("ws-same", "Same")
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            line = json.dumps([worker, authmock_server.url])
            (OUT / f"{{n}}.json").write_text(line)
        """,
    )
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=8)
    seen = [json.loads(p.read_text()) for p in out.iterdir()]
    urls_by_worker: dict[str, set[str]] = {}
    for worker, url in seen:
        urls_by_worker.setdefault(worker, set()).add(url)
    assert sorted(urls_by_worker) == ["gw0", "gw1"]
    assert all(len(urls) == 1 for urls in urls_by_worker.values())
    assert len({url for urls in urls_by_worker.values() for url in urls}) == 2


def test_the_readme_plugin_example_passes(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    example = next(b for b in blocks if "def test_login(authmock)" in b)
    write(pytester, "test_readme.py", example)
    # Collect after each test, so an unclosed response or socket warns inside it.
    pytester.makeconftest(
        """
        import gc
        import pytest

        @pytest.fixture(autouse=True)
        def collect():
            yield
            gc.collect()
        """
    )
    pytester.runpytest("-W", "error").assert_outcomes(passed=2)


def test_authmock_warning_is_a_public_category_for_minus_w(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_strict.py",
        """
        def test_fault_never_fired(authmock):
            authmock.faults.add(path="/api/v1/auth/refresh", status=401, times=1)

        def test_nothing_to_report(authmock):
            pass
        """,
    )
    result = pytester.runpytest("-W", "error::authmock.AuthmockWarning", "-rA")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_fault_never_fired*",
            "E*authmock.errors.AuthmockWarning: authmock: fault fault-1*never fired",
        ]
    )


def test_authmock_server_url_gives_each_test_its_own_instance_under_xdist(
    pytester: pytest.Pytester,
) -> None:
    out = pytester.path / "out"
    out.mkdir()
    write(
        pytester,
        "test_shared.py",
        f"""
        import json, os, pathlib, time

        import pytest
        import requests

        OUT = pathlib.Path({str(out)!r})
        ADMIN = {{"email": "admin@sigma.io", "password": "admin"}}

        @pytest.mark.parametrize("n", range(8))
        def test_isolated(authmock_server, n):
            # Each would collide with the others on a shared emulator.
            authmock_server.sigma.add_tenant("ws-same", "Same")
            authmock_server.clock.advance(n * 1000)
            assert abs(authmock_server.clock.now() - time.time() - n * 1000) < 300
            authmock_server.faults.add(path="/api/v1/auth/login", status=503, times=1)
            login = authmock_server.url + "/api/v1/auth/login"
            assert requests.post(login, json=ADMIN).status_code == 503
            assert requests.post(login, json=ADMIN).status_code == 200
            assert [c.status for c in authmock_server.calls] == [503, 200]
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            (OUT / f"{{n}}.json").write_text(json.dumps([worker, authmock_server.url]))

        @pytest.mark.authmock(seed=5, faults=[{{"path": "/healthz", "status": 500}}])
        def test_marker_applies_to_the_instance(authmock_server):
            assert authmock_server.faults.list()[0].status == 500
            assert requests.get(authmock_server.url + "/healthz").status_code == 500
        """,
    )
    mock = AuthMock()
    with mock.serve() as server:
        pytester.makeini(f"[pytest]\nauthmock_server_url = {server.url}\n")
        result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=9)
        assert mock.wsgi_app.instances is not None and len(mock.wsgi_app.instances) == 0
    seen = [json.loads(p.read_text()) for p in out.iterdir()]
    assert sorted({worker for worker, _ in seen}) == ["gw0", "gw1"]
    urls = [url for _, url in seen]
    assert len(set(urls)) == 8 and all(u.startswith(f"{server.url}/_i/") for u in urls)
    # The root was never touched: no reset cost, no cross-talk.
    assert len(mock.calls) == 0 and mock.state() == AuthMock().state()
