"""Checks: grader-chosen calls plus a verdict, written once per graded cell.

A check's ``build(ctx)`` returns ``(calls, verify)``:

* ``calls``: the learner calls to make (`calls.Call`), inputs drawn from
  ``ctx.rng(...)``: one fixed, documented stream and one *salted* stream that
  changes every grading run, so that a table of precomputed answers is
  useless;
* ``verify(outcomes)``: raises `Fail` with a message for the learner, or
  returns. It computes the expected values itself, *after* every learner call
  has returned, from the pristine inputs the closure holds: while learner code
  runs no expected value exists anywhere in the process.

The helpers below turn outcomes into numbers (or fail with a message that
says what came back) and compare with a stated tolerance. Messages describe
the mistake (which inputs, how large the error, a likely cause) and never
print expected values.
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import values
from .calls import Call, Outcome

__all__ = [
    "SIGMOID_PREAMBLE",
    "AssignmentSpec",
    "Check",
    "Context",
    "Fail",
    "as_array",
    "as_float",
    "as_pair",
    "assert_close",
    "assert_equal",
    "evaluate",
    "expect_no_warnings",
    "expect_raises",
]

BASE_SEED = 20_260_501


class Fail(AssertionError):
    """A check failed; the message is written for the learner.

    `raised` is the learner's outcome the failure is about when that call
    raised instead of returning (a `values.Raised`), else None.
    """

    def __init__(self, message: str = "", raised=None):
        super().__init__(message)
        self.raised = raised


_urandom = os.urandom  # bound before any learner code can rebind os.urandom


class Context:
    """Random streams and data for grading.

    Parameters
    ----------
    salt : int, optional
        Seeds the salted stream; by default fresh entropy from ``os.urandom``.
        The fixed stream never changes.
    cache : dict, optional
        Data sets already loaded (shared between contexts).
    """

    def __init__(self, salt: int | None = None, cache: dict | None = None):
        self.salt = int.from_bytes(_urandom(8), "little") >> 1 if salt is None else int(salt)
        self._cache: dict = {} if cache is None else cache

    def rng(self, grade_id: str, salted: bool = False) -> np.random.Generator:
        key = zlib.crc32(grade_id.encode())
        seed = [BASE_SEED, key, 1, self.salt] if salted else [BASE_SEED, key, 0]
        return np.random.default_rng(seed)

    def rngs(self, grade_id: str) -> list[np.random.Generator]:
        """The two generators of a check: the fixed stream, then the salted one."""
        return [self.rng(grade_id, salted=False), self.rng(grade_id, salted=True)]

    def streams(self, grade_id: str, draw: Callable) -> list:
        """``draw(rng)`` for each generator of `rngs`: the fixed case, then the salted one."""
        return [draw(rng) for rng in self.rngs(grade_id)]

    def data(self, name: str):
        """A data set from `reference` (loaded once per session)."""
        if name not in self._cache:
            from . import reference

            self._cache[name] = getattr(reference, name)()
        return self._cache[name]


Verify = Callable[[Sequence[Outcome]], None]


@dataclass(frozen=True)
class Check:
    """One graded test cell: its grade id, points, functions and builder."""

    grade_id: str
    points: float
    functions: tuple
    summary: str
    build: Callable[[Context], tuple]


#: The re-check preamble of assignments whose setup cell gives learners a stable sigmoid (the
#: solution of assignment 1). A test checks that each statement is in the setup cell.
SIGMOID_PREAMBLE = '''\
import numpy as np


def sigmoid(z):
    """Stable logistic sigmoid (the solution of assignment 1), elementwise."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''


class AssignmentSpec:
    """The checks of one assignment, registered with the `check` decorator.

    Parameters
    ----------
    assignment_id : str
        The nbgrader assignment id (``01-sigmoid`` ...).
    preamble : str
        Code the out-of-kernel re-check runs before the learner's cells: the
        imports and helper functions that the notebook's setup cell gives
        learners (numpy only). A test keeps it identical to the setup cell.
    """

    def __init__(self, assignment_id: str, preamble: str = "import numpy as np\n"):
        self.assignment_id = assignment_id
        self.preamble = preamble
        self.checks: dict[str, Check] = {}

    def check(self, grade_id: str, *, points: float, functions: Sequence[str], summary: str):
        def register(build):
            if grade_id in self.checks:
                raise ValueError(f"duplicate grade id {grade_id!r}")
            self.checks[grade_id] = Check(grade_id, float(points), tuple(functions), summary,
                                          build)
            return build
        return register

    @property
    def total_points(self) -> float:
        return sum(c.points for c in self.checks.values())

    def __getitem__(self, grade_id: str) -> Check:
        return self.checks[grade_id]


