"""One class, graded once: damaged submissions are reported, attacks earn nothing.

The class (`corpus`) mixes honest submissions (exact expected scores, worked
out from the assignment's point values), damaged ones (invalid JSON, renamed,
stripped or duplicated metadata, a killed kernel, endless loops, floods of
output ...) and attacks on the hidden tests (input transformers, patched numpy,
the reference called directly, a fake grader, the gradebook, the network ...).
"""

from __future__ import annotations

import json

import cli_corpus as corpus
import pytest
from _cli_helpers import ASSIGNMENT, autograded_score, gradebook, run_cli


def test_the_batch_finishes_and_names_every_failure(graded_class):
    proc, entries = graded_class["proc"], graded_class["ledger"]
    assert set(entries) == set(graded_class["expect"]), "a submission is missing from the ledger"
    failed = sorted(s for s, e in entries.items() if e["status"] != "graded")
    assert failed, "the corpus contains submissions that cannot be graded"
    assert proc.returncode == 1, "a run with ungradable submissions must not exit 0"
    for student in failed:
        assert entries[student]["reason"], student
        assert student in proc.stderr, f"{student} is not named in the command's output"
    graded = [s for s, e in entries.items() if e["status"] == "graded"]
    assert len(graded) > len(failed)


HONEST = ["h-correct", "h-partial", "h-blank", "h-slow", "h-pandas", "h-old-version"]


@pytest.mark.parametrize("student", HONEST)
def test_honest_submissions_get_exactly_their_points(graded_class, student):
    expect, entry = graded_class["expect"][student], graded_class["ledger"][student]
    with gradebook(graded_class["root"]) as gb:
        assert autograded_score(gb, student) == pytest.approx(expect["auto"]), entry["flags"]
    if "no-flag" in expect:
        assert not [f for f in entry["flags"] if f["kind"] == expect["no-flag"]], entry["flags"]
    if "flag" in expect:
        assert [f for f in entry["flags"] if f["kind"] == expect["flag"]], entry["flags"]
    from logreg_course import __version__

    assert entry["versions"]["grader"] == __version__


def test_a_recheck_that_cannot_decide_keeps_the_points_for_review(graded_class):
    """h-pandas: the re-check cannot import pandas, so it has no answer for predict_proba: the
    points stand, the cells wait for a grader, and the report and the feedback say why."""
    root, student = graded_class["root"], "h-pandas"
    review = graded_class["expect"][student]["review"]
    cells = graded_class["ledger"][student]["integrity"]["01-sigmoid"]["cells"]
    assert {g for g, c in cells.items() if c["action"] == "review"} == review
    assert not [g for g, c in cells.items() if c["action"] == "zeroed"]
    assert all("could not run all of the notebook's code" in cells[g]["reason"] for g in review)
    with gradebook(root) as gb:
        sub = gb.find_submission_notebook("01-sigmoid", ASSIGNMENT, student)
        grades = {g.name: g for g in sub.grades}
        for gid in review:
            assert grades[gid].auto_score == grades[gid].max_score
            assert grades[gid].needs_manual_grade
        comment = gb.find_comment("predict_proba_answer", "01-sigmoid", ASSIGNMENT, student)
        assert "point(s) stand; an instructor will review this" in comment.auto_comment


MALFORMED = [
    "m-invalid-json", "m-not-a-notebook", "m-binary", "m-empty-file", "m-no-notebook",
    "m-renamed", "m-copy-of", "m-stripped-metadata", "m-duplicate-test", "m-duplicate-answer",
    "m-damaged-metadata", "m-answer-to-markdown", "m-no-cell-ids", "m-deleted-test",
    "m-kernel-killed", "m-endless-loop", "m-stubborn-loop", "m-huge-output", "m-memory-hog",
    "m-sys-exit"]


@pytest.mark.parametrize("student", MALFORMED)
def test_malformed_submission(graded_class, student):
    expect = graded_class["expect"][student]
    entry = graded_class["ledger"][student]
    if "failed" in expect:
        assert entry["status"] == "failed"
        assert expect["failed"] in entry["reason"], entry["reason"]
        return
    assert entry["status"] == "graded", entry.get("reason")
    with gradebook(graded_class["root"]) as gb:
        assert autograded_score(gb, student) == pytest.approx(expect["auto"])
    if "note" in expect:
        assert any(expect["note"] in n for n in entry["notes"]), entry["notes"]
    if "flag" in expect:
        assert any(f["kind"] == expect["flag"] for f in entry["flags"]), entry["flags"]


