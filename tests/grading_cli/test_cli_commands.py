"""The instructor's term, end to end, with the real commands on a temporary course.

release → collect (an LMS zip) → grade → feedback → export, then ``check`` on a
sound course (exit 0) and on a course whose solution is wrong (exit 1), and the
exit codes of commands that cannot run (exit 2).
"""

from __future__ import annotations

import json
import shutil
import zipfile

import nbformat
import pytest
from _cli_helpers import ASSIGNMENT, REPO, autograded_score, gradebook, make_course, run_cli

from logreg_course.instructor.synthetic import fill, solution_answers


@pytest.fixture(scope="module")
def term(tmp_path_factory, notebooks):
    """A course released with its book copy, and a Canvas-style zip of four submissions."""
    source, student = notebooks
    root = make_course(tmp_path_factory.mktemp("term") / "course", release=False, book=True)
    proc = run_cli("release", "--all", "--course", root, check=0)
    right = solution_answers(source)
    correct = nbformat.writes(fill(student, right)).encode()
    blank = nbformat.writes(student).encode()
    zpath = root.parent / "canvas-download.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("submissions/lovelaceada_12345_900001_01-sigmoid.ipynb", correct)
        zf.writestr("submissions/turingalan_LATE_12346_900002_01-sigmoid-1.ipynb", correct)
        zf.writestr("submissions/hopper_12347_900003_Copy of 01-sigmoid.ipynb", blank)
        zf.writestr("submissions/noether_12348_900004_01-sigmoid (2).ipynb", correct)
        zf.writestr("submissions/noether_12348_900005_scratch.ipynb", blank)
        zf.writestr("submissions/readme.txt", b"not a submission")
        zf.writestr("__MACOSX/submissions/._x", b"junk")
    return {"root": root, "release": proc, "zip": zpath}


