"""LogisticRegression as a scikit-learn estimator: estimator checks, input errors, separation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import logreg_ref as lr
from tests.conftest import make_binary


@parametrize_with_checks([lr.LogisticRegression(), lr.LogisticRegression(class_weight="balanced"),
                          lr.LogisticRegression(C=0.3, l1_ratio=0.5)])
def test_sklearn_estimator_checks(estimator, check):
    """Every check, the sample-weight equivalence check included, with no expected failures."""
    check(estimator)


def test_works_in_pipeline_and_grid_search(breast_cancer):
    X, y = breast_cancer
    pipe = make_pipeline(StandardScaler(), lr.LogisticRegression())
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.95
    assert clone(lr.LogisticRegression(C=2.0)).get_params()["C"] == 2.0


@pytest.fixture
def data():
    return make_binary(40, 3, seed=0)


@pytest.mark.parametrize(("make_input", "message"), [
    (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 4, np.nan, X), y),
     "Input X contains NaN"),
    (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 4, np.inf, X), y),
     "Input X contains infinity"),
    (lambda X, y: (X[:, 0], y), "Expected 2D array, got 1D array"),
    (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
    (lambda X, y: (X, np.zeros_like(y)), "only one class"),
    (lambda X, y: (X.astype(str).astype(object) + "x", y), "could not convert string to float"),
    (lambda X, y: (X[:0], y[:0]), "0 sample"),
    (lambda X, y: (X, y + np.linspace(0, 0.5, len(y))), "Unknown label type"),
])
def test_bad_input_gets_a_message_naming_the_problem(data, make_input, message):
    X, y = make_input(*data)
    with pytest.raises(ValueError, match=message):
        lr.LogisticRegression().fit(X, y)


@pytest.mark.parametrize(("weights", "message"), [
    (lambda n: -np.ones(n), "sample_weight must be non-negative"),
    (lambda n: np.zeros(n), "at least one non-zero weight"),
    (lambda n: np.ones(n + 1), "sample_weight has 41 entries but X has 40 samples"),
    (lambda n: np.full(n, np.nan), "sample_weight contains NaN"),
])
def test_bad_sample_weight(data, weights, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        lr.LogisticRegression().fit(X, y, sample_weight=weights(len(y)))


@pytest.mark.parametrize(("params", "message"), [
    ({"C": 0.0}, "C must be a positive number"),
    ({"C": -1.0}, "C must be a positive number"),
    ({"l1_ratio": 1.5}, r"l1_ratio must be a number in \[0, 1\]"),
    ({"tol": -1.0}, "tol must be a non-negative number"),
    ({"max_iter": 0}, "max_iter must be an integer >= 1"),
    ({"solver": "lbfgs"}, "solver must be one of"),
    ({"class_weight": "auto"}, "class_weight must be None, 'balanced' or a dict"),
])
def test_bad_parameters(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        lr.LogisticRegression(**params).fit(X, y)


def test_predict_log_proba_is_exact_not_log_of_proba():
    X = np.array([[-1.0], [1.0], [-2.0], [2.5]])
    model = lr.LogisticRegression().fit(X, [0, 1, 1, 0])
    model.coef_[:] = 100.0
    model.intercept_[:] = 0.0
    logp = model.predict_log_proba(np.array([[9.0]]))  # z = 900
    assert logp[0, 0] == -900.0  # np.log(predict_proba) would give -inf
    proba = model.predict_proba(np.array([[0.4]]))  # z = 40: 1 - p keeps its digits
    assert proba[0, 0] == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert np.isfinite(model.predict_log_proba(X)).all()


def test_predict_tie_goes_to_first_class():
    model = lr.LogisticRegression().fit([[0.0], [1.0], [0.2], [0.9]], ["a", "b", "a", "b"])
    model.coef_[:] = 0.0
    model.intercept_[:] = 0.0
    assert model.predict([[3.0]])[0] == "a"  # z = 0 exactly: p = 0.5 is not > 0.5


class TestSeparation:
    def test_tiny_separable_data_raise(self):
        X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        with pytest.raises(lr.SeparationError, match="maximum-likelihood estimate does not"):
            lr.LogisticRegression(C=np.inf).fit(X, [0, 0, 1, 1])

    def test_quasi_complete_separation_raises(self):
        # Tied point at x = 0 in both classes: quasi-complete separation.
        X = np.array([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0]])
        with pytest.raises(lr.SeparationError) as info:
            lr.LogisticRegression(C=np.inf).fit(X, [0, 0, 0, 1, 1, 1])
        w, b = info.value.direction
        z = X[:, 0] * w + b
        q = np.array([-1, -1, -1, 1, 1, 1])
        assert np.all(q * z >= -1e-9) and np.any(q * z > 1e-6)

    def test_breast_cancer_and_iris_setosa_are_separable(self, breast_cancer, iris):
        X, y = breast_cancer
        with pytest.raises(lr.SeparationError):
            lr.LogisticRegression(C=np.inf).fit(X, y)
        Xi, yi = iris
        with pytest.raises(lr.SeparationError):
            lr.LogisticRegression(C=np.inf).fit(Xi, yi == 0)

    def test_non_separable_data_fit(self, spector, iris):
        X, y = spector
        lr.LogisticRegression(C=np.inf).fit(X, y)
        Xi, yi = iris
        vv = yi > 0
        lr.LogisticRegression(C=np.inf).fit(Xi[vv], yi[vv])

    def test_penalised_fit_on_separable_data_is_fine(self, breast_cancer_standardised):
        X, y = breast_cancer_standardised
        model = lr.LogisticRegression(C=1e4).fit(X, y)
        assert np.all(np.isfinite(model.coef_))

    def test_zero_weight_samples_do_not_count(self):
        X = np.array([[-2.0], [-1.0], [1.0], [2.0], [3.0]])
        y = np.array([0, 0, 1, 1, 0])
        lr.LogisticRegression(C=np.inf).fit(X, y)  # the last point breaks separation ...
        with pytest.raises(lr.SeparationError):  # ... unless it has no weight
            lr.LogisticRegression(C=np.inf).fit(X, y, sample_weight=[1, 1, 1, 1, 0])
