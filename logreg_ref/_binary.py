"""Binary cross-entropy on logits, its gradient and Hessian, with sample weights.

Notation (the same in the book and the graded notebooks):

    X : (n, d) features,  y in {0, 1}^n,  s >= 0 sample weights,  S = sum_i s_i
    z = X w + b           logits (the linear predictor)
    p = sigmoid(z)        predicted probability of the positive class
    l(y, z) = log(1 + e^z) - y z = softplus(z) - y z
                          = -[y log p + (1 - y) log(1 - p)]   (Bernoulli negative log-likelihood)

The loss functions return the *weighted mean* (1/S) sum_i s_i l(y_i, z_i). The
weighted sum that scikit-learn's documentation writes, C sum_i s_i l_i + r(w),
is C S times the mean objective used here (see `BinaryObjective`), so the two
have the same minimiser.
"""

from __future__ import annotations

import numpy as np

from ._design import as_design, column_sq_sum, gram, inexact_newton_step, is_sparse, max_abs

__all__ = [
    "BinaryObjective",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "binary_cross_entropy_hessian",
]


def _weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    return np.asarray(sample_weight, dtype=np.float64)


def _residual(z, y):
    r"""Return :math:`p - y = \sigma(z) - y` without cancellation.

    For :math:`y = 1` the residual is :math:`-\sigma(-z)`: computed that way it
    keeps full relative precision for :math:`z \gg 0`, where
    :math:`\sigma(z) - 1` would round to zero. The blend
    :math:`(1-y)\sigma(z) - y\,\sigma(-z)` equals :math:`\sigma(z) - y` for
    any :math:`y \in [0, 1]`.
    """
    p, q = _sigmoid_pair(z)
    with np.errstate(under="ignore"):  # subnormal products for labels strictly inside (0, 1)
        return (1.0 - y) * p - y * q


def _sigmoid_pair(z):
    """Return ``(sigmoid(z), sigmoid(-z))`` from a single exponential ``e = exp(-|z|)``."""
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
    big, small = 1.0 / (1.0 + e), e / (1.0 + e)
    positive = z >= 0
    return np.where(positive, big, small), np.where(positive, small, big)


def binary_cross_entropy(y, z, sample_weight=None):
    r"""Weighted mean binary cross-entropy, computed from the logits.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Targets in :math:`\{0, 1\}` (values in :math:`[0, 1]` are allowed).
    z : array_like of shape (n_samples,)
        Logits :math:`z_i = x_i^\top w + b`.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights :math:`s_i`; default all ones.

    Returns
    -------
    loss : float
        :math:`\frac{1}{S}\sum_i s_i\,[\log(1 + e^{z_i}) - y_i z_i]`, with
        :math:`S = \sum_i s_i`.

    Notes
    -----
    This equals :math:`-\frac1S\sum_i s_i[y_i \log p_i + (1-y_i)\log(1-p_i)]`
    with :math:`p_i = \sigma(z_i)`, but never forms :math:`\log p`: that route
    gives ``inf`` once :math:`p` rounds to 0 or 1 (at :math:`|z| \approx 37`
    already for :math:`1 - p`). No clipping is needed or used.

    Examples
    --------
    >>> round(binary_cross_entropy([1, 0], [0.0, 0.0]), 12)  # log 2
    0.69314718056
    >>> binary_cross_entropy([0], [1000.0])  # exact, not clipped
    1000.0
    """
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    s = _weights(sample_weight, z.shape[0])
    # Normalise the weights first: the mean of two losses of 1e308 must not overflow.
    return _weighted_sum(s / s.sum(), _per_sample_loss(z, y))


def _weighted_sum(w, losses):
    r"""Return :math:`\sum_i w_i \ell_i` for non-negative weights, with no floating-point signal.

    A sample of weight 0 is left out rather than multiplied (its loss may be
    :math:`+\infty`, and :math:`0\cdot\infty` is NaN); products below the smallest
    normal float are subnormal by design, so underflow is not signalled.
    """
    keep = w != 0
    with np.errstate(under="ignore"):
        return float(np.dot(w[keep], losses[keep]))


