"""The request journal: what it records, filtering, the admin API, bounds, and
that no credential ever shows in it."""

from __future__ import annotations

import gc
import json
import tracemalloc
from dataclasses import FrozenInstanceError, fields
from typing import Any

import pytest
import requests

from authmock import AuthMock
from authmock.journal import (
    DEFAULT_BODY_LIMIT,
    URL_LIMIT,
    Call,
    Journal,
    body_size,
    new_call,
)

Env = Any  # tests/conftest.py's Env
LOGIN = {"email": "admin@sigma.io", "password": "admin"}


def test_a_call_records_who_did_what(way: Env) -> None:
    way.mock.clock.set(1_800_000_000)
    way.sigma("POST", "/api/v1/auth/login", json=LOGIN, headers={"X-Trace": "t-1"})
    (call,) = way.mock.calls
    assert (call.api, call.method, call.path, call.status) == (
        "sigma",
        "POST",
        "/api/v1/auth/login",
        200,
    )
    assert (call.tenant, call.principal, call.fault) == ("ws-sigma", "user-admin", None)
    assert call.timestamp == 1_800_000_000
    assert call.headers["X-Trace"] == "t-1"
    assert call.headers["Content-Type"] == "application/json"
    assert call.body == {"email": "admin@sigma.io", "password": "********"}


def test_authenticated_calls_record_the_principal(way: Env) -> None:
    token = way.mock.sigma.issue_token("admin@sigma.io")
    raw = way.mock.sigma.create_api_key("ws-sigma", "ci", ["read"])
    way.sigma("GET", "/api/v1/roles", headers={"Authorization": f"Bearer {token}"})
    way.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": raw})
    way.sigma("GET", "/api/v1/roles")
    by_user, by_key, anonymous = way.mock.calls
    assert (by_user.status, by_user.tenant, by_user.principal) == (200, "ws-sigma", "user-admin")
    assert by_key.status == 200 and by_key.tenant == "ws-sigma"
    assert by_key.principal.startswith("apikey-")
    assert (anonymous.status, anonymous.tenant, anonymous.principal) == (401, None, None)
    assert by_user.headers["Authorization"] == "********" + token[-4:]
    assert by_key.headers["X-Sigma-Apikey"] == "********" + raw[-4:]


def test_admin_calls_are_not_journaled(way: Env) -> None:
    way.sigma("GET", "/_authmock/state")
    way.sigma("POST", "/_authmock/clock", json={"advance": 1})
    way.sigma("GET", "/healthz")
    assert [c.path for c in way.mock.calls] == ["/healthz"]


def test_filter_and_assert_called(mock: AuthMock) -> None:
    base = mock.sigma_url
    requests.post(f"{base}/api/v1/auth/login", json=LOGIN)
    requests.post(f"{base}/api/v1/auth/login", json={"email": "x@y.z", "password": "nope"})
    requests.get(f"{base}/healthz")
    calls = mock.calls
    assert len(calls) == 3
    assert [c.status for c in calls.filter(method="post")] == [200, 401]
    assert [c.path for c in calls.filter(path="/api/v1/*")] == ["/api/v1/auth/login"] * 2
    assert [c.method for c in calls.filter(status=200)] == ["POST", "GET"]
    assert len(calls.filter(tenant="ws-sigma", principal="user-admin")) == 1
    assert calls[-1].path == "/healthz"
    assert [c.path for c in calls[:1]] == ["/api/v1/auth/login"]
    assert len(mock.assert_called("POST", "/api/v1/auth/login", times=2)) == 2
    mock.assert_called("get", "/healthz")
    with pytest.raises(AssertionError) as never:
        mock.assert_called("GET", "/api/v1/roles")
    assert str(never.value) == (
        "GET /api/v1/roles was never called; closest of 3 call(s):\n"
        "  #2 GET /healthz -> 200: path /healthz, not /api/v1/roles\n"
        "  #1 POST /api/v1/auth/login -> 401 bad_credentials: no user with email 'x@y.z'"
        " in any workspace: method POST, not GET; path /api/v1/auth/login, not /api/v1/roles\n"
        "  #0 POST /api/v1/auth/login -> 200: method POST, not GET;"
        " path /api/v1/auth/login, not /api/v1/roles"
    )
    with pytest.raises(AssertionError, match=r"was called 2 time\(s\), expected 1"):
        mock.assert_called("POST", "/api/v1/auth/login", times=1)
    mock.assert_called("GET", "/api/v1/roles", times=0)
    mock.calls.clear()
    assert len(mock.calls) == 0
    with pytest.raises(AssertionError, match="calls seen: none"):
        mock.assert_called("GET", "/healthz")


