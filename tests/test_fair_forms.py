"""Self-check => well-formed: the graded tests never refuse a form the self-check let through.

Every graded function of every assignment is wrapped in each *form mutation*
below: the solution's answer, returned in another container, dtype or shape
(a list, a column vector, float32, ``np.matrix``, a Python float, a
generator, ``None`` ...), or computed after changing its input in place. For
each, the graded tests of that function are judged in this process exactly as
the grading kernel judges them (`logreg_course.grading.judge`), and the
self-checks the learner runs for that function are run too. The two verdicts
must agree:

* a form the graded tests refuse is refused by the self-check first, with a
  message (a learner never meets a form failure the self-check did not warn
  about);
* a form the graded tests accept (an equivalent answer) passes the self-check
  as well (no false alarm that would send a learner to "fix" a right answer).
"""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest
from grading_corpus import namespace

from logreg_course import selfcheck
from logreg_course.grading import reference as ref
from logreg_course.grading import standins
from logreg_course.grading.calls import Monitor
from logreg_course.grading.checks import Context
from logreg_course.grading.judge import judge
from logreg_course.grading.policy import Policy
from logreg_course.grading.specs import get_spec

pytestmark = pytest.mark.slow

SALT = 5


# --- the mutations -------------------------------------------------------------------------
def _walk(out, leaf):
    """Apply `leaf` to every array and number inside tuples and lists."""
    if type(out) in (tuple, list):
        return type(out)(_walk(x, leaf) for x in out)
    return leaf(out)


def _arrays(fn):
    return lambda out: _walk(out, lambda x: fn(x) if type(x) is np.ndarray else x)


def _column(x):
    return x.reshape(-1, 1) if x.ndim == 1 else x


def _to_float(x):
    if type(x) is np.ndarray and x.size == 1:
        return float(x.reshape(()))
    if isinstance(x, np.floating):
        return float(x)
    return x


def _to_array1(x):
    return np.array([x]) if type(x) in (float, int) or isinstance(x, np.number) else x


def _swap_bool(x):
    if type(x) is np.ndarray and x.dtype.kind == "b":
        return x.astype(int)
    if type(x) is np.ndarray and x.dtype.kind in "iu":
        return x.astype(bool) if np.all((x == 0) | (x == 1)) else x
    return x


def _generator(out):
    if type(out) in (tuple, list):
        return (x for x in out)
    return out


MUTATIONS = {
    "list": _arrays(lambda x: x.tolist()),
    "tuple_as_list": lambda out: list(out) if type(out) is tuple else out,
    "column": _arrays(_column),
    "float32": _arrays(lambda x: x.astype(np.float32) if x.dtype.kind == "f" else x),
    "matrix": _arrays(lambda x: np.asmatrix(x) if x.ndim in (1, 2) else x),
    "python_float": lambda out: _walk(out, _to_float),
    "array_of_one": lambda out: _walk(out, _to_array1),
    "bool_int_swapped": lambda out: _walk(out, _swap_bool),
    "int_as_float": _arrays(lambda x: x.astype(float) if x.dtype.kind in "iub" else x),
    "generator": _generator,
    "transposed": _arrays(lambda x: x.T if x.ndim == 2 and x.shape[0] != x.shape[1] else x),
    "none": lambda out: None,
}


