"""The one dispatcher (authmock.http.routes): built-in routes declared with
@endpoint, user routes, 404 and 405 in the API's own envelope."""

from __future__ import annotations

import io
from typing import Any

import pytest

from authmock.http.declared import DeclaredRoutes
from authmock.http.exchange import Exchange, Reply, json_reply
from authmock.http.routes import Endpoints, UserRoute, endpoint


class Refused(Exception):
    def __init__(self, status: int, message: str, detail: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.args = (status, message, detail, headers)


class Toy(Endpoints[None]):
    """A minimal API: what the dispatcher needs of one, and nothing else."""

    name = "toy"
    title = "Toy"

    def __init__(self, declared: DeclaredRoutes | None = None) -> None:
        self.errors: list[BaseException] = []
        super().__init__(None, self.errors.append, declared)
        self.authorized: list[str] = []

    def route_error(
        self, status: int, message: str, detail: str, headers: dict[str, str] | None = None
    ) -> Exception:
        return Refused(status, message, detail, headers or {})

    def authorize(self, ex: Exchange, route: UserRoute) -> Any:
        self.authorized.append(route.path)
        return "principal"

    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply:
        return json_reply(status, {"toy": message})

    @endpoint("GET", "/things/<thing_id>")
    def show(self, ex: Exchange, thing_id: str) -> Reply:
        return json_reply(200, {"id": thing_id})

    @endpoint("PUT", "/things")
    @endpoint("POST", "/things")
    def write(self, ex: Exchange) -> Reply:
        return json_reply(201, {"method": ex.method})

    def helper(self) -> None:
        """Not an endpoint: never in ROUTES."""


def _call(api: Toy, method: str, path: str) -> Reply:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(b"")}
    return api.dispatch(Exchange(environ, "toy", path))


def test_routes_are_the_decorated_methods_in_source_order() -> None:
    assert [(r.method, r.path, r.handler) for r in Toy.ROUTES] == [
        ("GET", "/things/<thing_id>", Toy.show),
        ("PUT", "/things", Toy.write),
        ("POST", "/things", Toy.write),
    ]
    assert Endpoints.ROUTES == ()


def test_a_builtin_route_gets_its_path_arguments() -> None:
    api = Toy()
    reply = _call(api, "GET", "/things/t-1")
    assert (reply.status, reply.body) == (200, b'{"id":"t-1"}')
    assert _call(api, "POST", "/things").body == b'{"method":"POST"}'
    assert _call(api, "PUT", "/things").body == b'{"method":"PUT"}'


def test_an_unknown_path_is_the_apis_404() -> None:
    with pytest.raises(Refused) as caught:
        _call(Toy(), "GET", "/nope")
    assert caught.value.args == (404, "Route GET /nope not found", "no Toy route /nope", {})


def test_a_known_path_with_another_method_is_the_apis_405_with_allow() -> None:
    with pytest.raises(Refused) as caught:
        _call(Toy(), "DELETE", "/things")
    assert caught.value.args == (
        405,
        "Method DELETE not allowed on /things",
        "/things takes POST, PUT, not DELETE",
        {"Allow": "POST, PUT"},
    )


def test_a_user_route_is_authorized_then_called() -> None:
    api = Toy()
    api.routes.add("GET", "/mine/<n>", lambda request, who: {"n": request.view_args["n"], "w": who})
    reply = _call(api, "GET", "/mine/7")
    assert (reply.status, reply.body, api.authorized) == (
        200,
        b'{"n":"7","w":"principal"}',
        ["/mine/<n>"],
    )


def test_a_user_route_that_raises_is_the_apis_500_and_the_error_is_kept() -> None:
    api = Toy()
    boom = RuntimeError("boom")

    def handler(request: Any, principal: Any) -> Any:
        raise boom

    api.routes.add("POST", "/boom", handler)
    reply = _call(api, "POST", "/boom")
    assert (reply.status, reply.body) == (500, b'{"toy":"Route handler raised an exception"}')
    assert api.errors == [boom]


def test_an_api_without_declared_routes_shares_the_emulators_table() -> None:
    """A third API's RouteTable reads the emulator's DeclaredRoutes, which
    holds none for it, also after the Sigma and BigID routes change."""
    declared = DeclaredRoutes()
    api = Toy(declared)
    declared.add("sigma", {"path": "/things/<a>/b"})
    reply = _call(api, "GET", "/things/t-2")
    assert (reply.status, reply.body) == (200, b'{"id":"t-2"}')
    with pytest.raises(Refused):
        _call(api, "GET", "/things/t-2/b")
