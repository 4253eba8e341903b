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
    """The re-check's verdict on one grade cell."""

    grade_id: str
    points: float
    passed: bool
    message: str = ""
    # the verdict is about a call that never returned a result (the runner crashed or timed
    # out), not about the learner's answer, so a grader should look
    no_result: bool = False


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


def recheck_notebook(submission, assignment_id: str, *, source=None, salt: int | None = None,
                     timeout: float = 120.0, call_timeout: float = 10.0,
                     python: str | None = None) -> RecheckReport:
    """Re-check `submission` (a path or notebook) against assignment `assignment_id`.

    Parameters
    ----------
    source : path or notebook, optional
        The trusted source notebook (default: this repository's
        ``solutions/<id>/<id>.ipynb``); only its cell metadata is used.
    salt : int, optional
        Seed of the salted inputs (default: fresh entropy).
    timeout : float
        Wall-clock limit for the whole runner process, in seconds.
    call_timeout : float
        Limit for one learner call (and one top-level statement).
    python : str, optional
        Interpreter for the runner (default: this one).
    """
    from ..assignments import source_notebook

    start = time.perf_counter()
    spec = get_spec(assignment_id)
    source = source if source is not None else source_notebook(assignment_id)
    ctx = Context(salt)
    built, wire_calls = {}, []
    for gid, check in spec.checks.items():
        calls, verify = check.build(ctx)
        ids = []
        for call in calls:
            ids.append(len(wire_calls))
            wire_calls.append({"id": len(wire_calls), "function": call.function,
                               "args": [values.to_json(values.sanitize(a)) for a in call.args],
                               "kwargs": {k: values.to_json(values.sanitize(v))
                                          for k, v in call.kwargs.items()},
                               "strict": call.strict})
        built[gid] = (calls, verify, ids)
    nonce = secrets.token_hex(16)
    job = {"nonce": nonce, "preamble": spec.preamble, "call_timeout": call_timeout,
           "cells": extract_learner_code(submission, source), "calls": wire_calls}
    report = RecheckReport(assignment_id)
    records, report.problems = _run(job, nonce, timeout, python)
    report.cell_errors = records.pop("cell_errors", [])
    for gid, (calls, verify, ids) in built.items():
        outcomes = [_outcome(records.get(i)) for i in ids]
        try:
            evaluate(verify, calls, outcomes)
            report.cells[gid] = CellCheck(gid, spec[gid].points, True)
        except Fail as exc:
            no_result = exc.raised is not None and exc.raised.exc_type == _NO_RESULT
            report.cells[gid] = CellCheck(gid, spec[gid].points, False, str(exc), no_result)
        except Exception as exc:  # a verify bug must not pass anyone
            report.cells[gid] = CellCheck(gid, spec[gid].points, False,
                                          f"grader error: {type(exc).__name__}: {exc}")
    report.seconds = time.perf_counter() - start
    return report


_NO_RESULT = "NoResult"  # the exception name given to a call the runner never answered


def _outcome(record) -> Outcome:
    if record is None:
        return Outcome(values.Raised(_NO_RESULT, "the re-check produced no result for this "
                                     "call (crash or time-out)", (_NO_RESULT,)))
    try:
        value = values.from_json(record["value"])
        warnings_ = tuple(str(w)[:300] for w in record.get("warnings", ()))[:20]
        violations = tuple(str(v)[:300] for v in record.get("violations", ()))[:20]
        return Outcome(value, warnings_, violations, float(record.get("seconds", 0.0)))
    except (KeyError, TypeError, ValueError):
        return Outcome(values.Raised("BadResult", "malformed result", ("BadResult",)))


_ADDRESS_SPACE = 8 << 30  # bytes of virtual memory for the runner (RLIMIT_AS)


def _kill_session(proc):
    """SIGKILL the runner's whole session (the sandbox wrapper forks a child)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _run(job, nonce, timeout, python):
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
               "--cpu-seconds", str(cpu), "--address-space", str(_ADDRESS_SPACE)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=work, env=env,
                                start_new_session=True)
        try:
            stdout, _ = proc.communicate(json.dumps(job).encode(), timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_session(proc)
            stdout, _ = proc.communicate()
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
        problems.append(f"the runner stopped early (exit code {code})")
    return records, problems


def recheck_many(paths, assignment_id: str, **kwargs) -> dict[str, RecheckReport]:
    """`recheck_notebook` for several submissions (keyed by path)."""
    return {str(p): recheck_notebook(Path(p), assignment_id, **kwargs) for p in paths}