def test_admin_api_lists_filters_and_clears(way: Env) -> None:
    way.sigma("POST", "/api/v1/auth/login", json=LOGIN)
    way.sigma("GET", "/api/v1/roles")
    way.sigma("GET", "/healthz")
    listed = way.sigma("GET", "/_authmock/calls")
    assert listed.status_code == 200
    assert [(c["method"], c["path"], c["status"]) for c in listed.json()] == [
        ("POST", "/api/v1/auth/login", 200),
        ("GET", "/api/v1/roles", 401),
        ("GET", "/healthz", 200),
    ]
    first = listed.json()[0]
    assert sorted(first) == sorted(
        [
            "api",
            "method",
            "path",
            "status",
            "tenant",
            "principal",
            "timestamp",
            "headers",
            "body",
            "fault",
            "url",
            "response_headers",
            "response_body",
            "duration",
            "reason",
            "detail",
        ]
    )
    assert first["body"] == {"email": "admin@sigma.io", "password": "********"}
    filtered = way.sigma("GET", "/_authmock/calls?method=GET&status=200")
    assert [c["path"] for c in filtered.json()] == ["/healthz"]
    globbed = way.sigma("GET", "/_authmock/calls?path=/api/v1/*")
    assert [c["path"] for c in globbed.json()] == ["/api/v1/auth/login", "/api/v1/roles"]
    assert way.sigma("DELETE", "/_authmock/calls").status_code == 204
    assert way.sigma("GET", "/_authmock/calls").json() == []


@pytest.mark.parametrize(
    ("method", "query", "message"),
    [
        (
            "GET",
            "colour=red",
            "unknown filter 'colour' (known: method, path, api, status, tenant, principal,"
            " fault, reason, body, headers)",
        ),
        ("GET", "status=ok", "status must be an integer or a class such as '4xx', not 'ok'"),
        ("GET", "reason=expird", "unknown reason 'expird' (known: missing_credentials, "),
        ("GET", "body=%7Bnope", "filter 'body' must be JSON"),
        ("GET", "headers=[1]", "filter 'headers' must be a JSON object"),
        # Nested past the JSON parser's recursion limit: was a RecursionError, a 500.
        ("GET", "body=" + "%5B" * 5000, "filter 'body' must be JSON"),
        ("GET", "headers=" + "%7B%22a%22:" * 3000, "filter 'headers' must be JSON"),
        ("GET", "body=" + "%5B" * 65 + "%5D" * 65, "filter 'body' is nested more than 64"),
        ("DELETE", "path=/healthz", "DELETE /_authmock/calls takes no filters"),
    ],
)
def test_admin_api_rejects_bad_filters(env: Env, method: str, query: str, message: str) -> None:
    env.sigma("GET", "/healthz")
    r = env.sigma(method, f"/_authmock/calls?{query}")
    assert r.status_code == 400
    if method == "GET":  # the HAR export filters alike
        har = env.sigma(method, f"/_authmock/calls.har?{query}")
        assert (har.status_code, har.json()) == (400, r.json())
    assert r.json()["error"] == "BAD_REQUEST"
    assert r.json()["message"].startswith(message)
    assert len(env.sigma("GET", "/_authmock/calls").json()) == 1  # nothing cleared


def test_the_journal_is_bounded() -> None:
    with AuthMock(seed=7, journal_limit=3) as mock:
        for n in range(5):
            requests.get(f"{mock.sigma_url}/healthz?n={n}", headers={"X-N": str(n)})
        assert [c.headers["X-N"] for c in mock.calls] == ["2", "3", "4"]
    assert Journal().limit == 10_000


def test_a_zero_limit_journals_nothing() -> None:
    with AuthMock(seed=7, journal_limit=0) as mock:
        assert requests.get(f"{mock.sigma_url}/healthz").status_code == 200
        assert len(mock.calls) == 0


