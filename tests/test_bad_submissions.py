"""A cohort's worst: the corpus of bad submissions graded in one batch with honest ones.

See tests/corpus/bad_submissions.py for the kinds and the outcome each must get.
The batch runs with grading isolation (the default of `mlteam-course grade`).
"""

from __future__ import annotations

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


def test_the_corpus_has_every_class_of_attack(report: CorpusReport) -> None:
    assert len(report.verdicts) >= 43
    assert {"broken file", "tampered", "runaway", "noise", "answers file", "cheat", "left behind", "special file",
            "interpreter", "markup", "network"} <= {v.kind.group for v in report.verdicts}


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


def test_links_and_special_files_are_never_followed_and_never_block(report: CorpusReport) -> None:
    handled = [v for v in report.special_files if v.ok]
    assert len(report.special_files) >= 8 and handled == report.special_files, "\n" + report.table()


def test_feedback_for_the_whole_batch_completes_without_a_stray_file_or_a_leak(report: CorpusReport) -> None:
    assert report.feedback_completed, report.feedback_output
    assert report.feedback_problems == []


def test_no_learner_markup_is_live_in_feedback_or_autograded_notebooks(report: CorpusReport) -> None:
    assert report.live_markup == []


def test_learner_code_reaches_no_network(report: CorpusReport) -> None:
    assert report.network_reached == 0


def test_extra_names_handed_over_gain_nothing_on_any_exercise(report: CorpusReport) -> None:
    """Every exercise's code question, with the forum trick that sends the doctored data too:
    exactly the wrong answer's score, and that is less than full points."""
    from corpus.hand_over import table
    from mlteam_utils.syllabus import load_syllabus

    exercises = len(load_syllabus().available_modules)  # ten since module 10 (issue 28)
    assert len(report.hand_over) == exercises and all(v.ok for v in report.hand_over), "\n" + table(report.hand_over)
