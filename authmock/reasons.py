"""Why authmock refused a request: a fixed set of reason codes and a sentence.

The API's answer stays byte-identical to the real one; the reason goes to the
journal (``Call.reason`` / ``Call.detail``), the pytest report and, only when
asked for, an ``X-Authmock-Reason`` response header. The rules (token codec,
Sigma and BigID models) raise errors carrying a :class:`Refusal`; the views
pass it on with the reply and the engine records it. docs/journal.md has the
table with an example of each.
"""

from __future__ import annotations

from dataclasses import dataclass

# Code -> what it means (docs/journal.md shows the same table).
REASONS: dict[str, str] = {
    "missing_credentials": "no token, API key or Authorization header was sent",
    "malformed_token": "not a JWT authmock could issue: bad shape, header, claims or scheme",
    "bad_signature": "a well-formed token signed with another secret (or another deployment's)",
    "expired": "the token's exp has passed on the emulator's clock",
    "not_yet_valid": "the token's iat lies in the future on the emulator's clock",
    "wrong_token_type": "a session/system token where a user token is needed, or vice versa",
    "revoked": "a BigID user token that was revoked",
    "user_not_found": "the token's user no longer exists",
    "workspace_not_found": "the Sigma workspace does not exist (or was removed)",
    "deployment_not_found": "the BigID deployment does not exist (or was removed)",
    "bad_credentials": "wrong email/username or password",
    "key_unknown": "no such API key (never created, deleted, or its workspace removed)",
    "key_inactive": "the API key was deactivated",
    "permission_denied": "authenticated, but the role or key lacks the permission",
    "invalid_request": "the request itself is wrong: a 400, unknown route, method or size",
    "fault": "an injected fault answered; the detail names it",
    "handler_error": "a route handler raised (a bug): a 500; the detail names the exception",
}


MAX_DETAIL = 300


def clip(value: str, limit: int = 60) -> str:
    """A value the client sent, short enough to quote in a detail."""
    return value if len(value) <= limit else value[: limit - 3] + "..."


@dataclass(frozen=True)
class Refusal:
    """A reason code from :data:`REASONS` and a sentence with the numbers that matter."""

    reason: str
    detail: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason {self.reason!r} (known: {', '.join(REASONS)})")
        if len(self.detail) > MAX_DETAIL:
            # Details quote the request (an email, a path): a 1 MiB one must not fill the journal.
            object.__setattr__(self, "detail", self.detail[: MAX_DETAIL - 3] + "...")

    def header(self) -> str:
        """The ``X-Authmock-Reason`` value: printable ASCII on one line."""
        text = f"{self.reason}: {self.detail}"
        safe = text.encode("ascii", "backslashreplace").decode("ascii")
        return "".join(c if " " <= c <= "~" else " " for c in safe)[:1000]


def json_kind(value: object) -> str:
    """The JSON name of a decoded value's type, for details ("an array", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__
