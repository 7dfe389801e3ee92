"""Path patterns with ``*`` globs, shared by fault matching and journal filters."""

from __future__ import annotations

import re
from collections.abc import Callable

PathMatcher = Callable[[str], bool]


def path_matcher(pattern: str) -> PathMatcher:
    """A predicate for ``pattern``: ``*`` matches any run of characters, within
    and across segments; everything else is literal. A trailing slash does not
    matter (the routers treat ``/x`` and ``/x/`` alike)."""
    pattern = _strip_slash(pattern)
    if "*" not in pattern:
        # The common case: a literal path is a string comparison, not a regex.
        return lambda path: _strip_slash(path) == pattern
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
    return lambda path: regex.fullmatch(_strip_slash(path)) is not None


def _strip_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path
