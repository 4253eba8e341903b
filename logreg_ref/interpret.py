r"""Reading a fitted binary logistic regression: standard errors, odds ratios, marginal effects.

Everything here starts from a fitted binary `LogisticRegression` and the data
``X`` (and sample weights ``s``, if any) it was fitted on. Notation, with the
intercept last as everywhere in `logreg_ref`:

    theta = [w, b]                parameters (just w when fit_intercept=False)
    X~    = [X, 1]                design matrix (just X when fit_intercept=False)
    z     = X~ theta,  p = sigmoid(z),  h = p (1 - p) = sigmoid(z) sigmoid(-z)

**Covariance (observed information).** For ``C=np.inf`` the log-likelihood
:math:`\sum_i s_i [y_i z_i - \log(1 + e^{z_i})]` has Hessian
:math:`-\tilde X^\top \operatorname{diag}(s \odot h)\tilde X`, so

.. math:: \widehat{\operatorname{Cov}}(\hat\theta)
          = \bigl(\tilde X^\top \operatorname{diag}(s \odot h)\,\tilde X\bigr)^{-1},

which is statsmodels' ``Logit(y, X~).fit().cov_params()`` (and Stata's
``logit``) when ``s`` is all ones. Weights act as frequency weights: integer
weights give exactly the result of repeating rows.

**Wald inference.** :math:`\mathrm{se}_k = \sqrt{\mathrm{Cov}_{kk}}`,
:math:`z_k = \hat\theta_k / \mathrm{se}_k`, two-sided p-value
:math:`2\,\Phi(-|z_k|)` and interval :math:`\hat\theta_k \pm q\,\mathrm{se}_k`
with :math:`q = \Phi^{-1}(1 - \alpha/2)` computed exactly (``alpha=0.05``
gives 1.959963984540054). Odds ratios are :math:`e^{\hat\theta_k}` with
interval :math:`e^{\hat\theta_k \pm q\,\mathrm{se}_k}` (the Wald interval
mapped through exp, so it is not symmetric about the odds ratio).

**Marginal effects** (statsmodels' ``get_margeff(method="dydx")``). For a
continuous feature :math:`j`, :math:`\partial p_i/\partial x_{ij} = h_i w_j`.
With ``dummy=True`` a 0/1 feature gets instead the discrete change
:math:`\sigma(\tilde x_i^{(j=1)\top}\theta) - \sigma(\tilde x_i^{(j=0)\top}\theta)`,
where :math:`\tilde x_i^{(j=v)}` is row :math:`i` with feature :math:`j` set to
:math:`v`. ``at="overall"`` averages over the rows (weighted by ``s``): the
average marginal effect, AME. ``at="mean"`` evaluates at the (weighted) mean
row :math:`\bar x`: the marginal effect at the mean, MEM. Standard errors come
from the delta method, :math:`\operatorname{Cov}(\hat m) = J\,\widehat{\operatorname{Cov}}
(\hat\theta)\,J^\top` with the analytic Jacobian :math:`J = \partial m/\partial\theta`:

.. math::

    \frac{\partial (h_i w_j)}{\partial \theta_k}
        = \delta_{jk}\,h_i + w_j\,h_i(1 - 2p_i)\,\tilde x_{ik}, \qquad
    \frac{\partial\,\text{(discrete change)}}{\partial \theta}
        = h_i^{(1)}\tilde x_i^{(j=1)} - h_i^{(0)}\tilde x_i^{(j=0)},

averaged like the effects themselves.

**Penalised fits.** With a finite ``C`` and the L2 penalty the estimate is
shrunk towards zero, so the Wald standard errors, p-values and intervals are
not valid frequentist statements. The functions here then warn
(`PenalisedInferenceWarning`) and use the inverse Hessian of the penalised
objective, :math:`(\tilde X^\top\operatorname{diag}(s\odot h)\tilde X
+ \operatorname{diag}(1/C, \dots, 1/C, 0))^{-1}`: the Laplace approximation to
the posterior covariance under the prior :math:`w \sim N(0, C I)` (flat on
:math:`b`). An L1 or elastic-net penalty (``l1_ratio > 0``) has no Hessian at
the zero coefficients it produces, so those fits raise `ValueError`.

The functions return small frozen dataclasses of NumPy arrays (`CoefTable`,
`MarginalEffects`), each with a pandas-free ``summary()`` string.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ._estimator import LogisticRegression
from ._special import sigmoid

__all__ = [
    "CoefTable",
    "MarginalEffects",
    "PenalisedInferenceWarning",
    "coef_table",
    "covariance",
    "marginal_effects",
]

_AT = ("overall", "mean")


class PenalisedInferenceWarning(UserWarning):
    """Standard errors were asked of a penalised (finite C) fit.

    They come from the penalised objective's Hessian (a Laplace approximation
    to a posterior covariance), not from the likelihood alone, so the p-values
    and intervals built on them are not the usual Wald ones.
    """


# ------------------------------------------------------------------ result types
@dataclass(frozen=True)
class CoefTable:
    r"""Wald inference for the coefficients, one entry per parameter (intercept last).

    Attributes
    ----------
    names : tuple of str
        Feature names (``feature_names_in_`` or ``"x0"``, ``"x1"``, ...), then
        ``"intercept"`` when the model has one.
    coef : ndarray of shape (k,)
        :math:`\hat\theta = [w, b]` (statsmodels ``params``).
    std_err : ndarray of shape (k,)
        :math:`\sqrt{\operatorname{diag}\mathrm{Cov}}` (statsmodels ``bse``).
    z : ndarray of shape (k,)
        Wald statistics ``coef / std_err`` (statsmodels ``tvalues``).
    p_value : ndarray of shape (k,)
        Two-sided :math:`2\Phi(-|z|)` (statsmodels ``pvalues``).
    conf_int : ndarray of shape (k, 2)
        ``coef -+ q * std_err``, :math:`q = \Phi^{-1}(1-\alpha/2)`
        (statsmodels ``conf_int(alpha)``).
    odds_ratio : ndarray of shape (k,)
        ``exp(coef)``: the factor by which the odds of ``classes_[1]`` change
        per unit of the feature; for the intercept, the odds at ``x = 0``.
    odds_ratio_conf_int : ndarray of shape (k, 2)
        ``exp(conf_int)``.
    cov : ndarray of shape (k, k)
        The covariance matrix (statsmodels ``cov_params()``).
    alpha : float
        One minus the confidence level of the intervals.
    penalised : bool
        True when `cov` is the penalised (Laplace) covariance, not the Wald one.
    """

    names: tuple
    coef: np.ndarray
    std_err: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    conf_int: np.ndarray
    odds_ratio: np.ndarray
    odds_ratio_conf_int: np.ndarray
    cov: np.ndarray
    alpha: float
    penalised: bool = False

    def summary(self):
        """The table as text: one row per parameter, like statsmodels' ``summary()``."""
        lo, hi = _level_labels(self.alpha)
        header = ["", "coef", "std err", "z", "P>|z|", lo, hi, "odds ratio", f"OR {lo}",
                  f"OR {hi}"]
        rows = [[name, *values] for name, values in zip(self.names, np.column_stack(
            [self.coef, self.std_err, self.z, self.p_value, self.conf_int, self.odds_ratio,
             self.odds_ratio_conf_int]), strict=True)]
        title = "Logistic regression coefficients (Wald" + (
            ", PENALISED: Laplace covariance)" if self.penalised else ")")
        return _format_table(title, header, rows)

    def __str__(self):
        return self.summary()


