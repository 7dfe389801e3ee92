"""Hypothesis strategies shared by the fuzz tests of both APIs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import example
from hypothesis import strategies as st

from authmock.http.routes import Route

T = TypeVar("T", bound=Callable[..., Any])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def bodies(fields: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Raw bytes, any JSON, and objects with some of the endpoint's own fields."""
    almost_right = st.fixed_dictionaries({}, optional=fields)
    return (
        st.binary(max_size=200)
        | json_values.map(lambda v: json.dumps(v).encode())
        | almost_right.map(lambda v: json.dumps(v).encode())
    )


def paths(known: list[str], prefix: str, max_size: int) -> st.SearchStrategy[str]:
    """The API's own paths, and arbitrary ones under ``prefix``."""
    text = st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters="?#%"),
        max_size=max_size,
    )
    # Never "//x": werkzeug's test client would read it as a host.
    return st.sampled_from(known) | text.map(lambda p: prefix + p.lstrip("/"))


def concrete(rule: str, value: str = "x") -> str:
    """A path a werkzeug rule matches: every ``<placeholder>`` as ``value``."""
    return re.sub(r"<[^<>]*>", value, rule)


def route_paths(routes: tuple[Route, ...], value: str = "x") -> list[str]:
    """One concrete path per built-in route path, from the API's route table
    (so a route added there is fuzzed with no edit here)."""
    return list(dict.fromkeys(concrete(r.path, value) for r in routes))


def every_route(routes: tuple[Route, ...], value: str = "x", **fixed: Any) -> Callable[[T], T]:
    """An explicit example per built-in route (its method on its path), so
    every run of the fuzzer calls every route at least once."""

    def apply(test: T) -> T:
        for route in routes:
            test = example(method=route.method, path=concrete(route.path, value), **fixed)(test)
        return test

    return apply
