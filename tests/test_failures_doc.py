"""Every Python example in docs/failures.md runs, and does what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "failures.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[tuple[str, str]]:
    """(heading above the block, code) for each ```python block."""
    text = DOC.read_text(encoding="utf-8")
    blocks = []
    for match in BLOCK.finditer(text):
        headings = re.findall(r"^## (.+)$", text[: match.start()], re.MULTILINE)
        blocks.append((headings[-1] if headings else "intro", match.group(1)))
    return blocks


def test_the_doc_has_the_named_failures() -> None:
    code = "\n".join(block for _, block in python_blocks())
    assert "mock.clock.advance(86401)" in code
    assert "expires_in=-1" in code
    assert 'mock.faults.add(path="/api/v1/auth/refresh", status=401, times=1)' in code
    assert 'mock.sigma.remove_workspace("ws-sigma")' in code
    assert len(python_blocks()) >= 10


@pytest.mark.parametrize(
    "code", [code for _, code in python_blocks()], ids=[h for h, _ in python_blocks()]
)
def test_example_runs(code: str) -> None:
    # A fresh namespace per block: each example stands on its own.
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_failures_example"})
