"""A huge finite C on separable data is solved to the same relative accuracy, or warns (issue 16).

The stopping test used to be the gradient max-norm of the mean-form objective (the
objective divided by C S) against 1e-10. On separable data every term of that gradient is
of order 1/C, so the test was met at once: at C=1e12 the fit stopped at objective 754.6
against an optimum of 363.68, at C=1e30 at 3.1e20 against 2288, with no warning. The test
is now relative to the size of the gradient's terms as well (`newton_solve`).

The optimum is independent of logreg_ref and of float64: Newton's method in mpmath at 60
digits on the sum form ``C sum_i l_i + ||w||^2 / 2``, run until its Newton decrement is
below 1e-40 of the objective. Its values are stored below; `test_reference_optima` (slow)
recomputes them. Objectives are evaluated in mpmath too, so a float64 cancellation in the
loss (softplus(z) - z for y = 1 and z ~ 30, times C = 1e12) cannot blur the comparison.
"""

from __future__ import annotations

import re
import warnings

import mpmath
import numpy as np
import pytest
from sklearn.datasets import make_classification

import logreg_ref as lr

X, Y = make_classification(n_samples=10, n_features=20, random_state=42)  # separable (d > n)

#: C -> optimal objective C sum_i l_i + ||w||^2 / 2 (60-digit Newton, see module docstring).
OPTIMUM = {
    1e6: "95.18766704541429",
    1e8: "164.41280062932542",
    1e10: "253.83123358978301",
    1e12: "363.67874648939091",
    1e15: "567.08706233672278",
    1e20: "1009.9372110716557",
    1e30: "2288.1343501258202",
}


def objective_mp(C, coef, intercept):
    """The problem as posed, C sum_i log(1 + e^z_i) - y_i z_i + ||w||^2 / 2, at 60 digits."""
    with mpmath.workdps(60):
        total = mpmath.mpf(0)
        for x, y in zip(X, Y, strict=True):
            z = mpmath.fsum(mpmath.mpf(float(a)) * mpmath.mpf(float(b))
                            for a, b in zip(x, coef, strict=True)) + mpmath.mpf(float(intercept))
            total += mpmath.log1p(mpmath.exp(z)) - int(y) * z
        return mpmath.mpf(C) * total + mpmath.fsum(mpmath.mpf(float(w)) ** 2 for w in coef) / 2


def fit(C, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = lr.LogisticRegression(C=C, **params).fit(X, Y)
    warned = [w for w in caught if issubclass(w.category, lr.ConvergenceWarning)]
    return model, warned


@pytest.mark.parametrize("C", list(OPTIMUM))
def test_objective_reaches_the_optimum_or_warns(C):
    model, warned = fit(C)
    f = objective_mp(C, model.coef_[0], model.intercept_[0])
    relative = abs(f - mpmath.mpf(OPTIMUM[C])) / mpmath.mpf(OPTIMUM[C])
    assert warned or relative <= 1e-8, f"C={C:g}: objective off by {float(relative):.1e}"
    # Not vacuous: on this data every C up to 1e30 converges within the default max_iter,
    # to the optimum (the old rule stopped with relative errors of 1e-8 at C=1e6, 1e-6 at
    # 1e8, 1e-2 at 1e10, growing to 1e17 at 1e30).
    assert not warned
    assert relative <= 1e-8


def test_the_old_absolute_test_alone_stops_far_from_the_optimum():
    """Why the relative test is needed: |grad F| <= 1e-10 holds at C=1e12 long before the end."""
    objective, _ = lr._solvers._binary_objective(X, Y.astype(float), 1e12, np.ones(10), True)
    theta = np.zeros(objective.n_params)
    for _ in range(100):  # plain Newton until the old rule would have stopped
        res = lr._solvers.newton_solve(objective, theta, tol=np.inf, max_iter=1)
        if np.max(np.abs(objective.gradient(res.theta))) <= 1e-10:
            break
        theta = res.theta
    w, b = objective.split(res.theta)
    assert objective_mp(1e12, w, b) > 1.5 * mpmath.mpf(OPTIMUM[1e12])
    model, _ = fit(1e12)
    assert model.n_iter_[0] > 25  # the relative test keeps going, to the optimum


@pytest.mark.parametrize(("C", "params"), [(1e60, {}), (1e12, {"max_iter": 10})])
def test_unreachable_tolerance_warns_naming_C_and_what_to_do(C, params):
    """C=1e60 needs more than 100 Newton steps (the coefficients grow like log C)."""
    expected = re.escape(f"at C={C:g}: it ran out of iterations")
    with pytest.warns(lr.ConvergenceWarning, match=expected) as info:
        lr.LogisticRegression(C=C, **params).fit(X, Y)
    message = str(info[0].message)
    assert "use a smaller C" in message and "increase max_iter" in message


def test_C_near_the_largest_float_does_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lr.ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)  # 1 / (C * S) overflowed to 0
        model = lr.LogisticRegression(C=1e308).fit(X, Y)
    assert np.all(np.isfinite(model.coef_))