def evaluate(verify: Verify, calls: Sequence[Call], outcomes: Sequence[Outcome]) -> None:
    """Judge a check: forbidden use first, then `verify`, in a clean numeric state.

    The learner may have called ``np.seterr(all="raise")`` or turned warnings
    into errors; the comparison runs with both reset.
    """
    for call, outcome in zip(calls, outcomes, strict=True):
        if outcome.violations:
            raise Fail(f"{call.function} is not allowed to do this: "
                       + "; ".join(outcome.violations[:3])
                       + ". Graded functions must be written with numpy and the standard "
                         "library only, and must not inspect the grader.")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        verify(outcomes)


# --- reading outcomes ------------------------------------------------------------------------

def _fail_value(out: values.Out, what: str, wanted: str):
    if isinstance(out, values.Raised):
        raise Fail(f"{what} raised {out.exc_type}: {out.message}", raised=out)
    raise Fail(f"{what} should return {wanted}; it returned {out.describe()}.")


# What the readers accept (a learner's answer is judged on its values, not its container):
#   numbers   an exact numpy array, or a (nested, rectangular) list or tuple of numbers; a
#             number where a 0-d array is asked for; integer arrays where floats are asked for
#   labels    integer, boolean or integral-valued float arrays (compared as integers)
#   booleans  boolean arrays, or arrays of 0 and 1 (compared as booleans)
#   indices   integer arrays only (they index other arrays)
#   a number  a Python or NumPy scalar, or a 0-d numpy array
#   a pair    a list or tuple of n items, or an array whose first axis has length n
# Everything else fails with a message naming what came back; the self-checks use the same
# readers (`logreg_course.selfcheck`), so a form the grader refuses never reaches it unseen.
_KIND_NAMES = {"f": "numbers", "i": "integers", "u": "integers", "b": "booleans"}


def _plain(out):
    """The numbers inside a (nested) sequence of numbers or arrays, or None."""
    if isinstance(out, values.Num):
        return out.value
    if isinstance(out, values.Arr):
        return out.array
    if isinstance(out, values.Seq):
        items = [_plain(x) for x in out.items]
        return None if any(x is None for x in items) else items
    return None


def _numeric_array(out):
    """An ndarray from an array, a number or a rectangular sequence of numbers, else None."""
    if isinstance(out, values.Arr):
        return out.array
    plain = _plain(out)
    if plain is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ragged lists give a warning or an error
        try:
            a = np.array(plain)
        except (ValueError, TypeError, Warning):
            return None
    return a if a.dtype.kind in "biuf" else None


def as_array(out: values.Out, what: str, *, shape=None, kinds: str = "f") -> np.ndarray:
    """The returned values as a numpy array, checked for shape and kind of value.

    `kinds` says what the values are: ``"f"`` numbers (returned as float64;
    integer arrays are accepted), ``"iu"`` class labels (integers, booleans
    or integral floats; returned as int64), ``"index"`` indices into an array
    (integers only), ``"b"`` booleans (booleans or 0/1 numbers; returned as
    bool). Lists and tuples of numbers are accepted
    where an array is asked for, and a number where a 0-d array is.
    """
    wanted = "a numpy array" + (f" of shape {tuple(shape)}" if shape is not None else "")
    a = _numeric_array(out)
    if a is None or (isinstance(out, values.Num) and shape is not None and tuple(shape) != ()):
        _fail_value(out, what, wanted)
    if shape is not None and a.shape != tuple(shape):
        raise Fail(f"{what} should return an array of shape {tuple(shape)}; "
                   f"it returned {'shape ' + str(a.shape) if a.ndim else 'a single number'}.")
    kind = a.dtype.kind
    if kinds == "index":
        if kind in "iu":
            return a.astype(np.int64)
        raise Fail(f"{what} should return integer indices; it returned dtype {a.dtype} (use "
                   "np.arange, or .astype(int)).")
    if kinds == "b":
        if kind == "b":
            return a.astype(bool)
        if kind in "iuf" and np.all((a == 0) | (a == 1)):
            return a.astype(bool)
        raise Fail(f"{what} should return booleans (True/False, or 0/1); it returned "
                   f"{_KIND_NAMES.get(kind, kind)} other than 0 and 1.")
    if "i" in kinds or "u" in kinds:
        if kind in "iub":
            return a.astype(np.int64)
        if kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            return a.astype(np.int64)
        raise Fail(f"{what} should return integer labels; it returned non-integer numbers "
                   f"(dtype {a.dtype}).")
    if kind == "b":
        raise Fail(f"{what} should return numbers; it returned booleans (dtype bool).")
    return a.astype(np.float64)


