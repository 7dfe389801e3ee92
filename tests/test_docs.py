"""Docs examples are tests: every ```python block of README.md and docs/*.md runs,
the README's scenario files load, and every `authmock` command line in a ```sh block parses
(docs/admin-api.md's curl blocks run in tests/test_admin_doc.py)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_TEST = re.compile(r"^def test_\w+\(\w", re.M)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        if not doc.exists():
            continue
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)):
            # A pytest module whose tests take fixtures would only be defined by exec();
            # tests/test_plugin.py runs it through pytester instead.
            if not FIXTURE_TEST.search(block):
                found.append((f"{doc.name}#{i + 1}", block))
    return found


@pytest.mark.parametrize(("name", "code"), _blocks(), ids=[name for name, _ in _blocks()])
def test_doc_example_runs(name: str, code: str) -> None:
    exec(compile(code, name, "exec"), {"__name__": f"doc_{name}"})


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block


def _readme_toml() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_the_readme_scenario_file_loads_as_it_says(tmp_path: Path) -> None:
    from authmock import AuthMock

    path = tmp_path / "acme.toml"
    path.write_text(_readme_toml()[0])
    state = AuthMock(scenario=str(path)).state()
    assert state["seed"] == 7
    assert [t["workspaceId"] for t in state["sigma"]["tenants"]] == ["ws-acme"]
    assert state["sigma"]["tenants"][0]["users"][0]["email"] == "ops@acme.test"
    assert state["bigid"]["systemTokenTtl"] == 3600
    (deployment,) = state["bigid"]["deployments"]
    assert deployment["name"] == "acme"
    assert deployment["users"][0]["username"] == "scanner"


def test_the_readme_declared_routes_answer(tmp_path: Path) -> None:
    import requests

    from authmock import AuthMock

    path = tmp_path / "routes.toml"
    path.write_text(_readme_toml()[1])
    with AuthMock(seed=7, scenario=str(path)) as mock:
        system = mock.bigid.issue_system_token("bigid")
        connections = requests.get(
            f"{mock.bigid_url()}/ds-connections", headers={"Authorization": system}
        )
        assert connections.json() == {"data": {"ds_connections": []}}
        token = mock.sigma.issue_token("admin@sigma.io")
        product = requests.get(
            "https://api.sigma-pim.com/api/v1/products/p-1",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (product.status_code, product.json()) == (200, {"id": "p-1"})


def _authmock_commands() -> list[tuple[str, list[str]]]:
    found = []
    for doc in DOCS:
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                if words[:1] == ["authmock"]:
                    found.append((doc.name, [w for w in words[1:] if w != "&"]))
    return found


@pytest.mark.parametrize(("doc", "argv"), _authmock_commands(), ids=lambda v: str(v))
def test_doc_command_lines_parse(doc: str, argv: list[str]) -> None:
    """The shell examples that start a server are not run; their flags must exist."""
    from authmock.cli import _parser

    try:
        _parser().parse_args(argv)
    except SystemExit as exit:  # --help
        assert (exit.code, argv[-1]) == (0, "--help")


def test_the_docs_show_command_lines() -> None:
    assert len(_authmock_commands()) >= 9


def _curl_lines() -> list[tuple[str, str]]:
    """The docs' curl lines against `localhost:8080` (docs/admin-api.md runs on its own)."""
    found = []
    for doc in DOCS:
        if doc.name == "admin-api.md":
            continue
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S):
            found += [(doc.name, line) for line in block.splitlines() if line.startswith("curl ")]
    return found


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_doc_curl_lines_succeed_in_order_against_a_live_server() -> None:
    from authmock import AuthMock

    lines = _curl_lines()
    assert len(lines) >= 5
    with AuthMock(seed=7).serve() as server:
        address = server.url.removeprefix("http://")
        for doc, line in lines:
            command = "curl -sS --fail-with-body " + line.removeprefix("curl ")
            done = subprocess.run(
                ["bash", "-c", command.replace("localhost:8080", address)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, f"{doc}: {line}\n{done.stdout}{done.stderr}"
