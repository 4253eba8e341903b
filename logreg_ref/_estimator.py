"""`LogisticRegression`: scikit-learn's estimator API on an exact solver."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._separation import find_separating_direction
from ._solvers import _binary_objective, elastic_net_solve, newton_solve
from ._special import log_sigmoid, sigmoid
from .exceptions import ConvergenceWarning, RankDeficientWarning, SeparationError

__all__ = ["LogisticRegression"]

_SOLVERS = ("auto", "newton", "split-lbfgsb")


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression that minimises scikit-learn's objective exactly.

    Binary problems only (multinomial for three or more classes comes with
    softmax regression).

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
        Maximum number of Newton iterations (L-BFGS-B iterations for L1).
    solver : {"auto", "newton", "split-lbfgsb"}, default="auto"
        ``"newton"``: Newton/IRLS with exact Hessian, Cholesky and an Armijo
        line search (L2 or no penalty). ``"split-lbfgsb"``: L-BFGS-B on
        :math:`w = u - v` plus an active-set Newton polish (any penalty; the
        only choice when ``l1_ratio > 0``). ``"auto"`` picks ``"newton"`` when
        it can.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
        Weights :math:`w` (log-odds per unit of each feature).
    intercept_ : ndarray of shape (1,)
        Intercept :math:`b` (zero when ``fit_intercept=False``).
    classes_ : ndarray of shape (2,)
        The class labels, sorted; ``classes_[1]`` is the positive class.
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
                f"l1_ratio={rho!r}. Use solver='split-lbfgsb' or 'auto'.")
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
        if n_classes > 2:
            raise ValueError(
                f"This LogisticRegression is binary; y has {n_classes} classes "
                f"({self.classes_.tolist()}).")
        y_index = np.searchsorted(self.classes_, y)
        if self.class_weight is not None:
            cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y,
                                      sample_weight=sample_weight)
            s = s * cw[y_index]
        if not np.any(s > 0):
            raise ValueError("All sample weights are zero after applying class_weight.")
        if np.unique(y_index[s > 0]).size < 2:
            raise ValueError("Only one class has non-zero sample weight: the model needs "
                             "samples of at least 2 classes.")
        self._fit_binary(X, y_index.astype(np.float64), s)
        return self

    def _fit_binary(self, X, y01, s):
        C, rho = float(self.C), float(self.l1_ratio)
        unpenalised = np.isinf(C)
        if unpenalised:
            self._check_mle_exists(X, y01, s)
        objective, l1 = _binary_objective(X, y01, C, s, self.fit_intercept, rho)
        theta0 = np.zeros(objective.n_params)
        use_newton = self.solver == "newton" or (self.solver == "auto" and (unpenalised or rho == 0))
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
                                       max_iter=max(self.max_iter, 1000))
        w, b = objective.split(result.theta)
        self.coef_ = w.reshape(1, -1).copy()
        self.intercept_ = np.array([b])
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)

    def _check_mle_exists(self, X, y01, s):
        direction = find_separating_direction(X, y01.astype(int), 2, self.fit_intercept, s)
        if direction is not None:
            raise SeparationError(
                "The classes are linearly separable (complete or quasi-complete separation), "
                "so the maximum-likelihood estimate does not exist: with C=np.inf the "
                "coefficients grow without bound. Use a finite C (an L2 or L1 penalty), "
                "or remove the separating features.", direction=direction)
        Xt = np.column_stack([X, np.ones(len(X))]) if self.fit_intercept else X
        rank = np.linalg.matrix_rank(Xt[s > 0])
        if rank < Xt.shape[1]:
            warnings.warn(
                f"The design matrix has rank {rank} < {Xt.shape[1]} parameters (collinear "
                "features), so the maximum-likelihood estimate is not unique; the returned "
                "coefficients are one of many. Drop redundant features or use a finite C.",
                RankDeficientWarning, stacklevel=4)

    # ------------------------------------------------------------- prediction
    def decision_function(self, X):
        """Logits :math:`z = Xw + b` (log-odds of ``classes_[1]``), shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, accept_sparse=False, reset=False)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, 2): ``[sigmoid(-z), sigmoid(z)]``.

        Both columns are computed from the logit, so the small one keeps its
        relative precision (scikit-learn's ``1 - sigmoid(z)`` rounds to 0 for z > 37).
        """
        z = self.decision_function(X)
        return np.column_stack([sigmoid(-z), sigmoid(z)])

    def predict_log_proba(self, X):
        """Log-probabilities ``[log_sigmoid(-z), log_sigmoid(z)]``, exact in the tails.

        Not ``np.log(predict_proba(X))``, which is ``-inf`` once a probability
        underflows.
        """
        z = self.decision_function(X)
        return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])

    def predict(self, X):
        """Predicted labels: ``classes_[1]`` where z > 0 (p > 0.5), else ``classes_[0]``."""
        z = self.decision_function(X)
        return self.classes_[(z > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
