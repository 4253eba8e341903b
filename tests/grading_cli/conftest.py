"""Fixtures of the instructor-tool tests: temporary course copies and one graded class.

Every test works on a copy of the course in a temporary folder (the source
notebook of an assignment plus ``nbgrader_config.py``); nothing is written into
the repository. The expensive step, grading a class of ~40 submissions (honest,
malformed, adversarial), runs once per session (`graded_class`) and several
tests read its results. Every test here is marked ``grading``.
"""

from __future__ import annotations

from pathlib import Path

import cli_corpus as corpus
import nbformat
import pytest
from _cli_helpers import ASSIGNMENT, CELL_TIMEOUT, REPO, ledger, make_course, run_cli, submit


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.grading)


@pytest.fixture(scope="session")
def notebooks():
    """(source notebook, student version) of 01-sigmoid."""
    source = nbformat.read(str(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4)
    student = nbformat.read(str(REPO / "chapters" / "exercises" / f"{ASSIGNMENT}.ipynb"), 4)
    return source, student


@pytest.fixture(scope="session")
def class_submissions(notebooks):
    source, student = notebooks
    subs = {}
    for build in (corpus.honest, corpus.malformed, corpus.adversarial):
        subs.update(build(source, student))
    return subs


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, class_submissions):
    """A course with the whole corpus submitted and graded once (``--jobs 2``)."""
    root = make_course(tmp_path_factory.mktemp("class") / "course")
    submit(root, class_submissions)
    proc = run_cli("grade", ASSIGNMENT, "--course", root, "--jobs", "2", "--timeout",
                   CELL_TIMEOUT, "--no-progress")
    return {"root": root, "proc": proc, "ledger": ledger(root),
            "expect": {s: e for s, (_, e) in class_submissions.items()}}
