r"""The design matrix X, dense or sparse: the few operations the objectives need.

A dense X is a float64 ndarray. A sparse X is a SciPy CSR or CSC matrix or array in
float64 (any other sparse format is converted to CSR once, on entry). Every operation
here keeps a sparse X sparse: products with vectors, row scaling, and the Gram matrix
:math:`X^\top\operatorname{diag}(h)X` are sparse operations, and nothing of size
``n_samples * n_features`` is ever allocated for a sparse X.

The float64 cast is deliberate: a float32 X is computed on in float64 (the sums of the
gradient cancel at the optimum, and float32's 7 digits would leave a gradient of about
1e-7 instead of 1e-10); see `LogisticRegression` for what is returned.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["as_design", "column_sq_sum", "gram", "inexact_newton_step", "is_sparse", "max_abs",
           "preconditioned_cg", "scale_rows"]


def is_sparse(X):
    return sp.issparse(X)


def as_design(X):
    """Return `X` as float64: an ndarray, or a CSR/CSC sparse matrix (never densified).

    A float64 ndarray or float64 CSR/CSC input is returned as is (no copy).
    """
    if sp.issparse(X):
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
        return X if X.dtype == np.float64 else X.astype(np.float64)
    return np.asarray(X, dtype=np.float64)


def max_abs(X):
    """Largest :math:`|x_{ij}|` (0 for an empty X), without a temporary the size of X."""
    values = X.data if sp.issparse(X) else X
    return float(max(np.max(values, initial=0.0), -np.min(values, initial=0.0)))


def scale_rows(X, v):
    r"""Return :math:`\operatorname{diag}(v)\,X` (same sparsity as X when sparse)."""
    if sp.issparse(X):
        return sp.diags_array(v) @ X
    return X * v[:, None]


def gram(X, h):
    r"""Return the dense :math:`X^\top\operatorname{diag}(h)X` for :math:`h \ge 0`.

    Dense X: :math:`B^\top B` with :math:`B = \sqrt h\,X` (numpy evaluates it as a
    symmetric rank-k update, half the work of a general product). Sparse X: the
    sparse product :math:`X^\top(\operatorname{diag}(h)X)`, densified only at the
    end (it is ``n_features`` square).
    """
    if sp.issparse(X):
        G = X.T @ scale_rows(X, h)
        return G.toarray() if sp.issparse(G) else np.asarray(G)
    B = X * np.sqrt(h)[:, None]
    return B.T @ B


def column_sq_sum(X, H):
    r"""Return :math:`(X\odot X)^\top H` for an (n, K) dense H: shape (n_features, K).

    The diagonal of :math:`X^\top\operatorname{diag}(h)X` is ``column_sq_sum(X, h[:, None])``.
    A dense X is not squared into a temporary of its own size (einsum sums in place).
    """
    if sp.issparse(X):
        return np.asarray(X.power(2).T @ H)
    return np.einsum("ij,ij,ik->jk", X, X, H)


def preconditioned_cg(hessp, diag, rhs, target, max_iter):
    r"""Approximately solve :math:`Hx = r` by Jacobi-preconditioned conjugate gradients.

    Parameters
    ----------
    hessp : callable
        ``hessp(v)`` returns :math:`Hv` for a symmetric positive semi-definite H.
    diag : ndarray
        A positive preconditioner (the diagonal of H, zeros replaced).
    rhs : ndarray
        The right-hand side :math:`r`.
    target : float
        Stop when the residual norm :math:`\lVert r - Hx\rVert_2` is at most this.
    max_iter : int

    Returns
    -------
    x : ndarray
        Zero if no step could be taken (the caller then falls back on ``rhs / diag``).

    Notes
    -----
    Started at zero, every iterate is a descent direction for the quadratic model,
    so a truncated solve is still a valid Newton-CG step. A direction of zero
    curvature (the null space of a singular H) ends the iteration.
    """
    x = np.zeros_like(rhs)
    r = rhs.copy()
    z = r / diag
    p = z.copy()
    rz = r @ z
    for _ in range(max_iter):
        Hp = hessp(p)
        curvature = p @ Hp
        # No threshold on the size: in the mean form at a huge C, every curvature is
        # tiny (about 1/C) and legitimate; only a null-space direction gives <= 0.
        if not curvature > 0:
            break
        alpha = rz / curvature
        x += alpha * p
        r -= alpha * Hp
        if np.linalg.norm(r) <= target:
            break
        z = r / diag
        rz_new = r @ z
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x


def inexact_newton_step(hessp, diag, gradient, tau, n_params):
    r"""A truncated Newton step: :math:`H s = -g` solved by `preconditioned_cg` to a tolerance.

    CG stops once the residual is at most :math:`\eta\lVert g\rVert_2` with
    :math:`\eta = \min(1/2, \sqrt{\lVert g\rVert_\infty/\tau})` (Eisenstat & Walker),
    where :math:`\tau > 0` is the scale of the terms that sum to the gradient: the steps
    become exact Newton steps as the fit converges, at any C.

    Parameters
    ----------
    hessp : callable
        ``hessp(v)`` returns :math:`Hv`.
    diag : ndarray
        The diagonal of H (Jacobi preconditioner); entries below ``1e-12`` of its largest
        are replaced by 1, since zeros would divide.
    gradient : ndarray
        :math:`g`.
    tau : float
        The gradient's scale (0 when unknown: then :math:`\eta = 1/2`).
    n_params : int
        At most ``max(2 n_params, 50)`` CG iterations.

    Returns
    -------
    ndarray
        The step; :math:`-g / \operatorname{diag}(H)` if CG could not take one.
    """
    diag = np.where(diag > 1e-12 * diag.max(), diag, 1.0)
    g_max = float(np.max(np.abs(gradient)))
    eta = min(0.5, np.sqrt(g_max / tau)) if tau > 0 else 0.5
    step = preconditioned_cg(hessp, diag, -gradient, eta * np.linalg.norm(gradient),
                             max(2 * n_params, 50))
    return step if np.any(step) else -gradient / diag
