"""Trusted expected values for the checks, and the data sets they use.

Everything that `logreg_ref` provides as a function of arrays is taken from it.
``logreg_ref.interpret`` works on fitted models, while the notebooks' functions
take ``(w, b)``; the odds-ratio intervals, marginal effects and discrete change
are therefore written out here from their formulas, and the test suite proves
them against ``logreg_ref.interpret``, statsmodels and the published Stata
values for the spector data.

Conventions (the notebooks' docstrings say the same):

* losses, gradients and Hessians are **means** over samples, as in
  ``logreg_ref.binary_cross_entropy`` (scikit-learn's ``C * sum`` objective
  divided by ``C * n``: same minimiser);
* parameters are ``(w, b)`` with the intercept separate; a Hessian is
  ``(d + 1, d + 1)`` with the intercept **last**;
* ``predict`` labels ``1`` when ``p >= threshold`` (as scikit-learn's
  ``FixedThresholdClassifier``).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

import logreg_ref as lr

# --- 01-sigmoid ------------------------------------------------------------------------------
sigmoid = lr.sigmoid
log_sigmoid = lr.log_sigmoid
logit = lr.logit


def sigmoid_derivative(z):
    r""":math:`\sigma'(z) = \sigma(z)\,\sigma(-z)`: no cancellation in either tail."""
    return lr.sigmoid(z) * lr.sigmoid(-z)


def predict_proba(X, w, b):
    """:math:`\\sigma(Xw + b)`."""
    return lr.sigmoid(np.asarray(X) @ np.asarray(w) + b)


def predict(X, w, b, threshold=0.5):
    """1 where :math:`\\sigma(Xw + b) \\ge` `threshold`, else 0 (integers)."""
    return (predict_proba(X, w, b) >= threshold).astype(np.int64)


# --- 02-log-odds -----------------------------------------------------------------------------
def odds(p):
    """:math:`p / (1 - p)`; ``inf`` at ``p = 1``."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return p / (1.0 - p)


