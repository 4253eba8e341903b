"""Solvers for the logistic-regression objective.

* `newton_solve`: Newton's method (IRLS) with an Armijo backtracking line search.
  Works on any objective that provides ``logits``, ``value_from_logits``,
  ``gradient_from_logits`` and ``newton_direction`` (binary: exact Hessian and
  Cholesky; multinomial: Hessian-free conjugate gradients). Converges
  quadratically: 5 to 10 iterations to a gradient max-norm of 1e-10.
* `gradient_descent`: fixed-step gradient descent with a loss history, for teaching.
* `elastic_net_solve`: L1 and elastic-net penalties, by proximal Newton with an
  exact active-set inner solver, so that the answer satisfies the optimality
  (KKT) conditions to ~1e-10 with exact zeros.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ._binary import BinaryObjective
from .exceptions import ConvergenceWarning

__all__ = ["SolverResult", "elastic_net_solve", "gradient_descent", "is_stationary", "newton",
           "newton_solve", "stationarity"]

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
        Whether the stopping rule (see `newton_solve`; for L1 the KKT
        residual, relative in the same way) was met.
    loss_history : ndarray
        Objective value (mean form, penalty included) at the start and after
        every iteration: ``len(loss_history) == n_iter + 1``.
    grad_max : float
        Final gradient max-norm (KKT residual for L1 and elastic net).
    grad_scale : float
        Scale :math:`\tau` of the terms that make up the gradient at the end
        (see `newton_solve`); the stopping test is
        ``grad_max <= tol * min(1, grad_scale)``.
    """

    theta: np.ndarray
    n_iter: int
    converged: bool
    loss_history: np.ndarray = field(repr=False)
    grad_max: float
    grad_scale: float = np.inf


def stationarity(objective, theta, z, g):
    r"""Return :math:`(\lVert\nabla F\rVert_\infty, \tau)`: the gradient and its terms' scale.

    :math:`\tau` is ``objective.gradient_scale_from_logits(theta, z)``, a bound on the
    terms that sum to each gradient component (+inf for an objective that does not
    provide it, which leaves the absolute test alone). See `newton_solve`.
    """
    scale = getattr(objective, "gradient_scale_from_logits", None)
    tau = float(scale(theta, z)) if scale is not None else np.inf
    return float(np.max(np.abs(g), initial=0.0)), tau


def is_stationary(g_max, tau, tol):
    r"""The stopping test: :math:`\lVert\nabla F\rVert_\infty \le \mathrm{tol}\,\min(1, \tau)`."""
    return g_max <= tol * min(1.0, tau)


