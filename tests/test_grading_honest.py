"""Honest work keeps its points: answers in many styles, and slips that cost only their part.

The corpus is `honest_corpus`: for every assignment, complete correct submissions written
in different styles (`HONEST`) and submissions where one earlier graded function is wrong in
one way, inaccurate, overflowing or of the wrong shape, while every later function is right
(`UPSTREAM`). Here they are judged as the grading kernel judges them (in this process, the
kernel's own `judge`) and by the out-of-kernel re-check; ``tests/grading_cli/
test_cli_honest.py`` grades the honest and the slow ones through ``logreg-course grade``
(nbgrader in a sandboxed kernel, then the re-check). Salts are fixed, so the verdicts are
the same on every run.
"""

from __future__ import annotations

import pytest
from grading_corpus import build, judge_in_process, namespace
from honest_corpus import CALLS_UPSTREAM, HONEST, UPSTREAM

from logreg_course.assignments import ASSIGNMENT_IDS
from logreg_course.grading import standins
from logreg_course.grading.recheck import recheck_notebook
from logreg_course.grading.specs import get_spec

pytestmark = pytest.mark.slow

SALT = 20_261_204
HONEST_CASES = [(aid, case) for aid in ASSIGNMENT_IDS for case in HONEST[aid]]
UPSTREAM_CASES = [(aid, case) for aid in ASSIGNMENT_IDS for case in UPSTREAM[aid]]


def test_every_assignment_has_eight_honest_styles_or_more():
    assert {aid: len(HONEST[aid]) >= 8 for aid in ASSIGNMENT_IDS} == dict.fromkeys(
        ASSIGNMENT_IDS, True)


@pytest.mark.parametrize(("aid", "case"), HONEST_CASES,
                         ids=[f"{a}-{c.name}" for a, c in HONEST_CASES])
def test_an_honest_style_earns_every_point_in_the_kernel(aid, case):
    failed = judge_in_process(aid, namespace(aid, case), SALT)
    assert not failed, f"{case.why}: {failed}"


@pytest.mark.parametrize(("aid", "case"), UPSTREAM_CASES,
                         ids=[f"{a}-{c.name}" for a, c in UPSTREAM_CASES])
def test_an_upstream_slip_costs_only_its_own_part(aid, case):
    """In the kernel and in the re-check, only the earlier part's own checks fail."""
    kernel = judge_in_process(aid, namespace(aid, case), SALT)
    assert set(kernel) == set(case.fails), f"{case.why}: kernel {kernel}"
    report = recheck_notebook(build(aid, case), aid, salt=SALT)
    assert set(report.failed()) == set(case.fails), (
        f"{case.why}: re-check {[(g, report.cells[g].message) for g in report.failed()]}")


@pytest.mark.parametrize("aid", ASSIGNMENT_IDS)
def test_the_second_chance_covers_every_call_to_an_earlier_part(aid):
    """Each graded function that a natural solution calls from an earlier part (the
    dependency table, `CALLS_UPSTREAM`) is among the functions its checks replace by
    stand-ins when they are judged again."""
    order = standins.graded_order(standins.source(aid))
    graded = {f for c in get_spec(aid).checks.values() for f in c.functions}
    assert set(CALLS_UPSTREAM[aid]) == graded
    for function, calls in CALLS_UPSTREAM[aid].items():
        assert set(calls) <= set(standins.upstream(order, [function])), function
