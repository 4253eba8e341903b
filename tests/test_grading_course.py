"""Course integrity under nbgrader itself: the graded notebooks grade what they claim.

Everything here drives nbgrader's Python API (``logreg_course.grading.nbgrade``)
in temporary course directories, never the command line (whose ``validate``
exits 0 on failure, nbgrader#1908):

* every source notebook validates, and earns full autograded marks as a submission;
* every student version earns zero;
* each realistic wrong submission (``grading_corpus.WRONG``) fails exactly the
  graded cells it should, so it earns exactly the intended partial credit;
* each attack (``grading_corpus.ATTACKS``) earns no undeserved points in the
  kernel, except the ones that cannot be stopped there (an IPython input
  transformer, a replaced grader object): for those the test asserts that
  nbgrader alone is fooled *and* that the out-of-kernel re-check flags them;
* the student versions are what ``generate_assignment`` makes now, and each
  runs top to bottom (stubs aside) within a 10-second budget.

All submissions are graded once, in two worker processes (one per core), by
the session fixture `graded`.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import nbformat
import pytest
from grading_corpus import ATTACKS, WRONG, Case, build

from logreg_course.assignments import (
    ASSIGNMENT_IDS,
    generate_student_version,
    source_notebook,
    student_notebook,
)
from logreg_course.grading.nbgrade import Submission, grade_many, load_config
from logreg_course.grading.recheck import recheck_notebook
from logreg_course.grading.specs import get_spec

# With pytest-xdist these must run on one worker (one grading run): tests/conftest.py turns
# the default `--dist load` into `--dist loadfile`.
pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("nbgrader")]

ASSIGNMENTS = ASSIGNMENT_IDS  # all six
CASES = [(aid, case) for aid in ASSIGNMENTS for case in WRONG[aid] + ATTACKS[aid]]
NOTEBOOK_BUDGET = 10.0  # seconds for a whole student notebook, enforced by nbclient


def _json(nb) -> str:
    return nbformat.writes(nb)


@pytest.fixture(scope="session")
def graded():
    """Autograde every submission of the corpus once: {(assignment, name): GradeResult}."""
    jobs = []
    for aid in ASSIGNMENTS:
        jobs.append(Submission(aid, "solution", source_notebook(aid).read_text()))
        jobs.append(Submission(aid, "blank", student_notebook(aid).read_text()))
        for case in WRONG[aid] + ATTACKS[aid]:
            jobs.append(Submission(aid, case.name, _json(build(aid, case)), case.files))
    # Two grading processes use both cores. Under pytest-xdist the other worker runs the rest
    # of the suite meanwhile; the grading still finishes sooner with two processes.
    workers = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy chatter inside nbgrader
        results = grade_many(jobs, workers=workers)
    for (aid, name), result in results.items():
        assert result.success, f"{aid}/{name} could not be autograded:\n{result.log[-2000:]}"
    return results


@pytest.fixture(scope="session")
def rechecked():
    """The out-of-kernel re-check of every case: {(assignment, name): RecheckReport}.

    Each re-check is mostly a subprocess, so two threads keep both cores busy.
    """
    from concurrent.futures import ThreadPoolExecutor

    def run(item):
        aid, case = item
        return (aid, case.name), recheck_notebook(build(aid, case), aid)

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(run, CASES))


def _autograded(result, aid):
    """Scores of the autograded cells (the spec's checks) only."""
    return {g: result.cells[g] for g in get_spec(aid).checks}


def _expected_score(aid, fails):
    spec = get_spec(aid)
    return spec.total_points - sum(spec[g].points for g in fails)


# --- the two anchors ---------------------------------------------------------------------------
@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_source_notebook_earns_full_autograded_marks(graded, aid):
    result = graded[(aid, "solution")]
    cells = _autograded(result, aid)
    assert set(result.cells) >= set(get_spec(aid).checks)
    failed = {g: c.error for g, c in cells.items() if c.score != c.max_score}
    assert not failed, f"the solution loses points: {failed}"
    assert sum(c.score for c in cells.values()) == get_spec(aid).total_points


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_student_version_earns_zero(graded, aid):
    result = graded[(aid, "blank")]
    earned = {g: c.score for g, c in result.cells.items() if c.score}
    assert not earned, f"the unanswered student version earns points: {earned}"
    assert all(c.score == 0 for c in _autograded(result, aid).values())


# --- the corpus ----------------------------------------------------------------------------
@pytest.mark.parametrize(("aid", "case"), CASES, ids=[f"{a}-{c.name}" for a, c in CASES])
def test_submission_earns_exactly_its_intended_score(graded, aid, case: Case):
    result = graded[(aid, case.name)]
    cells = _autograded(result, aid)
    failed = {g for g, c in cells.items() if c.score != c.max_score}
    assert failed == set(case.fails), (
        f"{case.why}: unexpected failures {sorted(failed - case.fails)} "
        f"{[cells[g].error for g in sorted(failed - case.fails)]}, "
        f"unexpected passes {sorted(case.fails - failed)}")
    assert sum(c.score for c in cells.values()) == _expected_score(aid, case.fails)
    assert result.extra_credit == 0


def _in_kernel_fooled(aid, case):
    """Attacks whose in-kernel score exceeds what their honest code deserves."""
    return _expected_score(aid, case.fails) > _expected_score(aid, case.expected_recheck_fails)


@pytest.mark.parametrize(("aid", "case"), CASES, ids=[f"{a}-{c.name}" for a, c in CASES])
def test_recheck_confirms_or_flags_nbgrader(graded, rechecked, aid, case: Case):
    """The re-check agrees with nbgrader, except where nbgrader was fooled: those it flags."""
    result = graded[(aid, case.name)]
    report = rechecked[(aid, case.name)]
    assert set(report.failed()) == set(case.expected_recheck_fails), report.failed()
    flags = report.disagreements({g: c.score for g, c in result.cells.items()})
    undeserved = {g for g, msg in flags.items() if msg.startswith("nbgrader gave")
                  and "re-check failed" in msg}
    if _in_kernel_fooled(aid, case):
        assert undeserved == set(case.expected_recheck_fails) - set(case.fails), flags
    else:
        assert not undeserved, flags


def test_the_corpus_contains_attacks_only_the_recheck_stops():
    """Documented limits: these attacks fool nbgrader in the kernel (asserted above)."""
    fooled = sorted(c.name for a, c in CASES if _in_kernel_fooled(a, c))
    assert fooled == ["grader_replaced", "input_transformer"]


def test_a_submitted_logreg_ref_py_never_reaches_the_kernel_folder(graded):
    files = graded[("01-sigmoid", "shadow_module")].autograded_files
    assert "01-sigmoid.ipynb" in files
    assert "logreg_ref.py" not in files  # CourseDirectory.ignore has *.py


# --- generation, validation, the learner's run ------------------------------------------------
def _notebook_checks(aid: str, work_dir: str) -> dict:
    """Generate, validate and run one assignment's notebooks; plain data for the tests.

    Runs in a worker process (see `notebooks`), so the six assignments use both cores.

    * ``drifted``: the committed student version differs from a fresh generation;
    * ``validation``: nbgrader's ``Validator`` on the source notebook (``{}``: passes);
    * ``errors`` / ``stderr``: the student version run top to bottom, stubs aside, with a
      10 s budget for the whole notebook: nbclient's per-cell timeout is what is left of
      the budget (``timeout_func``), so a notebook that takes longer fails with a
      CellTimeoutError (an error other than NotImplementedError): the limit is enforced by
      the executor, not measured.
    """
    import nbclient
    from nbgrader.validator import Validator

    out = {"drifted": nbformat.read(str(student_notebook(aid)), as_version=4)
           != generate_student_version(aid)}
    config = load_config(source_notebook(aid).parent.parent.parent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["validation"] = Validator(config=config).validate(str(source_notebook(aid)))
    nb = nbformat.read(str(student_notebook(aid)), as_version=4)
    deadline = []

    def remaining(cell):
        if not deadline:
            deadline.append(time.monotonic() + NOTEBOOK_BUDGET)
        return max(0.1, deadline[0] - time.monotonic())

    client = nbclient.NotebookClient(
        nb, kernel_name="python3", allow_errors=True, timeout_func=remaining,
        extra_arguments=load_config(Path(work_dir)).Execute.extra_arguments,
        resources={"metadata": {"path": work_dir}})
    try:
        client.execute()
    except Exception as exc:  # a CellTimeoutError ends the run
        out["run_error"] = f"{type(exc).__name__}: {exc}"[:500]
    out["errors"] = [(c.metadata.get("nbgrader", {}).get("grade_id"), o.ename)
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs
                     if o.output_type == "error"]
    out["stderr"] = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs
                     if o.output_type == "stream" and o.name == "stderr" and "TCP" not in o.text]
    return out


@pytest.fixture(scope="session")
def notebooks(tmp_path_factory):
    """`_notebook_checks` for every assignment, in two processes: {assignment: dict}."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {aid: pool.submit(_notebook_checks, aid, str(tmp_path_factory.mktemp(aid)))
                   for aid in ASSIGNMENTS}
        return {aid: future.result() for aid, future in futures.items()}


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_student_version_is_what_generation_makes_now(notebooks, aid):
    assert not notebooks[aid]["drifted"], (
        f"chapters/exercises/{aid}.ipynb drifted from solutions/{aid}: run `make exercises`")


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_source_notebook_validates(notebooks, aid):
    assert notebooks[aid]["validation"] == {}, notebooks[aid]["validation"]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_student_notebook_runs_within_its_budget(notebooks, aid):
    """Top to bottom, stubs aside, within 10 s for the whole notebook (`_notebook_checks`)."""
    run = notebooks[aid]
    assert "run_error" not in run, run["run_error"]
    assert run["errors"], "the stubs should raise NotImplementedError"
    assert {e for _, e in run["errors"]} == {"NotImplementedError"}, run["errors"]
    assert not run["stderr"], f"cells writing to stderr: {run['stderr']}"


def test_kernel_ignores_modules_next_to_the_notebook(tmp_path):
    """nbgrader_config starts kernels with ignore_cwd (verified with ipykernel 7)."""
    import nbclient

    (tmp_path / "logreg_ref.py").write_text("SHADOW = True\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import logreg_ref\nprint(logreg_ref.__file__)")]
    config = load_config(tmp_path)
    nbclient.NotebookClient(nb, kernel_name=config.Execute.kernel_name, timeout=60,
                            extra_arguments=config.Execute.extra_arguments,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = nb.cells[0].outputs[0].text
    assert str(tmp_path) not in printed and printed.strip().endswith("__init__.py")
