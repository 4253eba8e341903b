"""nbgrader's Python API in a temporary course: generate, autograde, read scores.

nbgrader's command line costs ~2.5 s of start-up per call and its ``validate``
exits 0 even when tests fail (nbgrader#1908). This module drives the same
machinery in-process, with this repository's ``nbgrader_config.py``, against
one temporary course directory and one SQLite gradebook:

>>> with Course(["01-sigmoid"]) as course:                     # doctest: +SKIP
...     course.generate("01-sigmoid")
...     result = course.autograde("01-sigmoid", "alice", submitted_notebook)
...     result.score, result.max_score, result.failed()

The tests use it to prove the course (solutions earn full marks, student
versions earn none, wrong submissions earn exactly their intended partial
credit); the instructor CLI can use it (or nbgrader directly on the real
course root) the same way. `Course.autograde` grades one student per call, so
a malformed submission cannot abort the others (nbgrader#1083).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: The repository (as `logreg_course.assignments.REPO`, kept here so that this module does
#: not import the module that drives it).
REPO = Path(__file__).resolve().parents[2]

__all__ = ["CellResult", "Course", "GradeResult", "Submission", "grade_many", "load_config",
           "prepare_nbgrader"]


def load_config(root: Path, repo: Path = REPO):
    """This repository's nbgrader configuration, with the course root set to `root`."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(repo)).load_config()
    config.CourseDirectory.root = str(root)
    return config


@dataclass
class CellResult:
    """One grade cell of an autograded notebook."""

    grade_id: str
    score: float | None
    max_score: float
    error: str = ""  # the last line of the cell's error output, if any


@dataclass
class GradeResult:
    """What `Course.autograde` found for one submission."""

    student_id: str
    success: bool
    cells: dict[str, CellResult] = field(default_factory=dict)
    seconds: float = 0.0
    log: str = ""
    extra_credit: float = 0.0
    autograded_files: list[str] = field(default_factory=list)  # next to the notebook

    @property
    def score(self) -> float:
        return sum(c.score or 0.0 for c in self.cells.values() if c.max_score > 0)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells.values())

    def failed(self, include_zero_point: bool = False) -> list[str]:
        """Grade ids of autograded cells that did not earn their points."""
        return sorted(g for g, c in self.cells.items()
                      if (c.max_score > 0 or include_zero_point) and c.score is not None
                      and c.score < c.max_score)

    def scores(self) -> dict[str, float | None]:
        return {g: c.score for g, c in self.cells.items()}


def _alembic_head() -> str:
    """The newest revision of nbgrader's gradebook schema, read in this process.

    What ``alembic heads`` prints first, without the subprocess that nbgrader's own
    ``get_alembic_version`` starts (a Python start-up and alembic's imports, ~1 CPU-s).
    """
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def _read_alembic_head_in_process():
    """Make nbgrader read the schema head in this process, once, not at every new Gradebook().

    nbgrader's ``Gradebook.__init__`` asks for it whenever it creates a gradebook,
    by running ``alembic heads`` in a subprocess; the answer cannot change while
    the process runs.
    """
    import functools

    import nbgrader.api

    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=1)(_alembic_head)


def _scripts_on_path():
    """nbgrader runs the ``alembic`` script by name (``dbutil.upgrade_db``, and
    ``get_alembic_version`` until `_read_alembic_head_in_process`): find this environment's."""
    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def prepare_nbgrader():
    """Make this process ready to open nbgrader gradebooks (call before ``Gradebook()``).

    Puts this environment's scripts on ``PATH`` (nbgrader's gradebook upgrade runs
    ``alembic`` by name) and has nbgrader read alembic's schema head in this process,
    once. Idempotent and cheap.
    """
    _scripts_on_path()
    _read_alembic_head_in_process()


