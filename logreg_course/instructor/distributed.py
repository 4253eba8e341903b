"""Grading on a dask.distributed cluster: workers grade, the driver alone writes.

``logreg-course grade A --scheduler ADDRESS`` sends each submission, as bytes,
to Dask workers on other machines. A worker grades it exactly as
``--jobs N`` does on one machine (`worker.GradingWorker`: pre-flight, scan,
nbgrader's autograde in a sandboxed forked kernel, the out-of-kernel re-check),
but against a private scratch copy of the course (the source notebooks and
``nbgrader_config.py`` travel with the work; its gradebook is a throw-away
SQLite file), and returns the autograded notebooks, the re-check's reports and
the flags. The **driver** (the machine that ran the command) is the only
process that writes the course's gradebook and ledger: it saves the automatic
scores with nbgrader's own ``SaveAutoGrades`` and ``AssignLatePenalties`` from
the returned notebooks, then applies the re-check (`integrity.reconcile`) and
restores manual grades, exactly as a local worker does.

So runs stay idempotent (a submission whose files did not change is skipped;
the ledger is written only by the driver), a lost worker only loses the
submissions it was grading (Dask runs them again elsewhere; one that kills
three workers is reported), and PostgreSQL or SQLite both work.

Every worker must run the same course: `fingerprint` hashes the grading specs,
the grader and the reference implementation; workers whose fingerprint differs
from the driver's are refused (never sent work), with both versions named.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Bundle", "fingerprint", "grade_remote", "run_on_cluster"]


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short hash of the course code that decides grades: the version, ``logreg_course``'s
    grading engine, instructor tools and self-checks, and ``logreg_ref``.

    Computed once per process, from the files as they were when this process first asked
    (the code it has imported), so a worker whose files change under it keeps its version.
    """
    import logreg_ref

    from .. import grading

    digest = hashlib.sha256()
    version = getattr(__import__("logreg_course"), "__version__", "0")
    digest.update(str(version).encode())
    roots = [Path(grading.__file__).parent, Path(__file__).parent,
             Path(logreg_ref.__file__).parent]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


@dataclass
class Bundle:
    """What every worker needs once: the assignment's sources and the grading settings."""

    assignment: str
    sources: dict  # notebook name -> bytes of the source notebook
    config_text: str  # the course's nbgrader_config.py
    opts: dict  # the options of `worker.GradingWorker`
    preload: list
    sandbox: str  # "auto", "require" or "off"
    fingerprint: str
    key: str = field(default="")

    def __post_init__(self):
        if not self.key:
            h = hashlib.sha256(self.config_text.encode())
            for name in sorted(self.sources):
                h.update(name.encode())
                h.update(self.sources[name])
            h.update(repr(sorted(self.opts.items())).encode())
            self.key = h.hexdigest()[:16]


class VersionMismatch(RuntimeError):
    pass


# --- the worker side -----------------------------------------------------------------------

_WORKERS: dict = {}  # bundle key -> (worker.GradingWorker, scratch folder)
_LOCK = threading.Lock()


def _worker_for(bundle: Bundle):
    """The grading worker of this process for `bundle` (made once, on first use)."""
    with _LOCK:
        if bundle.key in _WORKERS:
            return _WORKERS[bundle.key][0]
        import warnings

        from .course import InstructorCourse
        from .worker import GradingWorker, ensure_released, sandbox_mode, scratch_folder

        warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from nbgrader
        warnings.filterwarnings("ignore", message=".*not in session.*")

        # in the Dask worker's own folder, which Dask removes when the worker closes (and
        # cleans up after a worker that was killed)
        folder = _worker_folder()
        scratch = Path(tempfile.mkdtemp(prefix="lrc-dask-", dir=folder))
        worker_scratch = scratch_folder("lrc-dask-w-", near=folder)
        root = scratch / "course"
        (root / "solutions" / bundle.assignment).mkdir(parents=True)
        (root / "nbgrader_config.py").write_text(bundle.config_text)
        for name, data in bundle.sources.items():
            (root / "solutions" / bundle.assignment / f"{name}.ipynb").write_bytes(data)
        db = f"sqlite:///{root / 'gradebook.db'}"
        course = InstructorCourse(root, db)
        ensure_released(course, bundle.assignment, lambda m: None)
        worker = GradingWorker(str(root), db, bundle.assignment, bundle.opts, bundle.preload,
                               scratch=worker_scratch)
        mode, description = sandbox_mode(course, bundle.sandbox, lambda m: None)
        worker.setup(mode)
        worker.sandbox_description = description
        _WORKERS[bundle.key] = (worker, scratch)
        return worker