def as_float(out: values.Out, what: str) -> float:
    """A returned real number (a Python or NumPy scalar, or a 0-d array)."""
    if isinstance(out, values.Num) and not isinstance(out.value, bool):
        return float(out.value)
    if isinstance(out, values.Arr) and out.array.shape == () and out.array.dtype.kind in "iuf":
        return float(out.array)
    _fail_value(out, what, "a number")


def as_pair(out: values.Out, what: str, n: int = 2, wanted: str | None = None) -> tuple:
    """The `n` items of a returned tuple or list (or the rows of an array of length `n`)."""
    if isinstance(out, values.Seq) and len(out.items) == n:
        return out.items
    if isinstance(out, values.Arr) and out.array.ndim >= 1 and out.array.shape[0] == n:
        return tuple(values.Arr(np.array(row)) if np.ndim(row) else values.Num(row.item(), "numpy")
                     for row in out.array)
    _fail_value(out, what, wanted or f"a tuple of {n} values")


def expect_raises(out: values.Out, exc_name: str, what: str) -> None:
    if isinstance(out, values.Raised) and out.is_a(exc_name):
        return
    if isinstance(out, values.Raised):
        raise Fail(f"{what} should raise {exc_name}; it raised {out.exc_type}.", raised=out)
    raise Fail(f"{what} should raise {exc_name}; it returned {out.describe()}.")


def expect_no_warnings(outcome: Outcome, what: str, advice: str = "") -> None:
    """Fail on any warning or floating-point error of a strict call."""
    if isinstance(outcome.value, values.Raised) and outcome.value.exc_type == "FloatingPointError":
        raise Fail(f"{what} is not numerically stable: {outcome.value.message}. {advice}")
    if outcome.warnings:
        raise Fail(f"{what} is not numerically stable: it warned "
                   f"'{outcome.warnings[0]}'. {advice}")


# --- comparing -------------------------------------------------------------------------------

def assert_close(actual, expected, what: str, *, rtol: float, atol: float = 0.0,
                 hints: Sequence[tuple] = ()) -> None:
    """Elementwise ``|a - e| <= atol + rtol |e|``; NaN and infinities must match exactly.

    `hints` are ``(message, candidate)`` pairs: if `actual` matches a
    candidate (a typical mistake applied to the expected value), the failure
    message names that mistake.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        raise Fail(f"{what}: expected shape {e.shape}, got {a.shape}.")
    bad = _mismatch(a, e, rtol, atol)
    n_bad = int(np.count_nonzero(bad))
    if n_bad == 0:
        return
    finite = np.isfinite(a) & np.isfinite(e)
    with np.errstate(all="ignore"):
        rel = np.abs(a - e) / np.maximum(np.abs(e), np.finfo(float).tiny)
    worst = float(np.max(rel[bad & finite])) if np.any(bad & finite) else float("nan")
    detail = f"largest relative error {worst:.1e}" if np.isfinite(worst) else (
        "non-finite values (nan or inf) where finite ones were expected, or the reverse")
    message = (f"{what}: {n_bad} of {a.size} values are wrong ({detail}; "
               f"the tolerance is rtol={rtol:g}" + (f", atol={atol:g}" if atol else "") + ").")
    for hint, candidate in hints:
        c = np.asarray(candidate, dtype=np.float64)
        if c.shape == a.shape and not np.any(_mismatch(a, c, 1e-8, 0.0)):
            message += f" It looks like {hint}."
            break
    raise Fail(message)


def _mismatch(a, e, rtol, atol):
    with np.errstate(all="ignore"):
        both_nan = np.isnan(a) & np.isnan(e)
        same_inf = np.isinf(e) & (a == e)
        close = np.abs(a - e) <= atol + rtol * np.abs(e)
    return ~(both_nan | same_inf | (np.isfinite(a) & np.isfinite(e) & close))


def assert_equal(actual, expected, what: str, hint: str = "") -> None:
    """Exact equality of integer or boolean arrays (class labels)."""
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape:
        raise Fail(f"{what}: expected shape {e.shape}, got {a.shape}.")
    n_bad = int(np.count_nonzero(a != e))
    if n_bad:
        raise Fail(f"{what}: {n_bad} of {a.size} labels are wrong.{' ' + hint if hint else ''}")
