"""Declared routes: protected stand-in endpoints described as data.

A scenario's ``[[{api}.routes]]``, ``POST /_authmock/{api}/routes`` and
``mock.{api}.add_route`` all give the same fields; each route answers a fixed
status and body once the emulated auth lets the request through, exactly as
a route registered with ``mock.{api}.route`` would (auth, permission, faults,
journal). They are state: a reset goes back to the scenario's routes.

An API takes declared routes when its ``EmulatedApi.declared_routes`` gives
:class:`DeclaredRules`: the fields it adds (Sigma's ``permission``, BigID's
``deployments``), the paths it can serve, and which paths would reach
another API on a server instead.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from authmock.errors import Invalid

if TYPE_CHECKING:
    from authmock.apis import EmulatedApi
    from authmock.http.routes import Route

_PATH_CONVERTER = re.compile(r"<\s*path\b")
# The fields of every API's declared routes (each adds its DeclaredRules.fields).
FIELDS = ("method", "path", "status", "json", "body", "content_type")
_NO_BODY_STATUSES = (204, 304)
_ABSENT: Any = object()
# A Content-Type every client parses alike (as for a fault's headers).
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")
_SAMPLE = re.compile(r"<[^<>]*>")


class RouteError(Invalid):
    """A declaration that cannot be served: ``key`` names the field."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class DeclaredRules:
    """What one API adds to declared routes (``EmulatedApi.declared_routes``).

    One object per API (it is a cache key): subclass it in the API's folder."""

    #: How messages and the admin OpenAPI document name the API ("Sigma").
    label: ClassVar[str] = ""
    #: The fields the API adds to :data:`FIELDS`, in order, with their schemas
    #: in the admin OpenAPI document.
    fields: ClassVar[Mapping[str, Any]] = {}

    def builtins(self) -> Sequence[Route]:
        """The API's built-in endpoints (a declared route may not be one)."""
        return ()

    def check_path(self, path: str) -> None:
        """Raise :class:`RouteError` for a path the API cannot serve."""

    def options(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The values of :attr:`fields` (defaults filled in; :class:`RouteError`
        names a bad one): the route's options, as ``mock.{api}.route`` takes them."""
        return {}

    def to_json(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The options as a declaration gives them back."""
        return dict(options)

    def summary(self, options: Mapping[str, Any]) -> str:
        """The route's summary in the API's OpenAPI document."""
        return "Declared route"

    def shadows(self, method: str, path: str, other: DeclaredRules) -> str | None:
        """Why a route of this API at ``path`` would be lost, or take another
        API's endpoint, on a server where every API shares one host (None: it
        would not). ``other`` is another API that takes declared routes."""
        return None


def declaring(apis: Sequence[EmulatedApi] | None = None) -> tuple[EmulatedApi, ...]:
    """The APIs whose stand-in routes can be declared (default: every
    registered one); the others answer only their own endpoints."""
    if apis is None:
        from authmock.apis import registered_apis

        apis = registered_apis()
    return tuple(api for api in apis if api.declared_routes() is not None)


def _rules(
    api: str, apis: Sequence[EmulatedApi] | None
) -> tuple[DeclaredRules, list[DeclaredRules]]:
    own, others = None, []
    for known in declaring(apis):
        rules = known.declared_routes()
        assert rules is not None
        if known.name == api:
            own = rules
        else:
            others.append(rules)
    if own is None:
        raise RouteError("route", f"the {api!r} API takes no declared routes")
    return own, others


@dataclass(frozen=True, eq=False)
class DeclaredRoute:
    api: str
    method: str
    path: str
    status: int
    json: Any
    body: str | None
    content_type: str | None
    # The API's fields (DeclaredRules.options): the route's options.
    options: Mapping[str, Any]
    rules: DeclaredRules = field(repr=False)

    def handler(self, request: Any, principal: Any) -> Any:
        """The route's answer, as a ``handler(request, principal)`` gives it."""
        if self.body is not None:
            content_type = self.content_type or "text/plain; charset=utf-8"
            return Response(self.body, status=self.status, content_type=content_type)
        if self.json is _ABSENT:
            return Response(b"", status=self.status, content_type=self.content_type)
        if self.content_type:
            return (self.json, self.status, {"Content-Type": self.content_type})
        return (self.json, self.status)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "path": self.path, "status": self.status}
        if self.json is not _ABSENT:
            out["json"] = self.json
        for name in ("body", "content_type"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out.update(self.rules.to_json(self.options))
        return out


def _text(spec: Mapping[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RouteError(name, "must be a non-empty string")
    return value


def parse_route(spec: Any, api: str, apis: Sequence[EmulatedApi] | None = None) -> DeclaredRoute:
    """Validate one declaration for the API named ``api`` among ``apis``
    (default: the registered ones); :class:`RouteError` names the bad key."""
    rules, others = _rules(api, apis)
    if not isinstance(spec, Mapping):
        raise RouteError("route", "must be a table/object")
    known = (*FIELDS, *rules.fields)
    for key in spec:
        if key not in known:
            raise RouteError(str(key), f"unknown key (known: {', '.join(known)})")
    method = (_text(spec, "method") or "GET").upper()
    if not method.isalpha():
        raise RouteError("method", f"{method!r} is not an HTTP method such as 'GET'")
    path = _text(spec, "path")
    if path is None:
        raise RouteError("path", "is required")
    if not path.startswith("/"):
        raise RouteError("path", f"must start with '/': {path!r}")
    rules.check_path(path)
    try:
        Map([Rule(path, methods=[method])])
    except (ValueError, LookupError) as exc:
        raise RouteError("path", f"not a werkzeug rule ({exc})") from None
    clash = _collision(rules, tuple(others), method, path)
    if clash is not None:
        raise RouteError("path", clash)
    if len(_PATH_CONVERTER.findall(path)) > 1:
        # werkzeug tries every split between them: n of them cost (segments)^n per
        # request, and 5 against an 80-segment path held the GIL for seconds.
        raise RouteError("path", "at most one <path:...> converter (matching more is not linear)")
    status = spec.get("status", 200)
    # A 1xx is no final answer: over HTTP/1.1 the client would wait on for one.
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise RouteError("status", "must be an integer between 200 and 599")
    body = spec.get("body")
    if body is not None and not isinstance(body, str):
        raise RouteError("body", "must be a string (sent verbatim)")
    json_body = spec.get("json", _ABSENT)
    if json_body is not _ABSENT and body is not None:
        raise RouteError("body", "give either 'json' or 'body', not both")
    if status in _NO_BODY_STATUSES and (body or json_body is not _ABSENT):
        raise RouteError("status", f"a {status} answer has no body")
    if json_body is not _ABSENT:
        try:  # TOML has dates and nan, JSON has neither: refuse now, not at the call
            json.dumps(json_body, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise RouteError("json", f"cannot be sent as JSON ({exc})") from None
    options = rules.options(spec)
    content_type = _text(spec, "content_type")
    if content_type is not None and not _FIELD_VALUE.fullmatch(content_type):
        raise RouteError("content_type", "must be one line of printable ASCII")
    return DeclaredRoute(api, method, path, status, json_body, body, content_type, options, rules)


def matches(rule: str, path: str) -> bool:
    """Whether a werkzeug rule (any method) matches a path."""
    adapter = Map([Rule(rule)], strict_slashes=False, merge_slashes=False).bind("authmock")
    try:
        adapter.match(path)
    except NotFound:
        return False
    except HTTPException:
        pass  # a redirect or another method: the path is the rule's
    return True


def sample(rule: str) -> str:
    return _SAMPLE.sub("x", rule)


def same_paths(one: str, other: str) -> bool:
    """Whether two rules match the same paths (tried with placeholders as 'x')."""
    return matches(one, sample(other)) and matches(other, sample(one))


@functools.lru_cache(maxsize=1024)  # a scenario's routes are parsed at every reset
def _collision(
    rules: DeclaredRules, others: tuple[DeclaredRules, ...], method: str, path: str
) -> str | None:
    """Why a declared route cannot be served as declared: it is a built-in
    endpoint of its API (that one would answer), or a server would send it to,
    or take it from, another API (:meth:`DeclaredRules.shadows`). A
    placeholder rule that merely includes a built-in path is fine: the
    built-in answers it."""
    for route in rules.builtins():
        if method == route.method and same_paths(path, route.path):
            return f"{method} {path} is a built-in endpoint ({method} {route.path})"
    for other in others:
        clash = rules.shadows(method, path, other)
        if clash is not None:
            return clash
    return None


class DeclaredRoutes:
    """One emulator's declared routes per API; ``version`` changes with them."""

    def __init__(self, apis: Sequence[EmulatedApi] | None = None) -> None:
        # The emulator's APIs (None: the registered ones, when a route is parsed).
        self.apis = apis
        self._lock = threading.Lock()
        self._routes: dict[str, tuple[DeclaredRoute, ...]] = {}
        self.version = 0

    def load(self, scenario: Mapping[str, Any] | None) -> None:
        """The scenario's routes only (validated with the scenario)."""
        routes = {
            api.name: tuple(
                parse_route(spec, api.name, self.apis)
                for spec in ((scenario or {}).get(api.name) or {}).get("routes", [])
            )
            for api in declaring(self.apis)
        }
        with self._lock:
            self._routes = routes
            self.version += 1

    def add(self, api: str, spec: Any) -> DeclaredRoute:
        route = parse_route(spec, api, self.apis)
        with self._lock:
            self._routes = {**self._routes, api: (*self.of(api), route)}
            self.version += 1
        return route

    def of(self, api: str) -> tuple[DeclaredRoute, ...]:
        """The API's routes; none for an API that declares none (a third API's table)."""
        return self._routes.get(api, ())

    def replace(self, routes: Mapping[str, tuple[DeclaredRoute, ...]]) -> None:
        """All routes at once (a snapshot's restore)."""
        with self._lock:
            self._routes = {
                api.name: tuple(routes.get(api.name, ())) for api in declaring(self.apis)
            }
            self.version += 1


_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """A werkzeug rule as an OpenAPI path: ``/users/<int:id>`` is ``/users/{id}``."""
    return _PLACEHOLDER.sub(r"{\1}", rule)


def add_declared_paths(document: dict[str, Any], routes: tuple[DeclaredRoute, ...]) -> None:
    """Describe the declared routes in an API's OpenAPI document (in place)."""
    paths = document.setdefault("paths", {})
    for number, route in enumerate(routes, 1):
        path = openapi_path(route.path)
        content_type = route.content_type or (
            "text/plain" if route.body is not None else "application/json"
        )
        answer: dict[str, Any] = {"description": "Declared stand-in answer"}
        if route.body is not None or route.json is not _ABSENT:
            answer["content"] = {content_type.split(";")[0]: {"schema": {}}}
        summary = route.rules.summary(route.options)
        paths.setdefault(path, {})[route.method.lower()] = {
            "operationId": f"declared{number}",
            "summary": summary,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PLACEHOLDER.findall(route.path)
            ],
            "responses": {str(route.status): answer, "401": {"description": "Not authenticated"}},
        }