def grade_remote(job: dict, bundle: Bundle) -> dict:
    """Grade one submission on this (Dask) worker; return the result for the driver.

    `job` holds ``student``, ``files`` ({relative path: bytes}) and ``previous``
    (its last ledger entry, or None).
    """
    from .worker import grade_one

    if fingerprint() != bundle.fingerprint:
        raise VersionMismatch(f"this worker runs course {fingerprint()}, the driver "
                              f"{bundle.fingerprint}")
    worker = _worker_for(bundle)
    course, student = worker.course, job["student"]
    folder = course.submission_dir(student, bundle.assignment)
    for step in ("submitted", "autograded"):
        shutil.rmtree(course.step_dir(step) / student, ignore_errors=True)
    shutil.rmtree(course.staged_dir(student, bundle.assignment), ignore_errors=True)
    for rel, data in job["files"].items():
        path = folder / rel
        if Path(os.path.normpath(path)).is_relative_to(folder):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    t0 = time.perf_counter()
    try:
        res = grade_one(worker, student, job.get("previous"), keep_for_driver=True)
    except Exception as exc:
        import traceback

        res = {"student": student, "assignment": bundle.assignment, "status": "failed",
               "fault": "grader", "reason": f"grader error: {type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc()[-3000:], "notes": [], "flags": []}
    res["seconds"] = time.perf_counter() - t0
    res["worker"] = _worker_name()
    res["sandbox"] = getattr(worker, "sandbox_description", "")
    res["_autograded"] = {}
    if res.get("status") == "graded":
        for name in worker.notebooks:
            path = course.autograded_dir(student, bundle.assignment) / f"{name}.ipynb"
            if path.exists():
                res["_autograded"][name] = path.read_bytes()
    return res


def _worker_folder() -> str | None:
    """The Dask worker's local directory (None outside a Dask worker: the system's)."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return None


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


# --- the driver side -----------------------------------------------------------------------

def _connect(scheduler: str, security):
    from distributed import Client

    if scheduler.endswith(".json") and Path(scheduler).exists():
        return Client(scheduler_file=scheduler, security=security, timeout="30s")
    return Client(scheduler, security=security, timeout="30s")


def _security(tls: dict | None):
    if not tls:
        return None
    from distributed.security import Security

    return Security(tls_ca_file=tls["ca"], tls_client_cert=tls["cert"],
                    tls_client_key=tls["key"], require_encryption=True)


def run_on_cluster(course, assignment, todo, previous, opts, preload, record, progress,
                   log, scheduler: str, tls: dict | None = None) -> str:
    """Grade the students `todo` on the cluster at `scheduler`; `record` each result here.

    Returns a description of the workers used. Raises RuntimeError when no
    worker runs the driver's version of the course.
    """
    from distributed import as_completed

    from . import preflight
    from .worker import record_remote

    mine = fingerprint()
    client = _connect(scheduler, _security(tls))
    try:
        good = _good_workers(client, mine, log, set())
        if not good:
            raise RuntimeError(f"no worker of the cluster at {scheduler} runs this course "
                               f"(version {mine}); install the same course on the workers")
        sources = {n: course.source_notebook(assignment, n).read_bytes()
                   for n in course.notebooks(assignment)}
        config_text = (course.root / "nbgrader_config.py").read_text() if (
            course.root / "nbgrader_config.py").exists() else (
            course.config_repo / "nbgrader_config.py").read_text()
        bundle = Bundle(assignment, sources, config_text, dict(opts["worker"]), list(preload),
                        opts["sandbox"], mine)
        [bundle_future] = client.scatter([bundle], broadcast=True, hash=False)
        jobs = {}
        for student in todo:
            folder = course.submission_dir(student, assignment)
            files = {str(p.relative_to(folder)): p.read_bytes()
                     for p in sorted(folder.rglob("*")) if p.is_file()}
            jobs[student] = {"student": student, "files": files,
                             "previous": previous.get(student)}
        pending = list(todo)
        running: dict = {}
        window = 2
        progress.restart()
        seen = set(good)
        sandboxes = set()
        done = as_completed()
        while pending or running:
            # new workers (a restarted one has a new address) are checked before they get work
            good = good | _good_workers(client, mine, log, seen)
            alive = set(client.scheduler_info()["workers"])
            for future, (student, allowed) in list(running.items()):
                if not (allowed & alive) and not future.done():  # every allowed worker left
                    future.cancel()
                    del running[future]
                    pending.insert(0, student)
            usable = sorted(good & alive)
            while pending and usable and len(running) < window * len(usable):
                student = pending.pop(0)
                future = client.submit(grade_remote, jobs[student], bundle_future,
                                       pure=False, workers=usable, retries=1,
                                       key=f"lrc-grade-{assignment}-{student}-{time.time_ns()}")
                running[future] = (student, set(usable))
                done.add(future)
            for future in done.next_batch(block=False) if done.count() else []:
                if future not in running:
                    continue
                student, _ = running.pop(future)
                try:
                    res = future.result()
                except Exception as exc:
                    res = {"student": student, "assignment": assignment, "status": "failed",
                           "fault": "grader", "notes": [], "flags": [],
                           "reason": f"the grading worker failed: {type(exc).__name__}: "
                                     f"{str(exc)[:300]}"}
                    res["digest"] = preflight.submission_digest(
                        course.submission_dir(student, assignment))
                sandboxes.add(res.pop("sandbox", "") or "")
                record(record_remote(course, assignment, res, previous.get(student)))
            if running and not done.count():
                time.sleep(0.2)
        workers = sorted(good)
        return (f"{len(workers)} Dask worker(s) at {scheduler}"
                + (f"; {'; '.join(sorted(s for s in sandboxes if s))}" if sandboxes else ""))
    finally:
        client.close()


def _good_workers(client, mine: str, log, seen: set) -> set:
    """Addresses of the workers not seen before whose course fingerprint is `mine`."""
    workers = set(client.scheduler_info()["workers"]) - seen
    if not workers:
        return set()
    seen |= workers
    found = client.run(fingerprint, workers=sorted(workers), on_error="return")
    good = set()
    for address, value in found.items():
        if isinstance(value, str) and value == mine:
            good.add(address)
        else:
            theirs = value if isinstance(value, str) else f"unknown ({value!r:.80})"
            log(f"  refused worker {address}: it runs course {theirs}, this driver runs "
                f"{mine} (install the same version of the course on every worker)")
    return good
