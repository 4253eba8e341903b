"""Checks of 03-maximum-likelihood: loss, gradient, Hessian, gradient descent, Newton, fit.

Conventions (the notebook's docstrings say the same): the loss is the **mean**
cross-entropy from logits, the gradient and Hessian are of that mean, the
parameters are ``(w, b)`` and the Hessian has the intercept **last**.

Tolerances (why these numbers):

* **rtol 1e-10** for the loss, gradient and Hessian: a sum of ``n <= 300``
  terms of size O(1) rounds to ~n ulp of the largest term, i.e. ~1e-13
  relative, whatever order the learner sums in; the probability-based loss
  ``-(y log p + (1-y) log(1-p))`` adds ``|log(1-p)|``-scaled errors < 1e-12 on
  these logits (``|z|`` up to ~14 in 400 draws). ``atol = 1e-13`` for gradient entries and
  Hessian entries that are nearly zero.
* **gradient descent, rtol 1e-8** on the path: the iteration is a contraction
  for step sizes below 2/L (here <= 1/L), so rounding differences between two
  implementations do not grow; 200 steps of ~1e-16 stay far below 1e-8.
* **Newton step, rtol 1e-9**: one linear solve with a Hessian of condition
  number < 10 on these inputs (measured) amplifies rounding to < 1e-14.
* **fits**: graded by optimality, not by agreement with another solver: the
  mean-form gradient at the learner's (w, b) must be at most the requested
  ``tol = 1e-8`` (plus 1e-12 for rounding), and (w, b) must lie within
  ``2 ||H^-1|| ||g||`` (the distance to the optimum that a gradient g
  allows, near the optimum of a strongly convex function) + 1e-9 of the
  reference MLE (Newton to 1e-12).
"""

from __future__ import annotations

import numpy as np

from .. import reference as ref
from ..calls import Call
from ..checks import (
    SIGMOID_PREAMBLE,
    AssignmentSpec,
    Fail,
    as_array,
    as_float,
    as_pair,
    assert_close,
    expect_no_warnings,
)

SPEC = AssignmentSpec("03-maximum-likelihood", preamble=SIGMOID_PREAMBLE)
check = SPEC.check
FIT_TOL = 1e-8


def _data(rng, n=120, d=3, scale=1.0):
    """Data from a logistic model: rows N(0, 1), labels Bernoulli(sigma(X w* + b*))."""
    X = rng.normal(size=(n, d))
    w_true = rng.normal(scale=scale, size=d)
    b_true = float(rng.normal(scale=0.5))
    y = (rng.uniform(size=n) < ref.sigmoid(X @ w_true + b_true)).astype(float)
    return X, y


def _point(rng, d):
    return rng.normal(scale=0.5, size=d), float(rng.normal(scale=0.5))


# --- Part A: cross-entropy -------------------------------------------------------------------
@check("cross_entropy_values", points=2, functions=("cross_entropy",),
       summary="cross_entropy(y, z) is the mean of log(1 + e^z) - y z (rtol 1e-10)")
def cross_entropy_values(ctx):
    def draw(rng):
        return rng.integers(0, 2, size=300).astype(float), rng.normal(scale=3.0, size=300)
    cases = ctx.streams("cross_entropy_values", draw)

    def verify(outcomes):
        for (y, z), out in zip(cases, outcomes, strict=True):
            v = as_float(out.value, "cross_entropy(y, z)")
            expected = ref.cross_entropy(y, z)
            # a mean of 300 O(1) terms rounds to ~1e-13 in any order; the log(p) form adds
            # ~1e-12 on these logits (|z| up to ~14), so 1e-10 separates rounding from mistakes
            assert_close(v, expected, "cross_entropy(y, z)", rtol=1e-10, hints=[
                ("you returned the sum over samples, not the mean", len(y) * expected),
                ("the sign is wrong (that is the log-likelihood)", -expected),
                ("you swapped y and 1 - y", ref.cross_entropy(1 - y, z))])
    return [Call("cross_entropy", case) for case in cases], verify


@check("cross_entropy_extreme", points=1, functions=("cross_entropy",),
       summary="cross_entropy is exact and warning-free for logits up to |z| = 1e4")
