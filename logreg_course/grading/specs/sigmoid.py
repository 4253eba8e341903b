"""Checks of 01-sigmoid: the sigmoid, its stability, log-sigmoid, logit, derivative, prediction.

Tolerances (why these numbers):

* **rtol 1e-12** where every sensible formula is correctly rounded to a few
  ulp: ``1/(1+exp(-z))``, ``exp(z)/(1+exp(z))`` and the branch-on-sign form
  all agree with a 40-digit ``decimal`` evaluation to <= 4e-16 on
  ``z ~ N(0, 5^2)`` (measured), so 1e-12 leaves three orders of margin and
  still catches any wrong formula.
* **rtol 1e-10** for ``sigmoid(z) * (1 - sigmoid(z))`` on ``|z| <= 10``: the
  subtraction ``1 - p`` costs ``|1/(1-p)|`` ulp, at most 2.4e-12 relative at
  ``|z| = 10`` (measured 3.3e-12); the tails (``z >= 20``) then need the
  stable ``sigmoid(z) * sigmoid(-z)`` and are checked at 1e-12.
* **log-sigmoid**: ``np.log(sigmoid(z))`` is accurate to ~2e-14 for
  ``|z| <= 5`` (the log of a correctly rounded number near 1), so it passes
  the moderate check (1e-12) and fails the tails (``|z| >= 31``), where only
  ``min(z, 0) - log1p(exp(-|z|))`` keeps relative accuracy.
* **logit**: ``log(p / (1 - p))`` has absolute error <= 2 ulp of 1 (4.4e-16),
  hence ``atol = 1e-14`` next to ``rtol = 1e-12`` (values near ``p = 1/2``
  are tiny).
* **stability** (strict calls): overflow, invalid and divide-by-zero raise,
  every warning counts; ``atol = 1e-300`` because the true values below
  ``e^-708`` are subnormal and two stable formulas may round them differently.
"""

from __future__ import annotations

import numpy as np

from .. import reference as ref
from ..calls import Call
from ..checks import (
    AssignmentSpec,
    Fail,
    as_array,
    as_float,
    assert_close,
    assert_equal,
    expect_no_warnings,
    expect_raises,
)

SPEC = AssignmentSpec("01-sigmoid")
check = SPEC.check

STABLE_ADVICE = ("For z = -1000, exp(-z) overflows. Use only exp(-|z|), which is at most 1: "
                 "with e = np.exp(-np.abs(z)), sigmoid is 1/(1+e) for z >= 0 and e/(1+e) "
                 "for z < 0.")


# --- Part A: sigmoid --------------------------------------------------------------------------
@check("sigmoid_values", points=2, functions=("sigmoid",),
       summary="sigmoid(z) equals 1 / (1 + e^-z) to 1e-12 (relative) on 2000 random logits")
def sigmoid_values(ctx):
    zs = ctx.streams("sigmoid_values", lambda r: r.normal(scale=5.0, size=1000))

    def verify(outcomes):
        for z, out in zip(zs, outcomes, strict=True):
            p = as_array(out.value, "sigmoid(z) for z of shape (1000,)", shape=z.shape)
            # every sensible formula is within ~4e-16 of the exact value: 1e-12 is 1000x that
            assert_close(p, ref.sigmoid(z), "sigmoid(z) on random logits", rtol=1e-12, hints=[
                ("you computed sigmoid(-z) = 1 / (1 + e^z)", ref.sigmoid(-z)),
                ("you returned the odds e^z instead of a probability", np.exp(z)),
            ])
    return [Call("sigmoid", (z,)) for z in zs], verify


@check("sigmoid_shapes", points=1, functions=("sigmoid",),
       summary="sigmoid accepts a float, a list, integers and 2-D arrays, and keeps the shape")
def sigmoid_shapes(ctx):
    grid = ctx.rng("sigmoid_shapes", True).normal(scale=3.0, size=(4, 5))
    inputs = [0.7, [-1.0, 0.0, 2.0], np.arange(-3, 4), grid]
    calls = [Call("sigmoid", (x,)) for x in inputs]

    def verify(outcomes):
        scalar = outcomes[0].value
        value = as_float(scalar, "sigmoid(0.7) (a float in)")
        assert_close(value, ref.sigmoid(0.7), "sigmoid(0.7)", rtol=1e-12)
        for x, out in zip(inputs[1:], outcomes[1:], strict=True):
            x = np.asarray(x)
            what = f"sigmoid(z) for z of shape {x.shape} and dtype {x.dtype}"
            p = as_array(out.value, what, shape=x.shape)
            assert_close(p, ref.sigmoid(x), what, rtol=1e-12)
    return calls, verify