def _wrap(ns, name, mutation):
    """A learner-style `def name(...)` in `ns` that returns the mutated solution's answer."""
    original, changed = ns[name], []

    def mutate(out):
        new = MUTATIONS[mutation](out)
        if not _same(new, out):
            changed.append(True)
        return new

    ns[f"_solution_{name}"], ns["_mutate"] = original, mutate
    exec(f"def {name}(*args, **kwargs):\n"
         f"    return _mutate(_solution_{name}(*args, **kwargs))\n", ns)
    return changed


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) in (tuple, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is np.ndarray:
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    return a == b if not isinstance(a, types.GeneratorType) else False


def _mutating_input(ns, name):
    """`name` that changes its first array argument in place after answering."""
    original = ns[name]

    def scribble(args):
        for a in args:
            if type(a) is np.ndarray and a.dtype.kind == "f" and a.size:
                a[...] = 0.0
                return

    ns[f"_solution_{name}"], ns["_scribble"] = original, scribble
    exec(f"def {name}(*args, **kwargs):\n"
         f"    out = _solution_{name}(*args, **kwargs)\n"
         "    _scribble(args)\n"
         "    return out\n", ns)


# --- the two verdicts --------------------------------------------------------------------------
SELF_CHECK_DATA = {
    "check_ame_mem": lambda: (ref.spector()[0], *ref.spector_fit()[:2]),
    "check_discrete_change": lambda: (ref.spector()[0], *ref.spector_fit()[:2]),
    "check_effects_table": lambda: (ref.spector()[0], ref.spector_fit()[0],
                                    ref.spector_fit()[1], ref.spector_fit()[2][:3]),
    "check_gradient_descent": ref.breast_cancer_subset,
    "check_newton_step": ref.breast_cancer_subset,
    "check_fit": ref.spector,
    "check_fit_penalised": lambda: ref.breast_cancer()[:2],
    "check_cross_validation": ref.breast_cancer_raw,
    "check_fit_softmax": ref.iris_standardised,
}


def _graded_functions(aid):
    return [f for f in standins.graded_order(standins.source(aid))
            if any(f in c.functions for c in get_spec(aid).checks.values())]


CASES = [(aid, f) for aid in ("01-sigmoid", "02-log-odds", "03-maximum-likelihood",
                              "04-thresholds", "05-regularisation", "06-softmax")
         for f in _graded_functions(aid)]


@pytest.fixture(scope="module")
def grader():
    return Monitor(Policy())


def _hidden_failures(aid, ns, function, monitor):
    text = standins.source(aid)
    trusted, order = standins.load(aid, text), standins.graded_order(text)
    failed = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gid, check in get_spec(aid).checks.items():
            if function in check.functions:
                verdict = judge(check, Context(SALT), ns.get, monitor, trusted=trusted,
                                order=order)
                if not verdict.passed:
                    failed[gid] = verdict.message
    return failed


def _selfcheck_problems(aid, ns, function, capsys):
    problems = {}
    for name, (assignment, _, params) in selfcheck.PREVIEWS.items():
        if assignment != aid or function not in params:
            continue
        extra = SELF_CHECK_DATA.get(name, tuple)()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                getattr(selfcheck, name)(*[ns[p] for p in params], *extra)
        except AssertionError as exc:
            problems[name] = str(exc)
        except Exception as exc:  # a self-check must explain, never crash
            problems[name] = f"CRASH {type(exc).__name__}: {exc}"
        capsys.readouterr()
    return problems


@pytest.mark.parametrize(("aid", "function"), CASES, ids=[f"{a}-{f}" for a, f in CASES])
def test_selfcheck_and_graded_tests_agree_on_every_form(aid, function, grader, capsys):
    disagreements = []
    for mutation in [*MUTATIONS, "mutates_input"]:
        ns = namespace(aid)
        if mutation == "mutates_input":
            _mutating_input(ns, function)
            changed = [True]
        else:
            changed = _wrap(ns, function, mutation)
        hidden = _hidden_failures(aid, ns, function, grader)
        if not changed:
            continue  # this form does not apply to the function's answer
        mine = _selfcheck_problems(aid, ns, function, capsys)
        crashes = [m for m in mine.values() if m.startswith("CRASH")]
        if crashes:
            disagreements.append(f"{mutation}: the self-check crashed: {crashes[0][:300]}")
        elif hidden and not mine:
            disagreements.append(f"{mutation}: graded tests fail ({hidden}) but every "
                                 "self-check passes")
        elif mine and not hidden:
            disagreements.append(f"{mutation}: graded tests pass but the self-check "
                                 f"complains: {next(iter(mine.values()))[:400]}")
    assert not disagreements, "\n".join(disagreements)