@pytest.mark.parametrize("limit", [-1, 1.5, True])
def test_a_bad_limit_is_refused(limit: Any) -> None:
    with pytest.raises(ValueError, match="journal_limit must be a non-negative integer"):
        AuthMock(journal_limit=limit)


def test_reset_clears_the_journal(mock: AuthMock) -> None:
    requests.get(f"{mock.sigma_url}/healthz")
    mock.reset()
    assert list(mock.calls) == []


def test_no_secret_ever_shows_in_the_journal(way: Env) -> None:
    mock = way.mock
    password = "correct-horse-battery"
    mock.sigma.add_user("ws-sigma", "ops@sigma.io", password, role_id="role-admin")
    login = way.sigma(
        "POST", "/api/v1/auth/login", json={"email": "ops@sigma.io", "password": password}
    )
    token = login.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    refreshed = way.sigma("POST", "/api/v1/auth/refresh", json={"token": token}).json()["token"]
    created = way.sigma(
        "POST", "/api/v1/api-keys", headers=auth, json={"name": "ci", "permissions": ["read"]}
    ).json()["key"]
    way.sigma("GET", "/api/v1/roles", headers={"X-Sigma-ApiKey": created})
    way.sigma("GET", "/api/v1/roles", headers={"Authorization": f"Bearer {refreshed}"})
    # Credentials under other names, in headers and bodies, nested, and in faulted calls.
    mock.faults.add(path="/api/v1/faulted", status=503)
    way.sigma(
        "POST",
        "/api/v1/faulted",
        headers={"X-Api-Key": created, "Cookie": f"session={token}", "X-Auth-Token": token},
        json={
            "password": password,
            "newPassword": password,
            "apiKey": created,
            "client_secret": refreshed,
            "nested": [{"accessToken": token, "refresh_token": refreshed}],
        },
    )
    secrets = [password, token, refreshed, created, mock.sigma.secret]
    # The last 4 characters of a token may show; nothing longer.
    in_python = json.dumps([c.to_json() for c in mock.calls])
    in_admin = way.sigma("GET", "/_authmock/calls").text
    for dump in (in_python, in_admin):
        assert len(json.loads(dump)) == 6
        for secret in secrets:
            assert secret not in dump
            assert secret[:12] not in dump
            assert secret[-12:] not in dump
    faulted = mock.calls[-1]
    assert faulted.body == {
        "password": "********",
        "newPassword": "********",
        "apiKey": "********" + created[-4:],
        "client_secret": "********" + refreshed[-4:],
        "nested": [
            {"accessToken": "********" + token[-4:], "refresh_token": "********" + refreshed[-4:]}
        ],
    }
    assert faulted.headers["X-Api-Key"] == "********" + created[-4:]
    assert faulted.headers["X-Auth-Token"] == "********" + token[-4:]


# -- the byte budget -----------------------------------------------------------------------


def _login(base: str, email: str, session: Any = requests) -> None:
    session.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "x"}, timeout=30)


def test_a_body_over_the_limit_is_kept_truncated_with_a_marker(way: Env) -> None:
    way.sigma("POST", "/api/v1/auth/login", json={"email": "e" * 20_000, "password": "p"})
    way.sigma("POST", "/api/v1/auth/login", json={"email": "e" * 50, "password": "p"})
    long, short = [c.body for c in way.mock.calls]
    size = len(json.dumps({"email": "e" * 20_000, "password": "********"}, separators=(",", ":")))
    start = '{"email":"' + "e" * (DEFAULT_BODY_LIMIT - 10)
    assert long == start + f"... [authmock: body truncated, {size} bytes]"
    assert short == {"email": "e" * 50, "password": "********"}


def test_all_bodies_stay_within_the_budget_oldest_dropped_first() -> None:
    with AuthMock(seed=7, journal_body_limit=1000, journal_body_budget=2500) as mock:
        for n in range(5):
            _login(mock.sigma_url, f"{n}" * 900)
        bodies = [c.body for c in mock.calls]
        assert bodies[:3] == ["[authmock: body dropped, over the journal's body budget]"] * 3
        assert [b["email"] for b in bodies[3:]] == ["3" * 900, "4" * 900]
        # The answers' bodies count toward the same budget.
        answers = sum(body_size(c.response_body) for c in mock.calls[3:])
        assert answers > 0
        assert (
            mock.calls.body_bytes == 2 * len('{"email":"","password":"********"}') + 1800 + answers
        )
        assert len(mock.calls) == 5  # the entries stay; only their bodies go