def cross_entropy_extreme(ctx):
    rng = ctx.rng("cross_entropy_extreme", True)
    z = np.concatenate([[1000.0, -1000.0, 800.0, -800.0, 0.0, 40.0],
                        rng.choice([-1.0, 1.0], 30) * 10 ** rng.uniform(1.5, 4.0, 30)])
    y = np.concatenate([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0], rng.integers(0, 2, 30)])

    def verify(outcomes):
        (out,) = outcomes
        advice = ("log(p) is -inf once p underflows: compute the loss from the logits, "
                  "np.logaddexp(0, z) - y * z.")
        expect_no_warnings(out, "cross_entropy", advice)
        v = as_float(out.value, "cross_entropy(y, z) for large |z|")
        assert_close(v, ref.cross_entropy(y, z), "cross_entropy(y, z) for large |z|",
                     rtol=1e-12)
    return [Call("cross_entropy", (y, z), strict=True)], verify


# --- Part B: gradient ------------------------------------------------------------------------
def _gradient_cases(ctx, grade_id):
    cases = []
    for rng in ctx.rngs(grade_id):
        X, y = _data(rng)
        w, b = _point(rng, X.shape[1])
        cases.append((X, y, w, b))
    return cases


def _gradient_hints(X, y, w, b, part):
    g_w, g_b = ref.gradient(X, y, w, b)
    g0_w, g0_b = ref.gradient(X, y, w, 0.0)
    pick = (lambda gw, gb: gw) if part == "w" else (lambda gw, gb: gb)
    return [("the sign is wrong: the gradient of the loss is X^T (p - y) / n",
             -pick(g_w, g_b)),
            ("you returned the sum over samples, not the mean", len(y) * pick(g_w, g_b)),
            ("you forgot the intercept b in the logits", pick(g0_w, g0_b))]


@check("gradient_w", points=2, functions=("gradient",),
       summary="gradient(X, y, w, b)[0] = X^T (p - y) / n (rtol 1e-10)")
def gradient_w(ctx):
    cases = _gradient_cases(ctx, "gradient_w")

    def verify(outcomes):
        for (X, y, w, b), out in zip(cases, outcomes, strict=True):
            g_w, _ = as_pair(out.value, "gradient(X, y, w, b)")
            g_w = as_array(g_w, "grad_w, the first item of gradient(X, y, w, b)", shape=w.shape)
            # sums of n = 120 rounded terms (~1e-14); atol for entries that are nearly 0
            assert_close(g_w, ref.gradient(X, y, w, b)[0], "grad_w", rtol=1e-10, atol=1e-13,
                         hints=_gradient_hints(X, y, w, b, "w"))
    return [Call("gradient", case) for case in cases], verify


@check("gradient_b", points=1, functions=("gradient",),
       summary="gradient(X, y, w, b)[1] = mean(p - y), a float (rtol 1e-10)")
def gradient_b(ctx):
    cases = _gradient_cases(ctx, "gradient_b")

    def verify(outcomes):
        for (X, y, w, b), out in zip(cases, outcomes, strict=True):
            _, g_b = as_pair(out.value, "gradient(X, y, w, b)")
            g_b = as_float(g_b, "grad_b, the second item of gradient(X, y, w, b)")
            assert_close(g_b, ref.gradient(X, y, w, b)[1], "grad_b", rtol=1e-10, atol=1e-13,
                         hints=_gradient_hints(X, y, w, b, "b"))
    return [Call("gradient", case) for case in cases], verify


# --- Part C: Hessian -------------------------------------------------------------------------
def _hessian_cases(ctx, grade_id):
    cases = []
    for rng in ctx.rngs(grade_id):
        X, _ = _data(rng)
        cases.append((X, *_point(rng, X.shape[1])))
    return cases


@check("hessian_shape", points=1, functions=("hessian",),
       summary="hessian(X, w, b) is a symmetric (d + 1, d + 1) array")
def hessian_shape(ctx):
    cases = _hessian_cases(ctx, "hessian_shape")

    def verify(outcomes):
        for (X, _w, _b), out in zip(cases, outcomes, strict=True):
            d = X.shape[1]
            H = as_array(out.value, "hessian(X, w, b)", shape=(d + 1, d + 1))
            scale = np.max(np.abs(H)) if H.size else 1.0
            if not np.all(np.abs(H - H.T) <= 1e-12 * scale):
                raise Fail("hessian(X, w, b) is not symmetric.")
    return [Call("hessian", case) for case in cases], verify


@check("hessian_values", points=2, functions=("hessian",),
       summary="hessian(X, w, b) = X~^T diag(p(1 - p)) X~ / n, intercept last (rtol 1e-10)")
