# mlteam-course: `make lab` runs the course, `make test` runs the tests.
# Both create .venv with the machine's python3 and install the project on first use;
# a second run with nothing changed installs nothing.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
PYTEST_ARGS ?=

BIN       := $(VENV)/bin
STAMP     := $(VENV)/.mlteam-installed
# The test tools (pyproject's `test` extra: pytest, nbval, Playwright, axe-core, mypy,
# ruff ...) come on top, for `make test` and `make lint`.
TEST_STAMP := $(VENV)/.mlteam-test-installed
# JupyterLab reads default overrides from <prefix>/share/jupyter/lab/settings; the
# project's copy turns off the news and update pop-ups for every server run from .venv.
OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
# IPython reads its kernels' settings from <prefix>/etc/ipython: the project's copy has a
# lesson's kernel import matplotlib while the learner reads (mlteam_utils/kernel_warm_up.py).
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py

# Tools installed into the venv (alembic, jupyter, nbgrader) must be on PATH:
# nbgrader shells out to `alembic` when it creates a gradebook.
export PATH := $(abspath $(BIN)):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Python keeps each module's compiled bytecode beside it (__pycache__, git-ignored) unless
# PYTHONDONTWRITEBYTECODE is set, as CI images and tool sandboxes do: then every kernel, grader
# and nbgrader run compiles its libraries from source again, several CPU seconds each.
unexport PYTHONDONTWRITEBYTECODE

ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install install-test install-hub hub-env hub-course hub lab instructor selfgrade progress certificate verify lint test test-fast bench release clean

help:
	@echo "make lab     - start JupyterLab on http://127.0.0.1:$(PORT) (set PORT=... to change)"
	@echo "make instructor - the same, with nbgrader's instructor tools (formgrader, Create Assignment)"
	@echo "make selfgrade EXERCISE=ex01 - score your own copy of an exercise, with feedback (self-learners)"
	@echo "make progress - your progress, module by module: lesson checks tried and right, exercise answers"
	@echo "make certificate NAME=\"Your Name\" - your self-graded certificate, once you completed the course"
	@echo "make verify CODE=... PDF=... - check a certificate: its code, its PDF, or both"
	@echo "make hub-env - as root: the hub's environment in HUB_PREFIX (/opt/mlteam), for every user, without keys"
	@echo "make hub-course COURSE_DIR=DIR GRADER=USER REPO=URL - as root: the grader's closed clone and the learners' copy"
	@echo "make hub     - the course on JupyterHub, as root (deploy/jupyterhub/README.md)"
	@echo "make test    - run the whole test suite (after make lint)"
	@echo "make test-fast - the inner loop: make lint, then no browser, no real-nbgrader grading runs, no slow integration tests, on every core"
	@echo "make lint    - type-check (mypy) and lint (ruff) the code"
	@echo "make bench   - print the performance figures"
	@echo "make release - regenerate exercises/ from solutions/"
	@echo "make clean   - remove .venv and nbgrader's runtime folders"

install: $(STAMP) $(OVERRIDES) $(KERNEL_CONFIG)

install-test: install $(TEST_STAMP)

# The course hub's proxy, configurable-http-proxy, from the npm registry into the venv
# (git-ignored; tests/hub_fixtures.py and deploy/jupyterhub look for it there). JupyterHub
# itself comes with the `test` extra (pyproject's `hub` extra). For the tests and development:
# .venv is an editable install inside this clone, so a site runs `make hub-env` instead.
HUB_PROXY := $(VENV)/node/node_modules/.bin/configurable-http-proxy
install-hub: install-test $(HUB_PROXY)

$(HUB_PROXY): | $(BIN)/python
	npm install --prefix $(VENV)/node --no-audit --no-fund configurable-http-proxy@5

