"""Schemathesis against the live server: both served OpenAPI documents, every
check, zero failures. Fix the server or the document, never the check."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.counts import count
from tests.route_tables import route_tables

TABLES = route_tables()

CLI = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))


def _run(server: Any, document: str, *extra: str, cwd: Path) -> str:
    result = subprocess.run(
        [
            CLI,
            "run",
            f"{server.url}/_authmock/openapi/{document}.json",
            "--url",
            server.url,
            "--checks",
            "all",
            "--max-examples",
            "40",
            "--seed",
            "20261122",
            "--no-color",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,  # schemathesis keeps a cache in its working directory
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"(\d+) generated, (\d+) passed", output)
    assert summary, output
    assert "failed" not in summary.group(0)
    if document in TABLES:
        # Every built-in route of the API's table was exercised (the document
        # describes exactly these: tests/test_openapi.py).
        tested = re.search(r"Tested: (\d+)", output)
        assert tested and int(tested.group(1)) == len(TABLES[document]), output
    count("schemathesis cases", int(summary.group(1)))
    return output


def _sigma_token(server: Any) -> str:
    response = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@sigma.io", "password": "admin"},
        timeout=10,
    )
    return str(response.json()["token"])


@pytest.mark.parametrize("document", TABLES)
def test_unauthenticated(authmock_server: Any, document: str, tmp_path: Path) -> None:
    _run(authmock_server, document, cwd=tmp_path)


def test_sigma_authenticated(authmock_server: Any, tmp_path: Path) -> None:
    token = _sigma_token(authmock_server)
    output = _run(authmock_server, "sigma", "-H", f"Authorization: Bearer {token}", cwd=tmp_path)
    assert "Authentication failed" not in output


def test_bigid_with_a_user_token(authmock_server: Any, tmp_path: Path) -> None:
    token = authmock_server.bigid.create_user_token("bigid")
    output = _run(authmock_server, "bigid", "-H", f"Authorization: {token}", cwd=tmp_path)
    assert "Authentication failed" not in output


def test_admin_document_on_its_own_server(tmp_path: Path) -> None:
    """The admin API resets, removes and restores: a server of its own, so no
    other test's state is touched. Valid-looking bodies naming users or
    deployments that do not exist are rightly refused (404, 400), so the
    positive-data check is the one left out."""
    from authmock import AuthMock

    with AuthMock(seed=7).serve() as server:
        _run(server, "admin", "--exclude-checks", "positive_data_acceptance", cwd=tmp_path)