# --- Part B: stability ------------------------------------------------------------------------
@check("sigmoid_stable", points=2, functions=("sigmoid",),
       summary="sigmoid is warning-free and exact for |z| up to 1e308 (no overflow)")
def sigmoid_stable(ctx):
    edges = np.array([-1e308, -1e4, -1000.0, -745.2, -709.8, -40.0, -1e-300, 0.0, 1e-300,
                      40.0, 709.8, 745.2, 1000.0, 1e4, 1e308])
    z = np.concatenate([edges, ctx.rng("sigmoid_stable", True).normal(scale=400.0, size=200)])

    def verify(outcomes):
        (out,) = outcomes
        expect_no_warnings(out, "sigmoid", STABLE_ADVICE)
        p = as_array(out.value, "sigmoid(z) for large |z|", shape=z.shape)
        # atol 1e-300: below e^-690 the values are subnormal and stable forms round differently
        assert_close(p, ref.sigmoid(z), "sigmoid(z) for |z| up to 1e308", rtol=1e-12,
                     atol=1e-300, hints=[("z was clipped before the exponential",
                                          ref.sigmoid(np.clip(z, -500, 500)))])
    return [Call("sigmoid", (z,), strict=True)], verify


# --- Part C: log-sigmoid ----------------------------------------------------------------------
@check("log_sigmoid_moderate", points=1, functions=("log_sigmoid",),
       summary="log_sigmoid(z) equals log(sigmoid(z)) to 1e-12 for |z| <= 5")
def log_sigmoid_moderate(ctx):
    zs = ctx.streams("log_sigmoid_moderate", lambda r: r.uniform(-5.0, 5.0, size=500))

    def verify(outcomes):
        for z, out in zip(zs, outcomes, strict=True):
            v = as_array(out.value, "log_sigmoid(z)", shape=z.shape)
            # log of a correctly rounded sigma near 1 loses <= 2e-14 here (measured): 1e-12 ok
            assert_close(v, ref.log_sigmoid(z), "log_sigmoid(z) for |z| <= 5", rtol=1e-12,
                         hints=[("you returned sigmoid(z), not its logarithm",
                                 ref.sigmoid(z))])
    return [Call("log_sigmoid", (z,)) for z in zs], verify


@check("log_sigmoid_tails", points=2, functions=("log_sigmoid",),
       summary="log_sigmoid is accurate (1e-12) and warning-free for 31 <= |z| <= 1e300")
def log_sigmoid_tails(ctx):
    mag = np.logspace(1.5, 4.0, 60)
    rng = ctx.rng("log_sigmoid_tails", True)
    salted = rng.choice([-1.0, 1.0], size=40) * 10.0 ** rng.uniform(1.5, 4.0, size=40)
    z = np.concatenate([-mag, mag, [-1e300, 1e300], salted])

    def verify(outcomes):
        (out,) = outcomes
        advice = ("np.log(sigmoid(z)) gives -inf for z < -745 and loses every digit for "
                  "z > 37. Use log sigmoid(z) = min(z, 0) - log1p(exp(-|z|)).")
        expect_no_warnings(out, "log_sigmoid", advice)
        v = as_array(out.value, "log_sigmoid(z) for large |z|", shape=z.shape)
        with np.errstate(all="ignore"):
            naive = np.log(ref.sigmoid(z))
        # only min(z,0) - log1p(e^-|z|) keeps relative accuracy here; log(sigma) loses it all
        assert_close(v, ref.log_sigmoid(z), "log_sigmoid(z) in the tails", rtol=1e-12,
                     hints=[("you computed np.log(sigmoid(z)), which is inaccurate in the "
                             "tails. " + advice, naive)])
    return [Call("log_sigmoid", (z,), strict=True)], verify


# --- Part D: logit ----------------------------------------------------------------------------
@check("logit_values", points=1, functions=("logit",),
       summary="logit(p) equals log(p / (1 - p)) for p in [0.01, 0.99]")
