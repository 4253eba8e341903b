r"""Reading a fitted logistic regression: standard errors, odds ratios, marginal effects.

Everything here starts from a fitted `LogisticRegression` and the data
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

**Multinomial models** (three or more classes, or any model whose ``coef_``
has one row per class). Softmax probabilities do not change when the same
vector is added to every row of :math:`[W, b]`, so only differences between
classes are identified; inference is reported against a **base** class
:math:`r` (Stata's ``mlogit``, statsmodels' ``MNLogit``):

.. math:: \beta_k = \tilde w_k - \tilde w_r, \qquad k \ne r, \qquad
          \tilde w_k = [w_k, b_k],

a :math:`(K-1) \times p` array (:math:`p` features, intercept last). Its
entry :math:`\beta_{kj}` is the change in the log relative risk
:math:`\log(P_k / P_r)` per unit of feature :math:`j`, and
:math:`e^{\beta_{kj}}` the relative-risk ratio (Stata's ``rrr``). In this
parametrisation the logits are :math:`Z_{ik} = \tilde x_i^\top\beta_k`
(:math:`Z_{ir} = 0`), and the negative log-likelihood
:math:`\sum_i s_i [\operatorname{lse}(Z_i) - Z_{i y_i}]` has Hessian with
blocks

.. math:: I_{kl} = \tilde X^\top \operatorname{diag}\bigl(s \odot P_k(\delta_{kl}
          - P_l)\bigr)\tilde X, \qquad k, l \ne r,

again free of ``y``; the covariance is :math:`I^{-1}`, ordered class by class
(``classes_`` order without the base), features then intercept within a
class: Stata's ``e(V)`` and statsmodels' ``cov_params()`` order. The default
base is ``classes_[0]``, as in statsmodels and as for a binary model (whose
coefficients are those of ``classes_[1]`` against ``classes_[0]``); Stata's
``mlogit`` defaults to the most frequent outcome, which these functions
cannot see without ``y``: pass ``base=`` that label to reproduce it.
Marginal effects of multinomial models are not implemented.

With a finite ``C`` the penalty :math:`\lVert W\rVert_F^2/(2C)` acts on all
:math:`K` symmetric rows, not on the differences, so the penalised Laplace
covariance is computed in the symmetric parametrisation (its Hessian
:math:`I^{\mathrm{sym}} + \operatorname{diag}(1/C)` on the weights; the
common shift of the unpenalised intercepts is removed by fixing
:math:`b_r = 0`) and mapped to the differences: :math:`A\,(T^\top H T)^{-1}
A^\top` with :math:`T` dropping :math:`b_r` and :math:`A` the difference map.

The functions return small frozen dataclasses of NumPy arrays (`CoefTable`,
`MultinomialCoefTable`, `MarginalEffects`), each with a pandas-free
``summary()`` string.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ._estimator import LogisticRegression
from ._special import sigmoid, softmax

__all__ = [
    "CoefTable",
    "MarginalEffects",
    "MultinomialCoefTable",
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
        ``exp(coef)``: the factor by which the odds of `outcome` against
        `base` change per unit of the feature; for the intercept, those odds
        at ``x = 0``.
    odds_ratio_conf_int : ndarray of shape (k, 2)
        ``exp(conf_int)``.
    cov : ndarray of shape (k, k)
        The covariance matrix (statsmodels ``cov_params()``).
    alpha : float
        One minus the confidence level of the intervals.
    penalised : bool
        True when `cov` is the penalised (Laplace) covariance, not the Wald one.
    outcome, base : class labels
        The coefficients are the log-odds of `outcome` against `base`:
        ``classes_[1]`` against ``classes_[0]`` unless ``base=classes_[1]``
        was asked for, which flips every sign.
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
    outcome: object = None
    base: object = None

    def summary(self):
        """The table as text: one row per parameter, like statsmodels' ``summary()``."""
        lo, hi = _level_labels(self.alpha)
        header = ["", "coef", "std err", "z", "P>|z|", lo, hi, "odds ratio", f"OR {lo}",
                  f"OR {hi}"]
        rows = [[name, *values] for name, values in zip(self.names, np.column_stack(
            [self.coef, self.std_err, self.z, self.p_value, self.conf_int, self.odds_ratio,
             self.odds_ratio_conf_int]), strict=True)]
        title = f"Logistic regression coefficients, {self.outcome} vs base {self.base} (Wald" + (
            ", PENALISED: Laplace covariance)" if self.penalised else ")")
        return _format_table(title, header, rows)

    def __str__(self):
        return self.summary()


