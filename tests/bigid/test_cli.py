"""BigID in the CLI: the credentials table, `tenants --json`, and `serve`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from authmock.cli import main
from tests.bigid.helpers import BAD_TOKEN, HTML_TYPE, SEEDED_ADMIN, claims, failure

ROOT = Path(__file__).resolve().parents[2]
SERVE_FLAGS = ["--bigid-errors", "production", "--bigid-system-ttl", "600"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "authmock", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tenants_json_lists_bigid_and_is_identical_across_runs() -> None:
    first, second = run("tenants", "--seed", "5", "--json"), run("tenants", "--seed", "5", "--json")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    bigid = json.loads(first.stdout)["bigid"]
    assert bigid["deployments"][0] == {
        "name": "sandbox",
        "url": "https://sandbox.bigid.tools/api/v1",
        "users": [
            {**SEEDED_ADMIN, "userTokenDays": 30},
            bigid["deployments"][0]["users"][1],
        ],
    }
    other = bigid["deployments"][1]
    assert other["url"] == f"https://{other['name']}.bigid.com/api/v1"
    # Tokens are signed with a per-process secret: a listing that does not serve has none.
    assert "eyJ" not in first.stdout


def test_tenants_table_shows_deployments_users_and_passwords(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tenants", "--scenario", "acme"]) == 0
    out = capsys.readouterr().out
    assert "BigID acme  https://acme.bigid.com/api/v1" in out
    assert re.search(r"^ +scanner +s3cret +admin$", out, re.M)
    assert "eyJ" not in out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--bigid-system-ttl", "0"], "--bigid-system-ttl must be a positive number of seconds"),
        (["--bigid-errors", "prod"], "invalid choice: 'prod'"),
    ],
)
def test_bad_bigid_flags_exit_2_with_one_line(flags: list[str], message: str) -> None:
    result = run("serve", "--port", "0", *flags)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_prints_working_user_tokens_and_honours_bigid_flags() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "authmock", "serve", "--port", "0", "--seed", "7", *SERVE_FLAGS],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("authmock listening on "):
                break
        url = lines[-1].removeprefix("authmock listening on ")
        table = "\n".join(lines)
        assert f"BigID sandbox  {url}/bigid/sandbox/api/v1  (and {url}/api/v1)" in table
        tokens = dict(re.findall(r"^ +([a-z0-9-]+/[a-z0-9.]+) +(eyJ\S+)$", table, re.M))
        assert len(tokens) == 4 and "sandbox/bigid" in tokens

        for name, token in tokens.items():
            deployment = name.split("/")[0]
            response = requests.get(
                f"{url}/bigid/{deployment}/api/v1/refresh-access-token",
                headers={"Authorization": token},
                timeout=10,
            )
            system = response.json()["systemToken"]
            assert claims(system)["exp"] - claims(system)["iat"] == 600
        bad = requests.get(
            f"{url}/api/v1/refresh-access-token", headers={"Authorization": "x"}, timeout=10
        )
        assert (bad.status_code, bad.headers["Content-Type"]) == (200, HTML_TYPE)
        assert bad.json() == failure(BAD_TOKEN)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
