"""Stand-ins for 02-log-odds: its solutions, generated from solutions/02-log-odds/02-log-odds.ipynb.

Do not edit: ``make exercises`` writes this file (see ``logreg_course.grading.standins``)."""


# ruff: noqa


import numpy as np


def odds(p):
    """Odds p / (1 - p) of probabilities p (inf at p = 1).

    Parameters
    ----------
    p : float or array_like
        Probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray
        The odds, same shape as p.
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return p / (1.0 - p)


def prob_from_odds(o):
    """Probabilities o / (1 + o) from odds o >= 0 (0 at o = 0, 1 at o = inf).

    Parameters
    ----------
    o : float or array_like
        Odds, non-negative, possibly inf.

    Returns
    -------
    numpy.ndarray
        The probabilities, same shape as o.
    """
    o = np.asarray(o, dtype=float)
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 + 1.0 / o)


def odds_ratio(coef, delta=1.0):
    """Odds ratio exp(delta * coef) for a change of delta units in each feature.

    Parameters
    ----------
    coef : float or array_like
        Coefficients (changes in log-odds per unit).
    delta : float, default=1.0
        Size of the change, in units of the feature.

    Returns
    -------
    numpy.ndarray
        exp(delta * coef), same shape as coef.
    """
    return np.exp(delta * np.asarray(coef, dtype=float))


def wald_ci_odds_ratio(coef, se, level=0.95):
    """Wald confidence interval for odds ratios: exp(coef -/+ z * se).

    Parameters
    ----------
    coef : array_like
        Coefficients.
    se : array_like
        Their standard errors, same shape.
    level : float, default=0.95
        Confidence level; z is the (1 + level) / 2 quantile of the standard normal.

    Returns
    -------
    (lower, upper) : tuple of numpy.ndarray
        The interval's ends, each the shape of coef.
    """
    from statistics import NormalDist

    coef, se = np.asarray(coef, dtype=float), np.asarray(se, dtype=float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return np.exp(coef - z * se), np.exp(coef + z * se)


def marginal_effects(x, w, b):
    """Marginal effects dp/dx_j = p (1 - p) w_j at one point x.

    Parameters
    ----------
    x : numpy.ndarray of shape (d,)
        The point.
    w : numpy.ndarray of shape (d,)
        Weights.
    b : float
        Intercept.

    Returns
    -------
    numpy.ndarray of shape (d,)
        One effect per feature.
    """
    z = float(np.dot(x, w) + b)
    p = 1.0 / (1.0 + np.exp(-z)) if z >= 0 else np.exp(z) / (1.0 + np.exp(z))
    return p * (1.0 - p) * np.asarray(w, dtype=float)


def average_marginal_effects(X, w, b):
    """Average marginal effects: (1/n) sum_i p_i (1 - p_i) w (a mean over rows).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    w : numpy.ndarray of shape (d,)
    b : float

    Returns
    -------
    numpy.ndarray of shape (d,)
    """
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return np.mean(p * (1.0 - p)) * np.asarray(w, dtype=float)


def marginal_effects_at_mean(X, w, b):
    """Marginal effects at the mean row: p(1 - p) w with p = sigma(mean(X) w + b).

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    w : numpy.ndarray of shape (d,)
    b : float

    Returns
    -------
    numpy.ndarray of shape (d,)
    """
    return marginal_effects(np.asarray(X, dtype=float).mean(axis=0), w, b)


def discrete_change(X, w, b, j):
    """Average change in p when binary feature j goes from 0 to 1 in every row.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    w : numpy.ndarray of shape (d,)
    b : float
    j : int
        Column of the 0/1 feature.

    Returns
    -------
    float
        mean_i [sigma(z_i with x_ij = 1) - sigma(z_i with x_ij = 0)].
    """
    X1 = np.array(X, dtype=float)
    X0 = X1.copy()
    X1[:, j], X0[:, j] = 1.0, 0.0
    w = np.asarray(w, dtype=float)

    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    return float(np.mean(sigmoid(X1 @ w + b) - sigmoid(X0 @ w + b)))


def effects_table(X, w, b, se):
    """Columns: odds ratio, 95 % CI lower, 95 % CI upper, AME, MEM; one row per feature.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
    w : numpy.ndarray of shape (d,)
    b : float
    se : numpy.ndarray of shape (d,)
        Standard errors of w.

    Returns
    -------
    numpy.ndarray of shape (d, 5)
    """
    lower, upper = wald_ci_odds_ratio(w, se)
    return np.column_stack([odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
                            marginal_effects_at_mean(X, w, b)])
