"""docs/admin-api.md: its ```sh blocks run, in order, against a live server
(curl and jq, `set -euo pipefail`: a failing call or a false `jq -e` fails)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from authmock import AuthMock

DOC = Path(__file__).resolve().parent.parent / "docs" / "admin-api.md"


def _blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl, jq")
def test_every_curl_example_runs_against_a_live_server() -> None:
    blocks = _blocks()
    assert len(blocks) >= 8
    with AuthMock(seed=7).serve() as server:
        for i, block in enumerate(blocks):
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", block],
                env={**os.environ, "AUTHMOCK": server.url},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, f"block {i + 1}:\n{block}\n{done.stdout}{done.stderr}"


def test_the_doc_covers_every_admin_route() -> None:
    """Each admin route appears in the doc: the paths of the served admin OpenAPI
    document, which tests/test_openapi.py checks against the route table."""
    text = DOC.read_text(encoding="utf-8")
    with AuthMock(seed=1):
        document = requests.get("https://api.sigma-pim.com/_authmock/openapi/admin.json").json()
    assert len(document["paths"]) >= 30
    for path in document["paths"]:
        # The doc names path parameters in camelCase as the APIs do (workspaceId).
        pattern = re.escape(path)
        pattern = re.sub(r"\\\{\w+\\\}", r"\\{\\w+\\}", pattern)
        assert re.search(pattern, text), path
