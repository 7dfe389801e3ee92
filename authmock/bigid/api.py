"""BigID as a registered API: its pieces, gathered for the registry."""

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
from authmock.bigid import scenario, snapshot
from authmock.bigid.admin import ADMIN_OPERATIONS, STATE_SCHEMA, bigid_admin_routes
from authmock.bigid.control import BigidControl
from authmock.bigid.declared import RULES
from authmock.bigid.listing import bigid_credentials, bigid_table, user_token_lines
from authmock.bigid.models import ERROR_STYLES, BigidBackend
from authmock.bigid.openapi import bigid_openapi
from authmock.bigid.remote import RemoteBigid
from authmock.bigid.seed import BigidSeed, generate
from authmock.bigid.views import BigidHttp
from authmock.clock import Clock
from authmock.http.declared import DeclaredRules
from authmock.remote.client import AdminClient
from authmock.snapshot import Node


class BigidApi(EmulatedApi):
    name = "bigid"
    title = "BigID"
    options: ClassVar[Mapping[str, str]] = {
        "bigid_errors": "errors",
        "bigid_system_token_ttl": "system_token_ttl",
    }
    scenario_schema: ClassVar[Mapping[str, Any]] = scenario.SCHEMA
    fault_200_message = True
    instance_options: ClassVar[Mapping[str, tuple[str, ...]]] = {"bigid_errors": ERROR_STYLES}

    def backend(self, clock: Clock, options: Mapping[str, Any]) -> BigidBackend:
        return BigidBackend(clock, options.get("errors", "spec"), options.get("system_token_ttl"))

    def snapshot(self, backend: BigidBackend) -> dict[str, Any]:
        return snapshot.export(backend)

    def restore(self, backend: BigidBackend, node: Node, clock: Clock) -> Callable[[], None]:
        return snapshot.restore(backend, node, clock)

    def seed(self, seeding: Seeding, section: Mapping[str, Any]) -> BigidSeed:
        return generate(seeding, dict(section))  # type: ignore[arg-type]

    def validate_scenario(self, section: Mapping[str, Any], fail: Fail) -> None:
        scenario.validate(section, fail)

    def scenario_from_state(self, section: dict[str, Any]) -> dict[str, Any]:
        return scenario.from_state(section)

    def credentials(self, seed: BigidSeed, http: ApiHttp) -> dict[str, Any]:
        return bigid_credentials(seed)

    def credentials_table(self, document: Mapping[str, Any], base_url: str | None) -> list[str]:
        return bigid_table(document["bigid"], base_url)

    def serve_lines(self, control: Any) -> list[str]:
        return user_token_lines(control)

    def add_cli_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--bigid-errors",
            choices=ERROR_STYLES,
            default="spec",
            help="BigID error bodies: the documented shapes (spec) or what production sends",
        )
        parser.add_argument(
            "--bigid-system-ttl",
            type=int,
            default=None,
            metavar="SECONDS",
            help="lifetime of BigID system tokens (default: the scenario's, else 86400)",
        )

    def cli_options(self, args: argparse.Namespace) -> dict[str, Any]:
        if args.bigid_system_ttl is not None and args.bigid_system_ttl <= 0:
            raise ValueError("--bigid-system-ttl must be a positive number of seconds")
        return {
            "bigid_errors": args.bigid_errors,
            "bigid_system_token_ttl": args.bigid_system_ttl,
        }

    def set_option(self, control: Any, keyword: str, value: str) -> None:
        assert keyword == "bigid_errors"
        control.errors = value

    def http(self, backend: BigidBackend, context: HttpContext) -> BigidHttp:
        return BigidHttp(backend, context.on_handler_error, context.declared)

    def admin_routes(self, backend: BigidBackend, http: ApiHttp) -> AdminRoutes:
        return bigid_admin_routes(backend)

    def admin_operations(self) -> Mapping[tuple[str, str], AdminOperation]:
        return ADMIN_OPERATIONS

    def state_schema(self) -> dict[str, Any]:
        return STATE_SCHEMA

    def declared_routes(self) -> DeclaredRules:
        return RULES

    def openapi(self) -> dict[str, Any]:
        return bigid_openapi()

    def control(self, backend: BigidBackend, http: ApiHttp) -> BigidControl:
        assert isinstance(http, BigidHttp)
        return BigidControl(backend, http)

    def remote(self, admin: AdminClient) -> RemoteBigid:
        return RemoteBigid(admin)