def _per_sample_loss(z, y):
    r"""Return :math:`\ell(y, z) = \operatorname{softplus}(z) - yz` without cancellation.

    Written as :math:`(1-y)\operatorname{softplus}(z) + y\operatorname{softplus}(-z)`
    (the same value, because :math:`\operatorname{softplus}(z) - z =
    \operatorname{softplus}(-z)`): for :math:`y = 1` and large :math:`z`, the
    direct form subtracts two nearly equal numbers and loses the small loss
    :math:`\approx e^{-z}`.
    """
    with np.errstate(under="ignore"):
        tail = np.log1p(np.exp(-np.abs(z)))  # shared by softplus(z) and softplus(-z)
        # A term whose label weight is exactly 0 is absent, not 0 * softplus: for
        # y = 1, z = +inf the loss is 0 (not 0 * inf = NaN), and the same for y = 0, z = -inf.
        with np.errstate(invalid="ignore"):
            up = np.where(y == 1, 0.0, (1.0 - y) * (np.maximum(z, 0.0) + tail))
            down = np.where(y == 0, 0.0, y * (np.maximum(-z, 0.0) + tail))
    return up + down


def binary_cross_entropy_gradient(X, y, coef, intercept=0.0, sample_weight=None):
    r"""Gradient of the weighted mean cross-entropy with respect to (w, b).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Targets in :math:`\{0, 1\}`.
    coef : array_like of shape (n_features,)
        Weights :math:`w`.
    intercept : float, default=0.0
        Intercept :math:`b`.
    sample_weight : array_like of shape (n_samples,), optional

    Returns
    -------
    grad_coef : ndarray of shape (n_features,)
        :math:`\frac1S X^\top\bigl(s \odot (p - y)\bigr)`.
    grad_intercept : float
        :math:`\frac1S \sum_i s_i (p_i - y_i)`.

    Notes
    -----
    From :math:`\partial \ell/\partial z = \sigma(z) - y` and the chain rule
    :math:`\partial z_i / \partial w = x_i`, :math:`\partial z_i/\partial b = 1`.
    """
    X = as_design(X)
    y = np.asarray(y, dtype=np.float64)
    z = X @ np.asarray(coef, dtype=np.float64) + intercept
    s = _weights(sample_weight, X.shape[0])
    with np.errstate(under="ignore"):  # residuals of saturated samples are subnormal
        r = s * _residual(z, y) / s.sum()
        return X.T @ r, float(r.sum())


def binary_cross_entropy_hessian(X, coef, intercept=0.0, sample_weight=None, fit_intercept=True):
    r"""Hessian of the weighted mean cross-entropy with respect to (w, b).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    coef : array_like of shape (n_features,)
    intercept : float, default=0.0
    sample_weight : array_like of shape (n_samples,), optional
    fit_intercept : bool, default=True
        Include the intercept as the last row and column.

    Returns
    -------
    H : ndarray of shape (n_features + 1, n_features + 1) or (n_features, n_features)
        :math:`\frac1S \tilde X^\top \operatorname{diag}\bigl(s \odot p(1-p)\bigr) \tilde X`
        with :math:`\tilde X = [X, \mathbf 1]` (intercept last).

    Notes
    -----
    :math:`\partial^2\ell/\partial z^2 = \sigma(z)(1-\sigma(z)) > 0`, so the
    Hessian is positive semi-definite: the loss is convex. It does not depend
    on :math:`y`.
    """
    X = as_design(X)
    s = _weights(sample_weight, X.shape[0])
    z = X @ np.asarray(coef, dtype=np.float64) + intercept
    objective = BinaryObjective(X, np.zeros(X.shape[0]), s, fit_intercept=fit_intercept)
    return objective.hessian_from_logits(z)


