"""Tests for logreg_ref.interpret: Wald inference, odds ratios and marginal effects.

Truth comes from outside logreg_ref:

* statsmodels ``Logit`` (``bse``, ``tvalues``, ``pvalues``, ``conf_int``,
  ``cov_params`` and ``get_margeff``) with the constant appended last, so its
  parameters line up with ``[w, b]``;
* Stata 11's published spector results, as stored in statsmodels' test suite;
* finite differences for the delta-method Jacobian and the penalised Hessian.

statsmodels' Newton stops when max|change in params| < 1e-8; after quadratic
convergence its estimate is exact to ~1e-15 (measured), so the default fit is
the reference and ``RTOL_SM = 1e-7`` leaves a wide margin (measured worst case
2.6e-9, a p-value on iris).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import logreg_ref as lr
from logreg_ref import interpret
from logreg_ref.interpret import PenalisedInferenceWarning

RTOL_SM = 1e-7
AT_DUMMY = [("overall", False), ("overall", True), ("mean", False), ("mean", True)]


# --------------------------------------------------------------------------- data
def _spector():
    data = sm.datasets.spector.load()  # columns GPA, TUCE, PSI (PSI is 0/1)
    return np.asarray(data.exog, dtype=float), np.asarray(data.endog, dtype=float)


def _iris_versicolor_virginica(columns):
    iris = load_iris()
    keep = iris.target > 0  # not separable (unlike setosa vs rest)
    return iris.data[keep][:, columns], (iris.target[keep] == 2).astype(float)


def _synthetic():
    """400 rows: three continuous features (one not centred) and two 0/1 dummies."""
    rng = np.random.default_rng(0)
    n = 400
    C = rng.normal(size=(n, 3))
    D = rng.integers(0, 2, size=(n, 2)).astype(float)
    X = np.column_stack([C[:, 0], D[:, 0], C[:, 1], 2 * C[:, 2] + 1, D[:, 1]])
    z = X @ np.array([1.0, -0.8, 0.5, 0.3, 1.2]) - 0.7
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    return X, y


DATASETS = {
    "spector": _spector,
    "iris-4": lambda: _iris_versicolor_virginica([0, 1, 2, 3]),
    "iris-2": lambda: _iris_versicolor_virginica([0, 2]),
    "synthetic": _synthetic,
}


def _fit_both(X, y, fit_intercept=True, sample_weight=None, X_sm=None, y_sm=None):
    """Our unpenalised fit and statsmodels' Logit (constant last) on the same problem."""
    model = lr.LogisticRegression(C=np.inf, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=sample_weight)
    X_sm = X if X_sm is None else X_sm
    y_sm = y if y_sm is None else y_sm
    exog = sm.add_constant(X_sm, prepend=False, has_constant="add") if fit_intercept else X_sm
    result = sm.Logit(y_sm, exog).fit(disp=0)
    assert result.mle_retvals["converged"]
    return model, result


def _check_against_statsmodels(model, result, X, sample_weight=None):
    for alpha in (0.05, 0.1, 0.01):
        table = interpret.coef_table(model, X, sample_weight=sample_weight, alpha=alpha)
        assert_allclose(table.coef, result.params, rtol=RTOL_SM)
        assert_allclose(table.cov, result.cov_params(), rtol=RTOL_SM)
        assert_allclose(table.std_err, result.bse, rtol=RTOL_SM)
        assert_allclose(table.z, result.tvalues, rtol=RTOL_SM)
        assert_allclose(table.p_value, result.pvalues, rtol=RTOL_SM)
        assert_allclose(table.conf_int, result.conf_int(alpha), rtol=RTOL_SM)
        assert_allclose(table.odds_ratio, np.exp(result.params), rtol=RTOL_SM)
        assert_allclose(table.odds_ratio_conf_int, np.exp(result.conf_int(alpha)), rtol=RTOL_SM)
    for at, dummy in AT_DUMMY:
        ours = interpret.marginal_effects(model, X, at=at, dummy=dummy,
                                          sample_weight=sample_weight)
        theirs = result.get_margeff(at=at, dummy=dummy)
        expected_dummies = [] if theirs.dummy_idx is None else list(theirs.dummy_idx)
        assert list(np.flatnonzero(ours.discrete)) == expected_dummies
        assert_allclose(ours.effect, theirs.margeff, rtol=RTOL_SM)
        assert_allclose(ours.std_err, theirs.margeff_se, rtol=RTOL_SM)
        assert_allclose(ours.cov, theirs.margeff_cov, rtol=RTOL_SM)
        assert_allclose(ours.z, theirs.tvalues, rtol=RTOL_SM)
        assert_allclose(ours.p_value, theirs.pvalues, rtol=RTOL_SM)
        assert_allclose(ours.conf_int, theirs.conf_int(), rtol=RTOL_SM)


