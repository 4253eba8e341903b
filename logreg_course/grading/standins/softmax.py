"""Stand-ins for 06-softmax: its solutions, generated from solutions/06-softmax/06-softmax.ipynb.

Do not edit: ``make exercises`` writes this file (see ``logreg_course.grading.standins``)."""


# ruff: noqa


import numpy as np


def softmax(Z):
    """Row-wise softmax: exp(Z_ik) / sum_j exp(Z_ij), without overflow.

    Parameters
    ----------
    Z : numpy.ndarray of shape (n, K)
        Logits, one row per sample.

    Returns
    -------
    numpy.ndarray of shape (n, K)
        Probabilities; each row sums to 1.
    """
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # every exponent <= 0
    return E / E.sum(axis=1, keepdims=True)


def logsumexp(Z):
    """Row-wise log-sum-exp, log sum_k exp(Z_ik), computed as m + log sum exp(Z - m).

    Parameters
    ----------
    Z : numpy.ndarray of shape (n, K)

    Returns
    -------
    numpy.ndarray of shape (n,)
    """
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1)
    return m + np.log(np.sum(np.exp(Z - m[:, None]), axis=1))


def log_softmax(Z):
    """Row-wise log-softmax, Z - logsumexp(Z), accurate where softmax underflows.

    Parameters
    ----------
    Z : numpy.ndarray of shape (n, K)

    Returns
    -------
    numpy.ndarray of shape (n, K)
    """
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def cross_entropy(y, Z, sample_weight=None):
    """Mean multinomial cross-entropy from logits: mean_i [lse(Z_i) - Z_{i, y_i}].

    Parameters
    ----------
    y : numpy.ndarray of shape (n,)
        Integer class labels 0..K-1.
    Z : numpy.ndarray of shape (n, K)
        Logits.
    sample_weight : numpy.ndarray of shape (n,), optional
        Weights s_i: the result is then sum_i s_i l_i / sum_i s_i.

    Returns
    -------
    float
        The (weighted) mean loss.
    """
    y = np.asarray(y)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    return float(np.sum(s * losses) / np.sum(s))


def gradient(X, y, W, b):
    """Gradient of the mean multinomial cross-entropy: ((P - Y)^T X / n, mean(P - Y)).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
        Integer class labels 0..K-1.
    W : numpy.ndarray of shape (K, d)
    b : numpy.ndarray of shape (K,)

    Returns
    -------
    grad_W : numpy.ndarray of shape (K, d)
    grad_b : numpy.ndarray of shape (K,)
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    R = softmax(X @ np.asarray(W, dtype=float).T + b)
    R[np.arange(len(y)), y] -= 1.0  # P - Y
    return R.T @ X / len(y), R.mean(axis=0)


def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    """L2-penalised softmax regression by gradient descent, scikit-learn's objective.

    Minimises the mean form L(W, b) + ||W||_F^2 / (2 C n), intercepts not penalised.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    y : numpy.ndarray of shape (n,)
        Integer class labels 0..K-1, K = y.max() + 1.
    C : float
        Inverse regularisation strength.
    tol : float, default=1e-6
        Stop when the largest absolute entry of the gradient (W and b) is <= tol.
    max_iter : int, default=20000

    Returns
    -------
    W : numpy.ndarray of shape (K, d)
        Columns sum to 0 over the classes.
    b : numpy.ndarray of shape (K,)
        Sums to 0.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    n, d = X.shape
    K = int(y.max()) + 1
    lam = 1.0 / (C * n)
    Xt = np.column_stack([X, np.ones(n)])
    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if max(np.max(np.abs(g_W)), np.max(np.abs(g_b))) <= tol:
            break
        W, b = W - step * g_W, b - step * g_b
    return W - W.mean(axis=0), b - b.mean()


def predict_proba(X, W, b):
    """Class probabilities softmax(X W^T + b).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    W : numpy.ndarray of shape (K, d)
    b : numpy.ndarray of shape (K,)

    Returns
    -------
    numpy.ndarray of shape (n, K)
    """
    return softmax(np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b)


def predict(X, W, b):
    """The class of the largest logit, for each row of X.

    Parameters
    ----------
    X, W, b
        As in predict_proba.

    Returns
    -------
    numpy.ndarray of shape (n,)
        Integer labels 0..K-1.
    """
    return np.argmax(np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b, axis=1)


def binary_from_softmax(W, b):
    """The binary model (w, b) = (W[1] - W[0], b[1] - b[0]) of a two-class softmax model.

    Parameters
    ----------
    W : numpy.ndarray of shape (2, d)
    b : numpy.ndarray of shape (2,)

    Returns
    -------
    w : numpy.ndarray of shape (d,)
    b : float
    """
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    return W[1] - W[0], float(b[1] - b[0])


def softmax_from_binary(w, b):
    """The symmetric two-class softmax model ([-w/2, w/2], [-b/2, b/2]) of a binary model.

    Parameters
    ----------
    w : numpy.ndarray of shape (d,)
    b : float

    Returns
    -------
    W : numpy.ndarray of shape (2, d)
    b : numpy.ndarray of shape (2,)
    """
    w = np.asarray(w, dtype=float)
    return np.vstack([-w / 2, w / 2]), np.array([-b / 2, b / 2])
