"""Reliability figures: the corpus of bad submissions graded in one batch.

Runs ``tests/corpus`` (50 kinds of broken, tampered, runaway, noisy and hostile
submissions of exercise 1, plus three honest ones, and the hand-over
class on every exercise) through
``mlteam-course grade --jobs 2`` with grading isolation, and prints:
kinds tried, whether the batch completed, honest grades unchanged n/n, cheats
contained n/n, files changed outside the sandbox, special files handled n/n,
whether feedback for the whole batch completed, leaks in released feedback,
live learner markup, network reach, and each kind's outcome.

Run with ``python -m benchmarks reliability``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from corpus.run_corpus import main_figures
    from mlteam_utils.grading.isolation import isolation_status

    status = isolation_status()
    print(f"isolation: {status.reason}")
    report = main_figures(isolation=status.available)
    print(report.figures())
    print()
    print(report.table())
    from corpus.hand_over import table

    print()
    print("hand-over of extra names (code-question points; the trick must equal the wrong answer):")
    print(table(report.hand_over))
    if report.changed_outside:
        print("changed outside the sandbox:", *report.changed_outside, sep="\n  ")
    if report.live_markup or report.feedback_problems:
        print("live markup or feedback problems:", *report.live_markup, *report.feedback_problems, sep="\n  ")
    if not report.batch_completed or any(not v.ok for v in report.verdicts) or not report.feedback_completed \
            or report.live_markup or report.feedback_problems or report.network_reached \
            or not all(v.ok for v in report.hand_over):
        raise RuntimeError("the corpus did not get the expected outcomes")


if __name__ == "__main__":
    main()
