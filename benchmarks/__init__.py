"""Benchmark scripts (run as files, e.g. ``python benchmarks/dump.py``)."""
