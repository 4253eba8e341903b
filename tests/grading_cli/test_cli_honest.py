"""Honest work through the whole grading command: every style and every slow answer keeps
every point.

One course holds all six assignments; each gets the honest submissions of `honest_corpus`
(at least eight styles) and its slow answer (about ten times slower than the solution, or
more), graded once by ``logreg-course grade`` (two assignments at a time): nbgrader in a
sandboxed kernel, then the out-of-kernel re-check with its time budgets from the kernel.
Every one must earn full autograded marks, with nothing taken away and nothing sent to
review.
"""

from __future__ import annotations

import nbformat
import pytest
from _cli_helpers import ledger, make_course, run_cli
from grading_corpus import build
from honest_corpus import HONEST, SLOW

from logreg_course.assignments import ASSIGNMENT_IDS
from logreg_course.grading.specs import get_spec

CASES = [(aid, kind, case) for aid in ASSIGNMENT_IDS
         for kind, corpus in (("honest", HONEST), ("slow", SLOW)) for case in corpus[aid]]


@pytest.fixture(scope="module")
def honest_class(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("honest") / "course", ASSIGNMENT_IDS)
    for aid, kind, case in CASES:
        folder = root / "submitted" / f"{kind}-{case.name}" / aid
        folder.mkdir(parents=True)
        nbformat.write(build(aid, case), str(folder / f"{aid}.ipynb"))
    # Two assignments at a time, one worker each: both cores busy, as with --jobs 2, and
    # half as many grading workers to start (each loads nbgrader and a kernel factory).
    from concurrent.futures import ThreadPoolExecutor

    def grade(aid):
        return aid, run_cli("grade", aid, "--course", root, "--jobs", "1", "--no-progress")

    with ThreadPoolExecutor(2) as pool:
        runs = dict(pool.map(grade, ASSIGNMENT_IDS))
    return root, runs


@pytest.mark.parametrize("aid", ASSIGNMENT_IDS)
def test_every_honest_and_slow_answer_keeps_every_point(honest_class, aid):
    root, runs = honest_class
    assert runs[aid].returncode == 0, runs[aid].stderr[-3000:]
    entries = ledger(root, aid)
    full = get_spec(aid).total_points
    problems = {}
    for a, kind, case in CASES:
        if a != aid:
            continue
        entry = entries[f"{kind}-{case.name}"]
        auto = sum(c[2] or 0.0 for g, c in entry["cells"].items() if g in get_spec(aid).checks)
        actions = {g: c["action"] for v in entry["integrity"].values()
                   for g, c in v["cells"].items() if c["action"]}
        if entry["status"] != "graded" or auto != full or actions:
            problems[f"{kind}-{case.name}"] = (entry.get("reason"), auto, actions)
    assert not problems, problems
