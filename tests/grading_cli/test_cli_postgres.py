"""A real PostgreSQL server as the gradebook, written to concurrently by ``grade --jobs 2``.

The server is the session's one PostgreSQL (`conftest.postgres_server`); this test
has a database of its own.
"""

from __future__ import annotations

import nbformat
from _cli_helpers import ASSIGNMENT, autograded_score, gradebook, make_course, run_cli, submit

from logreg_course.instructor.synthetic import make_class


def test_grade_into_postgresql_concurrently(tmp_path, postgres_server, notebooks):
    postgres = postgres_server.database("concurrent")
    source, student = notebooks
    root = make_course(tmp_path / "course", release=False)
    # the gradebook lives in PostgreSQL from the first command on
    run_cli("release", ASSIGNMENT, "--course", root, "--db", postgres, "--no-book", check=0)
    subs = make_class(source, student, n=6, seed=11)
    submit(root, {s: ({f"{ASSIGNMENT}.ipynb": nbformat.writes(nb).encode()}, k)
                  for s, (nb, k) in subs.items()})
    proc = run_cli("grade", ASSIGNMENT, "--course", root, "--db", postgres, "--jobs", "2",
                   "--no-progress", check=0)
    assert "gradebook postgresql+psycopg2://postgres@/concurrent" in proc.stderr
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
