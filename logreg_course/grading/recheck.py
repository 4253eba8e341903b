"""Re-check a submitted notebook outside the kernel, per grade cell.

In-kernel hidden tests share the interpreter with the learner's code, so some
attacks cannot be stopped there: an IPython input transformer that rewrites the
test cells before they run, rebinding the grader object itself, a code cell
placed before the setup cell. This module re-runs the same checks
(`specs`) in a way none of that can reach:

1. extract the learner's code: every code cell of the submission except the
   ones that the (trusted) source notebook marks as locked instructor cells;
   IPython syntax is turned into plain Python first;
2. run it in a fresh ``python -I`` process in an empty directory
   (`runner`): no IPython, no course files, only numpy and the standard
   library importable, an audit hook against file, process, network and frame
   access, resource limits; it calls the graded functions on inputs chosen
   here (a fresh salt each time) and prints the outputs as JSON;
3. compare here, in this trusted process, with the very same ``verify``
   functions the hidden tests use, so the two cannot disagree on what is
   right.

>>> report = recheck_notebook("submitted/alice/01-sigmoid/01-sigmoid.ipynb",
...                           "01-sigmoid")                       # doctest: +SKIP
>>> report.score, report.max_score, report.failed()
(15.0, 17.0, ['sigmoid_stable'])
>>> report.disagreements({"sigmoid_stable": 2.0, ...})            # doctest: +SKIP

The instructor CLI runs this after nbgrader's autograde and flags every grade
cell where nbgrader gave points that the re-check does not confirm.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import values
from .calls import Outcome
from .checks import Context, Fail, evaluate
from .specs import get_spec

__all__ = ["CellCheck", "RecheckReport", "extract_learner_code", "recheck_notebook"]


@dataclass
class CellCheck:
    """The re-check's verdict on one grade cell.

    ``passed`` is the verdict. A failed cell with a non-empty ``undecided`` is
    one the re-check could not judge: it failed only because of calls that
    gave no answer (a time-out, a crash, a shortage of memory, or a set-up the
    re-check could not reproduce), so a grader should review it; without
    ``undecided`` the re-check computed a different answer. ``stand_ins``
    names the learner's earlier functions that were replaced by the course's
    for the cell to pass (no double penalty).
    """

    grade_id: str
    points: float
    passed: bool
    message: str = ""
    undecided: str = ""
    stand_ins: tuple = ()


@dataclass
class RecheckReport:
    """Per-grade-cell verdicts for one submission."""

    assignment_id: str
    cells: dict[str, CellCheck] = field(default_factory=dict)
    cell_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the runner crashed, timed out ...
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(c.points for c in self.cells.values() if c.passed)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cells.values())

    def failed(self) -> list[str]:
        return sorted(g for g, c in self.cells.items() if not c.passed)

    def disagreements(self, nbgrader_scores: dict) -> dict[str, str]:
        """Grade cells where nbgrader's auto score and the re-check disagree.

        `nbgrader_scores` maps grade ids to nbgrader's auto scores (None when
        nbgrader did not grade the cell). A cell that nbgrader scored above 0
        but the re-check failed is the dangerous case (undeserved points); the
        reverse (the re-check passes, nbgrader gave 0) also deserves a look.
        """
        out = {}
        for gid, cell in self.cells.items():
            score = nbgrader_scores.get(gid)
            if score is None:
                out[gid] = "not graded by nbgrader" + ("" if cell.passed else
                                                       f"; re-check: {cell.message}")
            elif score > 0 and not cell.passed:
                out[gid] = f"nbgrader gave {score:g}, the re-check failed: {cell.message}"
            elif score < cell.points and cell.passed:
                out[gid] = f"nbgrader gave {score:g} of {cell.points:g}, the re-check passed"
        return out


def _read(notebook):
    if isinstance(notebook, nbformat.NotebookNode):
        return notebook
    return nbformat.read(str(notebook), as_version=4)


def extract_learner_code(submission, source) -> list[str]:
    """The learner's code cells, as plain Python, in notebook order.

    Every code cell is kept except those whose ``grade_id`` belongs to a
    *locked* cell of the source notebook (setup, self-checks, hidden tests):
    their text is the instructor's and the learner may have tampered with it.
    Answer cells and cells the learner added are kept.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    locked = {c.metadata.nbgrader["grade_id"] for c in _read(source).cells
              if c.metadata.get("nbgrader", {}).get("locked")}
    transform = TransformerManager().transform_cell
    code = []
    for cell in _read(submission).cells:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("grade_id") in locked:
            continue
        source_text = cell.get("source", "")
        if isinstance(source_text, list):
            source_text = "".join(source_text)
        try:
            code.append(transform(str(source_text)))
        except Exception:  # leave it to the runner to report the syntax error
            code.append(str(source_text))
    return code


