"""What the course adds to JupyterHub's own process on Kubernetes (the hub pod), standard library only.

Zero to JupyterHub's hub image does not install this package: ``learner_uids.py`` is handed to the
hub pod as a file of its own (``hub.extraFiles`` in deploy/kubernetes/values.yaml, filled with
``helm --set-file``), so nothing here imports the rest of ``mlteam_utils`` or anything outside
Python's standard library.
"""