def test_release_writes_release_gradebook_and_book_copy(term):
    root = term["root"]
    assert (root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    book = root / "chapters" / "exercises" / f"{ASSIGNMENT}.ipynb"
    published = REPO / "chapters" / "exercises" / f"{ASSIGNMENT}.ipynb"
    ours, theirs = (nbformat.read(str(p), as_version=4) for p in (book, published))
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    with gradebook(root) as gb:
        assert [a.name for a in gb.assignments] == [ASSIGNMENT]


def test_collect_places_an_lms_zip_and_reports_the_rest(term):
    root = term["root"]
    proc = run_cli("collect", ASSIGNMENT, term["zip"], "--course", root)
    assert proc.returncode == 1, "a file it could not place must make the exit code 1"
    placed = sorted(p.parent.parent.name for p in (root / "submitted").glob(
        f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
    assert placed == ["hopper", "lovelaceada", "noether", "turingalan"]
    assert "Could not place 2 file(s)" in proc.stderr
    assert "scratch.ipynb: not a notebook of 01-sigmoid" in proc.stderr
    assert "readme.txt" in proc.stderr
    # a second collect changes nothing; a different file is not replaced without --force
    again = run_cli("collect", ASSIGNMENT, term["zip"], "--course", root)
    assert "placed 0 file(s)" in again.stderr and "4 unchanged" in again.stderr
    other = root.parent / "again"
    (other / "noether").mkdir(parents=True)
    (other / "noether" / f"{ASSIGNMENT}.ipynb").write_bytes(b"{}")
    refused = run_cli("collect", ASSIGNMENT, other, "--course", root, check=1)
    assert "NOT replaced (noether)" in refused.stderr
    target = root / "submitted" / "noether" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert target.read_bytes() != b"{}"
    run_cli("collect", ASSIGNMENT, other, "--course", root, "--force", check=0)
    assert target.read_bytes() == b"{}"
    backups = list((root / "grading" / "collect-backup").rglob(f"{ASSIGNMENT}.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() != b"{}"
    shutil.copy(backups[0], target)  # put the real submission back for the next steps


def test_grade_feedback_export(term):
    root = term["root"]
    proc = run_cli("grade", ASSIGNMENT, "--course", root, "--jobs", "2", "--no-progress",
                   check=0)
    assert "4 graded, 0 could not be graded" in proc.stderr
    assert "ETA" in proc.stderr  # progress lines when not on a terminal
    with gradebook(root) as gb:
        scores = {s: autograded_score(gb, s) for s in
                  ("hopper", "lovelaceada", "noether", "turingalan")}
    assert scores == {"hopper": 0.0, "lovelaceada": 17.0, "noether": 17.0, "turingalan": 17.0}
    fb = run_cli("feedback", ASSIGNMENT, "--course", root, "--jobs", "2", check=0)
    assert "Wrote 4 feedback page(s)" in fb.stderr
    page = (root / "feedback" / "hopper" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "not answered yet (the stub raises NotImplementedError)" in page
    out = run_cli("export", "--course", root, check=0)
    assert (root / "exports" / "grades.csv").exists() and (root / "exports" /
                                                            "report.html").exists()
    assert "report" in out.stderr
    ledger = [json.loads(x) for x in (root / "grading" / ASSIGNMENT / "ledger.jsonl")
              .read_text().splitlines()]
    # the LMS's names were normalised at collection: grading had nothing left to repair
    assert all(not e["notes"] for e in ledger)


def test_lms_exports_and_the_similarity_section(term):
    """After grading: Canvas and Moodle files from the Canvas download's ids, and the
    report's similarity section (the three correct submissions are the published
    solution, filled in verbatim)."""
    import csv

    root = term["root"]
    exports = root / "exports"
    proc = run_cli("export", "--course", root, "--format", "canvas", "moodle", "--parts",
                   check=1)  # the written answers are not graded yet: that needs you
    canvas = list(csv.reader((exports / "canvas.csv").open()))
    assert canvas[0][:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                             ASSIGNMENT]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5] == "19"
    ids = {r[0]: r[1] for r in canvas[2:]}
    assert ids == {"hopper": "12347", "lovelaceada": "12345", "noether": "12348",
                   "turingalan": "12346"}
    # a grade waiting for a grader (the written answer) is not final: empty, not a number;
    # hopper's blank notebook needs no grader (nbgrader scores an untouched answer 0)
    assert {r[0]: r[5] for r in canvas[2:]} == {"hopper": "0", "lovelaceada": "",
                                                "noether": "", "turingalan": ""}
    assert "NEEDS YOU: lovelaceada/01-sigmoid: waiting for manual grading" in proc.stderr
    assert (exports / "moodle.csv").exists() and (exports / "moodle-notes.csv").exists()
    assert "grades (nbgrader)" not in proc.stderr  # only the formats asked for
    pending = run_cli("export", "--course", root, "--format", "canvas", "--include-pending",
                      check=0)
    scores = {r[0]: r[5] for r in csv.reader((exports / "canvas.csv").open())}
    assert {k: scores[k] for k in ids} == {"hopper": "0", "lovelaceada": "17",
                                            "noether": "17", "turingalan": "17"}
    assert "turingalan/01-sigmoid: marked LATE by the LMS" in pending.stderr
    report = (exports / "report.html").read_text()
    assert "Similar graded functions" in report and "a reason to look, not proof" in report
    assert "lovelaceada</b> ~ <b>published solution" in report
    wrong = run_cli("export", "--course", root, "--roster", "x.csv", check=2)
    assert "--roster, --parts and --include-pending are for --format canvas or moodle" \
        in wrong.stderr


def test_check_passes_on_the_course(tmp_path):
    root = make_course(tmp_path / "course", release=False)
    proc = run_cli("check", "--course", root, "--jobs", "1", check=0)
    assert "OK    01-sigmoid: solution 17/17 in and out of the kernel, student version 0" \
        in proc.stderr
    assert "Course check passed." in proc.stderr


def test_check_fails_on_a_wrong_solution(tmp_path):
    root = make_course(tmp_path / "course", release=False)
    path = root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if (cell.metadata.get("nbgrader") or {}).get("grade_id") == "logit_answer":
            cell.source = cell.source.replace("np.log(p) - np.log1p(-p)",
                                              "np.log1p(-p) - np.log(p)")
    nbformat.write(nb, str(path))
    proc = run_cli("check", "--course", root, "--jobs", "1", check=1)
    assert "FAIL  01-sigmoid: the solution earns 15 autograded point(s), expected 17" \
        in proc.stderr
    assert "logit_values" in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["grade", "99-nothing"], "unknown assignment '99-nothing'"),
    (["grade", ASSIGNMENT, "--students", "nobody"], "no submission of 01-sigmoid for: nobody"),
    (["collect", ASSIGNMENT, "/does/not/exist"], "/does/not/exist does not exist"),
    (["export", "--assignment", "99-nothing"], "not in the gradebook: 99-nothing"),
    (["release"], "name an assignment or give --all"),
])
def test_commands_that_cannot_run_exit_2(term, args, message):
    proc = run_cli(*args, "--course", term["root"], check=2)
    assert message in proc.stderr
