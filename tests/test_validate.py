"""``logreg-course validate``: the learner's check before hand-in (`logreg_course.handin`).

Broken notebooks are built from the released student version as the grading corpus
builds submissions (``tests/grading_corpus.py``): the solution code in the answer cells,
then one damage at a time. The checks that need no kernel run per test; the four that run
a notebook in a fresh kernel share one session fixture (`executed`), two at a time.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_corpus import Case, build

from logreg_course import handin
from logreg_course.assignments import source_notebook
from logreg_course.handin import NOTE, OK, PROBLEM, validate

AID = "01-sigmoid"
pytestmark = pytest.mark.slow


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def complete(aid=AID, case=None):
    """The student version with every answer written (code and written answers)."""
    nb = build(aid, case)
    source = nbformat.read(str(source_notebook(aid)), as_version=4)
    written = {_meta(c)["grade_id"]: c.source.split("=== BEGIN MARK SCHEME ===")[0].strip()
               for c in source.cells if c.cell_type == "markdown" and _meta(c).get("solution")}
    for cell in nb.cells:
        if _meta(cell).get("grade_id") in written:
            cell.source = written[_meta(cell)["grade_id"]]
    return nb


def save(nb, folder, name=f"{AID}.ipynb"):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, str(path))
    return path


def marks(report, mark):
    return [f.text for f in report.findings if f.mark == mark]


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- the runs in a fresh kernel (one session fixture) ------------------------------------------

CASES = {
    "complete": (None, {}),
    "failing_selfcheck": (Case("sign_slip", "1/(1 + e^z): sigmoid(-z)", {
        "sigmoid_answer": "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                          "    return 1.0 / (1.0 + np.exp(z))\n"}), {}),
    "forbidden_call": (Case("library", "SciPy and logreg_ref in graded functions", {
        "sigmoid_answer": "def sigmoid(z):\n    from scipy.special import expit\n"
                          "    return expit(z)\n",
        "logit_answer": "def logit(p):\n    import logreg_ref\n    return logreg_ref.logit(p)\n"}),
        {}),
    "timeout": (Case("endless", "a sigmoid that never returns", {
        "sigmoid_answer": "def sigmoid(z):\n    while True:\n        pass\n"}), {"timeout": 4}),
}


def _run_case(name: str, folder: str):
    """Validate the notebook of case `name` in a fresh kernel (in a worker process)."""
    import time

    case, options = CASES[name]
    path = save(complete(AID, case), folder)
    start = time.monotonic()
    report = validate(path, **options)
    return report, time.monotonic() - start


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """{case: (report, seconds)} for the notebooks of `CASES`, two processes at a time.

    (Processes, not threads: nbclient's kernel clients do not run side by side in threads.)
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {name: pool.submit(_run_case, name, str(tmp_path_factory.mktemp(name)))
                   for name in CASES}
        return {name: future.result() for name, future in futures.items()}


def test_a_complete_notebook_is_ready(executed):
    report, _ = executed["complete"]
    assert report.exit_code == 0, report.render()
    assert not report.problems
    assert any("runs top to bottom in a fresh kernel" in t for t in marks(report, OK))
    assert any("every self-check passes (7 of 7)" in t for t in marks(report, OK))
    assert report.render().splitlines()[-1].startswith("READY to hand in")


def test_a_failing_selfcheck_is_reported(executed):
    report, _ = executed["failing_selfcheck"]
    assert report.exit_code == 1
    failing = [t for t in report.problems if "(sigmoid_selfcheck)" in t]
    assert failing and "the self-check fails" in failing[0], report.render()
    assert not any("every self-check passes" in t for t in marks(report, OK))


def test_a_forbidden_call_is_reported_with_what_to_do(executed):
    report, _ = executed["forbidden_call"]
    assert report.exit_code == 1
    scipy = [t for t in report.problems if "(sigmoid_answer)" in t and "scipy" in t]
    ref = [t for t in report.problems if "(logit_answer)" in t and "logreg_ref" in t]
    assert scipy and ref, report.render()
    assert all("What to do:" in t for t in scipy + ref)
    assert not any("nothing in your code" in t for t in marks(report, OK))


def test_a_cell_that_runs_too_long_is_stopped_and_named(executed):
    report, seconds = executed["timeout"]
    assert report.exit_code == 1
    stopped = [t for t in report.problems if "did not finish within 4 s" in t]
    assert stopped and "(sigmoid_selfcheck)" in stopped[0], report.render()
    assert seconds < 60  # the limit stopped it, not the test's own time-out


# --- the file itself: no kernel ------------------------------------------------------------------

def test_stripped_metadata_is_repaired_in_a_copy_and_the_file_is_untouched(tmp_path):
    nb = complete()
    for cell in nb.cells:  # what an editor that drops nbgrader's metadata leaves
        cell.metadata.pop("nbgrader", None)
    path = save(nb, tmp_path)
    before = digest(path)
    report = validate(path, run=False)
    assert report.exit_code == 1
    assert any("lost their grading marks" in t for t in report.problems), report.render()
    assert digest(path) == before
    repaired = tmp_path / f"{AID}.repaired.ipynb"
    assert report.repaired == repaired and repaired.is_file()
    assert repaired.name in report.render()
    released = nbformat.read(str(_released()), as_version=4)
    ours = nbformat.read(str(repaired), as_version=4)
    want = {_meta(c)["grade_id"]: _meta(c) for c in released.cells if _meta(c)}
    got = {_meta(c)["grade_id"]: _meta(c) for c in ours.cells if _meta(c)}
    assert got == want
    again = validate(repaired, assignment=AID, run=False)
    assert again.exit_code == 0, again.render()


def _released():
    from logreg_course.assignments import released_notebook

    return released_notebook(AID)


def test_a_deleted_graded_cell_is_named(tmp_path):
    nb = complete()
    nb.cells = [c for c in nb.cells if _meta(c).get("grade_id") != "logit_answer"]
    report = validate(save(nb, tmp_path), run=False)
    assert report.exit_code == 1
    missing = [t for t in report.problems if "'logit_answer'" in t]
    assert missing and "missing" in missing[0] and "clean copy" in missing[0], report.render()


def test_a_duplicated_cell_is_named(tmp_path):
    nb = complete()
    i = next(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "sigmoid_answer")
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))
    nb.cells[i + 1]["id"] = "copied-cell"
    report = validate(save(nb, tmp_path), run=False)
    assert report.exit_code == 1
    copies = [t for t in report.problems if "is a copy of" in t]
    assert copies == [f"cell {i + 2} is a copy of cell {i + 1}, the answer cell "
                      f"'sigmoid_answer': only cell {i + 1} is graded. Keep your work in cell "
                      f"{i + 1} and delete cell {i + 2}."], report.render()


