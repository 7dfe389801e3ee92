"""The admin API under ``/_authmock/``: JSON in and out, never faulted or journaled.

Routes shared by every API live here; each registered API contributes its own
(its ``admin_routes``: ``authmock/sigma/admin.py``, ``authmock/bigid/admin.py``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import Rule

from authmock import scenario as scenarios
from authmock.errors import ApiError, Invalid, NotFound
from authmock.http.admin_kit import (  # noqa: F401  (re-exported)
    AdminError,
    AdminHandler,
    admin_error,
    field,
    takes_environ,
    takes_query,
)
from authmock.http.admin_openapi import admin_openapi
from authmock.http.declared import add_declared_paths, openapi_path
from authmock.http.exchange import (
    MAX_BODY,
    BadFraming,
    BadJson,
    PayloadTooLarge,
    Reply,
    json_reply,
    read_body,
)
from authmock.http.guard import body_type_refusal, cross_site_refusal
from authmock.http.instances import instance_admin_routes
from authmock.http.persist import persist_admin_routes
from authmock.http.routes import RouteSpec, describe_error, shared_map
from authmock.security import same
from authmock.version import __version__

if TYPE_CHECKING:
    from authmock.http.app import App


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def openapi_documents(app: App) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each API's OpenAPI document, and the admin API's own."""
    documents = {api.name: api.openapi for api in app.apis}
    documents["admin"] = functools.partial(admin_openapi, app.apis)
    return documents


