"""A cohort's worst: the corpus of bad submissions graded in one batch with honest ones.

See tests/corpus/bad_submissions.py for the kinds and the outcome each must get.
The batch runs with grading isolation (the default of `mlteam-course grade`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import require_optional
from corpus.run_corpus import CorpusReport, run_corpus
from mlteam_utils.grading.isolation import isolation_status

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> CorpusReport:
    status = isolation_status()
    require_optional(status.available, "grading isolation (bubblewrap)", "apt-get install bubblewrap; " + status.reason)
    return run_corpus(tmp_path_factory.mktemp("corpus"), isolation=True)


def test_the_corpus_has_at_least_twenty_kinds(report: CorpusReport) -> None:
    assert len(report.verdicts) >= 20
    assert {"broken file", "tampered", "runaway", "noise", "answers file", "cheat"} <= {v.kind.group for v in report.verdicts}


def test_the_batch_completes_with_an_outcome_for_everyone(report: CorpusReport) -> None:
    assert report.batch_completed, report.batch_output


def test_honest_grades_equal_their_grades_when_graded_alone(report: CorpusReport) -> None:
    assert report.honest_total == 3 and report.honest_unchanged == report.honest_total, report.batch_output


def test_every_bad_submission_gets_its_expected_outcome(report: CorpusReport) -> None:
    wrong = [v for v in report.verdicts if not v.ok]
    assert not wrong, "\n" + report.table()


def test_every_failure_says_why(report: CorpusReport) -> None:
    for verdict in report.verdicts:
        if verdict.outcome == "failed":
            assert verdict.reason and len(verdict.reason) > 10, verdict


def test_nothing_outside_a_submissions_own_folder_changes(report: CorpusReport) -> None:
    assert report.changed_outside == []
