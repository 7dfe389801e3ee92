"""Scenario files: loading (TOML or JSON) and validation.

Every problem is reported as one :class:`ScenarioError` naming the file, the
key and what is wrong, e.g. ``acme.toml: sigma.tenants[0].users[1].email:
duplicate email 'ops@acme.test' in tenant 'ws-acme'``.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from authmock.errors import Invalid

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from authmock.apis import EmulatedApi, names, registered_apis


class ScenarioError(Invalid):
    """An invalid scenario; ``str()`` is the one line to show a user."""


# A tiny schema language: a type, a nested dict schema, or a one-item list of
# a schema. Keys ending in "!" are required. Strings must not be blank, except
# MAYBE_EMPTY ones ("" is how the state and `tenants --json` say "none").
MAYBE_EMPTY = "string, may be empty"
_TYPE_NAMES = {int: "an integer", str: "a string", bool: "true or false", dict: "a table/object"}


def _check(value: Any, schema: Any, where: str, fail: Any) -> None:
    if isinstance(schema, dict):
        if not isinstance(value, Mapping):
            fail(where, "must be a table/object")
        allowed = {k.rstrip("!"): k.endswith("!") for k in schema}
        for key in value:
            if key not in allowed:
                fail(f"{where}.{key}" if where else str(key), "unknown key")
        for key, required in allowed.items():
            path = f"{where}.{key}" if where else key
            if key in value:
                _check(value[key], schema[key + "!" if required else key], path, fail)
            elif required:
                fail(path, "is required")
    elif isinstance(schema, list):
        if not isinstance(value, list):
            fail(where, "must be an array")
        for i, item in enumerate(value):
            _check(item, schema[0], f"{where}[{i}]", fail)
    elif schema is MAYBE_EMPTY:
        if not isinstance(value, str):
            fail(where, "must be a string")
    else:
        ok = isinstance(value, schema) and not (schema is int and isinstance(value, bool))
        if not ok:
            fail(where, f"must be {_TYPE_NAMES[schema]}")
        if schema is str and not value.strip():
            fail(where, "must not be empty")


def schema(apis: Sequence[EmulatedApi]) -> dict[str, Any]:
    """The whole scenario schema: ``seed`` and each API's section."""
    out: dict[str, Any] = {"seed": int}
    for api in apis:
        if api.scenario_schema:
            out[api.name] = dict(api.scenario_schema)
    return out


def validate(
    data: Any, source: str = "scenario", apis: Sequence[EmulatedApi] | None = None
) -> dict[str, Any]:
    """Check a scenario's shape and rules; return it unchanged when valid."""
    apis = _apis(apis)

    def fail(where: str, problem: str) -> NoReturn:
        raise ScenarioError(f"{source}: {where or 'top level'}: {problem}")

    _check(data, schema(apis), "", fail)
    from authmock.http.declared import RouteError, parse_route

    for api in apis:
        section = data.get(api.name)
        if section is None:
            continue
        for r, route in enumerate(section.get("routes", [])):
            try:
                parse_route(route, api.name, apis)
            except RouteError as exc:
                fail(f"{api.name}.routes[{r}].{exc.key}", exc.problem)

        def fail_in(where: str, problem: str, prefix: str = api.name) -> NoReturn:
            fail(f"{prefix}.{where}", problem)

        api.validate_scenario(section, fail_in)
    return dict(data)


def _apis(apis: Sequence[EmulatedApi] | None) -> Sequence[EmulatedApi]:
    if apis is not None:
        return apis
    return registered_apis()


def from_state(
    state: Mapping[str, Any], apis: Sequence[EmulatedApi] | None = None
) -> dict[str, Any]:
    """``GET /_authmock/state`` (or ``mock.state()``) as a scenario: the same
    data without its run-time-only fields. Raw API keys are never in the
    state, so loading it mints new ones (``tenants --json`` keeps them)."""
    scenario: dict[str, Any] = json.loads(json.dumps(dict(state)))  # a deep copy
    for api in _apis(apis):
        if api.name in scenario:
            scenario[api.name] = api.scenario_from_state(scenario[api.name])
    return scenario


# A file's identity (path, inode, mtime, size); a result also depends on the APIs.
CacheKey = tuple[str, int, int, int]
_FILE_CACHE: dict[tuple[CacheKey, tuple[str, ...]], dict[str, Any]] = {}
# No scenario needs more; a bound also keeps /dev/zero or a huge file out of memory.
MAX_SCENARIO_BYTES = 1024 * 1024


