"""The grading engine's parts: trusted reference values, value reading, detection.

The reference formulas that `logreg_ref` does not provide yet (odds-ratio
intervals, marginal effects, discrete change, standard errors) are proved
against statsmodels and the published Stata results for the spector data;
the rest against scikit-learn, SciPy, finite differences and a 40-digit
``decimal`` evaluation. Nothing here compares the code with its own output.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal, getcontext

import numpy as np
import pytest
from grading_corpus import ATTACKS, WRONG, judge_in_process, namespace

from logreg_course.assignments import ASSIGNMENT_IDS
from logreg_course.grading import reference as ref
from logreg_course.grading import values
from logreg_course.grading.calls import Call, Monitor, call_learner
from logreg_course.grading.checks import Context, Fail, assert_close
from logreg_course.grading.policy import Policy, static_violations
from logreg_course.grading.specs import get_spec
from logreg_course.selfcheck import (
    SPECTOR_AME,
    SPECTOR_INTERCEPT,
    SPECTOR_MEM,
    SPECTOR_PARAMS,
    SPECTOR_PSI_DISCRETE_CHANGE,
)

ASSIGNMENTS = ASSIGNMENT_IDS  # all six


# --- the reference against statsmodels and Stata ----------------------------------------------
@pytest.fixture(scope="module")
def statsmodels_spector():
    import statsmodels.api as sm

    X, y = ref.spector()
    result = sm.Logit(y, sm.add_constant(X, prepend=False)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100)
    return X, y, result


def test_spector_fit_matches_statsmodels_and_stata(statsmodels_spector):
    _, _, sm_result = statsmodels_spector
    w, b, se = ref.spector_fit()
    np.testing.assert_allclose(np.append(w, b), sm_result.params, rtol=1e-8)
    np.testing.assert_allclose(se, sm_result.bse, rtol=1e-7)
    # Stata's published values differ from the converged MLE by up to 1.5e-6 (its tolerance)
    np.testing.assert_allclose(w, SPECTOR_PARAMS, rtol=2e-6)
    np.testing.assert_allclose(b, SPECTOR_INTERCEPT, rtol=2e-6)


def test_marginal_effects_match_statsmodels_and_stata(statsmodels_spector):
    X, _, sm_result = statsmodels_spector
    w, b, _ = ref.spector_fit()
    ame = ref.average_marginal_effects(X, w, b)
    mem = ref.marginal_effects_at_mean(X, w, b)
    np.testing.assert_allclose(ame, sm_result.get_margeff(at="overall").margeff, rtol=1e-9)
    np.testing.assert_allclose(mem, sm_result.get_margeff(at="mean").margeff, rtol=1e-9)
    np.testing.assert_allclose(ame, SPECTOR_AME, rtol=1e-6)
    np.testing.assert_allclose(mem, SPECTOR_MEM, rtol=1e-6)


def test_discrete_change_matches_statsmodels_and_stata(statsmodels_spector):
    X, _, sm_result = statsmodels_spector
    w, b, _ = ref.spector_fit()
    dummy = sm_result.get_margeff(at="overall", dummy=True).margeff[2]
    assert ref.discrete_change(X, w, b, 2) == pytest.approx(dummy, rel=1e-9)
    assert ref.discrete_change(X, w, b, 2) == pytest.approx(SPECTOR_PSI_DISCRETE_CHANGE,
                                                            rel=1e-6)


def test_wald_interval_matches_statsmodels(statsmodels_spector):
    from scipy.stats import norm

    _, _, sm_result = statsmodels_spector
    lo, hi = ref.wald_ci_odds_ratio(sm_result.params, sm_result.bse)
    np.testing.assert_allclose(np.column_stack([lo, hi]), np.exp(sm_result.conf_int()),
                               rtol=1e-12)
    for level in (0.8, 0.9, 0.95, 0.99, 0.999):
        assert ref.normal_quantile(level) == pytest.approx(norm.ppf(0.5 + level / 2),
                                                           rel=1e-14)


def test_reference_agrees_with_logreg_ref_interpret():
    """The grader's (w, b)-based formulas and logreg_ref.interpret's model-based ones."""
    import logreg_ref as lr
    from logreg_ref import interpret

    X, y = ref.spector()
    model = lr.LogisticRegression(C=np.inf).fit(X, y)
    w, b, se = ref.spector_fit()
    table = interpret.coef_table(model, X)
    np.testing.assert_allclose(se, table.std_err, rtol=1e-8)
    lo, hi = ref.wald_ci_odds_ratio(w, se[:3])
    np.testing.assert_allclose(np.column_stack([lo, hi]), table.odds_ratio_conf_int[:3],
                               rtol=1e-8)
    np.testing.assert_allclose(ref.average_marginal_effects(X, w, b),
                               interpret.marginal_effects(model, X, at="overall").effect,
                               rtol=1e-8)
    np.testing.assert_allclose(ref.marginal_effects_at_mean(X, w, b),
                               interpret.marginal_effects(model, X, at="mean").effect, rtol=1e-8)
    dummy = interpret.marginal_effects(model, X, at="overall", dummy=True).effect[2]
    assert ref.discrete_change(X, w, b, 2) == pytest.approx(dummy, rel=1e-8)


# --- the reference against SciPy, scikit-learn, high precision, finite differences ---------------
def test_sigmoid_derivative_is_correctly_rounded():
    getcontext().prec = 40
    for z in (-700.0, -40.0, -3.3, 0.0, 1e-8, 2.5, 37.0, 40.0, 700.0):
        e = (-Decimal(z)).exp()
        exact = float(e / (1 + e) ** 2)
        assert ref.sigmoid_derivative(z) == pytest.approx(exact, rel=1e-14)


def test_odds_and_probabilities():
    from scipy.special import expit

    o = np.exp(np.linspace(-30, 30, 61))
    np.testing.assert_allclose(ref.prob_from_odds(o), expit(np.log(o)), rtol=1e-14)
    np.testing.assert_allclose(ref.odds(ref.prob_from_odds(o[:40])), o[:40], rtol=1e-12)
    assert ref.prob_from_odds(np.inf) == 1.0 and ref.odds(1.0) == np.inf
    np.testing.assert_allclose(ref.odds_ratio(np.log(2.0), 3.0), 8.0, rtol=1e-14)


def test_cross_entropy_gradient_hessian():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)), rng.integers(0, 2, 50).astype(float)
    w, b = rng.normal(size=3), 0.3
    z = X @ w + b
    assert ref.cross_entropy(y, z) == pytest.approx(log_loss(y, ref.sigmoid(z)), rel=1e-12)
    theta = np.append(w, b)

    def loss(t):
        return ref.cross_entropy(y, X @ t[:-1] + t[-1])

    def grad(t):
        g_w, g_b = ref.gradient(X, y, t[:-1], t[-1])
        return np.append(g_w, g_b)

    eye = np.eye(4) * 1e-6
    fd = np.array([(loss(theta + e) - loss(theta - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(grad(theta), fd, rtol=1e-6, atol=1e-9)
    fd_h = np.array([(grad(theta + e) - grad(theta - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(ref.hessian(X, w, b), fd_h, rtol=1e-6, atol=1e-9)


def test_gradient_descent_and_newton_reference():
    X, y = ref.breast_cancer_subset()
    _, _, history = ref.gradient_descent(X, y, 1.0, 50)
    assert history.shape == (51,) and history[0] == pytest.approx(math.log(2.0), rel=1e-15)
    assert np.all(np.diff(history) < 0)
    w_hat, b_hat = ref.fit(X, y)
    theta = (np.zeros(X.shape[1]), 0.0)
    for _ in range(15):  # quadratic convergence: 9 steps from zero reach 1e-12
        theta = ref.newton_step(X, y, *theta)
    np.testing.assert_allclose(np.append(*theta), np.append(w_hat, b_hat), rtol=1e-9)


def test_breast_cancer_subset_has_a_maximum_likelihood_estimate():
    import logreg_ref as lr

    X, y = ref.breast_cancer_subset()
    assert lr.find_separating_direction(X, y) is None  # not separable: the MLE exists
    Xall, yall, _ = ref.breast_cancer()
    assert lr.find_separating_direction(Xall, yall) is not None  # all 30: separable


# --- 04-thresholds: scikit-learn and the definitions, by brute force --------------------------
def _scored(seed, n=300):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, n), np.round(rng.uniform(size=n), 2)  # many ties


def test_threshold_metrics_match_scikit_learn():
    import sklearn.metrics as skm

    y, s = _scored(0)
    for t in (0.0, 0.3, s[4], 0.999, np.inf):
        pred = (s >= t).astype(int)
        counts = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert ref.confusion_counts(y, s, t) == tuple(int(c) for c in counts)
        sk = skm.precision_recall_fscore_support(y, pred, average="binary", zero_division=0.0)
        np.testing.assert_allclose(ref.precision_recall_f1(y, s, t), sk[:3], rtol=1e-15)
    fpr, tpr, thresholds = ref.roc_points(y, s)
    sk_fpr, sk_tpr, sk_thresholds = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_array_equal(thresholds, sk_thresholds)
    np.testing.assert_allclose(np.c_[fpr, tpr], np.c_[sk_fpr, sk_tpr], rtol=1e-15)
    pos, neg = s[y == 1][:, None], s[y == 0][None, :]
    pairwise = np.mean((pos > neg) + 0.5 * (pos == neg))  # the Mann-Whitney definition
    assert ref.auc(y, s) == pytest.approx(pairwise, rel=1e-12)
    assert ref.auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), rel=1e-12)


def test_bayes_rule_minimises_the_expected_cost_of_each_decision():
    rng = np.random.default_rng(1)
    for _ in range(20):
        c00, c11 = rng.uniform(0, 2, 2)
        c = np.array([[c00, c11 + rng.uniform(1, 9)], [c00 + rng.uniform(0.5, 5), c11]])
        p = np.linspace(0.001, 0.999, 999)
        cost_pos = p * c[1, 1] + (1 - p) * c[1, 0]  # predict 1: cost_matrix[pred, true]
        cost_neg = p * c[0, 1] + (1 - p) * c[0, 0]
        decide = ref.bayes_decisions(ref.logit(p), c)
        keep = np.abs(cost_pos - cost_neg) > 1e-12
        np.testing.assert_array_equal(decide[keep], (cost_pos < cost_neg)[keep])
    assert ref.bayes_threshold([[0.0, 10.0], [1.0, 0.0]]) == pytest.approx(1 / 11, rel=1e-15)


def test_empirical_thresholds_by_brute_force():
    y, s = _scored(2, n=80)
    candidates = np.r_[np.inf, np.unique(s)[::-1]]
    for c_fp, c_fn in ((1.0, 1.0), (1.0, 5.0), (3.0, 1.0)):
        costs = np.array([ref.expected_cost(y, s, t, c_fp, c_fn) for t in candidates])
        # the cheapest candidate, and among equally cheap ones the largest (candidates fall)
        assert ref.cost_optimal_threshold(y, s, c_fp, c_fn) == candidates[np.argmin(costs)]
        # no threshold between the candidates does better (they make the same decisions)
        grid = np.linspace(-0.01, 1.01, 409)
        best = min(ref.expected_cost(y, s, t, c_fp, c_fn) for t in grid)
        assert costs.min() <= best + 1e-15
    for target in (0.0, 0.37, 0.5, 0.9, 1.0):
        recall = np.array([np.mean(s[y == 1] >= t) for t in candidates])
        assert ref.threshold_for_recall(y, s, target) == candidates[recall >= target][0]


# --- 05-regularisation: scikit-learn's objective, fit, weights and folds ---------------------
def test_penalised_objective_gradient_and_hessian():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60).astype(float)
    w, b, C, s = rng.normal(size=3), 0.4, 2.5, rng.uniform(0.2, 3.0, 60)
    data = log_loss(y, ref.sigmoid(X @ w + b), sample_weight=s, normalize=False)
    assert ref.penalised_objective(X, y, w, b, C, s) == pytest.approx(
        C * data + 0.5 * w @ w, rel=1e-12)
    theta, eye = np.append(w, b), np.eye(4) * 1e-6

    def grad(t):
        g_w, g_b = ref.penalised_gradient(X, y, t[:-1], t[-1], C, s)
        return np.append(g_w, g_b)

    fd = [(ref.penalised_objective(X, y, (theta + e)[:-1], (theta + e)[-1], C, s)
           - ref.penalised_objective(X, y, (theta - e)[:-1], (theta - e)[-1], C, s)) / 2e-6
          for e in eye]
    np.testing.assert_allclose(grad(theta), fd, rtol=1e-6, atol=1e-8)
    fd_h = np.array([(grad(theta + e) - grad(theta - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(ref.penalised_hessian(X, w, b, C, s), fd_h, rtol=1e-6,
                               atol=1e-6)


def test_penalised_fit_matches_scikit_learn_and_balances():
    from sklearn.linear_model import LogisticRegression

    X, y, _ = ref.breast_cancer()
    s = np.random.default_rng(4).uniform(0.2, 3.0, len(y))
    for C in (1.0, 0.05):
        w, b = ref.fit_penalised(X, y, C, s)
        sk = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=200)
        sk.fit(X, y, sample_weight=s)
        np.testing.assert_allclose(np.append(w, b), np.append(sk.coef_, sk.intercept_),
                                   atol=1e-7)
        assert np.sum(s * ref.predict_proba(X, w, b)) == pytest.approx(np.sum(s * y), rel=1e-10)
        # the wrong fit: its intercept's score equation is C sum s (p - y) + b = 0 instead
        w_p, b_p = ref.fit_penalised_intercept(X, y, C, s)
        gap = C * np.sum(s * (ref.predict_proba(X, w_p, b_p) - y))
        assert gap + b_p == pytest.approx(0.0, abs=1e-6) and abs(b_p) > 1e-3


def test_balanced_weights_are_scikit_learns():
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 50) + np.repeat([0, 2], 25)
    np.testing.assert_allclose(ref.balanced_sample_weight(y),
                               compute_sample_weight("balanced", y), rtol=1e-14)
    s = rng.uniform(0.1, 4.0, 50)
    classes, index = np.unique(y, return_inverse=True)
    per_class = compute_class_weight("balanced", classes=classes, y=y, sample_weight=s)
    np.testing.assert_allclose(ref.balanced_sample_weight(y, s), s * per_class[index],
                               rtol=1e-14)
    X, yb, _ = ref.breast_cancer()
    sk = LogisticRegression(C=1.0, class_weight="balanced", solver="newton-cholesky",
                            tol=1e-12).fit(X, yb)
    w, b = ref.fit_penalised(X, yb, 1.0, ref.balanced_sample_weight(yb))
    np.testing.assert_allclose(np.append(w, b), np.append(sk.coef_, sk.intercept_), atol=1e-7)


def test_soft_threshold_minimises_the_one_coordinate_problem():
    from scipy.optimize import minimize_scalar

    for u, a, lam in ((2.0, 1.0, 0.5), (-0.3, 2.0, 1.0), (-4.0, 0.5, 1.0), (0.7, 3.0, 2.1)):
        def f(v, u=u, a=a, lam=lam):
            return a / 2 * (v - u) ** 2 + lam * abs(v)

        best = minimize_scalar(f, bounds=(-10, 10), method="bounded",
                               options={"xatol": 1e-10}).x
        soft = float(ref.soft_threshold(u, lam / a))
        # Brent's answer is accurate to ~1e-8: compare places and objective values
        assert soft == pytest.approx(best, abs=1e-6) and f(soft) <= f(best) + 1e-12


def test_kkt_check_agrees_with_logreg_ref():
    import logreg_ref as lr

    w, g, lam1 = ref.breast_cancer_l1_fit()
    assert np.all(ref.l1_kkt_check(w, g, lam1))
    X, y, _ = ref.breast_cancer()
    objective = lr.BinaryObjective(X, y)
    model_b = lr.LogisticRegression(C=0.1, l1_ratio=1.0).fit(X, y).intercept_[0]
    assert lr.kkt_residual(objective, lam1, np.append(w, model_b)) <= 1e-8
    moved = w.copy()
    moved[np.flatnonzero(w == 0)[0]] = 0.05  # a zero made non-zero breaks its condition
    assert not ref.l1_kkt_check(moved, g, lam1)[np.flatnonzero(w == 0)[0]]


def test_folds_and_cross_validation_match_scikit_learn():
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import logreg_ref as lr

    for n, k in ((569, 5), (23, 5), (10, 10)):
        sk = [test for _, test in KFold(k).split(np.zeros(n))]
        assert all(np.array_equal(a, b) for a, b in
                   zip(ref.kfold_indices(n, k), sk, strict=True))
    X, y = ref.breast_cancer_raw()
    pipe = make_pipeline(StandardScaler(), lr.LogisticRegression(C=1.0, tol=1e-12))
    scores = cross_val_score(pipe, X, y, cv=KFold(5), scoring="neg_log_loss")
    assert ref.cv_log_loss(X, y, 1.0) == pytest.approx(-scores.mean(), rel=1e-8)


# --- 06-softmax: SciPy, scikit-learn, finite differences -------------------------------------
def test_softmax_family_matches_scipy():
    from scipy.special import log_softmax, logsumexp, softmax

    rng = np.random.default_rng(7)
    Z = np.vstack([rng.normal(scale=3.0, size=(50, 4)),
                   [[1000.0, 999.0, 0.0, -1000.0], [1e308, 1e308, 0.0, -5e307]]])
    np.testing.assert_allclose(ref.softmax(Z), softmax(Z, axis=1), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(ref.logsumexp(Z), logsumexp(Z, axis=1), rtol=1e-14)
    np.testing.assert_allclose(ref.log_softmax(Z), log_softmax(Z, axis=1), rtol=1e-13)


def test_multinomial_loss_gradient_and_hessian():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)
    W, b, s, C = rng.normal(size=(3, 3)), rng.normal(size=3), rng.uniform(0.2, 3, 40), 0.7
    Z = X @ W.T + b
    assert ref.multinomial_cross_entropy(y, Z, s) == pytest.approx(
        log_loss(y, ref.softmax(Z), sample_weight=s), rel=1e-12)
    theta = np.concatenate([W.ravel(), b])

    def loss(t):
        W_, b_ = t[:9].reshape(3, 3), t[9:]
        return ref.multinomial_cross_entropy(y, X @ W_.T + b_) + W_.ravel() @ W_.ravel() / (
            2 * C * len(y))

    def grad(t):
        g_W, g_b = ref.softmax_penalised_gradient(X, y, t[:9].reshape(3, 3), t[9:], C)
        return np.concatenate([g_W.ravel(), g_b])

    eye = np.eye(12) * 1e-6
    fd = np.array([(loss(theta + e) - loss(theta - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(grad(theta), fd, rtol=1e-6, atol=1e-9)
    g_W, g_b = ref.multinomial_gradient(X, y, W, b)
    np.testing.assert_allclose(np.concatenate([g_W.ravel(), g_b]),
                               fd - np.concatenate([W.ravel(), np.zeros(3)]) / (C * len(y)),
                               rtol=1e-6, atol=1e-9)
    fd_h = np.array([(grad(theta + e) - grad(theta - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(ref.softmax_penalised_hessian(X, W, b, C), fd_h, rtol=1e-6,
                               atol=1e-8)


def test_softmax_fit_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    for data, C in ((ref.iris_standardised(), 1.0), (ref.wine_standardised(), 0.1)):
        X, y = data
        W, b = ref.fit_softmax(X, y, C)
        sk = LogisticRegression(C=C, solver="newton-cg", tol=1e-12, max_iter=1000).fit(X, y)
        np.testing.assert_allclose(W, sk.coef_, atol=1e-7)
        np.testing.assert_allclose(b, sk.intercept_, atol=1e-7)
        np.testing.assert_allclose(W.sum(axis=0), 0.0, atol=1e-10)
        assert ref.predict_softmax(X, W, b).tolist() == sk.predict(X).tolist()


def test_two_class_softmax_is_the_sigmoid_of_a_difference():
    rng = np.random.default_rng(9)
    X, w, b = rng.normal(size=(30, 4)), rng.normal(size=4), 0.3
    W2, b2 = ref.softmax_from_binary(w, b)
    np.testing.assert_allclose(ref.predict_proba_softmax(X, W2, b2)[:, 1],
                               ref.predict_proba(X, w, b), rtol=1e-13)
    np.testing.assert_allclose(W2.sum(axis=0), 0.0, atol=1e-15)
    w_back, b_back = ref.binary_from_softmax(W2 + rng.normal(size=4), b2 + 2.0)  # any shift
    np.testing.assert_allclose(w_back, w, rtol=1e-13)
    assert b_back == pytest.approx(b, rel=1e-13)


# --- reading outputs -------------------------------------------------------------------------
class _AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class _Sub(np.ndarray):
    pass


@pytest.mark.parametrize("obj", [_AlwaysEqual(), np.zeros(3).view(_Sub),
                                 np.array([_AlwaysEqual()], dtype=object), (x for x in ())])
def test_sanitize_rejects_objects_it_cannot_read_safely(obj):
    assert isinstance(values.sanitize(obj), values.Other)


def test_sanitize_and_json_round_trip_keep_every_bit():
    out = values.sanitize((np.array([np.nan, -0.0, np.inf, 5e-324]), 1.5, np.float32(2.5),
                           [True, 3], None, np.arange(6, dtype=np.int32).reshape(2, 3)))
    back = values.from_json(values.to_json(out))
    a = back.items[0].array
    assert np.isnan(a[0]) and math.copysign(1.0, a[1]) == -1.0 and a[2] == np.inf
    assert a[3] == 5e-324
    assert back.items[1] == values.Num(1.5, "float")
    assert back.items[2].value == 2.5 and back.items[3].kind == "list"
    assert isinstance(back.items[4], values.NoneOut)
    assert back.items[5].array.dtype == np.int32 and back.items[5].array.shape == (2, 3)


def test_from_json_rejects_forged_arrays():
    good = values.to_json(values.sanitize(np.zeros(4)))
    with pytest.raises(ValueError):
        values.from_json({**good, "shape": [5]})
    with pytest.raises(ValueError):
        values.from_json({**good, "dtype": "|O"})


def test_exception_messages_are_read_without_running_learner_code():
    class Loud(ValueError):
        def __str__(self):
            raise RuntimeError("learner code ran")

        @property
        def args(self):
            raise RuntimeError("learner code ran")

    r = values.raised(Loud("boom"))
    assert r.is_a("ValueError") and r.message == "boom"


# --- detection -------------------------------------------------------------------------------
def _violations(src, name):
    ns = {}
    exec(src, ns)
    return static_violations(ns[name])


def test_static_analysis_names_forbidden_use():
    assert _violations("from scipy.special import expit\ndef f(z):\n    return expit(z)", "f")
    assert _violations("import logreg_ref as lr\ndef f(z):\n    return lr.sigmoid(z)", "f")
    assert _violations("from sklearn.linear_model import LogisticRegression\n"
                       "def f(X, y):\n    return LogisticRegression().fit(X, y)", "f")
    assert _violations("def f(z):\n    return _lrc_grader", "f")
    assert _violations("def f(z):\n    return f.__globals__", "f")
    assert _violations("def f(z):\n    import scipy.special\n    return z", "f")
    assert _violations("def g(z):\n    import logreg_ref\n    return z\n"
                       "def f(z):\n    return g(z)", "f")  # through a helper
    assert not _violations("import numpy as np\nimport math\n"
                           "def f(z):\n    return np.exp(z) + math.pi", "f")


def _call(src, name, *args, strict=False):
    ns = {"np": np}
    exec(src, ns)
    return call_learner(ns[name], Call(name, args, strict=strict), Monitor(Policy()))


def test_call_learner_silences_warnings_except_in_strict_mode():
    naive = "def s(z):\n    return 1 / (1 + np.exp(-z))"
    quiet = _call(naive, "s", np.array([-1000.0]))
    assert isinstance(quiet.value, values.Arr) and quiet.value.array[0] == 0.0
    strict = _call(naive, "s", np.array([-1000.0]), strict=True)
    assert isinstance(strict.value, values.Raised)
    assert strict.value.exc_type == "FloatingPointError"


def test_call_learner_records_calls_into_forbidden_packages():
    outcome = _call("import logreg_ref\ndef s(z):\n    return logreg_ref.sigmoid(z)", "s",
                    np.zeros(2))
    assert any("logreg_ref" in v for v in outcome.violations)
    outcome = _call("import sys\ndef s(z):\n    return sys._getframe(1).f_locals", "s", 0.0)
    assert any("_getframe" in v for v in outcome.violations)
    assert sys.getprofile() is None  # the profiler is off again


def test_call_learner_copies_inputs_and_reads_exact_types():
    z = np.arange(3.0)
    outcome = _call("def s(z):\n    z += 1\n    return [1.0, 2.0]", "s", z)
    assert np.array_equal(z, np.arange(3.0))  # the grader's copy is untouched
    assert isinstance(outcome.value, values.Seq)


def test_assert_close_fails_clearly_and_names_the_mistake():
    with pytest.raises(Fail, match="2 of 3 values are wrong"):
        assert_close([1.0, 2.0, 4.0], [1.0, 2.5, 3.0], "f(x)", rtol=1e-9)
    with pytest.raises(Fail, match="sum instead of the mean"):
        assert_close([3.0], [1.0], "loss", rtol=1e-9,
                     hints=[("you computed the sum instead of the mean", [3.0])])
    assert_close([1.0, np.nan, np.inf], [1.0 + 1e-13, np.nan, np.inf], "f", rtol=1e-12)


# --- the specs against the solutions and the mistakes, in-process -------------------------------
def _judge(aid, ns):
    """The checks that fail, judged in this process as the grading kernel judges them."""
    return set(judge_in_process(aid, ns))


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_specs_pass_the_solutions_in_process(aid):
    assert _judge(aid, namespace(aid)) == set()


@pytest.mark.parametrize(("aid", "case"), [(a, c) for a in ASSIGNMENTS for c in WRONG[a]],
                         ids=[f"{a}-{c.name}" for a in ASSIGNMENTS for c in WRONG[a]])
def test_specs_fail_each_mistake_exactly_where_intended(aid, case):
    assert _judge(aid, namespace(aid, case)) == set(case.fails)


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_check_is_deterministic_for_a_given_salt(aid):
    for check in get_spec(aid).checks.values():
        a, _ = check.build(Context(7))
        b, _ = check.build(Context(7))
        c, _ = check.build(Context(8))
        assert [values.to_json(values.sanitize(x.args)) for x in a] == \
            [values.to_json(values.sanitize(x.args)) for x in b]
        assert len(a) == len(c)


def test_attack_corpus_names_every_attack_of_the_brief():
    names = {c.name for cases in ATTACKS.values() for c in cases}
    assert names >= {"numpy_patch", "logreg_ref_patch", "shadow_module", "calls_logreg_ref",
                     "calls_scipy", "sklearn_fit", "eq_anything", "input_transformer",
                     "frame_reader", "globals_reader", "read_disk"}
