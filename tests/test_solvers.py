"""Solvers: Newton converges fast and survives singular Hessians; GD teaches; L1 is KKT-exact."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import logreg_ref as lr
from tests.conftest import make_binary


def gradient_max(X, y, theta, C=np.inf, s=None):
    s = np.ones(len(y)) if s is None else s
    l2 = 0.0 if np.isinf(C) else 1.0 / (C * s.sum())
    return np.abs(lr.BinaryObjective(X, y, s, l2).gradient(theta)).max()


@pytest.mark.parametrize("C", [np.inf, 1.0, 1e-2])
def test_newton_reaches_1e_10_in_a_handful_of_iterations(spector, breast_cancer, C):
    X, y = spector if np.isinf(C) else breast_cancer
    res = lr.newton(X, y, C=C, tol=1e-10)
    assert res.converged and res.n_iter <= 12
    assert gradient_max(X, y, res.theta, C) <= 1e-10
    # Newton with line search never increases the objective.
    assert np.all(np.diff(res.loss_history) <= 1e-15)
    assert len(res.loss_history) == res.n_iter + 1


def test_newton_quadratic_convergence(spector):
    """Near the optimum the gradient norm roughly squares at each step."""
    X, y = spector
    obj = lr.BinaryObjective(X, y)
    final = lr.newton(X, y).theta
    norms = [np.abs(obj.gradient(lr.newton(X, y, max_iter=k, tol=0).theta)).max()
             for k in range(1, 7)]
    assert norms[-1] < 1e-12
    late = [(a, b) for a, b in itertools.pairwise(norms) if 1e-14 < b < a < 1e-2]
    assert late and all(b <= 10 * a**2 + 1e-15 for a, b in late)
    np.testing.assert_allclose(lr.newton(X, y, max_iter=6, tol=0).theta, final, atol=1e-12)


def test_newton_survives_singular_hessian_collinear_columns(spector):
    """Duplicated column at C=inf: the Hessian is singular; the fit still converges and the
    sum of the two duplicated coefficients equals the coefficient of the original."""
    X, y = spector
    X2 = np.column_stack([X, X[:, 0]])
    res = lr.newton(X2, y, tol=1e-10)
    assert res.converged
    base = lr.newton(X, y).theta
    assert res.theta[0] + res.theta[3] == pytest.approx(base[0], rel=1e-8)
    with pytest.warns(lr.RankDeficientWarning, match="rank 4 < 5"):
        lr.LogisticRegression(C=np.inf).fit(X2, y)


def test_newton_survives_wide_ill_conditioned_problem():
    """d > n with a huge C (sklearn's fallback test): the Hessian is numerically singular."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 20))
    y = np.array([0, 1] * 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no numpy warnings
        model = lr.LogisticRegression(C=1e30, max_iter=200).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    assert (model.predict(X) == y).all()


def test_gradient_descent_history_decreases_and_reaches_newton(breast_cancer_standardised):
    X, y = breast_cancer_standardised
    X = X[:, :5]  # radius, texture, perimeter, area, smoothness: strongly correlated
    # Coefficient error <= gradient / smallest Hessian eigenvalue, so a tight tol is needed.
    gd = lr.gradient_descent(X, y, C=1.0, tol=1e-9, max_iter=20000)
    assert gd.converged
    # Step 1/L guarantees monotone decrease (up to rounding once converged).
    assert np.all(np.diff(gd.loss_history) <= 4 * np.finfo(float).eps * gd.loss_history[1:])
    nt = lr.newton(X, y, C=1.0)
    np.testing.assert_allclose(gd.theta, nt.theta, atol=1e-6)
    assert gd.n_iter > 50 * nt.n_iter  # the lesson: first order is slow


def test_gradient_descent_stalls_on_raw_features(breast_cancer):
    """Unscaled features: 1/L is tiny for the small-scale directions, so GD crawls."""
    X, y = breast_cancer
    gd = lr.gradient_descent(X[:, :5], y, C=1.0, max_iter=500)
    assert not gd.converged
    assert gd.loss_history[-1] < gd.loss_history[0]


def kkt_ok(objective, l1, theta, atol):
    return lr.kkt_residual(objective, l1, theta) <= atol


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.15])
@pytest.mark.parametrize("C", [0.05, 0.5])
def test_elastic_net_satisfies_kkt_and_matches_saga(breast_cancer_standardised, l1_ratio, C):
    X, y = breast_cancer_standardised
    ours = lr.LogisticRegression(C=C, l1_ratio=l1_ratio).fit(X, y)
    S = len(y)
    obj = lr.BinaryObjective(X, y, l2=(1 - l1_ratio) / (C * S))
    theta = np.append(ours.coef_[0], ours.intercept_)
    assert kkt_ok(obj, l1_ratio / (C * S), theta, 1e-9)
    assert np.sum(ours.coef_ == 0) > 0  # exact zeros, not tiny numbers
    saga = SkLogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12,
                                max_iter=100000).fit(X, y)

    def sk_objective(coef, intercept):  # scikit-learn's documented C * sum form
        z = X @ coef + intercept
        return (C * np.sum(lr.softplus(z) - y * z) + l1_ratio * np.abs(coef).sum()
                + (1 - l1_ratio) / 2 * coef @ coef)

    f_ours = sk_objective(ours.coef_[0], ours.intercept_[0])
    f_saga = sk_objective(saga.coef_[0], saga.intercept_[0])
    assert f_ours <= f_saga + 1e-9 * abs(f_saga)  # never worse than saga
    np.testing.assert_allclose(ours.coef_, saga.coef_, atol=1e-6)


def test_l1_matches_statsmodels_spector_reference(spector):
    """statsmodels fit_regularized(alpha=3, constant unpenalised) <=> C = 1/3, l1_ratio = 1."""
    X, y = spector
    model = lr.LogisticRegression(C=1 / 3, l1_ratio=1.0).fit(X, y)
    # statsmodels' stored reference (results_discrete.py, Spector L1): const, GPA, TUCE, PSI
    reference = np.array([-4.10271595, 0.0, 0.15493781, 0.0])
    ours = np.array([model.intercept_[0], *model.coef_[0]])
    assert ours[1] == 0.0 and ours[3] == 0.0
    # The optimum is flat (objective equal to 1.6e-11): parameters agree to ~1.3e-5.
    np.testing.assert_allclose(ours, reference, atol=5e-5)

    def objective(params):
        z = X @ params[1:] + params[0]
        return np.sum(lr.softplus(z) - y * z) + 3 * np.abs(params[1:]).sum()

    assert objective(ours) <= objective(reference) + 1e-9


def test_l1_with_huge_C_reduces_to_unpenalised(spector):
    X, y = spector
    l1 = lr.LogisticRegression(C=1e12, l1_ratio=1.0).fit(X, y)
    mle = lr.LogisticRegression(C=np.inf).fit(X, y)
    np.testing.assert_allclose(l1.coef_, mle.coef_, rtol=1e-6)


def test_newton_solver_refuses_l1():
    X, y = make_binary(50, 2, seed=0)
    with pytest.raises(ValueError, match="solver='newton' handles only the L2"):
        lr.LogisticRegression(l1_ratio=0.5, solver="newton").fit(X, y)