@dataclass(frozen=True)
class MultinomialCoefTable:
    r"""Wald inference for a multinomial model against a base class.

    Row :math:`k` describes class ``classes[k]`` against `base`; column
    :math:`j` is feature ``names[j]`` (the intercept last), as in Stata's
    ``mlogit`` output read equation by equation. statsmodels' ``MNLogit``
    (constant appended last, base = its first class) stores the transpose:
    ``params``, ``bse``, ``tvalues`` and ``pvalues`` are ``coef.T``,
    ``std_err.T``, ``z.T`` and ``p_value.T``; its ``conf_int()`` has the
    shape of `conf_int` here.

    Attributes
    ----------
    names : tuple of str
        Feature names, then ``"intercept"`` when the model has one (length p).
    classes : tuple
        The K - 1 class labels other than `base`, in ``classes_`` order.
    base : class label
        The reference class, whose coefficients are fixed at zero.
    coef : ndarray of shape (K - 1, p)
        :math:`\beta_k = [w_k - w_r, b_k - b_r]`: log relative-risk ratios,
        the change in :math:`\log(P_k / P_r)` per unit of each feature (for
        the intercept, :math:`\log(P_k/P_r)` at ``x = 0``).
    std_err, z, p_value : ndarray of shape (K - 1, p)
        :math:`\sqrt{\operatorname{diag}\mathrm{Cov}}`, ``coef / std_err``
        and :math:`2\Phi(-|z|)`.
    conf_int : ndarray of shape (K - 1, p, 2)
        ``coef -+ q * std_err``, :math:`q = \Phi^{-1}(1-\alpha/2)`.
    relative_risk_ratio : ndarray of shape (K - 1, p)
        ``exp(coef)`` (Stata's ``mlogit, rrr``): the factor by which
        :math:`P_k / P_r` changes per unit of the feature.
    relative_risk_ratio_conf_int : ndarray of shape (K - 1, p, 2)
        ``exp(conf_int)``.
    cov : ndarray of shape ((K - 1) p, (K - 1) p)
        Covariance of ``coef.ravel()`` (class-major: Stata's ``e(V)`` and
        statsmodels' ``cov_params()`` order).
    alpha : float
        One minus the confidence level of the intervals.
    penalised : bool
        True when `cov` is the penalised (Laplace) covariance, not the Wald one.
    """

    names: tuple
    classes: tuple
    base: object
    coef: np.ndarray
    std_err: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    conf_int: np.ndarray
    relative_risk_ratio: np.ndarray
    relative_risk_ratio_conf_int: np.ndarray
    cov: np.ndarray
    alpha: float
    penalised: bool = False

    def summary(self):
        """The table as text: one block of rows per non-base class, as Stata's ``mlogit``."""
        lo, hi = _level_labels(self.alpha)
        header = ["", "coef", "std err", "z", "P>|z|", lo, hi, "RRR", f"RRR {lo}",
                  f"RRR {hi}"]
        rows = []
        for k, label in enumerate(self.classes):
            rows.append(f"class {label}")
            rows.extend([name, *values] for name, values in zip(self.names, np.column_stack(
                [self.coef[k], self.std_err[k], self.z[k], self.p_value[k], self.conf_int[k],
                 self.relative_risk_ratio[k], self.relative_risk_ratio_conf_int[k]]),
                strict=True))
        title = (f"Multinomial logistic regression coefficients, base class {self.base} "
                 "(Wald" + (", PENALISED: Laplace covariance)" if self.penalised else ")"))
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
def covariance(model, X, *, sample_weight=None, base=None):
    r"""Covariance of the estimated parameters from the observed information.

    Parameters
    ----------
    model : LogisticRegression
        A fitted `logreg_ref.LogisticRegression`, binary or multinomial,
        normally with ``C=np.inf`` (see Warns for finite ``C``).
    X : array_like of shape (n_samples, n_features)
        The data the model was fitted on.
    sample_weight : array_like of shape (n_samples,), optional
        The weights it was fitted with (frequency weights); default all ones.
    base : class label, optional
        The reference class, an element of ``model.classes_`` (a label, not
        a position); default ``classes_[0]``. For a binary model
        ``base=classes_[1]`` flips the sign of :math:`\hat\theta`, which leaves
        the covariance unchanged.

    Returns
    -------
    cov : ndarray of shape (p, p) or ((K - 1) p, (K - 1) p)
        Binary: the covariance of :math:`\hat\theta = [w, b]`,
        :math:`(\tilde X^\top\operatorname{diag}(s\odot p(1-p))\tilde X + P)^{-1}`,
        intercept last; :math:`P = 0` for ``C=np.inf``. Multinomial: the
        covariance of the differences :math:`\beta_k = [w_k - w_r, b_k - b_r]`
        from the base class :math:`r`, class-major (classes in ``classes_``
        order without the base, intercept last within each), the inverse of
        the information with blocks
        :math:`\tilde X^\top\operatorname{diag}(s\odot P_k(\delta_{kl} - P_l))\tilde X`.

    Raises
    ------
    ValueError
        Unfitted, L1/elastic-net or class-weighted model; a `base` that is not
        one of ``model.classes_``; `X` or `sample_weight` of the wrong shape
        or with NaN/inf; a singular information matrix (collinear features).

    Warns
    -----
    PenalisedInferenceWarning
        For a finite ``C`` (L2 penalty), where
        :math:`P = \operatorname{diag}(1/C, \dots, 1/C, 0)`: the inverse Hessian of
        the penalised objective :math:`\sum_i s_i\ell_i + \lVert w\rVert^2/(2C)`
        (multinomial: :math:`\lVert W\rVert_F^2/(2C)` over the symmetric rows,
        mapped to the differences; see the module notes).

    Notes
    -----
    The information does not involve ``y``: for the logistic and softmax
    links the observed and expected information coincide. It is, however,
    evaluated at the fitted parameters, so passing data other than the
    training data gives a matrix with no meaning; this cannot be detected
    without ``y``.
    """
    _, _, _, _, cov, _, _ = _prepare(model, X, sample_weight, base, stacklevel=4)
    return cov


