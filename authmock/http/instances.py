"""Isolated instances behind one server: ``/_i/<id>/...`` or ``X-Authmock-Instance``.

Each instance is a whole emulator (data, secrets, clock, faults, fault RNG,
journal) with its own :class:`~authmock.http.app.App`, so it serves at its
base URL everything the server root serves. The root stays the default
instance. Seeded data comes from the per-(seed, scenario) cache of
:mod:`authmock.seed`, so creating one costs a few hundred microseconds.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wsgi import get_host

from authmock.apis import split_options
from authmock.clock import iso8601
from authmock.emulator import Emulator, ScenarioSource
from authmock.errors import Invalid
from authmock.http.exchange import Reply, json_reply

if TYPE_CHECKING:
    from authmock.http.admin_kit import AdminHandler
    from authmock.http.app import App

PREFIX = "/_i/"
HEADER = "X-Authmock-Instance"
_ENVIRON_HEADER = "HTTP_X_AUTHMOCK_INSTANCE"
DEFAULT_MAX = 1000
DEFAULT_TTL = 4 * 3600.0
# All instances' journal bodies together stay within this: each gets its share
# of it at --max-instances (never more than the root's own budget), so a full
# server of busy instances cannot hold gigabytes.
INSTANCES_BODY_BUDGET = 256 * 1024 * 1024
# POST /_authmock/instances takes these, and each API's instance_options.
CREATE_FIELDS = ("seed", "scenario")


class InstanceError(Invalid):
    """A request to create an instance that cannot be honoured (400)."""


class InstanceLimit(Exception):
    """The server holds ``max_instances`` live instances already (429)."""


@dataclass
class Instance:
    id: str
    app: App
    created: float  # epoch seconds (real time, not the instance's clock)
    used: float  # time.monotonic() of the last request

    def to_json(self, base: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"{base}{PREFIX}{self.id}",
            "seed": self.app.emulator.seed,
            "createdAt": iso8601(self.created),
            "idleSeconds": round(time.monotonic() - self.used, 3),
        }


class Instances:
    """The instances of one server root, with the limits that keep it bounded."""

    def __init__(
        self, root: App, max_instances: int = DEFAULT_MAX, ttl: float = DEFAULT_TTL
    ) -> None:
        self.root = root
        self.max_instances = max_instances
        self.ttl = ttl
        self._lock = threading.Lock()
        self._live: dict[str, Instance] = {}

    def configure(self, max_instances: int, ttl: float) -> None:
        if isinstance(max_instances, bool) or not isinstance(max_instances, int):
            raise Invalid("max_instances must be an integer")
        if max_instances < 0:
            raise Invalid("max_instances must not be negative")
        if not ttl > 0:
            raise Invalid("the instance TTL must be a positive number of seconds")
        self.max_instances = max_instances
        self.ttl = float(ttl)

    def body_budget(self) -> int:
        """One instance's journal body budget: its share of :data:`INSTANCES_BODY_BUDGET`."""
        journal = self.root.emulator.journal
        share = INSTANCES_BODY_BUDGET // max(1, self.max_instances)
        return min(journal.body_budget, max(journal.body_limit, share))

    # -- lifecycle ---------------------------------------------------------------------
    def create(
        self,
        seed: int | None = None,
        scenario: ScenarioSource | None = None,
        **api_options: Any,
    ) -> Instance:
        """``api_options``: ``AuthMock`` keywords of the APIs (``bigid_errors``)
        that this instance sets differently from the server."""
        root = self.root.emulator
        # Server-wide settings (secrets, URLs): the services under test verify tokens with them.
        options = {name: dict(given) for name, given in root.options.items()}
        for name, given in split_options(root.apis, api_options, drop_none=True).items():
            options[name].update(given)
        emulator = Emulator(
            seed,
            scenario,
            options=options,
            journal_limit=root.journal.limit,
            journal_body_limit=root.journal.body_limit,
            journal_body_budget=self.body_budget(),
            apis=root.apis,
            # A handler's bug reaches the test that owns the server, not this instance.
            report_to=root.handler_error,
        )
        app = type(self.root)(emulator)  # an App, without importing the module that imports this
        app.instances = None  # no instances inside instances
        app.admin_token = self.root.admin_token
        app.reason_header = self.root.reason_header
        app.scenario_dir = self.root.scenario_dir
        app.ui = self.root.ui
        app.host_policy = self.root.host_policy  # the Host names the server answers
        now = time.monotonic()
        instance = Instance(secrets.token_hex(8), app, time.time(), now)
        with self._lock:
            self._expire(now)
            if len(self._live) >= self.max_instances:
                raise InstanceLimit(
                    f"{len(self._live)} instances exist, the server's limit "
                    f"(--max-instances {self.max_instances}): delete some first"
                )
            self._live[instance.id] = instance
        return instance

    def get(self, instance_id: str) -> Instance | None:
        """The live instance (its idle time starts again), or None."""
        instance = self._live.get(instance_id)
        if instance is None:
            return None
        now = time.monotonic()
        if now - instance.used > self.ttl:
            self.delete(instance_id)
            return None
        instance.used = now
        return instance

    def delete(self, instance_id: str) -> bool:
        with self._lock:
            instance = self._live.pop(instance_id, None)
        if instance is None:
            return False
        instance.app.emulator.release()  # nothing of it sleeps on
        return True

    def list(self) -> list[Instance]:
        with self._lock:
            self._expire(time.monotonic())
            return list(self._live.values())

    def _expire(self, now: float) -> None:
        idle = [i for i in self._live.values() if now - i.used > self.ttl]
        for instance in idle:
            del self._live[instance.id]
            instance.app.emulator.release()

    def release_all(self) -> None:
        for instance in list(self._live.values()):
            instance.app.emulator.release()

    def __len__(self) -> int:
        return len(self._live)

    # -- routing -----------------------------------------------------------------------
    def route(self, environ: dict[str, Any]) -> App | Reply | None:
        """The instance a request is for (its environ rewritten to the instance's
        paths), a 404 for an instance that is gone, or None for the root."""
        path: str = environ.get("PATH_INFO") or "/"
        if path.startswith(PREFIX):
            instance_id, _, rest = path[len(PREFIX) :].partition("/")
            instance = self.get(instance_id)
            if instance is None:
                return _gone(instance_id)
            environ["SCRIPT_NAME"] = f"{environ.get('SCRIPT_NAME', '')}{PREFIX}{instance_id}"
            environ["PATH_INFO"] = "/" + rest
        else:
            header: str | None = environ.get(_ENVIRON_HEADER)
            if header is None:
                return None
            instance = self.get(header.strip())
            if instance is None:
                return _gone(header)
        # Sleeps of a `timeout` fault wait on this instance's wake event (ways/server.py).
        environ["authmock.emulator"] = instance.app.emulator
        return instance.app