def test_learner_files_are_never_changed(graded_class, class_submissions):
    root = graded_class["root"]
    for student, (files, _) in class_submissions.items():
        for name, data in files.items():
            path = root / "submitted" / student / ASSIGNMENT / name
            assert path.read_bytes() == data, f"{student}/{name} was modified"


ATTACKS = [*corpus.ATTACKS, "a-before-setup", "a-shadow-module"]


@pytest.mark.parametrize("student", ATTACKS)
def test_attack_earns_nothing_and_is_flagged(graded_class, student):
    entry = graded_class["ledger"][student]
    with gradebook(graded_class["root"]) as gb:
        sub = gb.find_submission(ASSIGNMENT, student)
        assert autograded_score(gb, student) == 0.0
        assert all((g.extra_credit or 0) == 0 for nb in sub.notebooks for g in nb.grades)
    serious = [f for f in entry["flags"] if f["severity"] in ("high", "medium")]
    assert serious, f"{student} was not flagged: {entry['flags']}"


def test_points_the_kernel_gave_are_taken_back_with_a_comment(graded_class):
    """The input transformer turns every hidden test into `pass`: nbgrader alone gives 17/17."""
    entry = graded_class["ledger"]["a-input-transformer"]
    zeroed = [g for g, c in entry["integrity"][ASSIGNMENT]["cells"].items()
              if c["action"] == "zeroed"]
    assert len(zeroed) == 13  # every autograded test passed in the kernel
    with gradebook(graded_class["root"]) as gb:
        sub = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "a-input-transformer")
        grades = {g.name: g for g in sub.grades}
        for gid in zeroed:
            assert grades[gid].auto_score == 0.0 and grades[gid].needs_manual_grade
        comment = gb.find_comment("sigmoid_answer", ASSIGNMENT, ASSIGNMENT,
                                  "a-input-transformer")
        assert "Integrity check: sigmoid_values scored 0 instead of 2" in comment.auto_comment


def _outputs(root, student, grade_id):
    path = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join("".join(o.get("text", "")) + o.get("evalue", "") for o in cell["outputs"])


@pytest.mark.parametrize(("student", "what"), [
    ("a-gradebook", "blocked"),  # the gradebook is not there (and SQLite is refused)
    ("a-read-solutions", "blocked"),  # nor are the solutions
    ("a-network", "blocked"),  # no network
])
def test_the_sandbox_holds(graded_class, student, what):
    out = _outputs(graded_class["root"], student, "sigmoid_answer")
    assert what in out, out


def test_sandbox_is_reported(graded_class):
    assert "sandbox on (root mode)" in graded_class["proc"].stderr or \
        "NO SANDBOX" in graded_class["proc"].stderr


