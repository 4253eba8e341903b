"""Classification metrics with scikit-learn's names and conventions, in numpy alone.

Every function here has the name, signature and conventions of its
``sklearn.metrics`` (or ``sklearn.calibration``) counterpart in scikit-learn
1.9.1, and the tests compare them with scikit-learn to a relative tolerance of
1e-12 (or exactly, for counts). The conventions the course relies on:

* labels: ``y_true`` and ``y_pred`` hold class labels (integers, booleans or
  strings; floats only if integer-valued). The list of classes is the sorted
  union of the labels seen, unless ``labels=`` is given.
* binary metrics on scores (``roc_curve``, ``precision_recall_curve``, ...):
  ``y_true`` may take at most two values. With ``pos_label=None`` the labels
  must lie in {0, 1} or {-1, 1} and the positive class is 1.
* thresholds: a sample is **predicted positive iff score >= threshold**, so
  ``threshold = +inf`` predicts nothing positive.
* zero division: precision ``TP / (TP + FP)``, recall ``TP / (TP + FN)`` and
  F1 ``2 TP / (2 TP + FP + FN)`` are undefined when their denominator is 0. By
  default (``zero_division="warn"``) they are set to 0.0 and an
  :class:`UndefinedMetricWarning` is issued; ``zero_division=0.0``, ``1.0`` or
  ``np.nan`` set that value silently.
* sample weights multiply each sample's contribution to every count or sum.
  They must be finite, non-negative and not all zero.
* log loss is computed **without clipping** (scikit-learn clips probabilities
  to ``[eps, 1 - eps]``), so a confident wrong probability of exactly 0 or 1
  gives ``inf``; :func:`log_loss_from_logits` is exact from the logits.

Bad input (different lengths, empty arrays, NaN or infinity, more than two
classes for a binary metric, probabilities outside [0, 1]) raises a
``ValueError`` that names the problem.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np

from ._special import softplus

__all__ = [
    "UndefinedMetricWarning",
    "accuracy_score",
    "average_precision_score",
    "brier_score_loss",
    "calibration_curve",
    "confusion_matrix",
    "f1_score",
    "log_loss",
    "log_loss_from_logits",
    "precision_recall_curve",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
]


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined (a zero denominator); a replacement value is returned.

    This is logreg_ref's own warning, the counterpart of
    ``sklearn.exceptions.UndefinedMetricWarning`` (it is not a subclass of it,
    since this module does not import scikit-learn). Silence it by choosing the
    replacement explicitly, e.g. ``zero_division=0.0``.
    """


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------


def _as_1d(x, name):
    """1-D, non-empty array; float input must be finite."""
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (n_samples,); got shape {a.shape}.")
    if a.shape[0] == 0:
        raise ValueError(f"{name} is empty; the metric needs at least one sample.")
    if a.dtype.kind == "c" or a.dtype.kind not in "biufUSO":
        raise ValueError(f"{name} has unsupported dtype {a.dtype}.")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return a


def _as_labels(x, name):
    """Class labels: integers, booleans, strings or integer-valued floats."""
    a = _as_1d(x, name)
    if a.dtype.kind == "O":
        try:
            a = np.asarray(a.tolist())
        except (TypeError, ValueError) as err:  # pragma: no cover - ragged objects
            raise ValueError(f"{name} could not be read as class labels: {err}") from err
        if a.dtype.kind not in "biufUS":
            raise ValueError(f"{name} mixes label types or holds None; got {a.dtype}.")
        return _as_labels(a, name)
    if a.dtype.kind == "f" and np.any(a != np.floor(a)):
        raise ValueError(
            f"{name} contains non-integer values (e.g. {float(a[a != np.floor(a)][0])!r}): class "
            "labels are expected. Did you pass probabilities or scores instead of "
            "predicted labels? Threshold them first (e.g. scores >= 0.5)."
        )
    return a


def _as_scores(x, name):
    """Real-valued scores (probabilities, logits or decision values), float64, finite."""
    a = _as_1d(x, name)
    if a.dtype.kind in "USO":
        raise ValueError(f"{name} must be numeric; got dtype {a.dtype}.")
    return a.astype(np.float64)


def _check_lengths(**arrays):
    lengths = {name: a.shape[0] for name, a in arrays.items() if a is not None}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"Inconsistent numbers of samples: {desc}.")


