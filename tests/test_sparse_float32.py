"""Sparse X and float32 X (issue 16, parts 2 and 3).

Sparse: CSR and CSC are fitted as they are, never densified; other sparse formats are
converted to CSR. The fit is the dense fit: coefficients within 1e-10 and probabilities
within 1e-12. float32: the coefficients and predictions come back float32, and they are
the float64 fit rounded once (the data are converted to float64 exactly, so the float64
fit of the same numbers is the truth, and the match is exact).
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import logreg_ref as lr
from tests.conftest import make_binary

SPARSE_TYPES = [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array, sp.coo_matrix,
                sp.lil_array]


def sparsify(X, seed=0):
    """Zero about 70% of the entries, so the sparse structure matters."""
    X = X.copy()
    X[np.random.default_rng(seed).uniform(size=X.shape) < 0.7] = 0.0
    return X


@pytest.fixture(scope="module")
def binary():
    X, y = make_binary(400, 15, seed=1)
    return sparsify(X), y


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(n_samples=300, n_features=10, n_informative=6, n_redundant=0,
                               n_classes=3, flip_y=0.1, random_state=0)
    return sparsify(X), y


def assert_same_model(dense, sparse, X, Xs, atol=1e-10):
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=0, atol=atol)
    np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X), rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(sparse.decision_function(Xs), dense.decision_function(X),
                               rtol=0, atol=1e-10)
    np.testing.assert_array_equal(sparse.predict(Xs), dense.predict(X))


@pytest.mark.parametrize("sparse_type", SPARSE_TYPES)
@pytest.mark.parametrize("params", [{"C": 1.0}, {"C": 100.0, "class_weight": "balanced"},
                                    {"C": np.inf}, {"C": 0.5, "l1_ratio": 0.5}])
def test_binary_sparse_equals_dense(binary, sparse_type, params):
    X, y = binary
    dense = lr.LogisticRegression(**params).fit(X, y)
    sparse = lr.LogisticRegression(**params).fit(sparse_type(X), y)
    assert_same_model(dense, sparse, X, sparse_type(X))


@pytest.mark.parametrize("sparse_type", [sp.csr_matrix, sp.csc_array])
@pytest.mark.parametrize("C", [0.1, 10.0, np.inf])
def test_multinomial_sparse_equals_dense(multiclass, sparse_type, C):
    """Newton-CG on both; tol=1e-12 so that both runs are converged well past 1e-10 in W."""
    X, y = multiclass
    dense = lr.LogisticRegression(C=C, tol=1e-12).fit(X, y)
    sparse = lr.LogisticRegression(C=C, tol=1e-12).fit(sparse_type(X), y)
    assert_same_model(dense, sparse, X, sparse_type(X))


def test_sparse_fit_matches_scikit_learn(binary):
    X, y = binary
    Xs = sp.csr_matrix(X)
    ours = lr.LogisticRegression(C=2.0).fit(Xs, y)
    theirs = SkLogisticRegression(C=2.0, solver="newton-cg", tol=1e-12, max_iter=1000).fit(Xs, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-8)


def test_hessian_free_newton_equals_the_exact_hessian(binary):
    """The CG path (taken automatically above 1000 parameters) reaches the same optimum."""
    X, y = binary
    obj_exact = lr.BinaryObjective(sp.csr_matrix(X), y, l2=1 / 400, hessian="exact")
    obj_cg = lr.BinaryObjective(sp.csr_matrix(X), y, l2=1 / 400, hessian="cg")
    exact = lr._solvers.newton_solve(obj_exact, np.zeros(16), tol=1e-12)
    cg = lr._solvers.newton_solve(obj_cg, np.zeros(16), tol=1e-12)
    assert exact.converged and cg.converged
    np.testing.assert_allclose(cg.theta, exact.theta, rtol=0, atol=1e-10)
    # The Hessian-vector product is the exact Hessian times the vector.
    v = np.random.default_rng(0).normal(size=16)
    z = obj_exact.logits(exact.theta)
    np.testing.assert_allclose(obj_cg.hessp_from_curvature(obj_cg._curvature(z), v),
                               obj_exact.hessian_from_logits(z) @ v, rtol=1e-12, atol=1e-15)
    assert lr.BinaryObjective(X, y).uses_exact_hessian()  # 16 parameters: exact by default


def test_wide_sparse_fit_never_densifies_X():
    """20 000 x 5 000 at density 0.1%: dense X would be 800 MB; the fit stays near nnz(X)."""
    rng = np.random.default_rng(0)
    n, d = 20_000, 5_000
    X = sp.random(n, d, density=0.001, format="csr", random_state=1, dtype=np.float64)
    w = rng.normal(size=d)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w) * 5))).astype(int)
    tracemalloc.start()
    model = lr.LogisticRegression(C=1.0).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not lr.BinaryObjective(X, y).uses_exact_hessian()  # 5001 parameters: Newton-CG
    assert peak < 50e6, f"peak {peak / 1e6:.0f} MB"  # dense X: 800 MB; its Hessian: 200 MB
    objective = lr.BinaryObjective(X, y, l2=1.0 / n)
    theta = np.append(model.coef_[0], model.intercept_)
    assert np.max(np.abs(objective.gradient(theta))) <= 1e-10


def test_sparse_separation_and_rank_checks(binary):
    X, y = binary
    Xs = sp.csr_matrix(X)
    with pytest.warns(lr.RankDeficientWarning, match="rank 16 < 17"):
        lr.LogisticRegression(C=np.inf).fit(sp.hstack([Xs, Xs[:, :1]], format="csr"), y)
    separable = sp.csr_matrix(np.column_stack([X, np.where(y == 1, 1.0, 0.0)]))
    with pytest.raises(lr.SeparationError) as info:
        lr.LogisticRegression(C=np.inf).fit(separable, y)
    direction = info.value.direction
    margins = (2 * y - 1) * (separable @ direction[:-1] + direction[-1])
    assert np.all(margins >= -1e-9) and np.any(margins > 1e-6)


# ---------------------------------------------------------------------------- float32

@pytest.mark.parametrize("make_X", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_float32_in_float32_out_equal_to_the_float64_fit_rounded(request, make_X, data):
    X, y = request.getfixturevalue(data)
    X32 = X.astype(np.float32)
    X64 = X32.astype(np.float64)  # the same numbers: the float64 fit is the truth
    m32 = lr.LogisticRegression(C=3.0, tol=1e-12).fit(make_X(X32), y)
    m64 = lr.LogisticRegression(C=3.0, tol=1e-12).fit(make_X(X64), y)
    for name in ("coef_", "intercept_"):
        assert getattr(m32, name).dtype == np.float32
        np.testing.assert_array_equal(getattr(m32, name), getattr(m64, name).astype(np.float32))
    for method in ("decision_function", "predict_proba", "predict_log_proba"):
        got = getattr(m32, method)(make_X(X32))
        assert got.dtype == np.float32, method
        # float32 coefficients move the logits by about 1e-7 relative: float32's precision.
        np.testing.assert_allclose(got, getattr(m64, method)(make_X(X64)), rtol=2e-6, atol=2e-6)
    assert (m32.predict(make_X(X32)) == m64.predict(make_X(X64))).mean() > 0.99
    # scikit-learn does the same with float32 input (lbfgs, newton-cg, newton-cholesky, saga).
    sk = SkLogisticRegression(C=3.0).fit(make_X(X32), y)
    assert sk.coef_.dtype == np.float32 and sk.predict_proba(make_X(X32)).dtype == np.float32


def test_float32_model_on_float64_data_and_other_dtypes(binary):
    X, y = binary
    m32 = lr.LogisticRegression().fit(X.astype(np.float32), y)
    assert m32.predict_proba(X).dtype == np.float64  # result_type(float64, float32)
    for dtype in (np.int64, np.float16):
        model = lr.LogisticRegression().fit(np.round(X * 4).astype(dtype), y)
        assert model.coef_.dtype == np.float64, dtype


def test_float32_is_computed_in_float64():
    """Features near 1e4 in float32: a float32 solve could not get its gradient below ~1e-3
    here; the float64 computation converges and agrees with the float64 fit."""
    X, y = make_binary(300, 4, seed=3)
    X32 = (X * 1e4 + 3e4).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m32 = lr.LogisticRegression(C=1e3).fit(X32, y)
    m64 = lr.LogisticRegression(C=1e3).fit(X32.astype(np.float64), y)
    np.testing.assert_array_equal(m32.coef_, m64.coef_.astype(np.float32))
    assert np.all(np.isfinite(m32.predict_proba(X32)))