def test_feedback_explains_without_hidden_tests(graded_class):
    root = graded_class["root"]
    students = ["h-partial", "h-pandas", "a-input-transformer", "a-before-setup", "m-renamed"]
    proc = run_cli("feedback", ASSIGNMENT, "--course", root, "--students", *students, check=0)
    assert "LEAK" not in proc.stderr
    from logreg_course.instructor.feedback import _text_of

    hidden = ['_lrc_grader.check("', "_lrc_install", "from logreg_course.grading.guard"]
    pages = {}
    for s in students:
        page = root / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html"
        text = _text_of(page)
        for line in hidden:
            assert line not in text, f"{s}: the feedback quotes {line!r}"
        pages[s] = text
    # the reasons are the tests' messages, written for the learner
    assert "compared the logits X w + b with the threshold" in pages["h-partial"]
    assert "not numerically stable" in pages["h-partial"]
    assert "Integrity check: sigmoid_values scored 0" in pages["a-input-transformer"]
    assert "graded as 01-sigmoid.ipynb" in pages["m-renamed"]
    # the maths is typeset offline: MathML in the page, no MathJax from a CDN, no raw TeX
    from bs4 import BeautifulSoup

    raw = (root / "feedback" / "h-partial" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    soup = BeautifulSoup(raw, "html.parser")
    assert len(soup.find_all("math")) > 30
    assert not [t for t in soup.find_all("script") if "mathjax" in (t.get("src") or "")]
    prose = " ".join(c.get_text() for c in soup.select("div.text_cell_render"))
    assert "$" not in prose, prose[prose.find("$") - 80:prose.find("$") + 80]
    # points that stand for a review say so, with the reason
    assert "predict_proba_values: the test passed in the notebook" in pages["h-pandas"]
    assert "could not run all of the notebook's code" in pages["h-pandas"]
    # a learner whose notebook could not be graded gets no page, and the command says why
    proc = run_cli("feedback", ASSIGNMENT, "--course", root, "--students", "m-invalid-json",
                   check=0)
    assert "no feedback for m-invalid-json: 01-sigmoid.ipynb is not valid JSON" in proc.stderr


def test_export_report_lists_flagged_and_ungraded(graded_class, tmp_path):
    root = graded_class["root"]
    proc = run_cli("export", "--course", root, "--to", tmp_path, check=0)
    assert "grades.csv" in proc.stderr
    rows = (tmp_path / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("assignment,duedate,timestamp,student_id")
    assert len(rows) == 1 + len(graded_class["expect"])
    report = (tmp_path / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 2  # score histogram and pass rates
    for section in ("Could not be graded", "Flagged by the integrity pass",
                    "Points kept for review (the re-check could not decide)",
                    "Waiting for manual grading", "Slowest submissions"):
        assert section in report
    from logreg_course import __version__

    assert f"Graded with course version {__version__}" in report
    assert "notebooks released with another version: h-old-version" in report
    review = report.split("Points kept for review")[1].split("<h3>")[0]
    assert "h-pandas" in review and "predict_proba_values" in review
    assert "h-correct" not in review and "h-slow" not in review
    for student in ("m-invalid-json", "m-kernel-killed", "a-input-transformer",
                    "a-numpy-patch"):
        assert student in report


def test_saving_scores_at_once_writes_what_nbgrader_writes(graded_class, tmp_path):
    """`saving.SaveAutoGradesAtOnce` (one commit per notebook) against nbgrader's own
    ``SaveAutoGrades`` (a commit per cell): the same scores, review marks and comments."""
    import shutil

    import nbformat
    from nbgrader.preprocessors import SaveAutoGrades

    from logreg_course.instructor.saving import SaveAutoGradesAtOnce

    root = graded_class["root"]
    results = {}
    for step in (SaveAutoGrades, SaveAutoGradesAtOnce):
        db = tmp_path / f"{step.__name__}.db"
        shutil.copy(root / "gradebook.db", db)
        url = f"sqlite:///{db}"
        for student in ("h-correct", "h-partial", "h-blank", "a-numpy-patch"):
            with gradebook(root, url) as gb:  # forget what grading wrote
                sub = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
                for g in sub.grades:
                    g.auto_score, g.needs_manual_grade = None, True
                for c in sub.comments:
                    c.auto_comment = "stale"
                gb.db.commit()
            nb = nbformat.read(str(root / "autograded" / student / ASSIGNMENT
                                   / f"{ASSIGNMENT}.ipynb"), as_version=4)
            step().preprocess(nb, {"nbgrader": {"notebook": ASSIGNMENT,
                                                "assignment": ASSIGNMENT,
                                                "student": student, "db_url": url}})
        with gradebook(root, url) as gb:
            results[step.__name__] = {
                s.student.id: ({g.name: (g.auto_score, g.needs_manual_grade)
                                for nb in s.notebooks for g in nb.grades},
                               {c.name: c.auto_comment for nb in s.notebooks
                                for c in nb.comments})
                for s in gb.assignment_submissions(ASSIGNMENT)}
    assert results["SaveAutoGradesAtOnce"] == results["SaveAutoGrades"]
    scores = results["SaveAutoGrades"]["h-partial"][0]
    assert 0 < sum(v for v, _ in scores.values() if v) < 17  # the notebooks were re-read
