"""From scores to decisions: expected cost, the Bayes threshold, empirical thresholds.

A model gives a score (a probability or a logit); a decision needs a threshold.
Conventions, the same in every function here:

* **Predict positive iff score >= threshold** (scikit-learn's ``roc_curve`` and
  ``FixedThresholdClassifier``). ``threshold = inf`` predicts nothing positive.
* **Cost matrix indexing: ``cost_matrix[i, j]`` is the cost of predicting
  class i when the true class is j** (rows = decision, columns = truth; Elkan
  2001). So ``cost_matrix[1, 0]`` is the cost of a false positive, c_FP, and
  ``cost_matrix[0, 1]`` the cost of a false negative, c_FN. This is the
  *transpose* of :func:`logreg_ref.metrics.confusion_matrix`, whose rows are the
  true classes: the total cost is ``(cost_matrix * confusion_matrix(y, yhat).T).sum()``.
  Instead of a matrix you may give ``c_fp=`` and ``c_fn=`` (costs of correct
  decisions 0). Costs are keyword-only, so they cannot be swapped by position.
* Labels follow :mod:`logreg_ref.metrics`: at most two classes; with
  ``pos_label=None`` they must lie in {0, 1} or {-1, 1} and 1 is positive.
  Sample weights multiply each sample's cost.

References
----------
C. Elkan (2001), "The foundations of cost-sensitive learning", IJCAI.
"""

from __future__ import annotations

import numpy as np

from .metrics import _as_scores, _as_weights, _binary_counts, _check_lengths, _positive_indicator

__all__ = [
    "bayes_threshold",
    "cost_optimal_threshold",
    "expected_cost",
    "threshold_for_precision",
    "threshold_for_recall",
]


def _cost_matrix(cost_matrix, c_fp, c_fn):
    """The 2x2 cost matrix C[pred, true] from either `cost_matrix` or `c_fp`/`c_fn`."""
    if cost_matrix is not None:
        if c_fp is not None or c_fn is not None:
            raise ValueError("Give either cost_matrix or c_fp and c_fn, not both.")
        c = np.asarray(cost_matrix, dtype=np.float64)
        if c.shape != (2, 2):
            raise ValueError(f"cost_matrix must have shape (2, 2); got {c.shape}.")
    else:
        if c_fp is None or c_fn is None:
            raise ValueError("Give cost_matrix, or both c_fp and c_fn.")
        c = np.array([[0.0, float(c_fn)], [float(c_fp), 0.0]])
    if not np.all(np.isfinite(c)):
        raise ValueError("Costs must be finite numbers.")
    return c


def _as_threshold(threshold):
    t = np.asarray(threshold, dtype=np.float64)
    if t.ndim != 0 or np.isnan(t):
        raise ValueError(f"threshold must be a single number (inf allowed); got {threshold!r}.")
    return float(t)


def expected_cost(y_true, scores, threshold, *, c_fp=None, c_fn=None, cost_matrix=None,
                  sample_weight=None, normalize=True, pos_label=None):
    r"""Average (or total) misclassification cost of thresholding `scores` at `threshold`.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels.
    scores : array_like of shape (n_samples,)
        Scores; sample :math:`i` is predicted positive iff
        :math:`s_i \ge \text{threshold}`.
    threshold : float
        The decision threshold (``inf`` predicts nothing positive).
    c_fp, c_fn : float, optional
        Costs of a false positive and a false negative (correct decisions cost 0).
    cost_matrix : array_like of shape (2, 2), optional
        ``cost_matrix[pred, true]``; used instead of `c_fp` and `c_fn`.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights :math:`w_i`.
    normalize : bool, default=True
        True: the weighted mean cost per sample (an estimate of the expected
        cost of one decision). False: the weighted total cost.
    pos_label : int, float, bool or str, optional
        The positive class.

    Returns
    -------
    cost : float
        With :math:`\hat y_i = [s_i \ge t]`,

        .. math:: \frac{\sum_i w_i\, C[\hat y_i, y_i]}{\sum_i w_i}
            = \frac{c_{FP}\,FP(t) + c_{FN}\,FN(t)}{\sum_i w_i}
            \quad \text{(zero cost on the diagonal)};

        the numerator alone when ``normalize=False``.

    Examples
    --------
    >>> y, s = [0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]
    >>> expected_cost(y, s, 0.5, c_fp=1.0, c_fn=5.0)  # one FP and one FN: (1 + 5) / 4
    1.5
    >>> expected_cost(y, s, 0.5, cost_matrix=[[0, 5], [1, 0]], normalize=False)
    6.0
    """
    c = _cost_matrix(cost_matrix, c_fp, c_fn)
    t = _as_threshold(threshold)
    scores = _as_scores(scores, "scores")
    y = _positive_indicator(y_true, pos_label)
    _check_lengths(y_true=y, scores=scores)
    w = _as_weights(sample_weight, scores.shape[0])
    w = np.ones(scores.shape[0]) if w is None else w
    predicted = (scores >= t).astype(np.intp)
    total = np.sum(w * c[predicted, y.astype(np.intp)])
    return float(total / w.sum()) if normalize else float(total)


