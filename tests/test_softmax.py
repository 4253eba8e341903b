"""Softmax primitives and the multinomial loss: properties, stability, derivatives."""

from __future__ import annotations

import numpy as np
import pytest
from _strict_float import strict_floats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

import logreg_ref as lr

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
logit_matrices = arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 6)),
                        elements=finite)
moderate = st.floats(-1e3, 1e3, allow_nan=False, width=64)


@settings(max_examples=300, deadline=None)
@given(logit_matrices)
def test_softmax_rows_sum_to_one_without_warnings(Z):
    with strict_floats():
        P = lr.softmax(Z, axis=1)
        L = lr.log_softmax(Z, axis=1)
        lse = lr.logsumexp(Z, axis=1)
    assert np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=8 * np.finfo(float).eps)
    assert np.all(L <= 0) and not np.any(np.isnan(L))
    assert np.all(np.isfinite(lse)) or np.all(np.abs(Z) > 1e307)  # only near the float limit


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)), elements=moderate),
       arrays(np.float64, st.integers(1, 6), elements=moderate))
def test_softmax_invariant_to_adding_a_constant_per_row(Z, c):
    c = np.resize(c, Z.shape[0])[:, None]
    np.testing.assert_allclose(lr.softmax(Z + c, axis=1), lr.softmax(Z, axis=1),
                               rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(lr.logsumexp(Z + c, axis=1), lr.logsumexp(Z, axis=1) + c[:, 0],
                               rtol=1e-13, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 10), st.just(2)), elements=moderate))
def test_two_class_softmax_is_sigmoid_of_difference(Z):
    z = Z[:, 1] - Z[:, 0]
    np.testing.assert_allclose(lr.softmax(Z, axis=1)[:, 1], lr.sigmoid(z), rtol=1e-12,
                               atol=1e-300)
    np.testing.assert_allclose(lr.log_softmax(Z, axis=1)[:, 1], lr.log_sigmoid(z), rtol=1e-12,
                               atol=1e-12)
    y = (Z[:, 0] < 0).astype(int)
    assert lr.multinomial_cross_entropy(y, Z) == pytest.approx(
        lr.binary_cross_entropy(y, z), rel=1e-12, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)),
              elements=st.floats(-700, 700, width=64)))
def test_matches_scipy(Z):
    np.testing.assert_allclose(lr.logsumexp(Z, axis=1), special.logsumexp(Z, axis=1),
                               rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(lr.softmax(Z, axis=0), special.softmax(Z, axis=0), rtol=1e-13,
                               atol=1e-300)
    assert lr.logsumexp(Z) == pytest.approx(special.logsumexp(Z), rel=1e-14, abs=1e-14)


def test_extreme_logits():
    Z = np.array([[1e308, -1e308, 0.0], [-1e308, -1e308, -1e308], [1000.0, 1.0, 1000.0]])
    with np.errstate(all="raise"):
        P = lr.softmax(Z, axis=1)
        L = lr.log_softmax(Z, axis=1)
    np.testing.assert_array_equal(P[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(P[1], 1 / 3)
    np.testing.assert_allclose(L[2], [-np.log(2), -999 - np.log(2), -np.log(2)])
    assert lr.multinomial_cross_entropy([1], [[1e308, 0.0]]) == 1e308


def test_logsumexp_keepdims_and_infinities():
    Z = np.array([[0.0, -np.inf], [-np.inf, -np.inf]])
    out = lr.logsumexp(Z, axis=1, keepdims=True)
    assert out.shape == (2, 1)
    assert out[0, 0] == 0.0 and out[1, 0] == -np.inf
    assert lr.logsumexp([np.inf, 0.0]) == np.inf


def random_problem(seed, n=60, d=4, K=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n)
    s = rng.uniform(0.2, 2.0, size=n)
    W = rng.normal(size=(K, d))
    b = rng.normal(size=K)
    return X, y, s, W, b


def test_multinomial_loss_equals_negative_log_probability():
    X, y, s, W, b = random_problem(0)
    Z = X @ W.T + b
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    naive = -np.sum(s * np.log(P[np.arange(len(y)), y])) / s.sum()
    assert lr.multinomial_cross_entropy(y, Z, s) == pytest.approx(naive, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_multinomial_gradient_matches_finite_differences(seed):
    X, y, s, W, b = random_problem(seed)

    def f(theta):
        return lr.multinomial_cross_entropy(y, X @ theta[:12].reshape(3, 4).T + theta[12:], s)

    theta = np.concatenate([W.ravel(), b])
    h = 1e-6
    numeric = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(15)])
    gW, gb = lr.multinomial_cross_entropy_gradient(X, y, W, b, s)
    np.testing.assert_allclose(np.concatenate([gW.ravel(), gb]), numeric, rtol=1e-6, atol=1e-9)
    assert abs(gb.sum()) < 1e-15 and np.abs(gW.sum(axis=0)).max() < 1e-14


def test_hessian_vector_products_match_full_hessian_and_finite_differences():
    X, y, s, W, b = random_problem(2)
    H = lr.multinomial_cross_entropy_hessian(X, W, b, s)
    rng = np.random.default_rng(3)
    V, vb = rng.normal(size=W.shape), rng.normal(size=3)
    hv_W, hv_b = lr.multinomial_cross_entropy_hessp(X, W, b, V, vb, s)
    np.testing.assert_allclose(np.concatenate([hv_W.ravel(), hv_b]),
                               H @ np.concatenate([V.ravel(), vb]), rtol=1e-12, atol=1e-14)
    h = 1e-6
    gp = lr.multinomial_cross_entropy_gradient(X, y, W + h * V, b + h * vb, s)
    gm = lr.multinomial_cross_entropy_gradient(X, y, W - h * V, b - h * vb, s)
    np.testing.assert_allclose(hv_W, (gp[0] - gm[0]) / (2 * h), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(hv_b, (gp[1] - gm[1]) / (2 * h), rtol=1e-6, atol=1e-9)
    # Singular along "add the same vector to every class", PSD otherwise.
    same = np.concatenate([np.tile(rng.normal(size=4), 3), np.full(3, 0.7)])
    np.testing.assert_allclose(H @ same, 0.0, atol=1e-13)
    assert np.linalg.eigvalsh(H).min() > -1e-13


def test_multinomial_bad_labels_named():
    with pytest.raises(ValueError, match=r"class indices must lie in 0\.\.2"):
        lr.multinomial_cross_entropy([0, 3], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="integer class indices"):
        lr.multinomial_cross_entropy([0.5, 1.0], np.zeros((2, 3)))
