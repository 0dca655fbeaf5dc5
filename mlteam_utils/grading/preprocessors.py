"""The nbgrader preprocessors this course adds (names used in ``nbgrader_config.py``)."""

from mlteam_utils.grading.code_questions import HandOverCodeAnswers, ScoreCodeAnswers
from mlteam_utils.grading.instructor_cells import RemoveInstructorCells
from mlteam_utils.grading.markup import NeutralizeLearnerMarkup
from mlteam_utils.grading.missing_cells import OverwriteCellsKeepingOrder
from mlteam_utils.grading.tracebacks import ShortenTracebacks
from mlteam_utils.grading.widget_scores import ApplyWidgetScores, ScoreWidgetAnswers

__all__ = [
    "ApplyWidgetScores",
    "HandOverCodeAnswers",
    "NeutralizeLearnerMarkup",
    "OverwriteCellsKeepingOrder",
    "RemoveInstructorCells",
    "ScoreCodeAnswers",
    "ScoreWidgetAnswers",
    "ShortenTracebacks",
]
