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
    """All 30 standardised breast-cancer features, the labels and the feature names.

    y = 1 for a malignant tumour, as in the chapters and the notebooks (scikit-learn's file
    codes benign as 1).
    """
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    return X, 1.0 - data.target, tuple(data.feature_names)


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


# --- 04-thresholds ---------------------------------------------------------------------------
# Predicted positive iff score >= threshold (scikit-learn's roc_curve, FixedThresholdClassifier);
# undefined ratios (0/0) are 0.0, scikit-learn's default value, without its warning.
def confusion_counts(y_true, scores, threshold):
    """``(tn, fp, fn, tp)`` of the rule ``score >= threshold`` (``logreg_ref.metrics``)."""
    y = np.asarray(y_true).astype(np.int64)
    pred = (np.asarray(scores, dtype=float) >= threshold).astype(np.int64)
    return tuple(int(c) for c in lr.metrics.confusion_matrix(y, pred, labels=[0, 1]).ravel())


def precision_recall_f1(y_true, scores, threshold):
    """Precision, recall and F1 of ``score >= threshold``, 0.0 where a denominator is 0."""
    y = np.asarray(y_true).astype(np.int64)
    pred = (np.asarray(scores, dtype=float) >= threshold).astype(np.int64)
    m = lr.metrics
    return tuple(float(f(y, pred, labels=[0, 1], zero_division=0.0))
                 for f in (m.precision_score, m.recall_score, m.f1_score))


def roc_points(y_true, scores):
    """``(fpr, tpr, thresholds)`` at ``inf`` and every distinct score, decreasing."""
    return lr.metrics.roc_curve(np.asarray(y_true).astype(np.int64), scores,
                                drop_intermediate=False)


def auc(y_true, scores):
    r""":math:`\Pr(S^+ > S^-) + \tfrac12\Pr(S^+ = S^-)` (``logreg_ref.metrics.roc_auc_score``)."""
    return float(lr.metrics.roc_auc_score(np.asarray(y_true).astype(np.int64), scores))


def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    r""":math:`(c_{FP}\,FP + c_{FN}\,FN) / n` (``logreg_ref.decisions.expected_cost``)."""
    return lr.decisions.expected_cost(np.asarray(y_true).astype(np.int64), scores, threshold,
                                      c_fp=c_fp, c_fn=c_fn)


def bayes_threshold(cost_matrix):
    r""":math:`t^* = a / (a + d)`, :math:`a = c_{10} - c_{00}`, :math:`d = c_{01} - c_{11}`
    for ``cost_matrix[pred, true]`` (``logreg_ref.decisions.bayes_threshold``)."""
    return lr.decisions.bayes_threshold(cost_matrix)


def bayes_decisions(z, cost_matrix):
    """1 where the probability ``sigmoid(z) >= t*``, else 0 (integers)."""
    return (lr.sigmoid(np.asarray(z, dtype=float)) >= bayes_threshold(cost_matrix)).astype(
        np.int64)


def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    """Least total cost over ``{inf} ∪ scores``; ties go to the largest threshold."""
    return lr.decisions.cost_optimal_threshold(np.asarray(y_true).astype(np.int64), scores,
                                               c_fp=c_fp, c_fn=c_fn)


def threshold_for_recall(y_true, scores, target):
    """Largest threshold in ``{inf} ∪ scores`` whose recall is at least `target`."""
    return lr.decisions.threshold_for_recall(np.asarray(y_true).astype(np.int64), scores,
                                             target)


# --- 05-regularisation -----------------------------------------------------------------------
# scikit-learn's objective F = C sum_i s_i l_i + ||w||^2 / 2 (intercept not penalised), and its
# gradient, on the same scale: logreg_ref works in the mean form F / (C S), so multiply back.
def _weights(y, sample_weight):
    return np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)


def penalised_objective(X, y, w, b, C, sample_weight=None):
    r""":math:`C\sum_i s_i\ell_i + \tfrac12\lVert w\rVert^2` (scikit-learn's form)."""
    s = _weights(y, sample_weight)
    z = np.asarray(X) @ np.asarray(w) + b
    return float(C * s.sum() * lr.binary_cross_entropy(y, z, s) + 0.5 * np.dot(w, w))


