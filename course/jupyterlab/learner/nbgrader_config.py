"""nbgrader settings for the learner's JupyterLab (`make lab`), which serves my-work/.

nbgrader's Assignments tab reads nbgrader_config.py from the server's folder and from
Jupyter's config path. my-work/ has none, and this folder is on the config path of
`make lab`: it loads the course's own settings (course id, exchange folder).
"""

from pathlib import Path

load_subconfig(str(Path(__file__).resolve().parents[3] / "nbgrader_config.py"))  # noqa: F821 -- given by traitlets
