"""Grades out of nbgrader's gradebook: CSV export and the cohort report.

One module per concern, none imported here so ``import mlteam_utils.reports``
stays cheap (pandas and matplotlib load only when a function needs them):

- :mod:`~mlteam_utils.reports.gradebook_frames` reads the gradebook into pandas
  through :class:`nbgrader.api.Gradebook`;
- :mod:`~mlteam_utils.reports.item_analysis` computes difficulty and
  discrimination per question (pure pandas);
- :mod:`~mlteam_utils.reports.cohort_stats` computes completion, score
  distributions and the learners who are behind (pure pandas);
- :mod:`~mlteam_utils.reports.export` writes the wide and long grade CSVs;
- :mod:`~mlteam_utils.reports.lms_roster` reads the instructor's LMS roster and
  :mod:`~mlteam_utils.reports.lms_export` writes Canvas's and Moodle's grade import files;
- :mod:`~mlteam_utils.reports.cohort_report` writes the HTML report, its plots
  and its CSVs.
"""
