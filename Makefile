# mlteam-course: `make lab` runs the course, `make test` runs the tests.
# Both create .venv with the machine's python3 and install the project on first use;
# a second run with nothing changed installs nothing.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
PYTEST_ARGS ?=

BIN       := $(VENV)/bin
STAMP     := $(VENV)/.mlteam-installed
# JupyterLab reads default overrides from <prefix>/share/jupyter/lab/settings; the
# project's copy turns off the news and update pop-ups for every server run from .venv.
OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

# Tools installed into the venv (alembic, jupyter, nbgrader) must be on PATH:
# nbgrader shells out to `alembic` when it creates a gradebook.
export PATH := $(abspath $(BIN)):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab instructor selfgrade test test-fast bench release clean

help:
	@echo "make lab     - start JupyterLab on http://127.0.0.1:$(PORT) (set PORT=... to change)"
	@echo "make instructor - the same, with nbgrader's instructor tools (formgrader, Create Assignment)"
	@echo "make selfgrade EXERCISE=ex01 - score your own copy of an exercise, with feedback (self-learners)"
	@echo "make test    - run the whole test suite"
	@echo "make test-fast - the inner loop: no browser, no real-nbgrader grading runs"
	@echo "make bench   - print the performance figures"
	@echo "make release - regenerate exercises/ from solutions/"
	@echo "make clean   - remove .venv and nbgrader's runtime folders"

install: $(STAMP) $(OVERRIDES)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[browser]'
	@touch $@

$(OVERRIDES): course/jupyterlab/overrides.json | $(BIN)/python
	@mkdir -p $(dir $@)
	cp $< $@

LAB_ARGS = --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir="$(CURDIR)" \
	    --LabApp.default_url=/lab/tree/course/index.ipynb $(ALLOW_ROOT)
# The learner's view: course/jupyterlab/learner turns off nbgrader's instructor tools
# (formgrader, course list, Create Assignment); Assignments and Validate stay.
LEARNER_CONFIG := $(CURDIR)/course/jupyterlab/learner$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))

lab: install
	@mkdir -p course/exchange
	JUPYTER_CONFIG_PATH="$(LEARNER_CONFIG)" $(BIN)/jupyter lab $(LAB_ARGS)

# The instructor's view: the same course with the formgrader and Create Assignment.
instructor: install
	@mkdir -p course/exchange
	$(BIN)/jupyter lab $(LAB_ARGS)

# A self-learner's score and feedback for one exercise: make selfgrade EXERCISE=ex01
selfgrade: install
	@test -n "$(EXERCISE)" || { echo "usage: make selfgrade EXERCISE=ex01   (ex01 ... ex08, or a notebook's path)"; exit 2; }
	$(BIN)/mlteam-course selfgrade "$(EXERCISE)"

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: everything but the browser paths and the real-nbgrader grading runs.
test-fast: install
	$(BIN)/python -m pytest -m "not browser and not nbgrader" $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks

release: install
	$(BIN)/mlteam-course release

clean:
	rm -rf $(VENV) course/submitted course/autograded course/feedback course/gradebook.db
