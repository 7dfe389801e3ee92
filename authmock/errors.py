"""The error every emulated API's rules raise: a status, the API's message, and
why (a :class:`~authmock.reasons.Refusal`, journaled but never sent)."""

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