#: Time budget of a learner call the kernel did not time (nbgrader's per-cell limit).
DEFAULT_CALL_SECONDS = 60.0
#: A call may take this many times as long as its whole grade cell took in the kernel ...
BUDGET_FACTOR = 5.0
#: ... and never less than this (the re-check shares the machine with other graders).
BUDGET_FLOOR = 20.0
#: Virtual memory of the runner (RLIMIT_AS): at least the kernel's.
DEFAULT_ADDRESS_SPACE = 8 << 30


def call_budget(kernel_seconds: float | None, default: float = DEFAULT_CALL_SECONDS) -> float:
    """Seconds a re-check call may take: generous, and derived from the kernel's timing.

    >>> call_budget(None), call_budget(0.01), call_budget(9.0)
    (60.0, 20.0, 45.0)
    """
    if kernel_seconds is None:
        return float(default)
    return max(BUDGET_FLOOR, BUDGET_FACTOR * float(kernel_seconds))


def recheck_notebook(submission, assignment_id: str, *, source=None, salt: int | None = None,
                     kernel_seconds: dict | None = None,
                     call_timeout: float = DEFAULT_CALL_SECONDS,
                     address_space: int = DEFAULT_ADDRESS_SPACE,
                     python: str | None = None, grade_ids=None,
                     data_cache: dict | None = None) -> RecheckReport:
    """Re-check `submission` (a path or notebook) against assignment `assignment_id`.

    Parameters
    ----------
    source : path or notebook, optional
        The trusted source notebook (default: this repository's
        ``solutions/<id>/<id>.ipynb``); only its cell metadata is used.
    salt : int, optional
        Seed of the salted inputs (default: fresh entropy).
    kernel_seconds : dict, optional
        How long cells took in the grading kernel: grade id -> seconds for the
        test cells, and ``"learner"`` -> the longest of the other cells. A
        call's time budget is `call_budget` of its grade cell's time (a
        top-level statement's, of ``"learner"``); without a timing it is
        `call_timeout`.
    call_timeout : float
        Budget of a call (or statement) the kernel did not time.
    address_space : int
        The runner's virtual-memory limit in bytes (at least the kernel's).
    python : str, optional
        Interpreter for the runner (default: this one).
    grade_ids : collection of str, optional
        Re-check only these grade cells (the instructor CLI passes the ones nbgrader gave
        points: a cell that scored 0 cannot have undeserved points).
    data_cache : dict, optional
        Data sets already loaded (`checks.Context`), shared between re-checks.
    """
    from ..assignments import source_notebook
    from . import standins

    start = time.perf_counter()
    spec = get_spec(assignment_id)
    source = source if source is not None else source_notebook(assignment_id)
    timings = kernel_seconds or {}
    ctx = Context(salt, cache=data_cache)
    built = {}
    report = RecheckReport(assignment_id)
    wanted = set(spec.checks) if grade_ids is None else set(grade_ids) & set(spec.checks)
    if not wanted:
        report.seconds = time.perf_counter() - start
        return report
    for gid, check in spec.checks.items():
        if gid not in wanted:
            continue
        calls, verify = check.build(ctx)
        built[gid] = (calls, verify, call_budget(timings.get(gid), call_timeout))
    standin_text = standins.source(assignment_id)
    order = standins.graded_order(standin_text)
    job = {"assignment": assignment_id, "preamble": spec.preamble,
           "statement_timeout": call_budget(timings.get("learner"), call_timeout),
           "address_space": int(address_space), "standins": standin_text,
           "cells": extract_learner_code(submission, source)}

    # Phase 1: the learner's functions as they are.
    outcomes, cell_errors, report.problems = _run_calls(
        job, {gid: (calls, budget, ()) for gid, (calls, _, budget) in built.items()},
        python, address_space)
    report.cell_errors = cell_errors
    second = {}
    for gid, (calls, verify, budget) in built.items():
        cell = _judge(spec[gid], calls, verify, outcomes[gid], cell_errors, assignment_id)
        report.cells[gid] = cell
        names = standins.upstream(order, spec[gid].functions)
        if not cell.passed and names:
            second[gid] = (calls, budget, names)

    # Phase 2 (no double penalty): the failed parts once more, with the learner's earlier
    # graded functions replaced by the course's stand-ins.
    if second:
        again, errors, problems = _run_calls(job, second, python, address_space)
        report.problems += [f"with stand-ins: {p}" for p in problems]
        for gid, (calls, _, names) in second.items():
            cell = _judge(spec[gid], calls, built[gid][1], again[gid], errors, assignment_id)
            if cell.passed:
                cell.stand_ins = names
                report.cells[gid] = cell
    report.seconds = time.perf_counter() - start
    return report


