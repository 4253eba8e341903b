"""The course's nbgrader assignments: ids, paths, and the student versions.

The source notebook ``solutions/<id>/<id>.ipynb`` is the single source of an
exercise. Its student version is whatever ``nbgrader generate_assignment``
makes of it, copied to ``chapters/exercises/<id>.ipynb`` by `release`; a test
(``tests/test_grading_course.py``) fails when the copy drifts from a fresh
generation.

>>> from logreg_course.assignments import release
>>> release("01-sigmoid")            # doctest: +SKIP
PosixPath('.../chapters/exercises/01-sigmoid.ipynb')
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

__all__ = ["ASSIGNMENT_IDS", "REPO", "available", "generate_student_version", "release",
           "release_all", "source_notebook", "student_notebook"]

#: Every assignment of the course, in chapter order.
ASSIGNMENT_IDS = ("01-sigmoid", "02-log-odds", "03-maximum-likelihood", "04-thresholds",
                  "05-regularisation", "06-softmax")
REPO = Path(__file__).resolve().parents[1]


def source_notebook(assignment_id: str, repo: Path = REPO) -> Path:
    """``solutions/<id>/<id>.ipynb``: solutions, hidden tests and mark schemes."""
    return Path(repo) / "solutions" / assignment_id / f"{assignment_id}.ipynb"


def student_notebook(assignment_id: str, repo: Path = REPO) -> Path:
    """``chapters/exercises/<id>.ipynb``: the generated student version the book serves."""
    return Path(repo) / "chapters" / "exercises" / f"{assignment_id}.ipynb"


def available(repo: Path = REPO) -> list[str]:
    """The assignments whose source notebook exists (in chapter order)."""
    return [a for a in ASSIGNMENT_IDS if source_notebook(a, repo).exists()]


def generate_student_version(assignment_id: str, repo: Path = REPO) -> nbformat.NotebookNode:
    """Run ``nbgrader generate_assignment --no-db`` on a temporary copy; return the result."""
    from .grading.nbgrade import Course

    if not source_notebook(assignment_id, repo).exists():
        raise ValueError(f"no source notebook for {assignment_id!r}: expected "
                         f"{source_notebook(assignment_id, repo)}")
    with Course([assignment_id], repo=repo) as course:
        path = course.generate(assignment_id, database=False)
        return nbformat.read(str(path), as_version=4)


def release(assignment_id: str, repo: Path = REPO, dest: Path | None = None) -> Path:
    """Regenerate the student version of `assignment_id` and write it to `dest`.

    `dest` defaults to ``chapters/exercises/<id>.ipynb`` in `repo`.
    """
    target = Path(dest) if dest is not None else student_notebook(assignment_id, repo)
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = generate_student_version(assignment_id, repo)
    tmp = target.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    shutil.move(tmp, target)
    return target


def release_all(repo: Path = REPO) -> list[Path]:
    """`release` every assignment that has a source notebook, and write its stand-ins.

    The stand-ins (``logreg_course/grading/standins``) are the solutions as a module, which
    the grader uses in place of a learner's earlier functions (no double penalty).
    """
    from .grading import standins

    paths = []
    for aid in available(repo):
        paths.append(release(aid, repo))
        if Path(repo).resolve() == REPO:
            standins.write(aid, repo)
    return paths