def coef_table(model, X, *, sample_weight=None, alpha=0.05, base=None):
    r"""Standard errors, Wald z, p-values and intervals, and odds ratios, for every parameter.

    Parameters
    ----------
    model : LogisticRegression
        A fitted `logreg_ref.LogisticRegression`, binary or multinomial,
        normally with ``C=np.inf``.
    X : array_like of shape (n_samples, n_features)
        The data the model was fitted on.
    sample_weight : array_like of shape (n_samples,), optional
        The weights it was fitted with; default all ones.
    alpha : float, default=0.05
        Intervals have confidence level ``1 - alpha``.
    base : class label, optional
        The reference class, an element of ``model.classes_``; default
        ``classes_[0]`` (statsmodels' convention; Stata's ``mlogit`` defaults
        to the most frequent outcome, so pass that label to match it). For a
        binary model ``base=classes_[1]`` gives the log-odds of ``classes_[0]``:
        every coefficient changes sign.

    Returns
    -------
    CoefTable or MultinomialCoefTable
        `CoefTable` for a binary model, `MultinomialCoefTable` (coefficients
        of each other class minus those of `base`, shape (K - 1, p)) for a
        multinomial one. See them for the fields and their statsmodels names.

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

    Three classes: each row compares one class with the base class 0.

    >>> X3 = np.array([[0.], [1.], [2.], [3.], [4.], [5.], [6.], [7.], [8.]])
    >>> y3 = np.array([0, 1, 0, 2, 1, 0, 2, 1, 2])
    >>> table = coef_table(LogisticRegression(C=np.inf).fit(X3, y3), X3)
    >>> table.classes, table.base, table.coef.shape
    ((1, 2), 0, (2, 2))
    """
    q = _quantile(alpha)
    _, _, _, theta, cov, penalised, labels = _prepare(model, X, sample_weight, base,
                                                      stacklevel=4)
    names = _names(model, with_intercept=True)
    if theta.ndim == 1:
        se = np.sqrt(np.diag(cov))
        z, p_value, ci = _wald(theta, se, q)
        return CoefTable(names=names, coef=theta, std_err=se, z=z, p_value=p_value,
                         conf_int=ci, odds_ratio=np.exp(theta), odds_ratio_conf_int=np.exp(ci),
                         cov=cov, alpha=float(alpha), penalised=penalised,
                         outcome=labels[0][0], base=labels[1])
    se = np.sqrt(np.diag(cov)).reshape(theta.shape)
    z, p_value, ci = _wald(theta.ravel(), se.ravel(), q)
    ci = ci.reshape(*theta.shape, 2)
    return MultinomialCoefTable(
        names=names, classes=labels[0], base=labels[1], coef=theta, std_err=se,
        z=z.reshape(theta.shape), p_value=p_value.reshape(theta.shape), conf_int=ci,
        relative_risk_ratio=np.exp(theta), relative_risk_ratio_conf_int=np.exp(ci), cov=cov,
        alpha=float(alpha), penalised=penalised)


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
    X, s, Xt, theta, cov_theta, penalised, _ = _prepare(model, X, sample_weight, None,
                                                        stacklevel=4, multinomial=False)
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
def _prepare(model, X, sample_weight, base, stacklevel, multinomial=True):
    """Validate; return (X, s, X~, theta, cov, penalised, (outcome labels, base label)).

    theta is [w, b] (binary) or the (K - 1, p) differences from the base class.
    """
    penalised = _check_model(model, stacklevel=stacklevel, multinomial=multinomial)
    X, s = _validate(model, X, sample_weight)
    Xt = _design(X, model.fit_intercept)
    r = _base_index(model, base)
    labels = model.classes_.tolist()
    outcomes = tuple(label for k, label in enumerate(labels) if k != r)
    if model.coef_.shape[0] > 1:
        theta, cov = _multinomial_covariance(model, Xt, s, r, penalised)
        return X, s, Xt, theta, cov, penalised, (outcomes, labels[r])
    theta = _theta(model)
    z = Xt @ theta
    h = sigmoid(z) * sigmoid(-z)  # p(1 - p) without the cancellation of 1 - p
    info = Xt.T @ ((s * h)[:, None] * Xt)
    if not penalised:
        # Test the rank on sqrt(s h) X~ (condition number cond(X~), not its square):
        # with collinear features Cholesky of `info` may fail or may "succeed" with a
        # rounding-error pivot and standard errors of 1e13, depending on the last bit.
        _check_rank(np.sqrt(s * h)[:, None] * Xt, "The information matrix X~^T diag(s "
                    "p(1-p)) X~", "parameters")
    if penalised:
        penalty = np.full(Xt.shape[1], 1.0 / float(model.C))
        if model.fit_intercept:
            penalty[-1] = 0.0  # the intercept is never penalised
        info = info + np.diag(penalty)
    cov = _inverse_spd(info)
    # base = classes_[1]: the log-odds of classes_[0] are -theta (Jacobian -I, same cov)
    return X, s, Xt, (-theta if r == 1 else theta), cov, penalised, (outcomes, labels[r])