def bayes_threshold(cost_matrix=None, *, c_fp=None, c_fn=None):
    r"""Threshold on calibrated probabilities that minimises the expected cost.

    Parameters
    ----------
    cost_matrix : array_like of shape (2, 2), optional
        ``cost_matrix[pred, true]``: ``[[c00, c01], [c10, c11]]`` with
        :math:`c_{10} = c_{FP}` and :math:`c_{01} = c_{FN}`.
    c_fp, c_fn : float, optional
        Costs of a false positive and a false negative, correct decisions free.

    Returns
    -------
    t_star : float
        .. math:: t^* = \frac{c_{10} - c_{00}}{(c_{10} - c_{00}) + (c_{01} - c_{11})},

        which is :math:`c_{FP} / (c_{FP} + c_{FN})` when correct decisions cost 0.

    Raises
    ------
    ValueError
        If a wrong decision is cheaper than the right one
        (:math:`c_{10} < c_{00}` or :math:`c_{01} < c_{11}`), or both errors cost
        the same as the correct decisions (no threshold is preferred).

    Notes
    -----
    If :math:`p = P(y = 1 \mid x)` is calibrated, predicting 1 costs
    :math:`p\,c_{11} + (1 - p)\,c_{10}` on average and predicting 0 costs
    :math:`p\,c_{01} + (1 - p)\,c_{00}`. Predicting 1 is no worse exactly when
    :math:`(1 - p)(c_{10} - c_{00}) \le p\,(c_{01} - c_{11})`, i.e. when
    :math:`p \ge t^*`. At :math:`p = t^*` both decisions cost the same; the
    rule ``p >= t_star`` predicts positive there, like every threshold here.
    The rule depends only on the two cost differences: adding a constant to a
    column of the matrix (a cost paid whatever we decide) does not change it.

    Examples
    --------
    >>> bayes_threshold(c_fp=1.0, c_fn=4.0)  # a missed positive costs 4 false alarms
    0.2
    >>> bayes_threshold([[0.0, 4.0], [1.0, 0.0]])  # the same costs as a matrix
    0.2
    """
    c = _cost_matrix(cost_matrix, c_fp, c_fn)
    gain_neg = c[1, 0] - c[0, 0]  # extra cost of calling a negative positive
    gain_pos = c[0, 1] - c[1, 1]  # extra cost of calling a positive negative
    if gain_neg < 0 or gain_pos < 0:
        raise ValueError(
            "A wrong decision costs less than the right one (need c10 >= c00 and c01 >= c11 "
            f"with cost_matrix[pred, true]); got {c.tolist()}."
        )
    if gain_neg + gain_pos == 0:
        raise ValueError(f"Errors cost the same as correct decisions: {c.tolist()}.")
    return float(gain_neg / (gain_neg + gain_pos))


def _counts_with_inf(y_true, scores, pos_label, sample_weight):
    """FP and TP weights at thresholds [inf, distinct scores descending], and P, N."""
    fps, tps, thresholds = _binary_counts(y_true, scores, pos_label, sample_weight)
    return (np.r_[0.0, fps], np.r_[0.0, tps], np.r_[np.inf, thresholds], tps[-1], fps[-1])


def cost_optimal_threshold(y_true, scores, *, c_fp=None, c_fn=None, cost_matrix=None,
                           sample_weight=None, pos_label=None):
    r"""Empirical threshold with the least total cost on the given sample.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels.
    scores : array_like of shape (n_samples,)
        Scores (probabilities or logits; need not be calibrated).
    c_fp, c_fn : float, optional
        Costs of a false positive and a false negative.
    cost_matrix : array_like of shape (2, 2), optional
        ``cost_matrix[pred, true]``; used instead of `c_fp` and `c_fn`.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.
    pos_label : int, float, bool or str, optional
        The positive class.

    Returns
    -------
    threshold : float
        The minimiser over the candidates :math:`t \in \{+\infty\} \cup
        \{\text{distinct scores}\}` (scores of zero-weight samples excluded) of

        .. math:: \mathrm{cost}(t) = c_{00}\,TN(t) + c_{10}\,FP(t) + c_{01}\,FN(t)
            + c_{11}\,TP(t).

        Any other threshold makes the same decisions as one of these. **Ties**
        (equal computed costs) go to the **largest** threshold, i.e. the rule
        with the fewest positive predictions; ``inf`` ("predict nothing
        positive") is returned when no threshold is strictly cheaper than it.

    Examples
    --------
    >>> y, s = [0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]
    >>> cost_optimal_threshold(y, s, c_fp=1.0, c_fn=5.0)  # catch both positives, one FP
    0.4
    >>> cost_optimal_threshold(y, s, c_fp=5.0, c_fn=1.0)  # FP expensive: only 0.9 passes
    0.9
    """
    c = _cost_matrix(cost_matrix, c_fp, c_fn)
    fps, tps, thresholds, n_pos, n_neg = _counts_with_inf(y_true, scores, pos_label,
                                                          sample_weight)
    cost = c[0, 0] * (n_neg - fps) + c[1, 0] * fps + c[0, 1] * (n_pos - tps) + c[1, 1] * tps
    return float(thresholds[np.argmin(cost)])  # argmin: first = largest threshold


