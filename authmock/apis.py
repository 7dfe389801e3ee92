"""The API registry: what one emulated API provides, and the list of them.

An emulated API is one folder (``authmock/sigma``, ``authmock/bigid``) holding
its state and rules, its HTTP layer, its admin routes, its OpenAPI document,
its Python control object and remote mirror, its seed generator and scenario
section. The folder's ``api.py`` gathers them in one :class:`EmulatedApi`
subclass; :func:`register` adds it to the list. The engine, the admin API,
faults, the journal, ``AuthMock``/``RemoteAuthMock``, seeding, scenario files,
snapshots and the CLI loop over that list and name no API.

A third API is a subclass of :class:`EmulatedApi` plus :func:`register` (or
:func:`registered` for the length of a test); see docs/architecture.md and the
OAuth example under ``tests/oauth``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Protocol

if TYPE_CHECKING:
    import argparse

    from werkzeug.routing import Rule

    from authmock.clock import Clock
    from authmock.http.declared import DeclaredRoutes, DeclaredRules
    from authmock.http.exchange import Exchange, Reply
    from authmock.remote.client import AdminClient
    from authmock.snapshot import Node as SnapshotNode

# An API's name is a fault's ``api``, a journal entry's ``api``, a scenario
# section, a state key and an admin path segment: a short lower-case word.
_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


# (API path, tenant): the path as the API's routes see it (no instance or
# deployment prefix) and the tenant the host or path named (None: none).
Target = tuple[str, str | None]


class ApiHttp(Protocol):
    """What the engine needs of an API's HTTP layer (see ``App.respond``)."""

    name: str

    def handle(self, ex: Exchange) -> Reply:
        """The answer of an endpoint (or a 404/405) in the API's envelope."""
        ...

    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply:
        """An error in the API's own envelope (faults, limits, refusals)."""
        ...

    def fault_tenant(self, ex: Exchange) -> str | None:
        """The tenant a request is about, known before routing (fault ``tenant``)."""
        ...

    def route_host(self, host: str, path: str) -> Target | None:
        """In-process and by Host: the target of a request to ``host`` (lower
        case, default port dropped), or None when the host is not this API's.
        May raise ``ConnectionFault("refused")`` for a host of this API that
        does not exist (a removed tenant)."""
        ...

    def route_path(self, path: str) -> Target | None:
        """On a server, where every API shares one host: the target of a
        path that is this API's, else None."""
        ...

    def emulated_host(self, name: str) -> bool:
        """Whether a host name (no port) is one of this API's public hosts."""
        ...


@dataclass
class HttpContext:
    """What an API's HTTP layer gets from the emulator it serves."""

    # Records an exception raised by user route code (re-raised in the test).
    on_handler_error: Callable[[BaseException], None]
    # The emulator's declared stand-in routes (all APIs'; see ``DeclaredRoutes.of``).
    declared: DeclaredRoutes
    # The API's own options (see :attr:`EmulatedApi.options`).
    options: Mapping[str, Any] = field(default_factory=dict)


Fail = Callable[[str, str], NoReturn]
AdminRoutes = list[tuple["Rule", Callable[..., "Reply"]]]
# One admin route in the admin OpenAPI document, keyed by (method, OpenAPI path):
# (summary, request body schema or None, {status: answer schema or None}).
AdminOperation = tuple[str, Any, dict[int, Any]]


