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
  changed: nbgrader keeps them, and `worker.grade_one` verifies it.
* A run killed half-way (even ``kill -9``) loses only the submissions in
  flight; their ledger lines are missing, so the next run grades them.
"""

from __future__ import annotations

import collections
import fnmatch
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..lifetime import die_with_parent
from . import preflight
from .ledger import Ledger
from .worker import (
    GradingWorker,
    ensure_released,
    grade_one,
    preload_modules,
    sandbox_mode,
    scratch_folder,
)

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


# --- a local worker process ------------------------------------------------------------------

def _worker_main(wid, conn, scratch, root, db_url, assignment, opts, preload):
    """A worker process: a `GradingWorker`, then one submission per message until None."""
    die_with_parent()  # with the main process, even when it is killed with SIGKILL
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
        w = GradingWorker(root, db_url, assignment, opts, preload, scratch=scratch)
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
                res = grade_one(w, student, previous)
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
    """One worker process, the pipe to it and its scratch folder (kernels, re-check plan),
    which the slot removes itself: a killed process cannot."""

    def __init__(self, wid, ctx, args, mode=None):
        self.wid = wid
        self.conn, child = ctx.Pipe()
        self.scratch = _scratch_folder()
        self.proc = ctx.Process(target=_worker_main, args=(wid, child, self.scratch, *args),
                                daemon=True, name=f"lrc-grader-{wid}")
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
        shutil.rmtree(self.scratch, ignore_errors=True)


def _scratch_folder() -> str:
    """A worker's scratch folder, named after this run's process (``lrc-worker-PID-*``) so
    that a later run removes it if this one is killed before it can (`_sweep_scratch`)."""
    return scratch_folder(f"lrc-worker-{os.getpid()}-")


def _sweep_scratch() -> None:
    """Remove our scratch folders left by earlier runs whose process is gone (killed)."""
    bases = {Path(tempfile.gettempdir()), Path("/tmp")}  # where `scratch_folder` makes them
    for folder in (f for base in bases for f in base.glob("lrc-worker-*-*")):
        try:
            pid = int(folder.name.split("-")[2])
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)  # raises ProcessLookupError when no such process runs
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, OSError):  # not one of ours, or another user's live process
            continue


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
    _sweep_scratch()
    ctx = multiprocessing.get_context("spawn")
    args = (str(course.root), course.db_url, assignment, worker_opts, preload)
    pending = collections.deque(todo)
    # the workers start (imports, kernel factories) while the sandbox is probed
    slots = {i: _Slot(i, ctx, args) for i in range(jobs)}
    try:
        mode, description = sandbox_mode(course, opts.sandbox, log)
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
            slot.kill()  # if still alive; removes its scratch folder either way
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