def newton_solve(objective, theta0, *, tol=1e-10, max_iter=100):
    r"""Minimise a smooth convex objective by damped Newton steps.

    Parameters
    ----------
    objective : object
        Provides ``logits(theta)``, ``value_from_logits(theta, z)``,
        ``gradient_from_logits(theta, z)`` and
        ``newton_direction(theta, z, g)``, and optionally
        ``gradient_scale_from_logits(theta, z)``. Logits must be linear in ``theta``.
    theta0 : ndarray
        Starting point.
    tol : float, default=1e-10
        Stop when :math:`\lVert\nabla F\rVert_\infty \le \mathrm{tol}\cdot\min(1, \tau)`
        (see Notes).
    max_iter : int, default=100
        Maximum number of Newton steps.

    Returns
    -------
    SolverResult
        ``converged`` says whether the stopping test holds at ``theta``.

    Notes
    -----
    **Stopping rule.** :math:`F` is the mean-form objective, the problem as posed
    (:math:`C\sum_i s_i\ell_i + \tfrac12\lVert w\rVert^2`) divided by :math:`CS`.
    Each component of its gradient is a sum of terms (one per sample, plus the
    penalty's) that cancel at the optimum; :math:`\tau` bounds their size
    (``gradient_scale_from_logits``). The test asks for both

    * :math:`\lVert\nabla F\rVert_\infty \le \mathrm{tol}`, the absolute test on
      the mean form (what `tol` meant before), and
    * :math:`\lVert\nabla F\rVert_\infty \le \mathrm{tol}\cdot\tau`, a KKT
      residual relative to the scale of the objective's terms, unchanged when C,
      the features or the weights are rescaled.

    The second matters for a huge C on separable data: every term is then of
    order :math:`1/C`, so the absolute test alone is met at once, far from the
    optimum (issue 16: at C=1e12 it stopped at twice the optimal objective).

    **Steps.** Each step solves :math:`H\Delta = -\nabla F` and backtracks
    :math:`t \leftarrow t/2` until the Armijo condition
    :math:`F(\theta + t\Delta) \le F(\theta) + 10^{-4}\,t\,\nabla F^\top\Delta`
    holds. Because the logits are linear in :math:`\theta`, a trial point
    costs no matrix product: :math:`z(\theta + t\Delta) = z(\theta) + t\,z(\Delta)`
    (with the intercept part of :math:`z(\Delta)` included). Close to the
    optimum :math:`F` changes by less than its rounding error; a step is then
    accepted when it leaves :math:`F` unchanged to rounding (relative to
    :math:`|F|`, which is tiny at a huge C) and reduces the gradient, which is
    what convergence there means. If no step is acceptable, the solver stops;
    it counts as converged only if the Newton decrement
    :math:`-\nabla F^\top\Delta` is at most :math:`16\varepsilon|F|`, i.e. :math:`F` is
    optimal to its own rounding error (`_optimal_to_rounding`), and otherwise
    ``converged`` is False.
    """
    theta = np.array(theta0, dtype=np.float64)
    z = objective.logits(theta)
    f = objective.value_from_logits(theta, z)
    g = objective.gradient_from_logits(theta, z)
    history = [f]
    n_iter = 0
    at_float_limit = False
    while n_iter < max_iter:
        g_max, tau = stationarity(objective, theta, z, g)
        if is_stationary(g_max, tau, tol):
            break
        step = objective.newton_direction(theta, z, g)
        slope = float(g @ step)
        newton_step = slope < 0
        if not newton_step:  # not a descent direction (numerical breakdown): use -g
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
            if abs(f_new - f) <= 8 * _EPS * abs(f):
                g_new = objective.gradient_from_logits(theta_new, z_new)
                if np.max(np.abs(g_new)) < g_max:
                    break
            t *= 0.5
        else:  # no acceptable step: we are at the limit of float64 precision
            at_float_limit = newton_step and _optimal_to_rounding(-slope, f)
            break
        theta, z, f, g = theta_new, z_new, f_new, g_new
        history.append(f)
        n_iter += 1
    g_max, tau = stationarity(objective, theta, z, g)
    converged = is_stationary(g_max, tau, tol) or at_float_limit
    return SolverResult(theta, n_iter, converged, np.asarray(history), g_max, tau)


def _optimal_to_rounding(predicted_decrease, f):
    r"""Whether a model's predicted decrease is below what float64 can resolve in :math:`F`.

    The Newton decrement :math:`-\nabla F^\top\Delta \approx 2\,(F - F^*)`; when it is at
    most :math:`16\varepsilon|F|`, :math:`F` is optimal to its own rounding error, and a
    smaller gradient cannot be certified by any decrease of :math:`F`.
    """
    return predicted_decrease <= 16 * _EPS * abs(f)


def _binary_objective(X, y, C, sample_weight, fit_intercept, l1_ratio=0.0):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    # / C / S, not / (C * S): the product overflows for C near 1e308.
    l2 = 0.0 if np.isinf(C) else (1.0 - l1_ratio) / C / s.sum()
    l1 = 0.0 if np.isinf(C) else l1_ratio / C / s.sum()
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


