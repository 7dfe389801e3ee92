"""User-registered protected routes, shared by both APIs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Response

from authmock.http.declared import DeclaredRoutes
from authmock.http.exchange import JSON_TYPE, Exchange, Reply, dumps

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
    """Built-in endpoints, the user's routes and the declared ones (see
    :mod:`authmock.http.declared`), matched by werkzeug routing."""

    def __init__(
        self, builtin: tuple[RouteSpec, ...], declared: DeclaredRoutes | None = None, api: str = ""
    ) -> None:
        self._builtin = builtin
        self.user_routes: list[UserRoute] = []
        self._declared = declared
        self._api = api
        self._version = declared.version if declared is not None else 0
        self._map = shared_map(builtin)
        self._bound = self._map.bind("authmock", url_scheme="http")
        # path -> whether it is one of these routes: asked of every server-mode request.
        self._owns: dict[str, bool] = {}
        if declared is not None and declared.of(api):
            self._rebuild()

    def add(self, method: str, path: str, handler: Handler, **options: Any) -> UserRoute:
        if not path.startswith("/"):
            raise ValueError(f"route path must start with '/': {path!r}")
        route = UserRoute(method.upper(), path, handler, options)
        self.user_routes.append(route)
        self._rebuild()
        return route

    def _rebuild(self) -> None:
        routes = list(self.user_routes)
        if self._declared is not None:
            self._version = self._declared.version
            routes += [
                UserRoute(
                    d.method,
                    d.path,
                    d.handler,
                    {"permission": d.permission, "deployments": d.deployments},
                )
                for d in self._declared.of(self._api)
            ]
        rules = [Rule(p, methods=list(m), endpoint=e) for p, m, e in self._builtin]
        rules += [Rule(r.path, methods=[r.method], endpoint=r) for r in routes]
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)
        # Matching reads the adapter only, so one serves every request (and thread).
        self._bound = self._map.bind("authmock", url_scheme="http")
        self._owns = {}

    def adapter(self) -> MapAdapter:
        if self._declared is not None and self._declared.version != self._version:
            self._rebuild()
        return self._bound

    def matches(self, path: str, method: str = "GET") -> bool:
        """Whether ``path`` is one of these routes (any method)."""
        adapter = self.adapter()
        known = self._owns.get(path) if method == "GET" else None
        if known is not None:
            return known
        try:
            adapter.match(path, method)
        except NotFound:
            self._remember(path, method, False)
            return False
        except HTTPException:  # MethodNotAllowed: the path exists
            pass
        self._remember(path, method, True)
        return True

    def _remember(self, path: str, method: str, known: bool) -> None:
        if method != "GET":
            return
        if len(self._owns) >= 4096:
            self._owns.clear()  # bounded: paths carry ids
        self._owns[path] = known


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
        return handler_reply(route, route.handler(request, principal))
    except Exception as exc:
        on_error(exc)
        return None


ALLOWED_RESULTS = "a JSON-able body, (body, status), (body, status, headers) or a werkzeug Response"
NO_BODY_STATUSES = (204, 304)


def handler_reply(route: UserRoute, result: Any) -> Reply:
    """A handler's result as a reply; ``TypeError`` (a handler error) names what is allowed."""
    if isinstance(result, Response):
        return Reply(result.status_code, result.get_data(), result.headers.to_wsgi_list())
    where = f"route handler {route.method} {route.path}"
    status, headers = 200, Headers()
    if isinstance(result, tuple):
        if len(result) not in (2, 3):
            raise TypeError(
                f"{where} returned a tuple of {len(result)} items; return {ALLOWED_RESULTS}"
            )
        result, status, *rest = result
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise TypeError(f"{where} returned status {status!r}; a status is an int 100-599")
        if rest:
            try:
                headers = Headers(rest[0])
            except (TypeError, ValueError):
                raise TypeError(
                    f"{where} returned headers {rest[0]!r}; headers are a dict or (name, value) "
                    "pairs"
                ) from None
    if status in NO_BODY_STATUSES:
        if result not in (None, ""):
            raise TypeError(f"{where} returned a body with status {status}, which has none")
        return Reply(status, b"", headers.to_wsgi_list())
    # Encoding is part of the handler's answer: a set or a datetime fails like a raise.
    try:
        body = dumps(result)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{where} returned a body JSON cannot encode ({exc}); return {ALLOWED_RESULTS}"
        ) from exc
    headers.setdefault("Content-Type", JSON_TYPE)
    return Reply(status, body, headers.to_wsgi_list())
