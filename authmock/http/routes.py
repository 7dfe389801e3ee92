"""User-registered protected routes, shared by both APIs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Response

from authmock.http.exchange import Exchange, Reply, json_reply

Handler = Callable[[Any, Any], Any]


@dataclass(eq=False)  # hashable: the route is its own werkzeug endpoint
class UserRoute:
    method: str
    path: str
    handler: Handler
    options: dict[str, Any] = field(default_factory=dict)


class RouteTable:
    """Built-in endpoints plus the user's routes, matched by werkzeug routing."""

    def __init__(self, builtin: list[Rule]) -> None:
        self._builtin = builtin
        self.user_routes: list[UserRoute] = []
        self._map = self._build()

    def _build(self) -> Map:
        rules = [Rule(r.rule, methods=r.methods, endpoint=r.endpoint) for r in self._builtin]
        rules += [
            Rule(route.path, methods=[route.method], endpoint=route) for route in self.user_routes
        ]
        return Map(rules, strict_slashes=False, merge_slashes=False)

    def add(self, method: str, path: str, handler: Handler, **options: Any) -> UserRoute:
        if not path.startswith("/"):
            raise ValueError(f"route path must start with '/': {path!r}")
        route = UserRoute(method.upper(), path, handler, options)
        self.user_routes.append(route)
        self._map = self._build()
        return route

    def adapter(self) -> MapAdapter:
        return self._map.bind("authmock", url_scheme="http")

    def matches(self, path: str, method: str = "GET") -> bool:
        """Whether ``path`` is one of these routes (any method)."""
        adapter = self.adapter()
        try:
            adapter.match(path, method)
        except Exception as exc:  # NotFound or MethodNotAllowed/RequestRedirect
            return type(exc).__name__ != "NotFound"
        return True


def run_user_route(
    route: UserRoute,
    exchange: Exchange,
    principal: Any,
    path_params: dict[str, Any],
    on_error: Callable[[BaseException], None],
) -> Reply | None:
    """Call the handler; None means it raised (the caller answers 500)."""
    request = exchange.request
    request.view_args = path_params  # type: ignore[attr-defined]
    try:
        result = route.handler(request, principal)
    except Exception as exc:
        on_error(exc)
        return None
    if isinstance(result, Response):
        return Reply(result.status_code, result.get_data(), result.headers.to_wsgi_list())
    return json_reply(200, result)
