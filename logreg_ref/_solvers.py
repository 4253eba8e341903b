"""Solvers for the logistic-regression objective.

* `newton_solve`: Newton's method (IRLS) with an Armijo backtracking line search.
  Works on any objective that provides ``logits``, ``value_from_logits``,
  ``gradient_from_logits`` and ``newton_direction`` (binary: exact Hessian and
  Cholesky; multinomial: Hessian-free conjugate gradients). Converges
  quadratically: 5 to 10 iterations to a gradient max-norm of 1e-10.
* `gradient_descent`: fixed-step gradient descent with a loss history, for teaching.
* `elastic_net_solve`: L1 and elastic-net penalties, by bound-constrained
  L-BFGS-B on the split ``w = u - v`` followed by an active-set Newton polish,
  so that the answer satisfies the optimality (KKT) conditions to ~1e-10.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ._binary import BinaryObjective, solve_positive_definite
from .exceptions import ConvergenceWarning

__all__ = ["SolverResult", "elastic_net_solve", "gradient_descent", "newton", "newton_solve"]

_ARMIJO_SIGMA = 1e-4
_MAX_HALVINGS = 40
_EPS = np.finfo(np.float64).eps


@dataclass
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    theta : ndarray
        Packed parameters ``[w, b]`` (intercept last when fitted); the
        multinomial solver packs ``[W.ravel(), b]``.
    n_iter : int
        Iterations taken (Newton steps, or gradient steps).
    converged : bool
        Whether the stopping rule (gradient max-norm <= tol, or the KKT
        residual for L1) was met.
    loss_history : ndarray
        Objective value (mean form, penalty included) at the start and after
        every iteration: ``len(loss_history) == n_iter + 1``.
    grad_max : float
        Final gradient max-norm (KKT residual for L1 and elastic net).
    """

    theta: np.ndarray
    n_iter: int
    converged: bool
    loss_history: np.ndarray = field(repr=False)
    grad_max: float


def newton_solve(objective, theta0, *, tol=1e-10, max_iter=100):
    r"""Minimise a smooth convex objective by damped Newton steps.

    Parameters
    ----------
    objective : object
        Provides ``logits(theta)``, ``value_from_logits(theta, z)``,
        ``gradient_from_logits(theta, z)`` and
        ``newton_direction(theta, z, g)``. Logits must be linear in ``theta``.
    theta0 : ndarray
        Starting point.
    tol : float, default=1e-10
        Stop when :math:`\lVert\nabla F\rVert_\infty \le` `tol`.
    max_iter : int, default=100
        Maximum number of Newton steps.

    Returns
    -------
    SolverResult

    Notes
    -----
    Each step solves :math:`H\Delta = -\nabla F` and backtracks
    :math:`t \leftarrow t/2` until the Armijo condition
    :math:`F(\theta + t\Delta) \le F(\theta) + 10^{-4}\,t\,\nabla F^\top\Delta`
    holds. Because the logits are linear in :math:`\theta`, a trial point
    costs no matrix product: :math:`z(\theta + t\Delta) = z(\theta) + t\,z(\Delta)`
    (with the intercept part of :math:`z(\Delta)` included). Close to the
    optimum :math:`F` changes by less than its rounding error; a step is then
    accepted when it leaves :math:`F` unchanged to rounding and reduces the
    gradient, which is what convergence there means.
    """
    theta = np.array(theta0, dtype=np.float64)
    z = objective.logits(theta)
    f = objective.value_from_logits(theta, z)
    g = objective.gradient_from_logits(theta, z)
    history = [f]
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= tol:
            n_iter -= 1
            converged = True
            break
        step = objective.newton_direction(theta, z, g)
        slope = float(g @ step)
        if not slope < 0:  # not a descent direction (numerical breakdown): use -g
            step = -g
            slope = -float(g @ g)
        dz = objective.logits(step)  # logits are linear in theta
        t = 1.0
        for _ in range(_MAX_HALVINGS):
            theta_new = theta + t * step
            z_new = z + t * dz
            f_new = objective.value_from_logits(theta_new, z_new)
            if f_new <= f + _ARMIJO_SIGMA * t * slope:
                g_new = objective.gradient_from_logits(theta_new, z_new)
                break
            if abs(f_new - f) <= 8 * _EPS * max(abs(f), 1.0):
                g_new = objective.gradient_from_logits(theta_new, z_new)
                if np.max(np.abs(g_new)) < np.max(np.abs(g)):
                    break
            t *= 0.5
        else:  # no acceptable step: we are at the limit of float64 precision
            history.append(f)
            break
        theta, z, f, g = theta_new, z_new, f_new, g_new
        history.append(f)
    else:
        converged = bool(np.max(np.abs(g)) <= tol)
    return SolverResult(theta, n_iter, converged, np.asarray(history), float(np.max(np.abs(g))))