@dataclass(frozen=True)
class MarginalEffects:
    r"""Marginal effects on :math:`P(y = \text{classes\_[1]})` with delta-method inference.

    Attributes
    ----------
    names : tuple of str
        Feature names (the intercept has no marginal effect).
    effect : ndarray of shape (d,)
        The marginal effects (statsmodels ``margeff``): :math:`h\,w_j` averaged
        (``at="overall"``) or at the mean row (``at="mean"``); discrete changes
        for the columns flagged in `discrete`.
    std_err : ndarray of shape (d,)
        Delta-method standard errors (statsmodels ``margeff_se``).
    z, p_value, conf_int : ndarray
        ``effect / std_err``, :math:`2\Phi(-|z|)` and ``effect -+ q * std_err``
        (statsmodels ``tvalues``, ``pvalues``, ``conf_int(alpha)``).
    cov : ndarray of shape (d, d)
        :math:`J\,\mathrm{Cov}(\hat\theta)\,J^\top` (statsmodels ``margeff_cov``).
    jacobian : ndarray of shape (d, k)
        :math:`J = \partial\,\text{effect} / \partial\theta` (intercept last).
    discrete : ndarray of bool, shape (d,)
        Which features got the discrete change 0 -> 1 (all False unless ``dummy=True``).
    at : {"overall", "mean"}
        Averaged over the sample (AME) or at the mean (MEM).
    alpha : float
        One minus the confidence level of the intervals.
    penalised : bool
        True when the parameter covariance was the penalised (Laplace) one.
    """

    names: tuple
    effect: np.ndarray
    std_err: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    conf_int: np.ndarray
    cov: np.ndarray
    jacobian: np.ndarray
    discrete: np.ndarray
    at: str
    alpha: float
    penalised: bool = False

    def summary(self):
        """The effects as text, one row per feature; discrete changes are marked ``(d)``."""
        lo, hi = _level_labels(self.alpha)
        header = ["", "dy/dx", "std err", "z", "P>|z|", lo, hi]
        names = [n + (" (d)" if d else "") for n, d in zip(self.names, self.discrete,
                                                             strict=True)]
        rows = [[name, *values] for name, values in zip(names, np.column_stack(
            [self.effect, self.std_err, self.z, self.p_value, self.conf_int]), strict=True)]
        kind = "average marginal effects (AME)" if self.at == "overall" else \
            "marginal effects at the mean (MEM)"
        title = f"Logistic regression {kind}" + (
            ", PENALISED: Laplace covariance" if self.penalised else "")
        if self.discrete.any():
            title += "\n(d): discrete change of a 0/1 feature from 0 to 1"
        return _format_table(title, header, rows)

    def __str__(self):
        return self.summary()


