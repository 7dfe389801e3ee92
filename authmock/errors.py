"""The error every emulated API's rules raise, and authmock's own warning category."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class AuthmockWarning(UserWarning):
    """A test used authmock in a way that is probably a mistake (e.g. a fault never fired).

    ``-W error::authmock.AuthmockWarning`` turns these into failures.
    """