def _as_weights(sample_weight, n):
    """None, or a float64 array of n finite non-negative weights with a positive sum."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D; got shape {w.shape}.")
    if w.shape[0] != n:
        raise ValueError(
            f"Inconsistent numbers of samples: sample_weight has {w.shape[0]}, the data {n}."
        )
    if w.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must be numeric; got dtype {w.dtype}.")
    w = w.astype(np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(w < 0):
        raise ValueError("sample_weight contains negative values.")
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero: no sample carries any weight.")
    return w


def _is_str(a):
    return a.dtype.kind in "US"


def _check_targets(y_true, y_pred):
    """Validate two label arrays; return them and the sorted union of their labels."""
    y_true = _as_labels(y_true, "y_true")
    y_pred = _as_labels(y_pred, "y_pred")
    _check_lengths(y_true=y_true, y_pred=y_pred)
    if _is_str(y_true) != _is_str(y_pred):
        raise ValueError(
            f"y_true and y_pred hold labels of different types ({y_true.dtype} and "
            f"{y_pred.dtype}); use the same labels in both."
        )
    return y_true, y_pred, np.union1d(y_true, y_pred)


def _check_label_list(labels, name="labels"):
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of class labels.")
    if np.unique(labels).shape[0] != labels.shape[0]:
        raise ValueError(f"{name} contains duplicates: {labels.tolist()}.")
    return labels


def _index_of(y, labels):
    """Position of each y in `labels` (any order, no duplicates), or -1 where absent."""
    if _is_str(y) != _is_str(labels):  # strings never equal numbers
        return np.full(y.shape[0], -1, dtype=np.intp)
    sorter = np.argsort(labels, kind="stable")
    pos = np.minimum(np.searchsorted(labels, y, sorter=sorter), labels.shape[0] - 1)
    idx = sorter[pos]
    return np.where(labels[idx] == y, idx, -1)


def _positive_indicator(y_true, pos_label):
    """Boolean array y_true == pos_label, for a target with at most two classes.

    With ``pos_label=None`` the labels must lie in {0, 1} or {-1, 1} (scikit-learn's
    rule) and 1 is the positive class.
    """
    y_true = _as_labels(y_true, "y_true")
    classes = np.unique(y_true)
    if classes.shape[0] > 2:
        raise ValueError(
            f"y_true has {classes.shape[0]} classes {classes.tolist()}; this metric is for "
            "binary targets (at most two distinct labels)."
        )
    values = classes.tolist()
    if pos_label is None:
        if _is_str(classes) or not (set(values) <= {0, 1} or set(values) <= {-1, 1}):
            raise ValueError(
                f"y_true takes the values {values}; pos_label=None works only for labels in "
                "{0, 1} or {-1, 1}. Pass pos_label= to name the positive class."
            )
        pos_label = 1
    elif len(values) == 2 and pos_label not in values:
        raise ValueError(f"pos_label={pos_label!r} is not a valid label: y_true holds {values}.")
    return y_true == pos_label


def _weighted_mean(values, w, normalize=True):
    """Weighted mean (or sum) of per-sample values; zero-weight samples are dropped.

    Dropping zero weights keeps an ``inf`` loss with weight 0 from turning into
    ``0 * inf = nan``. If the weighted sum overflows although every value is
    finite, the mean is recomputed with the weights divided by their sum first,
    so a mean near the float64 maximum (e.g. losses of 1e308) stays finite.
    """
    if w is None:
        w = np.ones(values.shape[0])
    keep = w > 0
    values, w = values[keep], w[keep]
    with np.errstate(over="ignore"):
        total = np.sum(w * values)
    if not normalize:
        return float(total)
    mean = total / w.sum()
    if np.isinf(mean) and np.all(np.isfinite(values)):
        mean = np.sum((w / w.sum()) * values)
    return float(mean)


# --------------------------------------------------------------------------------------
# Metrics on predicted labels
# --------------------------------------------------------------------------------------


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    r"""Fraction (or weighted number) of correctly classified samples.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        True and predicted class labels.
    normalize : bool, default=True
        If True return the weighted fraction, otherwise the weighted count.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights :math:`s_i` (default all ones).

    Returns
    -------
    score : float
        .. math:: \mathrm{acc} = \frac{\sum_i s_i [\hat y_i = y_i]}{\sum_i s_i}.

    Examples
    --------
    >>> accuracy_score([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    >>> accuracy_score([0, 1, 1, 0], [0, 1, 0, 0], normalize=False)
    3.0
    """
    y_true, y_pred, _ = _check_targets(y_true, y_pred)
    w = _as_weights(sample_weight, y_true.shape[0])
    return _weighted_mean((y_true == y_pred).astype(np.float64), w, normalize)


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    r"""Confusion matrix: rows are true classes, columns are predicted classes.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        True and predicted class labels.
    labels : array_like of shape (n_classes,), optional
        Classes to index the matrix by, in this order. Default: the sorted union
        of the labels in `y_true` and `y_pred`. Samples whose true or predicted
        label is not listed are left out. At least one listed label must occur
        in `y_true`.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights; each sample adds its weight instead of 1.
    normalize : {"true", "pred", "all"} or None, default=None
        Divide by the row sums (true classes), the column sums (predicted
        classes) or the total; empty rows or columns give 0.

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes)
        :math:`C_{jk} = \sum_i s_i\,[y_i = \ell_j]\,[\hat y_i = \ell_k]`, integer
        counts (int64) without weights or with integer weights, float otherwise.
        For binary labels ``C.ravel()`` is ``tn, fp, fn, tp``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])
    array([[1, 1],
           [1, 2]])
    >>> tn, fp, fn, tp = confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0]).ravel().tolist()
    >>> (tn, fp, fn, tp)
    (1, 1, 1, 2)
    """
    y_true, y_pred, present = _check_targets(y_true, y_pred)
    integer_weights = sample_weight is None or np.asarray(sample_weight).dtype.kind in "biu"
    w = _as_weights(sample_weight, y_true.shape[0])
    if labels is None:
        labels = present
    else:
        labels = _check_label_list(labels)
        if not np.any(np.isin(y_true, labels)):
            raise ValueError(f"None of the labels {labels.tolist()} occurs in y_true.")
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be 'true', 'pred', 'all' or None; got {normalize!r}.")
    n_labels = labels.shape[0]
    ti, pi = _index_of(y_true, labels), _index_of(y_pred, labels)
    keep = (ti >= 0) & (pi >= 0)
    flat = ti[keep] * n_labels + pi[keep]
    weights = None if w is None else w[keep]
    cm = np.bincount(flat, weights=weights, minlength=n_labels**2).reshape(n_labels, n_labels)
    if integer_weights:
        cm = cm.astype(np.int64)
    if normalize is not None:
        axis = {"true": 1, "pred": 0, "all": None}[normalize]
        total = cm.sum(axis=axis, keepdims=axis is not None)
        with np.errstate(divide="ignore", invalid="ignore"):
            cm = np.nan_to_num(cm / total)
    return cm


def _check_zero_division(zero_division):
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0
    elif zero_division in (0, 1) or (
        isinstance(zero_division, float) and np.isnan(zero_division)
    ):
        return float(zero_division)
    raise ValueError(
        f'zero_division must be "warn", 0.0, 1.0 or np.nan; got {zero_division!r}.'
    )


def _divide(numerator, denominator, zero_division, warn, what):
    """numerator / denominator, with `zero_division` where the denominator is 0."""
    value = _check_zero_division(zero_division)
    zero = denominator == 0
    out = numerator / np.where(zero, 1.0, denominator)
    out[zero] = value
    if warn and zero_division == "warn" and np.any(zero):
        warnings.warn(
            f"{what} Use the zero_division parameter to control this behaviour.",
            UndefinedMetricWarning,
            stacklevel=4,
        )
    return out


def _nanaverage(values, weights=None):
    """Average ignoring NaN; equal weights if the weights of the rest sum to zero."""
    keep = ~np.isnan(values)
    if not np.any(keep):
        return np.nan
    values = values[keep]
    if weights is not None:
        weights = weights[keep]
        if weights.sum() > 0:
            return float(np.average(values, weights=weights))
    return float(np.mean(values))


_AVERAGES = ("binary", "micro", "macro", "weighted", None)


def _prf(metric, y_true, y_pred, labels, pos_label, average, sample_weight, zero_division):
    """Precision, recall or F1 for one label set and one averaging rule."""
    _check_zero_division(zero_division)
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}; got {average!r}.")
    y_true, y_pred, present = _check_targets(y_true, y_pred)
    w = _as_weights(sample_weight, y_true.shape[0])
    if average == "binary":
        if present.shape[0] > 2:
            raise ValueError(
                f"y_true and y_pred hold {present.shape[0]} classes {present.tolist()}, but "
                "average='binary' needs at most two. Use average='macro', 'weighted', "
                "'micro' or None."
            )
        if present.shape[0] == 2 and pos_label not in present.tolist():
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label: the labels are "
                f"{present.tolist()}."
            )
        labels = np.asarray([pos_label])
    elif labels is None:
        labels = present
    else:
        labels = _check_label_list(labels)

    # Per-class sums: tp_k = sum_i s_i [y_i = k][yhat_i = k], and so on.
    n_labels = labels.shape[0]
    ti, pi = _index_of(y_true, labels), _index_of(y_pred, labels)
    hit = (ti >= 0) & (ti == pi)
    weights = np.ones(y_true.shape[0]) if w is None else w
    tp = np.bincount(ti[hit], weights=weights[hit], minlength=n_labels)
    true_sum = np.bincount(ti[ti >= 0], weights=weights[ti >= 0], minlength=n_labels)
    pred_sum = np.bincount(pi[pi >= 0], weights=weights[pi >= 0], minlength=n_labels)
    if average == "micro":
        tp, true_sum, pred_sum = (np.array([a.sum()]) for a in (tp, true_sum, pred_sum))

    if metric == "precision":
        score = _divide(tp, pred_sum, zero_division, True,
                        "Precision is ill-defined and set to 0.0: no predicted samples.")
    elif metric == "recall":
        score = _divide(tp, true_sum, zero_division, True,
                        "Recall is ill-defined and set to 0.0: no true samples.")
    else:  # F1 = 2 P R / (P + R) = 2 TP / (2 TP + FP + FN)
        score = _divide(2.0 * tp, true_sum + pred_sum, zero_division, True,
                        "F-score is ill-defined and set to 0.0: no true nor predicted samples.")

    if average is None:
        return score
    if average == "weighted":
        return _nanaverage(score, weights=true_sum)
    return _nanaverage(score)


_PRF_PARAMS = r"""
    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        True and predicted class labels.
    labels : array_like, optional
        Classes to include when ``average != "binary"`` (default: the sorted
        union of the labels in `y_true` and `y_pred`); ignored for "binary".
    pos_label : int, float, bool or str, default=1
        The positive class when ``average="binary"``; ignored otherwise.
    average : {"binary", "micro", "macro", "weighted"} or None, default="binary"
        * "binary": the score of `pos_label` alone (at most two classes allowed).
        * "macro": unweighted mean of the per-class scores.
        * "weighted": mean of the per-class scores weighted by their support
          (the weighted number of true samples of each class).
        * "micro": the score of the pooled counts (TP, FP, FN summed over classes).
        * None: the array of per-class scores, in the order of `labels`.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights; the counts become sums of weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value used when the denominator is 0. "warn" means 0.0 plus an
        :class:`UndefinedMetricWarning`. With np.nan, undefined classes are left
        out of the macro and weighted averages (NaN if all are undefined).
