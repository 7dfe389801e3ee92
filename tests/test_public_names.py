"""What ``import authmock`` offers: the classes, exceptions and warning users catch."""

from __future__ import annotations

import warnings

import pytest

import authmock
from authmock import (
    AdminApiError,
    AdminBadRequest,
    AdminNotFound,
    AdminUnavailable,
    AuthMock,
    AuthmockWarning,
    FaultError,
    ScenarioError,
)


def test_every_exported_name_exists() -> None:
    assert sorted(authmock.__all__) == sorted(
        [
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
    )
    for name in authmock.__all__:
        assert getattr(authmock, name) is not None


def test_exceptions_are_the_ones_raised() -> None:
    mock = AuthMock()
    with pytest.raises(FaultError, match="fault field 'kind' must be one of"):
        mock.faults.add(kind="explode")
    with pytest.raises(ScenarioError, match="unknown key"):
        AuthMock(scenario={"colour": "red"})
    # The remote errors keep the in-process API's built-in bases.
    assert issubclass(FaultError, ValueError)
    assert issubclass(ScenarioError, ValueError)
    assert issubclass(AdminNotFound, AdminApiError) and issubclass(AdminNotFound, KeyError)
    assert issubclass(AdminBadRequest, ValueError)
    assert issubclass(AdminUnavailable, ConnectionError)


def test_warning_filter_by_public_name() -> None:
    assert issubclass(AuthmockWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=authmock.AuthmockWarning)
        with pytest.raises(AuthmockWarning):
            warnings.warn(AuthmockWarning("authmock: test"), stacklevel=1)