def logit_values(ctx):
    ps = ctx.streams("logit_values", lambda r: r.uniform(0.01, 0.99, size=500))

    def verify(outcomes):
        for p, out in zip(ps, outcomes, strict=True):
            v = as_array(out.value, "logit(p)", shape=p.shape)
            # log(p/(1-p)) errs by <= 2 ulp of 1 in absolute terms: atol covers logit(p) ~ 0
            assert_close(v, ref.logit(p), "logit(p)", rtol=1e-12, atol=1e-14, hints=[
                ("you computed log((1 - p) / p) = -logit(p)", -ref.logit(p)),
                ("you returned the odds p / (1 - p) without the logarithm", p / (1 - p)),
            ])
    return [Call("logit", (p,)) for p in ps], verify


@check("logit_edges", points=1, functions=("logit",),
       summary="logit(0) = -inf, logit(1/2) = 0, logit(1) = inf; ValueError outside [0, 1]")
def logit_edges(ctx):
    calls = [Call("logit", (np.array([0.0, 0.5, 1.0]),)),
             Call("logit", (np.array([0.2, 1.5]),)),
             Call("logit", (np.array([-0.1]),))]

    def verify(outcomes):
        v = as_array(outcomes[0].value, "logit([0, 0.5, 1])", shape=(3,))
        if not (v[0] == -np.inf and v[1] == 0.0 and v[2] == np.inf):
            raise Fail(f"logit([0, 0.5, 1]) should be [-inf, 0, inf]; it returned {v}.")
        expect_raises(outcomes[1].value, "ValueError", "logit([0.2, 1.5])")
        expect_raises(outcomes[2].value, "ValueError", "logit([-0.1])")
    return calls, verify


# --- Part E: derivative -----------------------------------------------------------------------
@check("sigmoid_derivative_values", points=1, functions=("sigmoid_derivative",),
       summary="sigmoid_derivative(z) equals sigma(z)(1 - sigma(z)) to 1e-10 for |z| <= 10")
def sigmoid_derivative_values(ctx):
    zs = ctx.streams("sigmoid_derivative_values", lambda r: r.uniform(-10.0, 10.0, 500))

    def verify(outcomes):
        for z, out in zip(zs, outcomes, strict=True):
            d = as_array(out.value, "sigmoid_derivative(z)", shape=z.shape)
            # s(1-s) loses 1/(1-s) ulp to cancellation: <= 3.3e-12 at |z| = 10 (measured)
            assert_close(d, ref.sigmoid_derivative(z), "sigmoid_derivative(z) for |z| <= 10",
                         rtol=1e-10, hints=[
                             ("you returned sigmoid(z) itself", ref.sigmoid(z)),
                             ("you forgot a factor: sigma(z) instead of sigma(z) sigma(-z)",
                              ref.sigmoid(-z))])
    return [Call("sigmoid_derivative", (z,)) for z in zs], verify


@check("sigmoid_derivative_tails", points=1, functions=("sigmoid_derivative",),
       summary="sigmoid_derivative is accurate (1e-12) for 20 <= |z| <= 700")
def sigmoid_derivative_tails(ctx):
    mag = np.geomspace(20.0, 700.0, 50)
    rng = ctx.rng("sigmoid_derivative_tails", True)
    salted = rng.choice([-1.0, 1.0], size=30) * rng.uniform(20.0, 700.0, size=30)
    z = np.concatenate([-mag, mag, salted])

    def verify(outcomes):
        (out,) = outcomes
        d = as_array(out.value, "sigmoid_derivative(z) for large |z|", shape=z.shape)
        s = ref.sigmoid(z)
        # sigma(z) sigma(-z) is a product of two correctly rounded numbers: a few ulp
        assert_close(d, ref.sigmoid_derivative(z), "sigmoid_derivative(z) in the tails",
                     rtol=1e-12, hints=[
                         ("you computed sigmoid(z) * (1 - sigmoid(z)): for large z, "
                          "1 - sigmoid(z) cancels to 0; use sigmoid(z) * sigmoid(-z)",
                          s * (1 - s))])
    return [Call("sigmoid_derivative", (z,))], verify


# --- Part F: predict_proba --------------------------------------------------------------------
def _linear_problem(rng, n, d):
    X = rng.normal(size=(n, d))
    w = rng.normal(scale=1.5, size=d)
    b = float(rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 3.0))
    return X, w, b


@check("predict_proba_values", points=2, functions=("predict_proba",),
       summary="predict_proba(X, w, b) equals sigma(X w + b), shape (n,), for random data")
