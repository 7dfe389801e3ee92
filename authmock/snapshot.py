"""Snapshots: everything one emulator holds as one versioned JSON document.

Data, secrets, key hashes (never a raw key), revocations, the clock's offset
or frozen instant, faults with their counts, the fault RNG's state and the
journal. :func:`restore` builds the whole new state before touching the
emulator, so a document of another version, or a damaged one, raises
:class:`SnapshotError` naming the problem and changes nothing.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from authmock import scenario as scenarios
from authmock.clock import MAX_EPOCH
from authmock.emulator import Emulator
from authmock.errors import Invalid
from authmock.faults import Fault, FaultError, parse_fault
from authmock.http.declared import DeclaredRoute, RouteError, declaring, parse_route
from authmock.journal import Call
from authmock.seed import seed_data

if TYPE_CHECKING:
    from authmock.apis import EmulatedApi

FORMAT = "authmock-snapshot"
VERSION = 1
SHA256 = re.compile(r"[0-9a-f]{64}")
_FAULT_ID = re.compile(r"fault-(\d+)")


class SnapshotError(Invalid):
    """A document that cannot be restored; ``str()`` names the field and the problem."""


@contextlib.contextmanager
def _locked(emulator: Emulator) -> Iterator[None]:
    """Every API's backend lock: a snapshot is one instant of all of them."""
    with contextlib.ExitStack() as stack:
        for backend in emulator.backends.values():
            lock = getattr(backend, "lock", None)
            if lock is not None:
                stack.enter_context(lock)
        yield


def snapshot(emulator: Emulator) -> dict[str, Any]:
    """The emulator's whole state as JSON-ready data."""
    with _locked(emulator):
        sections = {api.name: api.snapshot(emulator.backends[api.name]) for api in emulator.apis}
        return {
            "format": FORMAT,
            "version": VERSION,
            "seed": emulator.seed,
            "scenario": emulator.scenario,
            "clock": emulator.clock.export(),
            **sections,
            "faults": emulator.faults.export(),
            "routes": {
                api.name: [r.to_json() for r in emulator.routes.of(api.name)]
                for api in declaring(emulator.apis)
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


class Node:
    """A value of the document and where it is, for messages like
    ``snapshot: sigma.tenants[0].users[1].email: must be a string``."""

    def __init__(self, value: Any, where: str) -> None:
        self.value = value
        self.where = where

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, problem: str, key: str | None = None) -> SnapshotError:
        where = self.where if key is None else self._at(key)
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

    def child(self, key: str) -> Node:
        return Node(self.get(key, dict), self._at(key))

    def items(self, key: str) -> list[Node]:
        where = self._at(key)
        return [Node(v, f"{where}[{i}]") for i, v in enumerate(self.get(key, list))]

    def strings(self, key: str) -> list[str]:
        values = self.get(key, list)
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise self.fail("must be a string", f"{key}[{i}]")
        return list(values)


def check(node: Node, key: str, ok: Callable[[Any], object], problem: str, value: Any) -> Any:
    if not ok(value):
        raise node.fail(problem, key)
    return value


def epoch(node: Node, key: str, optional: bool = False) -> float | None:
    value = node.get(key, float, optional)
    if value is None:
        return None
    return float(check(node, key, lambda v: 0 <= v <= MAX_EPOCH, "is not a valid time", value))


def _faults(
    node: Node, apis: Sequence[EmulatedApi]
) -> tuple[tuple[Fault, ...], int, random.Random]:
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
            fault = parse_fault(data, fault_id, apis)
        except FaultError as exc:
            raise f.fail(str(exc)) from None
        fault.seen, fault.fired = seen, fired
        faults.append(fault)
    next_id = node.get("nextId", int)
    used = [int(m.group(1)) for f in faults if (m := _FAULT_ID.fullmatch(f.id))]
    check(
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


def _routes(root: Node, apis: Sequence[EmulatedApi]) -> dict[str, tuple[DeclaredRoute, ...]]:
    routes: dict[str, tuple[DeclaredRoute, ...]] = {api.name: () for api in declaring(apis)}
    if root.get("routes", dict, optional=True) is None:
        return routes  # a snapshot from before declared routes
    node = root.child("routes")
    for api in routes:
        parsed = []
        for r in node.items(api):
            try:
                parsed.append(parse_route(r.value, api, apis))
            except RouteError as exc:
                raise r.fail(exc.problem, exc.key) from None
        routes[api] = tuple(parsed)
    return routes


def _journal(root: Node) -> list[Call]:
    calls = []
    for c in root.items("journal"):
        c.get("method", str)  # an object, with the most basic field
        for key in ("headers", "response_headers"):
            value = c.value.get(key)
            if value is not None and not (
                isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            ):
                # Journaling would stumble on it (a TypeError: a 500).
                raise c.fail("must be an object of strings", key)
        try:
            calls.append(Call.from_json(c.value))
        except (KeyError, TypeError, ValueError) as exc:
            raise c.fail(f"is not a journal entry ({exc!r})") from None
    return calls


def _section(
    emulator: Emulator, api: EmulatedApi, root: Node, seed: int, scenario: Any
) -> Callable[[], None]:
    """An API's part of the restore. A document made where the API was not
    registered has no section for it: the API gets the document's seeded state."""
    backend = emulator.backends[api.name]
    if api.name not in root.value:
        seeded = seed_data(seed, scenario, emulator.apis).section(api.name)
        return lambda: api.load(backend, seeded)
    return api.restore(backend, root.child(api.name), emulator.clock)


def restore(emulator: Emulator, document: Any) -> None:
    """Replace the emulator's whole state with a snapshot's; nothing changes on error."""
    root = Node(document, "")
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
            scenario = scenarios.validate(
                root.get("scenario", dict), "snapshot: scenario", emulator.apis
            )
        except scenarios.ScenarioError as exc:
            raise SnapshotError(str(exc)) from None
    clock_node = root.child("clock")
    offset = clock_node.get("offset", float)
    check(clock_node, "offset", lambda v: abs(v) <= MAX_EPOCH, "is out of range", offset)
    frozen = epoch(clock_node, "frozen", optional=True)
    clock = emulator.clock
    commits = [_section(emulator, api, root, seed, scenario) for api in emulator.apis]
    faults, next_id, rng = _faults(root.child("faults"), emulator.apis)
    routes = _routes(root, emulator.apis)
    calls = _journal(root)

    # Everything is built and checked: now swap it in.
    with _locked(emulator):
        emulator.release()
        emulator.seed = seed
        emulator.scenario = scenario
        for commit in commits:
            commit()
        emulator.faults.restore(faults, next_id, rng)
        emulator.routes.replace(routes)
        emulator.journal.clear()
        for call in calls:
            emulator.journal.record(call)
        emulator.handler_errors.clear()
        clock.restore(offset, frozen)
