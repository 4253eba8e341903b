"""One grading worker: what it holds for a whole run, and the grading of one submission.

Both drivers use it: `grade` runs `GradingWorker` in its local worker processes
(``--jobs N``), `distributed` in each Dask worker (``--scheduler``).

* before a run: `preload_modules` (what the worker's forked kernels import once),
  `ensure_released` (nbgrader needs the assignment in the gradebook) and
  `sandbox_mode` (what `sandbox.probe` allows here, and the ``--sandbox`` option);
* `GradingWorker`: the course, nbgrader's API, the kernel factory and the re-check's
  sandboxed Python and data, made once per process;
* `grade_one`: pre-flight, scan, nbgrader's autograde, the out-of-kernel re-check and
  its reconciliation, and the check that no manual grade changed; it returns the
  submission's ledger entry;
* `record_remote`: the driver's half of a submission graded on a Dask worker (the driver
  is then the gradebook's only writer).
"""

from __future__ import annotations

import ast
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from . import preflight, scan

__all__ = ["GradingWorker", "ensure_released", "grade_one", "preload_modules",
           "record_remote", "sandbox_mode", "scratch_folder"]


# --- before a run ----------------------------------------------------------------------------

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


def sandbox_mode(course, option, log) -> tuple[str, str]:
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



#: The longest path a Unix socket may have (``sun_path``: 108 bytes with the final NUL) ...
_SOCKET_PATH_MAX = 107
#: ... and what the kernel factory adds to a worker's scratch folder for one socket.
_SOCKET_SUFFIX = len("/kernels/k99999/conn/ipc-99999")


def scratch_folder(prefix: str, near: str | None = None) -> str:
    """A new scratch folder for a `GradingWorker`, short enough for its kernels' sockets.

    Made in `near` (a Dask worker's own folder) or else the temporary folder (``TMPDIR``);
    when that path is too long for the kernels' ZeroMQ ``ipc`` sockets, in ``/tmp``.
    """
    for base in (near, tempfile.gettempdir(), "/tmp"):
        if not base or not os.path.isdir(base) or not os.access(base, os.W_OK):
            continue
        # mkdtemp adds 8 characters to the prefix
        if len(os.path.join(base, prefix)) + 8 + _SOCKET_SUFFIX <= _SOCKET_PATH_MAX:
            return tempfile.mkdtemp(prefix=prefix, dir=base)
    raise RuntimeError(f"the temporary folder {tempfile.gettempdir()!r} is too long a path "
                       "for the grading kernels' sockets and /tmp cannot be used: set TMPDIR "
                       "to a short folder")


# --- one worker ----------------------------------------------------------------------------

class GradingWorker:
    """Everything one worker process holds for the whole run.

    `scratch` (from `scratch_folder`) holds the kernels' sockets and the re-check's sandbox
    plan; the driver that made it removes it, even when it has to kill this process.
    """

    def __init__(self, root, db_url, assignment, opts, preload, scratch):
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import AssignLatePenalties, IgnorePattern, LimitOutput

        from . import dblock, kernels
        from .course import InstructorCourse
        from .execute import GradingExecute
        from .saving import SaveAutoGradesAtOnce

        self.course = InstructorCourse(root, db_url)
        self.assignment = assignment
        self.opts = opts
        self.scratch = scratch
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


def grade_one(w: GradingWorker, student: str, previous: dict | None,
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