class Admin:
    def __init__(self, app: App) -> None:
        self.app = app
        self.emulator = app.emulator
        self._handlers: dict[str, AdminHandler] = {}
        # Handlers marked with @takes_query get the URL query as a dict.
        self._takes_query: set[str] = set()
        self._takes_environ: set[str] = set()
        self._body_limits: dict[str, int] = {}
        self._specs: list[RouteSpec] = []
        routes: list[tuple[Rule, AdminHandler]] = [
            (Rule("/_authmock", methods=["GET"]), self.index),
            (Rule("/_authmock/", methods=["GET"]), self.index),
            (Rule("/_authmock/reset", methods=["POST"]), self.reset),
            (Rule("/_authmock/state", methods=["GET"]), self.state),
            (Rule("/_authmock/clock", methods=["GET"]), self.clock_get),
            (Rule("/_authmock/clock", methods=["POST"]), self.clock_post),
            (Rule("/_authmock/faults", methods=["GET"]), self.faults_list),
            (Rule("/_authmock/faults", methods=["POST"]), self.faults_add),
            (Rule("/_authmock/faults", methods=["DELETE"]), self.faults_clear),
            (Rule("/_authmock/faults/<fault_id>", methods=["GET"]), self.faults_get),
            (Rule("/_authmock/faults/<fault_id>", methods=["DELETE"]), self.faults_remove),
            (Rule("/_authmock/calls", methods=["GET"]), self.calls_list),
            (Rule("/_authmock/calls", methods=["DELETE"]), self.calls_clear),
            (Rule("/_authmock/openapi/<name>.json", methods=["GET"]), self.openapi),
        ]
        for api in app.apis:
            if api.declared_routes() is not None:
                rule = Rule(f"/_authmock/{api.name}/routes", methods=["POST"])
                routes.append((rule, functools.partial(self._declare, api.name)))
            routes += api.admin_routes(app.emulator.backends[api.name], app.http[api.name])
        routes += instance_admin_routes(app)
        routes += persist_admin_routes(app)
        self.extend(routes)

    def extend(self, routes: list[tuple[Rule, AdminHandler]]) -> None:
        for rule, handler in routes:
            methods = tuple(sorted(rule.methods or ()))
            endpoint = f"{' '.join(methods)} {rule.rule}"
            self._handlers[endpoint] = handler
            if getattr(handler, "takes_query", False):
                self._takes_query.add(endpoint)
            if getattr(handler, "takes_environ", False):
                self._takes_environ.add(endpoint)
            # A handler's own body limit (a snapshot's journal may pass 1 MiB).
            if hasattr(handler, "body_limit"):
                self._body_limits[endpoint] = handler.body_limit
            self._specs.append((rule.rule, methods, endpoint))
        # Built once per process for a given set of routes (see shared_map).
        self._map = shared_map(tuple(self._specs))

    def handle(self, environ: dict[str, Any]) -> Reply:
        # Before the token: a page on another site is refused whatever it sends.
        refusal = cross_site_refusal(environ)
        if refusal is not None:
            return admin_error(403, refusal)
        token = self.app.admin_token
        if token is not None and not same(environ.get("HTTP_X_AUTHMOCK_ADMIN", ""), token):
            return admin_error(401, "X-Authmock-Admin header missing or wrong")
        path = environ.get("PATH_INFO") or "/"
        method = environ["REQUEST_METHOD"].upper()
        try:
            endpoint, args = self._map.bind("authmock").match(path, method)
        except NoRoute:
            return admin_error(404, f"no admin route {method} {path}")
        except MethodNotAllowed as exc:
            reply = admin_error(405, f"method {method} not allowed on {path}")
            reply.headers.append(("Allow", ", ".join(sorted(exc.valid_methods or ()))))
            return reply
        try:
            body = self._body(environ, self._body_limits.get(endpoint, MAX_BODY))
            args = dict(args)
            if endpoint in self._takes_query:
                args["query"] = dict(parse_qsl(environ.get("QUERY_STRING") or ""))
            if endpoint in self._takes_environ:
                args["environ"] = environ
            return self._handlers[endpoint](body, **args)
        except AdminError as exc:
            return admin_error(exc.status, exc.message)
        except ApiError as exc:
            return admin_error(exc.status if exc.status in (400, 404) else 400, exc.message)
        except NotFound as exc:
            return admin_error(404, exc.message)
        except Invalid as exc:  # FaultError, ScenarioError, SnapshotError...
            return admin_error(400, str(exc))
        except Exception as exc:
            # A bug, not a bad call: a 500, re-raised to the test like a route handler's.
            self.emulator.handler_error(exc)
            return admin_error(500, f"the admin handler raised {describe_error(exc)}")

    @staticmethod
    def _body(environ: dict[str, Any], limit: int = MAX_BODY) -> Any:
        try:
            raw = read_body(environ, limit)
        except BadJson:
            raise AdminError(400, "bad Content-Length") from None
        except BadFraming as exc:
            raise AdminError(400, f"bad request body: {exc}") from None
        except PayloadTooLarge:
            raise AdminError(400, f"request body over {limit // MAX_BODY} MiB") from None
        refusal = body_type_refusal(environ, has_body=bool(raw))
        if refusal is not None:
            raise AdminError(415, refusal)
        if not raw.strip():
            return None
        try:
            # NaN and Infinity are not JSON: a clock advanced by NaN would break every call.
            return json.loads(raw, parse_constant=_not_json)
        except (ValueError, RecursionError):
            raise AdminError(400, "request body is not valid JSON") from None

    # -- shared routes -------------------------------------------------------------------
    def reset(self, body: Any) -> Reply:
        seed = field(body, "seed", int, required=False) if body is not None else None
        scenario = (
            field(body, "scenario", (dict, str), required=False) if body is not None else None
        )
        if isinstance(scenario, str):
            scenario = self.scenario_file(scenario)
        self.emulator.reset(seed=seed, scenario=scenario)
        return Reply(204)

    def scenario_file(self, name: str) -> Path:
        """A bundled scenario or a file in the scenario directory, nothing else:
        a web page must not read the machine's files through this server. The
        refusal is one message, whether or not the path exists."""
        found = scenarios.resolve_within(name, self.app.scenario_dir)
        if found is None:
            names = ", ".join(scenarios.bundled_names())
            if self.app.scenario_dir is not None:
                where = " or a file in the scenario directory"
            else:
                where = "; files are read only from a scenario directory (serve --scenario-dir)"
            raise AdminError(400, f"'scenario' must be a bundled scenario name ({names}){where}")
        return found

    def state(self, body: Any) -> Reply:
        return json_reply(200, self.emulator.state())

    def clock_get(self, body: Any) -> Reply:
        return json_reply(200, {"now": self.emulator.clock.now()})

    def clock_post(self, body: Any) -> Reply:
        clock = self.emulator.clock
        if not isinstance(body, dict) or len(body) != 1:
            raise AdminError(
                400, 'give exactly one of {"advance": s}, {"set": epoch}, {"resume": true}'
            )
        if "advance" in body:
            clock.advance(field(body, "advance", (int, float)))
        elif "set" in body:
            clock.set(field(body, "set", (int, float)))
        elif body.get("resume") is True:
            clock.resume()
        else:
            raise AdminError(
                400, 'give exactly one of {"advance": s}, {"set": epoch}, {"resume": true}'
            )
        return json_reply(200, {"now": clock.now()})

    def faults_list(self, body: Any) -> Reply:
        return json_reply(200, [f.to_json() for f in self.emulator.faults.list()])

    def faults_add(self, body: Any) -> Reply:
        if not isinstance(body, dict):
            raise AdminError(400, "a fault must be a JSON object")
        return json_reply(201, {"id": self.emulator.faults.add(body)})

    def faults_clear(self, body: Any) -> Reply:
        self.emulator.faults.clear()
        return Reply(204)

    def faults_get(self, body: Any, fault_id: str) -> Reply:
        return json_reply(200, self.emulator.faults.get(fault_id).to_json())

    def faults_remove(self, body: Any, fault_id: str) -> Reply:
        if not self.emulator.faults.remove(fault_id):
            raise AdminError(404, f"no fault '{fault_id}'")
        return Reply(204)

    @takes_query
    def calls_list(self, body: Any, query: dict[str, str]) -> Reply:
        """The journal, oldest first; query parameters filter it
        (``?method=POST&path=/api/v1/auth/*&status=401``)."""
        return json_reply(200, [c.to_json() for c in self.emulator.journal.query(query)])

    def index(self, body: Any) -> Reply:
        """The emulated APIs, every admin route, and where the OpenAPI documents are."""
        routes = [
            {"method": method, "path": openapi_path(path)}
            for path, methods, _ in self._specs
            for method in methods
            if method != "HEAD"
        ]
        documents = {
            name: f"/_authmock/openapi/{name}.json" for name in openapi_documents(self.app)
        }
        apis = [api.name for api in self.app.apis]
        index = {"authmock": __version__, "apis": apis, "routes": routes, "openapi": documents}
        return json_reply(200, index)

    def openapi(self, body: Any, name: str) -> Reply:
        documents = openapi_documents(self.app)
        if name not in documents:
            raise AdminError(
                404, f"no OpenAPI document '{name}' (one of {', '.join(sorted(documents))})"
            )
        document = documents[name]()
        if name in self.app.http:
            add_declared_paths(document, self.emulator.routes.of(name))
        return json_reply(200, document)

    def _declare(self, api: str, body: Any) -> Reply:
        """``POST /_authmock/{api}/routes``: a declared stand-in route."""
        route = self.emulator.routes.add(api, body)  # RouteError: a 400 naming the field
        return json_reply(201, route.to_json())

    @takes_query
    def calls_clear(self, body: Any, query: dict[str, str]) -> Reply:
        if query:
            # Clearing everything when a subset was meant would be a nasty surprise.
            raise AdminError(400, "DELETE /_authmock/calls takes no filters")
        self.emulator.journal.clear()
        return Reply(204)
