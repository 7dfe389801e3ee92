"""Docs examples are tests: every ```python block of the README runs."""

from __future__ import annotations

import re
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
