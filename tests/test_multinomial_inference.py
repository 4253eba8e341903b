"""Tests for multinomial inference in logreg_ref.interpret: coefficients against a base class.

Truth comes from outside logreg_ref:

* Stata 11's ``mlogit`` on statsmodels' anes96 data with base outcome 0, as stored in
  statsmodels' test suite (``statsmodels/discrete/tests/results/results_discrete.py``,
  ``Anes.mnlogit_basezero``) and kept here as the printed strings;
* statsmodels ``MNLogit`` fitted in the same run, with the constant appended last (its base
  is always its first class, so other bases are checked by relabelling y);
* exact identities: a change of base is a linear map of the parameters, a binary model is
  the two-class softmax model, integer weights are repeated rows;
* the inverse of the full softmax Hessian (``logreg_ref.multinomial_cross_entropy_hessian``,
  separate code) and finite differences of a gradient written here (penalised fits).

Layout: ``table.coef[k, j]`` is class ``table.classes[k]`` against ``table.base`` for
feature j, the intercept last; statsmodels' ``params`` is its transpose and Stata's
``e(b)`` its ravel (equation by equation, ``_cons`` last in each).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.datasets import load_wine

import logreg_ref as lr
from logreg_ref import interpret
from logreg_ref.interpret import PenalisedInferenceWarning

# statsmodels' Newton stops at max|change in params| < 1e-8, after quadratic convergence:
# measured agreement 3e-12 (relative, worst over params, bse, z, p-values, intervals, cov).
RTOL_SM = 1e-9

# --------------------------------------------------------------------- Stata (anes96)
# Stata 11, `mlogit PID logpopul selfLR age educ income, baseoutcome(0)` on anes96 (944
# voters, party identification 0-6), from statsmodels' results_discrete.py. One string per
# equation (outcome 1, ..., 6), in the order logpopul selfLR age educ income _cons; the
# intervals as lower upper pairs.
STATA_ANES = {
    "params": [
        "-.01153598 .29771435 -.024945 .08249144 .00519655 -.37340167",
        "-.08875065 .39166864 -.02289784 .18104276 .04787398 -2.2509132",
        "-.1059667 .57345051 -.01485121 -.00715242 .05757516 -3.6655835",
        "-.0915567 1.2787718 -.00868135 .19982796 .08449838 -7.6138431",
        "-.0932846 1.3469616 -.01790407 .21693885 .08095841 -7.0604782",
        "-.14088069 2.0700801 -.00943265 .3219257 .10889408 -12.105751",
    ],
    "bse": [
        ".0342823657 .093626795 .0065248584 .0735865799 .0176336937 .6298376313",
        ".0391615553 .1082386919 .0079144618 .0852893563 .0222809297 .7631899491",
        ".0570382292 .1585481337 .0113313133 .1262913234 .0336142088 1.156541492",
        ".0437902764 .1288965854 .0084187486 .0941250559 .0261963632 .9575809602",
        ".0393516553 .1171860107 .0076110152 .0850070091 .0229760791 .8443638283",
        ".042138047 .1434089089 .0081338625 .0910979921 .025300888 1.059954821",
    ],
    "z": [
        "-.3364988051 3.179798597 -3.823070772 1.121012042 .2946945327 -.5928538661",
        "-2.266269864 3.618564069 -2.893164162 2.122688754 2.148652536 -2.949348555",
        "-1.857818873 3.616885888 -1.310634214 -.0566342868 1.712822091 -3.169435381",
        "-2.090799808 9.920912816 -1.031191864 2.123004903 3.225576554 -7.951122047",
        "-2.370538224 11.49421878 -2.352389066 2.552011323 3.523595639 -8.361890935",
        "-3.34331327 14.43480847 -1.159676452 3.533839715 4.303962885 -11.42100649",
    ],
    "pvalues": [
        "0.7364947525 0.0014737744 0.0001317999 0.2622827367 0.7682272401 0.5532789548",
        "0.0234348654 0.0002962422 0.0038138191 0.0337799420 0.0316619538 0.0031844460",
        "0.0631947400 0.0002981687 0.1899813744 0.9548365214 0.0867452747 0.0015273542",
        "0.0365460134 3.37654e-23 0.3024508550 0.0337534410 0.0012571921 1.84830e-15",
        "0.0177622072 1.41051e-30 0.0186532528 0.0107103038 0.0004257334 6.17209e-17",
        "0.0008278439 3.12513e-47 0.2461805610 0.0004095694 0.0000167770 3.28408e-30",
    ],
    "conf_int": [
        "-0.0787282 0.0556562 0.1142092 0.4812195 -0.0377335 -0.0121565"
        " -0.0617356 0.2267185 -0.0293649 0.0397580 -1.6078610 0.8610574",
        "-0.1655059 -0.0119954 0.1795247 0.6038126 -0.0384099 -0.0073858"
        " 0.0138787 0.3482068 0.0042042 0.0915438 -3.7467380 -0.7550884",
        "-0.2177596 0.0058262 0.2627019 0.8841991 -0.0370602 0.0073578"
        " -0.2546789 0.2403740 -0.0083075 0.1234578 -5.9323630 -1.3988040",
        "-0.1773841 -0.0057293 1.0261390 1.5314040 -0.0251818 0.0078191"
        " 0.0153462 0.3843097 0.0331544 0.1358423 -9.4906670 -5.7370190",
        "-0.1704124 -0.0161568 1.1172810 1.5766420 -0.0328214 -0.0029868"
        " 0.0503282 0.3835495 0.0359261 0.1259907 -8.7154010 -5.4055560",
        "-0.2234697 -0.0582916 1.7890040 2.3511560 -0.0253747 0.0065094"
        " 0.1433769 0.5004745 0.0593053 0.1584829 -14.1832200 -10.0282800",
    ],
}
# Beyond the rounding of the print, Stata's values differ from the converged MLE by at most
# 4.9e-8 relative (measured: the z of logpopul for outcome 1), so 1e-7 leaves a margin of 2.
RTOL_STATA = 1e-7
ANES_NAMES = ("logpopul", "selfLR", "age", "educ", "income", "intercept")


def _stata(key):
    strings = np.array([row.split() for row in STATA_ANES[key]])
    return strings.reshape(6, 6, 2) if key == "conf_int" else strings


def _rounding(printed):
    """Half a unit in the last printed digit of a number printed as `printed`.

    Trailing zeros do not count as printed: statsmodels' file pads some of Stata's interval
    bounds, printed to 7 significant digits, with zeros (-14.1832200 is Stata's -14.18322).
    """
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.split(".")[1].rstrip("0")) if "." in mantissa else 0
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def _assert_close_to_printed(actual, printed):
    expected = np.vectorize(float)(printed)
    bound = RTOL_STATA * np.abs(expected) + np.vectorize(_rounding)(printed)
    excess = np.abs(actual - expected) - bound
    assert np.all(excess <= 0), (np.unravel_index(np.argmax(excess), excess.shape),
                                 actual, expected)


@pytest.fixture(scope="module")
def anes():
    """anes96 with column names; our unpenalised fit and statsmodels' MNLogit (newton)."""
    data = sm.datasets.anes96.load_pandas()
    X, y = data.exog, data.endog  # y: PID as floats 0.0 ... 6.0
    model = lr.LogisticRegression(C=np.inf).fit(X, y)
    result = sm.MNLogit(y.to_numpy(), sm.add_constant(X.to_numpy(), prepend=False)).fit(
        disp=0, method="newton")
    assert result.mle_retvals["converged"]
    return X.to_numpy(), y.to_numpy(), model, result


def test_anes96_matches_stata_to_the_printed_digits(anes):
    X, _, model, _ = anes
    table = interpret.coef_table(model, X)
    assert table.base == 0.0 and table.classes == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    _assert_close_to_printed(table.coef, _stata("params"))
    _assert_close_to_printed(table.std_err, _stata("bse"))
    _assert_close_to_printed(table.z, _stata("z"))
    _assert_close_to_printed(table.p_value, _stata("pvalues"))
    _assert_close_to_printed(table.conf_int, _stata("conf_int"))


def test_stata_strings_are_those_stored_in_statsmodels():
    """Guards the transcription above (skipped if statsmodels ships without its tests)."""
    results = pytest.importorskip("statsmodels.discrete.tests.results.results_discrete")
    stored = results.Anes.mnlogit_basezero
    for key, value in [("params", stored.params.T), ("bse", stored.bse.T), ("z", stored.z.T),
                       ("pvalues", stored.pvalues.T), ("conf_int", stored.conf_int)]:
        assert_array_equal(np.vectorize(float)(_stata(key)), value, err_msg=key)


def test_anes96_names_and_summary():
    data = sm.datasets.anes96.load_pandas()
    model = lr.LogisticRegression(C=np.inf).fit(data.exog, data.endog)
    table = interpret.coef_table(model, data.exog)
    assert table.names == ANES_NAMES
    lines = table.summary().splitlines()
    assert "base class 0.0" in lines[0] and "Wald" in lines[0]
    assert len(lines) == 3 + 6 * (1 + 6)  # title, header, rule; per class a heading + 6 rows
    for k, label in enumerate(table.classes):
        block = lines[3 + 7 * k: 3 + 7 * (k + 1)]
        assert block[0] == f"class {label}"
        for j, line in enumerate(block[1:]):
            fields = line.split()
            assert fields[0] == ANES_NAMES[j]
            assert float(fields[1]) == pytest.approx(table.coef[k, j], rel=1e-3)
            assert float(fields[7]) == pytest.approx(table.relative_risk_ratio[k, j], rel=1e-3)


# ------------------------------------------------------------- statsmodels agreement
def _check_against_mnlogit(table, result, alpha):
    assert_allclose(table.coef, result.params.T, rtol=RTOL_SM)
    assert_allclose(table.std_err, result.bse.T, rtol=RTOL_SM)
    assert_allclose(table.z, result.tvalues.T, rtol=RTOL_SM)
    assert_allclose(table.p_value, result.pvalues.T, rtol=RTOL_SM)
    assert_allclose(table.conf_int, result.conf_int(alpha), rtol=RTOL_SM)
    assert_allclose(table.cov, result.cov_params(), rtol=RTOL_SM,
                    atol=RTOL_SM * np.abs(result.cov_params()).max())
    assert_allclose(table.relative_risk_ratio, np.exp(result.params.T), rtol=RTOL_SM)
    assert_allclose(table.relative_risk_ratio_conf_int, np.exp(result.conf_int(alpha)),
                    rtol=RTOL_SM)


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_anes96_matches_statsmodels(anes, alpha):
    X, _, model, result = anes
    _check_against_mnlogit(interpret.coef_table(model, X, alpha=alpha), result, alpha)
    assert_array_equal(interpret.covariance(model, X), interpret.coef_table(model, X).cov)


@pytest.mark.parametrize("base", [3.0, 6.0])
def test_other_base_matches_statsmodels_on_relabelled_classes(anes, base):
    """statsmodels' base is its smallest class: relabel y so that `base` comes first."""
    X, y, model, _ = anes
    table = interpret.coef_table(model, X, base=base)
    assert table.base == base and base not in table.classes
    shifted = (y - base) % 7  # base -> 0, base + 1 -> 1, ...
    result = sm.MNLogit(shifted, sm.add_constant(X, prepend=False)).fit(disp=0,
                                                                        method="newton")
    # statsmodels' equations are the original classes base + 1, base + 2, ... (mod 7)
    order = [table.classes.index((base + m) % 7) for m in range(1, 7)]
    p = X.shape[1] + 1
    block = np.concatenate([np.arange(k * p, (k + 1) * p) for k in order])
    assert_allclose(table.coef[order], result.params.T, rtol=RTOL_SM)
    assert_allclose(table.std_err[order], result.bse.T, rtol=RTOL_SM)
    assert_allclose(table.p_value[order], result.pvalues.T, rtol=RTOL_SM)
    assert_allclose(table.cov[np.ix_(block, block)], result.cov_params(), rtol=RTOL_SM,
                    atol=RTOL_SM * np.abs(result.cov_params()).max())


def _wine2():
    wine = load_wine()
    return wine.data[:, [0, 6]], wine.target  # alcohol, flavanoids: not separable


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wine_matches_statsmodels(fit_intercept):
    X, y = _wine2()
    # An intercept of 69 beside features of 13 and 3 makes the fit ill-conditioned: at the
    # default tol=1e-10 the coefficients are right to 3e-8 only, so ask for more.
    model = lr.LogisticRegression(C=np.inf, fit_intercept=fit_intercept, tol=1e-13).fit(X, y)
    exog = sm.add_constant(X, prepend=False) if fit_intercept else X
    result = sm.MNLogit(y, exog).fit(disp=0, method="newton")
    table = interpret.coef_table(model, X)
    assert table.names == (("x0", "x1", "intercept") if fit_intercept else ("x0", "x1"))
    _check_against_mnlogit(table, result, 0.05)


# ------------------------------------------------------------------- exact identities
def _difference_map(K, p, r):
    """A with A @ theta.ravel() = [theta_k - theta_r for k != r].ravel(), theta (K, p)."""
    A = np.zeros(((K - 1) * p, K * p))
    for i, k in enumerate(k for k in range(K) if k != r):
        A[i * p:(i + 1) * p, k * p:(k + 1) * p] += np.eye(p)
        A[i * p:(i + 1) * p, r * p:(r + 1) * p] -= np.eye(p)
    return A


@pytest.mark.parametrize("new_base", [1.0, 3.0, 6.0])
def test_changing_base_is_a_linear_reparametrisation(anes, new_base):
    """beta^(b)_k = beta^(0)_k - beta^(0)_b, and Cov^(b) = M Cov^(0) M^T for that map M."""
    X, _, model, _ = anes
    old, new = interpret.coef_table(model, X), interpret.coef_table(model, X, base=new_base)
    K, p = 7, old.coef.shape[1]
    b = int(new_base)
    full = np.vstack([np.zeros(p), old.coef])  # beta^(0) with the base row 0 put back
    assert_allclose(new.coef, np.delete(full - full[b], b, axis=0), rtol=1e-12, atol=1e-14)
    # M: beta^(0) (classes 1..6) -> beta^(b); it is the difference map from base b,
    # applied after putting back the zero row of class 0.
    M = _difference_map(K, p, b)[:, p:]
    expected = M @ old.cov @ M.T
    assert_allclose(new.cov, expected, rtol=1e-8, atol=1e-10 * np.abs(expected).max())
    assert_allclose(new.std_err.ravel(), np.sqrt(np.diag(expected)), rtol=1e-8)


def test_base_accepts_the_label_in_any_numeric_form(anes):
    X, _, model, _ = anes
    expected = interpret.coef_table(model, X, base=2.0).coef
    for base in (2, np.int64(2), np.float64(2.0), np.float32(2.0)):
        assert_array_equal(interpret.coef_table(model, X, base=base).coef, expected)


def test_string_labels(anes):
    X, y = _wine2()
    names = load_wine().target_names[y]  # "class_0", "class_1", "class_2"
    model = lr.LogisticRegression(C=np.inf).fit(X, names)
    numeric = lr.LogisticRegression(C=np.inf).fit(X, y)
    table = interpret.coef_table(model, X, base="class_1")
    assert table.base == "class_1" and table.classes == ("class_0", "class_2")
    assert_allclose(table.coef, interpret.coef_table(numeric, X, base=1).coef, rtol=1e-12)
    with pytest.raises(ValueError, match=r"base=1 is not one of the model's classes "
                                         r"\['class_0', 'class_1', 'class_2'\].*not a position"):
        interpret.coef_table(model, X, base=1)


def test_binary_model_is_the_two_class_softmax_model(spector):
    """A binary fit written as two softmax rows (any common shift) gives the binary table."""
    X, y = spector
    binary = lr.LogisticRegression(C=np.inf).fit(X, y)
    table = interpret.coef_table(binary, X)
    theta = np.append(binary.coef_[0], binary.intercept_[0])
    shift = np.random.default_rng(0).normal(size=theta.size)  # not identified: any will do
    two_rows = copy.deepcopy(binary)
    two_rows.coef_ = np.vstack([shift[:-1], shift[:-1] + theta[:-1]])
    two_rows.intercept_ = np.array([shift[-1], shift[-1] + theta[-1]])
    softmax_table = interpret.coef_table(two_rows, X)
    assert isinstance(softmax_table, interpret.MultinomialCoefTable)
    assert softmax_table.classes == (1.0,) and softmax_table.base == 0.0
    assert (table.outcome, table.base) == (1.0, 0.0)
    assert_allclose(softmax_table.coef[0], table.coef, rtol=1e-12)
    assert_allclose(softmax_table.cov, table.cov, rtol=1e-10)
    assert_allclose(softmax_table.std_err[0], table.std_err, rtol=1e-10)
    assert_allclose(softmax_table.p_value[0], table.p_value, rtol=1e-9)
    assert_allclose(softmax_table.conf_int[0], table.conf_int, rtol=1e-10)
    assert_allclose(softmax_table.relative_risk_ratio[0], table.odds_ratio, rtol=1e-12)

    # base = classes_[1]: the log-odds of class 0, every sign flipped, the same covariance
    flipped = interpret.coef_table(binary, X, base=1.0)
    assert (flipped.outcome, flipped.base) == (0.0, 1.0)
    assert_array_equal(flipped.coef, -table.coef)
    assert_array_equal(flipped.cov, table.cov)
    assert_array_equal(interpret.covariance(binary, X, base=1.0), table.cov)
    assert_allclose(flipped.conf_int, -table.conf_int[:, ::-1], rtol=1e-15)
    assert_allclose(flipped.odds_ratio, 1 / table.odds_ratio, rtol=1e-14)
    assert_allclose(interpret.coef_table(two_rows, X, base=1.0).coef[0], flipped.coef,
                    rtol=1e-12)


def test_integer_weights_equal_repeated_rows():
    X, y = _wine2()
    weights = np.random.default_rng(1).integers(0, 4, size=len(y))
    model = lr.LogisticRegression(C=np.inf).fit(X, y, sample_weight=weights)
    repeated = lr.LogisticRegression(C=np.inf).fit(np.repeat(X, weights, axis=0),
                                                   np.repeat(y, weights))
    ours = interpret.coef_table(model, X, sample_weight=weights, base=2)
    theirs = interpret.coef_table(repeated, np.repeat(X, weights, axis=0), base=2)
    assert_allclose(ours.coef, theirs.coef, rtol=1e-8)
    assert_allclose(ours.cov, theirs.cov, rtol=1e-7)


def test_matches_the_inverse_of_the_full_softmax_hessian():
    """Cov = A (H + N N^T)^{-1} A^T, with H the (singular) Hessian in the symmetric
    parametrisation and N spanning its null space (a common shift of every class): the
    differences A do not see the shift, so any generalised inverse of H gives their
    covariance."""
    X, y = _wine2()
    model = lr.LogisticRegression(C=np.inf).fit(X, y)
    n, d = X.shape
    K, p = 3, d + 1
    H = n * lr.multinomial_cross_entropy_hessian(X, model.coef_, model.intercept_)
    # that Hessian orders the parameters [W.ravel(), b]; reorder to class-major [w_k, b_k]
    order = np.concatenate([np.r_[np.arange(k * d, (k + 1) * d), K * d + k]
                            for k in range(K)])
    H = H[np.ix_(order, order)]
    N = np.tile(np.eye(p), (K, 1))  # column j: the same change of parameter j in every class
    for r in range(K):
        A = _difference_map(K, p, r)
        expected = A @ np.linalg.inv(H + N @ N.T) @ A.T
        assert_allclose(interpret.covariance(model, X, base=r), expected, rtol=1e-8)


# --------------------------------------------------------------------- penalised fits
@pytest.mark.parametrize("base", [0, 2])
def test_penalised_fit_warns_and_uses_laplace_covariance(iris, base):
    X, y = iris
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    C = 0.5
    model = lr.LogisticRegression(C=C).fit(X, y)
    with pytest.warns(PenalisedInferenceWarning, match="penalised"):
        table = interpret.coef_table(model, X, base=base)
    assert table.penalised and "PENALISED" in table.summary()

    # Hessian of sum_i l_i + ||W||_F^2 / (2C) in all K rows [w_k, b_k], by central
    # differences of its gradient
    K, p = 3, X.shape[1] + 1
    Xt, Y = np.column_stack([X, np.ones(len(y))]), np.eye(K)[y]

    def gradient(theta):
        T = theta.reshape(K, p)
        G = (softmax(Xt @ T.T, axis=1) - Y).T @ Xt
        G[:, :-1] += T[:, :-1] / C
        return G.ravel()

    theta = np.column_stack([model.coef_, model.intercept_]).ravel()
    step = 1e-5
    H = np.column_stack([(gradient(theta + step * e) - gradient(theta - step * e))
                         / (2 * step) for e in np.eye(theta.size)])
    H = 0.5 * (H + H.T)
    # Singular only along a common shift of the (unpenalised) intercepts, unseen by A.
    shift = np.tile(np.r_[np.zeros(p - 1), 1.0], K)
    A = _difference_map(K, p, base)
    assert_allclose(table.cov, A @ np.linalg.inv(H + np.outer(shift, shift)) @ A.T,
                    rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at C=inf
        assert not interpret.coef_table(lr.LogisticRegression(C=np.inf).fit(*_wine2()),
                                        _wine2()[0]).penalised


def test_l1_multinomial_raises(iris):
    X, y = iris
    model = lr.LogisticRegression(C=1.0, l1_ratio=1.0).fit(X, y)
    with pytest.raises(ValueError, match="elastic-net"):
        interpret.coef_table(model, X)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("base", [7, 7.0, -1, "0", "0.0", [0.0], np.array([0.0]), True])
def test_bad_base_raises(anes, base):
    X, _, model, _ = anes
    with pytest.raises(ValueError, match=r"is not one of the model's classes "
                                         r"\[0\.0, 1\.0, 2\.0, 3\.0, 4\.0, 5\.0, 6\.0\]"):
        interpret.coef_table(model, X, base=base)
    with pytest.raises(ValueError, match="is not one of the model's classes"):
        interpret.covariance(model, X, base=base)


def test_bad_base_raises_for_a_binary_model(spector):
    X, y = spector
    model = lr.LogisticRegression(C=np.inf).fit(X, y)
    with pytest.raises(ValueError, match=r"base=2 is not one of the model's classes \[0\.0, "
                                         r"1\.0\]"):
        interpret.coef_table(model, X, base=2)


def test_marginal_effects_of_a_multinomial_model_raise(anes):
    X, _, model, _ = anes
    with pytest.raises(ValueError, match=r"marginal_effects handles binary models only; this "
                                         r"model has 7 classes .* not implemented; coef_table "
                                         r"and covariance do handle it"):
        interpret.marginal_effects(model, X)


def test_collinear_features_raise():
    X, y = _wine2()
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 1]])
    with pytest.warns(lr.RankDeficientWarning):
        model = lr.LogisticRegression(C=np.inf).fit(X, y)
    with pytest.raises(ValueError, match=r"X~ \(rows of positive weight\) has rank 3 < 4 "
                                         "columns"):
        interpret.coef_table(model, X)