"""


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    return _prf("precision", y_true, y_pred, labels, pos_label, average, sample_weight,
                zero_division)


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    return _prf("recall", y_true, y_pred, labels, pos_label, average, sample_weight,
                zero_division)


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn"):
    return _prf("f1", y_true, y_pred, labels, pos_label, average, sample_weight,
                zero_division)


precision_score.__doc__ = r"""Precision: the fraction of predicted positives that are positive.
""" + _PRF_PARAMS + r"""
    Returns
    -------
    precision : float, or ndarray of shape (n_labels,) if ``average=None``
        Per class :math:`k`, with weighted counts,

        .. math:: P_k = \frac{TP_k}{TP_k + FP_k},

        undefined (`zero_division`) when nothing is predicted as :math:`k`.

    Examples
    --------
    >>> precision_score([0, 1, 1, 0, 1], [1, 1, 1, 0, 0])  # TP = 2, FP = 1
    0.6666666666666666
    >>> precision_score([0, 1, 1], [0, 0, 0], zero_division=1.0)  # nothing predicted positive
    1.0
    """

recall_score.__doc__ = r"""Recall (sensitivity, true positive rate): the share of positives found.
""" + _PRF_PARAMS + r"""
    Returns
    -------
    recall : float, or ndarray of shape (n_labels,) if ``average=None``
        Per class :math:`k`, with weighted counts,

        .. math:: R_k = \frac{TP_k}{TP_k + FN_k},

        undefined (`zero_division`) when class :math:`k` never occurs in `y_true`.

    Examples
    --------
    >>> recall_score([0, 1, 1, 0, 1], [1, 1, 1, 0, 0])  # TP = 2, FN = 1
    0.6666666666666666
    >>> recall_score([0, 1, 2, 2], [0, 2, 2, 2], average="macro")  # (1 + 0 + 1) / 3
    0.6666666666666666
    """

f1_score.__doc__ = r"""F1 score: the harmonic mean of precision and recall.
""" + _PRF_PARAMS + r"""
    Returns
    -------
    f1 : float, or ndarray of shape (n_labels,) if ``average=None``
        Per class :math:`k`, with weighted counts,

        .. math:: F_k = \frac{2 P_k R_k}{P_k + R_k} = \frac{2\,TP_k}{2\,TP_k + FP_k + FN_k},

        undefined (`zero_division`) only when class :math:`k` is neither true
        nor predicted for any sample. Undefined precision or recall alone does
        not make F1 undefined: the right-hand form is then 0.

    Examples
    --------
    >>> f1_score([0, 1, 1, 0, 1], [1, 1, 1, 0, 0])  # 2 * 2 / (2 * 2 + 1 + 1)
    0.6666666666666666
    """


# --------------------------------------------------------------------------------------
# Curves and areas on scores
# --------------------------------------------------------------------------------------


def _binary_counts(y_true, y_score, pos_label=None, sample_weight=None):
    """Weighted false/true positive counts at each distinct score, scores descending.

    Returns ``fps, tps, thresholds`` where ``fps[j]`` (``tps[j]``) is the weight of
    negative (positive) samples with ``score >= thresholds[j]``; the thresholds are
    the distinct scores of the samples with non-zero weight, in decreasing order.
    The order of operations is scikit-learn's (stable descending sort, cumulative
    sums), so weighted counts agree with it to the last bit.
    """
    y_score = _as_scores(y_score, "y_score")
    y_true_arr = _as_labels(y_true, "y_true")
    _check_lengths(y_true=y_true_arr, y_score=y_score)
    w = _as_weights(sample_weight, y_score.shape[0])
    y = _positive_indicator(y_true_arr, pos_label).astype(np.float64)
    if w is not None:
        keep = w != 0
        y, y_score, w = y[keep], y_score[keep], w[keep]
    order = np.argsort(-y_score, kind="stable")
    y_score, y = y_score[order], y[order]
    ends = np.r_[np.flatnonzero(np.diff(y_score)), y_score.shape[0] - 1]
    if w is None:
        tps = np.cumsum(y)[ends]
        fps = 1.0 + ends - tps
    else:
        w = w[order]
        tps = np.cumsum(y * w)[ends]
        fps = np.cumsum((1.0 - y) * w)[ends]
    return fps, tps, y_score[ends]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    r"""Receiver operating characteristic: true against false positive rate per threshold.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels (at most two distinct values).
    y_score : array_like of shape (n_samples,)
        Scores; larger means more likely positive (probabilities, logits, ...).
    pos_label : int, float, bool or str, optional
        The positive class. Default: 1, allowed only for labels in {0, 1} or {-1, 1}.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights. Samples with weight 0 are removed first, so their
        scores are not thresholds.
    drop_intermediate : bool, default=True
        Drop thresholds whose point lies on the straight line between its two
        neighbours (second differences of both FP and TP counts are zero). The
        curve and its area are unchanged.

    Returns
    -------
    fpr, tpr : ndarray of shape (n_thresholds,)
        Increasing rates :math:`\mathrm{FPR}(t) = FP(t)/N`,
        :math:`\mathrm{TPR}(t) = TP(t)/P`, where :math:`TP(t)` (:math:`FP(t)`)
        is the weight of positives (negatives) with score :math:`\ge t`, and
        :math:`P`, :math:`N` the total weights of each class. If `y_true` has no
        negatives (positives), `fpr` (`tpr`) is all NaN and an
        :class:`UndefinedMetricWarning` is issued.
    thresholds : ndarray of shape (n_thresholds,)
        Decreasing: ``thresholds[0] = inf`` (nothing predicted positive, the
        point (0, 0)), then the distinct scores.

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr, tpr, thr
    (array([0. , 0. , 0.5, 0.5, 1. ]), array([0. , 0.5, 0.5, 1. , 1. ]), array([ inf, 0.8 , 0.4 , 0.35, 0.1 ]))
    """  # noqa: E501
    fps, tps, thresholds = _binary_counts(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        corner = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        keep = np.r_[True, corner, True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    if fps[-1] <= 0:
        warnings.warn("No negative samples in y_true: the false positive rate is undefined "
                      "(NaN).", UndefinedMetricWarning, stacklevel=2)
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn("No positive samples in y_true: the true positive rate is undefined "
                      "(NaN).", UndefinedMetricWarning, stacklevel=2)
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def _trapezoid(y, x):
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))


def roc_auc_score(y_true, y_score, *, sample_weight=None, max_fpr=None):
    r"""Area under the ROC curve (binary targets), by the trapezoidal rule.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels; the positive class is the greater label (1 for {0, 1}).
    y_score : array_like of shape (n_samples,)
        Scores of the positive class.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.
    max_fpr : float in (0, 1], optional
        If given, the McClish-standardised partial area over
        :math:`\mathrm{FPR} \in [0, \text{max\_fpr}]` (0.5 for a random ranking,
        1 for a perfect one).

    Returns
    -------
    auc : float
        :math:`\int_0^1 \mathrm{TPR}\,d\,\mathrm{FPR}` of :func:`roc_curve`. Tied
        scores give diagonal segments, so the area equals the probability that a
        random positive scores above a random negative, counting ties as one
        half (the Mann-Whitney statistic, weighted by the weights of the pairs).
        NaN with an :class:`UndefinedMetricWarning` if `y_true` has one class.

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # 3 of 4 pairs ordered
    0.75
    """
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise ValueError(f"max_fpr must be in (0, 1]; got {max_fpr!r}.")
    labels = _as_labels(y_true, "y_true")
    scores = _as_scores(y_score, "y_score")
    _check_lengths(y_true=labels, y_score=scores)
    _as_weights(sample_weight, labels.shape[0])
    classes = np.unique(labels)
    if classes.shape[0] > 2:
        raise ValueError(
            f"y_true has {classes.shape[0]} classes {classes.tolist()}; roc_auc_score "
            "here is for binary targets only."
        )
    if classes.shape[0] < 2:
        warnings.warn("Only one class is present in y_true: ROC AUC is undefined (NaN).",
                      UndefinedMetricWarning, stacklevel=2)
        return np.nan
    fpr, tpr, _ = roc_curve(labels, scores, pos_label=classes[1], sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return _trapezoid(tpr, fpr)
    # Interpolate one point at max_fpr, then standardise (McClish 1989).
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[stop - 1:stop + 1],
                                          tpr[stop - 1:stop + 1]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = _trapezoid(tpr, fpr)
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return float(0.5 * (1 + (partial - min_area) / (max_area - min_area)))


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None,
                           drop_intermediate=False):
    r"""Precision and recall for every threshold (scikit-learn 1.9 conventions).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels (at most two distinct values).
    y_score : array_like of shape (n_samples,)
        Scores; larger means more likely positive.
    pos_label : int, float, bool or str, optional
        The positive class. Default: 1, allowed only for labels in {0, 1} or {-1, 1}.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights; zero-weight samples are removed first.
    drop_intermediate : bool, default=False
        Keep only the first and last threshold of each run of thresholds with
        the same true-positive count (same recall): the points in between lie
        on a vertical segment of the plotted curve. As in scikit-learn 1.9.1,
        the first and last thresholds are always kept.

    Returns
    -------
    precision : ndarray of shape (n_thresholds + 1,)
        ``precision[j]`` :math:`= TP(t_j) / (TP(t_j) + FP(t_j))` for predictions
        with score :math:`\ge t_j`; the last element is 1 and has no threshold.
    recall : ndarray of shape (n_thresholds + 1,)
        Decreasing; ``recall[j]`` :math:`= TP(t_j)/P`; the last element is 0.
        If `y_true` has no positives, recall is set to 1 at every threshold
        (with an :class:`UndefinedMetricWarning`), as scikit-learn does.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing: all distinct scores (none are cut off once recall reaches 1).

    Examples
    --------
    >>> precision, recall, thr = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> precision
    array([0.5       , 0.66666667, 0.5       , 1.        , 1.        ])
    >>> recall
    array([1. , 1. , 0.5, 0.5, 0. ])
    >>> thr
    array([0.1 , 0.35, 0.4 , 0.8 ])
    """
    fps, tps, thresholds = _binary_counts(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        # Keep a point if the TP count changes on its left or on its right.
        changes = np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:]))
        keep = np.r_[True, changes, True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps  # > 0: every threshold is the score of a weighted sample
    precision = tps / predicted
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true: recall is undefined and set to "
                      "1 at every threshold.", UndefinedMetricWarning, stacklevel=2)
        recall = np.ones(tps.shape)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def average_precision_score(y_true, y_score, *, pos_label=1, sample_weight=None):
    r"""Average precision: the step-function area under the precision-recall curve.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels (at most two distinct values).
    y_score : array_like of shape (n_samples,)
        Scores; larger means more likely positive.
    pos_label : int, float, bool or str, default=1
        The positive class.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.

    Returns
    -------
    ap : float
        With the thresholds in decreasing order and :math:`R_0 = 0`,

        .. math:: \mathrm{AP} = \sum_n (R_n - R_{n-1})\, P_n,

        the precision at each threshold times the recall it adds. No
        interpolation and no trapezoid: this is not ``auc(recall, precision)``.
        0.0 if `y_true` has no positives (with a warning from the curve).

    Examples
    --------
    >>> average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # 0.5 * 1 + 0.5 * 2/3
    0.8333333333333333
    """
    precision, recall, _ = precision_recall_curve(y_true, y_score, pos_label=pos_label,
                                                  sample_weight=sample_weight)
    # The last precision is 1 at recall 0, so it adds nothing; -0.0 is clipped to 0.
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


# --------------------------------------------------------------------------------------
# Probabilistic losses and calibration
# --------------------------------------------------------------------------------------


def _binary_target_for_probability(y_true, labels):
    """Positive indicator for 1-D probabilities/logits: the greater of two classes."""
    if labels is not None:
        classes = np.unique(_check_label_list(labels))
        if classes.shape[0] != 2:
            raise ValueError(f"A 1-D y_proba needs exactly two labels; got {classes.tolist()}.")
        if not np.all(np.isin(y_true, classes)):
            raise ValueError(f"y_true holds labels not in labels={classes.tolist()}.")
        return y_true == classes[1]
    classes = np.unique(y_true)
    if classes.shape[0] == 2:
        return y_true == classes[1]
    if classes.shape[0] > 2:
        raise ValueError(
            f"y_true has {classes.shape[0]} classes but the predictions are 1-D (binary); "
            "pass an array of shape (n_samples, n_classes)."
        )
    if not _is_str(classes) and classes[0] in (-1, 0, 1):
        return y_true == 1  # one class of {0, 1} or {-1, 1}: 1 is the positive class
    raise ValueError(
        f"y_true contains only one label ({classes.tolist()[0]!r}); pass labels= with both "
        "classes."
    )


def _class_index(y_true, labels, n_columns):
    """Column of each sample's class in a (n_samples, n_classes) array (sorted classes)."""
    classes = np.unique(y_true) if labels is None else np.unique(_check_label_list(labels))
    if classes.shape[0] != n_columns:
        raise ValueError(
            f"The predictions have {n_columns} columns but there are {classes.shape[0]} "
            f"classes {classes.tolist()}; pass labels= listing every class."
        )
    idx = _index_of(y_true, classes)
    if np.any(idx < 0):
        raise ValueError(f"y_true holds labels not in labels={classes.tolist()}.")
    return idx