# ------------------------------------------------------------- statsmodels agreement
@pytest.mark.parametrize("name", list(DATASETS))
def test_matches_statsmodels_logit(name):
    X, y = DATASETS[name]()
    model, result = _fit_both(X, y)
    _check_against_statsmodels(model, result, X)


def test_matches_statsmodels_without_intercept():
    X, y = _synthetic()
    model, result = _fit_both(X, y, fit_intercept=False)
    assert interpret.coef_table(model, X).names == ("x0", "x1", "x2", "x3", "x4")
    _check_against_statsmodels(model, result, X)


def test_integer_weights_equal_repeated_rows():
    """Weights are frequency weights: weight k is the row repeated k times (0 drops it)."""
    X, y = _synthetic()
    weights = np.random.default_rng(1).integers(0, 4, size=len(y))
    # a row of weight 0 must not stop the 0/1 column x1 from counting as a dummy
    X[np.flatnonzero(weights == 0)[0], 1] = 0.5
    model, result = _fit_both(X, y, sample_weight=weights, X_sm=np.repeat(X, weights, axis=0),
                              y_sm=np.repeat(y, weights))
    _check_against_statsmodels(model, result, X, sample_weight=weights)


def test_spector_dummy_detection_and_names():
    X, y = _spector()
    model = lr.LogisticRegression(C=np.inf).fit(X, y)
    effects = interpret.marginal_effects(model, X, dummy=True)
    assert effects.discrete.tolist() == [False, False, True]  # PSI only
    assert not interpret.marginal_effects(model, X).discrete.any()
    assert effects.names == ("x0", "x1", "x2")
    assert interpret.coef_table(model, X).names == ("x0", "x1", "x2", "intercept")


def test_feature_names_from_dataframe():
    data = sm.datasets.spector.load_pandas()
    model = lr.LogisticRegression(C=np.inf).fit(data.exog, data.endog)
    table = interpret.coef_table(model, data.exog)
    assert table.names == ("GPA", "TUCE", "PSI", "intercept")
    summary = table.summary()
    lines = summary.splitlines()
    assert len(lines) == 3 + 4  # title, header, rule, one row per parameter
    for name, line, coef, odds in zip(table.names, lines[3:], table.coef, table.odds_ratio,
                                      strict=True):
        assert line.split()[0] == name
        assert float(line.split()[1]) == pytest.approx(coef, rel=1e-3)
        assert float(line.split()[7]) == pytest.approx(odds, rel=1e-3)


# --------------------------------------------------------------------- Stata (spector)
# Stata 11 output for `logit grade gpa tuce psi` and `margins`, as stored in statsmodels'
# statsmodels/discrete/tests/results/results_discrete.py (class Spector, logit), kept as the
# printed strings: the number of decimals printed sets the rounding allowance below.
STATA = {
    "params": ["2.82611297201", ".0951576702557", "2.37868772835", "-13.0213483201"],
    "bse": ["1.26294114526", ".141554207662", "1.06456430165", "4.93132462871"],
    "z": ["2.237723415", "0.6722348408", "2.234423721", "-2.640537645"],
    "pvalues": [".0252390974", ".5014342039", ".0254552063", ".0082774596"],
    "conf_int": [[".3507938", "5.301432"], ["-.1822835", ".3725988"], [".29218", "4.465195"],
                 ["-22.68657", "-3.35613"]],
    ("overall", False): [".36258084688424", ".01220841099085", ".30517768382304"],
    ("overall", False, "se"): [".1094412", ".0177942", ".0923796"],
    ("mean", False): [".53385885781692", ".01797548988961", ".44933926079386"],
    ("mean", False, "se"): [".237038", ".0262369", ".1967626"],
    ("overall", True): [".36258084688424", ".01220841099085", ".35751515254729"],
    ("overall", True, "se"): [".1094412", ".0177942", ".1420034"],
    ("mean", True): [".53385885781692", ".01797548988961", ".4564984096959"],
    ("mean", True, "se"): [".237038", ".0262369", ".1810537"],
}
# Stata stopped its Newton iterations slightly early: its parameters differ from the converged
# MLE by up to 1.5e-6 absolute (1.3e-7 relative, measured), which propagates to ~7e-7 in the
# printed intervals. On top of RTOL_STATA each value may be off by half a unit in its last
# printed digit (5e-8 on the 7-decimal ".0177942", i.e. 2.8e-6 relative).
RTOL_STATA = 2e-6


