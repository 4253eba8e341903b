"""Helpers of the instructor-tool tests: course copies, the CLI, the gradebook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from logreg_course.assignments import REPO

ASSIGNMENT = "01-sigmoid"
BIN = Path(sys.executable).parent
CELL_TIMEOUT = "4"


def run_cli(*args, check=None, timeout=900, env=None):
    """Run ``logreg-course ARGS`` in a subprocess; return the CompletedProcess."""
    full_env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    **(env or {}))
    proc = subprocess.run([str(BIN / "logreg-course"), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=full_env)
    if check is not None:
        assert proc.returncode == check, (
            f"logreg-course {' '.join(map(str, args))} exited {proc.returncode}, expected "
            f"{check}\n--- stderr ---\n{proc.stderr[-6000:]}\n"
            f"--- stdout ---\n{proc.stdout[-2000:]}")
    return proc


def make_course(root: Path, assignments=(ASSIGNMENT,), release=True, book=False) -> Path:
    """A course root holding copies of the given assignments' sources (and released)."""
    root.mkdir(parents=True, exist_ok=True)
    for aid in assignments:
        shutil.copytree(REPO / "solutions" / aid, root / "solutions" / aid)
        if book:
            (root / "chapters" / "exercises").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    if release:
        which = list(assignments) if len(assignments) == 1 else ["--all"]
        run_cli("release", *which, "--course", root, "--no-book", check=0)
    return root


def submit(root: Path, submissions: dict, assignment=ASSIGNMENT) -> None:
    """Write ``{student: (files, expectation)}`` into ``submitted/``."""
    for student, (files, _) in submissions.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


def ledger(root: Path, assignment=ASSIGNMENT) -> dict:
    path = root / "grading" / assignment / "ledger.jsonl"
    out = {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        out[entry["student"]] = entry
    return out


def gradebook(root: Path, db_url=None):
    from nbgrader.api import Gradebook

    return Gradebook(db_url or f"sqlite:///{root / 'gradebook.db'}")


def autograded_score(gb, student, assignment=ASSIGNMENT) -> float:
    """Sum of the auto scores of the code grade cells (0 for a submission that failed)."""
    sub = gb.find_submission(assignment, student)
    return sum(g.auto_score or 0.0 for nb in sub.notebooks for g in nb.grades
               if g.cell.cell_type == "code")