def elastic_net_solve(objective, l1, theta0=None, *, tol=1e-10, max_iter=100, warn=True):
    r"""Minimise :math:`F(w, b) + \lambda_1 \lVert w\rVert_1` (L1 or elastic net).

    Parameters
    ----------
    objective : BinaryObjective or MultinomialObjective
        The smooth part F (data term plus the L2 part of the penalty); must
        provide ``value``, ``gradient`` and a dense ``hessian``.
    l1 : float
        :math:`\lambda_1 = \rho / (C S)` in the mean form.
    theta0 : ndarray, optional
        Starting point (default zero).
    tol : float, default=1e-10
        Stop when the KKT residual (see Notes) is at most
        :math:`\mathrm{tol}\cdot\min(1, \tau + \lambda_1)`, with :math:`\tau` the
        scale of the smooth gradient's terms (relative, as in `newton_solve`).
    max_iter : int, default=100
        Maximum number of proximal Newton steps.
    warn : bool, default=True
        Raise `ConvergenceWarning` when the test is not met
        (`LogisticRegression` passes False and words its own warning).

    Returns
    -------
    SolverResult
        ``grad_max`` is the final KKT residual.

    Notes
    -----
    A point is optimal iff, with :math:`g = \nabla_w F`,

    .. math::

        g_j + \lambda_1 \operatorname{sign}(w_j) = 0 \ (w_j \ne 0), \qquad
        |g_j| \le \lambda_1 \ (w_j = 0), \qquad \partial F/\partial b = 0 .

    The KKT residual is the largest violation of these conditions (the
    minimum-norm subgradient, see `kkt_residual`).

    The method is proximal Newton (Lee, Sun & Saunders 2014; glmnet's outer
    loop, Friedman, Hastie & Tibshirani 2010): each step minimises the
    quadratic model of F plus the exact L1 term,
    :math:`g^\top\Delta + \tfrac12\Delta^\top H\Delta + \lambda_1\lVert w+\Delta_w\rVert_1`,
    exactly, by a feature-sign (active-set) search that produces exact zeros,
    then backtracks on the true objective. Near the solution the signs settle
    and the steps are Newton steps on the non-zeros, which is why the KKT
    residual reaches ~1e-12. If no step decreases the objective any more, the
    fit counts as converged only when the model's predicted decrease is below
    float64's resolution of the objective (as in `newton_solve`).
    """
    d, n_params = objective.n_features_total, objective.n_params
    theta = np.zeros(n_params) if theta0 is None else np.array(theta0, dtype=float)

    def penalised(t):
        return objective.value(t) + l1 * np.abs(t[:d]).sum()

    f = penalised(theta)
    history = [f]
    n_iter = 0
    at_float_limit = False
    residual, tau = _kkt_stationarity(objective, l1, theta)
    while not is_stationary(residual, tau, tol) and n_iter < max_iter:
        g = objective.gradient(theta)
        H = objective.hessian(theta)
        step = _l1_quadratic_step(theta, g, H, l1, d)
        # Predicted decrease of the model (<= 0); Armijo on the true objective.
        l1_now = l1 * np.abs(theta[:d]).sum()
        model_decrease = g @ step + l1 * np.abs(theta[:d] + step[:d]).sum() - l1_now
        if not model_decrease < 0:
            at_float_limit = True  # no descent left at float64 precision
            break
        t = 1.0
        for _ in range(_MAX_HALVINGS):
            f_new = penalised(theta + t * step)
            if f_new <= f + _ARMIJO_SIGMA * t * model_decrease or (
                    abs(f_new - f) <= 8 * _EPS * abs(f)
                    and kkt_residual(objective, l1, theta + t * step) < residual):
                break
            t *= 0.5
        else:
            at_float_limit = _optimal_to_rounding(-model_decrease, f)
            break
        theta = theta + t * step
        f = f_new
        history.append(f)
        n_iter += 1
        residual, tau = _kkt_stationarity(objective, l1, theta)
    converged = is_stationary(residual, tau, tol) or at_float_limit
    if warn and not converged:
        warnings.warn(
            f"The L1/elastic-net solver stopped after {n_iter} iterations with KKT residual "
            f"{residual:.2e} > tol={tol:g} (times min(1, scale of the gradient's terms) = "
            f"{min(1.0, tau):.2e}); increase max_iter or standardise the features.",
            ConvergenceWarning, stacklevel=2)
    return SolverResult(theta, n_iter, converged, np.asarray(history), residual, tau)


def _kkt_stationarity(objective, l1, theta):
    """KKT residual and the scale of its terms (the smooth gradient's, plus lambda_1)."""
    z = objective.logits(theta)
    _, tau = stationarity(objective, theta, z, objective.gradient_from_logits(theta, z))
    return kkt_residual(objective, l1, theta), tau + l1


