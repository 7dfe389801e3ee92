"""Snapshots: everything one emulator holds as one versioned JSON document.

Data, secrets, key hashes (never a raw key), revocations, the clock's offset
or frozen instant, faults with their counts, the fault RNG's state and the
journal. :func:`restore` builds the whole new state before touching the
emulator, so a document of another version, or a damaged one, raises
:class:`SnapshotError` naming the problem and changes nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from authmock import scenario as scenarios
from authmock.bigid.models import BigidUser, Deployment, check_deployment_name, check_style
from authmock.clock import MAX_EPOCH
from authmock.emulator import Emulator
from authmock.errors import Invalid
from authmock.faults import Fault, FaultError, parse_fault
from authmock.http.declared import DeclaredRoute, RouteError, parse_route
from authmock.journal import Call
from authmock.sigma.models import ROLES, ApiKey, SigmaBackend, Tenant, User, normal_email
from authmock.tokens import TokenCodec

FORMAT = "authmock-snapshot"
VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FAULT_ID = re.compile(r"fault-(\d+)")


class SnapshotError(Invalid):
    """A document that cannot be restored; ``str()`` names the field and the problem."""


def snapshot(emulator: Emulator) -> dict[str, Any]:
    """The emulator's whole state as JSON-ready data."""
    sigma, bigid = emulator.sigma, emulator.bigid
    with sigma.lock, bigid.lock:
        tenants = [
            {
                "workspaceId": t.workspace_id,
                "name": t.name,
                "users": [
                    {
                        "id": u.id,
                        "email": u.email,
                        "password": u.password,
                        "name": u.name,
                        "roleId": u.role_id,
                        "quickLogin": u.quick_login,
                    }
                    for u in t.users.values()
                ],
                "apiKeys": [
                    {
                        "id": k.id,
                        "name": k.name,
                        "permissions": list(k.permissions),
                        "hash": k.hash,
                        "createdAt": k.created_at,
                        "active": k.active,
                        "lastUsedAt": k.last_used_at,
                    }
                    for k in t.keys.values()
                ],
            }
            for t in sigma.tenants.values()
        ]
        deployments = [
            {
                "name": d.name,
                "secret": d.codec.secret,
                "users": [
                    {
                        "username": u.username,
                        "password": u.password,
                        "firstName": u.first_name,
                        "lastName": u.last_name,
                        "email": u.email,
                        "role": u.role,
                        # Revoked with the user when it is removed.
                        "userTokens": sorted(u.tokens),
                    }
                    for u in d.users.values()
                ],
                "revoked": sorted(d.revoked),
                "seededTokenTtls": dict(d.seeded_ttls),
                "loadedAt": d.loaded_at,
            }
            for d in bigid.deployments.values()
        ]
        return {
            "format": FORMAT,
            "version": VERSION,
            "seed": emulator.seed,
            "scenario": emulator.scenario,
            "clock": emulator.clock.export(),
            "sigma": {"secret": sigma.codec.secret, "tenants": tenants},
            "bigid": {
                "errors": bigid.errors,
                "systemTokenTtl": bigid.system_ttl,
                "defaultDeployment": bigid.default_deployment,
                "deployments": deployments,
            },
            "faults": emulator.faults.export(),
            "routes": {
                api: [r.to_json() for r in emulator.routes.of(api)] for api in ("sigma", "bigid")
            },
            "journal": [c.to_json() for c in emulator.journal],
        }


# -- reading a document ----------------------------------------------------------------
_KINDS: dict[Any, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
    dict: "an object",
}


class _Node:
    """A value of the document and where it is, for messages like
    ``snapshot: sigma.tenants[0].users[1].email: must be a string``."""

    def __init__(self, value: Any, where: str) -> None:
        self.value = value
        self.where = where

    def fail(self, problem: str, key: str | None = None) -> SnapshotError:
        where = self.where if key is None else f"{self.where}.{key}" if self.where else key
        return SnapshotError(f"snapshot: {where or 'top level'}: {problem}")

    def get(self, key: str, kind: type, optional: bool = False) -> Any:
        if not isinstance(self.value, dict):
            raise self.fail("must be an object")
        if key not in self.value or self.value[key] is None:
            if optional:
                return None
            raise self.fail("is missing", key)
        value = self.value[key]
        ok = isinstance(value, (int, float) if kind is float else kind)
        if isinstance(value, bool) and kind is not bool:
            ok = False
        if not ok:
            raise self.fail(f"must be {_KINDS[kind]}", key)
        return float(value) if kind is float else value

    def child(self, key: str) -> _Node:
        where = f"{self.where}.{key}" if self.where else key
        return _Node(self.get(key, dict), where)

    def items(self, key: str) -> list[_Node]:
        where = f"{self.where}.{key}" if self.where else key
        return [_Node(v, f"{where}[{i}]") for i, v in enumerate(self.get(key, list))]

    def strings(self, key: str) -> list[str]:
        values = self.get(key, list)
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise self.fail("must be a string", f"{key}[{i}]")
        return list(values)


