"""Multinomial LogisticRegression against scikit-learn run to convergence.

The truth is scikit-learn's newton-cholesky at tol=1e-10 (its multinomial Newton agrees with
an exact numpy Newton to 1e-13; its newton-cg stops early on nearly separable problems, see
reference-numerics §1.5). Coefficients must agree within 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import logreg_ref as lr

ATOL = 1e-6


def sklearn_truth(X, y, sample_weight=None, **params):
    return SkLogisticRegression(solver="newton-cholesky", tol=1e-10, max_iter=1000,
                                **params).fit(X, y, sample_weight=sample_weight)


def assert_same_fit(ours, theirs, atol=ATOL):
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=atol)


@pytest.fixture(scope="module")
def synthetic():
    # n_redundant=0: redundant columns would make the unpenalised MLE non-unique.
    X, y = make_classification(n_samples=800, n_features=12, n_informative=6, n_redundant=0,
                               n_classes=4, n_clusters_per_class=1, flip_y=0.1, random_state=0)
    return X, y


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_iris_wine_synthetic_across_C(iris, wine_standardised, synthetic, C):
    for X, y in (iris, wine_standardised, synthetic):
        assert_same_fit(lr.LogisticRegression(C=C).fit(X, y), sklearn_truth(X, y, C=C))


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_digits(digits_scaled, C):
    X, y = digits_scaled
    ours = lr.LogisticRegression(C=C).fit(X, y)
    assert_same_fit(ours, sklearn_truth(X, y, C=C))
    assert ours.coef_.shape == (10, 64)


def test_class_weight_and_sample_weight(wine_standardised, synthetic):
    for X, y in (wine_standardised, synthetic):
        s = np.random.default_rng(1).uniform(0, 2, size=len(y))
        for cw in ("balanced", {0: 2.0, 1: 1.0, 2: 0.5, 3: 1.5}):
            cw = cw if isinstance(cw, str) else {k: v for k, v in cw.items() if k in set(y)}
            ours = lr.LogisticRegression(C=0.5, class_weight=cw).fit(X, y, sample_weight=s)
            assert_same_fit(ours, sklearn_truth(X, y, s, C=0.5, class_weight=cw))


def test_no_intercept(synthetic):
    X, y = synthetic
    ours = lr.LogisticRegression(C=1.0, fit_intercept=False).fit(X, y)
    assert_same_fit(ours, sklearn_truth(X, y, C=1.0, fit_intercept=False))
    assert np.all(ours.intercept_ == 0.0)


def test_identifiability_sum_to_zero(iris, synthetic):
    """Symmetric parametrisation: coefficients and intercepts sum to zero over classes."""
    for model in (lr.LogisticRegression(C=1.0).fit(*iris),
                  lr.LogisticRegression(C=np.inf).fit(*synthetic)):
        np.testing.assert_allclose(model.coef_.sum(axis=0), 0.0, atol=1e-10)
        assert abs(model.intercept_.sum()) < 1e-10


def test_unpenalised_matches_sklearn_and_statsmodels(synthetic):
    import statsmodels.api as sm

    X, y = synthetic
    ours = lr.LogisticRegression(C=np.inf).fit(X, y)
    assert_same_fit(ours, sklearn_truth(X, y, C=np.inf))
    # statsmodels' MNLogit fixes class 0 at zero: its params are W_k - W_0.
    mn = sm.MNLogit(y, sm.add_constant(X, prepend=False)).fit(method="newton", disp=0,
                                                              maxiter=100, tol=1e-12)
    ours_baseline = np.column_stack([ours.coef_, ours.intercept_])
    ours_baseline = (ours_baseline[1:] - ours_baseline[0]).T
    np.testing.assert_allclose(ours_baseline, mn.params, rtol=1e-7, atol=1e-8)


def test_glmnet_three_class_values_from_sklearn_tests():
    X = np.array([[-4, -3, -2, -1, 0, 1, 2, 3, 4], [0, 0, 1, 0, 1, 1, 1, 0, 0]], float).T
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    model = lr.LogisticRegression(C=1 / len(y)).fit(X, y)
    # glmnet stops on its own criterion (thresh=1e-12 on the deviance change), which leaves
    # its multinomial values about 3e-8 from the exact optimum (reference-numerics §1.5).
    np.testing.assert_allclose(model.intercept_, [-0.12004759652, 2.251747383e-01,
                                                  -0.1051271418], rtol=0, atol=5e-8)
    np.testing.assert_allclose(model.coef_, [[-0.38023389305, -0.01226499932],
                                             [-8.164030176e-05, 4.734548012e-02],
                                             [0.3803155334, -0.0350804808]],
                               rtol=0, atol=5e-8)


def test_two_classes_are_not_a_two_class_softmax(iris):
    """Binary problems keep scikit-learn's (1, d) coefficients; a K=2 softmax with symmetric
    coefficients would give w/2 per class."""
    X, y = iris
    keep = y > 0
    model = lr.LogisticRegression().fit(X[keep], y[keep])
    assert model.coef_.shape == (1, 4)
    proba = model.predict_proba(X[keep])
    np.testing.assert_allclose(proba[:, 1], lr.sigmoid(model.decision_function(X[keep])))


def test_separable_multinomial_raises(iris):
    X, y = iris  # setosa is linearly separable from the other two
    with pytest.raises(lr.SeparationError):
        lr.LogisticRegression(C=np.inf).fit(X, y)


def test_multinomial_elastic_net_kkt(wine_standardised):
    X, y = wine_standardised
    C, rho = 0.1, 0.7
    model = lr.LogisticRegression(C=C, l1_ratio=rho).fit(X, y)
    S = len(y)
    obj = lr.MultinomialObjective(X, y, 3, l2=(1 - rho) / (C * S))
    theta = np.concatenate([model.coef_.ravel(), model.intercept_])
    assert lr.kkt_residual(obj, rho / (C * S), theta) <= 1e-9
    assert np.sum(model.coef_ == 0) > 0


def test_predict_proba_and_log_proba_consistent(digits_scaled):
    X, y = digits_scaled
    model = lr.LogisticRegression(C=1.0).fit(X[:500], y[:500])
    P = model.predict_proba(X[500:600])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(np.log(P), model.predict_log_proba(X[500:600]), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X[500:600]),
                                  model.classes_[np.argmax(P, axis=1)])


@parametrize_with_checks([lr.LogisticRegression(C=10.0, class_weight="balanced"),
                          lr.LogisticRegression(C=1.0, l1_ratio=1.0)])
def test_sklearn_estimator_checks_other_settings(estimator, check):
    """The checks (multiclass ones included) also pass weighted, and with the L1 penalty.
    (Unpenalised, C=np.inf, is not run here: most check data sets are separable, where the
    estimator rightly raises SeparationError.)"""
    check(estimator)