# The course on JupyterHub on this machine, as root (deploy/jupyterhub/README.md).
# hub-env: the environment every user runs, a non-editable install (no source tree, no key)
# made with a python every user can run, in HUB_PREFIX; never inside a clone of the course.
HUB_PREFIX ?= /opt/mlteam
HUB_PYTHON ?= /usr/bin/python3
hub-env:
	$(HUB_PYTHON) deploy/jupyterhub/hub_env.py --prefix "$(HUB_PREFIX)" --python "$(HUB_PYTHON)"

# hub-course: the grader's clone of the course's private repository, closed to everyone but
# the grader (and INSTRUCTORS_GROUP), and the learners' copy beside it (LEARNER_DIR, default
# COURSE_DIR-learners) with no key, hidden test or history; with HUB_SETTINGS, the site's
# course/nbgrader_site_config.py too. Run it again after a `git pull` in the clone.
INSTRUCTORS_GROUP ?=
LEARNER_DIR ?=
hub-course:
	@test -n "$(COURSE_DIR)" -a -n "$(GRADER)" || { echo "usage: make hub-course COURSE_DIR=/srv/mlteam/course GRADER=grader-mlteam REPO=URL [HUB_SETTINGS=/etc/mlteam/hub.toml] [INSTRUCTORS_GROUP=group] [LEARNER_DIR=dir]"; exit 2; }
	$(PYTHON) deploy/jupyterhub/hub_course.py --course-dir "$(COURSE_DIR)" --grader "$(GRADER)" --repo "$(REPO)" \
	    --instructors-group "$(INSTRUCTORS_GROUP)" --learner-dir "$(LEARNER_DIR)" --hub-settings "$(HUB_COURSE_SETTINGS)"

# hub: JupyterHub from HUB_PREFIX (make hub-env) with the settings in HUB_SETTINGS
# (settings.example.toml lists them).
HUB_SETTINGS ?= /etc/mlteam/hub.toml
# hub-course writes the site's nbgrader settings only when HUB_SETTINGS is given, not from this default.
HUB_COURSE_SETTINGS = $(if $(filter file,$(origin HUB_SETTINGS)),,$(HUB_SETTINGS))
hub:
	@test -x "$(HUB_PREFIX)/venv/bin/jupyterhub" || { echo "no hub environment in $(HUB_PREFIX): run make hub-env first"; exit 2; }
	MLTEAM_HUB_SETTINGS="$(HUB_SETTINGS)" $(HUB_PREFIX)/venv/bin/jupyterhub -f $(HUB_PREFIX)/jupyterhub/jupyterhub_config.py

$(BIN)/python:
	@echo "First run: setting up the course in $(VENV). About 30 s on a 2-core machine with a good connection"
	@echo "(one to three minutes if pip has to do it); every step shows its progress."
	$(PYTHON) -m venv --without-pip $(VENV)

# course/install.py installs with uv, many times faster than pip, from the package sources
# pip is set up with, and pip with it (the venv is made without: ensurepip is slow); pip
# does it all when uv cannot. Both show what they download and install.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing the course into $(VENV) (JupyterLab, nbgrader, pandas ...)"
	$(BIN)/python course/install.py --editable .
	@touch $@

# Reinstalls when pyproject.toml changes, like $(STAMP): a new test tool or bound is picked up.
$(TEST_STAMP): pyproject.toml $(STAMP)
	@echo "Installing the test tools into $(VENV) (first run only: pytest, nbval, Playwright, mypy, ruff ...)"
	$(BIN)/python course/install.py --editable '.[test]' --quiet
	@touch $@

$(OVERRIDES): course/jupyterlab/overrides.json | $(BIN)/python
	@mkdir -p $(dir $@)
	cp $< $@

$(KERNEL_CONFIG): course/jupyterlab/ipython_kernel_config.py | $(BIN)/python
	@mkdir -p $(dir $@)
	cp $< $@

LAB_ARGS = --no-browser --ip=127.0.0.1 --port=$(PORT) \
	    --LabApp.default_url=/lab/tree/course/index.ipynb $(ALLOW_ROOT)
