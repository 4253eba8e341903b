"""Grading on a real dask.distributed cluster (2 worker processes on 127.0.0.1) into PostgreSQL.

One cluster and one PostgreSQL server serve the whole session (conftest). The driver is the
``logreg-course grade --scheduler`` command; the workers grade, the driver alone writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import nbformat
from _cli_helpers import ASSIGNMENT, BIN, gradebook, ledger, make_course, run_cli, submit

from logreg_course.instructor.synthetic import make_class


def _class(root, n, seed):
    source = nbformat.read(str(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4)
    student = nbformat.read(str(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4)
    subs = make_class(source, student, n=n, seed=seed)
    submit(root, {s: ({f"{ASSIGNMENT}.ipynb": nbformat.writes(nb).encode()}, k)
                  for s, (nb, k) in subs.items()})
    return subs


def _cells(root, db=None):
    """{student: {grade id: (auto score, needs manual grade)}} from the gradebook."""
    with gradebook(root, db) as gb:
        return {s.student.id: {g.name: (g.auto_score, g.needs_manual_grade)
                               for nb in s.notebooks for g in nb.grades}
                for s in gb.assignment_submissions(ASSIGNMENT)}


def test_dask_grades_as_jobs_2_does_into_postgresql_and_rerun_grades_nothing(
        tmp_path, dask_cluster, postgres_server):
    local = make_course(tmp_path / "local")
    subs = _class(local, n=6, seed=21)
    run_cli("grade", ASSIGNMENT, "--course", local, "--jobs", "2", "--no-progress", check=0)

    db = postgres_server.database("dask")
    remote = make_course(tmp_path / "remote", release=False)
    run_cli("release", ASSIGNMENT, "--course", remote, "--db", db, "--no-book", check=0)
    _class(remote, n=6, seed=21)
    proc = run_cli("grade", ASSIGNMENT, "--course", remote, "--db", db, "--scheduler",
                   dask_cluster.scheduler_address, "--no-progress", check=0)
    assert "2 Dask worker(s)" in proc.stderr
    assert not (remote / "gradebook.db").exists(), "the driver wrote SQLite, not PostgreSQL"
    assert _cells(remote, db) == _cells(local), "the cluster graded differently from --jobs 2"
    entries = ledger(remote)
    assert set(entries) == set(subs)
    assert all(e["worker"].startswith("tcp://127.0.0.1:") for e in entries.values()), \
        "every submission is graded on a Dask worker"
    # the autograded notebooks came back to the driver (feedback is made from them)
    for s in subs:
        assert (remote / "autograded" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    lines = (remote / "grading" / ASSIGNMENT / "ledger.jsonl").read_text().splitlines()
    again = run_cli("grade", ASSIGNMENT, "--course", remote, "--db", db, "--scheduler",
                    dask_cluster.scheduler_address, "--no-progress", check=0)
    assert "Nothing to grade" in again.stderr
    assert (remote / "grading" / ASSIGNMENT / "ledger.jsonl").read_text().splitlines() == lines


def _worker_pids(address):
    from distributed import Client

    with Client(address, timeout="30s") as client:
        return client.run(os.getpid)


def test_a_worker_killed_mid_run_loses_no_submission(tmp_path, dask_cluster):
    root = make_course(tmp_path / "course")
    subs = _class(root, n=8, seed=5)
    address = dask_cluster.scheduler_address
    proc = subprocess.Popen([str(BIN / "logreg-course"), "grade", ASSIGNMENT, "--course",
                             str(root), "--scheduler", address, "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    path = root / "grading" / ASSIGNMENT / "ledger.jsonl"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None and not (
            path.exists() and path.read_text().strip()):
        time.sleep(0.5)
    assert proc.poll() is None, f"the run ended before a worker could be killed:\n{proc.stderr}"
    victim = sorted(_worker_pids(address).values())[0]
    os.kill(victim, signal.SIGKILL)  # mid-run: the other submissions are in flight
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    lines = path.read_text().splitlines()
    graded = ledger(root)
    assert set(graded) == set(subs), "a submission was lost with the worker"
    assert len(lines) == len(subs), "a submission was recorded twice"
    assert all(e["status"] == "graded" for e in graded.values())


PATCH = '''
import logreg_course.instructor.distributed as d
d.fingerprint = lambda: "0.0.1+another-course"
'''


def test_a_worker_with_another_course_version_is_refused(tmp_path, dask_cluster):
    patch = tmp_path / "other_version.py"
    patch.write_text(PATCH)
    address = dask_cluster.scheduler_address
    other = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                              "--nworkers", "1", "--nthreads", "1", "--no-nanny",
                              "--preload", str(patch), "--name", "other-version"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(3, timeout=120)
            others = [a for a, w in client.scheduler_info()["workers"].items()
                      if w.get("name") == "other-version"]
        root = make_course(tmp_path / "course")
        subs = _class(root, n=3, seed=8)
        proc = run_cli("grade", ASSIGNMENT, "--course", root, "--scheduler", address,
                       "--no-progress", check=0)
        assert f"refused worker {others[0]}: it runs course 0.0.1+another-course" in \
            proc.stderr, proc.stderr[-3000:]
        assert "this driver runs" in proc.stderr
        entries = ledger(root)
        assert set(entries) == set(subs)
        assert not [s for s, e in entries.items() if e["worker"] == others[0]]
    finally:
        other.terminate()
        other.wait(30)
