# The commands people type. Every target creates .venv on first use and installs
# the project into it (pinned by requirements/constraints.txt), so a fresh machine
# with only Python 3 needs nothing else. pip byte-compiles every installed module
# (~22 s of the ~60 s install): keep it. Measured with --no-compile, the install was 45 s
# shorter but make test 4 minutes longer (grading was the slower part).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help book book-instructor test test-fast lint lab exercises sysdeps constraints clean \
        release grade feedback export similarity course-check formgrader

help:
	@echo "make book        build the course website into _build/html and open it"
	@echo "make book-instructor  the website plus solutions, into _build/instructor/html"
	@echo "make test        install everything and run the whole test suite"
	@echo "make test-explore  property tests with fresh randomness (ROUNDS=10 runs)"
	@echo "make lab         open the student notebooks in JupyterLab (a learner's install, .venv-learner)"
	@echo "make lint        ruff"
	@echo "make exercises   regenerate chapters/exercises/ from solutions/ (nbgrader)"
	@echo "instructors (README, 'For instructors'; or run .venv/bin/logreg-course --help):"
	@echo "make release     student versions of every assignment (+ the gradebook)"
	@echo "make grade A=01-sigmoid [JOBS=4]   autograde a folder of submissions"
	@echo "make formgrader  JupyterLab with nbgrader's formgrader, for manual grading"
	@echo "make feedback A=01-sigmoid        HTML feedback for each learner"
	@echo "make export      exports/grades.csv and exports/report.html [FORMAT='canvas moodle']"
	@echo "make similarity A=01-sigmoid      similar graded functions (a reason to look)"
	@echo "make course-check  solutions earn full marks, student versions none"

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

# Warnings are errors and a failing code cell fails the build; executed pages are cached
# in _build/.jupyter_cache, so an unchanged page is not run again.
book: $(STAMP)
	$(BIN)/jupyter-book build --warningiserror --nitpick --keep-going .
	$(BIN)/python scripts/publish_notebooks.py _build/html
	@$(BIN)/python scripts/open_book.py

# The public site plus the solution notebooks (rendered, not run): never publish it.
book-instructor: $(STAMP)
	$(BIN)/python scripts/build_instructor_edition.py

# Student versions: nbgrader generate_assignment of each solutions/<id>, copied to chapters/exercises/.
exercises: $(STAMP)
	$(BIN)/python -c "from logreg_course.assignments import release_all; release_all()"

sysdeps:
	bash scripts/ensure-system-deps.sh

# Tests run on every core (pytest-xdist); the files that share an expensive fixture (one
# graded class, one built book, one PostgreSQL and Dask cluster) go to one worker together
# (tests/conftest.py, SHARED_FIXTURES). --durations lists where the time goes.
TEST_JOBS ?= auto
test: $(STAMP) sysdeps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_JOBS) --durations=30

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS) -m "not slow and not book and not browser and not grading"

# make test draws the same Hypothesis examples on every run (profile "fixed", tests/conftest.py).
# This searches instead: ROUNDS runs of every property test, each with fresh randomness; a
# failure is saved in .hypothesis/examples and replayed first by the next run. Keep what it
# finds as an @example(...) in the test, so that make test checks it on every commit.
ROUNDS ?= 10
.PHONY: test-explore
test-explore: $(STAMP)
	@for i in $$(seq $(ROUNDS)); do \
	  echo "test-explore: round $$i of $(ROUNDS)"; \
	  $(BIN)/python -m pytest -q -x -p no:cacheprovider -m hypothesis \
	    --hypothesis-profile=explore $$(grep -l "@given" tests/*.py) || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .

# A learner's environment, apart from the developers' .venv: the course with what the
# notebooks need and JupyterLab (pyproject's `learner` extra), pinned like everything else.
LEARNER_VENV  := .venv-learner
LEARNER_STAMP := $(LEARNER_VENV)/.installed

$(LEARNER_STAMP): pyproject.toml requirements/constraints.txt
	test -x $(LEARNER_VENV)/bin/python || $(PYTHON) -m venv $(LEARNER_VENV)
	$(LEARNER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LEARNER_VENV)/bin/python -m pip install --quiet -c requirements/constraints.txt -e ".[learner]"
	touch $(LEARNER_STAMP)

lab: $(LEARNER_STAMP)
	$(LEARNER_VENV)/bin/jupyter lab chapters/exercises $(if $(filter 0,$(shell id -u)),--allow-root)

# --- instructors: thin wrappers over `logreg-course` (COURSE=path/to/private/course) --------
COURSE ?= .
JOBS   ?= 0
LRC     = $(BIN)/logreg-course
ROOTFLAG = $(if $(filter 0,$(shell id -u)),--allow-root)

release: $(STAMP)
	$(LRC) release --all --course $(COURSE)

grade: $(STAMP)
	@test -n "$(A)" || { echo "usage: make grade A=<assignment> [JOBS=n]"; exit 2; }
	$(LRC) grade $(A) --jobs $(JOBS) --course $(COURSE)

feedback: $(STAMP)
	@test -n "$(A)" || { echo "usage: make feedback A=<assignment>"; exit 2; }
	$(LRC) feedback $(A) --course $(COURSE)

export: $(STAMP)
	$(LRC) export --course $(COURSE) $(if $(FORMAT),--format $(FORMAT))

similarity: $(STAMP)
	@test -n "$(A)" || { echo "usage: make similarity A=<assignment>"; exit 2; }
	$(LRC) similarity $(A) --course $(COURSE)

course-check: $(STAMP)
	$(LRC) check --course $(COURSE)

formgrader: $(STAMP)
	cd $(COURSE) && $(CURDIR)/$(BIN)/jupyter lab $(ROOTFLAG)

constraints: $(STAMP)
	{ sed -n '1,3p' requirements/constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^-e'; } > requirements/constraints.tmp
	mv requirements/constraints.tmp requirements/constraints.txt

clean:
	rm -rf _build
