"""Re-running ``grade``: idempotent, keeps manual grades, survives being killed half-way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from _cli_helpers import (
    ASSIGNMENT,
    BIN,
    autograded_score,
    gradebook,
    ledger,
    make_course,
    run_cli,
    submit,
)

from logreg_course.instructor.synthetic import make_class


def _snapshot(root):
    """Every grade and comment row of the assignment, as plain values."""
    rows = {}
    with gradebook(root) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for g in nb.grades:
                    rows[(sub.student.id, "grade", g.name)] = (
                        g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                for c in nb.comments:
                    rows[(sub.student.id, "comment", c.name)] = (c.auto_comment,
                                                                 c.manual_comment)
    return rows


def test_rerun_skips_everything_and_changes_nothing(graded_class):
    root = graded_class["root"]
    before = _snapshot(root)
    lines = (root / "grading" / ASSIGNMENT / "ledger.jsonl").read_text().count("\n")
    proc = run_cli("grade", ASSIGNMENT, "--course", root, "--jobs", "2", "--no-progress")
    assert "Nothing to grade" in proc.stderr
    assert f"{len(graded_class['expect'])} unchanged since they were graded" in proc.stderr
    # the class still has submissions that could not be graded: the exit code says so
    assert proc.returncode == 1
    assert _snapshot(root) == before
    assert (root / "grading" / ASSIGNMENT / "ledger.jsonl").read_text().count("\n") == lines


def test_regrade_keeps_manual_grades(graded_class):
    root = graded_class["root"]
    # what a grader does in formgrader: a written answer graded, a comment, and points given
    # back by hand on a test the integrity pass zeroed
    with gradebook(root) as gb:
        g = gb.find_grade("explain_overflow", ASSIGNMENT, ASSIGNMENT, "h-correct")
        g.manual_score = 1.5
        c = gb.find_comment("explain_overflow", ASSIGNMENT, ASSIGNMENT, "h-correct")
        c.manual_comment = "Good, but say why the other form gives nan."
        z = gb.find_grade("sigmoid_values", ASSIGNMENT, ASSIGNMENT, "a-input-transformer")
        z.manual_score = 2.0
        gb.db.commit()
    run_cli("grade", ASSIGNMENT, "--course", root, "--jobs", "2", "--force", "--students",
            "h-correct", "a-input-transformer", "--no-progress", "--timeout", "4", check=0)
    with gradebook(root) as gb:
        g = gb.find_grade("explain_overflow", ASSIGNMENT, ASSIGNMENT, "h-correct")
        assert g.manual_score == 1.5 and g.score == 1.5
        c = gb.find_comment("explain_overflow", ASSIGNMENT, ASSIGNMENT, "h-correct")
        assert c.manual_comment == "Good, but say why the other form gives nan."
        assert gb.find_submission(ASSIGNMENT, "h-correct").score == pytest.approx(18.5)
        z = gb.find_grade("sigmoid_values", ASSIGNMENT, ASSIGNMENT, "a-input-transformer")
        # regraded: the re-check zeroed the automatic score again, the manual one stands
        assert z.auto_score == 0.0 and z.manual_score == 2.0 and z.score == 2.0
    entries = ledger(root)
    assert entries["h-correct"]["status"] == "graded"


def _descendants(pid):
    """PIDs of all processes below `pid` (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_killed_run_then_rerun_loses_and_doubles_nothing(tmp_path, notebooks, request):
    source, student = notebooks
    root = make_course(tmp_path / "course")
    subs = make_class(source, student, n=8, seed=3)
    submit(root, {s: ({f"{ASSIGNMENT}.ipynb": __import__("nbformat").writes(nb).encode()}, k)
                  for s, (nb, k) in subs.items()})
    # a temporary folder of its own, to see what the killed run leaves there (short: the
    # kernels' sockets live in it)
    tmp = Path(tempfile.mkdtemp(prefix="lrc-t-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(tmp, ignore_errors=True))
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(tmp))
    proc = subprocess.Popen([str(BIN / "logreg-course"), "grade", ASSIGNMENT, "--course",
                             str(root), "--jobs", "2", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    path = root / "grading" / ASSIGNMENT / "ledger.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") >= 3:
            break
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.2)
    helpers = _descendants(proc.pid)
    assert helpers, "no worker processes were found"
    os.kill(proc.pid, signal.SIGKILL)  # as hard as it gets
    proc.wait()
    first = ledger(root)
    assert 3 <= len(first) < len(subs), "the kill did not land in the middle of the run"
    # workers, kernel factories and sandboxed kernels die with the command
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in helpers if _alive(p)], "processes outlived the killed command"
    assert list(tmp.glob("lrc-worker-*")), "the killed run left no scratch folder to sweep"

    second = run_cli("grade", ASSIGNMENT, "--course", root, "--jobs", "2", "--no-progress",
                     check=0, env={"TMPDIR": str(tmp)})
    # the rerun removes the killed run's scratch folders, and its own
    assert not list(tmp.glob("lrc-worker-*")), sorted(p.name for p in tmp.iterdir())
    assert f"{len(first)} unchanged since they were graded: skipped" in second.stderr
    final = ledger(root)
    assert set(final) == set(subs)
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    counts = {s: sum(f'"student":"{s}"' in ln for ln in lines) for s in subs}
    assert all(counts[s] == 1 for s in first), "a submission graded before the kill was regraded"
    assert sum(counts.values()) == len(subs), "a submission was graded twice"
    with gradebook(root) as gb:
        submissions = gb.assignment_submissions(ASSIGNMENT)
        assert sorted(s.student.id for s in submissions) == sorted(subs)
        n_cells = len(gb.find_notebook(ASSIGNMENT, ASSIGNMENT).grade_cells)
        for sub in submissions:
            grades = [g for nb in sub.notebooks for g in nb.grades]
            assert len(grades) == n_cells, "duplicated or missing grade rows"
        for s, (_, kind) in subs.items():
            score = autograded_score(gb, s)
            if kind == "correct":
                assert score == 17.0, s
            elif kind.startswith("partial"):
                assert 0.0 < score < 17.0, (s, kind)


def test_without_a_sandbox_it_warns_loudly_and_still_grades(graded_class, monkeypatch):
    """Where namespaces are unavailable (probe fails), grading goes on with a loud warning."""
    from logreg_course.instructor import grade, sandbox
    from logreg_course.instructor.course import InstructorCourse

    monkeypatch.setattr(sandbox, "probe", lambda *a, **k: sandbox.ProbeResult(
        "off", False, reason="Linux namespaces are not available here"))
    lines = []
    summary = grade.grade_assignment(
        InstructorCourse(graded_class["root"]), ASSIGNMENT,
        grade.GradeOptions(jobs=1, students=["h-correct"], force=True, progress=False),
        log=lines.append)
    text = "\n".join(lines)
    assert "WARNING: NO SANDBOX. Linux namespaces are not available here" in text
    assert "!" * 78 in text
    assert summary.graded == ["h-correct"] and summary.sandbox.startswith("NO SANDBOX")
    with gradebook(graded_class["root"]) as gb:
        assert autograded_score(gb, "h-correct") == 17.0
    with pytest.raises(RuntimeError, match="--sandbox require"):
        grade.grade_assignment(
            InstructorCourse(graded_class["root"]), ASSIGNMENT,
            grade.GradeOptions(jobs=1, students=["h-correct"], force=True, progress=False,
                               sandbox="require"), log=lines.append)
