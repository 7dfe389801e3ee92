"""``AuthMock``: one emulator, reached in-process or through a live server."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from authmock import scenario as scenarios
from authmock.apis import registered_apis, split_options
from authmock.bigid.control import BigidControl
from authmock.bigid.models import SANDBOX, check_deployment_name
from authmock.bigid.views import base_url
from authmock.clock import Clock
from authmock.control import ApiControls, JournalAssertions
from authmock.emulator import Emulator, ScenarioSource
from authmock.faults import FaultSet
from authmock.http.app import App
from authmock.journal import DEFAULT_BODY_BUDGET, DEFAULT_BODY_LIMIT, DEFAULT_LIMIT, Journal
from authmock.sigma.control import SigmaControl
from authmock.sigma.views import DEFAULT_URL as DEFAULT_SIGMA_URL
from authmock.ways.requests_mode import RequestsInterceptor

F = TypeVar("F", bound=Callable[..., Any])


def _httpx_mode() -> Any:
    try:
        from authmock.ways import httpx_mode
    except ModuleNotFoundError as exc:
        if exc.name != "httpx":
            raise
        raise ImportError(
            "the httpx transports need httpx: pip install 'authmock[httpx]'"
        ) from None
    return httpx_mode


class AuthMock(ApiControls, JournalAssertions):
    """Emulates Sigma PIM and BigID for ``requests`` (and httpx, and a live server).

    ``start()``/``stop()`` switch interception on and off (state survives);
    ``reset()`` returns to the seeded state. Works as a context manager and
    as a decorator.
    """

    def __init__(
        self,
        seed: int | None = None,
        scenario: ScenarioSource | None = None,
        bigid_errors: str = "spec",
        sigma_url: str = DEFAULT_SIGMA_URL,
        passthrough: tuple[str, ...] | list[str] = (),
        sigma_secret: str | None = None,
        bigid_system_token_ttl: int | None = None,
        *,
        journal_limit: int = DEFAULT_LIMIT,
        journal_body_limit: int = DEFAULT_BODY_LIMIT,
        journal_body_budget: int = DEFAULT_BODY_BUDGET,
        admin_token: str | None = None,
        reason_header: bool = False,
        scenario_dir: str | os.PathLike[str] | None = None,
        allow_network: bool = True,
    ) -> None:
        # bigid_system_token_ttl: 86400 unless given here or as the scenario's
        # bigid.system_token_ttl (this argument wins).
        api_list = registered_apis()
        options = split_options(
            api_list,
            {
                "sigma_url": sigma_url,
                "sigma_secret": sigma_secret,
                "bigid_errors": bigid_errors,
                "bigid_system_token_ttl": bigid_system_token_ttl,
            },
        )
        self._emulator = Emulator(
            seed,
            scenario,
            options=options,
            journal_limit=journal_limit,
            journal_body_limit=journal_body_limit,
            journal_body_budget=journal_body_budget,
            apis=api_list,
        )
        self._app = App(self._emulator)
        self._app.admin_token = admin_token
        # X-Authmock-Reason on refusals, for debugging clients that cannot read the journal.
        self._app.reason_header = bool(reason_header)
        # POST /_authmock/reset over HTTP reads scenario files only from here
        # (default: the directory of a scenario file given here).
        if scenario_dir is None and isinstance(scenario, (str, os.PathLike)):
            scenario_dir = scenarios.resolve(scenario).resolve().parent
        self._app.scenario_dir = scenario_dir
        # allow_network=False: other hosts fail fast instead of reaching the real network.
        self.allow_network = allow_network
        self._requests = RequestsInterceptor(
            self._app, self._app.intercepts, tuple(passthrough), allow_network
        )
        self._passthrough = tuple(passthrough)
        self._httpx: Any = None
        # Each API's Python control object (``mock.api(name)``), by name.
        self._controls = {
            api.name: api.control(self._emulator.backends[api.name], self._app.http[api.name])
            for api in api_list
        }
        self._started = False

    @property
    def sigma(self) -> SigmaControl:
        control: SigmaControl = self._controls["sigma"]
        return control

    @property
    def sigma_url(self) -> str:
        """Sigma's in-process base URL (the ``sigma_url`` given)."""
        url: str = self._app.http["sigma"].url  # type: ignore[attr-defined]
        return url

    @property
    def bigid(self) -> BigidControl:
        control: BigidControl = self._controls["bigid"]
        return control

    def bigid_url(self, deployment: str | None = "sandbox") -> str:
        """A deployment's in-process API base URL; None means the default one."""
        name = (self.bigid.default_deployment or SANDBOX) if deployment is None else deployment
        return base_url(check_deployment_name(name))

    # -- switching interception ------------------------------------------------------
    def start(self) -> AuthMock:
        self._requests.start()
        if self._httpx is None and importlib.util.find_spec("httpx") is not None:
            from authmock.ways.httpx_mode import HttpxInterceptor

            self._httpx = HttpxInterceptor(
                self._app, self._app.intercepts, self._passthrough, self.allow_network
            )
        if self._httpx is not None:
            self._httpx.start()
        self._started = True
        return self

    def stop(self) -> None:
        self._requests.stop()
        if self._httpx is not None:
            self._httpx.stop()
        self._started = False
        self._emulator.release()

    @property
    def active(self) -> bool:
        return self._started

    def __enter__(self) -> AuthMock:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop()
        if exc is None:
            self.raise_handler_errors()

    def __call__(self, func: F) -> F:
        """Use as a decorator: the mock is active while ``func`` runs."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    # -- state --------------------------------------------------------------------------
    def reset(self, seed: int | None = None, scenario: ScenarioSource | None = None) -> None:
        """Back to the seeded state: data, faults, journal, fault RNG and clock."""
        self._emulator.reset(seed, scenario)

    @property
    def seed(self) -> int:
        return self._emulator.seed

    @property
    def clock(self) -> Clock:
        return self._emulator.clock

    @property
    def faults(self) -> FaultSet:
        return self._emulator.faults

    @property
    def calls(self) -> Journal:
        return self._emulator.journal

    def state(self) -> dict[str, Any]:
        """What ``GET /_authmock/state`` returns: never a hash or a raw key."""
        return self._emulator.state()

    def snapshot(self) -> dict[str, Any]:
        """Everything this emulator holds as one versioned JSON document (what
        ``GET /_authmock/snapshot`` returns): data, secrets, key hashes, revocations,
        clock, faults with their counts, the fault RNG's state and the journal."""
        from authmock.snapshot import snapshot

        return snapshot(self._emulator)

    def restore(self, document: Mapping[str, Any]) -> None:
        """Replace the whole state with a :meth:`snapshot`'s, here or in another
        process: tokens and API keys issued before it work again. A document of
        another version or a damaged one raises ``ValueError`` and changes nothing."""
        from authmock.snapshot import restore

        restore(self._emulator, document)

    @property
    def handler_errors(self) -> list[BaseException]:
        return self._emulator.handler_errors

    def raise_handler_errors(self) -> None:
        """Re-raise the first exception a user route handler raised (the client saw a 500)."""
        if self._emulator.handler_errors:
            error = self._emulator.handler_errors[0]
            self._emulator.handler_errors.clear()
            raise error

    # -- other ways in ------------------------------------------------------------------
    @property
    def wsgi_app(self) -> App:
        return self._app

    def httpx_transport(self) -> Any:
        """An ``httpx.BaseTransport`` into this emulator (needs the ``httpx`` extra):
        ``httpx.Client(transport=mock.httpx_transport())``. Works whether or not
        the mock is started."""
        return _httpx_mode().AuthmockTransport(self._app)

    def httpx_async_transport(self) -> Any:
        """The same as an ``httpx.AsyncBaseTransport``, for ``httpx.AsyncClient``."""
        return _httpx_mode().AuthmockAsyncTransport(self._app)

    @contextmanager
    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        header_timeout: float = 10.0,
        tls: bool = False,
        tls_dir: str | os.PathLike[str] | None = None,
        allow_hosts: Iterable[str] = (),
    ) -> Iterator[Any]:
        """Run the engine on a threaded werkzeug server with HTTP/1.1 keep-alive;
        yields it (``.url``). ``header_timeout``: seconds a client has to send its
        request line and headers (also how long an idle connection stays open).
        ``tls=True`` serves HTTPS (needs the ``tls`` extra) with a certificate from
        a local CA whose bundle is ``.ca_path``; ``tls_dir`` keeps that CA across
        runs (reused when present).

        It answers loopback Host names, its own address and the emulated API
        hosts; ``allow_hosts`` adds names (``*.domain``; ``*`` for any), e.g. a
        compose service name. See docs/security.md."""
        from authmock.ways.server import LiveServer

        server = LiveServer(
            self._app,
            host,
            port,
            header_timeout=header_timeout,
            tls=tls,
            tls_dir=tls_dir,
            allow_hosts=allow_hosts,
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()
