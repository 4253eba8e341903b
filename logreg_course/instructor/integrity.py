"""The integrity pass: re-check outside the kernel and take back undeserved points.

After nbgrader has graded a submission in its (sandboxed) kernel, the
out-of-kernel re-check (`logreg_course.grading.recheck`) runs the learner's
answer cells again in a fresh, isolated plain-Python process, calls the graded
functions on new inputs and compares the outputs with ``logreg_ref`` in this
(trusted) process, per grade cell. Whatever the learner's code did to the
kernel (an input transformer that rewrote the hidden tests, a patched grader)
cannot reach that process.

`reconcile` then compares the two verdicts per grade cell. Where nbgrader gave
points that the re-check does not confirm, the points go: the cell's
``auto_score`` becomes 0, it is marked as needing manual grading, and the
answer cell gets an automatic comment saying why (formgrader and the feedback
show it). A grader who disagrees enters a manual score, which nbgrader always
prefers to the automatic one; re-grading never touches manual scores.

Where the re-check could not run at all (a crash of its runner, a time-out),
nothing is taken away: the cell is only marked for a grader's review.

The re-check's runner is itself started inside the sandbox (`sandbox.enter`)
when the sandbox is available, via a small wrapper script given to the
re-check as its "python".
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field

__all__ = ["CellVerdict", "IntegrityResult", "recheck_available", "reconcile", "run_recheck",
           "sandboxed_python"]

COMMENT_PREFIX = "Integrity check: "


def recheck_available(assignment: str) -> str | None:
    """None if the re-check can run for `assignment`, else why not."""
    try:
        from ..grading import recheck  # noqa: F401
        from ..grading.specs import get_spec
    except ImportError as exc:
        return f"the re-check module is not installed ({exc})"
    try:
        get_spec(assignment)
    except ValueError as exc:
        return str(exc)
    return None


@dataclass
class CellVerdict:
    """nbgrader's and the re-check's verdicts on one grade cell."""

    grade_id: str
    points: float
    nbgrader: float | None
    recheck_passed: bool | None
    message: str = ""
    action: str = ""  # "zeroed", "review" or ""


@dataclass
class IntegrityResult:
    """The re-check of one notebook and what it changed."""

    ran: bool
    problem: str = ""
    cells: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def zeroed(self) -> list[str]:
        return [g for g, c in self.cells.items() if c.action == "zeroed"]

    @property
    def review(self) -> list[str]:
        return [g for g, c in self.cells.items() if c.action == "review"]

    def to_dict(self) -> dict:
        return {"ran": self.ran, "problem": self.problem, "seconds": round(self.seconds, 3),
                "cells": {g: vars(c) for g, c in self.cells.items()}}


def sandboxed_python(wrapper_dir: str, plan_file: str) -> str:
    """Write an executable that runs ``python ARGS`` inside the sandbox of `plan_file`."""
    path = os.path.join(wrapper_dir, "sandboxed-python")
    script = (f"#!/bin/sh\nexec {sys.executable} -I -m logreg_course.instructor.sandbox run "
              f"--plan {plan_file} -- {sys.executable} \"$@\"\n")
    with open(path, "w") as f:
        f.write(script)
    os.chmod(path, stat.S_IRWXU)
    return path


def run_recheck(notebook_path: str, assignment: str, source_path: str, *, python=None,
                timeout: float = 120.0, call_timeout: float = 10.0):
    """Run the out-of-kernel re-check; return its report (or raise)."""
    from ..grading.recheck import recheck_notebook

    return recheck_notebook(notebook_path, assignment, source=source_path, python=python,
                            timeout=timeout, call_timeout=call_timeout)


def reconcile(gb, assignment: str, notebook: str, student: str, report, source_nb,
              *, recheck_problem: str = "") -> IntegrityResult:
    """Compare nbgrader's auto scores with `report`; zero what the re-check refutes.

    Parameters
    ----------
    gb : nbgrader.api.Gradebook
        An open gradebook.
    report : RecheckReport or None
        The re-check's verdicts (None: it could not run).
    source_nb : NotebookNode
        The source notebook (to find each grade cell's answer cell).
    """
    result = IntegrityResult(ran=report is not None and not recheck_problem,
                             problem=recheck_problem)
    if report is not None:
        result.seconds = report.seconds
        if getattr(report, "problems", None):
            result.problem = "; ".join(report.problems)
    submission = gb.find_submission_notebook(notebook, assignment, student)
    grades = {g.name: g for g in submission.grades}
    answer_of = _answer_cells(source_nb)
    comments = {}
    for gid, check in (report.cells.items() if report is not None else []):
        grade = grades.get(gid)
        if grade is None:
            continue
        verdict = CellVerdict(gid, check.points, grade.auto_score, check.passed, check.message)
        result.cells[gid] = verdict
        if check.passed or not grade.auto_score:
            continue
        if result.problem and check.no_result:
            verdict.action = "review"
            grade.needs_manual_grade = True
            continue
        verdict.action = "zeroed"
        points = grade.auto_score
        grade.auto_score = 0.0
        grade.needs_manual_grade = True
        why = check.message.strip().rstrip(":").strip()
        comments.setdefault(answer_of.get(gid), []).append(
            f"{COMMENT_PREFIX}{gid} scored 0 instead of {points:g}: the test passed in the "
            f"notebook, but failed when it ran again on your functions outside the notebook "
            f"({why}), so the notebook's result cannot be trusted. An instructor reviews "
            "this and can restore the points.")
    if report is None and recheck_problem:
        for grade in grades.values():
            if grade.auto_score:
                grade.needs_manual_grade = True
    for cell_id, lines in comments.items():
        if not cell_id:
            continue
        try:
            comment = gb.find_comment(cell_id, notebook, assignment, student)
        except Exception:
            continue
        base = [ln for ln in (comment.auto_comment or "").split("\n")
                if ln and not ln.startswith(COMMENT_PREFIX)]
        comment.auto_comment = "\n".join(base + lines)
    gb.db.commit()
    return result


def _answer_cells(source_nb) -> dict:
    """Grade id -> the grade id of the answer cell it tests (the nearest solution cell above)."""
    out, last = {}, None
    for cell in source_nb.cells:
        m = cell.get("metadata", {}).get("nbgrader") or {}
        if m.get("solution"):
            last = m.get("grade_id")
        elif m.get("grade") and m.get("grade_id"):
            out[m["grade_id"]] = last
    return out