def test_a_complete_file_passes_the_static_checks_and_notes_another_version(tmp_path):
    nb = complete()
    nb.metadata["logreg_course"]["version"] = "0.0.1"
    report = validate(save(nb, tmp_path), run=False)
    assert report.exit_code == 0, report.render()  # a note, not a problem
    assert any("version 0.0.1" in t for t in marks(report, NOTE))


def _student_text():
    return _released().read_text(encoding="utf-8")


UNREADABLE = {
    "empty": (b"", "is empty"),
    "invalid JSON": (b'{"cells": [}', "is not valid JSON"),
    "truncated": (None, "truncated"),
    "binary": (bytes(range(256)) * 4, "not UTF-8 text"),
    "JSON, not a notebook": (b'{"name": "not a notebook"}', "not a Jupyter notebook"),
    "a notebook of no assignment": (
        json.dumps(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]))
        .encode(), "not one of the course's graded notebooks"),
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_an_unreadable_file_gets_one_line(tmp_path, kind):
    data, words = UNREADABLE[kind]
    if data is None:
        text = _student_text()
        data = text[:len(text) // 2].encode()
    path = tmp_path / f"{AID}.ipynb"
    path.write_bytes(data)
    report = validate(path)
    assert report.exit_code == 1
    line = report.render()
    assert "\n" not in line and line.startswith("NOT READY: ") and words in line, line
    assert path.read_bytes() == data


def test_another_assignments_notebook_through_the_command_line(tmp_path):
    """One line on stdout, no traceback, exit status 1 (and 2 for a missing file)."""
    path = tmp_path / "03-maximum-likelihood.ipynb"
    path.write_text(_student_text(), encoding="utf-8")
    cli = [sys.executable, "-m", "logreg_course.cli", "validate"]
    proc = subprocess.run([*cli, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip() == (
        "NOT READY: 03-maximum-likelihood.ipynb is the notebook of 01-sigmoid, not of "
        f"03-maximum-likelihood: hand in 03-maximum-likelihood.ipynb (a clean copy is at "
        f"{handin._clean_copy('03-maximum-likelihood')})")
    assert "Traceback" not in proc.stderr
    missing = subprocess.run([*cli, str(tmp_path / "nothing.ipynb")], capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_validate_needs_no_nbgrader(tmp_path):
    """A learner's install has no nbgrader: the command works with it unimportable."""
    path = save(complete(), tmp_path)
    code = ("import sys; sys.modules['nbgrader'] = None\n"
            "from logreg_course.cli import main\n"
            f"sys.exit(main(['validate', {str(path)!r}, '--no-run']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "READY to hand in" in proc.stdout


def test_the_time_limit_is_the_graders():
    from logreg_course.grading.nbgrade import load_config

    assert handin.DEFAULT_TIMEOUT == load_config(Path("/course")).Execute.timeout


# --- the hand-in cell ---------------------------------------------------------------------------

def _sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def test_the_handin_cell_reports_this_kernels_selfchecks_and_the_saved_file(
        tmp_path, monkeypatch, capsys):
    from logreg_course import selfcheck

    path = save(complete(), tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    monkeypatch.setattr(selfcheck, "RESULTS", {})
    selfcheck.check_odds_ratio(lambda coef, delta=1.0: np.exp(delta * np.asarray(coef)))
    with pytest.raises(AssertionError):
        selfcheck.check_logit(lambda p: p)
    selfcheck.check_sigmoid(_sigmoid)
    capsys.readouterr()
    selfcheck.ready_to_hand_in(AID)
    out = capsys.readouterr().out
    assert f"{OK} check_sigmoid: passed" in out
    assert f"{PROBLEM} check_logit: failed" in out
    assert f"{NOTE} check_predict: not run" in out
    assert "check_odds_ratio" not in out
    assert "1 of 7 passed" in out
    assert f"{OK} a notebook of {AID}" in out  # the saved file's static checks
    assert f'validate "{path}"' in out


def test_the_handin_cell_says_save_first_or_download_from_colab(tmp_path, monkeypatch, capsys):
    import types

    from logreg_course import selfcheck

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    selfcheck.ready_to_hand_in(AID)
    assert "Save first" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    selfcheck.ready_to_hand_in(AID)
    assert "Download it" in capsys.readouterr().out


def test_the_handin_cell_does_nothing_in_a_grading_kernel(monkeypatch, capsys):
    import types

    from logreg_course import selfcheck

    monkeypatch.setitem(sys.modules, "logreg_course.grading.guard",
                        types.ModuleType("logreg_course.grading.guard"))
    assert selfcheck.ready_to_hand_in(AID) is None
    assert capsys.readouterr() == ("", "")
