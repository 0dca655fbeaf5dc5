"""Grading a cohort: parallel autograding, feedback and their bookkeeping.

Each concern lives in its own module: :mod:`.submissions` finds what learners
handed in, :mod:`.gradebook_merge` copies one graded submission into the course
gradebook in one transaction, :mod:`.workers` runs nbgrader's autograder in
worker processes, :mod:`.progress` draws the progress line, :mod:`.grade` ties
them together and :mod:`.feedback` produces and releases the feedback.
"""