# A learner works in my-work/ (ignored by git), a copy of the start page, lessons and
# exercises kept up to date by `mlteam-course workspace`: taking the course never
# changes a tracked file, so a `git pull` of course updates never conflicts with it.
WORK ?= $(CURDIR)/my-work
# The learner's view: course/jupyterlab/learner turns off nbgrader's instructor tools
# (formgrader, course list, Create Assignment); Assignments and Validate stay.
LEARNER_CONFIG := $(CURDIR)/course/jupyterlab/learner$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))

lab: install
	@mkdir -p course/exchange
	@$(BIN)/mlteam-course workspace --folder "$(WORK)"
	@echo "Starting JupyterLab: a few seconds, up to 15 the first time (Python compiles its modules once) ..."
	JUPYTER_CONFIG_PATH="$(LEARNER_CONFIG)" $(BIN)/jupyter lab $(LAB_ARGS) --ServerApp.root_dir="$(WORK)"

# The instructor's view: the same course with the formgrader and Create Assignment.
instructor: install
	@mkdir -p course/exchange
	$(BIN)/jupyter lab $(LAB_ARGS) --ServerApp.root_dir="$(CURDIR)"

# A self-learner's score and feedback for one exercise: make selfgrade EXERCISE=ex01
selfgrade: install
	@test -n "$(EXERCISE)" || { echo "usage: make selfgrade EXERCISE=ex01   (ex01 ... ex10, or a notebook's path)"; exit 2; }
	$(BIN)/mlteam-course selfgrade "$(EXERCISE)"

# A learner's progress, module by module, from what my-work/ records.
progress: install
	$(BIN)/mlteam-course progress

# A self-learner's certificate of completion (marked self-graded): make certificate NAME="Ada Lovelace"
# Not completed yet (status 3) is no failure: the command says what is left, and make adds no error line.
certificate: install
	@test -n "$(NAME)" || { echo 'usage: make certificate NAME="Your Name"'; exit 2; }
	@$(BIN)/mlteam-course certificate --name "$(NAME)" --folder "$(WORK)" || test $$? -eq 3

# Check a certificate, as its PDF's last line says: make verify CODE=SELF-... PDF=my-work/certificate.pdf
# (either is enough: the PDF shows its code). The venv is not on a plain shell's PATH: make runs its mlteam-course.
verify: install
	@test -n "$(CODE)$(PDF)" || { echo 'usage: make verify CODE=MLT-XXXX-XXXX-XXXX-XXXX PDF=certificate.pdf   (either, or both)'; exit 2; }
	@$(BIN)/mlteam-course verify $(if $(CODE),"$(CODE)") $(if $(PDF),--pdf "$(PDF)") --folder "$(WORK)"

# Both read their settings from pyproject.toml ([tool.mypy], [tool.ruff]); a few seconds.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# On TEST_WORKERS processes (pytest-xdist): --dist loadfile gives each file to one process, in the
# seeded order, so a notebook's cells run in one kernel in order; the root conftest.py makes the files
# that add Unix users or ACLs one unit (never two at once), the browser files another (one JupyterLab
# server), and puts the slow files first, an order --no-loadscope-reorder keeps. The 25 slowest
# tests are listed at the end, so CI's log shows where its time goes. TEST_WORKERS=1: one process.
TEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25 $(PYTEST_ARGS)

# The inner loop, about a minute on two cores: everything but the browser paths, the real-nbgrader
# grading runs and the slow integration tests (servers, installs, whole lessons), on one process
# per core; --dist loadfile keeps each notebook's cells in one kernel, in order.
test-fast: lint
	$(BIN)/python -m pytest -m "not browser and not nbgrader and not slow" -n auto --dist loadfile $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m benchmarks

release: install
	$(BIN)/mlteam-course release

clean:
	rm -rf $(VENV) course/submitted course/autograded course/feedback course/gradebook.db
