"""Counts the suite reports at the end (fuzz examples, forged tokens, ...).

Each process (xdist worker) writes its own file; the controller adds them up
in ``pytest_terminal_summary`` (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent.parent / ".pytest-counts"
_COUNTS: Counter[str] = Counter()


def count(name: str, n: int = 1) -> None:
    _COUNTS[name] += n
    DIRECTORY.mkdir(exist_ok=True)
    (DIRECTORY / f"{os.getpid()}.json").write_text(json.dumps(_COUNTS))


def collect() -> Counter[str]:
    total: Counter[str] = Counter()
    if DIRECTORY.is_dir():
        for path in DIRECTORY.glob("*.json"):
            total.update(json.loads(path.read_text()))
    return total


def clear() -> None:
    if DIRECTORY.is_dir():
        for path in DIRECTORY.glob("*.json"):
            path.unlink()