class BinaryObjective:
    r"""The smooth part of the objective every binary solver here minimises.

    .. math::

        F(w, b) = \frac1S \sum_i s_i\,\ell(y_i, x_i^\top w + b)
                  + \frac{\lambda_2}{2}\lVert w \rVert^2 ,
        \qquad \lambda_2 = \frac{1 - \rho}{C S},

    where :math:`\rho` is ``l1_ratio``. Multiplying by :math:`C S` gives
    scikit-learn's documented objective
    :math:`C\sum_i s_i \ell_i + \frac{1-\rho}{2}\lVert w\rVert^2` (plus
    :math:`\rho\lVert w\rVert_1`, which the L1 solver adds with
    :math:`\lambda_1 = \rho/(CS)`). The intercept is never penalised.

    Parameters are packed as ``theta = [w, b]`` (intercept last, omitted when
    ``fit_intercept=False``), as in scikit-learn's ``LinearModelLoss``.

    `X` may be dense or a SciPy sparse matrix (kept sparse, see `_design`);
    ``hessian`` chooses how `newton_direction` solves for the step: ``"exact"``
    (dense Hessian, Cholesky), ``"cg"`` (Hessian-free conjugate gradients) or
    ``"auto"`` (exact up to `MAX_EXACT_HESSIAN` parameters).
    """

    def __init__(self, X, y, sample_weight=None, l2=0.0, fit_intercept=True, hessian="auto"):
        self.X = as_design(X)  # float64 ndarray, or CSR/CSC kept sparse
        self.y = np.asarray(y, dtype=np.float64)
        s = _weights(sample_weight, self.X.shape[0])
        self.s = s / s.sum()  # normalised weights: the 1/S is folded in once
        self.l2 = float(l2)
        self.fit_intercept = bool(fit_intercept)
        self.n_features = self.X.shape[1]
        self.n_features_total = self.n_features  # penalised parameters come first in theta
        self.n_params = self.n_features + self.fit_intercept
        if hessian not in ("auto", "exact", "cg"):
            raise ValueError(f"hessian must be 'auto', 'exact' or 'cg'; got {hessian!r}.")
        self.hessian_mode = hessian
        # Largest |entry| of [X, 1]: with the residuals it bounds every term of the gradient.
        self._x_max = max(max_abs(self.X), 1.0 if self.fit_intercept else 0.0)

    def split(self, theta):
        """Return ``(w, b)`` from the packed parameter vector."""
        if self.fit_intercept:
            return theta[:-1], float(theta[-1])
        return theta, 0.0

    def logits(self, theta):
        w, b = self.split(theta)
        return self.X @ w + b

    # The penalty terms are added only when l2 > 0: 0 * inf would be NaN for an infinite
    # coefficient. Underflow is silenced where saturated samples (|z| > ~708) make
    # residuals and curvatures subnormal: those values are right, and tiny by design.

    def value_from_logits(self, theta, z):
        w, _ = self.split(theta)
        value = _weighted_sum(self.s, _per_sample_loss(z, self.y))
        return value + 0.5 * self.l2 * float(w @ w) if self.l2 else value

    def gradient_from_logits(self, theta, z):
        w, _ = self.split(theta)
        with np.errstate(under="ignore"):
            r = self.s * _residual(z, self.y)
            g_w = self.X.T @ r
            r_sum = r.sum()
        if self.l2:
            g_w = g_w + self.l2 * w
        return np.append(g_w, r_sum) if self.fit_intercept else g_w

    def gradient_scale_from_logits(self, theta, z):
        r"""Size of the terms that make up the gradient, for a relative stopping test.

        Every component of :math:`\nabla F` is a sum
        :math:`\sum_i s_i r_i \tilde x_{ij} / S + \lambda_2 w_j` with
        :math:`r = p - y`; its terms are bounded by
        :math:`\tau = \max_{ij}|\tilde x_{ij}|\,\frac1S\sum_i s_i|r_i|
        + \lambda_2\lVert w\rVert_\infty`.
        At the optimum the terms cancel, so :math:`\lVert\nabla F\rVert_\infty/\tau`
        measures how far the cancellation has gone whatever the scale of C, of the
        features or of the weights (a gradient of 1e-10 says nothing when C is so
        large that every term is 1e-30).
        """
        w, _ = self.split(theta)
        with np.errstate(under="ignore"):
            r_abs = float(self.s @ np.abs(_residual(z, self.y)))
        penalty = self.l2 * float(np.max(np.abs(w), initial=0.0)) if self.l2 else 0.0
        return self._x_max * r_abs + penalty

    def _curvature(self, z):
        # p(1-p) = sigmoid(z) sigmoid(-z): no cancellation in either tail.
        p, q = _sigmoid_pair(z)
        with np.errstate(under="ignore"):
            return self.s * p * q

    def hessian_from_logits(self, z):
        X = self.X
        d = self.n_features
        H = np.empty((self.n_params, self.n_params))
        h = self._curvature(z)
        with np.errstate(under="ignore"):
            if is_sparse(X):
                H[:d, :d] = gram(X, h)
            else:
                # X' diag(h) X = B'B with B = sqrt(h) X: numpy evaluates B.T @ B with a
                # symmetric rank-k update (half the work of a general product), and the
                # buffer for B is reused across Newton iterations.
                if getattr(self, "_buffer", None) is None:
                    self._buffer = np.empty_like(X)
                B = np.multiply(X, np.sqrt(h)[:, None], out=self._buffer)
                H[:d, :d] = B.T @ B
            if self.fit_intercept:
                H[:d, d] = H[d, :d] = X.T @ h
                H[d, d] = h.sum()
        H[np.diag_indices(d)] += self.l2
        return H

    def hessp_from_curvature(self, h, v):
        r"""Hessian-vector product :math:`Hv = \tilde X^\top(h\odot\tilde Xv) + \lambda_2 v_w`.

        `h` is the weighted curvature :math:`s_i p_i(1-p_i)/S` (`_curvature`). Two
        products with X (sparse ones for a sparse X) and no ``n_params``-square matrix.
        """
        v_w, v_b = self.split(v)
        with np.errstate(under="ignore"):
            u = h * (self.X @ v_w + v_b)
            hv_w = self.X.T @ u
            if self.l2:
                hv_w = hv_w + self.l2 * v_w
            return np.append(hv_w, u.sum()) if self.fit_intercept else hv_w

    def _hessian_diagonal(self, h):
        with np.errstate(under="ignore"):
            diag = column_sq_sum(self.X, h[:, None])[:, 0] + self.l2
            return np.append(diag, h.sum()) if self.fit_intercept else diag

    def value(self, theta):
        return self.value_from_logits(theta, self.logits(theta))

    def gradient(self, theta):
        return self.gradient_from_logits(theta, self.logits(theta))

    def hessian(self, theta):
        return self.hessian_from_logits(self.logits(theta))

    def uses_exact_hessian(self):
        """Whether `newton_direction` factors the Hessian (else: conjugate gradients)."""
        if self.hessian_mode == "auto":
            return self.n_params <= MAX_EXACT_HESSIAN
        return self.hessian_mode == "exact"

    def newton_direction(self, theta, z, gradient):
        r"""Solve :math:`H\Delta = -g`.

        Up to `MAX_EXACT_HESSIAN` parameters: the exact Hessian and Cholesky (damped
        if singular). Beyond: Hessian-free truncated Newton (Jacobi-preconditioned
        conjugate gradients on `hessp_from_curvature`), because the dense Hessian
        of 10 000 features is 800 MB and a Cholesky of it costs :math:`3\cdot10^{11}`
        flops per step. CG stops at a residual of :math:`\eta\lVert g\rVert_2`, with
        the forcing term :math:`\eta = \min(1/2, \sqrt{\lVert g\rVert_\infty/\tau})`
        (Eisenstat & Walker) measured relative to the gradient's scale :math:`\tau`
        (`gradient_scale_from_logits`), so that the steps become exact Newton steps
        as the fit converges, at any C.
        """
        if self.uses_exact_hessian():
            return solve_positive_definite(self.hessian_from_logits(z), -gradient)
        h = self._curvature(z)
        return inexact_newton_step(lambda v: self.hessp_from_curvature(h, v),
                                   self._hessian_diagonal(h), gradient,
                                   self.gradient_scale_from_logits(theta, z), self.n_params)


#: Largest number of parameters for which the binary Newton step factors the dense
#: Hessian (8 MB at 1000); above it the step is found by conjugate gradients.
MAX_EXACT_HESSIAN = 1000


def solve_positive_definite(H, rhs):
    r"""Solve :math:`H x = r` for a symmetric positive semi-definite :math:`H`.

    Uses a Cholesky factorisation. If :math:`H` is singular or too
    ill-conditioned to factor (collinear features, saturated probabilities on
    nearly separable data), retries with Levenberg damping
    :math:`H + \mu I`, starting at :math:`\mu = 10^{-12}\max_j H_{jj}` and
    growing tenfold. The line search in the Newton solver then decides how far
    to go along the (still descent) direction.
    """
    scale = max(float(np.max(np.abs(np.diag(H)))), np.finfo(float).tiny)
    mu = 0.0
    identity = np.eye(H.shape[0])
    while True:
        try:
            L = np.linalg.cholesky(H + mu * identity)
            break
        except np.linalg.LinAlgError:
            mu = 1e-12 * scale if mu == 0.0 else 10.0 * mu
            if mu > 1e6 * scale:  # give up on curvature: steepest descent direction
                return rhs / scale
    return np.linalg.solve(L.T, np.linalg.solve(L, rhs))
