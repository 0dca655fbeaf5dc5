"""The nbgrader preprocessors this course adds (names used in ``nbgrader_config.py``)."""

from mlteam_utils.grading.code_questions import HandOverCodeAnswers, ScoreCodeAnswers
from mlteam_utils.grading.empty_written import ScoreEmptyWrittenAnswers
from mlteam_utils.grading.feedback_page import DescribeFeedbackCells
from mlteam_utils.grading.hide_machinery import HideMachinery
from mlteam_utils.grading.instructor_cells import RemoveInstructorCells
from mlteam_utils.grading.mark_scheme import PresentMarkScheme, RevealMarkScheme
from mlteam_utils.grading.markup import NeutralizeLearnerMarkup
from mlteam_utils.grading.tracebacks import ShortenTracebacks
from mlteam_utils.grading.widget_scores import ApplyWidgetScores, ScoreWidgetAnswers
from mlteam_utils.grading.written_answers import FillWrittenAnswers
from mlteam_utils.upstream.overwrite_cells import OverwriteCellsKeepingOrder

__all__ = [
    "ApplyWidgetScores",
    "DescribeFeedbackCells",
    "FillWrittenAnswers",
    "HandOverCodeAnswers",
    "HideMachinery",
    "NeutralizeLearnerMarkup",
    "OverwriteCellsKeepingOrder",
    "PresentMarkScheme",
    "RevealMarkScheme",
    "RemoveInstructorCells",
    "ScoreCodeAnswers",
    "ScoreEmptyWrittenAnswers",
    "ScoreWidgetAnswers",
    "ShortenTracebacks",
]