def test_huge_C_multinomial_also_reaches_its_tolerance():
    """The relative test for softmax: at C=1e12 on separable data the gradient's terms are tiny."""
    X3, y3 = make_classification(n_samples=30, n_features=40, n_informative=5, n_classes=3,
                                 random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", lr.ConvergenceWarning)  # it converges: no warning
        model = lr.LogisticRegression(C=1e12).fit(X3, y3)
    objective = lr.MultinomialObjective(X3, y3, 3, l2=1 / 1e12 / 30)
    theta = np.concatenate([model.coef_.ravel(), model.intercept_])
    g = objective.gradient(theta)
    tau = objective.gradient_scale_from_logits(theta, objective.logits(theta))
    assert np.max(np.abs(g)) <= 1e-10 * min(1.0, tau)
    assert tau < 1e-6  # the case where the absolute test alone would be meaningless


def _newton_mp(C, max_iter=400):
    """Damped Newton on the sum form in mpmath (Armijo backtracking), to a relative decrement
    below 1e-40: the independent optimum of OPTIMUM. Run it inside ``mpmath.workdps(60)``."""
    n, d = X.shape
    rows = [[mpmath.mpf(float(v)) for v in row] + [mpmath.mpf(1)] for row in X]
    Cm = mpmath.mpf(C)

    def parts(theta):
        f, g, H = mpmath.mpf(0), [mpmath.mpf(0)] * (d + 1), mpmath.matrix(d + 1, d + 1)
        for i in range(n):
            z = mpmath.fsum(rows[i][j] * theta[j] for j in range(d + 1))
            f += Cm * (mpmath.log1p(mpmath.exp(z)) - int(Y[i]) * z)
            p = 1 / (1 + mpmath.exp(-z))
            for j in range(d + 1):
                g[j] += Cm * (p - int(Y[i])) * rows[i][j]
                for k in range(j, d + 1):
                    H[j, k] += Cm * p * (1 - p) * rows[i][j] * rows[i][k]
        for j in range(d):
            f += theta[j] ** 2 / 2
            g[j] += theta[j]
            H[j, j] += 1
        for j in range(d + 1):
            for k in range(j):
                H[j, k] = H[k, j]
        return f, mpmath.matrix(g), H

    theta = mpmath.matrix(d + 1, 1)
    f, g, H = parts(theta)
    for _ in range(max_iter):
        step = mpmath.lu_solve(H, -g)
        slope = mpmath.fsum(g[j] * step[j] for j in range(d + 1))
        if -slope < mpmath.mpf(10) ** -40 * abs(f):
            return f
        t = mpmath.mpf(1)
        while True:
            f_new, g_new, H_new = parts(theta + t * step)
            if f_new <= f + mpmath.mpf("1e-4") * t * slope:
                break
            t /= 2
        theta, f, g, H = theta + t * step, f_new, g_new, H_new
    raise AssertionError("the mpmath Newton did not converge")


@pytest.mark.slow
@pytest.mark.parametrize("C", [1e6, 1e12, 1e30])
def test_reference_optima(C):
    """The stored optima are what a 60-digit Newton gives (about 2 s each)."""
    with mpmath.workdps(60):
        f = _newton_mp(C)
        assert abs(f - mpmath.mpf(OPTIMUM[C])) <= 1e-15 * f