def bundled_dir() -> Path:
    """Scenario files shipped with the package (``fixtures/`` in a checkout)."""
    here = Path(__file__).resolve().parent
    inside = here / "fixtures"
    return inside if inside.is_dir() else here.parent / "fixtures"


def bundled(name: str) -> Path | None:
    """The bundled scenario called ``name`` (``acme`` or ``acme.toml``), if any."""
    if not name or name != Path(name).name or name.startswith("."):
        return None
    names = [name] if Path(name).suffix in (".toml", ".json") else [f"{name}.toml", f"{name}.json"]
    for candidate in names:
        path = bundled_dir() / candidate
        if path.is_file():
            return path
    return None


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().iterdir() if p.suffix in (".toml", ".json"))


def bundled_hint() -> str:
    return f"bundled scenarios: {', '.join(bundled_names())}"


def resolve(name: str | os.PathLike[str]) -> Path:
    """A path, or the name of a bundled scenario (``acme`` -> fixtures/acme.toml)."""
    path = Path(name)
    if path.exists() or path.suffix:
        return path
    return bundled(str(name)) or path


def resolve_within(name: str, directory: str | os.PathLike[str] | None) -> Path | None:
    """What the admin API may read for ``name``: a bundled scenario, or a file
    inside ``directory`` (after following links); None for anything else, so
    a caller cannot learn what exists outside."""
    found = bundled(name)
    if found is not None:
        return found
    if directory is None or not name or "\0" in name:
        return None
    root = Path(directory).resolve()
    try:
        candidate = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if candidate == root or not candidate.is_relative_to(root):
        return None
    return candidate


def read_text(path: Path, cached: Callable[[CacheKey], bool] = lambda key: False) -> str | None:
    """A scenario file's text: at most :data:`MAX_SCENARIO_BYTES`, regular
    files only (a device or FIFO would block or never end). None, without
    reading, when ``cached`` says the file's key is known."""
    label = path.name
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        hint = f"; {bundled_hint()}" if isinstance(exc, FileNotFoundError) else ""
        raise ScenarioError(f"{path}: cannot read scenario file ({exc.strerror}){hint}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(f"{label}: not a regular file")
        if info.st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{label}: scenario file over {MAX_SCENARIO_BYTES} bytes")
        if cached((str(path.resolve()), info.st_ino, info.st_mtime_ns, info.st_size)):
            return None
        try:
            raw = file.read(MAX_SCENARIO_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(f"{label}: cannot read scenario file ({exc.strerror})") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{label}: scenario file over {MAX_SCENARIO_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{label}: cannot read scenario file ({exc})") from None


def parse(text: str, label: str, suffix: str) -> Any:
    """TOML or JSON text as data; every parser failure is a one-line ScenarioError."""
    kind = {".toml": "TOML", ".json": "JSON"}.get(suffix)
    if kind is None:
        raise ScenarioError(f"{label}: scenario files must end in .toml or .json")
    try:
        if kind == "TOML":
            return tomllib.loads(text)
        # NaN and Infinity are not JSON.
        return json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise ScenarioError(f"{label}: invalid {kind} (nested too deeply)") from None
    except ValueError as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        message = str(exc)
        if "integer string conversion" in message:
            # Python 3.11+ refuses to parse integers of more than 4300 digits.
            message = "an integer has too many digits"
        raise ScenarioError(f"{label}: invalid {kind} ({message})") from None


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load(
    source: str | os.PathLike[str] | Mapping[str, Any],
    apis: Sequence[EmulatedApi] | None = None,
) -> dict[str, Any]:
    """A validated scenario from a path (TOML/JSON), a bundled name, or a dict."""
    apis = _apis(apis)
    if isinstance(source, Mapping):
        return validate(dict(source), apis=apis)
    path = resolve(source)
    if path.suffix not in (".toml", ".json"):
        if not path.exists():
            raise ScenarioError(
                f"{path.name}: no such scenario file or bundled scenario; {bundled_hint()}"
            )
        raise ScenarioError(f"{path.name}: scenario files must end in .toml or .json")
    known = names(apis)
    seen: list[CacheKey] = []

    def cached(key: CacheKey) -> bool:
        seen.append(key)
        return (key, known) in _FILE_CACHE

    text = read_text(path, cached)
    if text is None:
        return _FILE_CACHE[seen[0], known]
    result = validate(parse(text, path.name, path.suffix), path.name, apis)
    _FILE_CACHE[seen[0], known] = result
    return result