def predict_proba_values(ctx):
    problems = ctx.streams("predict_proba_values", lambda r: _linear_problem(r, 60, 4))
    calls = []
    for X, w, b in problems:
        calls += [Call("predict_proba", (X, w, b)), Call("predict_proba", (X[:1], w, b))]

    def verify(outcomes):
        for k, (X, w, b) in enumerate(problems):
            for rows, out in ((X, outcomes[2 * k]), (X[:1], outcomes[2 * k + 1])):
                what = f"predict_proba(X, w, b) for X of shape {rows.shape}"
                p = as_array(out.value, what, shape=(len(rows),))
                # X @ w summed in another order moves z by ulps; d(sigma)/sigma <= |dz|
                assert_close(p, ref.predict_proba(rows, w, b), what, rtol=1e-12, hints=[
                    ("you forgot the intercept b", ref.sigmoid(rows @ w)),
                    ("you returned the logits X w + b, not probabilities", rows @ w + b),
                    ("you computed sigma(-(X w + b))", ref.sigmoid(-(rows @ w + b)))])
    return calls, verify


@check("predict_proba_breast_cancer", points=1, functions=("predict_proba",),
       summary="predict_proba on the standardised breast-cancer data (569 x 30)")
def predict_proba_breast_cancer(ctx):
    X, _, _ = ctx.data("breast_cancer")
    w, b = ctx.data("breast_cancer_model")

    def verify(outcomes):
        (out,) = outcomes
        p = as_array(out.value, "predict_proba on the breast-cancer data", shape=(len(X),))
        assert_close(p, ref.predict_proba(X, w, b), "predict_proba on the breast-cancer data",
                     rtol=1e-12, hints=[("you forgot the intercept b", ref.sigmoid(X @ w))])
    return [Call("predict_proba", (X, w, b))], verify


# --- Part G: predict --------------------------------------------------------------------------
def _labels(out, n, what):
    return as_array(out.value, what, shape=(n,), kinds="iu")


@check("predict_default", points=1, functions=("predict",),
       summary="predict(X, w, b) gives integer labels 1 where p >= 0.5 (ties at p = 0.5 -> 1)")
def predict_default(ctx):
    cases = []
    for X, w, b in ctx.streams("predict_default", lambda r: _linear_problem(r, 80, 3)):
        cases.append((X[np.abs(X @ w + b) > 1e-6], w, b))
    tie = (np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]),
           np.array([0.25, 1.0, 1.0]), 0.0)
    cases.append(tie)
    calls = [Call("predict", case) for case in cases]

    def verify(outcomes):
        for (rows, ww, bb), out in zip(cases, outcomes, strict=True):
            what = "predict(X, w, b)" + (" at a tie (p = 0.5 exactly)" if bb == 0.0 else "")
            labels = _labels(out, len(rows), what)
            expected = ref.predict(rows, ww, bb)
            if np.array_equal(labels, expected):
                continue
            if np.array_equal(labels, (rows @ ww + bb >= 0.5).astype(int)):
                raise Fail(f"{what}: it looks like you compared the logits X w + b with the "
                           "threshold; apply the sigmoid first (p = sigmoid(X w + b) >= 0.5).")
            assert_equal(labels, expected, what, "Predict 1 when p >= threshold (ties go to 1).")
    return calls, verify


@check("predict_threshold", points=1, functions=("predict",),
       summary="predict(X, w, b, threshold=t) uses p >= t for t = 0.2 and t = 0.85")
def predict_threshold(ctx):
    cases = []
    for X, w, b in ctx.streams("predict_threshold", lambda r: _linear_problem(r, 120, 3)):
        for t in (0.2, 0.85):
            keep = np.abs(ref.predict_proba(X, w, b) - t) > 1e-9
            cases.append((X[keep], w, b, t))
    calls = [Call("predict", (rows, w, b), {"threshold": t}) for rows, w, b, t in cases]

    def verify(outcomes):
        for (rows, w, b, t), out in zip(cases, outcomes, strict=True):
            what = f"predict(X, w, b, threshold={t})"
            labels = _labels(out, len(rows), what)
            expected = ref.predict(rows, w, b, t)
            if np.array_equal(labels, expected):
                continue
            if np.array_equal(labels, (rows @ w + b >= t).astype(int)):
                raise Fail(f"{what}: it looks like you compared the logits with the threshold; "
                           "compare the probabilities sigmoid(X w + b) instead.")
            if np.array_equal(labels, ref.predict(rows, w, b)):
                raise Fail(f"{what}: the threshold argument is ignored (you used 0.5).")
            assert_equal(labels, expected, what)
    return calls, verify
