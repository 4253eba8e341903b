"""Every stable primitive and every loss at the awkward floats: the right value, no signal.

Issue 15: `logit` raised ``FloatingPointError`` on a subnormal probability under
``np.errstate(all="raise")``. This file checks each function of ``logreg_ref._special``
and each binary and multinomial loss, gradient and Hessian at +-0, subnormals, the
smallest normal float, tiny and huge values, the largest float, the logits where
``exp`` underflows or overflows (+-709.8, +-710, +-740, +-745.2) and +-inf; for
probabilities also 0 and 1; for labels 0 and 1. Every call runs inside
``strict_floats()`` (tests/_strict_float.py): any floating-point signal fails the test.

Expected values come from the defining formulas evaluated with mpmath at 1200 bits (never
from logreg_ref), and at +-inf from the limits, worked out by hand next to each function.
A result must lie within 4 ulps of the exact value, or within 4 smallest subnormals of it
where ulps are absolute (below the smallest normal float).
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pytest
from _strict_float import strict_floats

import logreg_ref as lr

INF = np.inf
NAN = np.nan
TINY = float(np.finfo(float).tiny)  # smallest normal, 2.2250738585072014e-308
MAX = float(np.finfo(float).max)
SUBNORMALS = [5e-324, 2.2250738585e-309]  # the smallest; the one of issue 15
EDGE_Z = [0.0, -0.0, *SUBNORMALS, *(-s for s in SUBNORMALS), TINY, -TINY, 1e-300, -1e-300,
          1e-16, -1e-16, 1.0, -1.0, 36.7, -36.7, 709.8, -709.8, 710.0, -710.0, 740.0, -740.0,
          745.2, -745.2, 1e308, -1e308, MAX, -MAX, INF, -INF]
EDGE_P = [0.0, -0.0, *SUBNORMALS, TINY, 1e-300, 2.0**-61, 1e-16, 0.25, 0.5, 0.75,
          1 - 2.0**-53, 1.0]
# Bits: enough to keep log 2 next to 1e308 (2^1024) when a row holds both, as in
# logsumexp([1e308, 1e308]) = 1e308 + log 2.
PRECISION = 1200
EPS = np.finfo(float).eps
SMALLEST = 5e-324


def mp(x):
    return mpmath.mpf(float(x))


def close(got, exact, scale=0.0):
    """Whether the float `got` is within 4 ulps of `exact` (an mpf, or +-inf/NaN as float).

    `scale` replaces abs(exact) when larger: for a sum whose terms cancel, an ulp of the
    terms is the best a float result can do.
    """
    got = float(got)
    if isinstance(exact, float) and (np.isnan(exact) or np.isinf(exact)):
        return (np.isnan(got) and np.isnan(exact)) or got == exact
    if abs(exact) > MAX:  # the exact value is beyond the float range: rounds to +-inf
        return got == (INF if exact > 0 else -INF)
    if not np.isfinite(got):
        return False
    with mpmath.workprec(PRECISION):
        return abs(mp(got) - exact) <= max(4 * EPS * max(abs(exact), scale), 4 * SMALLEST)


def check(name, cases):
    """Assert every (input, got, exact[, scale]) case is close; list all failures at once."""
    bad = [f"{name}{args}: got {float(got)!r}, exact {mpmath.nstr(exact, 17)}"
           for args, got, exact, *scale in cases if not close(got, exact, *scale)]
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------------------------
# Exact values. Finite arguments: the definition at 400 bits. Infinite: the limit.

def exact_sigmoid(z):
    # sigma(z) = 1 / (1 + e^-z) -> 1 as z -> +inf, 0 as z -> -inf
    if np.isinf(z):
        return 1.0 if z > 0 else 0.0
    with mpmath.workprec(PRECISION):
        return 1 / (1 + mpmath.exp(-mp(z)))


def exact_softplus(z):
    # log(1 + e^z) -> +inf as z -> +inf, 0 as z -> -inf
    if np.isinf(z):
        return INF if z > 0 else 0.0
    with mpmath.workprec(PRECISION):
        return mpmath.log1p(mpmath.exp(mp(z)))


def exact_log_sigmoid(z):
    # log sigma(z) = -log(1 + e^-z) -> 0 as z -> +inf, -inf as z -> -inf
    if np.isinf(z):
        return 0.0 if z > 0 else -INF
    with mpmath.workprec(PRECISION):
        return -mpmath.log1p(mpmath.exp(-mp(z)))


def exact_logit(p):
    # log(p / (1 - p)): -inf at p = 0 (either sign), +inf at p = 1
    if p == 0:
        return -INF
    if p == 1:
        return INF
    with mpmath.workprec(PRECISION):
        return mpmath.log(mp(p) / (1 - mp(p)))


def exact_log_softmax(row):
    """log softmax of a row, entry by entry, with the limits at infinities.

    One +inf entry: it takes probability 1 (log 0), the others 0 (log -inf). Two or
    more: no limit exists (NaN for those entries, -inf for the finite ones, whose
    probability tends to 0 either way). Every entry -inf: no distribution (NaN).
    """
    n_inf = sum(1 for a in row if a == INF)
    if n_inf:
        return [(0.0 if n_inf == 1 else NAN) if a == INF else -INF for a in row]
    if all(a == -INF for a in row):
        return [NAN] * len(row)
    with mpmath.workprec(PRECISION):
        lse = exact_logsumexp(row)
        return [-INF if a == -INF else mp(a) - lse for a in row]


def exact_softmax(row):
    out = []
    for v in exact_log_softmax(row):
        if isinstance(v, float):  # a limit: 0, -inf or NaN
            out.append(NAN if np.isnan(v) else (1.0 if v == 0 else 0.0))
        else:
            with mpmath.workprec(PRECISION):
                out.append(mpmath.exp(v))
    return out


def exact_logsumexp(row):
    # +inf if any entry is +inf; the -inf entries contribute e^-inf = 0; all -inf: -inf
    if any(a == INF for a in row):
        return INF
    finite = [a for a in row if a != -INF]
    if not finite:
        return -INF
    with mpmath.workprec(PRECISION):
        return mpmath.log(mpmath.fsum(mpmath.exp(mp(a)) for a in finite))


def exact_binary_loss(y, z):
    # Bernoulli negative log-likelihood: -log sigma(z) for y = 1, -log(1 - sigma(z)) =
    # -log sigma(-z) for y = 0 (the same function as -log_sigmoid, limits included).
    return neg(exact_log_sigmoid(z if y == 1 else -z))


def neg(v):
    return -v


def exact_residual(y, z):
    # d loss / dz = sigma(z) - y; for y = 1 that is -sigma(-z) (exact in the right tail)
    return exact_sigmoid(z) if y == 0 else neg(exact_sigmoid(-z))


def exact_curvature(z):
    # d^2 loss / dz^2 = sigma(z) sigma(-z) -> 0 at both infinities
    if np.isinf(z):
        return 0.0
    with mpmath.workprec(PRECISION):
        return exact_sigmoid(z) * exact_sigmoid(-z)


def exact_multinomial_loss(y, row):
    # logsumexp(row) - row[y] = -log softmax(row)[y], limits included
    return neg(exact_log_softmax(row)[y])


def rows_with(z):
    """Rows of class logits around one edge value (every limit case of the row helpers)."""
    return [[z], [z, 0.0], [0.0, z], [z, z], [z, -z], [z, 1.0, -1.0]]


# ------------------------------------------------------------------------------------
# The primitives.

@pytest.mark.parametrize("name, exact", [("sigmoid", exact_sigmoid),
                                         ("softplus", exact_softplus),
                                         ("log_sigmoid", exact_log_sigmoid)])
def test_elementwise_primitives_at_edge_values(name, exact):
    f = getattr(lr, name)
    with strict_floats():
        scalars = [f(z) for z in EDGE_Z]
        vector = f(np.array(EDGE_Z))  # the array code path as well
    check(name, [((z,), got, exact(z)) for z, got in zip(EDGE_Z, scalars, strict=True)])
    check(name, [((z,), got, exact(z)) for z, got in zip(EDGE_Z, vector, strict=True)])


def test_logit_at_edge_values():
    with strict_floats():
        scalars = [lr.logit(p) for p in EDGE_P]
        vector = lr.logit(np.array(EDGE_P))
    check("logit", [((p,), got, exact_logit(p)) for p, got in zip(EDGE_P, scalars, strict=True)])
    check("logit", [((p,), got, exact_logit(p)) for p, got in zip(EDGE_P, vector, strict=True)])


def test_logsumexp_at_edge_values():
    cases = []
    for row in itertools.chain.from_iterable(rows_with(z) for z in EDGE_Z):
        with strict_floats():
            got = lr.logsumexp(np.array(row))
            got_rows = lr.logsumexp(np.array([row, row]), axis=1)
        cases += [((row,), got, exact_logsumexp(row))]
        cases += [((row, "axis=1"), g, exact_logsumexp(row)) for g in got_rows]
    check("logsumexp", cases)


@pytest.mark.parametrize("name, exact", [("softmax", exact_softmax),
                                         ("log_softmax", exact_log_softmax)])
def test_softmax_and_log_softmax_at_edge_values(name, exact):
    f = getattr(lr, name)
    cases = []
    for row in itertools.chain.from_iterable(rows_with(z) for z in EDGE_Z):
        with strict_floats():
            got = f(np.array(row))
            got_columns = f(np.array([row, row]).T, axis=0)  # the other axis
        expected = exact(row)
        cases += [((row, k), g, e) for k, (g, e) in enumerate(zip(got, expected, strict=True))]
        cases += [((row, k, "axis=0"), g, e)
                  for k, (g, e) in enumerate(zip(got_columns[:, 0], expected, strict=True))]
    check(name, cases)


# ------------------------------------------------------------------------------------
# Binary cross-entropy: the loss, its gradient and Hessian. With X = [[1]], coef = [z] and
# intercept 0 the logit is exactly z, so d/dw = d/db = d/dz.

@pytest.mark.parametrize("y", [0, 1])
def test_binary_cross_entropy_at_edge_values(y):
    cases = []
    for z in EDGE_Z:
        exact = exact_binary_loss(y, z)
        with strict_floats():
            one = lr.binary_cross_entropy([y], [z])
            mean = lr.binary_cross_entropy([y, y], [z, z])  # normalised weights: no overflow
            # A sample of weight 0 does not count, even when its own loss is infinite.
            ignored = lr.binary_cross_entropy([y, 1 - y], [z, z], sample_weight=[1.0, 0.0])
            objective = lr.BinaryObjective([[1.0]], [y]).value(np.array([z, 0.0]))
        cases += [((y, z), one, exact), ((y, z, "mean of two"), mean, exact),
                  ((y, z, "zero weight"), ignored, exact), ((y, z, "objective"), objective, exact)]
    check("binary_cross_entropy", cases)


@pytest.mark.parametrize("y", [0, 1])
def test_binary_cross_entropy_gradient_at_edge_values(y):
    cases = []
    for z in EDGE_Z:
        exact = exact_residual(y, z)
        with strict_floats():
            g_w, g_b = lr.binary_cross_entropy_gradient([[1.0]], [y], [z])
            g3_w, g3_b = lr.binary_cross_entropy_gradient([[1.0]] * 3, [y] * 3, [z])
            g_obj = lr.BinaryObjective([[1.0]] * 3, [y] * 3).gradient(np.array([z, 0.0]))
        cases += [((y, z, "w"), g_w[0], exact), ((y, z, "b"), g_b, exact),
                  ((y, z, "w, n=3"), g3_w[0], exact), ((y, z, "b, n=3"), g3_b, exact),
                  ((y, z, "objective w"), g_obj[0], exact),
                  ((y, z, "objective b"), g_obj[1], exact)]
    check("binary_cross_entropy_gradient", cases)


def test_binary_cross_entropy_hessian_at_edge_values():
    cases = []
    for z in EDGE_Z:
        exact = exact_curvature(z)
        with strict_floats():
            H1 = lr.binary_cross_entropy_hessian([[1.0]], [z])
            H3 = lr.binary_cross_entropy_hessian([[1.0]] * 3, [z])  # mean of 3: 1/3 weights
        assert H1.shape == H3.shape == (2, 2)
        cases += [((z, "n=1", ij), H1[ij], exact) for ij in np.ndindex(2, 2)]
        cases += [((z, "n=3", ij), H3[ij], exact) for ij in np.ndindex(2, 2)]
    check("binary_cross_entropy_hessian", cases)


# ------------------------------------------------------------------------------------
# Multinomial cross-entropy. With X = [[1]] and coef = the row's logits as a column,
# Z = X W^T is exactly the row; gradient and Hessian w.r.t. W equal those w.r.t. Z.

MULTI_ROWS = [row for z in EDGE_Z for row in ([z, 0.0], [z, 0.0, -z], [1.0, z, z])]


def test_multinomial_cross_entropy_at_edge_values():
    cases = []
    for row in MULTI_ROWS:
        for y in range(len(row)):
            exact = exact_multinomial_loss(y, row)
            with strict_floats():
                one = lr.multinomial_cross_entropy([y], [row])
                mean = lr.multinomial_cross_entropy([y, y], [row, row])
                other = (y + 1) % len(row)
                ignored = lr.multinomial_cross_entropy([y, other], [row, row],
                                                       sample_weight=[2.0, 0.0])
                objective = lr.MultinomialObjective([[1.0]], [y], len(row)).value(
                    np.array([*row, *np.zeros(len(row))]))
            cases += [((y, row), one, exact), ((y, row, "mean of two"), mean, exact),
                      ((y, row, "zero weight"), ignored, exact),
                      ((y, row, "objective"), objective, exact)]
    check("multinomial_cross_entropy", cases)


def test_multinomial_cross_entropy_gradient_at_edge_values():
    cases = []
    for row in MULTI_ROWS:
        P = exact_softmax(row)
        for y in range(len(row)):
            # d loss / d Z_k = P_k - [k = y]; a NaN probability (tied +inf logits) stays NaN
            exact = [p if k != y else (p - 1 if not isinstance(p, float) else
                                       (NAN if np.isnan(p) else p - 1.0))
                     for k, p in enumerate(P)]
            with strict_floats():
                g_W, g_b = lr.multinomial_cross_entropy_gradient(
                    [[1.0]] * 3, [y] * 3, np.array(row)[:, None])
            cases += [((y, row, k, "W"), g_W[k, 0], e) for k, e in enumerate(exact)]
            cases += [((y, row, k, "b"), g_b[k], e) for k, e in enumerate(exact)]
    check("multinomial_cross_entropy_gradient", cases)


def exact_softmax_curvature(row):
    """d^2 lse / dZ_k dZ_l = P_k (delta_kl - P_l), with NaN where a probability is NaN."""
    P = exact_softmax(row)
    with mpmath.workprec(PRECISION):
        return [[(NAN if any(isinstance(q, float) and np.isnan(q) for q in (P[k], P[m]))
                  else P[k] * ((k == m) - P[m])) for m in range(len(row))]
                for k in range(len(row))]


def test_multinomial_cross_entropy_hessian_and_hessp_at_edge_values():
    cases = []
    for row in MULTI_ROWS:
        K = len(row)
        A = exact_softmax_curvature(row)
        W = np.array(row)[:, None]
        V = np.arange(1.0, K + 1)[:, None]  # a direction (and zero for the intercepts)
        with strict_floats():
            H = lr.multinomial_cross_entropy_hessian([[1.0]] * 3, W, np.zeros(K))
            hv_W, hv_b = lr.multinomial_cross_entropy_hessp([[1.0]] * 3, W, np.zeros(K), V)
        # Parameters [W_0 .. W_{K-1}, b_0 .. b_{K-1}] and x~ = [1, 1]: every (k, l) block of
        # the Hessian is A_kl, so H = [[A, A], [A, A]] and H [v; 0] = [A v; A v].
        assert H.shape == (2 * K, 2 * K)
        for k, m in np.ndindex(K, K):
            for i, j in np.ndindex(2, 2):
                cases.append(((row, "H", k, m, i, j), H[i * K + k, j * K + m], A[k][m]))
        for k in range(K):
            if any(isinstance(a, float) and np.isnan(a) for a in A[k]):
                Av, scale = NAN, 0.0
            else:
                with mpmath.workprec(PRECISION):
                    Av = mpmath.fsum(A[k][m] * (m + 1) for m in range(K))
                    scale = mpmath.fsum(abs(A[k][m]) * (m + 1) for m in range(K))
            cases += [((row, "Hv W", k), hv_W[k, 0], Av, scale),
                      ((row, "Hv b", k), hv_b[k], Av, scale)]
    check("multinomial_cross_entropy_hessian", cases)