# ------------------------------------------------------------------ public functions
def covariance(model, X, *, sample_weight=None):
    r"""Covariance of :math:`\hat\theta = [w, b]` from the observed information.

    Parameters
    ----------
    model : LogisticRegression
        A fitted binary `logreg_ref.LogisticRegression`, normally with
        ``C=np.inf`` (see Warns for finite ``C``).
    X : array_like of shape (n_samples, n_features)
        The data the model was fitted on.
    sample_weight : array_like of shape (n_samples,), optional
        The weights it was fitted with (frequency weights); default all ones.

    Returns
    -------
    cov : ndarray of shape (k, k)
        :math:`(\tilde X^\top\operatorname{diag}(s\odot p(1-p))\tilde X + P)^{-1}`,
        intercept last; :math:`P = 0` for ``C=np.inf``.

    Raises
    ------
    ValueError
        Unfitted, multiclass, L1/elastic-net or class-weighted model; `X` or
        `sample_weight` of the wrong shape or with NaN/inf; a singular
        information matrix (collinear features).

    Warns
    -----
    PenalisedInferenceWarning
        For a finite ``C`` (L2 penalty), where
        :math:`P = \operatorname{diag}(1/C, \dots, 1/C, 0)`: the inverse Hessian of
        the penalised objective :math:`\sum_i s_i\ell_i + \lVert w\rVert^2/(2C)`.

    Notes
    -----
    The information does not involve ``y``: for the logistic link the observed
    and expected information coincide. It is, however, evaluated at the fitted
    :math:`\hat\theta`, so passing data other than the training data gives a
    matrix with no meaning; this cannot be detected without ``y``.
    """
    return _prepare(model, X, sample_weight, stacklevel=4)[4]


