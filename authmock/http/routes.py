"""User-registered protected routes, shared by both APIs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Response

from authmock.http.exchange import Exchange, Reply, json_reply

Handler = Callable[[Any, Any], Any]


@dataclass(eq=False)  # hashed by identity: it is a werkzeug endpoint
class UserRoute:
    method: str
    path: str
    handler: Handler
    options: dict[str, Any] = field(default_factory=dict)


# A built-in route: (path, methods, endpoint name).
RouteSpec = tuple[str, tuple[str, ...], str]


@functools.lru_cache(maxsize=32)
def shared_map(specs: tuple[RouteSpec, ...]) -> Map:
    """A werkzeug Map built once per process: compiling rules costs ~1 ms per
    map, too much to pay for every mock a test suite creates."""
    return Map(
        [Rule(path, methods=list(methods), endpoint=endpoint) for path, methods, endpoint in specs],
        strict_slashes=False,
        merge_slashes=False,
    )


class RouteTable:
    """Built-in endpoints plus the user's routes, matched by werkzeug routing."""

    def __init__(self, builtin: tuple[RouteSpec, ...]) -> None:
        self._builtin = builtin
        self.user_routes: list[UserRoute] = []
        self._map = shared_map(builtin)

    def add(self, method: str, path: str, handler: Handler, **options: Any) -> UserRoute:
        if not path.startswith("/"):
            raise ValueError(f"route path must start with '/': {path!r}")
        route = UserRoute(method.upper(), path, handler, options)
        self.user_routes.append(route)
        rules = [Rule(p, methods=list(m), endpoint=e) for p, m, e in self._builtin]
        rules += [Rule(r.path, methods=[r.method], endpoint=r) for r in self.user_routes]
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)
        return route

    def adapter(self) -> MapAdapter:
        return self._map.bind("authmock", url_scheme="http")

    def matches(self, path: str, method: str = "GET") -> bool:
        """Whether ``path`` is one of these routes (any method)."""
        try:
            self.adapter().match(path, method)
        except NotFound:
            return False
        except HTTPException:  # MethodNotAllowed: the path exists
            return True
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
        if isinstance(result, Response):
            return Reply(result.status_code, result.get_data(), result.headers.to_wsgi_list())
        # Encoding is part of the handler's answer: a set or a datetime fails like a raise.
        return json_reply(200, result)
    except Exception as exc:
        on_error(exc)
        return None
