"""Run every ``benchmarks/bench_*.py`` (each defines ``run() -> list[Ratio]``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks.common import Ratio


def main(only: list[str]) -> int:
    results: list[Ratio] = []
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("bench_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        print(f"# {info.name}", flush=True)
        for ratio in module.run():
            print(ratio.line(), flush=True)
            results.append(ratio)
    missed = [r for r in results if not r.ok]
    print(f"{len(results) - len(missed)} of {len(results)} ratios within target")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
