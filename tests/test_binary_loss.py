"""Binary cross-entropy, gradient and Hessian: definitions, derivatives, weights."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime

import logreg_ref as lr
from tests.conftest import make_binary


def naive_bce(y, z, s):
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.sum(s * (y * np.log(p) + (1 - y) * np.log(1 - p))) / np.sum(s)


def test_loss_matches_bernoulli_negative_log_likelihood_where_naive_is_safe():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=4, size=200)
    y = (rng.uniform(size=200) < 0.4).astype(float)
    s = rng.uniform(0.1, 3, size=200)
    assert lr.binary_cross_entropy(y, z, s) == pytest.approx(naive_bce(y, z, s), rel=1e-12)


def test_loss_is_exact_for_huge_logits():
    # l(0, z) = softplus(z) ~ z for large z; l(1, -z) likewise; l(1, z) ~ e^{-z}.
    assert lr.binary_cross_entropy([0.0], [1e308]) == 1e308
    assert lr.binary_cross_entropy([1.0], [-800.0]) == 800.0
    assert lr.binary_cross_entropy([1.0], [50.0]) == pytest.approx(np.exp(-50.0), rel=1e-15)


def test_integer_weights_equal_repeated_rows():
    X, y = make_binary(60, 3, seed=1)
    w, b = np.array([0.3, -0.2, 0.5]), 0.1
    counts = np.random.default_rng(2).integers(0, 4, size=60)
    Xr, yr = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    z, zr = X @ w + b, Xr @ w + b
    assert lr.binary_cross_entropy(y, z, counts) == pytest.approx(
        lr.binary_cross_entropy(yr, zr), rel=1e-13)
    g = lr.binary_cross_entropy_gradient(X, y, w, b, counts)
    gr = lr.binary_cross_entropy_gradient(Xr, yr, w, b)
    np.testing.assert_allclose(g[0], gr[0], rtol=1e-12, atol=1e-15)
    assert g[1] == pytest.approx(gr[1], rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(lr.binary_cross_entropy_hessian(X, w, b, counts),
                               lr.binary_cross_entropy_hessian(Xr, w, b), rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(seed):
    X, y = make_binary(80, 4, seed)
    s = np.random.default_rng(seed).uniform(0.2, 2, size=80)
    theta = np.random.default_rng(seed + 10).normal(size=5)

    def f(t):
        return lr.binary_cross_entropy(y, X @ t[:4] + t[4], s)

    numeric = approx_fprime(theta, f, 1e-7)
    g_w, g_b = lr.binary_cross_entropy_gradient(X, y, theta[:4], theta[4], s)
    np.testing.assert_allclose(np.append(g_w, g_b), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 3])
def test_hessian_matches_finite_differences_of_gradient(seed):
    X, y = make_binary(80, 4, seed)
    s = np.random.default_rng(seed).uniform(0.2, 2, size=80)
    theta = np.random.default_rng(seed + 10).normal(size=5)

    def grad(t):
        g_w, g_b = lr.binary_cross_entropy_gradient(X, y, t[:4], t[4], s)
        return np.append(g_w, g_b)

    h = 1e-6
    numeric = np.column_stack([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h)
                               for e in np.eye(5)])
    H = lr.binary_cross_entropy_hessian(X, theta[:4], theta[4], s)
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(H, H.T)
    assert np.linalg.eigvalsh(H).min() > 0  # convex (strictly, for full-rank X)


def test_hessian_without_intercept_is_the_leading_block():
    X, _ = make_binary(30, 3, seed=4)
    w = np.array([0.5, -1.0, 0.2])
    full = lr.binary_cross_entropy_hessian(X, w, 0.7)
    no_b = lr.binary_cross_entropy_hessian(X, w, 0.7, fit_intercept=False)
    np.testing.assert_allclose(no_b, full[:3, :3])


def test_gradient_precise_when_probabilities_saturate():
    """p - y for y = 1, z = 40 is -sigma(-40) = -4.25e-18, not 0."""
    _g_w, g_b = lr.binary_cross_entropy_gradient(np.array([[1.0]]), [1.0], [40.0], 0.0)
    assert g_b == pytest.approx(-np.exp(-40.0), rel=1e-12)