def test_the_entry_cap_and_the_budget_keep_count_together() -> None:
    with AuthMock(seed=7, journal_limit=3, journal_body_budget=10_000) as mock:
        for n in range(10):
            _login(mock.sigma_url, f"{n}" * 100)
        assert [c.body["email"][0] for c in mock.calls] == ["7", "8", "9"]
        answers = sum(body_size(c.response_body) for c in mock.calls)
        assert (
            mock.calls.body_bytes == 3 * len('{"email":"","password":"********"}') + 300 + answers
        )
        mock.calls.clear()
        assert mock.calls.body_bytes == 0


@pytest.mark.parametrize("name", ["journal_body_limit", "journal_body_budget"])
def test_bad_body_limits_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be a non-negative integer, not -1"):
        AuthMock(**{name: -1})


@pytest.mark.parametrize("flag", ["--journal-body-limit", "--journal-body-budget"])
def test_bad_body_limit_flags_are_one_line(flag: str, capsys: Any) -> None:
    from authmock.cli import main

    assert main(["serve", "--port", "0", flag, "-1"]) == 2
    assert capsys.readouterr().err == f"authmock: error: {flag} must not be negative, not -1\n"


def test_600_one_mib_bodies_keep_the_journal_small() -> None:
    """The issue's attack: 600 bodies of 1 MiB once made GET /_authmock/calls 629 MB."""
    mock = AuthMock(seed=7)
    email = "a" * (1024 * 1024 - 100)
    with mock.serve() as server, requests.Session() as session:
        for _ in range(600):
            _login(server.url, email, session)
        listing = session.get(f"{server.url}/_authmock/calls", timeout=60)
    calls = listing.json()
    assert len(calls) == 600
    assert len(listing.content) < 5 * 1024 * 1024
    assert mock.calls.body_bytes <= 4 * 1024 * 1024
    assert calls[-1]["body"].endswith(f"... [authmock: body truncated, {len(email) + 34} bytes]")
    assert calls[0]["body"] == "[authmock: body dropped, over the journal's body budget]"


def test_long_paths_and_headers_are_capped_per_entry(way: Env) -> None:
    headers = {f"X-Big-{n}": "v" * 3000 for n in range(20)}
    way.sigma("GET", "/" + "p" * 5000, headers=headers)
    (call,) = way.mock.calls
    assert call.path == "/" + "p" * 2047 + "... [authmock: truncated, 5001 characters]"
    big = {k: v for k, v in call.headers.items() if k.lower().startswith("x-big-")}
    assert set(big.values()) == {"v" * 1024 + "... [authmock: truncated, 3000 characters]"}
    assert sum(len(k) + len(v) for k, v in call.headers.items()) <= 8 * 1024 + 100
    assert int(call.headers["X-Authmock-Headers-Dropped"]) >= 1


def test_ordinary_headers_and_paths_are_kept_whole(way: Env) -> None:
    way.sigma("GET", "/healthz?x=" + "q" * 100, headers={"X-Custom": "c" * 1000})
    (call,) = way.mock.calls
    assert call.headers["X-Custom"] == "c" * 1000
    assert "X-Authmock-Headers-Dropped" not in call.headers


def test_a_cut_off_answer_keeps_no_credential_in_the_journal(way: Env) -> None:
    # A malformed fault halves the login answer: it is no JSON, so the keys that
    # mark its token are gone, yet the token's first half must still be masked.
    way.mock.faults.add(path="/api/v1/auth/login", kind="malformed", times=1)
    cut = way.sigma("POST", "/api/v1/auth/login", json=LOGIN).text
    token_run = cut.split('"')[3]
    assert len(token_run) > 24  # the cut keeps a long piece of the token
    (call,) = way.mock.calls
    assert isinstance(call.response_body, str)
    assert token_run not in call.response_body
    assert token_run[-4:] in call.response_body  # masked as credentials are, last 4 kept
    assert token_run not in json.dumps(way.mock.calls.to_har())


