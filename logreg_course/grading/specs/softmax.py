"""Checks of 06-softmax: softmax, log-sum-exp and log-softmax, the multinomial loss, its
gradient, an L2 fit, prediction, and the two-class case.

Conventions (the notebook's docstrings say the same): logits ``Z`` have shape
``(n, K)``, one row per sample; labels ``y`` are integer class indices
``0..K-1``; coefficients ``W`` have shape ``(K, d)``, one row per class, and
intercepts ``b`` shape ``(K,)``; the loss is the **mean** cross-entropy (a
weighted mean with sample weights); the fit minimises the mean form of
scikit-learn's objective, ``L(W, b) + ||W||_F^2 / (2 C n)``, and returns it in
scikit-learn's symmetric parametrisation (``W`` and ``b`` summing to zero
over the classes).

Tolerances (why these numbers):

* **rtol 1e-12** for softmax and predicted probabilities: a shifted
  exponential and one division by a sum of K <= 10 terms in [1, K], a few ulp
  whichever (correct) order is used.
* **log-sum-exp and log-softmax**: ``rtol 1e-12`` plus an absolute term of
  ``1e-15`` times the row's largest ``|z|`` (at least 1): ``Z - lse(Z)``
  subtracts numbers of that size, so it is exact only to their last digit,
  while the shifted form ``(Z - m) - log(sum exp(Z - m))`` is better still;
  both are right. ``np.log(softmax(Z))`` is ``-inf`` where a probability
  underflows, and ``log(sum(exp(Z)))`` overflows: only the strict cells test
  that (stability points only there).
* **rtol 1e-10** for the loss and gradient: means of ``n <= 200`` terms of
  size O(1), ~1e-13 in any order; ``atol 1e-13`` for gradient entries near 0.
* **fits**: graded by optimality, as in 03: the mean-form gradient at the
  learner's answer must be at most ``tol = 1e-6`` (plus 1e-12), and the centred
  parameters must lie within ``2 ||H+|| ||g|| + 1e-9`` of the reference
  (``logreg_ref``, gradient 1e-12), with ``H+`` the pseudo-inverse of the
  Hessian on the subspace ``sum_k b_k = 0`` (adding a constant to every
  intercept changes nothing, so that direction has no curvature).
* **1e-8** for the sums over classes of a centred fit: gradient descent from
  zero keeps them at rounding level (< 1e-13); any other parametrisation is off
  by O(1).
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
    as_pair,
    assert_close,
    assert_equal,
    expect_no_warnings,
)

SPEC = AssignmentSpec("06-softmax")
check = SPEC.check
FIT_TOL = 1e-6
#: Gradient descent with the step 1/L needs ~1700 steps on iris (C = 1), ~800 on wine (C = 0.1)
#: and ~200 on the random data; 5000 leaves room for a smaller step and bounds a bad one.
FIT_KWARGS = {"tol": FIT_TOL, "max_iter": 5000}
STABLE_ADVICE = ("e^z overflows for z > 709: subtract each row's maximum first (softmax is "
                 "unchanged when the same number is subtracted from a whole row), and compute "
                 "log-probabilities as (Z - m) - log(sum(exp(Z - m))), never as np.log of a "
                 "probability that may have underflowed to 0.")


def _logits(rng, n=60, K=3, scale=3.0):
    return rng.normal(scale=scale, size=(n, K))


def _large_logits(rng):
    """Rows with logits up to 1e308 in size (each row spanning less than 1.5e308)."""
    edges = np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.5],
                      [1e308, 1e308, 0.0], [-1e308, -5e307, -1e308], [800.0, -800.0, 0.0],
                      [1e4, 1e4 - 1.0, -1e4], [-745.0, -1.0, -2000.0]])
    salted = rng.choice([-1.0, 1.0], size=(20, 1)) * 10 ** rng.uniform(2, 5, size=(20, 1))
    return np.vstack([edges, salted + rng.normal(scale=20.0, size=(20, 3))])


def _row_scaled_close(actual, expected, Z, what, hints=()):
    """``|a - e| <= 1e-12 |e| + 1e-15 max(1, max_k |Z_ik|)``, row by row."""
    scale = np.maximum(1.0, np.max(np.abs(Z), axis=1))
    if np.ndim(expected) == 2:
        scale = scale[:, None]
    assert_close(np.asarray(actual) / scale, np.asarray(expected) / scale, what, rtol=1e-12,
                 atol=1e-15, hints=[(h, np.asarray(c) / scale) for h, c in hints])


# --- Part A: softmax --------------------------------------------------------------------------
@check("softmax_values", points=2, functions=("softmax",),
       summary="softmax(Z) row by row on random logits, K = 3 and 10 (rtol 1e-12)")
def softmax_values(ctx):
    Zs = [_logits(ctx.rng("softmax_values", salted), n=n, K=K)
          for salted in (False, True) for n, K in ((60, 3), (25, 10))]

    def verify(outcomes):
        for Z, out in zip(Zs, outcomes, strict=True):
            what = f"softmax(Z) for Z of shape {Z.shape}"
            P = as_array(out.value, what, shape=Z.shape)
            E = np.exp(Z)
            assert_close(P, ref.softmax(Z), what, rtol=1e-12, hints=[
                ("you normalised each column (axis=0); normalise each row, one per sample",
                 E / E.sum(axis=0)),
                ("you normalised by the sum of the whole array, not of each row", E / E.sum()),
                ("you returned exp(Z) without normalising", E)])
    return [Call("softmax", (Z,)) for Z in Zs], verify


@check("softmax_stable", points=1, functions=("softmax",),
       summary="softmax is exact and warning-free for logits up to 1e308 in size")
def softmax_stable(ctx):
    Z = _large_logits(ctx.rng("softmax_stable", True))

    def verify(outcomes):
        (out,) = outcomes
        expect_no_warnings(out, "softmax", STABLE_ADVICE)
        P = as_array(out.value, "softmax(Z) for large logits", shape=Z.shape)
        # subnormal probabilities round differently in different stable forms: atol 1e-300
        assert_close(P, ref.softmax(Z), "softmax(Z) for large logits", rtol=1e-12,
                     atol=1e-300)
    return [Call("softmax", (Z,), strict=True)], verify


# --- Part B: log-sum-exp and log-softmax ------------------------------------------------------
@check("logsumexp_values", points=1, functions=("logsumexp",),
       summary="logsumexp(Z) = log sum_k e^Z_ik for each row, random logits")
def logsumexp_values(ctx):
    Zs = ctx.streams("logsumexp_values", lambda r: _logits(r, n=80, K=4))

    def verify(outcomes):
        for Z, out in zip(Zs, outcomes, strict=True):
            what = f"logsumexp(Z) for Z of shape {Z.shape}"
            v = as_array(out.value, what, shape=(Z.shape[0],))
            m = Z.max(axis=1)
            _row_scaled_close(v, ref.logsumexp(Z), Z, what, hints=[
                ("you shifted by the row maximum but did not add it back",
                 ref.logsumexp(Z) - m),
                ("you returned the row maximum alone", m)])
    return [Call("logsumexp", (Z,)) for Z in Zs], verify


@check("log_softmax_values", points=1, functions=("log_softmax",),
       summary="log_softmax(Z) = Z - logsumexp(Z) row by row, random logits")
def log_softmax_values(ctx):
    Zs = ctx.streams("log_softmax_values", lambda r: _logits(r, n=80, K=4))

    def verify(outcomes):
        for Z, out in zip(Zs, outcomes, strict=True):
            what = f"log_softmax(Z) for Z of shape {Z.shape}"
            v = as_array(out.value, what, shape=Z.shape)
            _row_scaled_close(v, ref.log_softmax(Z), Z, what, hints=[
                ("you returned softmax(Z), not its logarithm", ref.softmax(Z))])
    return [Call("log_softmax", (Z,)) for Z in Zs], verify


@check("log_softmax_stable", points=2, functions=("logsumexp", "log_softmax"),
       summary="logsumexp and log_softmax are accurate and warning-free for logits up to 1e308")
def log_softmax_stable(ctx):
    Z = _large_logits(ctx.rng("log_softmax_stable", True))
    calls = [Call("logsumexp", (Z,), strict=True), Call("log_softmax", (Z,), strict=True)]

    def verify(outcomes):
        lse_out, log_out = outcomes
        expect_no_warnings(lse_out, "logsumexp", STABLE_ADVICE)
        v = as_array(lse_out.value, "logsumexp(Z) for large logits", shape=(Z.shape[0],))
        _row_scaled_close(v, ref.logsumexp(Z), Z, "logsumexp(Z) for large logits")
        expect_no_warnings(log_out, "log_softmax", STABLE_ADVICE)
        v = as_array(log_out.value, "log_softmax(Z) for large logits", shape=Z.shape)
        with np.errstate(all="ignore"):
            naive = np.log(ref.softmax(Z))
        _row_scaled_close(v, ref.log_softmax(Z), Z, "log_softmax(Z) for large logits", hints=[
            ("you computed np.log(softmax(Z)), which is -inf where a probability underflows. "
             + STABLE_ADVICE, naive)])
    return calls, verify


# --- Part C: the loss -------------------------------------------------------------------------
def _labelled(rng, n=200, K=4):
    return rng.integers(0, K, size=n), _logits(rng, n=n, K=K)


@check("cross_entropy_values", points=2, functions=("cross_entropy",),
       summary="cross_entropy(y, Z) = mean of logsumexp(Z_i) - Z_{i, y_i} (rtol 1e-10)")
def cross_entropy_values(ctx):
    cases = ctx.streams("cross_entropy_values", _labelled)

    def verify(outcomes):
        for (y, Z), out in zip(cases, outcomes, strict=True):
            what = "cross_entropy(y, Z)"
            v = as_float(out.value, what)
            expected = ref.multinomial_cross_entropy(y, Z)
            lse = ref.logsumexp(Z)
            assert_close(v, expected, what, rtol=1e-10, hints=[
                ("you returned the sum over samples, not the mean", len(y) * expected),
                ("the sign is wrong (that is the log-likelihood)", -expected),
                ("you used the logit of class 0 for every sample, not the one of its label y_i",
                 float(np.mean(lse - Z[:, 0])))])
    return [Call("cross_entropy", case) for case in cases], verify


@check("cross_entropy_weights", points=1, functions=("cross_entropy",),
       summary="cross_entropy(y, Z, sample_weight=s) is the weighted mean (divided by sum s)")
def cross_entropy_weights(ctx):
    cases = []
    for rng in ctx.rngs("cross_entropy_weights"):
        y, Z = _labelled(rng, n=120)
        cases.append((y, Z, rng.uniform(0.1, 5.0, size=len(y))))

    def verify(outcomes):
        for (y, Z, s), out in zip(cases, outcomes, strict=True):
            what = "cross_entropy(y, Z, sample_weight=s)"
            v = as_float(out.value, what)
            per_sample = ref.logsumexp(Z) - Z[np.arange(len(y)), y]
            assert_close(v, ref.multinomial_cross_entropy(y, Z, s), what, rtol=1e-10, hints=[
                ("the weights are ignored", float(np.mean(per_sample))),
                ("you divided the weighted sum by n, not by the sum of the weights",
                 float(np.sum(s * per_sample) / len(y)))])
    return [Call("cross_entropy", (y, Z), {"sample_weight": s}) for y, Z, s in cases], verify


# --- Part D: the gradient ---------------------------------------------------------------------
def _gradient_cases(ctx, grade_id):
    cases = []
    for rng in ctx.rngs(grade_id):
        K, d, n = 3, 4, 120
        X = rng.normal(size=(n, d))
        cases.append((X, rng.integers(0, K, size=n), rng.normal(scale=0.7, size=(K, d)),
                      rng.normal(scale=0.5, size=K)))
    return cases


def _gradient_hints(X, y, W, b, part):
    g_W, g_b = ref.multinomial_gradient(X, y, W, b)
    g = g_W if part == "W" else g_b
    return [("the sign is wrong: the gradient is (P - Y)^T X / n", -g),
            ("you returned the sum over samples, not the mean", len(y) * g)]


@check("gradient_W", points=2, functions=("gradient",),
       summary="gradient(X, y, W, b)[0] = (P - Y)^T X / n, shape (K, d) (rtol 1e-10)")
def gradient_W(ctx):
    cases = _gradient_cases(ctx, "gradient_W")

    def verify(outcomes):
        for (X, y, W, b), out in zip(cases, outcomes, strict=True):
            what = "gradient(X, y, W, b)"
            item, _ = as_pair(out.value, what)
            g_W = as_array(item, f"grad_W, the first item of {what}")
            if g_W.shape == W.shape[::-1]:
                raise Fail(f"{what}: grad_W has shape {g_W.shape}; it should have the shape of "
                           f"W, {W.shape} (one row per class): (P - Y)^T X, not X^T (P - Y).")
            g_W = as_array(item, f"grad_W, the first item of {what}", shape=W.shape)
            assert_close(g_W, ref.multinomial_gradient(X, y, W, b)[0], "grad_W", rtol=1e-10,
                         atol=1e-13, hints=_gradient_hints(X, y, W, b, "W"))
    return [Call("gradient", case) for case in cases], verify


@check("gradient_b", points=1, functions=("gradient",),
       summary="gradient(X, y, W, b)[1] = mean over samples of P_i - Y_i, shape (K,)")
def gradient_b(ctx):
    cases = _gradient_cases(ctx, "gradient_b")

    def verify(outcomes):
        for (X, y, W, b), out in zip(cases, outcomes, strict=True):
            what = "gradient(X, y, W, b)"
            _, g_b = as_pair(out.value, what)
            g_b = as_array(g_b, f"grad_b, the second item of {what}", shape=b.shape)
            assert_close(g_b, ref.multinomial_gradient(X, y, W, b)[1], "grad_b", rtol=1e-10,
                         atol=1e-13, hints=_gradient_hints(X, y, W, b, "b"))
    return [Call("gradient", case) for case in cases], verify


# --- Part E: the fit --------------------------------------------------------------------------
def _fit_output(out, what, K, d):
    W, b = as_pair(out.value, what)
    return (as_array(W, f"W from {what}", shape=(K, d)),
            as_array(b, f"b from {what}", shape=(K,)))


def _check_fit(X, y, C, out, what):
    K, d = int(y.max()) + 1, X.shape[1]
    W, b = _fit_output(out, what, K, d)
    g_W, g_b = ref.softmax_penalised_gradient(X, y, W, b, C)
    g = np.concatenate([g_W.ravel(), g_b])
    g_max = float(np.max(np.abs(g)))
    if not np.isfinite(g_max) or g_max > FIT_TOL + 1e-12:
        raise Fail(f"{what} stopped too early or went wrong: at the returned (W, b) the "
                   f"largest entry of the gradient of L(W, b) + ||W||^2 / (2 C n) is "
                   f"{g_max:.1e} > tol = {FIT_TOL:g}.")
    W_ref, b_ref = ref.fit_softmax(X, y, C)
    H = ref.softmax_penalised_hessian(X, W_ref, b_ref, C)
    v = np.zeros(len(g))
    v[K * d:] = 1.0 / np.sqrt(K)  # shifting every intercept alike: no curvature
    P = np.eye(len(g)) - np.outer(v, v)
    radius = 2 * np.linalg.norm(np.linalg.pinv(P @ H @ P), 2) * np.linalg.norm(P @ g) + 1e-9
    theta = np.concatenate([W.ravel(), b - b.mean()])
    dist = float(np.linalg.norm(theta - np.concatenate([W_ref.ravel(), b_ref])))
    if dist > radius:
        raise Fail(f"{what}: the returned (W, b) is {dist:.1e} from the minimiser (intercepts "
                   "centred), farther than its small gradient allows.")


@check("fit_iris", points=2, functions=("fit_softmax",),
       summary="fit_softmax on the standardised iris data, C = 1: gradient <= 1e-6")
def fit_iris(ctx):
    X, y = ctx.data("iris_standardised")

    def verify(outcomes):
        _check_fit(X, y, 1.0, outcomes[0], "fit_softmax(X_iris, y_iris, C=1.0)")
    return [Call("fit_softmax", (X, y, 1.0), dict(FIT_KWARGS))], verify


@check("fit_wine", points=1, functions=("fit_softmax",),
       summary="fit_softmax on the standardised wine data (13 features), C = 0.1")
def fit_wine(ctx):
    X, y = ctx.data("wine_standardised")

    def verify(outcomes):
        _check_fit(X, y, 0.1, outcomes[0], "fit_softmax(X_wine, y_wine, C=0.1)")
    return [Call("fit_softmax", (X, y, 0.1), dict(FIT_KWARGS))], verify


@check("fit_centred", points=1, functions=("fit_softmax",),
       summary="fit_softmax returns scikit-learn's parametrisation: W and b sum to 0 over classes")
def fit_centred(ctx):
    cases = []
    for rng in ctx.rngs("fit_centred"):
        X = rng.normal(size=(90, 2))
        W_true = rng.normal(scale=1.5, size=(3, 2))
        P = ref.softmax(X @ W_true.T + rng.normal(size=3))
        y = (rng.uniform(size=(90, 1)) > np.cumsum(P, axis=1)).sum(axis=1)
        y[:3] = [0, 1, 2]  # every class present
        cases.append((X, y))

    def verify(outcomes):
        for (X, y), out in zip(cases, outcomes, strict=True):
            what = "fit_softmax(X, y, C=0.5)"
            W, b = _fit_output(out, what, 3, X.shape[1])
            if np.allclose(W[0], 0.0) and np.isclose(b[0], 0.0):
                raise Fail(f"{what}: you fixed class 0 at zero (statsmodels' baseline "
                           "convention). Return scikit-learn's symmetric parametrisation: "
                           "subtract the mean over the classes from W and from b.")
            g_W, g_b = ref.softmax_penalised_gradient(X, y, W, b, 0.5)
            if not np.max(np.abs(np.append(g_W, g_b))) <= FIT_TOL + 1e-12:
                raise Fail(f"{what} does not return a minimiser (its gradient is above tol), "
                           "so its parametrisation cannot be judged.")
            sums = float(max(np.max(np.abs(W.sum(axis=0))), abs(b.sum())))
            if not sums <= 1e-8:
                raise Fail(f"{what}: the columns of W and the intercepts should sum to 0 over "
                           f"the classes (scikit-learn's convention); the largest sum is "
                           f"{sums:.2g}. Start from zero, or subtract the class means.")
    return [Call("fit_softmax", (X, y, 0.5), dict(FIT_KWARGS)) for X, y in cases], verify


# --- Part F: prediction -----------------------------------------------------------------------
def _model(rng, n=80, d=3, K=4):
    return rng.normal(size=(n, d)), rng.normal(size=(K, d)), rng.normal(size=K)


@check("predict_proba_values", points=1, functions=("predict_proba",),
       summary="predict_proba(X, W, b) = softmax(X W^T + b), shape (n, K)")
def predict_proba_values(ctx):
    cases = ctx.streams("predict_proba_values", _model)

    def verify(outcomes):
        for (X, W, b), out in zip(cases, outcomes, strict=True):
            what = "predict_proba(X, W, b)"
            P = as_array(out.value, what, shape=(len(X), len(b)))
            assert_close(P, ref.predict_proba_softmax(X, W, b), what, rtol=1e-12, hints=[
                ("you forgot the intercepts b", ref.softmax(X @ W.T))])
    return [Call("predict_proba", case) for case in cases], verify


@check("predict_labels", points=1, functions=("predict",),
       summary="predict(X, W, b) = the class of the largest logit, integer labels")
def predict_labels(ctx):
    cases = ctx.streams("predict_labels", _model)

    def verify(outcomes):
        for (X, W, b), out in zip(cases, outcomes, strict=True):
            what = "predict(X, W, b)"
            labels = as_array(out.value, what, shape=(len(X),), kinds="iu")
            assert_equal(labels, ref.predict_softmax(X, W, b), what,
                         "Predict the class with the largest logit (argmax over each row).")
    return [Call("predict", case) for case in cases], verify


# --- Part G: two classes ----------------------------------------------------------------------
@check("binary_from_softmax_values", points=1, functions=("binary_from_softmax",),
       summary="binary_from_softmax(W, b) = (W[1] - W[0], b[1] - b[0]) for two classes")
def binary_from_softmax_values(ctx):
    cases = ctx.streams("binary_from_softmax_values",
                     lambda r: (r.normal(size=(2, 4)), r.normal(size=2)))

    def verify(outcomes):
        for (W, b), out in zip(cases, outcomes, strict=True):
            what = "binary_from_softmax(W, b)"
            w_bin, b_bin = as_pair(out.value, what)
            w_bin = as_array(w_bin, f"w from {what}", shape=(W.shape[1],))
            b_bin = as_float(b_bin, f"b from {what}")
            w_ref, b_ref = ref.binary_from_softmax(W, b)
            assert_close(np.append(w_bin, b_bin), np.append(w_ref, b_ref), f"{what} (w, then b)",
                         rtol=1e-12, atol=1e-15, hints=[
                             ("the difference is the wrong way round: class 1 minus class 0",
                              -np.append(w_ref, b_ref)),
                             ("you returned class 1's row: only the difference matters",
                              np.append(W[1], b[1]))])
    return [Call("binary_from_softmax", case) for case in cases], verify


@check("softmax_from_binary_values", points=1, functions=("softmax_from_binary",),
       summary="softmax_from_binary(w, b) = symmetric ([-w/2, w/2], [-b/2, b/2])")
def softmax_from_binary_values(ctx):
    cases = ctx.streams("softmax_from_binary_values",
                     lambda r: (r.normal(size=5), float(r.normal())))

    def verify(outcomes):
        for (w, b), out in zip(cases, outcomes, strict=True):
            what = "softmax_from_binary(w, b)"
            W, bb = as_pair(out.value, what)
            W = as_array(W, f"W from {what}", shape=(2, len(w)))
            bb = as_array(bb, f"b from {what}", shape=(2,))
            W_ref, b_ref = ref.softmax_from_binary(w, b)
            got, want = np.append(W.ravel(), bb), np.append(W_ref.ravel(), b_ref)
            assert_close(got, want, f"{what} (W row by row, then b)", rtol=1e-12, hints=[
                ("you fixed class 0 at zero: that gives the right probabilities, but not the "
                 "symmetric parametrisation (rows summing to 0)",
                 np.concatenate([np.zeros_like(w), w, [0.0, b]])),
                ("the rows are -w and w: their difference is then 2w", 2 * want)])
    return [Call("softmax_from_binary", case) for case in cases], verify