class Course:
    """A throw-away nbgrader course holding copies of some source notebooks.

    Parameters
    ----------
    assignments : iterable of str
        Assignment ids whose ``solutions/<id>/`` folders are copied in.
    root : path, optional
        Where to create the course (default: a new temporary directory,
        removed by `close`).
    repo : path
        The repository to take sources and configuration from.
    """

    def __init__(self, assignments, root=None, repo: Path = REPO):
        self._owns_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="logreg-course-")).resolve()
        self.repo = Path(repo)
        source = self.root / "solutions"
        source.mkdir(parents=True, exist_ok=True)
        for aid in assignments:
            shutil.copytree(self.repo / "solutions" / aid, source / aid, dirs_exist_ok=True)
        # The kernel finds the course root (to keep it unreadable) by this file.
        shutil.copy(self.repo / "nbgrader_config.py", self.root / "nbgrader_config.py")
        self.config = load_config(self.root, self.repo)
        # Kernels talk to this process over ZeroMQ ipc sockets in the course's own folder, not
        # TCP: with TCP, graders running side by side (worker processes, the CLI tests) can
        # race for a free port, and a kernel that loses dies before answering kernel_info.
        (self.root / "kernels").mkdir(exist_ok=True)
        self.config.KernelManager.transport = "ipc"
        self.config.KernelManager.ip = str(self.root / "kernels" / "k")
        self._api = None
        prepare_nbgrader()

    # -- set-up -----------------------------------------------------------------------------
    @property
    def api(self):
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            self._api = NbGraderAPI(config=self.config)
            self._api.log.setLevel(logging.WARNING)
        return self._api

    def generate(self, assignment_id: str, *, database: bool = True) -> Path:
        """Run ``generate_assignment``; return the student notebook's path.

        ``database=False`` (``--no-db``) writes nothing to the gradebook: enough
        to publish the student version, not to grade.
        """
        self.config.GenerateAssignment.no_database = not database
        self.config.SaveCells.enabled = database
        self._api = None  # the API reads the config when it is created
        result = self.api.generate_assignment(assignment_id, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"generate_assignment {assignment_id} failed:\n"
                               f"{result.get('error') or result.get('log')}")
        return self.root / "release" / assignment_id / f"{assignment_id}.ipynb"

    # -- grading ----------------------------------------------------------------------------
    def submit(self, assignment_id: str, student_id: str, notebook, files=None) -> Path:
        """Place a submission in ``submitted/<student>/<assignment>/``.

        `notebook` is a path, a notebook node or JSON text; `files` maps extra
        file names to bytes (a learner may submit more than the notebook).
        """
        folder = self.root / "submitted" / student_id / assignment_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        target = folder / f"{assignment_id}.ipynb"
        if isinstance(notebook, str) and notebook.lstrip().startswith("{"):
            target.write_text(notebook)  # notebook JSON
        elif isinstance(notebook, (str, os.PathLike)):
            shutil.copy(notebook, target)
        else:
            nbformat.write(notebook, str(target))
        for name, data in (files or {}).items():
            (folder / name).write_bytes(data)
        return target

    def autograde(self, assignment_id: str, student_id: str, notebook=None,
                  files=None) -> GradeResult:
        """Autograde one student's submission (submitting `notebook` first if given)."""
        if notebook is not None:
            self.submit(assignment_id, student_id, notebook, files)
        start = time.perf_counter()
        result = self.api.autograde(assignment_id, student_id, force=True, create=True)
        seconds = time.perf_counter() - start
        graded = GradeResult(student_id, bool(result["success"]), seconds=seconds,
                             log=result.get("log", "") + result.get("error", ""))
        if graded.success:
            graded.cells, graded.extra_credit = self._cell_results(assignment_id, student_id)
            folder = self.root / "autograded" / student_id / assignment_id
            graded.autograded_files = sorted(p.name for p in folder.iterdir())
        return graded

    def autograded_notebook(self, assignment_id: str, student_id: str):
        path = self.root / "autograded" / student_id / assignment_id / f"{assignment_id}.ipynb"
        return nbformat.read(str(path), as_version=4)

    def _cell_results(self, assignment_id, student_id) -> dict[str, CellResult]:
        from nbgrader.api import Gradebook

        errors = {}
        for cell in self.autograded_notebook(assignment_id, student_id).cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    errors[gid] = f"{out.get('ename')}: {out.get('evalue')}"
                elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                    errors.setdefault(gid, "stderr: " + out.get("text", "").strip()[:300])
        cells, extra = {}, 0.0
        with Gradebook(self.api.coursedir.db_url) as gb:
            nb = gb.find_submission_notebook(assignment_id, assignment_id, student_id)
            for grade in nb.grades:
                cells[grade.name] = CellResult(grade.name, grade.auto_score, grade.max_score,
                                               errors.get(grade.name, ""))
                extra += grade.extra_credit or 0.0
        return cells, extra

    # -- clean-up ---------------------------------------------------------------------------
    def close(self):
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass(frozen=True)
class Submission:
    """One notebook to autograde: assignment, student id, notebook JSON, extra files."""

    assignment_id: str
    student_id: str
    notebook_json: str
    files: dict = field(default_factory=dict)


def _grade_batch(submissions, repo):
    results = {}
    aids = sorted({s.assignment_id for s in submissions})
    with Course(aids, repo=repo) as course:
        for aid in aids:
            course.generate(aid)
        for sub in submissions:
            files = {k: v.encode() if isinstance(v, str) else v for k, v in sub.files.items()}
            results[(sub.assignment_id, sub.student_id)] = course.autograde(
                sub.assignment_id, sub.student_id, sub.notebook_json, files)
    return results


def grade_many(submissions, workers: int = 1, repo: Path = REPO) -> dict:
    """Autograde many submissions; return ``{(assignment, student): GradeResult}``.

    With ``workers > 1`` the submissions, ordered by assignment, are cut into
    that many contiguous runs of equal length, one per process, each with its
    own temporary course and gradebook (nbgrader has no parallel mode of its
    own, nbgrader#174). Kernel start-up and the notebook's imports dominate
    (~3 s per notebook), so two workers on two cores nearly halve the time; an
    assignment cut in two is generated in both processes (~1 s), which costs
    less than the imbalance of whole assignments per process.
    """
    submissions = list(submissions)
    if workers <= 1 or len(submissions) < 2:
        return _grade_batch(submissions, repo)
    order = {aid: k for k, aid in enumerate(dict.fromkeys(s.assignment_id for s in submissions))}
    ordered = sorted(submissions, key=lambda s: order[s.assignment_id])  # stable
    size = -(-len(ordered) // workers)
    bins = [ordered[k:k + size] for k in range(0, len(ordered), size)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    results = {}
    with ProcessPoolExecutor(len(bins), mp_context=multiprocessing.get_context("spawn")) as pool:
        for part in pool.map(_grade_batch, bins, [repo] * len(bins)):
            results.update(part)
    return results
