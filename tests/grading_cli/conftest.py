"""Fixtures of the instructor-tool tests: temporary course copies and one graded class.

Every test works on a copy of the course in a temporary folder (the source
notebook of an assignment plus ``nbgrader_config.py``); nothing is written into
the repository. The expensive step, grading a class of ~40 submissions (honest,
malformed, adversarial), runs once per session (`graded_class`) and several
tests read its results. Every test here is marked ``grading``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import cli_corpus as corpus
import nbformat
import pytest
from _cli_helpers import ASSIGNMENT, CELL_TIMEOUT, REPO, ledger, make_course, run_cli, submit


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.grading)


@pytest.fixture(scope="session")
def notebooks():
    """(source notebook, student version) of 01-sigmoid."""
    source = nbformat.read(str(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4)
    student = nbformat.read(str(REPO / "chapters" / "exercises" / f"{ASSIGNMENT}.ipynb"), 4)
    return source, student


@pytest.fixture(scope="session")
def class_submissions(notebooks):
    source, student = notebooks
    subs = {}
    for build in (corpus.honest, corpus.malformed, corpus.adversarial):
        subs.update(build(source, student))
    return subs


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, class_submissions):
    """A course with the whole corpus submitted and graded once (``--jobs 2``)."""
    root = make_course(tmp_path_factory.mktemp("class") / "course")
    submit(root, class_submissions)
    proc = run_cli("grade", ASSIGNMENT, "--course", root, "--jobs", "2", "--timeout",
                   CELL_TIMEOUT, "--no-progress")
    return {"root": root, "proc": proc, "ledger": ledger(root),
            "expect": {s: e for s, (_, e) in class_submissions.items()}}


# --- one PostgreSQL server and one Dask cluster per session --------------------------------
def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed (run `make sysdeps` or "
                    "scripts/ensure-system-deps.sh)")
    return os.path.dirname(found[-1])


class _Postgres:
    """Debian's PostgreSQL in a temporary folder, on a Unix socket only; `database(name)`
    creates an empty database and returns its SQLAlchemy URL."""

    def __init__(self):
        self.bindir = _pg_bin()
        # not under pytest's tmp_path: the postgres user must be able to reach it
        self.base = Path(tempfile.mkdtemp(prefix="lrc-pg-"))
        self.data, self.sock = self.base / "data", self.base / "sock"
        self.sock.mkdir(parents=True)
        self.as_user = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            import pwd

            pw = pwd.getpwnam("postgres")
            for p in (self.base, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = "5433"
        self.run(f"{self.bindir}/initdb", "-D", str(self.data), "-A", "trust", "-U",
                 "postgres", "--no-sync")
        self.run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"),
                 "-w", "-o", f"-k {self.sock} -c listen_addresses='' -p {self.port} "
                 "-c fsync=off", "start")

    def run(self, *cmd):
        proc = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, f"{cmd[0]} failed:\n{proc.stdout}\n{proc.stderr}"

    def database(self, name: str) -> str:
        self.run(f"{self.bindir}/createdb", "-h", str(self.sock), "-p", self.port, "-U",
                 "postgres", name)
        return f"postgresql+psycopg2://postgres@/{name}?host={self.sock}&port={self.port}"

    def stop(self):
        subprocess.run([*self.as_user, f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server (each test makes its own database)."""
    server = _Postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dask_cluster():
    """A real dask.distributed cluster on 127.0.0.1: a scheduler and 2 worker processes
    (each under a nanny that restarts it if it dies). Yields the LocalCluster."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           worker_dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()
