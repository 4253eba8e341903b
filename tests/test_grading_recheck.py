"""The out-of-kernel re-check grades the corpus exactly as intended (no nbgrader needed).

The re-check runs each submission's code in an isolated ``python -I`` process
and judges its outputs with the same checks as the hidden tests. Here it must
give full marks to the solutions, none to the student versions, and fail
exactly the intended grade cells of every wrong submission and attack
(``grading_corpus``); ``test_grading_course.py`` then compares it with nbgrader.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from grading_corpus import ATTACKS, WRONG, Case, build

from logreg_course.assignments import ASSIGNMENT_IDS, source_notebook, student_notebook
from logreg_course.grading import values
from logreg_course.grading.recheck import extract_learner_code, recheck_notebook
from logreg_course.grading.specs import get_spec

pytestmark = pytest.mark.slow  # ~60 isolated runner processes, ~15 s in all

ASSIGNMENTS = ASSIGNMENT_IDS  # all six
CASES = [(aid, case) for aid in ASSIGNMENTS for case in WRONG[aid] + ATTACKS[aid]]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_recheck_gives_the_solution_full_marks(aid):
    report = recheck_notebook(source_notebook(aid), aid)
    assert not report.problems and not report.cell_errors
    assert report.failed() == [], {g: c.message for g, c in report.cells.items()}
    assert report.score == report.max_score == get_spec(aid).total_points


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_recheck_gives_the_student_version_nothing(aid):
    report = recheck_notebook(student_notebook(aid), aid)
    assert report.score == 0
    assert all("NotImplementedError" in c.message for c in report.cells.values())


@pytest.mark.parametrize(("aid", "case"), CASES, ids=[f"{a}-{c.name}" for a, c in CASES])
def test_recheck_fails_exactly_the_intended_cells(aid, case: Case):
    report = recheck_notebook(build(aid, case), aid)
    assert not report.problems
    failed = set(report.failed())
    expected = set(case.expected_recheck_fails)
    assert failed == expected, (
        f"{case.why}: unexpected {sorted(failed - expected)} "
        f"{[report.cells[g].message for g in sorted(failed - expected)]}, "
        f"missing {sorted(expected - failed)}")


def test_recheck_skips_locked_cells_and_plain_pythonises_magics():
    nb = build("01-sigmoid")
    nb.cells.insert(5, nbformat.v4.new_code_cell("%timeit sigmoid(0.0)\nx = 1"))
    code = extract_learner_code(nb, source_notebook("01-sigmoid"))
    assert not any("_lrc_grader" in c or "selfcheck." in c for c in code)
    assert any("get_ipython().run_line_magic('timeit'" in c for c in code)


def test_recheck_ignores_forged_result_lines():
    """Learner output without the run's nonce cannot pass as a result."""
    forged = ('import os\nos.write(3, b\'{"id": 0, "value": {"t": "none"}}\\n\')\n'
              'print("0123 {\\"done\\": true}")\n')
    case = Case("forger", "writes fake result lines", {"sigmoid_answer": forged
                + "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, float)))\n"})
    report = recheck_notebook(build("01-sigmoid", case), "01-sigmoid")
    assert set(report.failed()) == {"sigmoid_stable"}


def test_recheck_runner_cannot_import_the_reference_or_read_files():
    probe = ("import sys\nresults = []\n"
             "for name in ('logreg_ref', 'sklearn', 'scipy', 'sqlite3'):\n"
             "    try:\n        __import__(name)\n        results.append(name)\n"
             "    except ImportError:\n        pass\n"
             "try:\n    open('/etc/hostname').read()\n    results.append('open')\n"
             "except PermissionError:\n    pass\n"
             "def sigmoid(z):\n"
             "    return np.full(np.shape(z), float(len(results)))\n")
    case = Case("probe", "what can the runner reach?", {"sigmoid_answer": probe})
    report = recheck_notebook(build("01-sigmoid", case), "01-sigmoid")
    # with nothing reachable sigmoid returns zeros: wrong, but not an error
    message = report.cells["sigmoid_values"].message
    assert "values are wrong" in message and "largest relative error 1.0e+00" in message


