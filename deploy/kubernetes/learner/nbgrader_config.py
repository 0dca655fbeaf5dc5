"""nbgrader for a learner in a Kubernetes pod: the learner's id is the hub's name for them.

nbgrader takes a learner's id from the Unix account of the process (``pwd.getpwuid``), which a
pod running as the learner's own uid (deploy/kubernetes/values.yaml, mlteam_utils/hub/learner_uids.py)
does not have. JupyterHub names the user in every server's environment, so submit and
fetch_feedback use that. Read with deploy/jupyterhub/learner/nbgrader_config.py (the course id
and the exchange): values.yaml puts both folders on JUPYTER_CONFIG_PATH. Whatever id a learner
gives, the grader's collect checks that the hand-in is owned by that learner's uid.
"""

import os

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
