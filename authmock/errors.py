"""The error every emulated API's rules raise (a status, the API's message, and
why: a :class:`~authmock.reasons.Refusal`, journaled but never sent), and
authmock's own warning category."""

from __future__ import annotations

from authmock.reasons import Refusal


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        reason: str,
        detail: str,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.refusal = Refusal(reason, detail)


class AuthmockWarning(UserWarning):
    """A test used authmock in a way that is probably a mistake (e.g. a fault never fired).

    ``-W error::authmock.AuthmockWarning`` turns these into failures.
    """