def _as_probabilities(y_proba, name="y_proba"):
    p = np.asarray(y_proba)
    if p.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric; got dtype {p.dtype}.")
    p = p.astype(np.float64)
    if p.ndim not in (1, 2) or (p.ndim == 2 and p.shape[1] < 2):
        raise ValueError(
            f"{name} must have shape (n_samples,) or (n_samples, n_classes) with at least "
            f"two columns; got {p.shape}."
        )
    if p.shape[0] == 0:
        raise ValueError(f"{name} is empty; the metric needs at least one sample.")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or infinity.")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(
            f"{name} has values outside [0, 1]: min {float(p.min())!r}, max {float(p.max())!r}."
        )
    if p.ndim == 2:
        sums = p.sum(axis=1)
        tol = np.sqrt(np.finfo(np.float64).eps)  # scikit-learn's tolerance (it only warns)
        off = np.abs(sums - 1) > tol
        if np.any(off):
            example = float(sums[off][0])
            raise ValueError(f"The rows of {name} do not sum to one (e.g. {example!r}).")
    return p


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None):
    r"""Log loss (cross-entropy) from probabilities, exact and **not clipped**.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        True class labels.
    y_proba : array_like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities: of the positive class (the greater of two
        labels) if 1-D, otherwise one column per class in sorted label order,
        rows summing to one.
    normalize : bool, default=True
        Return the weighted mean (True) or the weighted sum (False).
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.
    labels : array_like, optional
        All classes, when `y_true` does not show them all. With 1-D `y_proba`
        and `y_true` holding a single label from {0, 1} or {-1, 1}, 1 is taken
        as the positive class (scikit-learn raises in that case).

    Returns
    -------
    loss : float
        .. math::

            L = \frac{1}{\sum_i s_i} \sum_i s_i\,\bigl(-\log \hat p_{i, y_i}\bigr),
            \qquad \text{binary: } -\log p_i \text{ if } y_i = 1,\;
            -\operatorname{log1p}(-p_i) \text{ if } y_i = 0.

    Notes
    -----
    scikit-learn clips the probabilities to :math:`[\epsilon, 1 - \epsilon]`
    (:math:`\epsilon = 2^{-52}`), which caps each term at
    :math:`-\log\epsilon \approx 36.04`. Here nothing is clipped: a probability
    of exactly 0 for the true class gives ``inf`` (the model said "impossible"
    and it happened), and probabilities below :math:`\epsilon` count in full.
    The two agree whenever every probability of a true class lies in
    :math:`[\epsilon, 1 - \epsilon]`. Probabilities computed as ``sigmoid(z)``
    lose the tails (``1 - sigmoid(40)`` is 0): use :func:`log_loss_from_logits`.

    Examples
    --------
    >>> log_loss([1, 0], [0.5, 0.5])  # log 2
    0.6931471805599453
    >>> log_loss([1, 0], [0.0, 0.0])  # true class given probability 0
    inf
    """
    y_true = _as_labels(y_true, "y_true")
    p = _as_probabilities(y_proba)
    _check_lengths(y_true=y_true, y_proba=p)
    w = _as_weights(sample_weight, y_true.shape[0])
    with np.errstate(divide="ignore"):  # log(0) = -inf is the intended answer
        if p.ndim == 1:
            positive = _binary_target_for_probability(y_true, labels)
            losses = np.where(positive, -np.log(p), -np.log1p(-p))
        else:
            idx = _class_index(y_true, labels, p.shape[1])
            losses = -np.log(p[np.arange(p.shape[0]), idx])
    return _weighted_mean(losses, w, normalize)