def penalised_gradient(X, y, w, b, C, sample_weight=None):
    r"""``(C X^T (s (p - y)) + w, C sum_i s_i (p_i - y_i))``: the intercept has no penalty term."""
    s = _weights(y, sample_weight)
    g_w, g_b = lr.binary_cross_entropy_gradient(X, y, w, b, s)
    return C * s.sum() * g_w + np.asarray(w, dtype=float), float(C * s.sum() * g_b)


def fit_penalised(X, y, C, sample_weight=None):
    """The minimiser of `penalised_objective` (``logreg_ref.newton`` to a mean-form 1e-12)."""
    res = lr.newton(X, y, C=C, sample_weight=sample_weight, tol=1e-12, max_iter=100)
    if not res.converged:
        raise RuntimeError("reference fit did not converge")
    return res.theta[:-1], float(res.theta[-1])


def fit_penalised_intercept(X, y, C, sample_weight=None):
    """The *wrong* fit that penalises the intercept too (a column of ones, no free b)."""
    Xt = np.column_stack([X, np.ones(len(X))])
    res = lr.newton(Xt, y, C=C, sample_weight=sample_weight, fit_intercept=False, tol=1e-12,
                    max_iter=100)
    return res.theta[:-1], float(res.theta[-1])


def penalised_hessian(X, w, b, C, sample_weight=None):
    """Hessian of `penalised_objective` in ``(w, b)``, intercept last."""
    s = _weights(X, sample_weight)
    H = C * s.sum() * lr.binary_cross_entropy_hessian(X, w, b, s)
    H[np.diag_indices(len(w))] += 1.0
    return H


def balanced_sample_weight(y, sample_weight=None):
    r""":math:`s_i\,S / (K\,S_{y_i})`: scikit-learn's ``class_weight="balanced"`` as weights."""
    y = np.asarray(y)
    s = _weights(y, sample_weight)
    classes, index = np.unique(y, return_inverse=True)
    totals = np.bincount(index, weights=s, minlength=len(classes))
    return s * s.sum() / (len(classes) * totals[index])


def soft_threshold(u, t):
    r""":math:`\operatorname{sign}(u)\max(|u| - t, 0)`."""
    u = np.asarray(u, dtype=float)
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    r"""Which L1 optimality conditions hold, coefficient by coefficient (booleans).

    :math:`|g_j + \lambda_1\operatorname{sign}(w_j)| \le \mathrm{tol}` where :math:`w_j \ne 0`;
    :math:`|g_j| \le \lambda_1 + \mathrm{tol}` where :math:`w_j = 0`.
    """
    w, g = np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float)
    return np.where(w != 0, np.abs(g + lam1 * np.sign(w)) <= tol, np.abs(g) <= lam1 + tol)


def kfold_indices(n, k):
    """Held-out indices of k contiguous folds, the first ``n % k`` one longer (sklearn's KFold)."""
    return np.array_split(np.arange(n), k)


