"""Path patterns with ``*`` globs, shared by fault matching and journal filters.

Patterns come from users of the admin API, so matching must never backtrack:
a regex such as ``.*a.*a.*b`` takes exponential time on a long path and holds
the GIL, freezing every thread of the server. Since ``*`` is the only
wildcard, greedy left-to-right search for each literal piece decides a match
(the classic linear wildcard algorithm): each piece is searched once, from
where the previous one ended.
"""

from __future__ import annotations

from collections.abc import Callable

from authmock.errors import Invalid

PathMatcher = Callable[[str], bool]

# Longer patterns are refused: no real path needs more, and it bounds the work.
MAX_PATTERN_LENGTH = 1024


class PatternError(Invalid):
    """A pattern that cannot be used; ``str()`` says why."""


def check_pattern(pattern: str, what: str = "path pattern") -> str:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"{what} is {len(pattern)} characters long (at most {MAX_PATTERN_LENGTH})"
        )
    return pattern


def path_matcher(pattern: str, what: str = "path pattern") -> PathMatcher:
    """A predicate for ``pattern``: ``*`` matches any run of characters, within
    and across segments; everything else is literal. A trailing slash does not
    matter (the routers treat ``/x`` and ``/x/`` alike). :class:`PatternError`
    (an :class:`~authmock.errors.Invalid`) when the pattern is over :data:`MAX_PATTERN_LENGTH`."""
    pattern = _strip_slash(check_pattern(pattern, what))
    if "*" not in pattern:
        # The common case: a literal path is a string comparison.
        return lambda path: _strip_slash(path) == pattern
    first, *middle, last = pattern.split("*")
    pieces = tuple(piece for piece in middle if piece)
    fixed = len(first) + len(last)

    def matches(path: str) -> bool:
        path = _strip_slash(path)
        if len(path) < fixed or not path.startswith(first) or not path.endswith(last):
            return False
        pos, end = len(first), len(path) - len(last)
        for piece in pieces:
            # The leftmost match leaves the most room for the pieces after it.
            found = path.find(piece, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
        return True

    return matches


def _strip_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path