def _run_calls(job, plan, python, address_space):
    """Run the runner on the calls of `plan` ({grade id: (calls, budget, stand-in names)}).

    Returns ({grade id: [Outcome]}, the learner's cell errors, problems).
    """
    wire, ids = [], {}
    for gid, (calls, budget, names) in plan.items():
        ids[gid] = []
        for call in calls:
            ids[gid].append(len(wire))
            wire.append({"id": len(wire), "function": call.function,
                         "args": [values.to_json(values.sanitize(a)) for a in call.args],
                         "kwargs": {k: values.to_json(values.sanitize(v))
                                    for k, v in call.kwargs.items()},
                         "strict": call.strict, "timeout": budget, "stand_ins": list(names)})
    nonce = secrets.token_hex(16)
    # A wall-clock limit for the whole process, a safety net only: every call and statement
    # has its own budget inside. Start-up, plus every call's budget, plus a statement budget
    # for each cell.
    timeout = (60.0 + sum(w["timeout"] for w in wire)
               + job["statement_timeout"] * (1 + len(job["cells"])))
    records, problems = _run({**job, "nonce": nonce, "calls": wire}, nonce, timeout, python,
                             address_space)
    cell_errors = records.pop("cell_errors", [])
    return ({gid: [_outcome(records.get(i)) for i in call_ids] for gid, call_ids in ids.items()},
            cell_errors, problems)


#: Exceptions a call raises when the re-check could not reproduce the notebook's set-up
#: (a cell failed in the runner: an import the runner refuses, IPython's display ...).
_SETUP_ERRORS = ("NameError", "ImportError")


def _undecided_reason(outcome: Outcome, cell_errors) -> str:
    """Why the re-check has no trustworthy answer for this call ("" if it has one)."""
    if outcome.undecided:
        return outcome.undecided
    value = outcome.value
    if cell_errors and isinstance(value, values.Raised) and any(
            value.is_a(name) for name in _SETUP_ERRORS):
        more = " ..." if len(cell_errors) > 1 else ""
        return (f"it raised {value.exc_type} after the re-check could not run all of the "
                f"notebook's code ({cell_errors[0]}{more})")
    return ""


def _judge(check, calls, verify, outcomes, cell_errors, assignment_id) -> CellCheck:
    """The verdict on one grade cell from its outcomes."""
    try:
        evaluate(verify, calls, outcomes)
        return CellCheck(check.grade_id, check.points, True)
    except Fail as exc:
        message = str(exc)
    except Exception as exc:  # a verify bug must not pass anyone
        return CellCheck(check.grade_id, check.points, False,
                         f"grader error: {type(exc).__name__}: {exc}")
    reasons = {k: _undecided_reason(o, cell_errors) for k, o in enumerate(outcomes)}
    reasons = {k: r for k, r in reasons.items() if r}
    if reasons and not any(o.violations for o in outcomes):
        # Would the cell have passed had the calls without an answer answered right? Then
        # they alone failed it: nothing was computed wrongly, and a grader should look.
        filled = list(outcomes)
        for k in reasons:
            filled[k] = _standin_outcome(assignment_id, calls[k])
        try:
            evaluate(verify, calls, filled)
        except Exception:  # another call returned a wrong answer: a verdict
            pass
        else:
            why = "; ".join(dict.fromkeys(reasons.values()))
            return CellCheck(check.grade_id, check.points, False, message, undecided=why)
    return CellCheck(check.grade_id, check.points, False, message)


