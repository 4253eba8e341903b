"""Stand-ins for 03-maximum-likelihood: its solutions, generated from solutions/03-maximum-likelihood/03-maximum-likelihood.ipynb.

Do not edit: ``make exercises`` writes this file (see ``logreg_course.grading.standins``)."""


# ruff: noqa


import numpy as np


def sigmoid(z):
    """Stable logistic sigmoid (the solution of assignment 1), elementwise."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def cross_entropy(y, z):
    """Mean binary cross-entropy from logits: (1/n) sum_i [log(1 + e^z_i) - y_i z_i].

    Parameters
    ----------
    y : numpy.ndarray of shape (n,)
        Labels, 0 or 1.
    z : numpy.ndarray of shape (n,)
        Logits.

    Returns
    -------
    float
        The mean loss (a mean over samples, not a sum).
    """
    y, z = np.asarray(y, dtype=float), np.asarray(z, dtype=float)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def gradient(X, y, w, b):
    """Gradient of the mean cross-entropy: (X^T (p - y) / n, mean(p - y)).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
    w : numpy.ndarray of shape (d,)
    b : float

    Returns
    -------
    grad_w : numpy.ndarray of shape (d,)
    grad_b : float
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    r = sigmoid(X @ w + b) - y
    return X.T @ r / len(y), float(np.mean(r))


def hessian(X, w, b):
    """Hessian of the mean cross-entropy in (w, b), intercept last: X~^T diag(p(1-p)) X~ / n.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    w : numpy.ndarray of shape (d,)
    b : float

    Returns
    -------
    numpy.ndarray of shape (d + 1, d + 1)
    """
    X = np.asarray(X, dtype=float)
    z = X @ w + b
    h = sigmoid(z) * sigmoid(-z)  # p(1 - p) without cancellation
    Xt = np.column_stack([X, np.ones(len(X))])
    return Xt.T @ (h[:, None] * Xt) / len(X)


def gradient_descent(X, y, step_size, n_iter):
    """Fixed-step gradient descent on the mean cross-entropy, from w = 0, b = 0.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
    step_size : float
    n_iter : int
        Number of steps (exactly; no early stopping).

    Returns
    -------
    w : numpy.ndarray of shape (d,)
    b : float
    history : numpy.ndarray of shape (n_iter + 1,)
        history[k] is the mean loss after k steps.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [cross_entropy(y, X @ w + b)]
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
        history.append(cross_entropy(y, X @ w + b))
    return w, b, np.array(history)


def newton_step(X, y, w, b):
    """One full Newton step on the mean cross-entropy: theta - H^-1 grad, theta = (w, b).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
    w : numpy.ndarray of shape (d,)
    b : float

    Returns
    -------
    w_new : numpy.ndarray of shape (d,)
    b_new : float
    """
    g_w, g_b = gradient(X, y, w, b)
    step = np.linalg.solve(hessian(X, w, b), np.append(g_w, g_b))
    return np.asarray(w, dtype=float) - step[:-1], float(b - step[-1])


def fit_logistic(X, y, tol=1e-8, max_iter=50):
    """Maximum-likelihood (w, b) by Newton's method, until max |gradient| <= tol.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
    tol : float, default=1e-8
        Stop when the largest absolute entry of the mean-loss gradient is <= tol.
    max_iter : int, default=50
        At most this many Newton steps.

    Returns
    -------
    w : numpy.ndarray of shape (d,)
    b : float
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(np.max(np.abs(g_w)), abs(g_b)) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