def log_loss_from_logits(y_true, z, *, normalize=True, sample_weight=None, labels=None):
    r"""Log loss (cross-entropy) computed from the logits, exact in both tails.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        True class labels.
    z : array_like of shape (n_samples,) or (n_samples, n_classes)
        Finite logits: binary logits :math:`z_i = x_i^\top w + b` of the positive
        class (the greater of two labels) if 1-D; otherwise one column of
        class logits per class in sorted label order (softmax regression).
    normalize : bool, default=True
        Return the weighted mean (True) or the weighted sum (False).
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.
    labels : array_like, optional
        All classes, as in :func:`log_loss`.

    Returns
    -------
    loss : float
        The same quantity as ``log_loss(y_true, sigmoid(z))`` (or of the softmax
        probabilities) in exact arithmetic. Binary, per sample:

        .. math::

            \ell_i = \log(1 + e^{-z_i}) \text{ if } y_i = 1, \qquad
            \ell_i = \log(1 + e^{z_i}) \text{ if } y_i = 0,

        evaluated as ``softplus(-z)`` / ``softplus(z)``
        (:math:`\max(u, 0) + \operatorname{log1p}(e^{-|u|})`). Multiclass, with
        :math:`m_i = \max_k Z_{ik}` attained at column :math:`k^*`:

        .. math::

            \ell_i = (m_i - Z_{i y_i}) + \operatorname{log1p}\Bigl(\sum_{k \ne k^*}
            e^{Z_{ik} - m_i}\Bigr).

    Notes
    -----
    Each per-sample term is a sum of non-negative parts computed with no
    cancellation, so it is accurate to a few ulps for every finite logit up to
    :math:`\pm 10^{308}`: ``1000`` for a wrong logit of 1000, and
    :math:`e^{-40} \approx 4.25 \times 10^{-18}` (not 0) for a right one. The mean
    weights are normalised before summing, so a mean near the float64 maximum
    does not overflow; a multiclass term above it (:math:`Z_{ik^*} - Z_{iy_i}
    > 1.8 \times 10^{308}`) is ``inf``. This is one function rather than a
    ``from_logits=`` flag so that ``log_loss`` keeps scikit-learn's signature.

    Examples
    --------
    >>> log_loss_from_logits([1, 0], [0.0, 0.0])  # log 2
    0.6931471805599453
    >>> log_loss_from_logits([0], [1000.0])  # exact; log_loss would give inf here
    1000.0
    >>> log_loss_from_logits([1], [40.0])  # log(1 + e^-40) = e^-40 to full precision
    4.248354255291589e-18
    """
    y_true = _as_labels(y_true, "y_true")
    z = np.asarray(z)
    if z.dtype.kind not in "biuf":
        raise ValueError(f"z must be numeric; got dtype {z.dtype}.")
    z = z.astype(np.float64)
    if z.ndim not in (1, 2) or (z.ndim == 2 and z.shape[1] < 2):
        raise ValueError(
            "z must have shape (n_samples,) (binary logits) or (n_samples, n_classes) "
            f"with at least two columns; got {z.shape}."
        )
    if not np.all(np.isfinite(z)):
        raise ValueError("z contains NaN or infinity; logits must be finite.")
    _check_lengths(y_true=y_true, z=z)
    w = _as_weights(sample_weight, y_true.shape[0])
    if z.ndim == 1:
        positive = _binary_target_for_probability(y_true, labels)
        losses = softplus(np.where(positive, -z, z))
    else:
        idx = _class_index(y_true, labels, z.shape[1])
        rows = np.arange(z.shape[0])
        top = np.argmax(z, axis=1)
        m = z[rows, top]
        with np.errstate(over="ignore", under="ignore"):
            # z - m can overflow to -inf for |z| ~ 1e308; exp(-inf) = 0 is right.
            e = np.exp(z - m[:, None])
            e[rows, top] = 0.0  # the maximum's own term is the "1" in log1p
            losses = (m - z[rows, idx]) + np.log1p(e.sum(axis=1))
    return _weighted_mean(losses, w, normalize)


