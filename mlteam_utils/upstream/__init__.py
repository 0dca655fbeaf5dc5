"""Every place this course touches nbgrader's or Jupyter's internals, and nothing else.

nbgrader and Jupyter offer documented settings for most of what the course needs
(``nbgrader_config.py``). Where they do not, the course reaches into an upstream class
or module here, in one small module per touch point, each with a contract test
(``tests/test_upstream_contracts.py``) that fails as soon as the upstream behaviour
it relies on changes. Upgrading nbgrader means reading this package and running those
tests first. Errors are told apart by exception type; where upstream gives only a
message, the message is one constant here, and its contract test makes upstream say it.

Each module, what it relies on, and its contract test(s) (``test_contract_...`` unless named):

* :mod:`.gradebook`: nbgrader's ``Gradebook`` with connections checked before use and a
  session that recovers when PostgreSQL restarts, and the formgrader made to use it
  (``Gradebook.__init__``'s engine and session, ``BaseHandler.gradebook``):
  ``..._gradebook_builds_its_engine_and_session_in_init_as_adapted``,
  ``..._the_formgrader_builds_its_gradebook_by_the_name_we_replace``,
  ``..._nbgrader_s_own_gradebook_still_breaks_when_postgres_restarts``.
* :mod:`.late_submit`: nbgrader's ``ExchangeSubmit`` (through ``c.ExchangeFactory.submit``),
  warning a learner whose submission is after the due date (``timestamp`` set before
  ``copy_files``; the Assignments tab shows no log):
  ``..._the_late_notice_reads_the_timestamp_submit_writes``,
  ``..._the_assignments_tab_shows_nothing_of_a_successful_submit_s_log``.
* :mod:`.step_config`: the configuration of every nbgrader step the course runs in-process
  (``grade`` and its workers, ``selfgrade``, ``release``, ``feedback``): nbgrader's own
  application object, configured but not started, as the converter's parent, as
  ``<App>.start`` builds it: ``..._nbgrader_s_own_command_gives_its_converter_what_step_application_gives``
  (and ``tests/test_step_config.py``).
* :mod:`.converter_run`: a converter run that keeps the exceptions nbgrader catches and logs
  inside its ``except`` blocks (``BaseConverter.convert_notebooks``), and nbgrader's generic
  error lines (:data:`.converter_run.GENERIC_ERRORS`):
  ``..._a_failed_submission_s_exception_is_kept_and_nbgrader_s_other_error_lines_are_generic``.
* :mod:`.kernel_start`: jupyter_client's ``RuntimeError`` messages for a kernel that never
  answered (the grading worker retries it once):
  ``..._a_kernel_that_never_answers_fails_with_jupyter_client_s_runtime_error``.
* :mod:`.changed_assignment`: ``generate_assignment``'s ``NbGraderException`` for an assignment
  whose notebooks changed after learners submitted (``mlteam-course grade`` explains it):
  ``..._generate_assignment_refuses_to_change_an_assignment_with_submissions``.
* :mod:`.overwrite_cells`: ``OverwriteCells.add_missing_grade_cells``/``add_missing_task_cells``
  overridden (upstream raises ``KeyError``):
  ``..._nbgrader_s_overwrite_cells_still_crashes_on_a_test_cell_after_a_widget_cell``.
* :mod:`.exchange_collect`: ``ExchangeCollect``'s ``init_src``, ``copy_files``, ``do_copy``
  and ``start`` replaced (``SafeExchangeCollect`` in ``mlteam_utils.cohort.collect``):
  ``..._collect_s_steps_and_attributes_are_the_ones_safe_collect_replaces``
  (and ``tests/test_safe_collect.py``).
* :mod:`.gradebook_schema`: ``nbgrader.api.Base.metadata``'s tables and the columns of a
  submission's rows, which the cohort's merge copies:
  ``..._the_gradebook_tables_the_merge_copies_are_nbgrader_s``
  (every column: ``tests/test_gradebook_schema.py``).
* :mod:`.gradebook_creation`: a new SQLite gradebook without an ``alembic`` process
  (``Base.metadata``, the head of ``nbgrader.dbutil.ALEMBIC_DIR``'s scripts) and a
  submission made with ``Gradebook.db``'s autoflush off:
  ``..._a_gradebook_made_in_this_process_is_one_nbgrader_opens_as_its_own``.
* :mod:`.nbgrader_utils`: ``parse_utc``, ``is_grade``, ``temp_attrs`` and the feedback page
  name (``notebook_hash``) from the undocumented ``nbgrader.utils``:
  ``..._the_nbgrader_utils_the_course_uses``.

Handled elsewhere: :mod:`mlteam_utils.grading.isolation` and
:mod:`mlteam_utils.grading.provisioner` (the grading kernel's sandbox, a kernel provisioner).
Still outside (they cannot import this package): :mod:`mlteam_utils.start_page`, a learner-side
module that reads submission times with ``nbgrader.utils.parse_utc``.
Documented extension points, not touch points: the course's preprocessors
(``NbGraderPreprocessor`` subclasses named in ``nbgrader_config.py``), the ``Gradebook`` API and
its models, ``c.ExchangeFactory.*``.
"""