def test_new_call_is_the_dataclass_constructor_without_its_cost() -> None:
    # The engine builds its calls with new_call: they must be the Calls that
    # Call(**values) makes (equal, same attribute order, still frozen).
    values = {f.name: f"v-{f.name}" for f in fields(Call)}
    fast, slow = new_call(**values), Call(**values)
    assert fast == slow
    assert list(vars(fast)) == list(vars(slow))
    with pytest.raises(FrozenInstanceError):
        fast.status = 1  # type: ignore[misc]
    values.pop("detail")
    with pytest.raises(TypeError, match="new_call needs exactly the fields"):
        new_call(**values)


DROPPED_BODY = "[authmock: body dropped, over the journal's body budget]"


def test_bodies_dropped_before_and_after_the_journal_is_read_go_both_ways() -> None:
    # An entry's request and answer bodies go together, whether the budget
    # drops it before anyone read the journal or after a read resolved it.
    admin = {"email": "admin@sigma.io", "password": "admin"}
    with AuthMock(seed=7, journal_body_budget=1500) as mock:
        for n in range(6):
            requests.post(f"{mock.sigma_url}/api/v1/auth/login", json=admin)
            if n == 1:
                assert mock.calls[0].response_body["token"].startswith("********")
        calls = list(mock.calls)
        kept = [c for c in calls if c.body != DROPPED_BODY]
        dropped = calls[: len(calls) - len(kept)]
        assert len(dropped) >= 3 and len(kept) >= 1  # entries 0-1 read, 2+ still raw
        assert all(c.response_body == DROPPED_BODY for c in dropped)
        assert all(c.body == {**admin, "password": "********"} for c in kept)
        assert all(c.response_body["token"].startswith("********") for c in kept)
        assert mock.calls.body_bytes <= 1500


def test_an_answers_journaled_headers_are_its_own() -> None:
    # The reply's own headers: no hardening headers or Content-Length the
    # engine adds on the way out; a fault's own and the reason header kept.
    with AuthMock(seed=7, reason_header=True) as mock:
        requests.post(f"{mock.sigma_url}/api/v1/auth/login", json=LOGIN)
        refused = requests.get(f"{mock.sigma_url}/api/v1/roles")
        assert {"X-Content-Type-Options", "Content-Length"} <= set(refused.headers)
        own = {"X-Served-By": "edge", "Cache-Control": "max-age=60"}  # one a hardening name
        mock.faults.add(path="/healthz", body="<p>down</p>", content_type="text/html", headers=own)
        requests.get(f"{mock.sigma_url}/healthz")
        ok, no, faulted = (c.response_headers for c in mock.calls)
    assert ok == {"Content-Type": "application/json"}
    assert set(no) == {"Content-Type", "X-Authmock-Reason"}
    # authmock's own reason header is kept as sent: it is no credential.
    assert no["X-Authmock-Reason"] == refused.headers["X-Authmock-Reason"]
    assert no["X-Authmock-Reason"].startswith("missing_credentials")
    assert faulted.pop("X-Authmock-Reason").startswith("fault")  # the fault's own refusal
    assert faulted == {"Content-Type": "text/html", **own}