def _gone(instance_id: str) -> Reply:
    from authmock.http.admin_kit import admin_error

    return admin_error(404, f"no instance '{instance_id[:64]}' (deleted, expired or never created)")


def _base_url(environ: dict[str, Any]) -> str:
    return f"{environ.get('wsgi.url_scheme', 'http')}://{get_host(environ)}"


def _create_args(app: App, body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InstanceError("request body must be a JSON object")
    options = {k: v for api in app.apis for k, v in api.instance_options.items()}
    known = (*CREATE_FIELDS, *options)
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise InstanceError(f"unknown field '{unknown[0]}' (known: {', '.join(known)})")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InstanceError("'seed' must be an integer")
    scenario = body.get("scenario")
    if isinstance(scenario, str):
        # The rule of POST /_authmock/reset: bundled names, or the scenario directory.
        scenario = app.admin.scenario_file(scenario)
    elif scenario is not None and not isinstance(scenario, dict):
        raise InstanceError("'scenario' must be a scenario object or a bundled scenario's name")
    args = {"seed": seed, "scenario": scenario}
    for keyword, choices in options.items():
        value = body.get(keyword)
        if value is not None and value not in choices:
            allowed = " or ".join(f"'{choice}'" for choice in choices)
            raise InstanceError(f"'{keyword}' must be {allowed}")
        args[keyword] = value
    return args


def instance_admin_routes(app: App) -> list[tuple[Rule, AdminHandler]]:
    """``/_authmock/instances``: at the server root only."""
    from authmock.http.admin_kit import AdminError, admin_error, takes_environ

    def registry() -> Instances:
        if app.instances is None:
            raise AdminError(404, "instances are managed at the server root, not in an instance")
        return app.instances

    @takes_environ
    def create(body: Any, environ: dict[str, Any]) -> Reply:
        instances = registry()
        try:
            instance = instances.create(**_create_args(app, body))
        except InstanceLimit as exc:
            reply = json_reply(429, {"error": "TOO_MANY_INSTANCES", "message": str(exc)})
            return reply
        return json_reply(201, instance.to_json(_base_url(environ)))

    @takes_environ
    def listing(body: Any, environ: dict[str, Any]) -> Reply:
        instances = registry()
        base = _base_url(environ)
        return json_reply(
            200,
            {
                "instances": [i.to_json(base) for i in instances.list()],
                "maxInstances": instances.max_instances,
                "ttlSeconds": instances.ttl,
            },
        )

    @takes_environ
    def delete(body: Any, environ: dict[str, Any], instance_id: str) -> Reply:
        if not registry().delete(instance_id):
            return admin_error(404, f"no instance '{instance_id[:64]}'")
        return Reply(204)

    return [
        (Rule("/_authmock/instances", methods=["POST"]), create),
        (Rule("/_authmock/instances", methods=["GET"]), listing),
        (Rule("/_authmock/instances/<instance_id>", methods=["DELETE"]), delete),
    ]