def test_a_crashed_runner_marks_the_cells_it_never_reached():
    """A segfault inside a learner function ends the runner: the cells whose calls never came
    back say so (``undecided``), so the instructor CLI asks for a review instead of zeroing."""
    crash = ("import faulthandler\n"
             "def sigmoid(z):\n    faulthandler._sigsegv()\n")
    case = Case("segfault", "crashes the runner", {"sigmoid_answer": crash})
    report = recheck_notebook(build("01-sigmoid", case), "01-sigmoid")
    assert any("exit code" in p for p in report.problems), report.problems
    assert report.cells["sigmoid_values"].undecided
    assert not report.cells["sigmoid_values"].passed
    # a wrong value before the crash is a verdict: the first call of sigmoid_values returns
    # zeros, its second call crashes the runner
    wrong_then_crash = ("import faulthandler\ncalls = []\n"
                        "def sigmoid(z):\n    calls.append(1)\n"
                        "    if len(calls) > 1:\n        faulthandler._sigsegv()\n"
                        "    return np.zeros(np.shape(z))\n")
    case = Case("wrong-then-segfault", "wrong, then crashes", {"sigmoid_answer": wrong_then_crash})
    report = recheck_notebook(build("01-sigmoid", case), "01-sigmoid")
    assert report.problems
    assert "values are wrong" in report.cells["sigmoid_values"].message
    assert not report.cells["sigmoid_values"].undecided
    assert report.cells["sigmoid_shapes"].undecided
    # a clean run of a wrong answer is a verdict, not a missing result
    wrong = Case("wrong", "off by one", {"sigmoid_answer":
                 "def sigmoid(z):\n    return 1 / (2 + np.exp(-np.asarray(z, float)))\n"})
    report = recheck_notebook(build("01-sigmoid", wrong), "01-sigmoid")
    assert not report.problems
    assert not report.cells["sigmoid_values"].passed
    assert not any(c.undecided for c in report.cells.values())


def test_values_cannot_be_forged_by_equality():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    assert isinstance(values.sanitize(AlwaysEqual()), values.Other)


def test_scan_is_quiet_on_solutions_and_flags_the_attacks_the_kernel_cannot_stop():
    """The instructor CLI's static scan (one scan for the whole course) on every assignment."""
    import nbformat

    from logreg_course.instructor.scan import scan_notebook

    def scan(aid, case=None):
        flags = scan_notebook(build(aid, case), nbformat.read(source_notebook(aid), as_version=4))
        # "info" flags describe (a timeout, a missing optional cell); the rest ask for a look
        return [f for f in flags if f.severity != "info"]

    for aid in ASSIGNMENTS:
        assert scan(aid) == [], aid
        for case in WRONG[aid]:
            assert scan(aid, case) == [], f"{aid}/{case.name}"
    for name in ("input_transformer", "grader_replaced", "cell_above_setup", "read_disk",
                 "frame_reader", "numpy_patch", "calls_logreg_ref"):
        case = next(c for c in ATTACKS["01-sigmoid"] if c.name == name)
        assert scan("01-sigmoid", case), name


HANG_PROBE = '''
import sys, threading
import numpy as np
from logreg_course.assignments import source_notebook
from logreg_course.grading.recheck import recheck_notebook

stop = threading.Event()

def blas():  # keeps OpenBLAS's worker threads busy while the other thread starts runners
    a = np.random.default_rng(0).normal(size=(400, 400))
    while not stop.is_set():
        a @ a

threading.Thread(target=blas, daemon=True).start()
scores = [recheck_notebook(source_notebook("01-sigmoid"), "01-sigmoid").score
          for _ in range(4)]
stop.set()
print(scores)
'''