class EmulatedApi:
    """One emulated API. Subclass it, set :attr:`name`, and implement
    :meth:`backend` and :meth:`http`; everything else has a default."""

    #: The API's name (``"sigma"``): see ``_NAME``.
    name: ClassVar[str] = ""
    #: What people call it, for docs, the CLI and OpenAPI titles.
    title: ClassVar[str] = ""
    #: On a server, the API answering paths no other API claims (Sigma: it is
    #: served at the root). At most one registered API sets it.
    serves_unclaimed_paths: ClassVar[bool] = False
    #: ``AuthMock``/``Emulator`` keyword arguments this API reads, mapped to
    #: its option names (``{"sigma_secret": "secret"}``).
    options: ClassVar[Mapping[str, str]] = {}
    #: Its section of a scenario file, in the schema language of
    #: :mod:`authmock.scenario` (``{}``: the API takes no scenario section).
    scenario_schema: ClassVar[Mapping[str, Any]] = {}
    #: Whether a fault of status 200 may carry just a ``message`` (the API's
    #: envelope turns it into a failure at HTTP 200, as BigID's production does).
    fault_200_message: ClassVar[bool] = False
    #: ``POST /_authmock/instances`` fields: ``AuthMock`` keywords (of
    #: :attr:`options`) an instance may set differently from the server, each
    #: with the strings it takes (``{"bigid_errors": ("spec", "production")}``).
    instance_options: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    # -- state and rules -------------------------------------------------------------
    def backend(self, clock: Clock, options: Mapping[str, Any]) -> Any:
        """A new, empty backend (state and rules) on the emulator's clock;
        :meth:`load` fills it."""
        raise NotImplementedError

    def load(self, backend: Any, seed: Any) -> None:
        """Put a backend back in its seeded state (``seed``: what :meth:`seed` made)."""
        backend.load(seed)

    def state(self, backend: Any) -> Any:
        """The API's part of ``GET /_authmock/state`` (JSON; never a hash or raw key)."""
        return backend.state()

    def snapshot(self, backend: Any) -> Any:
        """The API's part of ``GET /_authmock/snapshot``: everything needed to
        restore it (secrets, hashes), as JSON. Default: :meth:`state`."""
        return self.state(backend)

    def restore(self, backend: Any, node: SnapshotNode, clock: Clock) -> Callable[[], None]:
        """Check a snapshot's section (``node.fail(...)`` names a problem) and
        build the state; return what swaps it in (called under the backend's
        lock, after every API's section has been checked). Default: the
        section is ignored and the API keeps its state."""
        return lambda: None

    # -- seed data and scenario files ------------------------------------------------
    def seed(self, seeding: Seeding, section: Mapping[str, Any]) -> Any:
        """The seeded data (frozen: shared between emulators) for one seed and
        this API's scenario section; draw randomness from ``seeding`` only."""
        return None

    def validate_scenario(self, section: Mapping[str, Any], fail: Fail) -> None:
        """Rules beyond :attr:`scenario_schema`'s shape; ``fail(where, problem)``
        with ``where`` relative to the section (``tenants[0].name``)."""

    def scenario_from_state(self, section: dict[str, Any]) -> dict[str, Any]:
        """The API's part of ``GET /_authmock/state`` as a scenario section
        (:func:`authmock.scenario.from_state`): drop what only describes a run."""
        return section

    def credentials(self, seed: Any, http: ApiHttp) -> Any:
        """What ``authmock tenants --json`` prints for this API (a valid scenario
        section; None: nothing)."""
        return None

    def credentials_table(self, document: Mapping[str, Any], base_url: str | None) -> list[str]:
        """This API's lines of the ``authmock tenants``/``serve`` table, from the
        whole ``--json`` document; ``base_url``: the server's, when serving."""
        return []

    def serve_lines(self, control: Any) -> list[str]:
        """More lines ``authmock serve`` prints at start (e.g. seeded tokens)."""
        return []

    # -- the command line ------------------------------------------------------------
    def add_cli_options(self, parser: argparse.ArgumentParser) -> None:
        """Add the API's flags to ``authmock serve`` (``--{name}-...``; every
        help names the default)."""

    def cli_options(self, args: argparse.Namespace) -> dict[str, Any]:
        """The ``AuthMock`` keyword arguments the API's flags give; ``ValueError``
        for a bad value, its message one line naming the flag (exit code 2)."""
        return {}

    def set_option(self, control: Any, keyword: str, value: str) -> None:
        """Set one of :attr:`instance_options` on a running emulator through its
        control object (:meth:`control` or :meth:`remote`), until the next reset
        (the ``@pytest.mark.authmock`` option on the session's live server)."""
        raise NotImplementedError(f"the {self.name} API cannot set {keyword} at run time")

    # -- HTTP ------------------------------------------------------------------------
    def http(self, backend: Any, context: HttpContext) -> ApiHttp:
        """The API's HTTP layer over a backend."""
        raise NotImplementedError

    def admin_routes(self, backend: Any, http: ApiHttp) -> AdminRoutes:
        """The API's admin routes (under ``/_authmock/{name}/``)."""
        return []

    def declared_routes(self) -> DeclaredRules | None:
        """How the API takes declared stand-in routes (:mod:`authmock.http.declared`:
        its fields, paths and clashes); None (the default): it takes none."""
        return None

    def admin_operations(self) -> Mapping[tuple[str, str], AdminOperation]:
        """:meth:`admin_routes` documented for ``/_authmock/openapi/admin.json``
        (every one of them: tests/test_openapi.py compares the two), with full
        paths from the server root (``/_authmock/{name}/...``)."""
        return {}

    def state_schema(self) -> dict[str, Any]:
        """The JSON Schema of :meth:`state`, for the admin OpenAPI document."""
        return {"type": "object"}

    def openapi(self) -> dict[str, Any]:
        """The API's OpenAPI document (served at ``/_authmock/openapi/{name}.json``)."""
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title or self.name, "version": "1"},
            "paths": {},
        }

    # -- Python ----------------------------------------------------------------------
    def control(self, backend: Any, http: ApiHttp) -> Any:
        """``mock.api(name)``: the Python API over one emulator's state."""
        return None

    def remote(self, admin: AdminClient) -> Any:
        """``RemoteAuthMock.api(name)``: the same over a server's admin API."""
        return None


