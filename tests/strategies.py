"""Hypothesis strategies shared by the fuzz tests of both APIs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

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