def _multinomial_covariance(model, Xt, s, r, penalised):
    """Differences from base class r, shape (K - 1, p), and their covariance.

    The information is assembled in the symmetric parametrisation, one
    (p, p) block per pair of classes, then restricted to coordinates that
    leave no direction of constant likelihood: without a penalty, the rows of
    the classes k != r (the base row fixed at 0 is the usual baseline
    parametrisation); with an L2 penalty, every weight (the penalty pins their
    common shift) and every intercept but b_r. The difference map then gives
    the covariance of beta_k = [w_k, b_k] - [w_r, b_r].
    """
    W = np.asarray(model.coef_, dtype=np.float64)
    if model.fit_intercept:
        W = np.column_stack([W, np.asarray(model.intercept_, dtype=np.float64)])
    K, p = W.shape
    P = softmax(Xt @ W.T, axis=1)
    others = _sum_of_others(P)  # 1 - P_k without the cancellation of 1 - P_k
    blocks = np.empty((K, p, K, p))
    with np.errstate(under="ignore"):  # far-off classes: subnormal products are right
        for k in range(K):
            for m in range(k, K):
                h = s * P[:, k] * (others[:, k] if m == k else -P[:, m])
                blocks[k, :, m, :] = Xt.T @ (h[:, None] * Xt)
                blocks[m, :, k, :] = blocks[k, :, m, :].T
    info = blocks.reshape(K * p, K * p)
    index = np.arange(K * p).reshape(K, p)
    if penalised:
        n_w = p - model.fit_intercept
        info = info + np.diag(np.tile(np.r_[np.full(n_w, 1.0 / float(model.C)),
                                            np.zeros(p - n_w)], K))
        free = np.ones(K * p, dtype=bool)
        if model.fit_intercept:
            free[index[r, -1]] = False
    else:
        # P_k > 0 for every finite logit, so the information (a sum of Kronecker
        # products of positive definite (K-1)x(K-1) matrices with x~ x~^T) is
        # nonsingular exactly when X~ has full column rank on the weighted rows.
        _check_rank(np.sqrt(s)[:, None] * Xt, "The design matrix X~ (rows of positive "
                    "weight)", "columns, so the information matrix of the differences")
        free = np.ones(K * p, dtype=bool)
        free[index[r]] = False
    # Difference map A: beta_kj = theta_kj - theta_rj, as a matrix on all K p coordinates.
    rows = [k for k in range(K) if k != r]
    A = np.zeros(((K - 1) * p, K * p))
    for i, k in enumerate(rows):
        A[i * p:(i + 1) * p, index[k]] = np.eye(p)
        A[i * p:(i + 1) * p, index[r]] -= np.eye(p)
    # Unpenalised, A restricted to the free coordinates is the identity.
    B = A[:, free] @ _inverse_spd(info[np.ix_(free, free)], factor_only=True).T
    cov = B @ B.T
    return W[rows] - W[r], 0.5 * (cov + cov.T)


