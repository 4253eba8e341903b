"""Stand-ins for 01-sigmoid: its solutions, generated from solutions/01-sigmoid/01-sigmoid.ipynb.

Do not edit: ``make exercises`` writes this file (see ``logreg_course.grading.standins``)."""


# ruff: noqa


import numpy as np


def sigmoid(z):
    """Logistic sigmoid sigma(z) = 1 / (1 + exp(-z)), elementwise.

    Parameters
    ----------
    z : float or array_like
        Logits.

    Returns
    -------
    numpy.ndarray
        sigma(z), same shape as z, values in [0, 1].
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows: -|z| <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(z):
    """Natural log of the sigmoid, log(sigma(z)), accurate for every finite z.

    Parameters
    ----------
    z : float or array_like
        Logits.

    Returns
    -------
    numpy.ndarray
        log(sigma(z)) <= 0, same shape as z.
    """
    z = np.asarray(z, dtype=float)
    return np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))


def logit(p):
    """Log-odds log(p / (1 - p)), the inverse of the sigmoid.

    Parameters
    ----------
    p : float or array_like
        Probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray
        The log-odds: -inf at p = 0, +inf at p = 1.

    Raises
    ------
    ValueError
        If any value of p lies outside [0, 1].
    """
    p = np.asarray(p, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("logit needs probabilities in [0, 1]")
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


def sigmoid_derivative(z):
    """Derivative of the sigmoid, sigma'(z) = sigma(z) * sigma(-z), elementwise.

    Parameters
    ----------
    z : float or array_like
        Logits.

    Returns
    -------
    numpy.ndarray
        sigma'(z) in (0, 1/4], same shape as z.
    """
    z = np.asarray(z, dtype=float)
    return sigmoid(z) * sigmoid(-z)


def predict_proba(X, w, b):
    """Probabilities of the positive class, p = sigma(X @ w + b).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
        Data, one row per sample.
    w : numpy.ndarray of shape (d,)
        Weights.
    b : float
        Intercept.

    Returns
    -------
    numpy.ndarray of shape (n,)
        P(y = 1 | x) for each row.
    """
    return sigmoid(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b)


def predict(X, w, b, threshold=0.5):
    """Class labels: 1 where predict_proba(X, w, b) >= threshold, else 0.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    w : numpy.ndarray of shape (d,)
    b : float
    threshold : float, default=0.5
        Probability at and above which the label is 1.

    Returns
    -------
    numpy.ndarray of shape (n,), integer dtype
        Labels 0 or 1.
    """
    return (predict_proba(X, w, b) >= threshold).astype(int)
