"""Grade a class in parallel: isolated, sandboxed, checked, resumable.

Design (why it is fast)
-----------------------
nbgrader's start-up (~2.5 s per process) and a kernel's start (~0.6 s, plus
~1 s for this course's scikit-learn import) dominate a light notebook, so one
``nbgrader autograde`` process per student is slower than nbgrader's own
serial loop. Here ``--jobs N`` starts **N long-lived worker processes**; each
imports nbgrader once and grades many students in-process through nbgrader's
Python API (``NbGraderAPI.autograde``, one student per call, so a broken
notebook fails alone), and each owns a **kernel factory** (`kernels`) that
forks pre-imported, sandboxed kernels in milliseconds. The main process only
hands out students, watches the clock and writes the ledger. SQLite gradebook
sessions are serialised by a file lock (`dblock`); PostgreSQL takes concurrent
writers as they come.

Per submission, a worker runs
1. `preflight.stage`: find, check, repair and stage the notebook;
2. `scan`: the static red-flag scan of the learner's code;
3. nbgrader's autograde on the staged copy (sandboxed kernel, per-cell time
   limit, output limit, resource limits);
4. `integrity`: the out-of-kernel re-check, and removal of points it refutes;
5. a check that no manual grade changed.

Safety
------
* A submission that cannot be graded (damaged file, kernel killed, endless
  loop, a worker that died or overran ``--student-timeout``) is reported with
  a reason; the others are graded.
* Re-running is idempotent: a submission whose files have not changed since
  it was graded is skipped (``--force`` grades again). Manual grades are never
  changed: nbgrader keeps them, and `_grade_one` verifies it.
* A run killed half-way (even ``kill -9``) loses only the submissions in
  flight; their ledger lines are missing, so the next run grades them.
"""

from __future__ import annotations

import ast
import collections
import fnmatch
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import preflight, scan
from .ledger import Ledger

__all__ = ["GradeOptions", "GradeSummary", "grade_assignment"]


@dataclass
class GradeOptions:
    """Settings of one ``grade`` run (see ``logreg-course grade --help``)."""

    jobs: int = 0  # 0: one per CPU core
    students: list = field(default_factory=list)  # ids or glob patterns; empty: all
    force: bool = False
    retry_failed: bool = False
    timeout: int | None = None  # per cell, seconds (default: nbgrader_config's)
    student_timeout: float | None = None  # whole submission, seconds
    max_output_bytes: int = 1_000_000
    memory: int = 4 << 30
    sandbox: str = "auto"  # "auto", "require" or "off"
    recheck: bool = True
    progress: bool | None = None  # None: a bar on a terminal, lines otherwise
    sandbox_binds: list = field(default_factory=list)
    scheduler: str | None = None  # a Dask scheduler (address or scheduler file): grade there
    tls: dict | None = None  # {"ca", "cert", "key"}: TLS to the Dask scheduler


@dataclass
class GradeSummary:
    """What a run did."""

    assignment: str
    total: int = 0
    graded: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (student, reason)
    skipped: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    zeroed: list = field(default_factory=list)  # (student, [grade ids])
    seconds: float = 0.0
    sandbox: str = ""

    not_graded: list = field(default_factory=list)  # selected students without a grade

    @property
    def exit_code(self) -> int:
        """1 while a selected submission could not be graded (now or in an earlier run)."""
        return 1 if (self.failed or self.not_graded) else 0


# --- preparation -----------------------------------------------------------------------------

def preload_modules(course, assignment) -> list[str]:
    """Modules imported by the locked cells of the assignment's source notebooks."""
    from IPython.core.inputtransformer2 import TransformerManager

    modules: list[str] = []
    transform = TransformerManager().transform_cell
    for name in course.notebooks(assignment):
        nb = nbformat.read(str(course.source_notebook(assignment, name)), as_version=4)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader") or {}
            if cell.cell_type != "code" or not meta.get("locked"):
                continue
            try:
                tree = ast.parse(transform(cell.source))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.extend(a.name for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.append(node.module)
    return list(dict.fromkeys(modules))


def ensure_released(course, assignment, log) -> None:
    """nbgrader needs the assignment (cells, hidden tests) in the gradebook to grade it."""
    if course.assignment_in_gradebook(assignment) and all(
            course.release_notebook(assignment, n).exists() for n in course.notebooks(assignment)):
        return
    log(f"{assignment} is not in the gradebook yet: running nbgrader generate_assignment")
    result = course.api().generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"generate_assignment {assignment} failed:\n"
                           f"{result.get('error') or result.get('log')}")


