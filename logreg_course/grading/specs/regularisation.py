"""Checks of 05-regularisation: the L2 objective, its gradient, a penalised fit, class weights,
soft-thresholding and the L1 KKT conditions, cross-validation without leakage.

Conventions (the notebook's docstrings say the same): the objective is
scikit-learn's **sum** form ``F(w, b) = C sum_i s_i l_i + ||w||^2 / 2`` with
``l_i = log(1 + e^z_i) - y_i z_i``, the **intercept is not penalised**, and
the fit's stopping rule is on the gradient of the mean form ``F / (C S)``
(``S = sum_i s_i``), whose size does not grow with ``n`` or ``C``.

Tolerances (why these numbers):

* **rtol 1e-10** for the objective and its gradient: sums of ``n <= 200``
  terms of size ``O(C)``, each a few correctly rounded operations, round to
  ~1e-13 relative in any order; ``atol = 1e-12 C S`` covers gradient entries
  that are nearly 0 (the gradient's scale is ``C S``).
* **fits**: graded by optimality, as in 03: the mean-form gradient at the
  learner's ``(w, b)`` must be at most ``tol = 1e-8`` (plus 1e-12 for
  rounding), and ``(w, b)`` must lie within ``2 ||H^-1|| ||g|| + 1e-9`` of the
  reference (Newton to 1e-12), ``H`` the mean-form Hessian.
* **rtol 1e-12** for weights, soft-thresholding: one or two operations.
* **exact** for the KKT booleans and the folds: the inputs keep every
  condition at least 1e-10 away from its bound (the tolerance is 1e-8), so any
  correct test agrees.
* **rtol 1e-4** for the cross-validated loss: a fit that just meets the
  1e-8 rule may be ``||H^-1|| ||g||`` from the optimum, which moves a held-out
  loss by at most 3.8e-5 relative on these folds (measured: ``||H^-1|| <= 462``
  at C = 1); standardising with all the data (leakage) moves it by >= 4e-3,
  the sample standard deviation (``ddof=1``) by >= 1.7e-4.
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
    assert_equal,
)

SPEC = AssignmentSpec("05-regularisation", preamble=SIGMOID_PREAMBLE)
check = SPEC.check
FIT_TOL = 1e-8
CV_RTOL = 1e-4


def _data(rng, n=150, d=4):
    """Labels from a logistic model on N(0, 1) rows."""
    X = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = (rng.uniform(size=n) < ref.sigmoid(X @ w_true + 0.5)).astype(float)
    return X, y


def _point(rng, d):
    return rng.normal(scale=0.7, size=d), float(rng.normal(scale=1.0))


def _cases(ctx, grade_id, weighted):
    cases = []
    for rng in ctx.rngs(grade_id):
        X, y = _data(rng)
        w, b = _point(rng, X.shape[1])
        for C in (0.3, float(rng.choice([1.0, 7.0]))):
            s = rng.uniform(0.2, 3.0, size=len(y)) if weighted else None
            cases.append((X, y, w, b, C, s))
    return cases


def _call(function, case):
    X, y, w, b, C, s = case
    kwargs = {} if s is None else {"sample_weight": s}
    return Call(function, (X, y, w, b, C), kwargs)


# --- Part A: the objective --------------------------------------------------------------------
def _objective_hints(X, y, w, b, C, s):
    s1 = np.ones(len(y)) if s is None else s
    z = X @ w + b
    data = float(np.sum(s1 * (np.logaddexp(0.0, z) - y * z)))
    half = 0.5 * float(w @ w)
    return [("you penalised the intercept too (+ b^2 / 2): only w is penalised",
             C * data + half + 0.5 * b * b),
            ("you used the mean loss; scikit-learn's objective is C times the sum",
             C * data / s1.sum() + half),
            ("C multiplies the penalty instead of the data term",
             data + C * half),
            ("you divided the whole objective by C (same minimiser, but not scikit-learn's "
             "value)", data + half / C),
            ("the factor 1/2 of the penalty is missing", C * data + 2 * half),
            ("the sample weights are ignored",
             C * float(np.sum(np.logaddexp(0.0, z) - y * z)) + half)]


def _objective_check(grade_id, weighted):
    def build(ctx):
        cases = _cases(ctx, grade_id, weighted)

        def verify(outcomes):
            for case, out in zip(cases, outcomes, strict=True):
                X, y, w, b, C, s = case
                what = (f"penalised_objective(X, y, w, b, C={C:g}"
                        + (", sample_weight=s)" if weighted else ")"))
                v = as_float(out.value, what)
                # a sum of 150 terms of size O(C): ~1e-13 relative in any order
                assert_close(v, ref.penalised_objective(X, y, w, b, C, s), what, rtol=1e-10,
                             hints=_objective_hints(*case))
        return [_call("penalised_objective", case) for case in cases], verify
    return build


check("objective_values", points=2, functions=("penalised_objective",),
      summary="penalised_objective = C sum_i l_i + ||w||^2 / 2, intercept free (rtol 1e-10)")(
    _objective_check("objective_values", weighted=False))
check("objective_sample_weight", points=1, functions=("penalised_objective",),
      summary="penalised_objective with sample weights: C sum_i s_i l_i + ||w||^2 / 2")(
    _objective_check("objective_sample_weight", weighted=True))


# --- Part B: the gradient ---------------------------------------------------------------------
def _gradient_hints(X, y, w, b, C, s, part):
    S = len(y) if s is None else float(np.sum(s))
    g_w, g_b = ref.penalised_gradient(X, y, w, b, C, s)
    if part == "w":
        return [("you returned the gradient of the mean form (divided by C S)", g_w / (C * S)),
                ("the penalty's gradient w is missing", g_w - w),
                ("the sign is wrong: the gradient of the loss is C X^T (p - y) + w",
                 -g_w)]
    return [("you penalised the intercept (its gradient has no + b term)", g_b + b),
            ("you returned the gradient of the mean form (divided by C S)", g_b / (C * S)),
            ("the sign is wrong", -g_b)]


def _gradient_check(part):
    grade_id = f"gradient_{part}"

    def build(ctx):
        cases = _cases(ctx, grade_id, weighted=False)
        rng = ctx.rng(grade_id, True)
        X, y, w, b, _, _ = cases[-1]
        cases.append((X, y, w, b, 2.0, rng.uniform(0.2, 3.0, size=len(y))))

        def verify(outcomes):
            for case, out in zip(cases, outcomes, strict=True):
                X, y, w, b, C, s = case
                S = len(y) if s is None else float(np.sum(s))
                what = (f"penalised_gradient(X, y, w, b, C={C:g}"
                        + (", sample_weight=s)" if s is not None else ")"))
                g_w, g_b = as_pair(out.value, what)
                expected = ref.penalised_gradient(X, y, w, b, C, s)
                if part == "w":
                    got = as_array(g_w, f"grad_w, the first item of {what}", shape=w.shape)
                    want = expected[0]
                else:
                    got, want = as_float(g_b, f"grad_b, the second item of {what}"), expected[1]
                # sums of 150 terms of size O(C); atol on the gradient's scale C S
                assert_close(got, want, f"grad_{part} of {what}", rtol=1e-10,
                             atol=1e-12 * C * S, hints=_gradient_hints(*case, part))
        return [_call("penalised_gradient", case) for case in cases], verify
    return build


check("gradient_w", points=2, functions=("penalised_gradient",),
      summary="penalised_gradient(...)[0] = C X^T (s (p - y)) + w (rtol 1e-10)")(
    _gradient_check("w"))
check("gradient_b", points=1, functions=("penalised_gradient",),
      summary="penalised_gradient(...)[1] = C sum_i s_i (p_i - y_i): no penalty on b")(
    _gradient_check("b"))


# --- Part C: the fit --------------------------------------------------------------------------
def _check_fit(X, y, C, s, out, what):
    w, b = as_pair(out.value, what)
    w = as_array(w, f"w from {what}", shape=(X.shape[1],))
    b = as_float(b, f"b from {what}")
    S = len(y) if s is None else float(np.sum(s))
    g_w, g_b = ref.penalised_gradient(X, y, w, b, C, s)
    g = np.append(g_w, g_b) / (C * S)  # the mean form
    g_max = float(np.max(np.abs(g)))
    w_ref, b_ref = ref.fit_penalised(X, y, C, s)
    theta, theta_ref = np.append(w, b), np.append(w_ref, b_ref)
    if not np.isfinite(g_max) or g_max > FIT_TOL + 1e-12:
        w_pen, b_pen = ref.fit_penalised_intercept(X, y, C, s)
        if np.allclose(theta, np.append(w_pen, b_pen), rtol=1e-6, atol=1e-8):
            raise Fail(f"{what}: you penalised the intercept. scikit-learn's objective "
                       "penalises w only: the intercept's row and column of the Hessian get "
                       "no + 1, and its gradient no + b.")
        raise Fail(f"{what} stopped too early or went wrong: at the returned (w, b) the "
                   f"largest entry of the mean-form gradient is {g_max:.1e} > tol = "
                   f"{FIT_TOL:g}.")
    H = ref.penalised_hessian(X, w_ref, b_ref, C, s) / (C * S)
    radius = 2 * np.linalg.norm(np.linalg.inv(H), 2) * np.linalg.norm(g) + 1e-9
    dist = float(np.linalg.norm(theta - theta_ref))
    if dist > radius:
        raise Fail(f"{what}: the returned (w, b) is {dist:.1e} from the minimiser, farther "
                   "than its small gradient allows.")


@check("fit_breast_cancer", points=2, functions=("fit_penalised",),
       summary="fit_penalised on all 30 standardised breast-cancer features, C = 1 and 0.05")
def fit_breast_cancer(ctx):
    X, y, _ = ctx.data("breast_cancer")
    Cs = (1.0, 0.05)

    def verify(outcomes):
        for C, out in zip(Cs, outcomes, strict=True):
            _check_fit(X, y, C, None, out, f"fit_penalised(X, y, C={C:g}) on the tumours")
    return [Call("fit_penalised", (X, y, C)) for C in Cs], verify


@check("fit_balance", points=1, functions=("fit_penalised",),
       summary="at the weighted fit (C = 0.01), sum_i s_i p_i = sum_i s_i y_i: b is not penalised")
def fit_balance(ctx):
    cases = []
    for rng in ctx.rngs("fit_balance"):
        X, y = _data(rng, n=200, d=3)
        cases.append((X, y, rng.uniform(0.2, 3.0, size=len(y))))

    def verify(outcomes):
        for (X, y, s), out in zip(cases, outcomes, strict=True):
            what = "fit_penalised(X, y, C=0.01, sample_weight=s)"
            w, b = as_pair(out.value, what)
            w = as_array(w, f"w from {what}", shape=(X.shape[1],))
            b = as_float(b, f"b from {what}")
            gap = float(np.sum(s * (ref.predict_proba(X, w, b) - y)))
            # the intercept's mean-form gradient is sum s (p - y) / S <= tol at the fit
            if not abs(gap) <= s.sum() * (FIT_TOL + 1e-12):
                raise Fail(f"{what}: the weighted probabilities should add up to the weighted "
                           f"number of positives (their difference is {gap:.2g}). With a free "
                           "intercept its score equation makes them equal whatever C is: is "
                           "the intercept penalised, or are the weights ignored?")
    return [Call("fit_penalised", (X, y, 0.01), {"sample_weight": s}) for X, y, s in cases], \
        verify


# --- Part D: class weights --------------------------------------------------------------------
def _labels(rng):
    return [rng.permutation(np.r_[np.zeros(70), np.ones(20)]),
            rng.integers(0, 3, size=60) + np.repeat([0, 0, 0, 2], 15)]


@check("balanced_values", points=1, functions=("balanced_sample_weight",),
       summary="balanced_sample_weight(y) = n / (K n_k) for the class of each sample")
def balanced_values(ctx):
    ys = [y for drawn in ctx.streams("balanced_values", _labels) for y in drawn]

    def verify(outcomes):
        for y, out in zip(ys, outcomes, strict=True):
            what = f"balanced_sample_weight(y) with {len(np.unique(y))} classes"
            v = as_array(out.value, what, shape=y.shape)
            _, index, counts = np.unique(y, return_inverse=True, return_counts=True)
            assert_close(v, ref.balanced_sample_weight(y), what, rtol=1e-12, hints=[
                ("you returned n_k / n, the inverse of the weight", counts[index] / len(y)),
                ("you returned 1 / n_k: the factor n / K is missing", 1 / counts[index])])
    return [Call("balanced_sample_weight", (y,)) for y in ys], verify


@check("balanced_weighted", points=1, functions=("balanced_sample_weight",),
       summary="balanced_sample_weight(y, s) = s_i S / (K S_k), with class totals of weights")
def balanced_weighted(ctx):
    cases = []
    for rng in ctx.rngs("balanced_weighted"):
        for y in _labels(rng):
            cases.append((y, rng.uniform(0.1, 4.0, size=len(y))))

    def verify(outcomes):
        for (y, s), out in zip(cases, outcomes, strict=True):
            what = "balanced_sample_weight(y, sample_weight=s)"
            v = as_array(out.value, what, shape=y.shape)
            _, index, counts = np.unique(y, return_inverse=True, return_counts=True)
            K = counts.size
            assert_close(v, ref.balanced_sample_weight(y, s), what, rtol=1e-12, hints=[
                ("you counted samples (n / (K n_k)) instead of adding up their weights "
                 "(S / (K S_k))", s * len(y) / (K * counts[index])),
                ("the sample weights are ignored", ref.balanced_sample_weight(y))])
    return [Call("balanced_sample_weight", (y,), {"sample_weight": s}) for y, s in cases], verify


# --- Part E: L1 -------------------------------------------------------------------------------
@check("soft_threshold_values", points=1, functions=("soft_threshold",),
       summary="soft_threshold(u, t) = sign(u) max(|u| - t, 0), elementwise")
def soft_threshold_values(ctx):
    cases = [(np.array([-3.0, -1.0, -0.25, 0.0, 0.25, 1.0, 3.0]), 1.0)]
    for rng in ctx.rngs("soft_threshold_values"):
        cases.append((rng.normal(scale=2.0, size=200), float(rng.uniform(0.2, 2.0))))
    cases.append((cases[-1][0], 0.0))

    def verify(outcomes):
        for (u, t), out in zip(cases, outcomes, strict=True):
            what = f"soft_threshold(u, {t:.3g})"
            v = as_array(out.value, what, shape=u.shape)
            assert_close(v, ref.soft_threshold(u, t), what, rtol=1e-12, hints=[
                ("you kept u where |u| > t (a hard threshold); soft-thresholding also moves "
                 "the survivors t closer to 0", np.where(np.abs(u) > t, u, 0.0)),
                ("the sign is lost: multiply max(|u| - t, 0) by sign(u)",
                 np.maximum(np.abs(u) - t, 0.0)),
                ("you computed u - t for every entry", u - t)])
    return [Call("soft_threshold", case) for case in cases], verify


def _kkt_case(rng, d=12, lam1=0.1):
    """Coefficients and gradients whose conditions hold or fail with margins >= 1e-10 to tol."""
    w = rng.normal(size=d) * (rng.uniform(size=d) < 0.5)
    g = np.empty(d)
    nz = w != 0
    # non-zeros: g = -lam1 sign(w) + delta with delta 0, 1e-10 (holds) or 1e-3 (fails)
    delta = rng.choice([0.0, 1e-10, -1e-10, 1e-3, -1e-3], size=d)
    g[nz] = -lam1 * np.sign(w[nz]) + delta[nz]
    # zeros: |g| = 0.5 lam1, lam1 + 1e-10 (hold) or 1.5 lam1 (fails), either sign
    size = rng.choice([0.5 * lam1, lam1 + 1e-10, 1.5 * lam1], size=d)
    g[~nz] = (rng.choice([-1.0, 1.0], size=d) * size)[~nz]
    return w, g, lam1


@check("kkt_check_values", points=2, functions=("l1_kkt_check",),
       summary="l1_kkt_check(w, grad, lam1) tells which L1 optimality conditions hold")
def kkt_check_values(ctx):
    w_fit, g_fit, lam_fit = ctx.data("breast_cancer_l1_fit")
    cases = [(w_fit, g_fit, lam_fit)]
    for rng in ctx.rngs("kkt_check_values"):
        cases += [_kkt_case(rng), _kkt_case(rng, lam1=float(rng.uniform(0.01, 1.0)))]

    def verify(outcomes):
        for (w, g, lam1), out in zip(cases, outcomes, strict=True):
            what = ("l1_kkt_check(w, grad, lam1) at the L1 fit on the tumours" if w is w_fit
                    else "l1_kkt_check(w, grad, lam1)")
            v = as_array(out.value, what, shape=w.shape, kinds="b")
            expected = ref.l1_kkt_check(w, g, lam1)
            if np.array_equal(v, expected):
                continue
            nz = w != 0
            if np.array_equal(v[nz], (np.abs(g - lam1 * np.sign(w)) <= 1e-8)[nz]):
                hint = ("for w_j != 0 the condition is g_j + lam1 sign(w_j) = 0 (the sign is "
                        "wrong)")
            elif np.array_equal(v[~nz], (np.abs(g) <= 1e-8)[~nz]):
                hint = "for w_j = 0 the condition is |g_j| <= lam1, not g_j = 0"
            elif not np.array_equal(v[nz], expected[nz]):
                hint = "check the condition for the non-zero coefficients (within tol)"
            else:
                hint = "check the condition for the zero coefficients (|g_j| <= lam1 + tol)"
            assert_equal(v, expected, what, hint)
    return [Call("l1_kkt_check", case) for case in cases], verify


# --- Part F: cross-validation -----------------------------------------------------------------
@check("kfold_values", points=1, functions=("kfold_indices",),
       summary="kfold_indices(n, k): k contiguous folds, the first n % k one sample longer")
def kfold_values(ctx):
    rng = ctx.rng("kfold_values", True)
    cases = [(569, 5), (23, 5), (10, 10), (int(rng.integers(30, 200)), int(rng.integers(2, 9)))]

    def verify(outcomes):
        for (n, k), out in zip(cases, outcomes, strict=True):
            what = f"kfold_indices({n}, {k})"
            folds = as_pair(out.value, what, n=k, wanted=f"a list of {k} arrays of indices")
            expected = ref.kfold_indices(n, k)
            for j, (item, want) in enumerate(zip(folds, expected, strict=True)):
                got = as_array(item, f"fold {j} of {what}", kinds="index")
                if got.shape != want.shape or not np.array_equal(got, want):
                    sizes = [len(e) for e in expected]
                    raise Fail(f"{what}: fold {j} is wrong. The folds hold the test indices "
                               f"0..n-1 in order, in blocks of sizes {sizes} (n // k each, "
                               "one more for the first n % k folds).")
    return [Call("kfold_indices", case) for case in cases], verify


@check("cv_log_loss_values", points=2, functions=("cv_log_loss",),
       summary="cv_log_loss(X, y, C): the scaler and the fit use the training folds only")
def cv_log_loss_values(ctx):
    X, y = ctx.data("breast_cancer_raw")
    Cs = (1.0, 0.1)

    def verify(outcomes):
        for C, out in zip(Cs, outcomes, strict=True):
            what = f"cv_log_loss(X, y, C={C:g}) on the tumours (raw features, k = 5)"
            v = as_float(out.value, what)
            expected = ref.cv_log_loss(X, y, C)
            # <= 3.8e-5 from a fit that just meets its 1e-8 rule; leakage moves it >= 4e-3
            assert_close(v, expected, what, rtol=CV_RTOL, hints=[
                ("the features were standardised with all the data (mean and sd of the held-"
                 "out fold included): fit the scaler on the training folds only",
                 _leaky_cv_log_loss(X, y, C))])
    return [Call("cv_log_loss", (X, y, C)) for C in Cs], verify


def _leaky_cv_log_loss(X, y, C, k=5):
    """The usual mistake: standardise with every sample, then cross-validate."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    losses = []
    for test in ref.kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        w, b = ref.fit_penalised(Xs[train], y[train], C)
        z = Xs[test] @ w + b
        losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))
    return float(np.mean(losses))
