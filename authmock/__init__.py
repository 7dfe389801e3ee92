"""authmock: the Sigma PIM and BigID authentication APIs, emulated for tests."""

from authmock import apis
from authmock.bigid.api import BigidApi
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
from authmock.sigma.api import SigmaApi
from authmock.version import __version__

# The built-in APIs, in this order: the seeded data of every seed depends on it.
apis.register(SigmaApi())
apis.register(BigidApi())

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
