"""authmock: the Sigma PIM and BigID authentication APIs, emulated for tests."""

from authmock.errors import AuthmockWarning, Invalid, NotFound
from authmock.faults import FaultError
from authmock.mock import AuthMock
from authmock.remote import (
    AdminApiError,
    AdminBadRequest,
    AdminNotFound,
    AdminUnavailable,
    RemoteAuthMock,
)
from authmock.scenario import ScenarioError

__all__ = [
    "AdminApiError",
    "AdminBadRequest",
    "AdminNotFound",
    "AdminUnavailable",
    "AuthMock",
    "AuthmockWarning",
    "FaultError",
    "Invalid",
    "NotFound",
    "RemoteAuthMock",
    "ScenarioError",
    "__version__",
]
__version__ = "0.1.0"