def _standin_outcome(assignment_id, call) -> Outcome:
    """The course stand-in's answer to `call` (trusted code, run here)."""
    import warnings

    import numpy as np

    from . import standins
    from .calls import copy_input

    fn = getattr(standins.module(assignment_id), call.function)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = values.sanitize(fn(*(copy_input(a) for a in call.args),
                                       **{k: copy_input(v) for k, v in call.kwargs.items()}))
        except Exception as exc:
            value = values.raised(exc)
    return Outcome(value)


_NO_RESULT = "NoResult"  # the exception name given to a call the runner never answered


def _outcome(record) -> Outcome:
    if record is None:
        return Outcome(values.Raised(_NO_RESULT, "the re-check got no result for this call",
                                     (_NO_RESULT,)),
                       undecided="the re-check got no result for it (its process crashed, "
                                 "was killed or could not start)")
    try:
        undecided = str(record.get("undecided", ""))[:200]
        if undecided:
            return Outcome(values.Raised(_NO_RESULT, f"the re-check got no result: {undecided}",
                                         (_NO_RESULT,)), undecided=undecided)
        value = values.from_json(record["value"])
        warnings_ = tuple(str(w)[:300] for w in record.get("warnings", ()))[:20]
        violations = tuple(str(v)[:300] for v in record.get("violations", ()))[:20]
        return Outcome(value, warnings_, violations, float(record.get("seconds", 0.0)))
    except (KeyError, TypeError, ValueError):
        return Outcome(values.Raised("BadResult", "malformed result", ("BadResult",)))


def _kill_session(proc):
    """SIGKILL the runner's whole session (the sandbox wrapper forks a child)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _run(job, nonce, timeout, python, address_space):
    """Run the runner; return ({call id or 'cell_errors': record}, problems)."""
    records, problems = {}, []
    with tempfile.TemporaryDirectory(prefix="logreg-recheck-") as work:
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8", "TMPDIR": work,
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        # The runner sets its own resource limits before it reads the job (`runner.main`),
        # and `start_new_session` is done by the C child code: no Python runs between fork
        # and exec (``preexec_fn`` would, and forking from a thread while another thread is
        # inside OpenBLAS then deadlocks in OpenBLAS's fork handler).
        cpu = int(timeout) + 5
        cmd = [python or sys.executable, "-I", "-m", "logreg_course.grading.runner",
               "--cpu-seconds", str(cpu), "--address-space", str(int(address_space))]
        # (the runner's stderr carries only what happens before learner code runs: a
        # sandbox that cannot be made, a broken installation)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=work, env=env,
                                start_new_session=True)
        try:
            stdout, stderr = proc.communicate(json.dumps(job).encode(), timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_session(proc)
            stdout, stderr = proc.communicate()
            code = None
            problems.append(f"the runner did not finish within {timeout:g} s")
    prefix = nonce + " "
    done = False
    for line in stdout.decode(errors="replace").splitlines():
        if not line.startswith(prefix):
            continue
        try:
            record = json.loads(line[len(prefix):])
        except ValueError:
            problems.append("a malformed line in the runner's output")
            continue
        if not isinstance(record, dict):
            continue
        if "cell_errors" in record:
            records["cell_errors"] = [str(e)[:300] for e in record["cell_errors"]][:50]
        elif record.get("done"):
            done = True
        elif isinstance(record.get("id"), int):
            if record["id"] in records:
                problems.append(f"duplicate result for call {record['id']}")
                records[record["id"]] = None  # never trust a duplicated answer
            else:
                records[record["id"]] = record
    records = {k: v for k, v in records.items() if v is not None}
    if not done and code is not None:
        said = [ln.strip() for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
        problems.append(f"the runner stopped early (exit code {code})"
                        + (f": {said[-1][:200]}" if said else ""))
    return records, problems


def recheck_many(paths, assignment_id: str, **kwargs) -> dict[str, RecheckReport]:
    """`recheck_notebook` for several submissions (keyed by path)."""
    return {str(p): recheck_notebook(Path(p), assignment_id, **kwargs) for p in paths}
