"""What every part of the admin API shares: its error envelope, typed body
fields and handler markers. API folders import this, never the admin router."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from authmock.http.exchange import Reply, json_reply

AdminHandler = Callable[..., Reply]
H = TypeVar("H", bound=AdminHandler)


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def admin_error(status: int, message: str) -> Reply:
    code = {
        400: "BAD_REQUEST",
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        413: "PAYLOAD_TOO_LARGE",
        415: "UNSUPPORTED_MEDIA_TYPE",
        500: "INTERNAL_ERROR",
    }
    return json_reply(status, {"error": code.get(status, "ERROR"), "message": message})


def field(body: Any, name: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    """A field of an admin JSON body, type-checked (bool never counts as a number)."""
    if not isinstance(body, dict):
        raise AdminError(400, "request body must be a JSON object")
    value = body.get(name)
    if value is None:
        if required:
            raise AdminError(400, f"'{name}' is required")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise AdminError(400, f"'{name}' has the wrong type")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def takes_query(handler: H) -> H:
    """Mark an admin handler that takes ``query``: the URL query as a dict."""
    handler.takes_query = True  # type: ignore[attr-defined]
    return handler


def takes_environ(handler: H) -> H:
    """Mark an admin handler that takes ``environ`` (e.g. for the request's host)."""
    handler.takes_environ = True  # type: ignore[attr-defined]
    return handler
