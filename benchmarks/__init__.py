"""Benchmarks: run on demand (`make bench`), never as tests; figures go to BENCHMARKS.md."""