def _l1_quadratic_step(theta, g, H, l1, d):
    r"""Minimise the proximal Newton model over the step :math:`\Delta`.

    The model is :math:`g^\top\Delta + \tfrac12\Delta^\top H\Delta
    + \lambda_1\lVert w + \Delta_w\rVert_1`.

    The first `d` coordinates (:math:`w`) are penalised; the rest (intercepts)
    are not. The intercepts are eliminated exactly first: for given
    :math:`\Delta_w` the best :math:`\Delta_b = -H_{bb}^{+}(g_b + H_{bw}\Delta_w)`,
    which leaves a problem in :math:`\Delta_w` alone, with the Schur complement
    :math:`A = H_{ww} - H_{wb}H_{bb}^{+}H_{bw}` (this is what centring the
    features does; without it, features far from zero make the model badly
    conditioned). That L1-penalised quadratic is solved exactly by
    `_feature_sign_search`.
    """
    g_w, g_b = g[:d], g[d:]
    A, c = H[:d, :d], g_w
    if len(g_b):
        H_bb_pinv = np.linalg.pinv(H[d:, d:], rcond=1e-12, hermitian=True)
        coupling = H[:d, d:] @ H_bb_pinv  # H_wb H_bb^+
        A = A - coupling @ H[d:, :d]
        c = g_w - coupling @ g_b
    w = theta[:d]
    step_w = _feature_sign_search(A, c, w, l1) - w
    if not len(g_b):
        return step_w
    step_b = -H_bb_pinv @ (g_b + H[d:, :d] @ step_w)
    return np.concatenate([step_w, step_b])


def _feature_sign_search(A, c, w, l1, max_steps=None):
    r"""Exactly minimise an L1-penalised quadratic over the coefficients v.

    The function is :math:`q(v) = c^\top(v-w) + \tfrac12(v-w)^\top A(v-w)
    + \lambda_1\lVert v\rVert_1`.

    The feature-sign search of Lee, Battle, Raina & Ng (2007), started at
    :math:`v = w` (the current coefficients, so the support is usually right
    already). It keeps a guess of the support and of the signs there; on that
    guess :math:`q` is a quadratic whose minimiser solves one linear system.
    A discrete line search towards it (stopping where a coefficient would
    change sign) never increases :math:`q`; a zero coefficient joins the
    support when :math:`|\nabla_j| > \lambda_1`. It ends, after finitely many
    steps, at a point where every optimality condition holds:
    :math:`\nabla_j + \lambda_1\operatorname{sign}(v_j) = 0` on the support and
    :math:`|\nabla_j| \le \lambda_1` off it, with :math:`\nabla = c + A(v - w)`.
    """
    d = len(w)
    v = w.copy()
    signs = np.sign(v)
    diag_scale = max(float(np.max(np.abs(np.diag(A)), initial=0.0)), 1e-300)

    def q(x):
        dx = x - w
        return c @ dx + 0.5 * dx @ (A @ dx) + l1 * np.abs(x).sum()

    tol = 1e-12 * max(l1, np.max(np.abs(c), initial=0.0), 1e-300)
    for _ in range(max_steps or 20 * d + 100):
        grad = c + A @ (v - w)
        zero = v == 0
        active_ok = np.all(np.abs(grad[~zero] + l1 * signs[~zero]) <= tol)
        if active_ok:
            violation = np.where(zero, np.abs(grad) - l1, -np.inf)
            j = int(np.argmax(violation))
            if violation[j] <= tol:
                return v  # optimal
            signs[j] = -np.sign(grad[j])  # j joins the support with the sign that helps
        support = signs != 0
        # Minimiser of the quadratic with the support and signs fixed (v = 0 elsewhere).
        A_SS = A[np.ix_(support, support)]
        rhs = -c[support] - l1 * signs[support] + A[np.ix_(support, ~support)] @ w[~support]
        target = np.zeros(d)
        target[support] = w[support] + _solve_psd(A_SS, rhs, diag_scale)
        # Discrete line search from v to target: the end point and each sign change
        # (where that coefficient is set exactly to zero).
        direction = target - v
        crossing = np.flatnonzero((v != 0) & (np.sign(target) != np.sign(v)))
        candidates = [(1.0, None)] + [(v[k] / (v[k] - target[k]), k) for k in crossing]
        best_v, best_q = v, q(v)
        for t, k in candidates:
            trial = v + t * direction
            if k is not None:
                trial[k] = 0.0
            value = q(trial)
            if value < best_q:
                best_v, best_q = trial, value
        if best_v is v:  # no progress is possible at float64 precision
            return v
        v = best_v
        signs = np.sign(v)
    return v


def _solve_psd(M, rhs, scale):
    """Solve ``M x = rhs`` for symmetric PSD M (Cholesky, with tiny damping if singular)."""
    mu = 0.0
    for _ in range(30):
        try:
            L = np.linalg.cholesky(M + mu * np.eye(len(M)))
            return np.linalg.solve(L.T, np.linalg.solve(L, rhs))
        except np.linalg.LinAlgError:
            mu = 1e-14 * scale if mu == 0.0 else 10.0 * mu
    return np.linalg.lstsq(M, rhs, rcond=None)[0]


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