def _held_per_call(send: Any, mock: AuthMock, calls: int = 20) -> int:
    """Bytes the journal holds per call for ``calls`` calls, none of them read."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(calls):
            send(i)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) // calls
    finally:
        tracemalloc.stop()
        assert len(mock.calls) == calls


def test_a_hostile_sized_request_is_held_within_the_caps_before_any_read() -> None:
    # A server nobody reads the journal of must not keep each request's 160 KB
    # of headers and 30 KB URL until a read caps them: 10,000 entries of that
    # are gigabytes. The URL is capped as the path is.
    mock = AuthMock(seed=7)
    headers = {f"X-Big-{n}": "v" * 4000 for n in range(40)}
    path, query = "/healthz", "q=" + "x" * 30_000
    with mock.serve() as server, requests.Session() as session:
        session.get(f"{server.url}/healthz")
        mock.calls.clear()
        held = _held_per_call(
            lambda _: session.get(f"{server.url}{path}?{query}", headers=headers, timeout=30),
            mock,
        )
        calls = mock.calls
    # Capped: ~14 KiB an entry, and the server's own; uncapped: over 200 KiB.
    assert held < 80 * 1024, f"{held} bytes held per entry"
    url = f"{server.url}{path}?{query}"
    assert calls[0].url == url[:URL_LIMIT] + f"... [authmock: truncated, {len(url)} characters]"
    assert sum(len(k) + len(v) for k, v in calls[0].headers.items()) <= 8 * 1024 + 100


def test_hostile_sized_header_names_are_held_within_the_caps_before_any_read() -> None:
    # Long header names weigh as long values do (160 KB of names a request, a
    # short URL): capped at once, not kept whole until a read.
    mock = AuthMock(seed=7)
    headers = {f"X-Big-{n}-" + "n" * 4000: "v" for n in range(40)}
    with mock.serve() as server, requests.Session() as session:
        session.get(f"{server.url}/healthz", headers=headers)
        mock.calls.clear()
        held = _held_per_call(
            lambda _: session.get(f"{server.url}/healthz", headers=headers, timeout=30), mock
        )
        calls = mock.calls
    assert held < 80 * 1024, f"{held} bytes held per entry"
    assert sum(len(k) + len(v) for k, v in calls[0].headers.items()) <= 8 * 1024 + 100


@pytest.mark.parametrize("way", ["requests", "httpx"])
def test_an_in_process_request_is_held_within_the_caps_before_any_read(way: str) -> None:
    # In-process an entry may keep the call's own environ until it is read:
    # never with hostile-sized headers (each call's own strings: 160 KB) or a
    # body (500 KB; the journal keeps its capped JSON copy, not the bytes).
    import httpx

    mock = AuthMock(seed=7)
    big_body = {"email": "admin@sigma.io", "password": "admin", "pad": "p" * 500_000}
    with mock, requests.Session() as session, httpx.Client() as client:
        url = f"{mock.sigma_url}/healthz"

        def get(i: int) -> None:
            headers = {f"X-Big-{n}": f"{i:04}" + "v" * 3996 for n in range(40)}
            if way == "requests":
                assert session.get(url, headers=headers).status_code == 200
            else:
                assert client.get(url, headers=headers).status_code == 200

        def post(i: int) -> None:
            body = json.dumps({**big_body, "pad": f"{i:04}" + big_body["pad"]})
            login = f"{mock.sigma_url}/api/v1/auth/login"
            kind = {"Content-Type": "application/json"}
            if way == "requests":
                assert session.post(login, data=body, headers=kind).status_code == 200
            else:
                assert client.post(login, content=body, headers=kind).status_code == 200

        get(0), post(0)
        mock.calls.clear()
        headers_held = _held_per_call(get, mock)
        mock.calls.clear()
        body_held = _held_per_call(post, mock)
        calls = mock.calls
    # Capped: under 20 KiB an entry; uncapped 160 KB of headers, 500 KB of body.
    assert headers_held < 20 * 1024, f"{headers_held} bytes held per GET"
    assert body_held < 40 * 1024, f"{body_held} bytes held per POST"
    assert sum(len(k) + len(v) for k, v in calls[0].headers.items()) <= 8 * 1024 + 100
    assert calls[0].body.startswith('{"email":"admin@sigma.io","password":"***')  # masked
    assert calls[0].body.endswith("body truncated, 500061 bytes]")  # the capped copy
    assert calls[0].headers["Content-Type"] == "application/json"


def test_authmocks_own_headers_are_masked_only_when_they_are_credentials() -> None:
    from authmock.security import is_credential_header

    assert is_credential_header("X-Authmock-Admin")  # the admin token
    assert is_credential_header("X-Authmock-Session-Token")  # a hint after the prefix
    assert not is_credential_header("X-Authmock-Reason")
    assert not is_credential_header("X-Authmock-Instance")
    assert is_credential_header("X-Auth-Token") and is_credential_header("Authorization")


def test_an_unread_entry_does_not_keep_a_route_handlers_request() -> None:
    # A bodiless in-process call's entry keeps its environ until read: never
    # the werkzeug Request a user route was given (nor what that caches).
    import weakref

    seen: list[weakref.ref[Any]] = []
    with AuthMock(seed=7) as mock:

        @mock.sigma.route("GET", "/api/v1/probe")
        def probe(request: Any, principal: Any) -> dict[str, str]:
            seen.append(weakref.ref(request))
            return {"ok": "yes"}

        token = mock.sigma.issue_token("admin@sigma.io")
        answer = requests.get(
            f"{mock.sigma_url}/api/v1/probe", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.json() == {"ok": "yes"}
        gc.collect()
        assert seen[0]() is None, "the journal keeps the handler's Request"
        assert mock.calls[0].path == "/api/v1/probe"
