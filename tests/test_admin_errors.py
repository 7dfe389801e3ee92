"""The admin API answers 404 and 400 only for the typed errors (``NotFound``,
``Invalid`` and their subclasses); any other exception in an admin handler is
a bug: a 500 in the admin envelope, re-raised to the test like a route
handler's exception, never a polite 404 or 400."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authmock import (
    AdminApiError,
    AdminBadRequest,
    AdminNotFound,
    AuthMock,
    FaultError,
    Invalid,
    NotFound,
    RemoteAuthMock,
    ScenarioError,
)
from authmock.emulator import MAX_HANDLER_ERRORS, Emulator
from authmock.globs import PatternError
from authmock.http.declared import DeclaredRoute, RouteError
from authmock.http.instances import InstanceError
from authmock.sigma.models import SigmaBackend
from authmock.snapshot import SnapshotError
from authmock.statefile import StateFileError
from authmock.ways.wsgi_call import build_environ, call
from tests.conftest import Env

BUGS = [KeyError("ws-sigma"), ValueError("bad arithmetic"), RuntimeError("boom")]


def _raise(error: Exception) -> Any:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise error

    return boom


@pytest.mark.parametrize("bug", BUGS, ids=lambda e: type(e).__name__)
def test_a_bug_in_an_admin_handler_is_a_500_reraised_to_the_test(
    way: Env, bug: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise(bug))
    response = way.sigma("DELETE", "/_authmock/sigma/workspaces/ws-sigma")
    assert response.status_code == 500
    assert response.json() == {
        "error": "INTERNAL_ERROR",
        # The bug itself, for a process that sees only the HTTP answer.
        "message": f"the admin handler raised {type(bug).__name__}: {bug}",
    }
    assert way.mock.handler_errors == [bug]
    with pytest.raises(type(bug)) as raised:
        way.mock.raise_handler_errors()
    assert raised.value is bug
    assert way.mock.handler_errors == []


def test_a_bug_in_an_admin_handler_is_reraised_when_the_mock_exits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bug = KeyError("a bug, not a missing workspace")
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise(bug))
    with pytest.raises(KeyError) as raised, AuthMock(seed=7) as mock:
        url = f"{mock.sigma_url}/_authmock/sigma/workspaces/ws-sigma"
        assert requests.delete(url).status_code == 500
    assert raised.value is bug


def test_a_bug_behind_the_remote_client_is_a_500_not_a_key_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bug = KeyError("a bug")
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise(bug))
    mock = AuthMock(seed=7)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        with pytest.raises(AdminApiError) as raised:
            remote.sigma.remove_workspace("ws-sigma")
        assert not isinstance(raised.value, KeyError)
        assert (raised.value.status, raised.value.error) == (500, "INTERNAL_ERROR")
        with pytest.raises(KeyError) as reraised:
            mock.raise_handler_errors()
        assert reraised.value is bug


def test_a_bug_in_an_instances_admin_handler_reaches_the_test_that_owns_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bug = RuntimeError("a bug inside an instance")
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise(bug))
    mock = AuthMock(seed=7)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        with remote.new_instance() as instance:
            with pytest.raises(AdminApiError) as raised:
                instance.sigma.remove_workspace("ws-sigma")
            assert (raised.value.status, raised.value.error) == (500, "INTERNAL_ERROR")
            # An instance's reset is its own: it does not drop the server's record
            # (docs/instances.md: the root's reset clears them, an instance's does not).
            instance.reset()
            assert mock.handler_errors == [bug]
        assert mock.handler_errors == [bug]
        with pytest.raises(RuntimeError) as reraised:
            mock.raise_handler_errors()
        assert reraised.value is bug


def test_a_bug_in_an_instances_declared_route_reaches_the_test_that_owns_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        with remote.new_instance() as instance:
            instance.sigma.add_route("/api/v1/widgets", json={"ok": True})
            bug = RuntimeError("a bug in a declared route")
            monkeypatch.setattr(DeclaredRoute, "handler", _raise(bug))
            token = instance.sigma.issue_token("admin@sigma.io")
            answer = requests.get(
                instance.url + "/api/v1/widgets", headers={"Authorization": f"Bearer {token}"}
            )
        assert answer.status_code == 500
        assert mock.handler_errors == [bug]
        mock.handler_errors.clear()


def test_a_bug_in_an_instances_route_is_in_its_journal_for_a_client_of_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A process that only talks HTTP to the server sees the exception, not only the 500.
    mock = AuthMock(seed=7)
    secret = "tok_" + "x" * 40
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        with remote.new_instance() as instance:
            instance.sigma.add_route("/api/v1/widgets", json={"ok": True})
            bug = RuntimeError(f"a bug in a declared route (token {secret})")
            monkeypatch.setattr(DeclaredRoute, "handler", _raise(bug))
            token = instance.sigma.issue_token("admin@sigma.io")
            answer = requests.get(
                instance.url + "/api/v1/widgets", headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 500
            call = instance.calls[-1]
            assert (call.status, call.reason) == (500, "handler_error")
            assert call.detail == (
                "route handler GET /api/v1/widgets raised RuntimeError:"
                " a bug in a declared route (token ********xxxx)"
            )
            assert instance.calls.filter(reason="handler_error") == [call]
        mock.handler_errors.clear()


def test_a_bug_in_an_admin_handler_names_the_exception_to_a_remote_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise(RuntimeError("no ws")))
    mock = AuthMock(seed=7)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        with remote.new_instance() as instance, pytest.raises(AdminApiError) as raised:
            instance.sigma.remove_workspace("ws-sigma")
        assert raised.value.message == "the admin handler raised RuntimeError: no ws"
        mock.handler_errors.clear()


def test_the_servers_handler_errors_are_bounded_and_cleared_by_a_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long-running server whose instances keep hitting a bug must not keep them all.
    bugs = [RuntimeError(f"bug {n}") for n in range(MAX_HANDLER_ERRORS + 5)]
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise_each(bugs))
    mock = AuthMock(seed=7)
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        with remote.new_instance() as instance:
            for _ in bugs:
                with pytest.raises(AdminApiError):
                    instance.sigma.remove_workspace("ws-sigma")
        # The most recent are kept.
        assert mock.handler_errors == bugs[-MAX_HANDLER_ERRORS:]
        remote.reset()  # the root's reset, as POST /_authmock/reset
        assert mock.handler_errors == []


def _raise_each(errors: list[Exception]) -> Any:
    pending = iter(errors)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise next(pending)

    return boom


# (method, admin path, JSON body, status, message): one row per typed error.
TYPED = [
    ("DELETE", "/sigma/workspaces/nope", None, 404, "no workspace 'nope'"),
    ("DELETE", "/sigma/workspaces/ws-sigma/users/nope", None, 404,
     "no user 'nope' in workspace 'ws-sigma'"),
    ("POST", "/sigma/tokens", {"email": "nobody@x.test"}, 404, "no user 'nobody@x.test'"),
    ("DELETE", "/bigid/deployments/nope", None, 404, "no deployment 'nope'"),
    ("GET", "/faults/fault-9", None, 404, "no fault 'fault-9'"),
    ("POST", "/sigma/users", {"workspaceId": "ws-sigma", "email": "bad", "password": "p"}, 400,
     "'bad' is not an email"),
    ("POST", "/sigma/tenants", {"workspaceId": "ws-sigma", "name": "S"}, 400,
     "workspace 'ws-sigma' already exists"),
    ("POST", "/bigid/user-tokens/revoke", {"token": "abc"}, 400,
     "not a live user token of any deployment"),
    ("POST", "/faults", {"status": "x"}, 400, "fault field 'status' must be an integer"),
    ("POST", "/reset", {"scenario": {"x": 1}}, 400, "scenario: x: unknown key"),
    ("POST", "/clock", {"advance": 1e300}, 400,
     "advancing by 1e+300 seconds would put the clock outside 1970-01-01..9999-12-31"),
    ("GET", "/calls?path=" + "a" * 2000, None, 400,
     "filter 'path' is 2000 characters long (at most 1024)"),
    ("GET", "/calls?status=%C2%B2", None, 400,
     "status must be an integer or a class such as '4xx', not '²'"),
    ("GET", "/calls?status=%C2%B2xx", None, 400,
     "status must be an integer or a class such as '4xx', not '²xx'"),
    ("POST", "/sigma/routes", {"path": "x"}, 400, "path: must start with '/': 'x'"),
    ("POST", "/snapshot", {"format": "x"}, 400,
     'not an authmock snapshot (no "format": "authmock-snapshot")'),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), TYPED)
def test_typed_errors_keep_their_404_and_400(
    env: Env, method: str, path: str, body: Any, status: int, message: str
) -> None:
    kwargs = {} if body is None else {"json": body}
    response = env.sigma(method, "/_authmock" + path, **kwargs)
    error = "NOT_FOUND" if status == 404 else "BAD_REQUEST"
    assert (response.status_code, response.json()) == (
        status,
        {"error": error, "message": message},
    )
    if env.mode != "server":
        assert env.mock.handler_errors == []


def test_an_instance_request_error_is_a_400() -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        response = requests.post(f"{server.url}/_authmock/instances", json={"x": 1})
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "BAD_REQUEST",
            "message": "unknown field 'x' (known: seed, scenario, bigid_errors)",
        },
    )


@pytest.mark.parametrize(
    "error",
    [FaultError, ScenarioError, RouteError, SnapshotError, InstanceError, PatternError,
     StateFileError, AdminBadRequest],
)  # fmt: skip
def test_validation_errors_are_invalid_and_still_value_errors(error: type) -> None:
    assert issubclass(error, Invalid) and issubclass(error, ValueError)


def test_not_found_is_still_a_key_error_with_a_plain_message(mock: AuthMock) -> None:
    assert issubclass(AdminNotFound, NotFound)
    with pytest.raises(NotFound) as raised:
        mock.sigma.remove_workspace("nope")
    assert isinstance(raised.value, KeyError)
    assert raised.value.message == "no workspace 'nope'"
    with pytest.raises(KeyError, match="no fault 'fault-9'"):
        mock.faults.get("fault-9")
    with pytest.raises(Invalid, match="is not an email"):
        mock.sigma.add_user("ws-sigma", "bad", "p")


# -- every admin route, from the index: a bad call is a typed error, never a 500 ----
PARAMS = {
    "workspace_id": "ws-sigma",
    "user_id": "user-admin",
    "fault_id": "fault-1",
    "name": "sandbox",
    "username": "admin",
    "instance_id": "nope",
}
FIELDS = [
    "seed", "scenario", "advance", "set", "resume", "email", "workspaceId", "expiresIn", "name",
    "password", "roleId", "quickLogin", "permissions", "path", "status", "kind", "times",
    "method", "api", "tenant", "deployment", "username", "days", "token", "errors", "secret",
    "firstName", "role", "json", "body", "format", "version", "bigid_errors",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["ws-sigma", "admin@sigma.io", "sandbox", "admin", "read", "/api/v1/x"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5) | JSON


def _admin_routes() -> list[tuple[str, str]]:
    with AuthMock(seed=1) as mock:
        index = requests.get(f"{mock.sigma_url}/_authmock").json()
    routes = []
    for route in index["routes"]:
        path = route["path"].replace("/openapi/{name}", "/openapi/sigma")
        path = re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)
        routes.append((route["method"], path))
    return routes


ADMIN_ROUTES = _admin_routes()


def test_the_fuzzed_routes_are_every_admin_route() -> None:
    assert ("POST", "/_authmock/bigid/user-tokens") in ADMIN_ROUTES
    assert ("POST", "/_authmock/snapshot") in ADMIN_ROUTES
    assert len(ADMIN_ROUTES) > 30


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ADMIN_ROUTES), body=BODIES)
def test_no_admin_route_answers_a_bad_body_with_a_500(route: tuple[str, str], body: Any) -> None:
    mock = AuthMock(seed=1)
    method, path = route
    environ = build_environ(
        method,
        "https://api.sigma-pim.com" + path,
        [("Content-Type", "application/json")],
        json.dumps(body).encode(),
    )
    status, _, content = call(mock.wsgi_app, environ)
    assert status < 500, (route, body, content, mock.handler_errors)
    assert mock.handler_errors == []


def _handler_error_detail(bug: BaseException) -> str:
    """The journal's detail of a Sigma route whose handler raises ``bug``."""
    with AuthMock(seed=7) as mock:

        @mock.sigma.route("GET", "/api/v1/widgets")
        def widgets(request: object, principal: object) -> object:
            raise bug

        token = mock.sigma.issue_token("admin@sigma.io")
        answer = requests.get(
            f"{mock.sigma_url}/api/v1/widgets", headers={"Authorization": f"Bearer {token}"}
        )
        assert (answer.status_code, answer.json()) == (
            500,
            {"error": "INTERNAL_ERROR", "message": "Route handler raised an exception"},
        )
        mock.handler_errors.clear()
        call = mock.calls[-1]
        assert call.reason == "handler_error"
        assert call.detail is not None
        return call.detail