def hessian_values(ctx):
    cases = _hessian_cases(ctx, "hessian_values")

    def verify(outcomes):
        for (X, w, b), out in zip(cases, outcomes, strict=True):
            d = X.shape[1]
            H = as_array(out.value, "hessian(X, w, b)", shape=(d + 1, d + 1))
            expected = ref.hessian(X, w, b)
            order = [d, *range(d)]
            Xt = np.column_stack([X, np.ones(len(X))])
            assert_close(H, expected, "hessian(X, w, b)", rtol=1e-10, atol=1e-13, hints=[
                ("the intercept is the first row and column, it should be the last",
                 expected[np.ix_(order, order)]),
                ("you returned the sum over samples, not the mean", len(X) * expected),
                ("the weights p(1 - p) are missing", Xt.T @ Xt / len(X))])
    return [Call("hessian", case) for case in cases], verify


# --- Part D: gradient descent ----------------------------------------------------------------
def _gd_cases(ctx, grade_id):
    Xc, yc = ctx.data("breast_cancer_subset")
    X, y = _data(ctx.rng(grade_id, True), n=150, d=3)
    Xt = np.column_stack([X, np.ones(len(X))])
    step = 0.9 / (np.linalg.norm(Xt, 2) ** 2 / (4 * len(X)))  # 0.9 / L
    return [(Xc, yc, 1.0, 200), (X, y, float(step), 100)]


@check("gradient_descent_history", points=1, functions=("gradient_descent",),
       summary="gradient_descent returns n_iter + 1 losses, from log 2 at w = 0, never rising")
def gradient_descent_history(ctx):
    cases = _gd_cases(ctx, "gradient_descent_history")

    def verify(outcomes):
        for (_X, y, step, n_iter), out in zip(cases, outcomes, strict=True):
            what = f"gradient_descent(X, y, step_size={step:.3g}, n_iter={n_iter})"
            _, _, history = as_pair(out.value, what, n=3)
            history = as_array(history, f"the history of {what}")
            if history.shape != (n_iter + 1,):
                raise Fail(f"{what}: the history should hold n_iter + 1 = {n_iter + 1} losses "
                           "(before the first step, then after each step); it has shape "
                           f"{history.shape}.")
            assert_close(history[0], np.log(2.0), f"history[0] of {what} (w = 0, b = 0)",
                         rtol=1e-12, hints=[("you recorded the sum, not the mean",
                                             len(y) * np.log(2.0))])
            if np.any(np.diff(history) > 1e-12):
                raise Fail(f"{what}: the loss went up during the descent; with a step size "
                           "below 1/L it decreases at every step (check the sign).")
    return [Call("gradient_descent", case) for case in cases], verify


@check("gradient_descent_path", points=2, functions=("gradient_descent",),
       summary="gradient_descent's final (w, b) and loss history match the reference (1e-8)")
def gradient_descent_path(ctx):
    cases = _gd_cases(ctx, "gradient_descent_path")

    def verify(outcomes):
        for (X, y, step, n_iter), out in zip(cases, outcomes, strict=True):
            what = f"gradient_descent(X, y, step_size={step:.3g}, n_iter={n_iter})"
            w, b, history = as_pair(out.value, what, n=3)
            w = as_array(w, f"w from {what}", shape=(X.shape[1],))
            b = as_float(b, f"b from {what}")
            w_ref, b_ref, h_ref = ref.gradient_descent(X, y, step, n_iter)
            w_off, b_off, _ = ref.gradient_descent(X, y, step, n_iter - 1)
            hints = [("you took n_iter - 1 steps (an off-by-one in the loop)", w_off),
                     ("the update has the wrong sign (w + step * grad)",
                      ref.gradient_descent(X, y, -step, n_iter)[0])]
            # a step below 2/L makes the iteration a contraction: rounding never grows
            assert_close(w, w_ref, f"the final w of {what}", rtol=1e-8, atol=1e-12, hints=hints)
            assert_close(b, b_ref, f"the final b of {what}", rtol=1e-8, atol=1e-12,
                         hints=[(hints[0][0], b_off)])
            history = as_array(history, f"the history of {what}")
            if history.shape == h_ref.shape:
                assert_close(history, h_ref, f"the loss history of {what}", rtol=1e-8)
    return [Call("gradient_descent", case) for case in cases], verify


