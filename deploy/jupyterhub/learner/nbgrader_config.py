"""nbgrader for a learner on the course hub: the course id and the shared exchange, nothing more.

The hub passes both in the learner server's environment (jupyterhub_config.py). A learner's
server never reads the grader's course folder, whose solutions/ it may not read.
"""

import os

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file
c.CourseDirectory.course_id = os.environ["MLTEAM_HUB_COURSE_ID"]
c.Exchange.root = os.environ["MLTEAM_HUB_EXCHANGE_ROOT"]
# A submission after the exercise's due date (the syllabus's [due]) is told it is late
# (mlteam_utils/upstream/late_submit.py); the learner's copy of the course holds the syllabus.
c.ExchangeFactory.submit = "mlteam_utils.upstream.late_submit.LateNoticeSubmit"
