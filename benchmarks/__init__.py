"""Performance figures for the course, printed by ``make bench``.

Each ``benchmarks/bench_*.py`` module defines ``main() -> None`` that measures one
thing and prints its figures, as ratios against a baseline run in the same
process or command where a target is set.
"""