def _assert_close_to_printed(actual, printed):
    printed = np.asarray(printed)
    expected = np.vectorize(float)(printed)
    decimals = np.vectorize(lambda s: len(s.split(".")[1]))(printed)
    rounding = 0.5 * 10.0 ** (-decimals.astype(float))
    bound = RTOL_STATA * np.abs(expected) + rounding
    assert np.all(np.abs(actual - expected) <= bound), (actual, expected)


@pytest.fixture(scope="module")
def spector_model():
    X, y = _spector()
    return lr.LogisticRegression(C=np.inf).fit(X, y), X


def test_spector_coefficients_match_stata(spector_model):
    model, X = spector_model
    table = interpret.coef_table(model, X)
    _assert_close_to_printed(table.coef, STATA["params"])
    _assert_close_to_printed(table.std_err, STATA["bse"])
    _assert_close_to_printed(table.z, STATA["z"])
    _assert_close_to_printed(table.p_value, STATA["pvalues"])
    _assert_close_to_printed(table.conf_int, STATA["conf_int"])


@pytest.mark.parametrize(("at", "dummy"), AT_DUMMY)
def test_spector_marginal_effects_match_stata(spector_model, at, dummy):
    model, X = spector_model
    effects = interpret.marginal_effects(model, X, at=at, dummy=dummy)
    _assert_close_to_printed(effects.effect, STATA[at, dummy])
    _assert_close_to_printed(effects.std_err, STATA[at, dummy, "se"])


# ----------------------------------------------------------- hand derivations, finite diffs
def test_marginal_effects_by_hand(spector_model):
    """AME = mean p(1-p) w_j; MEM uses p at the mean row; discrete change = p(x_j=1) - p(x_j=0)."""
    model, X = spector_model
    w, b = model.coef_[0], model.intercept_[0]
    p = 1 / (1 + np.exp(-(X @ w + b)))
    assert_allclose(interpret.marginal_effects(model, X).effect, np.mean(p * (1 - p)) * w,
                    rtol=1e-13)
    p_bar = 1 / (1 + np.exp(-(X.mean(0) @ w + b)))
    assert_allclose(interpret.marginal_effects(model, X, at="mean").effect,
                    p_bar * (1 - p_bar) * w, rtol=1e-13)
    X1, X0 = X.copy(), X.copy()
    X1[:, 2], X0[:, 2] = 1, 0
    change = np.mean(1 / (1 + np.exp(-(X1 @ w + b))) - 1 / (1 + np.exp(-(X0 @ w + b))))
    assert_allclose(interpret.marginal_effects(model, X, dummy=True).effect[2], change,
                    rtol=1e-13)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("at", "dummy"), AT_DUMMY)
def test_delta_method_jacobian_matches_finite_differences(at, dummy, weighted):
    X, y = _synthetic()
    weights = np.random.default_rng(2).uniform(0.2, 3, size=len(y)) if weighted else None
    model = lr.LogisticRegression(C=np.inf).fit(X, y, sample_weight=weights)
    effects = interpret.marginal_effects(model, X, at=at, dummy=dummy, sample_weight=weights)
    theta = np.append(model.coef_[0], model.intercept_[0])

    def effect_at(t):
        moved = copy.deepcopy(model)
        moved.coef_, moved.intercept_ = t[None, :-1], t[-1:]
        return interpret.marginal_effects(moved, X, at=at, dummy=dummy,
                                          sample_weight=weights).effect

    step = 1e-6
    numeric = np.column_stack([
        (effect_at(theta + step * e) - effect_at(theta - step * e)) / (2 * step)
        for e in np.eye(theta.size)])
    assert_allclose(effects.jacobian, numeric, rtol=1e-6, atol=1e-9)
    assert_allclose(effects.cov, effects.jacobian @ interpret.covariance(
        model, X, sample_weight=weights) @ effects.jacobian.T, rtol=1e-12)


def test_exact_normal_quantile(spector_model):
    model, X = spector_model
    table = interpret.coef_table(model, X)
    q = (table.conf_int[:, 1] - table.coef) / table.std_err
    assert_allclose(q, 1.959963984540054, rtol=1e-14)  # Phi^{-1}(0.975)
    assert_allclose(table.odds_ratio_conf_int,
                    np.exp(table.coef[:, None] + np.outer(table.std_err, [-q[0], q[0]])),
                    rtol=1e-13)