def _check(node: _Node, key: str, ok: Callable[[Any], object], problem: str, value: Any) -> Any:
    if not ok(value):
        raise node.fail(problem, key)
    return value


def _epoch(node: _Node, key: str, optional: bool = False) -> float | None:
    value = node.get(key, float, optional)
    if value is None:
        return None
    return float(_check(node, key, lambda v: 0 <= v <= MAX_EPOCH, "is not a valid time", value))


def _sigma(node: _Node, clock: Any) -> tuple[TokenCodec, dict[str, Tenant], dict[str, ApiKey]]:
    secret = _check(node, "secret", bool, "must not be empty", node.get("secret", str))
    codec = TokenCodec(secret, clock, SigmaBackend.CLAIMS)
    tenants: dict[str, Tenant] = {}
    by_hash: dict[str, ApiKey] = {}
    for t in node.items("tenants"):
        workspace = t.get("workspaceId", str)
        if workspace in tenants:
            raise t.fail(f"duplicate workspace '{workspace}'", "workspaceId")
        tenant = tenants[workspace] = Tenant(workspace, t.get("name", str))
        for u in t.items("users"):
            role = u.get("roleId", str)
            _check(u, "roleId", lambda r: r in ROLES, f"unknown role '{role}'", role)
            user = User(
                u.get("id", str),
                u.get("email", str),
                u.get("password", str),
                u.get("name", str),
                role,
                u.get("quickLogin", bool),
                workspace,
            )
            if user.id in tenant.users or normal_email(user.email) in tenant.by_email:
                raise u.fail(f"duplicate user '{user.id}' / '{user.email}'")
            tenant.users[user.id] = user
            tenant.by_email[normal_email(user.email)] = user
        for k in t.items("apiKeys"):
            digest = k.get("hash", str)
            _check(k, "hash", _SHA256.fullmatch, "must be a SHA-256 in hex", digest)
            key = ApiKey(
                k.get("id", str),
                k.get("name", str),
                k.strings("permissions"),
                digest,
                _epoch(k, "createdAt") or 0.0,
                workspace,
                k.get("active", bool),
                _epoch(k, "lastUsedAt", optional=True),
            )
            if key.id in tenant.keys or digest in by_hash:
                raise k.fail(f"duplicate API key '{key.id}'")
            tenant.keys[key.id] = key
            by_hash[digest] = key
    return codec, tenants, by_hash


def _bigid(node: _Node, clock: Any, claims: dict[str, type]) -> dict[str, Deployment]:
    deployments: dict[str, Deployment] = {}
    for d in node.items("deployments"):
        name = d.get("name", str)
        try:
            check_deployment_name(name)
        except Invalid as exc:
            raise d.fail(str(exc), "name") from None
        if name in deployments:
            raise d.fail(f"duplicate deployment '{name}'", "name")
        secret = _check(d, "secret", bool, "must not be empty", d.get("secret", str))
        deployment = deployments[name] = Deployment(name, TokenCodec(secret, clock, claims))
        for u in d.items("users"):
            user = BigidUser(
                u.get("username", str),
                u.get("password", str),
                u.get("firstName", str),
                u.get("lastName", str),
                u.get("email", str),
                u.get("role", str),
            )
            if user.username in deployment.users:
                raise u.fail(f"duplicate user '{user.username}'", "username")
            if u.get("userTokens", list, optional=True) is not None:
                for digest in u.strings("userTokens"):
                    _check(u, "userTokens", _SHA256.fullmatch, "must hold SHA-256 digests", digest)
                    user.tokens.add(digest)
            deployment.users[user.username] = user
        for digest in d.strings("revoked"):
            _check(d, "revoked", _SHA256.fullmatch, "must hold SHA-256 digests in hex", digest)
            deployment.revoked.add(digest)
        ttls = d.get("seededTokenTtls", dict)
        for username, ttl in ttls.items():
            if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
                raise d.fail("must be positive integers", f"seededTokenTtls.{username}")
            if username in deployment.users:
                deployment.seeded_ttls[username] = ttl
        deployment.loaded_at = int(_epoch(d, "loadedAt") or 0)
    return deployments


