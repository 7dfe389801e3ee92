"""What BigID adds to declared routes (see :mod:`authmock.http.declared`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from authmock.bigid.models import DNS_LABEL
from authmock.bigid.views import API_PREFIX as PREFIX
from authmock.bigid.views import BigidHttp
from authmock.http.declared import DeclaredRules, RouteError, matches, sample
from authmock.http.routes import Route


class BigidDeclaredRules(DeclaredRules):
    label = "BigID"
    fields: ClassVar[Mapping[str, Any]] = {
        "deployments": {"type": "array", "items": {"type": "string"}, "description": "BigID only"}
    }

    def builtins(self) -> Sequence[Route]:
        return BigidHttp.ROUTES

    def check_path(self, path: str) -> None:
        if not path.startswith(PREFIX):
            raise RouteError("path", f"BigID route paths start with {PREFIX}: {path!r}")

    def options(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        # The deployments the route answers on (None: all of them).
        deployments = spec.get("deployments")
        if deployments is not None:
            if not isinstance(deployments, list) or not all(
                isinstance(d, str) and DNS_LABEL.fullmatch(d) for d in deployments
            ):
                raise RouteError("deployments", "must be an array of deployment names ([a-z0-9-])")
            deployments = tuple(deployments)
        return {"deployments": deployments}

    def to_json(self, options: Mapping[str, Any]) -> dict[str, Any]:
        deployments = options["deployments"]
        return {} if deployments is None else {"deployments": list(deployments)}

    def summary(self, options: Mapping[str, Any]) -> str:
        return "Declared route (session or system token)"

    def shadows(self, method: str, path: str, other: DeclaredRules) -> str | None:
        # authmock serve sends a /api/v1 path to BigID when a BigID route matches
        # it: another API's endpoint on such a path would be lost.
        for route in other.builtins():
            if matches(path, sample(route.path)) or matches(route.path, sample(path)):
                return (
                    f"{path} matches {other.label}'s {route.method} {route.path}, which"
                    f" authmock serve would then send to {self.label}"
                )
        return None


RULES = BigidDeclaredRules()