def select_students(course, assignment, patterns) -> list[str]:
    everyone = course.students(assignment)
    if not patterns:
        return everyone
    chosen = [s for s in everyone if any(fnmatch.fnmatchcase(s, p) for p in patterns)]
    unknown = [p for p in patterns if not any(fnmatch.fnmatchcase(s, p) for s in everyone)]
    if unknown:
        raise ValueError(f"no submission of {assignment} for: {', '.join(unknown)} "
                         f"(looked in {course.step_dir('submitted')})")
    return chosen


# --- the worker ------------------------------------------------------------------------------

def _set_pdeathsig():
    """Die with the main process, even when it is killed with SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class _Worker:
    """Everything one worker process holds for the whole run."""

    def __init__(self, root, db_url, assignment, opts, preload):
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import AssignLatePenalties, IgnorePattern, LimitOutput

        from . import dblock, kernels
        from .course import InstructorCourse
        from .execute import GradingExecute
        from .saving import SaveAutoGradesAtOnce

        self.course = InstructorCourse(root, db_url)
        self.assignment = assignment
        self.opts = opts
        self.scratch = tempfile.mkdtemp(prefix="lrc-worker-")
        limits = {"as": opts["memory"], "nproc": 1024, "fsize": 64 << 20, "cpu": 900,
                  "nofile": 1024}
        from ..assignments import REPO

        # The kernel factory forks kernels and watches them through /proc: Linux only.
        # Elsewhere nbgrader starts its kernels itself (no sandbox; the probe says so).
        self.factory = None
        if sys.platform.startswith("linux"):
            self.factory = kernels.KernelFactory(
                os.path.join(self.scratch, "kernels"), sandbox_mode="off",
                hidden=[str(self.course.root), str(REPO)], limits=limits, preload=preload,
                extra_binds=opts["sandbox_binds"])
        kernels.configure(self.factory)
        dblock.install(self.course.gradebook_url)
        config = self.course.config(staged=True)
        if opts["timeout"]:
            config.Execute.timeout = int(opts["timeout"])
        config.GradingExecute.max_output_bytes = int(opts["max_output_bytes"])
        config.GradingExecute.use_factory = self.factory is not None
        # nbgrader's list, with our executor and one commit per notebook; without a second
        # CheckCellMetadata: the notebook it would check is the one the sanitising pass has
        # just checked and written (the executor changes only outputs)
        config.Autograde.autograde_preprocessors = [
            GradingExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
            SaveAutoGradesAtOnce, AssignLatePenalties]
        self.cell_timeout = config.Execute.timeout
        self.ignore = list(config.CourseDirectory.ignore)
        from logreg_course.grading.nbgrade import prepare_nbgrader

        prepare_nbgrader()
        import logging

        from nbgrader.apps import NbGraderAPI

        self.api = NbGraderAPI(config=config)
        self.api.log.setLevel(logging.WARNING)
        self.notebooks = self.course.notebooks(assignment)
        self.sources = {n: nbformat.read(str(self.course.source_notebook(assignment, n)),
                                         as_version=4) for n in self.notebooks}
        self.recheck_python = None
        self.recheck_reason = None
        self.data_cache: dict = {}
        if self.factory is not None:
            self.factory.wait_ready()
        if opts["recheck"]:
            from .integrity import recheck_available

            self.recheck_reason = recheck_available(assignment)
            if self.recheck_reason is None:
                self._warm_recheck()

    def setup(self, sandbox_mode: str) -> None:
        """Use the sandbox mode that `sandbox.probe` found (sent once the probe is done)."""
        from ..assignments import REPO
        from .integrity import sandboxed_python
        from .sandbox import plan_for

        if self.factory is not None:
            self.factory.sandbox_mode = sandbox_mode
        if self.opts["recheck"] and self.recheck_reason is None and sandbox_mode != "off":
            plan = plan_for(cwd=None, hidden=[str(self.course.root), str(REPO)],
                            mode=sandbox_mode, limits={})
            plan_file = os.path.join(self.scratch, "recheck-plan.json")
            with open(plan_file, "w") as f:
                f.write(plan.to_json())
            self.recheck_python = sandboxed_python(self.scratch, plan_file)

    def _warm_recheck(self):
        """Load the re-check's data sets once (`data_cache`, shared by every re-check)."""
        try:
            from ..grading.checks import Context
            from ..grading.specs import get_spec

            ctx = Context(cache=self.data_cache)
            for check in get_spec(self.assignment).checks.values():
                check.build(ctx)
        except Exception:
            pass

    def close(self):
        if self.factory is not None:
            self.factory.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _manual_state(gb, assignment, notebook, student):
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return {}, {}
    grades = {g.name: (g.manual_score, g.extra_credit, g.needs_manual_grade) for g in sub.grades}
    comments = {c.name: c.manual_comment for c in sub.comments}
    return grades, comments


