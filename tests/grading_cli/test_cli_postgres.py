"""A real PostgreSQL server as the gradebook, written to concurrently by ``grade --jobs 2``.

The test starts Debian's PostgreSQL (``/usr/lib/postgresql/*/bin``; installed by
``scripts/ensure-system-deps.sh``) in a temporary folder, listening on a Unix
socket only, as the ``postgres`` user when run as root (PostgreSQL refuses to
run as root). Without PostgreSQL the test fails with the reason: it is part of
the course's promise that a large course can use it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from _cli_helpers import ASSIGNMENT, autograded_score, gradebook, make_course, run_cli, submit

from logreg_course.instructor.synthetic import make_class


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed (run `make sysdeps` or "
                    "scripts/ensure-system-deps.sh)")
    return os.path.dirname(found[-1])


@pytest.fixture
def postgres():
    """A running server; yields the SQLAlchemy URL of an empty database ``gradebook``."""
    bindir = _pg_bin()
    # not under pytest's tmp_path: the postgres user must be able to reach it
    base = Path(tempfile.mkdtemp(prefix="lrc-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir(parents=True)
    as_user = []
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam("postgres")
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*cmd):
        proc = subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{cmd[0]} failed:\n{proc.stdout}\n{proc.stderr}"

    port = "5433"
    run(f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(f"{bindir}/pg_ctl", "-D", str(data), "-l", str(base / "log"), "-w", "-o",
        f"-k {sock} -c listen_addresses='' -p {port} -c fsync=off", "start")
    try:
        run(f"{bindir}/createdb", "-h", str(sock), "-p", port, "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={sock}&port={port}"
    finally:
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def test_grade_into_postgresql_concurrently(tmp_path, postgres, notebooks):
    source, student = notebooks
    root = make_course(tmp_path / "course", release=False)
    # the gradebook lives in PostgreSQL from the first command on
    run_cli("release", ASSIGNMENT, "--course", root, "--db", postgres, "--no-book", check=0)
    subs = make_class(source, student, n=6, seed=11)
    submit(root, {s: ({f"{ASSIGNMENT}.ipynb": nbformat.writes(nb).encode()}, k)
                  for s, (nb, k) in subs.items()})
    proc = run_cli("grade", ASSIGNMENT, "--course", root, "--db", postgres, "--jobs", "2",
                   "--no-progress", check=0)
    assert "gradebook postgresql+psycopg2://postgres@/gradebook" in proc.stderr
    assert not (root / "gradebook.db").exists(), "SQLite was used instead of PostgreSQL"
    workers = {e["worker"] for e in __import__("_cli_helpers").ledger(root).values()}
    assert len(workers) == 2, "both workers should have written to the gradebook"
    with gradebook(root, postgres) as gb:
        assert sorted(s.student.id for s in gb.assignment_submissions(ASSIGNMENT)) == \
            sorted(subs)
        for s, (_, kind) in subs.items():
            score = autograded_score(gb, s)
            if kind == "correct":
                assert score == 17.0
            elif kind.startswith("broken:blank"):
                assert score == 0.0
    # and the other commands read the same gradebook
    out = run_cli("export", "--course", root, "--db", postgres, "--to", tmp_path / "out",
                  check=0)
    assert "report" in out.stderr
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(subs)