def _sum_of_others(P):
    """B[:, k] = sum over m != k of P[:, m]: 1 - P_k, exact when P_k rounds to 1."""
    K = P.shape[1]
    return np.column_stack([P[:, np.arange(K) != k].sum(axis=1) for k in range(K)])


def _check_rank(M, what, of_what):
    rank = np.linalg.matrix_rank(M)
    if rank < M.shape[1]:
        raise ValueError(
            f"{what} has rank {rank} < {M.shape[1]} {of_what}: the features are collinear "
            "(or the fitted probabilities are 0 or 1), so the coefficients are not "
            "identified and have no finite standard errors. Drop redundant features.")


def _inverse_spd(info, factor_only=False):
    """info^{-1} = L^{-T} L^{-1} from Cholesky (built so, exactly symmetric); or L^{-1}."""
    try:
        L = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        raise ValueError(
            "The information matrix is not numerically positive definite, so the "
            "coefficients have no finite standard errors. Drop redundant features or "
            "standardise them.") from None
    L_inv = np.linalg.solve(L, np.eye(L.shape[0]))
    return L_inv if factor_only else L_inv.T @ L_inv


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
def _check_model(model, stacklevel, multinomial=True):
    """Check the model is a fitted LogisticRegression; return True if penalised."""
    if not isinstance(model, LogisticRegression):
        raise ValueError("model must be a fitted logreg_ref.LogisticRegression; got an "
                         f"object of type {type(model).__name__}.")
    if not hasattr(model, "coef_"):
        raise ValueError("This LogisticRegression is not fitted yet: call fit(X, y) on the "
                         "data first, then pass the same X here.")
    n_classes = len(model.classes_)
    n_rows = model.coef_.shape[0]
    # Binary fits have one row of coefficients (classes_[1] vs classes_[0]); multinomial
    # ones a row per class (a two-class softmax model, K = 2 rows, is accepted too).
    if not (n_classes == 2 and n_rows == 1) and not (n_classes >= 2 and n_rows == n_classes):
        raise ValueError(f"The model has {n_classes} classes but coef_ of shape "
                         f"{model.coef_.shape}: expected (1, d) or ({n_classes}, d).")
    if n_rows > 1 and not multinomial:
        raise ValueError(
            "marginal_effects handles binary models only; this model has "
            f"{n_classes} classes ({model.classes_.tolist()}). Marginal effects of a "
            "multinomial model (one per class and feature) are not implemented; "
            "coef_table and covariance do handle it, against a base class.")
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


def _base_index(model, base):
    """Position in classes_ of the label `base` (None: classes_[0])."""
    if base is None:
        return 0
    labels = model.classes_.tolist()
    if np.ndim(base) == 0:
        base_value = base.item() if isinstance(base, np.generic) else base
        for k, label in enumerate(labels):
            if _same_label(label, base_value):
                return k
    raise ValueError(
        f"base={base!r} is not one of the model's classes {labels}: pass a class label "
        "(an element of classes_), not a position.")


def _same_label(label, value):
    # Numbers match by value (base=0 finds the label 0.0 of a float y); anything else,
    # and bool (True is not the label 1), must match in type as well.
    def is_number(v):
        return isinstance(v, numbers.Real) and not isinstance(v, bool)
    if is_number(label) and is_number(value):
        return label == value
    return type(label) is type(value) and label == value


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
    """Rows are [name, *numbers]; a plain string is a group heading, printed as it is."""
    width = max(12, *(len(str(r[0])) for r in rows if not isinstance(r, str)))
    lines = [title, f"{header[0]:<{width}}" + "".join(f"{h:>12}" for h in header[1:])]
    lines.append("-" * len(lines[1]))
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
            continue
        name, *values = row
        lines.append(f"{name:<{width}}" + "".join(f"{v:>12.4g}" for v in values))
    return "\n".join(lines)