def _restore_manual(gb, assignment, notebook, student, before, unchanged) -> list[str]:
    """Verify that manual grades survived; put back any that did not (never expected)."""
    from nbgrader.api import MissingEntry

    notes = []
    grades, comments = before
    if not grades:
        return notes
    try:
        sub = gb.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return notes
    for g in sub.grades:
        if g.name not in grades:
            continue
        manual, extra, needs = grades[g.name]
        if g.manual_score != manual or g.extra_credit != extra:
            g.manual_score, g.extra_credit = manual, extra
            notes.append(f"manual grade of {g.name} restored")
        # nbgrader marks a manually graded cell "needs review" at every regrade; when the
        # learner's files did not change there is nothing new to review.
        if manual is not None and unchanged and not needs and g.needs_manual_grade:
            g.needs_manual_grade = False
    for c in sub.comments:
        if c.name in comments and c.manual_comment != comments[c.name]:
            c.manual_comment = comments[c.name]
            notes.append(f"manual comment on {c.name} restored")
    gb.db.commit()
    return notes


def _explain_failure(result, last_cell, cell_timeout, memory, kernel_log="") -> tuple[str, str]:
    """(reason for the instructor, fault: "submission" or "grader") from nbgrader's log."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    cell = "the setup"
    if last_cell.get("grade_id"):
        cell = f"cell {last_cell['grade_id']!r}"
    elif last_cell.get("index") is not None:
        cell = f"cell {last_cell['index'] + 1} (added by the learner)"
    if "sandboxed kernel failed to start" in text or "kernel factory" in text:
        return f"the grading kernel could not start: {_last_line(text)}", "grader"
    if not last_cell and ("kernel died" in text.lower() or "DeadKernelError" in text or
                          "didn't respond" in text):
        return ("the grading kernel did not start (a problem of the grading machine, not of "
                f"the submission): {_last_line(kernel_log or text)}", "grader")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text.lower():
        return (f"the kernel died while running {cell} (os._exit, a crash, or the "
                f"{memory >> 20} MB memory limit)", "submission")
    if "UnresponsiveKernelError" in text or "Timeout waiting for" in text or \
            "TimeoutError" in text:
        return (f"{cell} ran longer than {cell_timeout} s and could not be interrupted "
                "(an endless loop that catches KeyboardInterrupt?)", "submission")
    if "SchemaTooOld" in text or "SchemaTooNew" in text or "ValidationError" in text:
        return f"invalid grading metadata: {_last_line(text)}", "submission"
    if "OperationalError" in text or ("database" in text.lower() and "locked" in text.lower()):
        return f"gradebook error: {_last_line(text)}", "grader"
    if kernel_log and "Traceback" in kernel_log:
        return f"the kernel failed: {_last_line(kernel_log)}", "grader"
    return f"nbgrader failed: {_last_line(text)}", "grader"


def _last_line(text):
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln or "error" in ln or "Exception" in ln:
            return ln[:300]
    return lines[-1][:300] if lines else "no details"


def _runtime_flags(nb, notebook, truncated) -> list[scan.Flag]:
    """Time-outs seen in an autograded notebook, and cells whose output was cut."""
    flags = []
    for i, cell in enumerate(nb.cells):
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        where = f"cell {i + 1}" + (f" ({gid})" if gid else "")
        if any(out.get("output_type") == "error" and out.get("ename") in (
                "CellTimeoutError", "TimeoutError") for out in cell.get("outputs", [])):
            flags.append(scan.Flag("timeout", "info", where,
                                   "the cell hit the time limit and was interrupted"))
        if i in truncated:
            flags.append(scan.Flag("output-limit", "info", where,
                                   "the cell printed too much; its output was cut"))
    return flags


def _not_graded(course, assignment, student, notebooks, keep_scores) -> None:
    """Record a submission that could not be graded: the student is in the gradebook
    (exports list them, with 0) and, unless the files are unchanged since they were
    graded, no automatic score of an earlier version stands for this one."""
    from nbgrader.api import MissingEntry

    with course.gradebook() as gb:
        gb.update_or_create_student(student)
        if keep_scores:
            return
        for n in notebooks:
            try:
                sub = gb.find_submission_notebook(n, assignment, student)
            except MissingEntry:
                continue
            for g in sub.grades:
                g.auto_score = None
                g.needs_manual_grade = True
        gb.db.commit()


def _grade_one(w: _Worker, student: str, previous: dict | None,
               keep_for_driver: bool = False) -> dict:
    """Grade one submission in worker `w`; return its ledger entry.

    With `keep_for_driver` (a Dask worker, whose gradebook is a scratch copy) the entry also
    carries what the driver needs to write the real gradebook (`record_remote`): the
    re-check's reports, what the scan proved, and the submission's timestamp.
    """
    from . import execute, integrity

    t0 = time.perf_counter()
    course, aid = w.course, w.assignment
    res = {"student": student, "assignment": aid, "status": "failed", "fault": "submission",
           "reason": "", "notes": [], "flags": [], "cells": {}, "score": None,
           "max_score": None, "integrity": {}, "digest": "", "timings": {}}
    pre = preflight.stage(course, aid, student, ignore=w.ignore)
    res["digest"], res["notes"] = pre.digest, list(pre.notes)
    res["timings"]["preflight"] = time.perf_counter() - t0
    unchanged = bool(previous) and previous.get("digest") == pre.digest
    if not pre.ok:
        res["reason"] = pre.reason
        # on the class list (an LMS export shows the learner, with 0), and never with the
        # scores of an earlier version of the submission
        _not_graded(course, aid, student, w.notebooks, keep_scores=unchanged)
        return res
    flags = scan.scan_files(pre.extra_files)
    res["versions"] = {"grader": _course_version()}
    for name, path in pre.notebooks.items():
        staged = nbformat.read(path, as_version=4)
        for f in scan.scan_notebook(staged, w.sources[name]):
            flags.append(scan.Flag(f.kind, f.severity,
                                   f.where if len(w.notebooks) == 1 else f"{name}: {f.where}",
                                   f.message))
        # the course version the learner's notebook was released with (make exercises writes
        # it into the notebook's metadata): graded anyway, and said
        theirs = (staged.metadata.get("logreg_course") or {}).get("version")
        if theirs:
            res["versions"][name] = str(theirs)[:40]
            if str(theirs) != res["versions"]["grader"]:
                flags.append(scan.Flag(
                    "version", "info", name, f"the notebook comes from course version "
                    f"{str(theirs)[:40]}; graded with {res['versions']['grader']}"))
    with course.gradebook() as gb:
        before = {n: _manual_state(gb, aid, n, student) for n in w.notebooks}
    execute.LAST_CELL.clear()
    execute.TRUNCATED.clear()
    execute.DURATIONS.clear()
    if w.factory is not None:
        w.factory.last_kernel_log = ""
    t1 = time.perf_counter()
    result = w.api.autograde(aid, student, force=True, create=True)
    res["timings"]["autograde"] = time.perf_counter() - t1
    if not result["success"]:
        kernel_log = w.factory.last_kernel_log if w.factory is not None else ""
        reason, fault = _explain_failure(result, dict(execute.LAST_CELL), w.cell_timeout,
                                         w.opts["memory"], kernel_log)
        serious = sorted({f.kind for f in flags if f.severity == "high"})
        if serious and fault == "submission":
            reason += f"; the scan flagged it ({', '.join(serious)})"
        res["reason"], res["fault"] = reason, fault
        logs = course.grading_dir(aid) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"{student}.log").write_text(
            (result.get("log") or "") + "\n" + (result.get("error") or "")
            + ("\n--- kernel output ---\n" + kernel_log if kernel_log else ""))
        _not_graded(course, aid, student, w.notebooks, keep_scores=unchanged)
        res["flags"] = [f.to_dict() for f in flags]
        return res
    for n in w.notebooks:
        path = course.autograded_dir(student, aid) / f"{n}.ipynb"
        if path.exists():
            flags.extend(_runtime_flags(nbformat.read(str(path), as_version=4), n,
                                        execute.TRUNCATED.get(n, ())))
    t2 = time.perf_counter()
    # what the scan found that proves tampering: then a re-check that cannot decide does not
    # leave the points standing
    tampering = [f"{f.where}: {f.message}" for f in flags if f.severity == "high"]
    for n in w.notebooks:
        if not w.opts["recheck"]:
            continue
        report, problem = None, ""
        if w.recheck_reason:
            problem = w.recheck_reason
        elif n in pre.notebooks:
            with course.gradebook() as gb:
                scored = {g.name for g in gb.find_submission_notebook(n, aid, student).grades
                          if g.auto_score}
            try:
                # each call's time budget comes from what its test cell took in the kernel;
                # only the cells nbgrader gave points need confirming
                report = integrity.run_recheck(
                    pre.notebooks[n], aid, str(course.source_notebook(aid, n)),
                    python=w.recheck_python, kernel_seconds=execute.DURATIONS.get(n, {}),
                    call_timeout=float(w.cell_timeout),
                    address_space=max(int(w.opts["memory"]), 8 << 30), grade_ids=scored,
                    data_cache=w.data_cache)
            except Exception as exc:  # a re-check failure must never pass anyone
                problem = f"the re-check failed: {type(exc).__name__}: {exc}"
        if report is None and not problem:
            continue
        if keep_for_driver:
            res.setdefault("_recheck", {})[n] = (report, problem)
            res["_tampering"] = tampering
        with course.gradebook() as gb:
            outcome = integrity.reconcile(gb, aid, n, student, report, w.sources[n],
                                          recheck_problem=problem, tampering=tampering)
        res["integrity"][n] = outcome.to_dict()
        if outcome.zeroed:
            first = outcome.cells[outcome.zeroed[0]]
            lost = sum(outcome.cells[g].nbgrader or 0 for g in outcome.zeroed)
            flags.append(scan.Flag(
                "recheck", "high", ", ".join(outcome.zeroed[:3])
                + (f" (+{len(outcome.zeroed) - 3})" if len(outcome.zeroed) > 3 else ""),
                f"{lost:g} point(s) on {len(outcome.zeroed)} test(s) removed: they passed in "
                f"the kernel but not when re-run outside it (first: {first.grade_id}: "
                f"{first.reason[:160]})"))
        for gid in outcome.review:
            flags.append(scan.Flag(
                "review", "medium", gid, f"points kept, for review: the re-check could not "
                f"confirm the test ({outcome.cells[gid].reason[:160]})"))
        if outcome.problem:
            flags.append(scan.Flag("recheck", "info", n, f"re-check problem: {outcome.problem}"))
    res["timings"]["recheck"] = time.perf_counter() - t2
    with course.gradebook() as gb:
        for n in w.notebooks:
            res["notes"] += _restore_manual(gb, aid, n, student, before[n], unchanged)
        sub = gb.find_submission(aid, student)
        res["score"], res["max_score"] = sub.score, sub.max_score
        for nb in sub.notebooks:
            for g in nb.grades:
                res["cells"][g.name] = [g.score, g.max_score, g.auto_score, g.manual_score]
    res["status"], res["fault"] = "graded", ""
    res["flags"] = [f.to_dict() for f in flags]
    return res


def _course_version() -> str:
    from .. import __version__

    return __version__


def record_remote(course, aid: str, res: dict, previous: dict | None) -> dict:
    """Write a result graded elsewhere (`distributed.grade_remote`) into this course.

    The driver is the gradebook's only writer: it saves the autograded notebooks, lets
    nbgrader's rules (``SaveAutoGrades``, as `saving` applies it, and
    ``AssignLatePenalties``) read their scores into the gradebook, applies the re-check
    (`integrity.reconcile`) and puts back any manual grade, as a local worker does.
    Returns the ledger entry.
    """
    import nbformat
    from nbgrader.preprocessors import AssignLatePenalties

    from . import integrity
    from .saving import SaveAutoGradesAtOnce

    autograded = res.pop("_autograded", {}) or {}
    rechecks = res.pop("_recheck", {}) or {}
    tampering = res.pop("_tampering", []) or []
    student = res["student"]
    notebooks = course.notebooks(aid)
    res["digest"] = preflight.submission_digest(course.submission_dir(student, aid))
    unchanged = bool(previous) and previous.get("digest") == res["digest"]
    if res.get("status") != "graded":
        _not_graded(course, aid, student, notebooks, keep_scores=unchanged)
        return res
    with course.gradebook() as gb:
        before = {n: _manual_state(gb, aid, n, student) for n in notebooks}
    folder = course.autograded_dir(student, aid)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in autograded.items():
        (folder / f"{name}.ipynb").write_bytes(data)
    timestamp = course._coursedir.get_existing_timestamp(str(course.submission_dir(student,
                                                                                   aid)))
    with course.gradebook() as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(aid, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(aid, student)
        for n in notebooks:  # a notebook that was not handed in scores 0, as nbgrader does
            if n not in autograded:
                for g in gb.find_submission_notebook(n, aid, student).grades:
                    g.auto_score, g.needs_manual_grade = 0, False
        gb.db.commit()
    config = course.config()
    for name, data in autograded.items():
        nb = nbformat.reads(data.decode(), as_version=4)
        resources = {"nbgrader": {"notebook": name, "assignment": aid, "student": student,
                                  "db_url": course.gradebook_url}}
        for step in (SaveAutoGradesAtOnce, AssignLatePenalties):
            step(config=config).preprocess(nb, resources)
        report, problem = rechecks.get(name, (None, ""))
        if report is not None or problem:
            source = nbformat.read(str(course.source_notebook(aid, name)), as_version=4)
            with course.gradebook() as gb:
                integrity.reconcile(gb, aid, name, student, report, source,
                                    recheck_problem=problem, tampering=tampering)
    with course.gradebook() as gb:
        for n in notebooks:
            res["notes"] = res.get("notes", []) + _restore_manual(gb, aid, n, student,
                                                                   before[n], unchanged)
        sub = gb.find_submission(aid, student)
        res["score"], res["max_score"] = sub.score, sub.max_score
        res["cells"] = {g.name: [g.score, g.max_score, g.auto_score, g.manual_score]
                        for nb_ in sub.notebooks for g in nb_.grades}
    return res


def _worker_main(wid, conn, root, db_url, assignment, opts, preload):
    _set_pdeathsig()
    # Ctrl-C at the terminal reaches the main process only, which stops the run. (Ignoring
    # SIGINT here instead would be inherited by the re-check's runner, whose per-statement
    # time limit relies on it.)
    os.setpgrp()
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader
    warnings.filterwarnings("ignore", message=".*not in session.*")
    warnings.filterwarnings("ignore", module="nbformat")  # ids: the pre-flight repairs them
    w = None
    try:
        w = _Worker(root, db_url, assignment, opts, preload)
        conn.send(("ready", wid, None))
        while True:
            msg = conn.recv()
            if msg is None:
                break
            if msg[0] == "setup":
                w.setup(msg[1])
                continue
            student, previous = msg
            t0 = time.perf_counter()
            try:
                res = _grade_one(w, student, previous)
            except Exception as exc:
                res = {"student": student, "assignment": assignment, "status": "failed",
                       "fault": "grader", "reason": f"grader error: {type(exc).__name__}: {exc}",
                       "traceback": traceback.format_exc()[-3000:], "notes": [], "flags": []}
            res["seconds"] = time.perf_counter() - t0
            res["worker"] = wid
            conn.send(("done", wid, res))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    except Exception as exc:
        try:
            conn.send(("fatal", wid, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
        except (OSError, ValueError):
            pass
    finally:
        if w is not None:
            w.close()
        # Skip the interpreter's slow teardown (nbgrader, SQLAlchemy, scikit-learn loaded):
        # every result has been sent and the main process writes the ledger.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


# --- progress --------------------------------------------------------------------------------

class _Progress:
    """A tqdm bar on a terminal; a plain line every few seconds elsewhere (CI logs)."""

    def __init__(self, total, label, enabled, stream=None):
        self.total, self.done, self.failed, self.flagged = total, 0, 0, 0
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        self.bar = None
        tty = getattr(self.stream, "isatty", lambda: False)()
        if enabled or (enabled is None and tty):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="nb", file=self.stream,
                            dynamic_ncols=True, smoothing=0.1,
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                       "[{elapsed}<{remaining}, {rate_fmt}]{postfix}")
        self.label = label

    def restart(self):
        """Measure rate and ETA from now on (once the workers are ready, not from launch)."""
        self.start = time.monotonic()
        if self.bar is not None and self.done == 0:
            self.bar.reset(total=self.total)

    def write(self, message):
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def update(self, res):
        self.done += 1
        self.failed += res.get("status") != "graded"
        self.flagged += any(f.get("severity") in ("high", "medium") for f in res.get("flags", []))
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.failed} failed, {self.flagged} flagged",
                                     refresh=False)
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self.last >= 5.0 or self.done == self.total:
            self.last = now
            elapsed = now - self.start
            eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
            self.write(f"{self.label}: {self.done}/{self.total} graded "
                       f"({100 * self.done / max(self.total, 1):.0f}%), {self.failed} failed, "
                       f"{self.flagged} flagged, {elapsed:.0f} s elapsed, ETA {eta:.0f} s")

    def close(self):
        if self.bar is not None:
            self.bar.close()


# --- the run ---------------------------------------------------------------------------------

class _Slot:
    """One worker process and the pipe to it."""

    def __init__(self, wid, ctx, args, mode=None):
        self.wid = wid
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(wid, child, *args), daemon=True,
                                name=f"lrc-grader-{wid}")
        self.proc.start()
        child.close()
        self.ready = False
        self.task = None  # (student, started)
        if mode is not None:
            self.setup(mode)

    def setup(self, mode):
        self.conn.send(("setup", mode))

    def kill(self):
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def _sandbox_mode(course, option, log) -> tuple[str, str]:
    from .sandbox import probe

    if option == "off":
        return "off", "sandbox OFF (--sandbox off): learner code runs as the grader's user"
    secret = course.sqlite_path if course.sqlite_path and course.sqlite_path.exists() else (
        course.root / "nbgrader_config.py")
    if not Path(secret).exists():
        secret = course.source_directory
    result = probe(str(secret), tempfile.gettempdir())
    if result.ok:
        return result.mode, result.describe()
    if option == "require":
        raise RuntimeError(f"--sandbox require: the sandbox does not work here: {result.reason}")
    banner = "!" * 78
    log(f"{banner}\nWARNING: NO SANDBOX. {result.reason}.\nLearner code will run as your user "
        "with access to the gradebook, the solutions and the network.\nGrade untrusted "
        "submissions only on a machine where `python -m logreg_course.instructor.sandbox "
        f"probe` succeeds (Linux, root or user namespaces).\n{banner}")
    return "off", f"NO SANDBOX ({result.reason})"


def grade_assignment(course, assignment: str, opts: GradeOptions | None = None,
                     log=None) -> GradeSummary:
    """Grade every (selected) submission of `assignment`; return the summary."""
    opts = opts or GradeOptions()
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    start = time.monotonic()
    summary = GradeSummary(assignment)
    course.notebooks(assignment)  # a clear error for an unknown assignment
    students = select_students(course, assignment, opts.students)
    if not students:
        log(f"No submissions of {assignment} in {course.step_dir('submitted')}: nothing to do.")
        return summary
    grading_dir = course.grading_dir(assignment)
    grading_dir.mkdir(parents=True, exist_ok=True)
    run_lock = _exclusive(grading_dir / ".run.lock")
    if run_lock is None:
        raise RuntimeError(f"another `grade {assignment}` is running on this course "
                           f"(lock {grading_dir / '.run.lock'})")
    ledger = Ledger(grading_dir / "ledger.jsonl")
    previous = ledger.entries()
    todo = []
    for s in students:
        prev = previous.get(s)
        if opts.force or prev is None:
            todo.append(s)
            continue
        digest = preflight.submission_digest(course.submission_dir(s, assignment))
        if prev.get("digest") != digest:
            todo.append(s)
        elif prev.get("status") != "graded" and opts.retry_failed:
            todo.append(s)
        else:
            summary.skipped.append(s)
    summary.total = len(students)
    log(f"Grading {assignment}: {len(students)} submission(s) in {course.root}; "
        f"gradebook {course.gradebook_label}")
    if summary.skipped:
        log(f"  {len(summary.skipped)} unchanged since they were graded: skipped "
            "(--force grades them again)")
    if not todo:
        log("Nothing to grade.")
        _summarise(summary, previous, students, log)
        return summary
    ensure_released(course, assignment, log)
    preload = preload_modules(course, assignment)
    jobs = max(1, min(opts.jobs or os.cpu_count() or 1, len(todo)))
    cell_timeout = opts.timeout or course.config().Execute.timeout
    student_timeout = opts.student_timeout or max(300.0, 10.0 * cell_timeout)
    worker_opts = {"timeout": opts.timeout, "max_output_bytes": opts.max_output_bytes,
                   "memory": opts.memory, "recheck": opts.recheck,
                   "sandbox_binds": list(opts.sandbox_binds)}
    if opts.scheduler:
        return _grade_on_cluster(course, assignment, opts, summary, todo, previous, ledger,
                                 preload, worker_opts, students, run_lock, start, log)
    ctx = multiprocessing.get_context("spawn")
    args = (str(course.root), course.db_url, assignment, worker_opts, preload)
    pending = collections.deque(todo)
    # the workers start (imports, kernel factories) while the sandbox is probed
    slots = {i: _Slot(i, ctx, args) for i in range(jobs)}
    try:
        mode, description = _sandbox_mode(course, opts.sandbox, log)
    except BaseException:
        for slot in slots.values():
            slot.kill()
        os.close(run_lock)
        raise
    for slot in slots.values():
        slot.setup(mode)
    summary.sandbox = description
    log(f"  {description}")
    log(f"  {len(todo)} to grade with {jobs} worker(s); per cell: {cell_timeout} s, "
        f"{opts.max_output_bytes // 1000} kB output; per kernel: {opts.memory >> 20} MB memory; "
        f"per submission: {student_timeout:.0f} s")
    progress = _Progress(len(todo), f"grade {assignment}", opts.progress)
    next_id = jobs
    fatal = []
    failed_starts = 0

    record = _recorder(ledger, progress, summary)

    def lost(slot, reason):
        student, started = slot.task
        record({"student": student, "assignment": assignment, "status": "failed",
                "fault": "grader" if "died" in reason else "submission", "reason": reason,
                "notes": [], "flags": [], "seconds": time.monotonic() - started,
                "digest": preflight.submission_digest(course.submission_dir(student, assignment))})
        slot.task = None

    from multiprocessing.connection import wait

    try:
        while pending or any(s.task for s in slots.values()):
            for slot in slots.values():
                if slot.ready and slot.task is None and pending:
                    student = pending.popleft()
                    slot.conn.send((student, previous.get(student)))
                    slot.task = (student, time.monotonic())
            waitables = {}
            for slot in slots.values():
                waitables[slot.conn] = slot
                waitables[slot.proc.sentinel] = slot
            for ready in wait(list(waitables), timeout=0.5):
                slot = waitables[ready]
                if slot.wid not in slots:
                    continue
                if ready is slot.conn:
                    try:
                        kind, _, payload = slot.conn.recv()
                    except (EOFError, OSError):
                        continue  # the sentinel reports the death
                    if kind == "ready":
                        if not any(s.ready for s in slots.values()):
                            progress.restart()
                        slot.ready = True
                    elif kind == "done":
                        slot.task = None
                        record(payload)
                    elif kind == "fatal":
                        fatal.append(payload)
                elif not slot.proc.is_alive():
                    code = slot.proc.exitcode
                    if slot.task:
                        lost(slot, f"the grading process died (exit code {code}; out of memory?)")
                    slot.kill()
                    del slots[slot.wid]
                    if not slot.ready:
                        failed_starts += 1
                        if failed_starts >= 2 * jobs:
                            raise RuntimeError(
                                f"grading workers cannot start ({failed_starts} attempts; last "
                                f"exit code {code}):\n" + (fatal[-1] if fatal else
                                                           "see the messages above"))
                    if pending:
                        slots[next_id] = _Slot(next_id, ctx, args, mode)
                        next_id += 1
            now = time.monotonic()
            for wid, slot in list(slots.items()):
                if slot.task and now - slot.task[1] > student_timeout:
                    student = slot.task[0]
                    lost(slot, f"grading took longer than {student_timeout:.0f} s: stopped "
                               "(a notebook that never finishes?)")
                    progress.write(f"  ✗ {student}: stopped after {student_timeout:.0f} s")
                    slot.kill()
                    del slots[wid]
                    slots[next_id] = _Slot(next_id, ctx, args, mode)
                    next_id += 1
            if not slots and (pending or fatal):
                raise RuntimeError("grading workers cannot start:\n"
                                   + (fatal[-1] if fatal else "(no message)"))
    finally:
        for slot in slots.values():
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in slots.values():
            slot.proc.join(10)
            if slot.proc.is_alive():
                slot.kill()
        progress.close()
        os.close(run_lock)
    summary.seconds = time.monotonic() - start
    _summarise(summary, ledger.entries(), students, log)
    return summary


def _recorder(ledger, progress, summary):
    """``record(res)``: write a result to the ledger, the progress display and the summary."""

    def record(res):
        ledger.append(res)
        progress.update(res)
        if res.get("status") == "graded":
            summary.graded.append(res["student"])
            zeroed = [g for v in res.get("integrity", {}).values()
                      for g, c in v.get("cells", {}).items() if c.get("action") == "zeroed"]
            if zeroed:
                summary.zeroed.append((res["student"], zeroed))
        else:
            summary.failed.append((res["student"], res.get("reason", "")))
            progress.write(f"  ✗ {res['student']}: {res.get('reason')}")
        serious = [f for f in res.get("flags", []) if f.get("severity") in ("high", "medium")]
        if serious:
            summary.flagged.append(res["student"])
            progress.write(f"  ⚑ {res['student']}: {serious[0]['where']}: "
                           f"{serious[0]['message'][:110]}"
                           + (f" (+{len(serious) - 1} more)" if len(serious) > 1 else ""))

    return record


def _grade_on_cluster(course, assignment, opts, summary, todo, previous, ledger, preload,
                      worker_opts, students, run_lock, start, log) -> GradeSummary:
    """The ``--scheduler`` run: Dask workers grade, this process writes (`distributed`)."""
    import warnings

    from . import dblock
    from .distributed import run_on_cluster

    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader
    warnings.filterwarnings("ignore", message=".*not in session.*")
    dblock.install(course.gradebook_url)
    progress = _Progress(len(todo), f"grade {assignment}", opts.progress)
    log(f"  {len(todo)} to grade on the Dask cluster at {opts.scheduler}")
    try:
        summary.sandbox = run_on_cluster(
            course, assignment, todo, previous,
            {"worker": worker_opts, "sandbox": opts.sandbox}, preload,
            _recorder(ledger, progress, summary), progress, log, opts.scheduler, opts.tls)
        log(f"  {summary.sandbox}")
    finally:
        progress.close()
        os.close(run_lock)
    summary.seconds = time.monotonic() - start
    _summarise(summary, ledger.entries(), students, log)
    return summary


def _exclusive(path):
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _summarise(summary, entries, students, log):
    graded = [s for s in students if entries.get(s, {}).get("status") == "graded"]
    failed = [s for s in students if s in entries and entries[s].get("status") != "graded"]
    summary.not_graded = [s for s in students if s not in graded]
    n = len(summary.graded) + len(summary.failed)
    rate = f", {summary.seconds / n:.2f} s per submission" if n else ""
    log(f"Done in {summary.seconds:.1f} s{rate}: {len(summary.graded)} graded, "
        f"{len(summary.failed)} could not be graded, {len(summary.skipped)} skipped. "
        f"Class: {len(graded)}/{len(students)} graded.")
    if summary.zeroed:
        log(f"  Points removed by the integrity re-check for {len(summary.zeroed)} "
            "submission(s): " + "; ".join(f"{s} ({', '.join(g)})" for s, g in summary.zeroed))
    if failed:
        log("  Could not be graded (see `logreg-course export` for the report):")
        for s in failed:
            log(f"    {s}: {entries[s].get('reason')}")


def load_results(course, assignment) -> dict[str, dict]:
    """The latest ledger entry per student."""
    return Ledger(course.grading_dir(assignment) / "ledger.jsonl").entries()