def cv_log_loss(X, y, C, k=5):
    """Mean over `kfold_indices` folds of the held-out mean cross-entropy.

    In each fold the features are standardised with the training folds' mean and
    (population) standard deviation, and the L2 fit uses the training folds only.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    losses = []
    for test in kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        losses.append(lr.binary_cross_entropy(y[test], (X[test] - mu) / sd @ w + b))
    return float(np.mean(losses))


# --- 06-softmax ------------------------------------------------------------------------------
def softmax(Z):
    """Row-wise softmax of an ``(n, K)`` array of logits."""
    return lr.softmax(np.asarray(Z, dtype=float), axis=1)


def logsumexp(Z):
    """Row-wise log-sum-exp, shape ``(n,)``."""
    return lr.logsumexp(np.asarray(Z, dtype=float), axis=1)


def log_softmax(Z):
    """Row-wise log-softmax, ``Z - logsumexp(Z)`` computed from the shifted logits."""
    return lr.log_softmax(np.asarray(Z, dtype=float), axis=1)


def multinomial_cross_entropy(y, Z, sample_weight=None):
    """Weighted mean of ``lse(Z_i) - Z_{i, y_i}`` (``logreg_ref``)."""
    return lr.multinomial_cross_entropy(y, Z, sample_weight)


def multinomial_gradient(X, y, W, b):
    """``((P - Y)^T X / n, mean(P - Y))`` (``logreg_ref``)."""
    return lr.multinomial_cross_entropy_gradient(X, y, W, b)


def softmax_penalised_gradient(X, y, W, b, C):
    """Gradient of the mean form ``L(W, b) + ||W||^2 / (2 C n)``."""
    g_W, g_b = lr.multinomial_cross_entropy_gradient(X, y, W, b)
    return g_W + np.asarray(W) / (C * len(y)), g_b


def fit_softmax(X, y, C):
    """``(W, b)`` of ``LogisticRegression(C)``: symmetric (rows sum to zero), gradient 1e-12."""
    model = lr.LogisticRegression(C=C, tol=1e-12, max_iter=200).fit(X, y)
    return model.coef_.copy(), model.intercept_.copy()


def softmax_penalised_hessian(X, W, b, C):
    """Full Hessian of the mean-form penalised objective, parameters ``[W.ravel(), b]``."""
    H = lr.multinomial_cross_entropy_hessian(X, W, b)
    K, d = np.shape(W)
    H[np.arange(K * d), np.arange(K * d)] += 1.0 / (C * len(X))
    return H


def predict_proba_softmax(X, W, b):
    """``softmax(X W^T + b)``."""
    return softmax(np.asarray(X) @ np.asarray(W).T + b)


def predict_softmax(X, W, b):
    """The class of largest logit (the first one on a tie), integers."""
    return np.argmax(np.asarray(X) @ np.asarray(W).T + b, axis=1).astype(np.int64)


def binary_from_softmax(W, b):
    """Two-class softmax ``(W, b)`` -> binary ``(w, b) = (W_1 - W_0, b_1 - b_0)``."""
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    return W[1] - W[0], float(b[1] - b[0])


def softmax_from_binary(w, b):
    """Binary ``(w, b)`` -> the symmetric two-class softmax ``([-w/2, w/2], [-b/2, b/2])``."""
    w = np.asarray(w, dtype=float)
    return np.vstack([-w / 2, w / 2]), np.array([-b / 2, b / 2])


def breast_cancer_validation():
    """Labels (1 = malignant) and scores of half the tumours, from an L2 fit on the other half.

    Returns ``(y_val, p_val, z_val)``: the split is stratified (``random_state=0``), the
    features are standardised with the fitting half's mean and standard deviation, and the
    model is ``LogisticRegression(C=1)``. The 04-thresholds setup cell builds the same.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    X, y = data.data, 1 - data.target
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.5, stratify=y,
                                                  random_state=0)
    mu, sd = X_fit.mean(axis=0), X_fit.std(axis=0)
    model = lr.LogisticRegression(C=1.0).fit((X_fit - mu) / sd, y_fit)
    z = model.decision_function((X_val - mu) / sd)
    return y_val.astype(float), lr.sigmoid(z), z


def breast_cancer_raw():
    """The 30 breast-cancer features as measured (not standardised), y = 1: malignant."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return data.data.copy(), 1.0 - data.target


def _standardised(loader):
    X, y = loader(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y.astype(np.int64)


def iris_standardised():
    """Iris: 4 standardised features, classes 0, 1, 2 (150 flowers)."""
    from sklearn.datasets import load_iris

    return _standardised(load_iris)


def wine_standardised():
    """Wine: 13 standardised features, classes 0, 1, 2 (178 wines)."""
    from sklearn.datasets import load_wine

    return _standardised(load_wine)


def breast_cancer_l1_fit():
    """An L1 fit (C = 0.1) on the 30 standardised features: ``(w, grad_w, lam1)``.

    ``grad_w`` is the gradient of the mean cross-entropy at the fit and
    ``lam1 = 1 / (n C)`` the mean-form L1 strength, so the KKT conditions hold
    (``logreg_ref`` solves them to a residual of 1e-10).
    """
    X, y, _ = breast_cancer()
    C = 0.1
    model = lr.LogisticRegression(C=C, l1_ratio=1.0).fit(X, y)
    w, b = model.coef_[0].copy(), float(model.intercept_[0])
    g_w, _ = lr.binary_cross_entropy_gradient(X, y, w, b)
    return w, g_w, 1.0 / (len(y) * C)
