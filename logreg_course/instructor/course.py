"""An nbgrader course on disk, as the instructor commands see it.

The course root is the folder holding ``nbgrader_config.py`` (this repository,
or an instructor's private copy of it); nbgrader's layout lives under it:
``solutions/`` (the source directory), ``release/``, ``submitted/``,
``autograded/``, ``feedback/`` and ``gradebook.db`` (or a PostgreSQL
gradebook given by ``--db``). The instructor tools add one folder,
``grading/``:

``grading/staged/<student>/<assignment>/``
    what was actually graded: a checked (and, where needed, repaired) copy
    of each submission; the learner's files in ``submitted/`` are never
    changed;
``grading/<assignment>/ledger.jsonl``
    one line per graded submission (status, reasons, flags, timings);
``grading/<assignment>/logs/``
    nbgrader's log for each submission that could not be graded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..assignments import REPO

__all__ = ["InstructorCourse", "default_root"]

STAGED = os.path.join("grading", "staged")


def default_root() -> Path:
    """``$LOGREG_COURSE_ROOT``, else the working folder if it holds ``nbgrader_config.py``,
    else this repository."""
    env = os.environ.get("LOGREG_COURSE_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd()
    if (cwd / "nbgrader_config.py").exists():
        return cwd.resolve()
    return REPO


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass
class InstructorCourse:
    """Paths, configuration and nbgrader API of one course.

    Parameters
    ----------
    root : path, optional
        The course root (default: `default_root`).
    db_url : str, optional
        The gradebook, e.g. ``postgresql://grader@/logreg?host=/run/pg``
        (default: the configuration's, i.e. ``sqlite:///<root>/gradebook.db``).
    """

    root: Path | None = None
    db_url: str | None = None

    def __post_init__(self):
        self.root = Path(self.root or default_root()).resolve()
        if not self.root.is_dir():
            raise ValueError(f"course root {self.root} is not a folder")
        self.db_url = self.db_url or os.environ.get("LOGREG_COURSE_DB") or None

    # -- configuration --------------------------------------------------------------------
    @cached_property
    def config_repo(self) -> Path:
        """Where ``nbgrader_config.py`` is read from (the root, else this repository)."""
        return self.root if (self.root / "nbgrader_config.py").exists() else REPO

    def config(self, staged: bool = False):
        """nbgrader's configuration for this course (a fresh copy each call).

        ``staged=True`` points nbgrader's submitted directory at
        ``grading/staged`` (what `grade` feeds to autograde).
        """
        from ..grading.nbgrade import load_config

        config = load_config(self.root, self.config_repo)
        if self.db_url:
            config.CourseDirectory.db_url = self.db_url
        if staged:
            config.CourseDirectory.submitted_directory = STAGED
        return config

    @cached_property
    def _coursedir(self):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config())

    @property
    def gradebook_url(self) -> str:
        return self._coursedir.db_url

    @property
    def gradebook_label(self) -> str:
        """The gradebook's URL without a password, for logs."""
        return _redact(self.gradebook_url)

    @property
    def is_sqlite(self) -> bool:
        return self.gradebook_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.gradebook_url.split("sqlite:///", 1)[1])

    @property
    def source_directory(self) -> Path:
        return self.root / self._coursedir.source_directory

    # -- nbgrader layout ------------------------------------------------------------------
    def step_dir(self, step: str) -> Path:
        return self.root / getattr(self._coursedir, f"{step}_directory")

    def submission_dir(self, student: str, assignment: str) -> Path:
        return self.step_dir("submitted") / student / assignment

    def staged_dir(self, student: str, assignment: str) -> Path:
        return self.root / STAGED / student / assignment

    def autograded_dir(self, student: str, assignment: str) -> Path:
        return self.step_dir("autograded") / student / assignment

    def feedback_dir(self, student: str, assignment: str) -> Path:
        return self.step_dir("feedback") / student / assignment

    def grading_dir(self, assignment: str) -> Path:
        return self.root / "grading" / assignment

    def assignments(self) -> list[str]:
        """Assignments with a source folder (sorted)."""
        src = self.source_directory
        if not src.is_dir():
            return []
        return sorted(p.name for p in src.iterdir()
                      if p.is_dir() and any(p.glob("*.ipynb")))

    def notebooks(self, assignment: str) -> list[str]:
        """The notebook names (without ``.ipynb``) of an assignment's source."""
        folder = self.source_directory / assignment
        if not folder.is_dir():
            raise ValueError(f"unknown assignment {assignment!r}: no folder {folder}. "
                             f"Known: {', '.join(self.assignments()) or 'none'}")
        names = sorted(p.stem for p in folder.glob("*.ipynb"))
        if not names:
            raise ValueError(f"assignment {assignment!r} has no notebook in {folder}")
        return names

    def source_notebook(self, assignment: str, notebook: str) -> Path:
        return self.source_directory / assignment / f"{notebook}.ipynb"

    def release_notebook(self, assignment: str, notebook: str) -> Path:
        return self.step_dir("release") / assignment / f"{notebook}.ipynb"

    def students(self, assignment: str) -> list[str]:
        """Students with a folder ``submitted/<student>/<assignment>/`` (sorted)."""
        base = self.step_dir("submitted")
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir()
                      if (p / assignment).is_dir() and not p.name.startswith("."))

    # -- nbgrader objects -----------------------------------------------------------------
    def api(self, staged: bool = False):
        """nbgrader's ``NbGraderAPI`` for this course."""
        import logging

        from nbgrader.apps import NbGraderAPI

        from ..grading.nbgrade import prepare_nbgrader

        prepare_nbgrader()
        api = NbGraderAPI(config=self.config(staged=staged))
        api.log.setLevel(logging.WARNING)
        return api

    def gradebook(self):
        """``nbgrader.api.Gradebook`` (use as a context manager)."""
        from nbgrader.api import Gradebook

        from ..grading.nbgrade import prepare_nbgrader

        prepare_nbgrader()
        return Gradebook(self.gradebook_url, self._coursedir.course_id)

    def assignment_in_gradebook(self, assignment: str) -> bool:
        from nbgrader.api import MissingEntry

        with self.gradebook() as gb:
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                return False
        return True