def _binary_objective(X, y, C, sample_weight, fit_intercept, l1_ratio=0.0):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    l2 = 0.0 if np.isinf(C) else (1.0 - l1_ratio) / (C * s.sum())
    l1 = 0.0 if np.isinf(C) else l1_ratio / (C * s.sum())
    return BinaryObjective(X, y, s, l2=l2, fit_intercept=fit_intercept), l1


def newton(X, y, *, C=np.inf, sample_weight=None, fit_intercept=True, tol=1e-10,
           max_iter=100, coef_init=None, intercept_init=0.0):
    r"""Fit binary L2-penalised (or unpenalised) logistic regression by Newton/IRLS.

    Minimises :math:`\frac1S\sum_i s_i\ell_i + \frac{1}{2CS}\lVert w\rVert^2`
    (scikit-learn's :math:`C\sum_i s_i\ell_i + \frac12\lVert w\rVert^2` divided
    by :math:`CS`). ``C=np.inf`` gives the maximum-likelihood estimate, which
    does not exist on separable data: this low-level function then returns the
    point where it stopped; `LogisticRegression` detects separation first.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Targets in {0, 1}.
    C : float, default=np.inf
        Inverse regularisation strength.
    sample_weight : ndarray of shape (n_samples,), optional
    fit_intercept : bool, default=True
    tol : float, default=1e-10
        Gradient max-norm at which to stop.
    max_iter : int, default=100
    coef_init, intercept_init : optional
        Starting point (default zero).

    Returns
    -------
    SolverResult
        ``theta = [w, b]``; ``loss_history`` holds F after every step.
    """
    objective, _ = _binary_objective(X, y, C, sample_weight, fit_intercept)
    theta0 = _initial_theta(objective, coef_init, intercept_init)
    return newton_solve(objective, theta0, tol=tol, max_iter=max_iter)


def _initial_theta(objective, coef_init, intercept_init):
    theta = np.zeros(objective.n_params)
    if coef_init is not None:
        theta[: objective.n_features] = coef_init
    if objective.fit_intercept:
        theta[-1] = intercept_init
    return theta


