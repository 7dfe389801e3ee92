"""authmock: the Sigma PIM and BigID authentication APIs, emulated for tests."""

from authmock.mock import AuthMock
from authmock.remote import AdminApiError, RemoteAuthMock
from authmock.scenario import ScenarioError

__all__ = ["AdminApiError", "AuthMock", "RemoteAuthMock", "ScenarioError", "__version__"]
__version__ = "0.1.0"
