"""What Sigma adds to declared routes (see :mod:`authmock.http.declared`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from authmock.http.declared import DeclaredRules, RouteError, same_paths
from authmock.http.routes import Route
from authmock.sigma.models import PERMISSIONS
from authmock.sigma.views import SigmaHttp


class SigmaDeclaredRules(DeclaredRules):
    label = "Sigma"
    fields: ClassVar[Mapping[str, Any]] = {
        "permission": {"type": "string", "description": "Sigma only"}
    }

    def builtins(self) -> Sequence[Route]:
        return SigmaHttp.ROUTES

    def options(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        # What the route needs of an API key (a session may do anything).
        permission = spec.get("permission", "read")
        if permission not in PERMISSIONS:
            raise RouteError(
                "permission",
                f"unknown permission {permission!r} (one of {', '.join(PERMISSIONS)})",
            )
        return {"permission": permission}

    def to_json(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return {"permission": options["permission"]}

    def summary(self, options: Mapping[str, Any]) -> str:
        return f"Declared route (needs {options['permission']!r})"

    def shadows(self, method: str, path: str, other: DeclaredRules) -> str | None:
        # Sigma answers the paths no other API claims: one of theirs goes to them.
        for route in other.builtins():
            if same_paths(path, route.path):
                return (
                    f"{path} is {other.label}'s {route.path}: authmock serve would send it"
                    f" to {other.label}"
                )
        return None


RULES = SigmaDeclaredRules()
