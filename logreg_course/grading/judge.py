"""Judge one graded cell in this process: call the learner's functions, compare, be fair.

`judge` is the verdict of one check (`checks.Check`) on functions that live in
this process. The grading kernel (`guard`) uses it for the hidden tests, and
the learners' self-checks (`logreg_course.selfcheck`) use it to preview them
on other inputs, so the two can never disagree about what passes.

No double penalty. When a check fails, it is judged once more with the
learner's *earlier* graded functions (the ones defined above the part in the
notebook, `standins.upstream`) replaced by the course's stand-ins: a part
whose own logic is right passes, and only the earlier part loses its points,
in its own checks. (The out-of-kernel re-check does the same, see `recheck`.)

Needs only numpy and the standard library.
"""

from __future__ import annotations

from collections.abc import Callable

from . import standins
from .calls import Monitor, call_learner
from .checks import Check, Context, Fail, evaluate

__all__ = ["Verdict", "judge"]


class Verdict:
    """What `judge` found: ``message`` is None when the check passed.

    ``stand_ins`` names the earlier functions that were replaced for it to
    pass; ``tampered`` is true when the learner's code changed the grading
    environment (`after_calls` said so), which no second chance can repair.
    """

    __slots__ = ("message", "stand_ins", "tampered")

    def __init__(self, message=None, stand_ins=(), tampered=False):
        self.message, self.stand_ins, self.tampered = message, tuple(stand_ins), tampered

    @property
    def passed(self) -> bool:
        return self.message is None


def judge(check: Check, ctx: Context, lookup: Callable, monitor: Monitor, *,
          ufunc_ids=frozenset(), trusted: dict | None = None, order=(),
          after_calls: Callable | None = None) -> Verdict:
    """Judge `check` on the learner functions that `lookup(name)` returns (None: missing).

    Parameters
    ----------
    trusted : dict, optional
        The stand-ins (`standins.load`), for the second chance.
    order : sequence of str
        The graded functions in notebook order (`standins.graded_order`).
    after_calls : callable, optional
        Called after the learner's calls; returns a message when the learner's
        code modified the grading environment (the kernel's integrity snapshot).
    """
    calls, verify = check.build(ctx)
    functions = {}
    for call in calls:
        fn = lookup(call.function)
        if fn is None:
            return Verdict(f"There is no function called {call.function}: run its cell first.")
        functions[call.function] = fn
    first = _once(calls, verify, functions, monitor, ufunc_ids, None, after_calls)
    if first.passed or first.tampered or not trusted:
        return first
    names = [n for n in standins.upstream(order, check.functions) if n in trusted]
    if not names:
        return first
    again = _once(calls, verify, functions, monitor, ufunc_ids,
                  {n: trusted[n] for n in names}, after_calls)
    if again.passed:
        return Verdict(None, names)
    return first


def _once(calls, verify, functions, monitor, ufunc_ids, stand_ins, after_calls) -> Verdict:
    outcomes = [call_learner(functions[call.function], call, monitor,
                             numpy_ufunc_ids=ufunc_ids, stand_ins=stand_ins)
                for call in calls]
    problem = after_calls() if after_calls is not None else None
    if problem:
        return Verdict(problem, tampered=True)
    try:
        evaluate(verify, calls, outcomes)
    except Fail as exc:
        return Verdict(str(exc))
    finally:
        del outcomes  # learner objects die here, after the verdict
    return Verdict(None)
