"""One route table and one dispatcher for every emulated API.

An API's HTTP layer subclasses :class:`Endpoints` and marks each built-in
handler with :func:`endpoint` where it is defined; the class's ``ROUTES`` is
then the table its OpenAPI document, the declared-route checks and the tests
are held to. :class:`RouteTable` matches built-ins, the user's routes and the
declared ones (see :mod:`authmock.http.declared`) with werkzeug routing, and
:meth:`Endpoints.dispatch` sends a request to the handler it matched, asking
the API only for what differs: its envelope (``route_error``) and its auth
(``authorize``). :meth:`Endpoints.handle` answers the API's own error (an
:class:`~authmock.errors.ApiError`) and an oversized body in that envelope.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.wrappers import Response

from authmock.errors import ApiError
from authmock.http.declared import DeclaredRoutes
from authmock.http.exchange import JSON_TYPE, Exchange, PayloadTooLarge, Reply, dumps
from authmock.reasons import Refusal, clip
from authmock.security import mask_text

Handler = Callable[[Any, Any], Any]
# A built-in handler: an API's method, called as handler(api, exchange, **path_args).
EndpointHandler = Callable[..., Reply]
H = TypeVar("H", bound=EndpointHandler)
B = TypeVar("B")
_MARK = "__authmock_routes__"
TOO_LARGE = Refusal("invalid_request", "the request body is over 1 MiB")


@dataclass(frozen=True, eq=False)  # hashed by identity: cheap, and it is a werkzeug endpoint
class Route:
    """A built-in endpoint: one method on one werkzeug rule path."""

    method: str
    path: str
    handler: EndpointHandler = field(repr=False)


def endpoint(method: str, path: str) -> Callable[[H], H]:
    """Declare a built-in route of the method it decorates (stack one per method)."""

    def mark(handler: H) -> H:
        declared: tuple[Route, ...] = getattr(handler, _MARK, ())
        # Decorators apply bottom-up: prepend, so ROUTES reads as the source does.
        setattr(handler, _MARK, (Route(method.upper(), path, handler), *declared))
        return handler

    return mark


@dataclass(eq=False)  # hashed by identity: it is a werkzeug endpoint
class UserRoute:
    method: str
    path: str
    handler: Handler
    options: dict[str, Any] = field(default_factory=dict)


# A werkzeug rule as data: (path, methods, endpoint); hashable, so maps can be shared.
RouteSpec = tuple[str, tuple[str, ...], Hashable]


@functools.lru_cache(maxsize=32)
def shared_map(specs: tuple[RouteSpec, ...]) -> Map:
    """A werkzeug Map built once per process: compiling rules costs ~1 ms per
    map, too much to pay for every mock a test suite creates."""
    return Map(
        [Rule(path, methods=list(methods), endpoint=endpoint) for path, methods, endpoint in specs],
        strict_slashes=False,
        merge_slashes=False,
    )


@functools.lru_cache(maxsize=32)  # once per API class, not per mock
def route_specs(routes: tuple[Route, ...]) -> tuple[RouteSpec, ...]:
    return tuple((r.path, (r.method,), r) for r in routes)


class RouteTable:
    """Built-in endpoints, the user's routes and the declared ones (see
    :mod:`authmock.http.declared`), matched by werkzeug routing."""

    def __init__(
        self,
        builtin: tuple[Route, ...],
        on_handler_error: Callable[[BaseException], None],
        declared: DeclaredRoutes | None = None,
        api: str = "",
    ) -> None:
        self._builtin = route_specs(builtin)
        self.user_routes: list[UserRoute] = []
        self._declared = declared
        self._api = api
        # A user route's exception goes here (the mock re-raises it to the test).
        self.on_handler_error = on_handler_error
        self._version = declared.version if declared is not None else 0
        self._map = shared_map(self._builtin)
        self._bound = self._map.bind("authmock", url_scheme="http")
        # path -> whether it is one of these routes: asked of every server-mode request.
        self._owns: dict[str, bool] = {}
        # (method, path) -> what it matched: werkzeug's matcher costs a good
        # share of an in-process call, and a test asks the same few paths.
        self._matched: dict[tuple[str, str], tuple[Any, Mapping[str, Any]]] = {}
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
                    dict(d.options),
                )
                for d in self._declared.of(self._api)
            ]
        rules = [Rule(p, methods=list(m), endpoint=e) for p, m, e in self._builtin]
        rules += [Rule(r.path, methods=[r.method], endpoint=r) for r in routes]
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)
        # Matching reads the adapter only, so one serves every request (and thread).
        self._bound = self._map.bind("authmock", url_scheme="http")
        self._owns = {}
        self._matched = {}

    def adapter(self) -> MapAdapter:
        if self._declared is not None and self._declared.version != self._version:
            self._rebuild()
        return self._bound

    def match(self, path: str, method: str) -> tuple[Any, Mapping[str, Any]]:
        """The route (a :class:`Route` or :class:`UserRoute`) and its path
        arguments; werkzeug's NotFound or MethodNotAllowed otherwise."""
        declared = self._declared
        if declared is not None and declared.version != self._version:
            self._rebuild()  # adapter(), inline: asked on every request
        adapter, matched, key = self._bound, self._matched, (method, path)
        found = matched.get(key)
        if found is not None:
            return found
        found = adapter.match(path, method)
        if len(matched) >= 4096:
            matched.clear()  # bounded: paths carry ids
        if adapter is self._bound:  # not rebuilt meanwhile (a route added)
            matched[key] = found
        return found

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