def prob_from_odds(o):
    """:math:`o / (1 + o) = 1 / (1 + 1/o)`; 1 at ``o = inf``, 0 at ``o = 0``."""
    o = np.asarray(o, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # inf / inf, replaced by 1
        return np.where(np.isinf(o), 1.0, o / (1.0 + o))


def odds_ratio(coef, delta=1.0):
    """Odds ratio for a change of `delta` units: :math:`e^{\\delta\\beta}`."""
    return np.exp(delta * np.asarray(coef, dtype=float))


def normal_quantile(level):
    """Two-sided critical value :math:`z_{1-\\alpha/2}` for confidence `level`."""
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def wald_ci_odds_ratio(coef, se, level=0.95):
    """Wald interval for the odds ratio: :math:`e^{\\beta \\mp z\\,\\mathrm{se}}`."""
    coef, se = np.asarray(coef, dtype=float), np.asarray(se, dtype=float)
    z = normal_quantile(level)
    return np.exp(coef - z * se), np.exp(coef + z * se)


def marginal_effects(x, w, b):
    """:math:`\\partial p / \\partial x_j = p(1 - p) w_j` at the point `x`."""
    z = np.asarray(x) @ np.asarray(w) + b
    return lr.sigmoid(z) * lr.sigmoid(-z) * np.asarray(w, dtype=float)


def average_marginal_effects(X, w, b):
    """AME: the marginal effects averaged over the rows of `X`."""
    z = np.asarray(X) @ np.asarray(w) + b
    return np.mean(lr.sigmoid(z) * lr.sigmoid(-z)) * np.asarray(w, dtype=float)


def marginal_effects_at_mean(X, w, b):
    """MEM: the marginal effects at the mean row of `X`."""
    return marginal_effects(np.asarray(X).mean(axis=0), w, b)


def discrete_change(X, w, b, j):
    """Average change in :math:`p` when binary feature `j` switches from 0 to 1."""
    X1, X0 = np.array(X, dtype=float), np.array(X, dtype=float)
    X1[:, j], X0[:, j] = 1.0, 0.0
    return float(np.mean(predict_proba(X1, w, b) - predict_proba(X0, w, b)))


def standard_errors(X, w, b):
    """Wald standard errors of ``(w, b)`` (intercept last) at the MLE.

    :math:`\\operatorname{cov} = (\\tilde X^\\top W \\tilde X)^{-1} = (n H)^{-1}`
    with the mean-form Hessian `H` of ``logreg_ref``.
    """
    H = lr.binary_cross_entropy_hessian(X, w, b)
    return np.sqrt(np.diag(np.linalg.inv(len(X) * H)))


# --- 03-maximum-likelihood ------------------------------------------------------------------
def cross_entropy(y, z):
    """Mean binary cross-entropy from logits (``logreg_ref.binary_cross_entropy``)."""
    return lr.binary_cross_entropy(y, z)


def gradient(X, y, w, b):
    """Mean-form gradient ``(grad_w, grad_b)``."""
    return lr.binary_cross_entropy_gradient(X, y, w, b)


def hessian(X, w, b):
    """Mean-form Hessian, ``(d + 1, d + 1)``, intercept last."""
    return lr.binary_cross_entropy_hessian(X, w, b)


def gradient_descent(X, y, step_size, n_iter):
    """`n_iter` fixed steps from zero: ``(w, b, history)``, ``len(history) == n_iter + 1``."""
    res = lr.gradient_descent(X, y, step_size=step_size, tol=0.0, max_iter=n_iter)
    return res.theta[:-1], float(res.theta[-1]), res.loss_history


def newton_step(X, y, w, b):
    """One full Newton step :math:`\\theta - H^{-1}\\nabla F` (no line search)."""
    g_w, g_b = lr.binary_cross_entropy_gradient(X, y, w, b)
    H = lr.binary_cross_entropy_hessian(X, w, b)
    theta = np.append(w, b) - np.linalg.solve(H, np.append(g_w, g_b))
    return theta[:-1], float(theta[-1])


def fit(X, y):
    """The maximum-likelihood ``(w, b)``, to a gradient max-norm of 1e-12."""
    res = lr.newton(X, y, tol=1e-12, max_iter=100)
    if not res.converged:
        raise RuntimeError("reference fit did not converge")
    return res.theta[:-1], float(res.theta[-1])


# --- data ------------------------------------------------------------------------------------
BREAST_CANCER_FEATURES = ("mean radius", "mean texture", "mean smoothness", "mean concavity",
                          "mean symmetry")


def breast_cancer():
    """All 30 standardised breast-cancer features, the labels and the feature names."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    return X, data.target.astype(float), tuple(data.feature_names)


def breast_cancer_subset():
    """Five standardised features on which the MLE exists (not separable)."""
    X, y, names = breast_cancer()
    idx = [names.index(f) for f in BREAST_CANCER_FEATURES]
    return X[:, idx], y


def breast_cancer_model():
    """``(w, b)`` of an L2 fit (C = 1) on all 30 standardised features."""
    X, y, _ = breast_cancer()
    model = lr.LogisticRegression(C=1.0).fit(X, y)
    return model.coef_[0].copy(), float(model.intercept_[0])


def spector():
    """Spector & Mazzeo (1980): ``X`` = (GPA, TUCE, PSI), ``y`` = GRADE (32 students)."""
    from statsmodels.datasets import spector as sp

    df = sp.load_pandas().data
    return df[["GPA", "TUCE", "PSI"]].to_numpy(dtype=float), df["GRADE"].to_numpy(dtype=float)


def spector_fit():
    """The spector MLE ``(w, b)`` and its Wald standard errors (intercept last)."""
    X, y = spector()
    w, b = fit(X, y)
    return w, b, standard_errors(X, w, b)
