"""``*`` globs match in linear time: a hostile pattern cannot freeze the server."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from authmock import AuthMock
from authmock.cli import main
from authmock.faults import FaultError
from authmock.globs import MAX_PATTERN_LENGTH, PatternError, path_matcher

FAULT_TOO_LONG = f"fault field 'path' is 2001 characters long (at most {MAX_PATTERN_LENGTH})"
FILTER_TOO_LONG = f"filter 'path' is 2001 characters long (at most {MAX_PATTERN_LENGTH})"
# Ten stars and a literal that never comes: a backtracking regex takes
# exponential time on a long path of 'a's; the linear matcher does not.
HOSTILE = "/" + "*a" * 10 + "*b"
LONG_PATH = "/" + "a" * 300


def reference(pattern: str, path: str) -> bool:
    """The documented semantics, as the (backtracking) regex they used to be."""

    def strip(p: str) -> str:
        return p[:-1] if len(p) > 1 and p.endswith("/") else p

    regex = ".*".join(re.escape(part) for part in strip(pattern).split("*"))
    return re.fullmatch(regex, strip(path), re.DOTALL) is not None


@given(
    pattern=st.text(alphabet="/ab*", max_size=10).map(lambda s: "/" + s),
    path=st.text(alphabet="/ab", max_size=12).map(lambda s: "/" + s),
)
def test_the_linear_matcher_agrees_with_the_documented_semantics(pattern: str, path: str) -> None:
    assert path_matcher(pattern)(path) is reference(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/api/*", "/api/v1/auth/login", True),  # across segments
        ("/api/*/login", "/api/v1/auth/login", True),
        ("/a*a", "/a", False),  # prefix and suffix may not overlap
        ("/a*a", "/aa", True),
        ("/x/", "/x", True),  # a trailing slash does not matter
        ("/x", "/x/", True),
        ("/*.json", "/openapi.json", True),
        ("/?", "/a", False),  # only * is special
        ("/**", "/", True),
        (HOSTILE, LONG_PATH, False),
        (HOSTILE, LONG_PATH + "b", True),
    ],
)
def test_glob_cases(pattern: str, path: str, expected: bool) -> None:
    assert path_matcher(pattern)(path) is expected


def test_a_pattern_over_the_limit_is_refused() -> None:
    path_matcher("/" + "x" * (MAX_PATTERN_LENGTH - 1))
    with pytest.raises(PatternError, match=f"at most {MAX_PATTERN_LENGTH}"):
        path_matcher("/" + "x" * MAX_PATTERN_LENGTH)


def test_a_long_fault_path_is_a_fault_error(mock: AuthMock) -> None:
    with pytest.raises(FaultError) as caught:
        mock.faults.add(path="/" + "*" * 2000, status=503)
    assert str(caught.value) == FAULT_TOO_LONG
    assert mock.faults.list() == []


def test_a_long_journal_filter_is_a_value_error(mock: AuthMock) -> None:
    with pytest.raises(ValueError, match="filter 'path' is 2001 characters long"):
        mock.calls.filter(path="/" + "*" * 2000)


def test_the_admin_api_refuses_long_patterns_with_a_400() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        long = "/" + "*" * 2000
        r = requests.post(f"{server.url}/_authmock/faults", json={"path": long, "status": 503})
        assert (r.status_code, r.json()) == (
            400,
            {"error": "BAD_REQUEST", "message": FAULT_TOO_LONG},
        )
        r = requests.get(f"{server.url}/_authmock/calls", params={"path": long}, timeout=5)
        assert (r.status_code, r.json()) == (
            400,
            {"error": "BAD_REQUEST", "message": FILTER_TOO_LONG},
        )
        assert requests.get(f"{server.url}/_authmock/faults", timeout=5).json() == []


def test_the_cli_refuses_a_long_fault_path(capsys: Any) -> None:
    fault = '{"path": "/' + "*" * 2000 + '", "status": 503}'
    assert main(["serve", "--port", "0", "--fault", fault]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.endswith(FAULT_TOO_LONG + "\n")


def test_hostile_globs_answer_while_the_server_keeps_serving() -> None:
    """The issue's attack: a 10-star fault and a 10-star journal filter against
    a 300-character path; before, each held the GIL for minutes."""
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        requests.post(
            f"{server.url}/_authmock/faults", json={"path": HOSTILE, "status": 503}, timeout=5
        ).raise_for_status()
        results: dict[str, Any] = {}

        def attack() -> None:
            with requests.Session() as s:
                results["fault"] = s.get(server.url + LONG_PATH, timeout=30).status_code
                results["fired"] = s.get(server.url + LONG_PATH + "b", timeout=30).status_code
                results["filter"] = s.get(
                    f"{server.url}/_authmock/calls", params={"path": HOSTILE}, timeout=30
                ).json()

        attacker = threading.Thread(target=attack)
        attacker.start()
        health = requests.get(f"{server.url}/healthz", timeout=5)
        attacker.join(timeout=10)
        assert not attacker.is_alive(), "a hostile glob froze the server"
        assert health.status_code == 200
        assert results["fault"] == 404  # not matched: the route does not exist
        assert results["fired"] == 503
        assert [c["path"] for c in results["filter"]] == [LONG_PATH + "b"]


def test_the_cli_serves_a_hostile_fault_pattern() -> None:
    """The same through ``authmock serve --fault`` in its own process."""
    fault = '{"path": "' + HOSTILE + '", "status": 503}'
    args = [sys.executable, "-m", "authmock", "serve", "--port", "0", "--fault", fault]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = next(
            line.split()[-1] for line in proc.stdout if line.startswith("authmock listening on ")
        )
        assert requests.get(url + LONG_PATH, timeout=10).status_code == 404
        assert requests.get(url + LONG_PATH + "b", timeout=10).status_code == 503
        assert requests.get(f"{url}/healthz", timeout=10).status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