def coef_table(model, X, *, sample_weight=None, alpha=0.05):
    r"""Standard errors, Wald z, p-values and intervals, and odds ratios, for every parameter.

    Parameters
    ----------
    model : LogisticRegression
        A fitted binary `logreg_ref.LogisticRegression`, normally with ``C=np.inf``.
    X : array_like of shape (n_samples, n_features)
        The data the model was fitted on.
    sample_weight : array_like of shape (n_samples,), optional
        The weights it was fitted with; default all ones.
    alpha : float, default=0.05
        Intervals have confidence level ``1 - alpha``.

    Returns
    -------
    CoefTable
        See `CoefTable` for the fields and their statsmodels names.

    Raises
    ------
    ValueError
        As `covariance`, and for `alpha` outside (0, 1).

    Warns
    -----
    PenalisedInferenceWarning
        For a finite ``C``, as `covariance`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.], [1.], [2.], [3.], [4.], [5.]])
    >>> y = np.array([0, 0, 1, 0, 1, 1])
    >>> model = LogisticRegression(C=np.inf).fit(X, y)
    >>> table = coef_table(model, X)
    >>> table.names
    ('x0', 'intercept')
    >>> np.round(table.odds_ratio, 3)  # odds x3.4 per unit of x0 (statsmodels agrees)
    array([3.367, 0.048])
    >>> np.round(table.odds_ratio_conf_int[0], 2)  # a wide interval from 6 points
    array([ 0.56, 20.14])
    """
    q = _quantile(alpha)
    _, _, _, theta, cov, penalised = _prepare(model, X, sample_weight, stacklevel=4)
    se = np.sqrt(np.diag(cov))
    z, p_value, ci = _wald(theta, se, q)
    return CoefTable(names=_names(model, with_intercept=True), coef=theta, std_err=se, z=z,
                     p_value=p_value, conf_int=ci, odds_ratio=np.exp(theta),
                     odds_ratio_conf_int=np.exp(ci), cov=cov, alpha=float(alpha),
                     penalised=penalised)


def marginal_effects(model, X, *, at="overall", dummy=False, sample_weight=None, alpha=0.05):
    r"""Marginal effects of each feature on the probability, with delta-method standard errors.

    Parameters
    ----------
    model : LogisticRegression
        A fitted binary `logreg_ref.LogisticRegression`, normally with ``C=np.inf``.
    X : array_like of shape (n_samples, n_features)
        The data the model was fitted on.
    at : {"overall", "mean"}, default="overall"
        ``"overall"``: the (weighted) average over the rows of `X` of each
        row's effect, the AME. ``"mean"``: the effect at the (weighted) mean
        row, the MEM. (statsmodels' ``get_margeff(at=...)``.)
    dummy : bool, default=False
        If True, every feature whose values (over rows of positive weight) are
        exactly 0 and 1, both present, gets the discrete change
        :math:`p(x_j = 1) - p(x_j = 0)` instead of the derivative. With
        ``at="mean"`` both probabilities are taken at the mean row with feature
        :math:`j` set to 1 and to 0, as statsmodels and Stata do.
    sample_weight : array_like of shape (n_samples,), optional
        The weights the model was fitted with; they weight the average and
        the mean. Default all ones.
    alpha : float, default=0.05
        Intervals have confidence level ``1 - alpha``.

    Returns
    -------
    MarginalEffects
        See `MarginalEffects`; ``effect`` and ``std_err`` are statsmodels'
        ``margeff`` and ``margeff_se``.

    Raises
    ------
    ValueError
        As `covariance`, and for an unknown `at` or `alpha` outside (0, 1).

    Warns
    -----
    PenalisedInferenceWarning
        For a finite ``C``, as `covariance`.
    """
    if not isinstance(at, str) or at not in _AT:
        raise ValueError(f"at must be one of {_AT}; got at={at!r}.")
    q = _quantile(alpha)
    X, s, Xt, theta, cov_theta, penalised = _prepare(model, X, sample_weight, stacklevel=4)
    discrete = _dummy_columns(X[s > 0]) if dummy else np.zeros(X.shape[1], dtype=bool)
    effect, jac = _effects_and_jacobian(theta, Xt, s / s.sum(), at, discrete)
    cov = jac @ cov_theta @ jac.T
    se = np.sqrt(np.diag(cov))
    z, p_value, ci = _wald(effect, se, q)
    return MarginalEffects(names=_names(model, with_intercept=False), effect=effect,
                           std_err=se, z=z, p_value=p_value, conf_int=ci, cov=cov,
                           jacobian=jac, discrete=discrete, at=at, alpha=float(alpha),
                           penalised=penalised)


