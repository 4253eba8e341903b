"""`LogisticRegression`: scikit-learn's estimator API on an exact solver."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._multinomial import MultinomialObjective
from ._separation import find_separating_direction
from ._solvers import _binary_objective, elastic_net_solve, newton_solve
from ._special import log_sigmoid, log_softmax, sigmoid, softmax
from .exceptions import ConvergenceWarning, RankDeficientWarning, SeparationError

__all__ = ["LogisticRegression"]

_SOLVERS = ("auto", "newton", "proximal-newton")


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression that minimises scikit-learn's objective exactly.

    Two classes give binary logistic regression; three or more give
    multinomial (softmax) regression, as in scikit-learn.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength, multiplying the data term. ``np.inf``
        means no penalty: the maximum-likelihood estimate.
    l1_ratio : float, default=0.0
        Elastic-net mixing :math:`\rho \in [0, 1]`: 0 is L2, 1 is L1.
    fit_intercept : bool, default=True
        Fit an (unpenalised) intercept.
    class_weight : dict, "balanced" or None, default=None
        Multiplies each sample's weight by the weight of its class;
        ``"balanced"`` uses :math:`S / (K\,S_k)` as scikit-learn does.
    tol : float, default=1e-10
        Stop when the gradient max-norm of the mean-form objective (see Notes),
        or for L1 the KKT residual, is at most `tol`. Much tighter than
        scikit-learn's default 1e-4, which leaves coefficients off by up to 1e-2.
    max_iter : int, default=100
        Maximum number of (proximal) Newton iterations.
    solver : {"auto", "newton", "proximal-newton"}, default="auto"
        ``"newton"``: Newton/IRLS with an Armijo line search (L2 or no
        penalty); binary problems use the exact Hessian and Cholesky,
        multinomial ones Hessian-free conjugate gradients (Newton-CG).
        ``"proximal-newton"``: proximal Newton steps whose L1-penalised
        quadratic model is minimised exactly by an active-set (feature-sign)
        search (any penalty; the only choice when ``l1_ratio > 0``).
        ``"auto"`` picks ``"newton"`` when it can.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights :math:`w` (log-odds per unit of each feature); for
        :math:`K \ge 3` classes one row per class, summing to zero over classes.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercept :math:`b` (zero when ``fit_intercept=False``); for
        :math:`K \ge 3` one per class, summing to zero.
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; in the binary case ``classes_[1]`` is the
        positive class.
    n_features_in_ : int
        Number of features seen in `fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when `X` had string column names.
    n_iter_ : ndarray of shape (1,)
        Iterations the solver took.

    Notes
    -----
    With :math:`y_i \in \{0, 1\}` (1 for ``classes_[1]``), sample weights
    :math:`s_i` (times the class weights) and :math:`z_i = x_i^\top w + b`, the
    fit minimises scikit-learn's objective

    .. math::

        C \sum_i s_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr] + r(w), \qquad
        r(w) = \frac{1-\rho}{2}\lVert w\rVert_2^2 + \rho\lVert w\rVert_1,

    with :math:`r = 0` when ``C=np.inf``. The intercept is never penalised.
    The solvers work on the equivalent mean form, the objective divided by
    :math:`C S` with :math:`S = \sum_i s_i`:
    :math:`\frac1S\sum_i s_i\ell_i + \frac{1-\rho}{2CS}\lVert w\rVert^2
    + \frac{\rho}{CS}\lVert w\rVert_1`, whose gradient `tol` refers to.

    For :math:`K \ge 3` classes the loss is the multinomial cross-entropy
    :math:`\ell_i = \log\sum_k e^{z_{ik}} - z_{i y_i}` with
    :math:`z_{ik} = x_i^\top w_k + b_k`, the penalty applies to all of
    :math:`W`, and the result is reported in scikit-learn's symmetric
    parametrisation (:math:`\sum_k w_k = 0`, :math:`\sum_k b_k = 0`).

    With ``C=np.inf`` the maximum-likelihood estimate exists only if the
    classes are not separated; `fit` checks this with a linear program and
    raises `SeparationError` instead of returning a number that depends only
    on when the solver stopped. Linearly dependent features make the MLE
    non-unique: `fit` warns with `RankDeficientWarning`.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression(C=1.0).fit(X, y)
    >>> clf.coef_.shape, round(clf.score(X, y), 4)
    ((1, 30), 0.9877)
    """

    def __init__(self, C=1.0, *, l1_ratio=0.0, fit_intercept=True, class_weight=None,
                 tol=1e-10, max_iter=100, solver="auto"):
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver

    # ----------------------------------------------------------------- checks
    def _validate_params(self):
        C, rho = self.C, self.l1_ratio
        if not isinstance(C, numbers.Real) or isinstance(C, bool) or not C > 0:
            raise ValueError(f"C must be a positive number or np.inf; got C={C!r}.")
        if not isinstance(rho, numbers.Real) or isinstance(rho, bool) or not 0 <= rho <= 1:
            raise ValueError(f"l1_ratio must be a number in [0, 1]; got l1_ratio={rho!r}.")
        if not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise ValueError(f"tol must be a non-negative number; got tol={self.tol!r}.")
        if (not isinstance(self.max_iter, numbers.Integral) or isinstance(self.max_iter, bool)
                or self.max_iter < 1):
            raise ValueError(f"max_iter must be an integer >= 1; got max_iter={self.max_iter!r}.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}; got solver={self.solver!r}.")
        if self.solver == "newton" and rho > 0 and np.isfinite(C):
            raise ValueError(
                f"solver='newton' handles only the L2 penalty (l1_ratio=0); got "
                f"l1_ratio={rho!r}. Use solver='proximal-newton' or 'auto'.")
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(f"class_weight must be None, 'balanced' or a dict; got {cw!r}.")

    def _validate_sample_weight(self, sample_weight, n_samples):
        if sample_weight is None:
            return np.ones(n_samples)
        if isinstance(sample_weight, numbers.Number):
            return np.full(n_samples, float(sample_weight))
        s = np.array(sample_weight, dtype=np.float64)  # a copy: never modify the caller's
        if s.ndim != 1:
            raise ValueError(f"sample_weight must be 1-D; got an array of shape {s.shape}.")
        if s.shape[0] != n_samples:
            raise ValueError(
                f"sample_weight has {s.shape[0]} entries but X has {n_samples} samples.")
        if not np.all(np.isfinite(s)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.any(s < 0):
            raise ValueError(f"sample_weight must be non-negative; found {s[s < 0][0]!r}.")
        if not np.any(s > 0):
            raise ValueError("sample_weight must contain at least one non-zero weight; "
                             "all weights are zero.")
        return s

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Numeric features; NaN and infinity are rejected.
        y : array_like of shape (n_samples,)
            Class labels (any two distinct values).
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights, not all zero.

        Returns
        -------
        self : LogisticRegression
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64, accept_sparse=False,
                             ensure_min_samples=1)
        check_classification_targets(y)
        s = self._validate_sample_weight(sample_weight, X.shape[0])
        self.classes_ = np.unique(y)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "LogisticRegression needs samples of at least 2 classes in the data, but the "
                f"data contain only one class: {self.classes_[0]!r}.")
        y_index = np.searchsorted(self.classes_, y)
        if self.class_weight is not None:
            # A class with zero total weight gets an infinite "balanced" weight;
            # its samples all weigh zero, so keep them at zero (not inf * 0 = NaN).
            with np.errstate(divide="ignore", invalid="ignore"):
                cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y,
                                          sample_weight=sample_weight)
                s = np.where(s > 0, s * cw[y_index], 0.0)
        if not np.any(s > 0):
            raise ValueError("All sample weights are zero after applying class_weight.")
        if np.unique(y_index[s > 0]).size < 2:
            raise ValueError("Only one class has non-zero sample weight: the model needs "
                             "samples of at least 2 classes.")
        C, rho = float(self.C), float(self.l1_ratio)
        if np.isinf(C):
            self._check_mle_exists(X, y_index, n_classes, s)
        if n_classes == 2:
            objective, l1 = _binary_objective(X, y_index.astype(np.float64), C, s,
                                              self.fit_intercept, rho)
        else:
            l2 = 0.0 if np.isinf(C) else (1.0 - rho) / (C * s.sum())
            l1 = 0.0 if np.isinf(C) else rho / (C * s.sum())
            objective = MultinomialObjective(X, y_index, n_classes, s, l2, self.fit_intercept)
        result = self._solve(objective, l1)
        W, b = objective.split(result.theta)
        if n_classes == 2:
            self.coef_ = np.asarray(W, dtype=np.float64).reshape(1, -1).copy()
            self.intercept_ = np.array([b], dtype=np.float64)
        else:
            W, b = W.copy(), np.asarray(b, dtype=np.float64).copy()
            # Symmetric parametrisation: only class differences are identified.
            # Unpenalised parts (intercepts; all of W when C=inf) are centred
            # explicitly; an L2 penalty makes W sum to zero on its own.
            b -= b.mean()
            if l1 == 0.0:
                W -= W.mean(axis=0)
            self.coef_, self.intercept_ = W, b
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        return self

    def _solve(self, objective, l1):
        C, rho = float(self.C), float(self.l1_ratio)
        unpenalised = np.isinf(C)
        theta0 = np.zeros(objective.n_params)
        use_newton = self.solver == "newton" or (
            self.solver == "auto" and (unpenalised or rho == 0))
        if use_newton:
            result = newton_solve(objective, theta0, tol=self.tol, max_iter=self.max_iter)
            if not result.converged:
                warnings.warn(
                    f"Newton's method did not reach tol={self.tol:g} in max_iter="
                    f"{self.max_iter} iterations (gradient max-norm {result.grad_max:.2e}). "
                    "Increase max_iter, or standardise the features.",
                    ConvergenceWarning, stacklevel=3)
        else:
            result = elastic_net_solve(objective, l1, theta0, tol=self.tol,
                                       max_iter=self.max_iter)
        return result

    def _check_mle_exists(self, X, y_index, n_classes, s):
        direction = find_separating_direction(X, y_index, n_classes, self.fit_intercept, s)
        if direction is not None:
            raise SeparationError(
                "The classes are linearly separable (complete or quasi-complete separation), "
                "so the maximum-likelihood estimate does not exist: with C=np.inf the "
                "coefficients grow without bound. Use a finite C (an L2 or L1 penalty), "
                "or remove the separating features.", direction=direction)
        Xt = np.column_stack([X, np.ones(len(X))]) if self.fit_intercept else X
        rank = np.linalg.matrix_rank(Xt[s > 0]) if Xt.shape[1] else 0
        if rank < Xt.shape[1]:
            warnings.warn(
                f"The design matrix has rank {rank} < {Xt.shape[1]} parameters (collinear "
                "features), so the maximum-likelihood estimate is not unique; the returned "
                "coefficients are one of many. Drop redundant features or use a finite C.",
                RankDeficientWarning, stacklevel=4)

    # ------------------------------------------------------------- prediction
    def decision_function(self, X):
        """Logits: shape (n_samples,) for two classes (log-odds of ``classes_[1]``),
        (n_samples, n_classes) otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, accept_sparse=False, reset=False)
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes).

        Binary: ``[sigmoid(-z), sigmoid(z)]``, both from the logit, so the
        small one keeps its relative precision (scikit-learn's
        ``1 - sigmoid(z)`` rounds to 0 for z > 37). Multinomial: a max-shifted
        softmax of the logits.
        """
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.column_stack([sigmoid(-Z), sigmoid(Z)])
        return softmax(Z, axis=1)

    def predict_log_proba(self, X):
        """Log-probabilities, exact in the tails (``log_sigmoid`` / ``log_softmax`` of the logits).

        Not ``np.log(predict_proba(X))``, which is ``-inf`` once a probability
        underflows.
        """
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)])
        return log_softmax(Z, axis=1)

    def predict(self, X):
        """Predicted labels: the class of largest logit (binary: ``classes_[1]`` iff z > 0)."""
        Z = self.decision_function(X)
        index = (Z > 0).astype(int) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[index]