def test_a_credential_at_the_detail_clip_is_masked_whole() -> None:
    # Clipped first, the key's first 23 characters were too short a run to mask.
    key = "sk_" + "abcdefghij" * 4
    detail = _handler_error_detail(RuntimeError("no widget " * 18 + "key " + key))
    assert key[:8] not in detail
    assert detail.endswith(" key ********ghij")  # masked whole, then short enough


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("a __str__ with a bug of its own")


def test_an_exception_that_cannot_be_printed_is_still_the_apis_500() -> None:
    # Naming the bug must not raise instead of answering.
    detail = _handler_error_detail(_Unprintable())
    assert detail == (
        "route handler GET /api/v1/widgets raised _Unprintable: (its str() raised RuntimeError)"
    )


def test_an_admin_handlers_exception_that_cannot_be_printed_is_the_admin_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bug = _Unprintable()
    monkeypatch.setattr(SigmaBackend, "remove_workspace", _raise(bug))
    with AuthMock(seed=7) as mock:
        response = requests.delete(f"{mock.sigma_url}/_authmock/sigma/workspaces/ws-sigma")
        assert (response.status_code, response.json()) == (
            500,
            {
                "error": "INTERNAL_ERROR",
                "message": "the admin handler raised _Unprintable: (its str() raised RuntimeError)",
            },
        )
        assert mock.handler_errors == [bug]
        mock.handler_errors.clear()


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        # A handler that raises with the body it got: the journal hides its password.
        (
            "bad body {'email': 'ops@acme.test', 'password': 's3cret'}",
            "bad body {'email': 'ops@acme.test', 'password': '********'}",
        ),
        ("login failed: password=hunter2 user=ops", "login failed: password=******** user=ops"),
        (
            'upstream said {"client_secret": "abc123xyz"}',
            'upstream said {"client_secret": "*****3xyz"}',
        ),
        ("apiKey = short-key-1 rejected", "apiKey = *******ey-1 rejected"),
    ],
)
def test_a_named_secret_in_a_handlers_exception_is_masked(message: str, shown: str) -> None:
    # Too short for a credential-like run: masked by the name in front of it.
    detail = _handler_error_detail(RuntimeError(message))
    assert detail == f"route handler GET /api/v1/widgets raised RuntimeError: {shown}"


def test_handler_errors_from_threads_at_once_keep_the_bound_exactly() -> None:
    # Two requests' bugs recorded at once (a threaded server): the list is trimmed
    # to exactly the most recent MAX_HANDLER_ERRORS, never fewer.
    emulator = Emulator(seed=7)
    older = [RuntimeError(f"old {n}") for n in range(MAX_HANDLER_ERRORS)]
    late = RuntimeError("late")

    class Interleaved(list[BaseException]):
        """A list whose length, once read for a trim, goes stale: another thread
        records a bug before the reader acts on it (as a thread switch may)."""

        arrived = False
        reads = 0

        def __len__(self) -> int:
            length = super().__len__()
            self.reads += 1
            # At the read a trim acts on (a first one may be a check, read again).
            if self.reads == 2 and not self.arrived:
                self.arrived = True
                other = threading.Thread(target=emulator.handler_error, args=(late,))
                other.start()
                other.join()
            return length

    emulator.handler_errors = Interleaved(older)
    first = RuntimeError("first")
    emulator.handler_error(first)
    if not emulator.handler_errors.arrived:  # type: ignore[attr-defined]
        emulator.handler_error(late)  # the length is not read: one after the other
    assert list(emulator.handler_errors) == [*older[2:], first, late]