# ------------------------------------------------------------------ the computations
def _prepare(model, X, sample_weight, stacklevel):
    """Validate; return (X, s, X~, theta, cov, penalised)."""
    penalised = _check_model(model, stacklevel=stacklevel)
    X, s = _validate(model, X, sample_weight)
    Xt = _design(X, model.fit_intercept)
    theta = _theta(model)
    z = Xt @ theta
    h = sigmoid(z) * sigmoid(-z)  # p(1 - p) without the cancellation of 1 - p
    info = Xt.T @ ((s * h)[:, None] * Xt)
    if not penalised:
        # Test the rank on sqrt(s h) X~ (condition number cond(X~), not its square):
        # with collinear features Cholesky of `info` may fail or may "succeed" with a
        # rounding-error pivot and standard errors of 1e13, depending on the last bit.
        rank = np.linalg.matrix_rank(np.sqrt(s * h)[:, None] * Xt)
        if rank < Xt.shape[1]:
            raise ValueError(
                f"The information matrix X~^T diag(s p(1-p)) X~ has rank {rank} < "
                f"{Xt.shape[1]} parameters: the features are collinear (or the fitted "
                "probabilities are 0 or 1), so the coefficients are not identified and have "
                "no finite standard errors. Drop redundant features.")
    if penalised:
        penalty = np.full(Xt.shape[1], 1.0 / float(model.C))
        if model.fit_intercept:
            penalty[-1] = 0.0  # the intercept is never penalised
        info = info + np.diag(penalty)
    try:
        L = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        raise ValueError(
            "The information matrix is not numerically positive definite, so the "
            "coefficients have no finite standard errors. Drop redundant features or "
            "standardise them.") from None
    # cov = info^{-1} = L^{-T} L^{-1}; built this way it is exactly symmetric.
    L_inv = np.linalg.solve(L, np.eye(L.shape[0]))
    return X, s, Xt, theta, L_inv.T @ L_inv, penalised


def _effects_and_jacobian(theta, Xt, omega, at, discrete):
    """Marginal effects (d,) and their Jacobian (d, k) with respect to theta.

    `omega` are the normalised row weights (summing to one). Discrete-change
    columns are overwritten after the derivative-based ones.
    """
    d = discrete.size
    if at == "mean":
        Xt, omega = np.atleast_2d(omega @ Xt), np.ones(1)
    w = theta[:d]
    z = Xt @ theta
    p, one_minus_p = sigmoid(z), sigmoid(-z)
    h = p * one_minus_p
    mean_h = omega @ h
    effect = mean_h * w
    # d(h_i w_j)/d theta_k = delta_jk h_i + w_j h_i (1 - 2 p_i) x~_ik, averaged over i
    jac = np.outer(w, omega @ ((h * (one_minus_p - p))[:, None] * Xt))
    jac[np.arange(d), np.arange(d)] += mean_h
    for j in np.flatnonzero(discrete):
        X0, X1 = Xt.copy(), Xt.copy()
        X0[:, j], X1[:, j] = 0.0, 1.0
        z0, z1 = X0 @ theta, X1 @ theta
        effect[j] = omega @ (sigmoid(z1) - sigmoid(z0))
        h0, h1 = sigmoid(z0) * sigmoid(-z0), sigmoid(z1) * sigmoid(-z1)
        jac[j] = omega @ (h1[:, None] * X1 - h0[:, None] * X0)
    return effect, jac


def _wald(estimate, se, q):
    z = estimate / se
    p_value = 2.0 * ndtr(-np.abs(z))  # the lower tail keeps precision for large |z|
    ci = np.column_stack([estimate - q * se, estimate + q * se])
    return z, p_value, ci


def _dummy_columns(X):
    """Columns whose values are all 0 or 1, with both present (statsmodels' rule)."""
    is01 = np.all((X == 0) | (X == 1), axis=0)
    return is01 & np.any(X == 0, axis=0) & np.any(X == 1, axis=0)


def _design(X, fit_intercept):
    return np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X


def _theta(model):
    w = np.asarray(model.coef_, dtype=np.float64)[0]
    return np.append(w, model.intercept_[0]) if model.fit_intercept else w.copy()


