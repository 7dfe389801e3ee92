"""On-demand benchmarks: ``python -m benchmarks`` prints every ratio."""