def gradient_descent(X, y, *, C=np.inf, step_size=None, sample_weight=None, fit_intercept=True,
                     tol=1e-6, max_iter=1000, coef_init=None, intercept_init=0.0):
    r"""Fit binary logistic regression by plain gradient descent (for teaching).

    Each step is :math:`\theta \leftarrow \theta - \eta\,\nabla F(\theta)` on
    the mean-form objective of `newton`.

    Parameters
    ----------
    X, y, C, sample_weight, fit_intercept, coef_init, intercept_init
        As in `newton`.
    step_size : float, optional
        The step :math:`\eta`. Default :math:`1/L` with
        :math:`L = \lambda_{\max}\bigl(\tilde X^\top \operatorname{diag}(s)\tilde X\bigr)/(4S)
        + \lambda_2`,
        a Lipschitz constant of the gradient (because :math:`p(1-p)\le 1/4`),
        for which every step decreases F.
    tol : float, default=1e-6
        Stop when the gradient max-norm falls below `tol`.
    max_iter : int, default=1000

    Returns
    -------
    SolverResult
        ``loss_history[k]`` is F after k steps; ``converged`` is False when
        `max_iter` ran out first (no warning: slow convergence on badly
        scaled data is the lesson).
    """
    objective, _ = _binary_objective(X, y, C, sample_weight, fit_intercept)
    theta = _initial_theta(objective, coef_init, intercept_init)
    if step_size is None:
        Xt = objective.X
        if fit_intercept:
            Xt = np.column_stack([Xt, np.ones(len(Xt))])
        L = np.linalg.norm(np.sqrt(objective.s)[:, None] * Xt, 2) ** 2 / 4.0 + objective.l2
        step_size = 1.0 / L
    z = objective.logits(theta)
    history = [objective.value_from_logits(theta, z)]
    g = objective.gradient_from_logits(theta, z)
    n_iter = 0
    while n_iter < max_iter and np.max(np.abs(g)) > tol:
        theta = theta - step_size * g
        z = objective.logits(theta)
        history.append(objective.value_from_logits(theta, z))
        g = objective.gradient_from_logits(theta, z)
        n_iter += 1
    grad_max = float(np.max(np.abs(g)))
    return SolverResult(theta, n_iter, grad_max <= tol, np.asarray(history), grad_max)


def elastic_net_solve(objective, l1, theta0=None, *, tol=1e-10, max_iter=1000):
    r"""Minimise :math:`F(w, b) + \lambda_1 \lVert w\rVert_1` (L1 or elastic net).

    Parameters
    ----------
    objective : BinaryObjective or MultinomialObjective
        The smooth part F (data term plus the L2 part of the penalty).
    l1 : float
        :math:`\lambda_1 = \rho / (C S)` in the mean form.
    theta0 : ndarray, optional
    tol : float, default=1e-10
        Target for the KKT residual (see Notes).
    max_iter : int, default=1000
        L-BFGS-B iteration limit.

    Returns
    -------
    SolverResult
        ``grad_max`` is the KKT residual.

    Notes
    -----
    A point is optimal iff, with :math:`g = \nabla_w F`,

    .. math::

        g_j + \lambda_1 \operatorname{sign}(w_j) = 0 \ (w_j \ne 0), \qquad
        |g_j| \le \lambda_1 \ (w_j = 0), \qquad \partial F/\partial b = 0 .

    The KKT residual is the largest violation of these conditions (the
    minimum-norm subgradient). Stage 1 writes :math:`w = u - v` with
    :math:`u, v \ge 0`, which makes the problem smooth with bounds, and solves
    it with SciPy's L-BFGS-B. Stage 2 fixes the signs of the non-zero
    coefficients and takes Newton steps on that smooth sub-problem, adding any
    zero coefficient whose KKT condition fails, until the residual is below
    `tol` (it typically reaches 1e-12).
    """
    from scipy.optimize import minimize  # SciPy only for the L1 path

    d, n_params = objective.n_features_total, objective.n_params
    theta0 = np.zeros(n_params) if theta0 is None else np.asarray(theta0, dtype=float)
    w0 = theta0[:d]
    x0 = np.concatenate([np.maximum(w0, 0), np.maximum(-w0, 0), theta0[d:]])

    def fun(x):
        theta = np.concatenate([x[:d] - x[d : 2 * d], x[2 * d :]])
        z = objective.logits(theta)
        f = objective.value_from_logits(theta, z) + l1 * x[: 2 * d].sum()
        g = objective.gradient_from_logits(theta, z)
        return f, np.concatenate([g[:d] + l1, -g[:d] + l1, g[d:]])

    bounds = [(0, None)] * (2 * d) + [(None, None)] * (n_params - d)
    res = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "gtol": 1e-12, "ftol": 0.0, "maxcor": 20})
    theta = np.concatenate([res.x[:d] - res.x[d : 2 * d], res.x[2 * d :]])
    history = [float(res.fun)]
    theta, n_polish = _polish_active_set(objective, l1, theta, tol)
    residual = kkt_residual(objective, l1, theta)
    z = objective.logits(theta)
    history.append(objective.value_from_logits(theta, z) + l1 * np.abs(theta[:d]).sum())
    converged = residual <= max(tol, 1e-8)
    if not converged:
        warnings.warn(
            f"The L1/elastic-net solver stopped with KKT residual {residual:.2e} > tol={tol:g}; "
            "increase max_iter or standardise the features.",
            ConvergenceWarning, stacklevel=3)
    return SolverResult(theta, int(res.nit) + n_polish, converged, np.asarray(history), residual)