# --- Part E: Newton step -----------------------------------------------------------------------
@check("newton_step_values", points=2, functions=("newton_step",),
       summary="newton_step(X, y, w, b) = (w, b) - H^-1 grad, one full step (rtol 1e-9)")
def newton_step_values(ctx):
    cases = _gradient_cases(ctx, "newton_step_values")

    def verify(outcomes):
        for (X, y, w, b), out in zip(cases, outcomes, strict=True):
            what = "newton_step(X, y, w, b)"
            w_new, b_new = as_pair(out.value, what)
            w_new = as_array(w_new, f"w from {what}", shape=w.shape)
            b_new = as_float(b_new, f"b from {what}")
            w_ref, b_ref = ref.newton_step(X, y, w, b)
            g_w, g_b = ref.gradient(X, y, w, b)
            uphill = 2 * np.append(w, b) - np.append(w_ref, b_ref)  # theta + H^-1 g
            # one solve with cond(H) < 10 (measured on 400 draws) amplifies rounding to < 1e-14
            assert_close(np.append(w_new, b_new), np.append(w_ref, b_ref),
                         f"{what} (w and b, b last)", rtol=1e-9, atol=1e-12, hints=[
                             ("the step has the wrong sign (theta + H^-1 grad)", uphill),
                             ("you took a gradient step, not a Newton step",
                              np.append(w - g_w, b - g_b))])
    return [Call("newton_step", case) for case in cases], verify


# --- Part F: the fit -------------------------------------------------------------------------
def _check_fit(X, y, out, what):
    w, b = as_pair(out.value, what)
    w = as_array(w, f"w from {what}", shape=(X.shape[1],))
    b = as_float(b, f"b from {what}")
    g_w, g_b = ref.gradient(X, y, w, b)
    g = np.append(g_w, g_b)
    g_max = float(np.max(np.abs(g)))
    if not np.isfinite(g_max) or g_max > FIT_TOL + 1e-12:
        raise Fail(f"{what} stopped too early or went wrong: at the returned (w, b) the "
                   f"gradient's largest entry is {g_max:.1e} > tol = {FIT_TOL:g}.")
    w_ref, b_ref = ref.fit(X, y)
    H = ref.hessian(X, w_ref, b_ref)
    radius = 2 * np.linalg.norm(np.linalg.inv(H), 2) * np.linalg.norm(g) + 1e-9
    dist = float(np.linalg.norm(np.append(w, b) - np.append(w_ref, b_ref)))
    if dist > radius:
        raise Fail(f"{what}: the returned (w, b) is {dist:.1e} from the maximum-likelihood "
                   "estimate, farther than its small gradient allows.")


@check("fit_spector", points=2, functions=("fit_logistic",),
       summary="fit_logistic(X, y) on the spector data: gradient <= 1e-8 at the MLE")
def fit_spector(ctx):
    X, y = ctx.data("spector")

    def verify(outcomes):
        _check_fit(X, y, outcomes[0], "fit_logistic on the spector data")
    return [Call("fit_logistic", (X, y))], verify


@check("fit_breast_cancer", points=1, functions=("fit_logistic",),
       summary="fit_logistic on five standardised breast-cancer features (569 x 5)")
def fit_breast_cancer(ctx):
    X, y = ctx.data("breast_cancer_subset")

    def verify(outcomes):
        _check_fit(X, y, outcomes[0], "fit_logistic on the breast-cancer data")
    return [Call("fit_logistic", (X, y))], verify


@check("fit_probabilities_sum", points=1, functions=("fit_logistic",),
       summary="at the fit, the probabilities sum to the number of positives (random data)")
def fit_probabilities_sum(ctx):
    cases = ctx.streams("fit_probabilities_sum", lambda r: _data(r, n=200, d=3))

    def verify(outcomes):
        for (X, y), out in zip(cases, outcomes, strict=True):
            what = "fit_logistic(X, y)"
            w, b = as_pair(out.value, what)
            w = as_array(w, f"w from {what}", shape=(X.shape[1],))
            b = as_float(b, f"b from {what}")
            total = float(ref.predict_proba(X, w, b).sum())
            if not abs(total - y.sum()) <= len(y) * (FIT_TOL + 1e-12):
                raise Fail(f"At the fitted (w, b) the probabilities sum to {total:.6g}, but "
                           f"there are {y.sum():g} positives; with an intercept the score "
                           "equation for b makes them equal (is b fitted?).")
    return [Call("fit_logistic", case) for case in cases], verify
