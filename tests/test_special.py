"""The stable primitives over the whole float64 range: accuracy, identities, no warnings."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
from _strict_float import strict_floats
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

import logreg_ref as lr

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
finite_arrays = arrays(np.float64, st.integers(1, 40), elements=finite)
mpmath.mp.prec = 200


def strict():
    """Any floating-point warning (overflow, invalid, divide) becomes an error."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")
    return ctx


@settings(max_examples=300, deadline=None)
@given(finite_arrays)
def test_sigmoid_range_symmetry_monotone_no_warnings(z):
    with strict_floats():
        p = lr.sigmoid(z)
        q = lr.sigmoid(-z)
        order = np.argsort(z)
        ps = lr.sigmoid(z[order])
    assert np.all((p >= 0) & (p <= 1)) and not np.any(np.isnan(p))
    # sigma(-z) = 1 - sigma(z): both sides computed, equal to rounding.
    np.testing.assert_allclose(p + q, 1.0, rtol=0, atol=2 * np.finfo(float).eps)
    assert np.all(np.diff(ps) >= 0)


@settings(max_examples=300, deadline=None)
@given(finite_arrays)
def test_softplus_and_log_sigmoid_finite_and_consistent(z):
    with strict_floats():
        sp = lr.softplus(z)
        ls = lr.log_sigmoid(z)
    assert np.all(np.isfinite(sp)) and np.all(sp >= 0)
    assert np.all(np.isfinite(ls)) and np.all(ls <= 0)
    # log sigma(z) = -softplus(-z) exactly by construction of both.
    np.testing.assert_array_equal(ls, -lr.softplus(-z))
    # softplus(z) - softplus(-z) = z.
    np.testing.assert_allclose(sp - lr.softplus(-z), z, rtol=1e-15, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(finite_arrays)
# Counterexamples found by Hypothesis (c9998cd): SciPy's expit flushes these subnormal
# sigmoids to 0; ours keeps their digits, hence atol=tiny below.
@example(np.array([-710.0]))
@example(np.array([-740.0]))
def test_primitives_agree_with_scipy(z):
    # Below z = -708 the exact sigmoid is subnormal and SciPy's expit returns 0 for some
    # such z (e.g. -710); ours keeps the subnormal digits (checked against 200-bit
    # arithmetic below), so the two may differ there by less than the smallest normal float.
    tiny = np.finfo(float).tiny
    np.testing.assert_allclose(lr.sigmoid(z), special.expit(z), rtol=4e-16, atol=tiny)
    np.testing.assert_allclose(lr.log_sigmoid(z), special.log_expit(z), rtol=4e-16, atol=0)
    np.testing.assert_allclose(lr.softplus(z), np.logaddexp(0.0, z), rtol=4e-16, atol=0)


@pytest.mark.parametrize("z", [-1e308, -1e5, -745.2, -740.0, -710.0, -709.8, -40.0, -37.0,
                               -5.5, -1e-10, 0.0, 1e-300, 3.0, 18.5, 33.3, 37.0, 40.0, 710.0,
                               1e308])
def test_tails_match_200_bit_arithmetic(z):
    exact_sigmoid = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
    exact_log_sigmoid = -mpmath.log1p(mpmath.exp(-mpmath.mpf(z)))
    exact_softplus = mpmath.log1p(mpmath.exp(mpmath.mpf(z)))
    for got, exact in [(lr.sigmoid(z), exact_sigmoid), (lr.log_sigmoid(z), exact_log_sigmoid),
                       (lr.softplus(z), exact_softplus)]:
        exact = float(exact)
        if exact == 0.0:
            assert got == 0.0
        else:
            # 4 ulps relative; among subnormals an ulp is absolute (the smallest subnormal)
            tolerance = max(4 * np.finfo(float).eps * abs(exact), 4 * 5e-324)
            assert abs(got - exact) <= tolerance, (got, exact)


def test_log_sigmoid_is_not_log_of_sigmoid():
    """The naive log(sigmoid(z)) is -inf / 0 in the tails; ours is exact."""
    with np.errstate(divide="ignore"):
        naive = np.log(special.expit([-1000.0, 40.0]))
    assert naive[0] == -np.inf and naive[1] == 0.0
    got = lr.log_sigmoid([-1000.0, 40.0])
    assert got[0] == -1000.0
    assert got[1] == pytest.approx(-float(mpmath.exp(-40)), rel=1e-15)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 40),
              elements=st.floats(0, 1, allow_nan=False, width=64)))
# Counterexample found by Hypothesis (issue 15): a subnormal p made logit call log1p(-p),
# whose subnormal result signals underflow on a strict maths library: FloatingPointError.
@example(np.array([2.2250738585e-309]))
def test_logit_inverts_sigmoid(p):
    with strict_floats():
        z = lr.logit(p)
    assert not np.any(np.isnan(z))
    assert np.all(z[p == 0] == -np.inf) and np.all(z[p == 1] == np.inf)
    inner = (p > 0) & (p < 1)
    # sigmoid(logit(p)) = p. The round trip is as accurate as its conditioning
    # allows: exp amplifies the rounding of z by |z|, relative to min(p, 1 - p),
    # and p itself is only known to half an ulp.
    pi, zi = p[inner], z[inner]
    err = np.abs(lr.sigmoid(zi) - pi)
    eps = np.finfo(float).eps
    assert np.all(err <= 4 * eps * (1 + np.abs(zi)) * np.minimum(pi, 1 - pi) + eps * pi)


@pytest.mark.parametrize("p", [1e-300, 1e-20, 0.1, 0.3, 0.4999, 0.5, 0.5000001, 0.7, 0.9,
                               1 - 2**-40, 1 - 2**-53])
def test_logit_accuracy_against_200_bit_arithmetic(p):
    exact = mpmath.log(mpmath.mpf(p) / (1 - mpmath.mpf(p)))
    got = lr.logit(p)
    assert abs(got - float(exact)) <= 4 * np.finfo(float).eps * max(abs(float(exact)), 1e-300)


def test_logit_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*1\.5"):
        lr.logit([0.2, 1.5])
    assert np.isnan(lr.logit(np.nan))


def test_scalars_in_scalars_out():
    assert isinstance(lr.sigmoid(0.0), float)
    assert isinstance(lr.logsumexp([1.0, 2.0]), float)
    assert lr.sigmoid([[0.0]]).shape == (1, 1)


def test_sigmoid_derivative_identity():
    """d sigma / dz = sigma (1 - sigma), checked by central differences."""
    z = np.linspace(-20, 20, 81)
    h = 1e-6
    numeric = (lr.sigmoid(z + h) - lr.sigmoid(z - h)) / (2 * h)
    # Rounding in the difference quotient is about eps / h = 2e-10 in absolute terms.
    np.testing.assert_allclose(numeric, lr.sigmoid(z) * lr.sigmoid(-z), rtol=1e-7, atol=5e-10)
