"""authmock: the Sigma PIM and BigID authentication APIs, emulated for tests."""

from authmock.mock import AuthMock
from authmock.scenario import ScenarioError

__all__ = ["AuthMock", "ScenarioError", "__version__"]
__version__ = "0.1.0"
