"""Declared routes: protected stand-in endpoints described as data.

A scenario's ``[[sigma.routes]]`` / ``[[bigid.routes]]``, ``POST
/_authmock/{sigma,bigid}/routes`` and ``mock.sigma.add_route`` /
``mock.bigid.add_route`` all give the same fields; each route answers a fixed
status and body once the emulated auth lets the request through, exactly as
a route registered with ``mock.sigma.route`` would (auth, permission, faults,
journal). They are state: a reset goes back to the scenario's routes.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from authmock.bigid.models import DNS_LABEL
from authmock.errors import Invalid
from authmock.sigma.models import PERMISSIONS

_PATH_CONVERTER = re.compile(r"<\s*path\b")
FIELDS = {
    "sigma": ("method", "path", "status", "json", "body", "content_type", "permission"),
    "bigid": ("method", "path", "status", "json", "body", "content_type", "deployments"),
}
# The APIs whose stand-in routes can be declared (others answer only their own).
DECLARING_APIS = tuple(FIELDS)
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


@dataclass(frozen=True, eq=False)
class DeclaredRoute:
    api: str
    method: str
    path: str
    status: int
    json: Any
    body: str | None
    content_type: str | None
    permission: str
    deployments: tuple[str, ...] | None

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
        if self.api == "sigma":
            out["permission"] = self.permission
        elif self.deployments is not None:
            out["deployments"] = list(self.deployments)
        return out


def _text(spec: Mapping[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RouteError(name, "must be a non-empty string")
    return value


def parse_route(spec: Any, api: str) -> DeclaredRoute:
    """Validate one declaration; :class:`RouteError` names the bad key."""
    if not isinstance(spec, Mapping):
        raise RouteError("route", "must be a table/object")
    for key in spec:
        if key not in FIELDS[api]:
            raise RouteError(str(key), f"unknown key (known: {', '.join(FIELDS[api])})")
    method = (_text(spec, "method") or "GET").upper()
    if not method.isalpha():
        raise RouteError("method", f"{method!r} is not an HTTP method such as 'GET'")
    path = _text(spec, "path")
    if path is None:
        raise RouteError("path", "is required")
    if not path.startswith("/"):
        raise RouteError("path", f"must start with '/': {path!r}")
    if api == "bigid" and not path.startswith("/api/v1/"):
        raise RouteError("path", f"BigID route paths start with /api/v1/: {path!r}")
    try:
        Map([Rule(path, methods=[method])])
    except (ValueError, LookupError) as exc:
        raise RouteError("path", f"not a werkzeug rule ({exc})") from None
    clash = _collision(api, method, path)
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
    permission = spec.get("permission", "read")
    if permission not in PERMISSIONS:
        raise RouteError(
            "permission", f"unknown permission {permission!r} (one of {', '.join(PERMISSIONS)})"
        )
    deployments = spec.get("deployments")
    if deployments is not None:
        if not isinstance(deployments, list) or not all(
            isinstance(d, str) and DNS_LABEL.fullmatch(d) for d in deployments
        ):
            raise RouteError("deployments", "must be an array of deployment names ([a-z0-9-])")
        deployments = tuple(deployments)
    content_type = _text(spec, "content_type")
    if content_type is not None and not _FIELD_VALUE.fullmatch(content_type):
        raise RouteError("content_type", "must be one line of printable ASCII")
    return DeclaredRoute(
        api, method, path, status, json_body, body, content_type, permission, deployments
    )


def _matches(rule: str, path: str) -> bool:
    """Whether a werkzeug rule (any method) matches a path."""
    adapter = Map([Rule(rule)], strict_slashes=False, merge_slashes=False).bind("authmock")
    try:
        adapter.match(path)
    except NotFound:
        return False
    except HTTPException:
        pass  # a redirect or another method: the path is the rule's
    return True


def _sample(rule: str) -> str:
    return _SAMPLE.sub("x", rule)


def _same(one: str, other: str) -> bool:
    """Whether two rules match the same paths (tried with placeholders as 'x')."""
    return _matches(one, _sample(other)) and _matches(other, _sample(one))


@functools.lru_cache(maxsize=1024)  # a scenario's routes are parsed at every reset
def _collision(api: str, method: str, path: str) -> str | None:
    """Why a declared route cannot be served as declared: it is a built-in
    endpoint of its API (that one would answer), or, for BigID, it matches a
    Sigma endpoint's path (authmock serve routes /api/v1 paths to BigID when a
    BigID route matches them: Sigma's endpoint would be lost). A placeholder
    rule that merely includes a built-in path is fine: the built-in answers it."""
    # Imported here: the views import this module (through http/routes.py).
    from authmock.bigid.views import BigidHttp
    from authmock.sigma.views import SigmaHttp

    own, other = (
        (SigmaHttp.ROUTES, BigidHttp.ROUTES)
        if api == "sigma"
        else (BigidHttp.ROUTES, SigmaHttp.ROUTES)
    )
    for route in own:
        if method == route.method and _same(path, route.path):
            return f"{method} {path} is a built-in endpoint ({method} {route.path})"
    for route in other:
        builtin = route.path
        if api == "sigma" and _same(path, builtin):
            return f"{path} is BigID's {builtin}: authmock serve would send it to BigID"
        if api == "bigid" and (
            _matches(path, _sample(builtin)) or _matches(builtin, _sample(path))
        ):
            return (
                f"{path} matches Sigma's {route.method} {builtin}, which authmock "
                "serve would then send to BigID"
            )
    return None


class DeclaredRoutes:
    """One emulator's declared routes per API; ``version`` changes with them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, tuple[DeclaredRoute, ...]] = {}
        self.version = 0

    def load(self, scenario: Mapping[str, Any] | None) -> None:
        """The scenario's routes only (validated with the scenario)."""
        routes = {
            api: tuple(
                parse_route(spec, api)
                for spec in ((scenario or {}).get(api) or {}).get("routes", [])
            )
            for api in DECLARING_APIS
        }
        with self._lock:
            self._routes = routes
            self.version += 1

    def add(self, api: str, spec: Any) -> DeclaredRoute:
        route = parse_route(spec, api)
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
            self._routes = {api: tuple(routes.get(api, ())) for api in DECLARING_APIS}
            self.version += 1


_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def add_declared_paths(document: dict[str, Any], routes: tuple[DeclaredRoute, ...]) -> None:
    """Describe the declared routes in an API's OpenAPI document (in place)."""
    paths = document.setdefault("paths", {})
    for number, route in enumerate(routes, 1):
        path = _PLACEHOLDER.sub(r"{\1}", route.path)
        content_type = route.content_type or (
            "text/plain" if route.body is not None else "application/json"
        )
        answer: dict[str, Any] = {"description": "Declared stand-in answer"}
        if route.body is not None or route.json is not _ABSENT:
            answer["content"] = {content_type.split(";")[0]: {"schema": {}}}
        summary = (
            f"Declared route (needs {route.permission!r})"
            if route.api == "sigma"
            else ("Declared route (session or system token)")
        )
        paths.setdefault(path, {})[route.method.lower()] = {
            "operationId": f"declared{number}",
            "summary": summary,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PLACEHOLDER.findall(route.path)
            ],
            "responses": {str(route.status): answer, "401": {"description": "Not authenticated"}},
        }