def _check_target(target, name):
    t = float(target)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1]; got {target!r}.")
    return t


def threshold_for_recall(y_true, scores, target, *, pos_label=None, sample_weight=None):
    r"""Largest threshold whose recall is at least `target`.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels; must contain positives.
    scores : array_like of shape (n_samples,)
        Scores; predicted positive iff score >= threshold.
    target : float in [0, 1]
        Required recall :math:`TP(t) / P`.
    pos_label : int, float, bool or str, optional
        The positive class.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.

    Returns
    -------
    threshold : float
        :math:`\max\{t \in \{+\infty\} \cup \text{scores} : TP(t)/P \ge
        \text{target}\}`. Recall only grows as the threshold falls and reaches 1
        at the smallest score, so this always exists (``inf`` for target 0).

    Notes
    -----
    Among the thresholds that reach the target, the largest one has the fewest
    false positives (:math:`FP(t)` only grows as :math:`t` falls), so it has the
    lowest false positive rate: it is the ROC point at that recall. It does
    **not** always have the best precision: precision is not monotone in the
    threshold, and a lower threshold that adds mostly positives can have both
    higher recall and higher precision (see the example). Use
    :func:`logreg_ref.metrics.precision_recall_curve` to see the trade-off.

    Raises
    ------
    ValueError
        If `y_true` has no positive samples (recall undefined) or `target` is
        outside [0, 1].

    Examples
    --------
    >>> y, s = [0, 1, 1], [0.9, 0.8, 0.7]
    >>> threshold_for_recall(y, s, 0.5)  # recall 1/2, precision 1/2 ...
    0.8
    >>> threshold_for_recall(y, s, 1.0)  # ... while 0.7 has recall 1, precision 2/3
    0.7
    """
    target = _check_target(target, "target")
    _, tps, thresholds, n_pos, _ = _counts_with_inf(y_true, scores, pos_label, sample_weight)
    if not n_pos > 0:
        raise ValueError("y_true has no positive samples (with positive weight): recall is "
                         "undefined.")
    recall = tps / n_pos
    return float(thresholds[np.flatnonzero(recall >= target)[0]])


def threshold_for_precision(y_true, scores, target, *, pos_label=None, sample_weight=None):
    r"""Threshold with the best recall among those whose precision is at least `target`.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels; must contain positives.
    scores : array_like of shape (n_samples,)
        Scores; predicted positive iff score >= threshold.
    target : float in [0, 1]
        Required precision :math:`TP(t) / (TP(t) + FP(t))`.
    pos_label : int, float, bool or str, optional
        The positive class.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights.

    Returns
    -------
    threshold : float
        Among the distinct scores :math:`t` with precision :math:`\ge` target
        (``inf`` is not a candidate: with no positive predictions precision is
        undefined), one with the largest recall (largest :math:`TP(t)`); among
        those, the **largest** threshold, which has the fewest false positives
        and therefore the highest precision at that recall.

    Raises
    ------
    ValueError
        If no threshold reaches the target precision (the message gives the
        best precision achievable), if `y_true` has no positive samples, or if
        `target` is outside [0, 1].

    Notes
    -----
    Precision is not monotone in the threshold, so the answer is not simply
    the smallest or the largest threshold above the target: the whole curve is
    searched.

    Examples
    --------
    >>> y, s = [1, 0, 1, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    >>> threshold_for_precision(y, s, 0.75)  # 0.6: precision 3/4, recall 1
    0.6
    >>> threshold_for_precision(y, s, 1.0)  # only the top score is error-free
    0.9
    """
    target = _check_target(target, "target")
    fps, tps, thresholds, n_pos, _ = _counts_with_inf(y_true, scores, pos_label, sample_weight)
    if not n_pos > 0:
        raise ValueError("y_true has no positive samples (with positive weight): recall is "
                         "undefined and precision is 0 at every threshold.")
    fps, tps, thresholds = fps[1:], tps[1:], thresholds[1:]  # drop inf: 0/0 precision
    precision = tps / (tps + fps)
    feasible = precision >= target
    if not np.any(feasible):
        raise ValueError(
            f"No threshold reaches precision >= {target}; the highest precision any "
            f"threshold gives is {float(precision.max())!r}."
        )
    best_tp = tps[feasible].max()
    return float(thresholds[np.flatnonzero(feasible & (tps == best_tp))[0]])