def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                     scale_by_half="auto"):
    r"""Brier score: the mean squared difference between probabilities and outcomes.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        True class labels.
    y_proba : array_like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities of the positive class (1-D), or one column per class in
        sorted label order.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.
    pos_label : int, float, bool or str, optional
        Positive class for 1-D `y_proba`. Default: 1 for labels in {0, 1} or
        {-1, 1}, otherwise the greater label (strings need `pos_label`).
    labels : array_like, optional
        All classes for 2-D `y_proba`, when `y_true` does not show them all.
    scale_by_half : bool or "auto", default="auto"
        Halve the sum over classes; "auto" halves for two classes only, so the
        binary score lies in [0, 1] and the multiclass one in [0, 2].

    Returns
    -------
    score : float
        .. math::

            \mathrm{BS} = \frac{1}{\sum_i s_i}\sum_i s_i \sum_k (y_{ik} - \hat p_{ik})^2
            \times \tfrac12\ \text{if halved};

        for binary targets, halved: :math:`\frac{1}{\sum s_i}\sum_i s_i (y_i - p_i)^2`.

    Examples
    --------
    >>> brier_score_loss([0, 1, 1, 0], [0.25, 0.75, 0.5, 0.0])  # (1/16 + 1/16 + 1/4 + 0) / 4
    0.09375
    """
    if scale_by_half not in ("auto", True, False):
        raise ValueError(f'scale_by_half must be True, False or "auto"; got {scale_by_half!r}.')
    y_true = _as_labels(y_true, "y_true")
    p = _as_probabilities(y_proba)
    _check_lengths(y_true=y_true, y_proba=p)
    w = _as_weights(sample_weight, y_true.shape[0])
    if p.ndim == 1:
        classes = np.unique(y_true)
        if pos_label is None and not _is_str(classes) and classes.shape[0] <= 2:
            values = set(classes.tolist())
            if not (values <= {0, 1} or values <= {-1, 1}):
                pos_label = classes[-1]  # scikit-learn's fallback: the greater label
        y = _positive_indicator(y_true, pos_label).astype(np.float64)
        # Both columns, as scikit-learn sums them; equal to 2 (y - p)^2 up to rounding.
        squared = ((1.0 - y) - (1.0 - p)) ** 2 + (y - p) ** 2
        n_classes = 2
    else:
        idx = _class_index(y_true, labels, p.shape[1])
        onehot = np.zeros_like(p)
        onehot[np.arange(p.shape[0]), idx] = 1.0
        squared = np.sum((onehot - p) ** 2, axis=1)
        n_classes = p.shape[1]
    halve = n_classes < 3 if scale_by_half == "auto" else scale_by_half
    return _weighted_mean(squared, w) * (0.5 if halve else 1.0)


