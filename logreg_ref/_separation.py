"""Detect (quasi-)complete separation with a linear program.

The binary maximum-likelihood estimate fails to exist exactly when some
non-zero direction beta satisfies q_i x~_i' beta >= 0 for every sample
(q_i = 2 y_i - 1, x~_i = [x_i, 1]) with strict inequality for at least one
(Albert & Anderson 1984). Following Konis (2007) we solve

    maximise  sum_i q_i x~_i' beta   subject to   q_i x~_i' beta >= 0,  -1 <= beta <= 1,

whose optimum is zero if and only if the data are not separated. Columns are
scaled to unit max-abs first, because the LP tolerances are absolute.
For K classes the same idea uses the logit differences
x~_i' (beta_{y_i} - beta_k) >= 0 for every k != y_i.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["find_separating_direction"]

# An optimum above this (in scaled units, summed over samples) is separation.
# Non-separated data give 0 to within the LP's ~1e-9 feasibility tolerance.
_LP_THRESHOLD = 1e-6


def _scaled_design(X, fit_intercept):
    if sp.issparse(X):  # kept sparse: HiGHS takes a sparse constraint matrix
        X = sp.csr_array(X, dtype=np.float64)
        scale = np.asarray(abs(X).max(axis=0).toarray()).ravel()
        scale[scale == 0] = 1.0
        Xs = X @ sp.diags_array(1.0 / scale)
        if fit_intercept:
            Xs = sp.hstack([Xs, np.ones((Xs.shape[0], 1))], format="csr")
            scale = np.append(scale, 1.0)
        return Xs, scale
    X = np.asarray(X, dtype=np.float64)
    scale = np.max(np.abs(X), axis=0)
    scale[scale == 0] = 1.0
    Xs = X / scale
    if fit_intercept:
        Xs = np.column_stack([Xs, np.ones(len(Xs))])
        scale = np.append(scale, 1.0)
    return Xs, scale


def find_separating_direction(X, y_index, n_classes=2, fit_intercept=True, sample_weight=None):
    """Return a separating direction, or None if the classes are not separated.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y_index : ndarray of shape (n_samples,)
        Class indices 0..n_classes-1 (for binary: 1 is the positive class).
    n_classes : int, default=2
    fit_intercept : bool, default=True
    sample_weight : ndarray, optional
        Samples with zero weight do not count.

    Returns
    -------
    direction : ndarray or None
        Binary: ``[w, b]`` (b present when `fit_intercept`). Multiclass:
        an array of shape (n_classes, n_features [+1]). In the original
        feature units.
    """
    from scipy.optimize import linprog

    y_index = np.asarray(y_index)
    keep = np.ones(len(y_index), dtype=bool) if sample_weight is None else (
        np.asarray(sample_weight) > 0)
    Xs, scale = _scaled_design(X[keep] if sp.issparse(X) else np.asarray(X)[keep],
                               fit_intercept)
    yk = y_index[keep]
    n, p = Xs.shape
    if sp.issparse(Xs):
        A = _sparse_constraints(Xs, yk, n_classes)
        n_vars = A.shape[1]
    elif n_classes == 2:
        A = (2.0 * yk - 1.0)[:, None] * Xs  # rows q_i x~_i
        n_vars = p
    else:
        # Variables beta (K*p); one row per (i, k != y_i): x~_i (beta_{y_i} - beta_k).
        n_vars = n_classes * p
        rows = []
        for k in range(n_classes):
            idx = np.flatnonzero(yk != k)
            block = np.zeros((idx.size, n_classes, p))
            block[np.arange(idx.size), yk[idx]] = Xs[idx]
            block[:, k] -= Xs[idx]
            rows.append(block.reshape(idx.size, n_vars))
        A = np.vstack(rows)
    res = linprog(-np.asarray(A.sum(axis=0)).ravel(), A_ub=-A, b_ub=np.zeros(A.shape[0]),
                  bounds=[(-1.0, 1.0)] * n_vars, method="highs")
    if res.status != 0 or -res.fun <= _LP_THRESHOLD * max(1.0, n / 100):
        return None
    beta = res.x.reshape(-1, p) / scale
    return beta[0] if n_classes == 2 else beta


def _sparse_constraints(Xs, yk, n_classes):
    """The LP's rows for a sparse scaled design, as a sparse matrix (same rows as dense)."""
    if n_classes == 2:
        return sp.csr_array(sp.diags_array(2.0 * yk - 1.0) @ Xs)
    rows = []
    for k in range(n_classes):
        for c in range(n_classes):
            idx = np.flatnonzero(yk == c) if c != k else np.empty(0, dtype=int)
            if idx.size:
                sign = np.zeros((1, n_classes))
                sign[0, c], sign[0, k] = 1.0, -1.0  # x~_i (beta_c - beta_k), c = y_i
                rows.append(sp.kron(sign, Xs[idx], format="csr"))
    return sp.vstack(rows, format="csr")