class Seeding(Protocol):
    """The shared randomness of one seed: every API draws from it in
    registration order, so one seed gives the same data every time."""

    seed: int
    # A random.Random seeded from the seed.
    rng: Any
    # A faker.Faker seeded from the seed.
    fake: Any


_LOCK = threading.Lock()
# The built-in APIs come first, registered by ``authmock/__init__.py`` in a
# fixed order (their seeded data depends on it).
_REGISTERED: list[EmulatedApi] = []


def register(api: EmulatedApi) -> EmulatedApi:
    """Add an API to every emulator created from now on; returns it.

    ``ValueError`` for a bad or taken name, or a second API serving unclaimed paths."""
    if not isinstance(api, EmulatedApi):
        raise TypeError(f"register() takes an EmulatedApi, not {type(api).__name__}")
    if not _NAME.fullmatch(api.name):
        raise ValueError(f"API name {api.name!r} must match {_NAME.pattern}")
    with _LOCK:
        if any(known.name == api.name for known in _REGISTERED):
            raise ValueError(f"an API named {api.name!r} is already registered")
        if api.serves_unclaimed_paths and any(k.serves_unclaimed_paths for k in _REGISTERED):
            raise ValueError("only one API may serve unclaimed paths")
        _REGISTERED.append(api)
    return api


def unregister(name: str) -> None:
    """Remove an API added with :func:`register` (``KeyError`` if none)."""
    with _LOCK:
        for i, known in enumerate(_REGISTERED):
            if known.name == name:
                del _REGISTERED[i]
                return
    raise KeyError(f"no API named {name!r}")


@contextmanager
def registered(api: EmulatedApi) -> Iterator[EmulatedApi]:
    """:func:`register` for the length of a ``with`` block (a test, a fixture)."""
    register(api)
    try:
        yield api
    finally:
        unregister(api.name)


def registered_apis() -> tuple[EmulatedApi, ...]:
    """Every registered API, built-ins first, in registration order."""
    return tuple(_REGISTERED)


def names(apis: Sequence[EmulatedApi]) -> tuple[str, ...]:
    return tuple(api.name for api in apis)


def one_of(apis: Sequence[EmulatedApi]) -> str:
    """``'sigma' or 'bigid'`` (or ``'a', 'b' or 'c'``), for error messages."""
    quoted = [f"'{api.name}'" for api in apis]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def split_options(
    apis: Sequence[EmulatedApi], given: Mapping[str, Any], *, drop_none: bool = False
) -> dict[str, dict[str, Any]]:
    """``AuthMock`` keyword arguments as each API's options (``drop_none``:
    leave out those given as None, for overrides)."""
    out: dict[str, dict[str, Any]] = {}
    for api in apis:
        out[api.name] = {
            option: given[keyword]
            for keyword, option in api.options.items()
            if keyword in given and not (drop_none and given[keyword] is None)
        }
    return out
