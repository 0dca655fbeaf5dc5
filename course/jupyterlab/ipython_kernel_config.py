"""IPython settings for the kernels of the course's venv (`make install` copies this file to
.venv/etc/ipython/, where IPython looks for its kernels' settings).

A lesson's kernel imports matplotlib's pyplot while the learner reads the page, so the
lesson's setup cell finds it loaded (mlteam_utils/kernel_warm_up.py says how, and why no
lesson's output changes). Other kernels (start page, exercises, grading) load the
extension but do nothing with it.
"""

c = get_config()  # noqa: F821 -- injected by traitlets when it loads this file

c.InteractiveShellApp.extensions.append("mlteam_utils.kernel_warm_up")
