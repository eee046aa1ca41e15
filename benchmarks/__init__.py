"""Benchmarks and the corpus scorer: run each as `python -m benchmarks.NAME` from the repository.

They measure the product through its public names only; figures go to stdout and into
benchmarks/README.md and docs/design-perf.md. Nothing here ships with the package.
"""
