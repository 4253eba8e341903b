"""The integrity pass: re-check outside the kernel, and act only on what it proves.

After nbgrader has graded a submission in its (sandboxed) kernel, the
out-of-kernel re-check (`logreg_course.grading.recheck`) runs the learner's
answer cells again in a fresh, isolated plain-Python process, calls the graded
functions on new inputs and compares the outputs with ``logreg_ref`` in this
(trusted) process, per grade cell. Whatever the learner's code did to the
kernel (an input transformer that rewrote the hidden tests, a patched grader)
cannot reach that process.

`reconcile` then compares the two verdicts per grade cell where nbgrader gave
points that the re-check does not confirm. A grader makes two promises, no
undeserved points and no honest work losing points, so it tells two cases
apart:

* the re-check **computed a different answer** (the learner's function ran to
  the end and returned something wrong, or raised), or the static scan found
  **tampering** (an input transformer, a replaced grader ...): the points go.
  The cell's ``auto_score`` becomes 0, it is marked as needing manual
  grading, and the answer cell gets an automatic comment saying why;
* the re-check **could not decide** (a call ran past its time budget, the
  runner crashed, ran out of memory or could not start, or a cell of the
  notebook could not run outside the kernel): the points stand, the cell is
  marked for a grader's **review**, and the comment says why.

Formgrader and the feedback show the comments. A grader who disagrees enters a
manual score, which nbgrader always prefers to the automatic one; re-grading
never touches manual scores.

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
    reason: str = ""  # why: the different answer, the tampering, or why it is undecided
    stand_ins: tuple = ()  # earlier functions replaced by the course's for it to pass


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
                kernel_seconds=None, call_timeout: float = 60.0, address_space: int = 8 << 30,
                grade_ids=None, data_cache=None):
    """Run the out-of-kernel re-check; return its report (or raise)."""
    from ..grading.recheck import recheck_notebook

    return recheck_notebook(notebook_path, assignment, source=source_path, python=python,
                            kernel_seconds=kernel_seconds, call_timeout=call_timeout,
                            address_space=address_space, grade_ids=grade_ids,
                            data_cache=data_cache)


def reconcile(gb, assignment: str, notebook: str, student: str, report, source_nb,
              *, recheck_problem: str = "", tampering=()) -> IntegrityResult:
    """Compare nbgrader's auto scores with `report`; act on what the re-check proves.

    Parameters
    ----------
    gb : nbgrader.api.Gradebook
        An open gradebook.
    report : RecheckReport or None
        The re-check's verdicts (None: it could not run).
    source_nb : NotebookNode
        The source notebook (to find each grade cell's answer cell).
    tampering : list of str
        What the static scan found that proves tampering (its high-severity
        findings); with any, a re-check that cannot decide takes the points too.
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
        verdict = CellVerdict(gid, check.points, grade.auto_score, check.passed, check.message,
                              stand_ins=tuple(check.stand_ins))
        result.cells[gid] = verdict
        if check.passed or not grade.auto_score:
            continue
        points = grade.auto_score
        why = check.message.strip().rstrip(":").strip()
        grade.needs_manual_grade = True
        if check.undecided and not tampering:
            verdict.action, verdict.reason = "review", check.undecided
            comments.setdefault(answer_of.get(gid), []).append(
                f"{COMMENT_PREFIX}{gid}: the test passed in the notebook, and the re-check "
                f"that runs your functions again outside the notebook could not confirm it "
                f"({check.undecided}). Your {points:g} point(s) stand; an instructor will "
                "review this.")
            continue
        verdict.action = "zeroed"
        if check.undecided:
            verdict.reason = f"tampering ({'; '.join(tampering)[:200]}); {check.undecided}"
            cause = (f"the grader found signs of tampering ({'; '.join(tampering)[:200]}) and "
                     f"the re-check outside the notebook could not confirm the result "
                     f"({check.undecided})")
        else:
            verdict.reason = f"different answer: {why}"
            cause = (f"the re-check that runs your functions again outside the notebook, on "
                     f"new inputs, computed a different answer ({why})")
        grade.auto_score = 0.0
        comments.setdefault(answer_of.get(gid), []).append(
            f"{COMMENT_PREFIX}{gid} scored 0 instead of {points:g}: the test passed in the "
            f"notebook, but {cause}, so the notebook's result cannot be trusted. An instructor "
            "reviews this and can restore the points.")
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