def test_recheck_from_a_thread_while_blas_is_busy_does_not_hang(tmp_path):
    """A runner started while another thread is inside OpenBLAS must not deadlock.

    Forking with ``preexec_fn`` ran OpenBLAS's fork handler, which waited for the busy
    BLAS threads for ever (seen in the course tests' threaded re-check fixture). The
    probe runs in its own process so that a hang fails this test instead of the suite.
    """
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.endswith("NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = "2"
    try:
        proc = subprocess.run([sys.executable, "-c", HANG_PROBE], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("re-checks started beside busy BLAS threads hung for 120 s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    full = get_spec("01-sigmoid").total_points
    assert proc.stdout.strip() == str([full] * 4), "the solution lost points in a re-check"


# --- fair re-checks: no false alarms (issue: an honest learner never loses points) ----------
SLOW_PREDICT = ("import time\n\n\n"
                "def predict(X, w, b, threshold=0.5):\n"
                "    time.sleep(0.4)  # correct, but slow\n"
                "    return (predict_proba(X, w, b) >= threshold).astype(int)\n")


def _predict_case(name, code):
    return build("01-sigmoid", Case(name, name, {"predict_answer": code}))


def test_time_budgets_come_from_the_kernel_and_a_slow_answer_keeps_its_points(monkeypatch):
    """Each call may take BUDGET_FACTOR times what its test cell took in the kernel."""
    from logreg_course.grading import recheck

    monkeypatch.setattr(recheck, "BUDGET_FLOOR", 0.1)  # so that the test is quick
    nb = _predict_case("slow", SLOW_PREDICT)
    # the kernel took 1.2 s for the cell (three calls): each call may take 6 s here
    report = recheck_notebook(nb, "01-sigmoid", kernel_seconds={"predict_default": 1.2})
    assert report.cells["predict_default"].passed, report.cells["predict_default"].message
    # a kernel that was much faster: 0.05 s for the cell, so each call gets the floor
    report = recheck_notebook(nb, "01-sigmoid", kernel_seconds={"predict_default": 0.01})
    cell = report.cells["predict_default"]
    assert not cell.passed and "time budget of 0.1 s" in cell.undecided


def test_a_caught_interrupt_is_still_no_answer(monkeypatch):
    """A function that swallows the time-out (a bare except) and returns something is not
    judged on that something: the re-check had no answer in time."""
    from logreg_course.grading import recheck

    monkeypatch.setattr(recheck, "BUDGET_FLOOR", 0.2)
    # (a busy loop: the watchdog's interrupt reaches Python code at once, where a
    # time.sleep would first sleep its full length)
    code = ("def predict(X, w, b, threshold=0.5):\n"
            "    try:\n        while True:\n            pass\n    except BaseException:\n"
            "        return np.zeros(len(X), dtype=int)\n"
            "    return (predict_proba(X, w, b) >= threshold).astype(int)\n")
    # only the cell under test: the other predict cells have no kernel timing, and each of
    # their calls would loop for the 60-s default budget
    report = recheck_notebook(_predict_case("swallows", code), "01-sigmoid",
                              kernel_seconds={"predict_default": 0.01},
                              grade_ids={"predict_default"})
    assert report.cells["predict_default"].undecided


IGNORING_SIGINT = """
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell script's background job starts
from logreg_course.grading import recheck
recheck.BUDGET_FLOOR = 1.0
report = recheck.recheck_notebook(sys.argv[1], "01-sigmoid",
                                  kernel_seconds={"learner": 0.1, "predict_default": 0.1})
print(repr((report.cell_errors, report.problems)))
"""


def test_an_endless_loop_is_stopped_even_when_the_grader_ignores_sigint(tmp_path):
    """A grader started with SIGINT ignored (a background job of a shell script) passes
    that on to the runner, whose watchdog interrupts with SIGINT: the runner must take
    SIGINT back, or a top-level endless loop runs until the runner's CPU limit (seen: a
    test run's re-check spinning for 14 minutes)."""
    import subprocess
    import sys

    code = ("def predict(X, w, b, threshold=0.5):\n"
            "    return (predict_proba(X, w, b) >= threshold).astype(int)\n\n\n"
            "while True:\n    pass\n")
    path = tmp_path / "loop.ipynb"
    nbformat.write(_predict_case("loop", code), str(path))
    try:
        proc = subprocess.run([sys.executable, "-c", IGNORING_SIGINT, str(path)],
                              capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the re-check of an endless loop did not end within 90 s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    cell_errors, problems = eval(proc.stdout.strip().splitlines()[-1])
    assert any("a statement ran longer than 1 s" in e for e in cell_errors), cell_errors
    assert not problems, problems


def test_memory_shortage_is_no_answer_but_a_raised_memory_error_is_a_verdict():
    hog = ("def predict(X, w, b, threshold=0.5):\n    keep = []\n    while True:\n"
           "        keep.append(np.ones(10_000_000))\n")
    report = recheck_notebook(_predict_case("hog", hog), "01-sigmoid",
                              address_space=1_500_000_000)
    assert report.cells["predict_default"].undecided == "it ran out of memory"
    liar = "def predict(X, w, b, threshold=0.5):\n    raise MemoryError('pretend')\n"
    report = recheck_notebook(_predict_case("liar", liar), "01-sigmoid")
    cell = report.cells["predict_default"]
    assert not cell.passed and not cell.undecided and "MemoryError" in cell.message


def test_code_the_recheck_cannot_run_sends_the_part_to_review():
    """pandas works in the notebook but not in the re-check's numpy-only runner: the parts that
    use it cannot be judged there (a review, not a zero)."""
    code = ("import pandas as pd\n\n\n"
            "def predict_proba(X, w, b):\n"
            "    return pd.Series(sigmoid(X @ w + b)).to_numpy()\n")
    nb = build("01-sigmoid", Case("pandas", "uses pandas", {"predict_proba_answer": code}))
    report = recheck_notebook(nb, "01-sigmoid")
    assert any("ImportError" in e for e in report.cell_errors), report.cell_errors
    for gid in ("predict_proba_values", "predict_proba_breast_cancer"):
        cell = report.cells[gid]
        assert not cell.passed and "could not run all of the notebook's code" in cell.undecided
    # predict calls predict_proba: graded with the course's predict_proba, it passes
    assert report.cells["predict_default"].passed


def test_a_runner_that_cannot_start_decides_nothing():
    report = recheck_notebook(build("01-sigmoid"), "01-sigmoid", python="/bin/false")
    assert any("exit code 1" in p for p in report.problems), report.problems
    assert all(not c.passed and c.undecided for c in report.cells.values())


def test_an_earlier_slip_costs_only_its_own_part():
    """A sigmoid accurate to ~1e-12 in absolute terms only (the tanh identity) loses its own
    accuracy points; every part that calls it is graded with the course's sigmoid."""
    tanh = "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(np.asarray(z, float) / 2))\n"
    report = recheck_notebook(build("01-sigmoid", Case("tanh", "tanh", {"sigmoid_answer": tanh})),
                              "01-sigmoid")
    assert set(report.failed()) == {"sigmoid_values", "sigmoid_stable"}
    assert "sigmoid" in report.cells["predict_proba_values"].stand_ins
