"""Sigma PIM as a registered API: its pieces, gathered for the registry."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from authmock.apis import (
    AdminOperation,
    AdminRoutes,
    ApiHttp,
    EmulatedApi,
    Fail,
    HttpContext,
    Seeding,
)
from authmock.clock import Clock
from authmock.http.declared import DeclaredRules
from authmock.remote.client import AdminClient
from authmock.sigma import scenario, snapshot
from authmock.sigma.admin import ADMIN_OPERATIONS, STATE_SCHEMA, sigma_admin_routes
from authmock.sigma.control import SigmaControl
from authmock.sigma.declared import RULES
from authmock.sigma.listing import sigma_credentials, sigma_table
from authmock.sigma.models import SigmaBackend
from authmock.sigma.openapi import sigma_openapi
from authmock.sigma.remote import RemoteSigma
from authmock.sigma.seed import SigmaSeed, generate
from authmock.sigma.views import DEFAULT_URL, SigmaHttp
from authmock.snapshot import Node


class SigmaApi(EmulatedApi):
    name = "sigma"
    title = "Sigma PIM"
    serves_unclaimed_paths = True
    options: ClassVar[Mapping[str, str]] = {"sigma_secret": "secret", "sigma_url": "url"}
    scenario_schema: ClassVar[Mapping[str, Any]] = scenario.SCHEMA

    def backend(self, clock: Clock, options: Mapping[str, Any]) -> SigmaBackend:
        return SigmaBackend(clock, options.get("secret"))

    def state(self, backend: SigmaBackend) -> dict[str, Any]:
        return {"tenants": backend.state()}

    def snapshot(self, backend: SigmaBackend) -> dict[str, Any]:
        return snapshot.export(backend)

    def restore(self, backend: SigmaBackend, node: Node, clock: Clock) -> Callable[[], None]:
        return snapshot.restore(backend, node, clock)

    def seed(self, seeding: Seeding, section: Mapping[str, Any]) -> SigmaSeed:
        return generate(seeding, dict(section))  # type: ignore[arg-type]

    def validate_scenario(self, section: Mapping[str, Any], fail: Fail) -> None:
        scenario.validate(section, fail)

    def scenario_from_state(self, section: dict[str, Any]) -> dict[str, Any]:
        return scenario.from_state(section)

    def credentials(self, seed: SigmaSeed, http: ApiHttp) -> dict[str, Any]:
        assert isinstance(http, SigmaHttp)
        return sigma_credentials(seed, http.url)

    def credentials_table(self, document: Mapping[str, Any], base_url: str | None) -> list[str]:
        return sigma_table(dict(document), base_url)

    def add_cli_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--sigma-secret",
            default=None,
            metavar="KEY",
            help="HS256 key for Sigma tokens (default: the scenario's sigma.secret, else random)",
        )

    def cli_options(self, args: argparse.Namespace) -> dict[str, Any]:
        if args.sigma_secret is not None and not args.sigma_secret:
            raise ValueError("--sigma-secret must not be empty")
        return {"sigma_secret": args.sigma_secret}

    def http(self, backend: SigmaBackend, context: HttpContext) -> SigmaHttp:
        url = context.options.get("url", DEFAULT_URL)
        return SigmaHttp(backend, context.on_handler_error, context.declared, url)

    def admin_routes(self, backend: SigmaBackend, http: ApiHttp) -> AdminRoutes:
        return sigma_admin_routes(backend)

    def admin_operations(self) -> Mapping[tuple[str, str], AdminOperation]:
        return ADMIN_OPERATIONS

    def state_schema(self) -> dict[str, Any]:
        return STATE_SCHEMA

    def declared_routes(self) -> DeclaredRules:
        return RULES

    def openapi(self) -> dict[str, Any]:
        return sigma_openapi()

    def control(self, backend: SigmaBackend, http: ApiHttp) -> SigmaControl:
        assert isinstance(http, SigmaHttp)
        return SigmaControl(backend, http)

    def remote(self, admin: AdminClient) -> RemoteSigma:
        return RemoteSigma(admin)
