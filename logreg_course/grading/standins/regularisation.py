"""Stand-ins for 05-regularisation: its solutions, generated from solutions/05-regularisation/05-regularisation.ipynb.

Do not edit: ``make exercises`` writes this file (see ``logreg_course.grading.standins``)."""


# ruff: noqa


import numpy as np


def sigmoid(z):
    """Stable logistic sigmoid (the solution of assignment 1), elementwise."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def penalised_objective(X, y, w, b, C, sample_weight=None):
    """scikit-learn's L2 objective: C sum_i s_i l_i + ||w||^2 / 2 (b is not penalised).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
        Labels, 0 or 1.
    w : numpy.ndarray of shape (d,)
    b : float
    C : float
        Inverse regularisation strength (it multiplies the data term).
    sample_weight : numpy.ndarray of shape (n,), optional
        Weights s_i (default: all 1).

    Returns
    -------
    float
        The sum C sum_i s_i [log(1 + e^z_i) - y_i z_i] + ||w||^2 / 2, z = X w + b.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = np.asarray(w, dtype=float)
    z = X @ w + b
    return float(C * np.sum(s * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.dot(w, w))


def penalised_gradient(X, y, w, b, C, sample_weight=None):
    """Gradient of penalised_objective: (C X^T (s (p - y)) + w, C sum_i s_i (p_i - y_i)).

    Parameters
    ----------
    X, y, w, b, C, sample_weight
        As in penalised_objective.

    Returns
    -------
    grad_w : numpy.ndarray of shape (d,)
    grad_b : float
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = np.asarray(w, dtype=float)
    r = C * s * (sigmoid(X @ w + b) - y)
    return X.T @ r + w, float(np.sum(r))


def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    """Minimise penalised_objective by Newton's method, from w = 0, b = 0.

    Parameters
    ----------
    X, y, C, sample_weight
        As in penalised_objective.
    tol : float, default=1e-8
        Stop when the largest entry of the mean-form gradient, grad F / (C S), is <= tol.
    max_iter : int, default=100
        At most this many Newton steps.

    Returns
    -------
    w : numpy.ndarray of shape (d,)
    b : float
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    n, d = X.shape
    Xt = np.column_stack([X, np.ones(n)])
    D = np.eye(d + 1)
    D[-1, -1] = 0.0  # the intercept is not penalised
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        g = np.append(g_w, g_b)
        if np.max(np.abs(g)) <= tol * C * s.sum():
            break
        z = X @ w + b
        h = C * s * sigmoid(z) * sigmoid(-z)
        H = Xt.T @ (h[:, None] * Xt) + D
        step = np.linalg.solve(H, g)
        w, b = w - step[:-1], float(b - step[-1])
    return w, b


def balanced_sample_weight(y, sample_weight=None):
    """Weights s_i S / (K S_k) for the class k of each sample (class_weight="balanced").

    Parameters
    ----------
    y : numpy.ndarray of shape (n,)
        Class labels (any values; K = number of distinct labels).
    sample_weight : numpy.ndarray of shape (n,), optional
        Weights s_i (default: all 1).

    Returns
    -------
    numpy.ndarray of shape (n,)
    """
    y = np.asarray(y)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    classes, index = np.unique(y, return_inverse=True)
    totals = np.bincount(index, weights=s)  # S_k, the weight of each class
    return s * s.sum() / (len(classes) * totals[index])


def soft_threshold(u, t):
    """Soft-thresholding sign(u) max(|u| - t, 0), elementwise.

    Parameters
    ----------
    u : numpy.ndarray
    t : float
        The threshold, t >= 0.

    Returns
    -------
    numpy.ndarray of the shape of u
    """
    u = np.asarray(u, dtype=float)
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    """Which L1 optimality (KKT) conditions hold, coefficient by coefficient.

    Parameters
    ----------
    w : numpy.ndarray of shape (d,)
        Coefficients.
    grad_w : numpy.ndarray of shape (d,)
        Gradient g of the smooth part (the mean loss) with respect to w.
    lam1 : float
        The L1 strength (mean form).
    tol : float, default=1e-8

    Returns
    -------
    numpy.ndarray of shape (d,) and dtype bool
        |g_j + lam1 sign(w_j)| <= tol where w_j != 0; |g_j| <= lam1 + tol where w_j = 0.
    """
    w, g = np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float)
    return np.where(w != 0, np.abs(g + lam1 * np.sign(w)) <= tol, np.abs(g) <= lam1 + tol)


def kfold_indices(n, k):
    """Held-out indices of k contiguous folds of 0..n-1 (the first n % k one longer).

    Parameters
    ----------
    n : int
        Number of samples.
    k : int
        Number of folds.

    Returns
    -------
    list of k numpy.ndarray of integers
    """
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    return [np.arange(stop - size, stop) for size, stop in zip(sizes, stops)]


def cv_log_loss(X, y, C, k=5):
    """k-fold cross-validated mean cross-entropy of fit_penalised at C, scaler in the folds.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
        Features as measured (not standardised).
    y : numpy.ndarray of shape (n,)
    C : float
    k : int, default=5

    Returns
    -------
    float
        The average over the folds of the mean held-out cross-entropy.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    losses = []
    for test in kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = (X[test] - mu) / sd @ w + b
        losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))
    return float(np.mean(losses))
