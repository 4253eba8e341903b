"""`LogisticRegression`: scikit-learn's estimator API on an exact solver."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._design import as_design, is_sparse
from ._multinomial import MultinomialObjective
from ._separation import find_separating_direction
from ._solvers import _binary_objective, elastic_net_solve, newton_solve
from ._special import log_sigmoid, log_softmax, sigmoid, softmax
from .exceptions import ConvergenceWarning, RankDeficientWarning, SeparationError

__all__ = ["LogisticRegression"]

_SOLVERS = ("auto", "newton", "proximal-newton")
_DTYPES = [np.float64, np.float32]  # anything else (ints, float16, object) becomes float64
# Other sparse formats (COO, LIL, DOK, BSR, DIA) are converted to CSR by validate_data.
_SPARSE_FORMATS = ["csr", "csc"]


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
        or for L1 the KKT residual, is at most `tol` times
        :math:`\min(1, \tau)`, where :math:`\tau` is the size of the terms that
        sum to the gradient: an absolute and a relative test at once, so that a
        huge C (whose terms are all of order 1/C) is still solved to the same
        relative accuracy. Much tighter than scikit-learn's default 1e-4, which
        leaves coefficients off by up to 1e-2. When the test cannot be met (at
        `max_iter`, or when float64 cannot resolve a further decrease of the
        objective), `fit` warns with `ConvergenceWarning`.
    max_iter : int, default=100
        Maximum number of (proximal) Newton iterations.
    solver : {"auto", "newton", "proximal-newton"}, default="auto"
        ``"newton"``: Newton/IRLS with an Armijo line search (L2 or no
        penalty); binary problems use the exact Hessian and Cholesky (above
        1000 parameters, Hessian-free conjugate gradients), multinomial ones
        Hessian-free conjugate gradients (Newton-CG).
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

    **Input.** `X` may be a dense array or a SciPy sparse matrix or array. CSR and
    CSC are used as they are (never densified: products with X and the Hessian
    are sparse operations); other sparse formats are converted to CSR once.
    Binary problems with more than 1000 parameters, and all multinomial ones,
    take Hessian-free Newton steps (conjugate gradients on Hessian-vector
    products), so the memory stays O(nnz(X) + n_features).

    **float32.** A float32 `X` (dense or sparse) gives float32 ``coef_`` and
    ``intercept_``, and float32 `decision_function`, `predict_proba` and
    `predict_log_proba` for float32 input, as scikit-learn's lbfgs, newton-cg,
    newton-cholesky, sag and saga solvers do. Everything is computed in float64
    (the data are converted exactly) and rounded to float32 once at the end: the
    coefficients are the float64 optimum rounded, not a float32 solve, whose
    gradient could not get below about 1e-7. Any other input dtype gives float64.

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

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
        X : {array_like, sparse matrix} of shape (n_samples, n_features)
            Numeric features; NaN and infinity are rejected. Sparse input is
            kept sparse (CSR/CSC; other formats are converted to CSR); float32
            input gives float32 coefficients (see Notes).
        y : array_like of shape (n_samples,)
            Class labels (any two distinct values).
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights, not all zero.

        Returns
        -------
        self : LogisticRegression
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=_DTYPES, accept_sparse=_SPARSE_FORMATS,
                             ensure_min_samples=1)
        out_dtype = X.dtype  # float32 stays float32 (as in scikit-learn); the rest float64
        X = as_design(X)  # computed on in float64; a sparse X stays sparse
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
            # / C / S, not / (C * S): the product overflows for C near 1e308.
            l2 = 0.0 if np.isinf(C) else (1.0 - rho) / C / s.sum()
            l1 = 0.0 if np.isinf(C) else rho / C / s.sum()
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
        # float32 input: the float64 optimum, rounded once to float32 at the end.
        self.coef_ = self.coef_.astype(out_dtype, copy=False)
        self.intercept_ = self.intercept_.astype(out_dtype, copy=False)
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
        else:
            result = elastic_net_solve(objective, l1, theta0, tol=self.tol,
                                       max_iter=self.max_iter, warn=False)
        if not result.converged:
            method = "Newton's method" if use_newton else "The proximal Newton solver"
            stopped = ("ran out of iterations" if result.n_iter >= self.max_iter
                       else "could make no further progress in float64")
            warnings.warn(
                f"{method} did not reach tol={self.tol:g} at C={C:g}: it {stopped} after "
                f"{result.n_iter} iterations (max_iter={self.max_iter}) with gradient "
                f"max-norm {result.grad_max:.2e} against a required "
                f"{self.tol * min(1.0, result.grad_scale):.2e} (tol times the scale of the "
                "gradient's terms). The coefficients depend on where it stopped. If the "
                "classes are (nearly) separable, a huge C makes the coefficients grow like "
                "log(C) and the problem ill-conditioned: use a smaller C. Otherwise increase "
                "max_iter, or standardise the features.",
                ConvergenceWarning, stacklevel=3)
        return result

    def _check_mle_exists(self, X, y_index, n_classes, s):
        direction = find_separating_direction(X, y_index, n_classes, self.fit_intercept, s)
        if direction is not None:
            raise SeparationError(
                "The classes are linearly separable (complete or quasi-complete separation), "
                "so the maximum-likelihood estimate does not exist: with C=np.inf the "
                "coefficients grow without bound. Use a finite C (an L2 or L1 penalty), "
                "or remove the separating features.", direction=direction)
        rank = _design_rank(X[s > 0], self.fit_intercept)
        n_params = X.shape[1] + self.fit_intercept
        if rank < n_params:
            warnings.warn(
                f"The design matrix has rank {rank} < {n_params} parameters (collinear "
                "features), so the maximum-likelihood estimate is not unique; the returned "
                "coefficients are one of many. Drop redundant features or use a finite C.",
                RankDeficientWarning, stacklevel=4)

    # ------------------------------------------------------------- prediction
    def _logits(self, X):
        """float64 logits, and the dtype to return: float32 iff X and the model are."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_DTYPES, accept_sparse=_SPARSE_FORMATS, reset=False)
        out_dtype = np.result_type(X.dtype, self.coef_.dtype)
        W = np.asarray(self.coef_, dtype=np.float64)
        Z = as_design(X) @ W.T + np.asarray(self.intercept_, dtype=np.float64)
        return (Z[:, 0] if Z.shape[1] == 1 else Z), out_dtype

    def decision_function(self, X):
        """Logits: shape (n_samples,) for two classes (log-odds of ``classes_[1]``),
        (n_samples, n_classes) otherwise.

        Computed in float64; float32 when both X and the fitted model are float32.
        """
        Z, out_dtype = self._logits(X)
        return Z.astype(out_dtype, copy=False)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes).

        Binary: ``[sigmoid(-z), sigmoid(z)]``, both from the logit, so the
        small one keeps its relative precision (scikit-learn's
        ``1 - sigmoid(z)`` rounds to 0 for z > 37). Multinomial: a max-shifted
        softmax of the logits. Computed from float64 logits, then rounded to
        float32 when X and the fitted model are float32.
        """
        Z, out_dtype = self._logits(X)
        if Z.ndim == 1:
            P = np.column_stack([sigmoid(-Z), sigmoid(Z)])
        else:
            P = softmax(Z, axis=1)
        return P.astype(out_dtype, copy=False)

    def predict_log_proba(self, X):
        """Log-probabilities, exact in the tails (``log_sigmoid`` / ``log_softmax`` of the logits).

        Not ``np.log(predict_proba(X))``, which is ``-inf`` once a probability
        underflows. float32 as `predict_proba`.
        """
        Z, out_dtype = self._logits(X)
        if Z.ndim == 1:
            L = np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)])
        else:
            L = log_softmax(Z, axis=1)
        return L.astype(out_dtype, copy=False)

    def predict(self, X):
        """Predicted labels: the class of largest logit (binary: ``classes_[1]`` iff z > 0)."""
        Z, _ = self._logits(X)
        index = (Z > 0).astype(int) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[index]



def _design_rank(X, fit_intercept):
    r"""Numerical rank of :math:`\tilde X = [X, 1]` (or X).

    Dense: ``np.linalg.matrix_rank`` (singular values of :math:`\tilde X`). Sparse:
    from the eigenvalues of the Gram matrix :math:`\tilde X^\top\tilde X` (a sparse
    product, ``n_params`` square), counting those above
    :math:`\max(n, p)\,\varepsilon\,\lambda_{\max}`: squaring the matrix squares its
    condition number, so directions weaker than about :math:`10^{-8}` of the largest
    cannot be told from zero this way, and only a singular Gram matrix counts as
    rank-deficient.
    """
    n, p = X.shape[0], X.shape[1] + fit_intercept
    if p == 0:
        return 0
    if not is_sparse(X):
        Xt = np.column_stack([X, np.ones(n)]) if fit_intercept else X
        return int(np.linalg.matrix_rank(Xt))
    G = np.empty((p, p))
    d = X.shape[1]
    G[:d, :d] = (X.T @ X).toarray()
    if fit_intercept:
        G[:d, d] = G[d, :d] = np.asarray(X.sum(axis=0)).ravel()
        G[d, d] = n
    eig = np.linalg.eigvalsh(G)
    return int(np.sum(eig > max(n, p) * np.finfo(np.float64).eps * max(eig.max(), 0.0)))
