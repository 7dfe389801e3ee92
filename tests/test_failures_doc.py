"""docs/failures.md shows the named failures; tests/test_docs.py runs every
```python block of it (as of every docs/*.md), so the examples cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "failures.md"


def test_the_doc_has_the_named_failures_as_runnable_examples() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    code = "\n".join(blocks)
    assert "mock.clock.advance(86401)" in code
    assert "expires_in=-1" in code
    assert 'mock.faults.add(path="/api/v1/auth/refresh", status=401, times=1)' in code
    assert 'mock.sigma.remove_workspace("ws-sigma")' in code
    for kind in ("reset", "timeout", "malformed"):
        assert f'kind="{kind}"' in code
    for field in ("after=", "delay=", "probability=", "tenant=", 'path="/api/v1/*"'):
        assert field in code