# --------------------------------------------------------------------- penalised fits
def test_penalised_fit_warns_and_uses_penalised_hessian():
    X, y = _synthetic()
    C = 0.05
    model = lr.LogisticRegression(C=C).fit(X, y)
    with pytest.warns(PenalisedInferenceWarning, match="penalised"):
        table = interpret.coef_table(model, X)
    assert table.penalised
    assert "PENALISED" in table.summary()

    # Hessian of sum_i l_i + ||w||^2 / (2C) by central differences of its gradient
    Xt = np.column_stack([X, np.ones(len(y))])

    def gradient(theta):
        p = 1 / (1 + np.exp(-(Xt @ theta)))
        return Xt.T @ (p - y) + np.append(theta[:-1] / C, 0.0)

    theta = np.append(model.coef_[0], model.intercept_[0])
    step = 1e-5
    hessian = np.column_stack([(gradient(theta + step * e) - gradient(theta - step * e))
                               / (2 * step) for e in np.eye(theta.size)])
    assert_allclose(np.linalg.inv(hessian), table.cov, rtol=1e-6)

    with pytest.warns(PenalisedInferenceWarning):
        effects = interpret.marginal_effects(model, X)
    assert effects.penalised
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at C=inf
        assert not interpret.coef_table(lr.LogisticRegression(C=np.inf).fit(X, y), X).penalised


def test_l1_penalty_raises():
    X, y = _synthetic()
    model = lr.LogisticRegression(C=0.1, l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match="elastic-net"):
        interpret.coef_table(model, X)


# --------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def fitted():
    X, y = _synthetic()
    return lr.LogisticRegression(C=np.inf).fit(X, y), X, y


def test_unfitted_model_raises():
    X, _ = _synthetic()
    with pytest.raises(ValueError, match="not fitted"):
        interpret.coef_table(lr.LogisticRegression(C=np.inf), X)


def test_multiclass_model_raises(iris):
    X, y = iris
    multiclass = lr.LogisticRegression(C=1.0).fit(X, y)
    with pytest.raises(ValueError, match="binary models only; this model has 3 classes"):
        interpret.marginal_effects(multiclass, X)


def test_other_estimators_rejected(fitted):
    _, X, y = fitted
    sk_model = SkLogisticRegression(C=np.inf).fit(X, y)
    with pytest.raises(ValueError, match=r"logreg_ref\.LogisticRegression"):
        interpret.covariance(sk_model, X)


def test_class_weight_rejected(fitted):
    _, X, y = fitted
    model = lr.LogisticRegression(C=np.inf, class_weight="balanced").fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        interpret.coef_table(model, X)


@pytest.mark.parametrize(("transform", "message"), [
    (lambda X: X[:, :3], "X has 3 features, but the model was fitted with 5"),
    (lambda X: np.column_stack([X, X[:, 0]]), "X has 6 features"),
    (lambda X: X[:, 0], "2-D"),
    (lambda X: X[:0], "no samples"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), "NaN"),
])
def test_bad_X_raises(fitted, transform, message):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=message):
        interpret.coef_table(model, transform(X))


@pytest.mark.parametrize(("weights", "message"), [
    (np.ones(10), r"sample_weight must have shape \(400,\)"),
    (-np.ones(400), "non-negative"),
    (np.zeros(400), "positive weight"),
    (np.full(400, np.nan), "NaN"),
])
def test_bad_sample_weight_raises(fitted, weights, message):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=message):
        interpret.marginal_effects(model, X, sample_weight=weights)


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1, True, "0.05"])
def test_bad_alpha_raises(fitted, alpha):
    model, X, _ = fitted
    with pytest.raises(ValueError, match="alpha must be a number in"):
        interpret.coef_table(model, X, alpha=alpha)


@pytest.mark.parametrize("at", ["median", "zero", "all", None])
def test_bad_at_raises(fitted, at):
    model, X, _ = fitted
    with pytest.raises(ValueError, match="at must be one of"):
        interpret.marginal_effects(model, X, at=at)


def test_collinear_features_raise():
    X, y = _synthetic()
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 2]])
    with pytest.warns(lr.RankDeficientWarning):
        model = lr.LogisticRegression(C=np.inf).fit(X, y)
    with pytest.raises(ValueError, match="has rank 6 < 7 parameters"):
        interpret.covariance(model, X)