def _names(model, with_intercept):
    names = getattr(model, "feature_names_in_", None)
    names = [str(n) for n in names] if names is not None else [
        f"x{j}" for j in range(model.n_features_in_)]
    if with_intercept and model.fit_intercept:
        names.append("intercept")
    return tuple(names)


def _quantile(alpha):
    if (not isinstance(alpha, numbers.Real) or isinstance(alpha, bool)
            or not 0 < alpha < 1):
        raise ValueError(f"alpha must be a number in (0, 1); got alpha={alpha!r}.")
    # Phi^{-1}(1 - alpha/2) = -Phi^{-1}(alpha/2); the lower tail is exact for tiny alpha
    return -float(ndtri(alpha / 2.0))


# ------------------------------------------------------------------ validation
def _check_model(model, stacklevel):
    """Check the model is a fitted binary LogisticRegression; return True if penalised."""
    if not isinstance(model, LogisticRegression):
        raise ValueError("model must be a fitted logreg_ref.LogisticRegression; got an "
                         f"object of type {type(model).__name__}.")
    if not hasattr(model, "coef_"):
        raise ValueError("This LogisticRegression is not fitted yet: call fit(X, y) on the "
                         "data first, then pass the same X here.")
    n_classes = len(model.classes_)
    if n_classes != 2 or model.coef_.shape[0] != 1:
        raise ValueError(
            "logreg_ref.interpret handles binary models only; this model has "
            f"{n_classes} classes ({list(model.classes_)}) and coef_ of shape "
            f"{model.coef_.shape}.")
    if model.class_weight is not None:
        raise ValueError(
            f"The model was fitted with class_weight={model.class_weight!r}, which is not "
            "known here without y. Fit with class_weight=None and "
            "sample_weight=s * class_weight[y] instead, and pass that sample_weight here.")
    C = float(model.C)
    if np.isinf(C):
        return False
    if model.l1_ratio > 0:
        raise ValueError(
            f"The model has an L1 or elastic-net penalty (C={model.C!r}, l1_ratio="
            f"{model.l1_ratio!r}): the penalised objective has no Hessian at the zero "
            "coefficients, so there is no covariance to report. Fit with C=np.inf for "
            "Wald standard errors.")
    warnings.warn(
        f"The model is penalised (C={model.C!r}): its coefficients are shrunk towards zero, "
        "so Wald standard errors, p-values and intervals do not apply. Returning the inverse "
        "Hessian of the penalised objective (a Laplace approximation to the posterior "
        "covariance under the prior w ~ N(0, C I)). Fit with C=np.inf for Wald inference.",
        PenalisedInferenceWarning, stacklevel=stacklevel)
    return True


def _validate(model, X, sample_weight):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got an array of shape "
                         f"{X.shape}.")
    if X.shape[1] != model.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with "
                         f"{model.n_features_in_} features.")
    if X.shape[0] == 0:
        raise ValueError("X has no samples.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity.")
    if sample_weight is None:
        return X, np.ones(X.shape[0])
    s = np.asarray(sample_weight, dtype=np.float64)
    if s.ndim != 1 or s.shape[0] != X.shape[0]:
        raise ValueError(f"sample_weight must have shape ({X.shape[0]},) to match X; got "
                         f"shape {s.shape}.")
    if not np.all(np.isfinite(s)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(s < 0):
        raise ValueError(f"sample_weight must be non-negative; found {s[s < 0][0]!r}.")
    if not np.any(s > 0):
        raise ValueError("sample_weight must contain at least one positive weight.")
    return X, s


# ------------------------------------------------------------------ text tables
def _level_labels(alpha):
    return f"[{alpha / 2:.4g}", f"{1 - alpha / 2:.4g}]"


def _format_table(title, header, rows):
    width = max(12, *(len(str(r[0])) for r in rows))
    lines = [title, f"{header[0]:<{width}}" + "".join(f"{h:>12}" for h in header[1:])]
    lines.append("-" * len(lines[1]))
    for name, *values in rows:
        lines.append(f"{name:<{width}}" + "".join(f"{v:>12.4g}" for v in values))
    return "\n".join(lines)
