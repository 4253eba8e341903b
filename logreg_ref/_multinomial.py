"""Multinomial (softmax) cross-entropy on logits, its gradient and Hessian-vector products.

Notation (the same in the book and the graded notebooks):

    X : (n, d) features,  y in {0, ..., K-1}^n class indices,  Y : (n, K) one-hot,
    s >= 0 sample weights,  S = sum_i s_i
    W : (K, d) coefficients (one row per class),  b : (K,) intercepts
    Z = X W^T + b                       (n, K) class logits
    P = softmax(Z, axis=1)              (n, K) class probabilities
    l_i = logsumexp(Z_i) - Z_{i, y_i}   = -log P_{i, y_i}

The loss functions return the weighted mean (1/S) sum_i s_i l_i. Softmax is
unchanged when the same vector is added to every row of W (and the same
constant to every b_k), so only differences between classes are identified.
scikit-learn (and `LogisticRegression` here) uses the symmetric convention
sum_k W_k = 0 and sum_k b_k = 0; statsmodels' MNLogit instead fixes class 0
at zero and reports W_k - W_0.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._binary import _weighted_sum
from ._design import as_design, column_sq_sum, inexact_newton_step, is_sparse, max_abs, scale_rows
from ._special import _shift_by_max, softmax

__all__ = [
    "MultinomialObjective",
    "multinomial_cross_entropy",
    "multinomial_cross_entropy_gradient",
    "multinomial_cross_entropy_hessian",
    "multinomial_cross_entropy_hessp",
]


def _weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    return np.asarray(sample_weight, dtype=np.float64)


def _class_index(y, n_classes):
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError("y must be a 1-D array of integer class indices 0..K-1; "
                         f"got dtype {y.dtype} and shape {y.shape}.")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"class indices must lie in 0..{n_classes - 1}; "
                         f"got values from {y.min()} to {y.max()}.")
    return y


def multinomial_cross_entropy(y, Z, sample_weight=None):
    r"""Weighted mean multinomial cross-entropy, computed from the logits.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Integer class indices in :math:`0, \dots, K-1`.
    Z : array_like of shape (n_samples, n_classes)
        Class logits.
    sample_weight : array_like of shape (n_samples,), optional

    Returns
    -------
    loss : float
        :math:`\frac1S\sum_i s_i\bigl(\log\sum_k e^{Z_{ik}} - Z_{i y_i}\bigr)`.

    Notes
    -----
    Computed with a max-shifted log-sum-exp, so no logit up to :math:`10^{308}`
    in magnitude overflows, and never as :math:`-\log` of a probability that
    may have underflowed to zero. For :math:`K = 2` it equals the binary
    cross-entropy of the logit difference :math:`z = Z_{i1} - Z_{i0}`. A single
    :math:`+\infty` logit in a row takes the limit (loss 0 if it is the true
    class, :math:`+\infty` otherwise); a sample of weight 0 is left out.

    Examples
    --------
    >>> round(multinomial_cross_entropy([0, 2], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), 12)  # log 3
    1.098612288668
    >>> multinomial_cross_entropy([1], [[1000.0, 0.0]])
    1000.0
    """
    Z = np.asarray(Z, dtype=np.float64)
    y = _class_index(y, Z.shape[1])
    s = _weights(sample_weight, Z.shape[0])
    # Normalise the weights first: the mean of two losses of 1e308 must not overflow.
    return _weighted_sum(s / s.sum(), _per_sample_loss(Z, y))


def _per_sample_loss(Z, y):
    """``logsumexp(Z_i) - Z_{i, y_i}``, computed as ``log sum exp(Z_i - m_i) - (Z_{i,y_i} - m_i)``
    so that the large shift m_i cancels exactly instead of losing digits."""
    shifted, log_sum, _ = _shift_by_max(Z, axis=1)
    return log_sum[:, 0] - shifted[np.arange(len(y)), y]


def _sum_of_others(A):
    r"""Return :math:`B` with :math:`B_{ik} = \sum_{m \ne k} A_{im}` (sums along axis 1).

    Computed from prefix and suffix sums, never as a row total minus :math:`A_{ik}`:
    for softmax probabilities, :math:`1 - P_{ik} = \sum_{m\ne k} P_{im}` then keeps
    its relative precision when :math:`P_{ik}` rounds to 1 (a confident, right
    prediction), as :math:`\sigma(-z)` does for :math:`1 - \sigma(z)` in the binary loss.
    """
    with np.errstate(under="ignore"):
        before = np.cumsum(A, axis=1)
        after = np.cumsum(A[:, ::-1], axis=1)[:, ::-1]
        out = np.zeros_like(A)
        out[:, 1:] += before[:, :-1]
        out[:, :-1] += after[:, 1:]
    return out


def _complement(P):
    """``1 - P`` for softmax probabilities, as the sum of the other classes (`_sum_of_others`).

    Where that sum is undefined (a row with tied +inf logits: NaN probabilities) but
    ``P_k`` itself is known (0 for a finite logit beside them), ``1 - P_k`` is used.
    """
    others = _sum_of_others(P)
    return np.where(np.isnan(others) & ~np.isnan(P), 1.0 - P, others)


def _unpack(coef, intercept, n_features):
    W = np.asarray(coef, dtype=np.float64)
    if W.ndim != 2 or W.shape[1] != n_features:
        raise ValueError(f"coef must have shape (n_classes, {n_features}); got {W.shape}.")
    b = np.zeros(W.shape[0]) if intercept is None else np.broadcast_to(
        np.asarray(intercept, dtype=np.float64), (W.shape[0],))
    return W, b


def multinomial_cross_entropy_gradient(X, y, coef, intercept=None, sample_weight=None):
    r"""Gradient of the weighted mean multinomial cross-entropy.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Integer class indices.
    coef : array_like of shape (n_classes, n_features)
    intercept : array_like of shape (n_classes,), optional (default zeros)
    sample_weight : array_like of shape (n_samples,), optional

    Returns
    -------
    grad_coef : ndarray of shape (n_classes, n_features)
        :math:`\frac1S\bigl(s \odot (P - Y)\bigr)^\top X`.
    grad_intercept : ndarray of shape (n_classes,)
        :math:`\frac1S\sum_i s_i (P_i - Y_i)`; its entries sum to zero.

    Notes
    -----
    :math:`\partial \ell_i / \partial Z_{ik} = P_{ik} - Y_{ik}` because
    :math:`\partial\,\mathrm{lse}(Z_i)/\partial Z_{ik} = P_{ik}`.
    """
    X = as_design(X)
    W, b = _unpack(coef, intercept, X.shape[1])
    objective = MultinomialObjective(X, y, W.shape[0], sample_weight)
    g = objective.gradient(np.concatenate([W.ravel(), b]))
    return g[: W.size].reshape(W.shape), g[W.size :]


def multinomial_cross_entropy_hessp(X, coef, intercept, vector_coef, vector_intercept=None,
                                    sample_weight=None):
    r"""Hessian-vector product of the mean multinomial cross-entropy.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    coef, intercept : the point (shapes (K, d) and (K,)) at which the Hessian is taken.
    vector_coef : array_like of shape (n_classes, n_features)
    vector_intercept : array_like of shape (n_classes,), optional (default zeros)
    sample_weight : array_like of shape (n_samples,), optional

    Returns
    -------
    hv_coef : ndarray of shape (n_classes, n_features)
    hv_intercept : ndarray of shape (n_classes,)

    Notes
    -----
    With :math:`D = X V^\top + v_b` (the logit change along the direction),
    the Hessian of :math:`\mathrm{lse}` acts row by row as
    :math:`M_i = P_i \odot D_i - P_i\,(P_i^\top D_i)`, i.e.
    :math:`\operatorname{diag}(P_i) - P_i P_i^\top`. Then
    :math:`Hv = \bigl(\tfrac1S (s\odot M)^\top X,\ \tfrac1S\sum_i s_i M_i\bigr)`,
    costing two :math:`n\times d\times K` products and no :math:`(Kd)^2` matrix.
    """
    X = as_design(X)
    W, b = _unpack(coef, intercept, X.shape[1])
    V, vb = _unpack(vector_coef, vector_intercept, X.shape[1])
    objective = MultinomialObjective(X, np.zeros(len(X), dtype=int), W.shape[0], sample_weight)
    theta = np.concatenate([W.ravel(), b])
    P = softmax(objective.logits(theta), axis=1)
    hv = objective.hessp_from_probabilities(P, np.concatenate([V.ravel(), vb]))
    return hv[: W.size].reshape(W.shape), hv[W.size :]


def multinomial_cross_entropy_hessian(X, coef, intercept=None, sample_weight=None,
                                      fit_intercept=True):
    r"""Full Hessian of the mean multinomial cross-entropy (for small K·d).

    Returns
    -------
    H : ndarray of shape (K*(d+1), K*(d+1)) or (K*d, K*d)
        Parameters ordered as ``[W.ravel(), b]`` (class-major coefficients,
        then the K intercepts), block :math:`(k, l)` equal to
        :math:`\frac1S\tilde X^\top
        \operatorname{diag}\bigl(s\odot P_k(\delta_{kl}-P_l)\bigr)\tilde X`.
        It is singular: adding the same vector to every class changes nothing.
    """
    X = as_design(X)
    W, b = _unpack(coef, intercept, X.shape[1])
    objective = MultinomialObjective(X, np.zeros(len(X), dtype=int), W.shape[0], sample_weight,
                                     fit_intercept=fit_intercept)
    theta = np.concatenate([W.ravel(), b]) if fit_intercept else W.ravel()
    return objective.hessian(theta)


class MultinomialObjective:
    r"""Smooth multinomial objective minimised by the softmax solvers.

    .. math::

        F(W, b) = \frac1S\sum_i s_i\bigl(\mathrm{lse}(Z_i) - Z_{i y_i}\bigr)
                  + \frac{\lambda_2}{2}\lVert W\rVert_F^2,
        \qquad Z = XW^\top + b,\quad \lambda_2 = \frac{1-\rho}{CS}.

    Parameters are packed as ``theta = [W.ravel(), b]`` (class-major).
    """

    def __init__(self, X, y, n_classes, sample_weight=None, l2=0.0, fit_intercept=True):
        self.X = as_design(X)  # float64 ndarray, or CSR/CSC kept sparse
        self.y = _class_index(y, n_classes)
        self.n_classes = int(n_classes)
        s = _weights(sample_weight, self.X.shape[0])
        self.s = s / s.sum()
        self.l2 = float(l2)
        self.fit_intercept = bool(fit_intercept)
        self.n_features = self.X.shape[1]
        self.n_features_total = self.n_classes * self.n_features
        self.n_params = self.n_features_total + self.n_classes * self.fit_intercept
        self._rows = np.arange(len(self.y))
        self._x_max = max(max_abs(self.X), 1.0 if self.fit_intercept else 0.0)

    def split(self, theta):
        """Return ``(W, b)`` from the packed parameter vector."""
        W = theta[: self.n_features_total].reshape(self.n_classes, self.n_features)
        b = theta[self.n_features_total :] if self.fit_intercept else np.zeros(self.n_classes)
        return W, b

    def logits(self, theta):
        W, b = self.split(theta)
        return self.X @ W.T + b

    # The penalty terms are added only when l2 > 0 (0 * inf would be NaN for an infinite
    # coefficient), and underflow is silenced where probabilities of saturated classes
    # (logit gaps beyond ~708) make products subnormal: those values are right.

    def value_from_logits(self, theta, Z):
        W, _ = self.split(theta)
        value = _weighted_sum(self.s, _per_sample_loss(Z, self.y))
        return value + 0.5 * self.l2 * float(np.sum(W * W)) if self.l2 else value

    def _pack(self, gW, gb):
        return np.concatenate([gW.ravel(), gb]) if self.fit_intercept else gW.ravel()

    def _residuals(self, Z):
        P = softmax(Z, axis=1)
        # P - Y, with P_y - 1 = -(sum of the other classes' probabilities): exact in the
        # tail where P_y rounds to 1 (the same care as the binary residual).
        R = P.copy()
        R[self._rows, self.y] = -_complement(P)[self._rows, self.y]
        with np.errstate(under="ignore"):
            R *= self.s[:, None]
        return R

    def gradient_from_logits(self, theta, Z):
        W, _ = self.split(theta)
        R = self._residuals(Z)
        with np.errstate(under="ignore"):
            gW = (self.X.T @ R).T  # X' R, a sparse product when X is sparse
            gb = R.sum(axis=0)
        return self._pack(gW + self.l2 * W if self.l2 else gW, gb)

    def gradient_scale_from_logits(self, theta, Z):
        r"""Size of the terms of the gradient: :math:`\max_{ij}|\tilde x_{ij}|\,
        \max_k\frac1S\sum_i s_i|P_{ik} - Y_{ik}| + \lambda_2\max|W|` (see the binary
        `BinaryObjective.gradient_scale_from_logits`)."""
        W, _ = self.split(theta)
        with np.errstate(under="ignore"):
            r_abs = float(np.max(np.abs(self._residuals(Z)).sum(axis=0)))
        penalty = self.l2 * float(np.max(np.abs(W), initial=0.0)) if self.l2 else 0.0
        return self._x_max * r_abs + penalty

    def hessp_from_probabilities(self, P, v):
        V, vb = self.split(v)
        with np.errstate(under="ignore"):
            D = self.X @ V.T + vb
            # M_k = P_k (D_k - sum_m P_m D_m) = P_k ((1 - P_k) D_k - sum_{m != k} P_m D_m),
            # with 1 - P_k and the sum over the other classes formed without cancellation.
            M = P * (_complement(P) * D - _sum_of_others(P * D))
            M *= self.s[:, None]
            hW = (self.X.T @ M).T
            hb = M.sum(axis=0)
        return self._pack(hW + self.l2 * V if self.l2 else hW, hb)

    def _hessian_diagonal(self, P):
        with np.errstate(under="ignore"):
            h = self.s[:, None] * P * _complement(P)  # P_k (1 - P_k), (n, K)
            dW = column_sq_sum(self.X, h).T + self.l2
            return self._pack(dW, h.sum(axis=0))

    def hessian(self, theta):
        P = softmax(self.logits(theta), axis=1)
        Xt = self.X
        if self.fit_intercept:
            ones = np.ones((Xt.shape[0], 1))
            Xt = sp.hstack([Xt, ones], format="csr") if is_sparse(Xt) else np.hstack([Xt, ones])
        K, d, p = self.n_classes, self.n_features, Xt.shape[1]
        blocks = np.empty((K, p, K, p))
        complement = _complement(P)  # 1 - P_k, without cancellation
        for k in range(K):
            for m in range(k, K):
                with np.errstate(under="ignore"):
                    h = self.s * P[:, k] * (complement[:, k] if k == m else -P[:, m])
                    block = Xt.T @ scale_rows(Xt, h)
                    blocks[k, :, m, :] = block.toarray() if is_sparse(block) else block
                blocks[m, :, k, :] = blocks[k, :, m, :].T
        for k in range(K):
            blocks[k, np.arange(d), k, np.arange(d)] += self.l2
        H = blocks.reshape(K * p, K * p)
        if not self.fit_intercept:
            return H
        # Reorder from per-class [w_k, b_k] blocks to the packed [W.ravel(), b] order.
        order = np.concatenate([np.arange(K * p).reshape(K, p)[:, :d].ravel(),
                                np.arange(K * p).reshape(K, p)[:, d]])
        return H[np.ix_(order, order)]

    def value(self, theta):
        return self.value_from_logits(theta, self.logits(theta))

    def gradient(self, theta):
        return self.gradient_from_logits(theta, self.logits(theta))

    def newton_direction(self, theta, Z, gradient):
        r"""Approximately solve :math:`H\Delta = -g` by preconditioned conjugate gradients.

        Truncated Newton: CG stops when the residual falls below
        :math:`\eta\lVert g\rVert_2` with
        :math:`\eta = \min(1/2, \sqrt{\lVert g\rVert_\infty/\tau})` (Eisenstat & Walker;
        :math:`\tau` from `gradient_scale_from_logits`, so the same at any C), which
        keeps Newton's superlinear convergence
        without ever forming the :math:`(Kd)^2` Hessian. Jacobi
        preconditioning makes CG insensitive to feature scales.
        """
        P = softmax(Z, axis=1)
        return inexact_newton_step(lambda v: self.hessp_from_probabilities(P, v),
                                   self._hessian_diagonal(P), gradient,
                                   self.gradient_scale_from_logits(theta, Z), self.n_params)