class Endpoints(ABC, Generic[B]):
    """The base of an API's HTTP layer over its backend (state and rules):
    its ``@endpoint`` handlers become ``ROUTES``, :meth:`dispatch` routes every
    request and :meth:`handle` answers the API's errors; the subclass gives its
    envelope (:meth:`route_error`, :meth:`error`, and :meth:`refused` when an
    error needs more than ``error()``) and its auth (:meth:`authorize`)."""

    ROUTES: ClassVar[tuple[Route, ...]] = ()
    # The API's name ("sigma": its declared routes) and how error details name it.
    name: str = ""  # not a ClassVar: the engine's protocol reads it as an attribute
    title: ClassVar[str] = ""

    def __init__(
        self,
        backend: B,
        on_handler_error: Callable[[BaseException], None],
        declared: DeclaredRoutes | None = None,
    ) -> None:
        self.backend = backend
        self.declared = declared if declared is not None else DeclaredRoutes()
        self.routes = RouteTable(self.ROUTES, on_handler_error, self.declared, self.name)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.ROUTES = tuple(r for value in vars(cls).values() for r in getattr(value, _MARK, ()))

    @abstractmethod
    def route_error(
        self, status: int, message: str, detail: str, headers: dict[str, str] | None = None
    ) -> ApiError:
        """The API's own error for a 404 or 405 of routing (raised, so the API
        answers it as any refusal, with its reason for the journal)."""

    @abstractmethod
    def authorize(self, ex: Exchange, route: UserRoute) -> Any:
        """The principal a user or declared route is called with (raises the
        API's error when the request may not call it)."""

    @abstractmethod
    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply:
        """A reply in the API's envelope (the engine's, too: faults, 413, 500)."""

    def handle(self, ex: Exchange) -> Reply:
        """The engine's call: :meth:`dispatch`, with the API's error (an
        :class:`ApiError` its rules or :meth:`route_error` raised) and an
        oversized body answered in its envelope."""
        try:
            return self.dispatch(ex)
        except ApiError as exc:
            return self.refused(exc)
        except PayloadTooLarge:
            reply = self.error(413)
            reply.refusal = TOO_LARGE
            return reply

    def refused(self, exc: ApiError) -> Reply:
        """The reply to the API's error: :meth:`error` with its code and message,
        its headers, and its refusal for the journal."""
        reply = self.error(exc.status, exc.error, exc.message)
        reply.headers.extend(exc.headers.items())
        reply.refusal = exc.refusal
        return reply

    def dispatch(self, ex: Exchange) -> Reply:
        """The reply of the handler ``ex`` matches: a built-in endpoint, a user
        route or a declared one; a 404 or 405 (with ``Allow``) otherwise."""
        try:
            target, args = self.routes.match(ex.path, ex.method)
        except (NotFound, RequestRedirect):  # no redirects: strict_slashes is off
            raise self.route_error(
                404,
                f"Route {ex.method} {ex.path} not found",
                f"no {self.title} route {clip(ex.path)}",
            ) from None
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            raise self.route_error(
                405,
                f"Method {ex.method} not allowed on {ex.path}",
                f"{ex.path} takes {allowed}, not {ex.method}",
                {"Allow": allowed},
            ) from None
        if isinstance(target, Route):
            return target.handler(self, ex, **args)
        principal = self.authorize(ex, target)
        reply = run_user_route(target, ex, principal, dict(args), self.routes.on_handler_error)
        if isinstance(reply, Exception):
            bug = reply
            reply = self.error(500, message="Route handler raised an exception")
            # For a client that sees only the 500 (a server's): the journal names the bug.
            where = f"route handler {target.method} {target.path}"
            reply.refusal = Refusal("handler_error", f"{where} raised {describe_error(bug)}")
        return reply


def describe_error(exc: BaseException) -> str:
    """``Type: message`` of a handler's exception, clipped and with credential-like
    runs and named secrets masked, as the journal and the admin API show a bug."""
    try:
        text = str(exc)
    except Exception as broken:  # a bug in the bug's __str__: still the 500
        text = f"(its str() raised {type(broken).__name__})"
    # Masked before clipping: a credential cut at the clip is too short a run to
    # mask. Any run starting before the clip is masked within the first 1000.
    return f"{type(exc).__name__}: {clip(mask_text(text[:1000]), 200)}"


def run_user_route(
    route: UserRoute,
    exchange: Exchange,
    principal: Any,
    path_params: dict[str, Any],
    on_error: Callable[[BaseException], None],
) -> Reply | Exception:
    """Call the handler; its exception if it raised (the caller answers 500)."""
    request = exchange.request
    request.view_args = path_params  # type: ignore[attr-defined]
    try:
        return handler_reply(route, route.handler(request, principal))
    except Exception as exc:
        on_error(exc)
        return exc


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
