"""Grading extensions for nbgrader: widget answers scored in the grader's process,
and feedback that shows no hidden tests."""
