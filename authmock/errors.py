"""authmock's errors: the one every emulated API's rules raise (a status, the
API's message, and why: a :class:`~authmock.reasons.Refusal`, journaled but
never sent); the typed errors of the control layer (:class:`NotFound`,
:class:`Invalid`), the only ones the admin API answers as a 404 or a 400 (any
other exception is a bug: a 500, re-raised to the test); and authmock's own
warning category."""

from __future__ import annotations

from authmock.reasons import Refusal


class ApiError(Exception):
    """An API's refusal; its HTTP layer (``Endpoints.handle``) answers it in the
    API's envelope with ``error`` (the envelope's code, if it has one), ``message``
    and ``headers``, and journals ``refusal``."""

    error: str | None = None

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


class NotFound(KeyError):
    """No such workspace, user, deployment, fault...: a 404 from the admin API.

    A ``KeyError`` as well, as lookups of the Python API always were.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # KeyError's str() quotes its argument; the admin API sends the sentence.
        self.message = message


class Invalid(ValueError):
    """A call or a document authmock cannot honour, named in the message: a 400
    from the admin API (a ``ValueError`` as well; ``FaultError``, ``ScenarioError``
    and the other validation errors are ``Invalid``)."""


class AuthmockWarning(UserWarning):
    """A test used authmock in a way that is probably a mistake (e.g. a fault never fired).

    ``-W error::authmock.AuthmockWarning`` turns these into failures.
    """
