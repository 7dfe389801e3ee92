"""BigID's section of a scenario file: ``[bigid]`` with deployments and users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authmock.apis import Fail
from authmock.bigid.models import DNS_LABEL
from authmock.scenario import MAYBE_EMPTY

SCHEMA: dict[str, Any] = {
    "system_token_ttl": int,
    "systemTokenTtl": int,  # the same, spelt as GET /_authmock/state spells it
    "routes": [dict],
    "deployments": [
        {
            "name!": str,
            "url": str,  # informational, as sigma.url
            "secret": str,
            "users": [
                {
                    "username!": str,
                    "password!": str,
                    "firstName": MAYBE_EMPTY,
                    "lastName": MAYBE_EMPTY,
                    "email": MAYBE_EMPTY,
                    "role": str,
                    "userTokenDays": int,
                }
            ],
        }
    ],
}
# What GET /_authmock/state has that describes the running emulator, not its data.
RUN_TIME_FIELDS = ("errors", "defaultDeployment")


def validate(section: Mapping[str, Any], fail: Fail) -> None:
    if "system_token_ttl" in section and "systemTokenTtl" in section:
        fail("systemTokenTtl", "give system_token_ttl or systemTokenTtl, not both")
    for spelling in ("system_token_ttl", "systemTokenTtl"):
        ttl = section.get(spelling)
        if ttl is not None and ttl <= 0:
            fail(spelling, "must be a positive number of seconds")
    names: set[str] = set()
    for d, dep in enumerate(section.get("deployments", [])):
        name = dep["name"]
        if not DNS_LABEL.fullmatch(name):
            fail(f"deployments[{d}].name", f"'{name}' is not a DNS label ([a-z0-9-])")
        if name in names:
            fail(f"deployments[{d}].name", f"duplicate deployment '{name}'")
        names.add(name)
        users: set[str] = set()
        for u, user in enumerate(dep.get("users", [])):
            if user["username"] in users:
                fail(
                    f"deployments[{d}].users[{u}].username",
                    f"duplicate username '{user['username']}' in deployment '{name}'",
                )
            users.add(user["username"])
            days = user.get("userTokenDays")
            if days is not None and not 1 <= days <= 999:
                fail(f"deployments[{d}].users[{u}].userTokenDays", "must be 1 to 999")


def from_state(section: dict[str, Any]) -> dict[str, Any]:
    for name in RUN_TIME_FIELDS:
        section.pop(name, None)
    return section