def kkt_residual(objective, l1, theta):
    r"""Largest violation of the L1/elastic-net optimality conditions at `theta`.

    For each coefficient the minimum-norm subgradient of
    :math:`F + \lambda_1\lVert w\rVert_1` is :math:`g_j + \lambda_1\operatorname{sign}(w_j)`
    when :math:`w_j \ne 0` and :math:`\max(|g_j| - \lambda_1, 0)` when
    :math:`w_j = 0`; unpenalised parameters (intercepts) contribute
    :math:`|g_j|`. Returns the max-norm of that vector.
    """
    d = objective.n_features_total
    g = objective.gradient(theta)
    w, gw = theta[:d], g[:d]
    sub = np.where(w != 0, gw + l1 * np.sign(w), np.maximum(np.abs(gw) - l1, 0.0))
    return float(max(np.max(np.abs(sub), initial=0.0), np.max(np.abs(g[d:]), initial=0.0)))


def _polish_active_set(objective, l1, theta, tol, max_rounds=20):
    """Newton steps on the smooth problem with the signs of the non-zeros fixed."""
    d = objective.n_features_total
    theta = theta.copy()
    n_steps = 0
    for _ in range(max_rounds):
        if kkt_residual(objective, l1, theta) <= tol:
            break
        g = objective.gradient(theta)
        w = theta[:d]
        # Free coordinates: current non-zeros, plus zeros whose KKT condition fails.
        grow = (w == 0) & (np.abs(g[:d]) > l1)
        signs = np.where(w != 0, np.sign(w), -np.sign(g[:d]) * grow)
        free = np.concatenate([(w != 0) | grow, np.ones(len(theta) - d, dtype=bool)])
        H = objective.hessian(theta)[np.ix_(free, free)]
        grad = (g + np.concatenate([l1 * signs, np.zeros(len(theta) - d)]))[free]
        step = np.zeros_like(theta)
        step[free] = solve_positive_definite(H, -grad)
        # Take the largest step (<= 1) that keeps every sign, then zero the crossers.
        new = theta + step
        crossed = (signs != 0) & (np.sign(new[:d]) != signs)
        t = 1.0
        if np.any(crossed):
            ratios = -theta[:d][crossed] / step[:d][crossed]
            ratios = ratios[ratios > 0]
            t = float(min(1.0, ratios.min())) if ratios.size else 1.0
        candidate = theta + t * step
        candidate[:d][np.abs(candidate[:d]) <= 1e-15 * np.abs(theta[:d]).max(initial=1.0)] = 0.0
        candidate[:d][(signs != 0) & (np.sign(candidate[:d]) != signs)] = 0.0
        f_old = _penalised_value(objective, l1, theta)
        if _penalised_value(objective, l1, candidate) > f_old + 8 * _EPS * abs(f_old):
            break  # polishing would make things worse: keep the L-BFGS-B answer
        theta = candidate
        n_steps += 1
    return theta, n_steps


def _penalised_value(objective, l1, theta):
    d = objective.n_features_total
    return objective.value(theta) + l1 * np.abs(theta[:d]).sum()