def calibration_curve(y_true, y_prob, *, pos_label=None, n_bins=5, strategy="uniform"):
    r"""Reliability diagram data: observed frequency against mean probability per bin.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels (at most two distinct values).
    y_prob : array_like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].
    pos_label : int, float, bool or str, optional
        The positive class. Default: 1, allowed only for labels in {0, 1} or {-1, 1}.
    n_bins : int, default=5
        Number of bins of [0, 1].
    strategy : {"uniform", "quantile"}, default="uniform"
        "uniform": edges ``linspace(0, 1, n_bins + 1)``. "quantile": edges at
        the ``linspace(0, 100, n_bins + 1)`` percentiles of `y_prob` (numpy's
        linear interpolation), so bins hold about equal numbers of samples.

    Returns
    -------
    prob_true : ndarray of shape (n_nonempty_bins,)
        Fraction of positives in each non-empty bin.
    prob_pred : ndarray of shape (n_nonempty_bins,)
        Mean predicted probability in each non-empty bin.

    Notes
    -----
    With interior edges :math:`e_1 < \dots < e_{B-1}`, sample :math:`i` goes to
    bin :math:`b` with :math:`e_b < p_i \le e_{b+1}` (``searchsorted`` on the
    left; the first bin also takes :math:`p_i \le e_1`, including 0), exactly as
    scikit-learn. Empty bins are dropped, so fewer than `n_bins` points may come
    back. scikit-learn has no sample weights here, so neither does this.

    Examples
    --------
    >>> prob_true, prob_pred = calibration_curve([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
    >>> prob_true, prob_pred
    (array([0., 1.]), array([0.15, 0.8 ]))
    """
    y_true = _as_labels(y_true, "y_true")
    y_prob = _as_scores(y_prob, "y_prob")
    _check_lengths(y_true=y_true, y_prob=y_prob)
    if np.any(y_prob < 0) or np.any(y_prob > 1):
        raise ValueError("y_prob has values outside [0, 1].")
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")
    y = _positive_indicator(y_true, pos_label).astype(np.float64)
    if strategy == "quantile":
        edges = np.percentile(y_prob, np.linspace(0, 1, n_bins + 1) * 100)
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        raise ValueError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}.")
    bins = np.searchsorted(edges[1:-1], y_prob)
    total = np.bincount(bins, minlength=n_bins)
    sum_prob = np.bincount(bins, weights=y_prob, minlength=n_bins)
    sum_true = np.bincount(bins, weights=y, minlength=n_bins)
    nonempty = total != 0
    return sum_true[nonempty] / total[nonempty], sum_prob[nonempty] / total[nonempty]