def _faults(node: _Node) -> tuple[tuple[Fault, ...], int, random.Random]:
    faults = []
    for f in node.items("faults"):
        fault_id = f.get("id", str)
        data = dict(f.value)
        del data["id"]
        seen, fired = data.pop("seen", 0), data.pop("fired", 0)
        for key, count in (("seen", seen), ("fired", fired)):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise f.fail("must be a non-negative integer", key)
        try:
            fault = parse_fault(data, fault_id)
        except FaultError as exc:
            raise f.fail(str(exc)) from None
        fault.seen, fault.fired = seen, fired
        faults.append(fault)
    next_id = node.get("nextId", int)
    used = [int(m.group(1)) for f in faults if (m := _FAULT_ID.fullmatch(f.id))]
    _check(
        node, "nextId", lambda n: n > max(used, default=0), "must be above every fault id", next_id
    )
    state = node.get("rng", list)
    rng = random.Random()
    try:
        version, internal, gauss = state
        rng.setstate((version, tuple(internal), gauss))
    except (TypeError, ValueError, OverflowError):  # a word out of range: OverflowError
        raise node.fail("is not a random generator state", "rng") from None
    return tuple(faults), next_id, rng


def _routes(root: _Node) -> dict[str, tuple[DeclaredRoute, ...]]:
    routes: dict[str, tuple[DeclaredRoute, ...]] = {"sigma": (), "bigid": ()}
    if root.get("routes", dict, optional=True) is None:
        return routes  # a snapshot from before declared routes
    node = root.child("routes")
    for api in routes:
        parsed = []
        for r in node.items(api):
            try:
                parsed.append(parse_route(r.value, api))
            except RouteError as exc:
                raise r.fail(exc.problem, exc.key) from None
        routes[api] = tuple(parsed)
    return routes


def _journal(root: _Node) -> list[Call]:
    calls = []
    for c in root.items("journal"):
        c.get("method", str)  # an object, with the most basic field
        try:
            calls.append(Call.from_json(c.value))
        except (KeyError, TypeError, ValueError) as exc:
            raise c.fail(f"is not a journal entry ({exc!r})") from None
    return calls


def restore(emulator: Emulator, document: Any) -> None:
    """Replace the emulator's whole state with a snapshot's; nothing changes on error."""
    root = _Node(document, "")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f'not an authmock snapshot (no "format": "{FORMAT}")')
    version = document.get("version")
    if version != VERSION:
        raise SnapshotError(
            f"snapshot version {version!r} is not supported (this authmock reads version {VERSION})"
        )
    seed = root.get("seed", int)
    scenario = document.get("scenario")
    if scenario is not None:
        try:
            scenario = scenarios.validate(root.get("scenario", dict), "snapshot: scenario")
        except scenarios.ScenarioError as exc:
            raise SnapshotError(str(exc)) from None
    clock_node = root.child("clock")
    offset = clock_node.get("offset", float)
    _check(clock_node, "offset", lambda v: abs(v) <= MAX_EPOCH, "is out of range", offset)
    frozen = _epoch(clock_node, "frozen", optional=True)
    clock = emulator.clock
    codec, tenants, by_hash = _sigma(root.child("sigma"), clock)
    bigid_node = root.child("bigid")
    try:
        errors = check_style(bigid_node.get("errors", str))
    except Invalid as exc:
        raise bigid_node.fail(str(exc), "errors") from None
    ttl = bigid_node.get("systemTokenTtl", int)
    _check(bigid_node, "systemTokenTtl", lambda v: v > 0, "must be positive", ttl)
    deployments = _bigid(bigid_node, clock, emulator.bigid.CLAIMS)
    default = bigid_node.get("defaultDeployment", str, optional=True)
    if default is not None and default not in deployments:
        raise bigid_node.fail(f"no deployment '{default}'", "defaultDeployment")
    faults, next_id, rng = _faults(root.child("faults"))
    routes = _routes(root)
    calls = _journal(root)

    # Everything is built and checked: now swap it in.
    sigma, bigid = emulator.sigma, emulator.bigid
    with sigma.lock, bigid.lock:
        emulator.release()
        emulator.seed = seed
        emulator.scenario = scenario
        sigma.codec = codec
        sigma.tenants = tenants
        sigma._keys_by_hash = by_hash
        bigid.errors = errors
        bigid.system_ttl = ttl
        bigid.deployments = deployments
        bigid.default_deployment = default
        emulator.faults.restore(faults, next_id, rng)
        emulator.routes.replace(routes)
        emulator.journal.clear()
        for call in calls:
            emulator.journal.record(call)
        emulator.handler_errors.clear()
        clock.restore(offset, frozen)
