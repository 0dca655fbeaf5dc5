"""Hostile Markdown stays linear: inert_markdown plus rendering, on 1x and 4x the input.

Unclosed math openers make nbconvert's own lazy regexes quadratic; the course's
rewrite must keep the whole path linear. Measured as a ratio in the same process:
the time for 4x the input over the time for 1x. Linear work gives about 4, quadratic
about 16. Target: at most 8 for every hostile shape.
"""

from __future__ import annotations

import statistics
import time

from mlteam_utils.grading.markup import inert_markdown, render_markdown_like_nbconvert

RUNS = 5
TARGET = 8.0
SHAPES = {
    "unclosed \\\\[": lambda n: "\\\\[ a " * n,
    "unclosed \\begin": lambda n: "\\begin{a} x " * n,
    "unclosed \\\\(": lambda n: "\\\\( a " * n,
    "lone $ per paragraph": lambda n: "$ a\n\n" * (n // 2),
    "open brackets": lambda n: "[" * n + "](" * n,
    "open angle brackets": lambda n: "<" * (2 * n),
}
SIZE = 5000


def seconds(text: str) -> float:
    started = time.perf_counter()
    render_markdown_like_nbconvert(inert_markdown(text))
    return time.perf_counter() - started


def main() -> None:
    print(f"time for 4x the input / time for 1x (median of {RUNS}; linear ~4, quadratic ~16):")
    worst = 0.0
    for name, make in SHAPES.items():
        small, large = make(SIZE), make(4 * SIZE)
        seconds(small)  # warm up
        ratio = statistics.median(seconds(large) / seconds(small) for _ in range(RUNS))
        worst = max(worst, ratio)
        print(f"  {name:<24} {ratio:5.1f}")
    verdict = "OK" if worst <= TARGET else "OVER TARGET"
    print(f"worst growth ratio: {worst:.1f} (target <= {TARGET}) {verdict}")
