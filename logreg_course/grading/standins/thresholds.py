"""Stand-ins for 04-thresholds: its solutions, generated from solutions/04-thresholds/04-thresholds.ipynb.

Do not edit: ``make exercises`` writes this file (see ``logreg_course.grading.standins``)."""


# ruff: noqa


import numpy as np


def sigmoid(z):
    """Stable logistic sigmoid (the solution of assignment 1), elementwise."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def confusion_counts(y_true, scores, threshold):
    """Counts of the rule "positive iff score >= threshold": (tn, fp, fn, tp).

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1 (1 = positive); integers, floats or booleans.
    scores : numpy.ndarray of shape (n,)
        Scores (probabilities or logits).
    threshold : float
        Predict positive where score >= threshold (inf: nothing is positive).

    Returns
    -------
    tuple of four ints
        (tn, fp, fn, tp).
    """
    positive = np.asarray(y_true) == 1
    flagged = np.asarray(scores, dtype=float) >= threshold
    return (int(np.sum(~flagged & ~positive)), int(np.sum(flagged & ~positive)),
            int(np.sum(~flagged & positive)), int(np.sum(flagged & positive)))


def precision_recall_f1(y_true, scores, threshold):
    """Precision, recall and F1 of the rule "positive iff score >= threshold".

    A ratio whose denominator is 0 is 0.0 (no warning).

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1 (1 = positive).
    scores : numpy.ndarray of shape (n,)
    threshold : float

    Returns
    -------
    tuple of three floats
        (precision, recall, f1).
    """
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 0.0
    return float(precision), float(recall), float(f1)


def roc_points(y_true, scores):
    """The ROC curve at every threshold: inf, then each distinct score, decreasing.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1; both classes present.
    scores : numpy.ndarray of shape (n,)

    Returns
    -------
    fpr, tpr, thresholds : numpy.ndarray, each of shape (m + 1,)
        m is the number of distinct scores; thresholds[0] is inf.
    """
    positive = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    thresholds = np.r_[np.inf, np.unique(s)[::-1]]
    tpr = np.array([np.sum(s[positive] >= t) for t in thresholds]) / np.sum(positive)
    fpr = np.array([np.sum(s[~positive] >= t) for t in thresholds]) / np.sum(~positive)
    return fpr, tpr, thresholds


def auc(y_true, scores):
    """Area under the ROC curve: P(S+ > S-) + P(S+ = S-) / 2, as a float.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1; both classes present.
    scores : numpy.ndarray of shape (n,)

    Returns
    -------
    float
    """
    positive = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    pos, neg = s[positive][:, None], s[~positive][None, :]  # one row per positive
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    """Mean cost per sample of "positive iff score >= threshold": (c_fp fp + c_fn fn) / n.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1.
    scores : numpy.ndarray of shape (n,)
    threshold : float
    c_fp, c_fn : float
        Costs of a false positive and of a false negative (correct decisions cost 0).

    Returns
    -------
    float
    """
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return float((c_fp * fp + c_fn * fn) / (tn + fp + fn + tp))


def bayes_threshold(cost_matrix):
    """Threshold on probabilities that minimises the expected cost.

    Parameters
    ----------
    cost_matrix : numpy.ndarray of shape (2, 2)
        cost_matrix[pred, true]: [[c00, c01], [c10, c11]]; c10 is the cost of a false
        positive, c01 that of a false negative.

    Returns
    -------
    float
        t* = (c10 - c00) / ((c10 - c00) + (c01 - c11)).

    Raises
    ------
    ValueError
        If c10 < c00 or c01 < c11, or if both differences are 0.
    """
    c = np.asarray(cost_matrix, dtype=float)
    a = c[1, 0] - c[0, 0]  # extra cost of flagging a negative
    d = c[0, 1] - c[1, 1]  # extra cost of missing a positive
    if a < 0 or d < 0:
        raise ValueError("a wrong decision costs less than the right one: need "
                         f"c10 >= c00 and c01 >= c11 (cost_matrix[pred, true]); got {c.tolist()}")
    if a + d == 0:
        raise ValueError(f"errors cost the same as correct decisions: {c.tolist()}")
    return float(a / (a + d))


def bayes_decisions(z, cost_matrix):
    """Labels of the Bayes rule "positive iff sigmoid(z) >= t*" for logits z.

    Parameters
    ----------
    z : numpy.ndarray of shape (n,)
        Logits (log-odds of the positive class).
    cost_matrix : numpy.ndarray of shape (2, 2)
        cost_matrix[pred, true], as in bayes_threshold.

    Returns
    -------
    numpy.ndarray of shape (n,)
        Integer labels, 0 or 1.
    """
    return (sigmoid(z) >= bayes_threshold(cost_matrix)).astype(int)


def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    """The candidate threshold (inf or a score) with the least total cost c_fp fp + c_fn fn.

    Ties go to the largest threshold.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1.
    scores : numpy.ndarray of shape (n,)
    c_fp, c_fn : float
        Costs of a false positive and of a false negative.

    Returns
    -------
    float
    """
    positive = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    candidates = np.r_[np.inf, np.unique(s)[::-1]]  # decreasing: argmin keeps the largest
    costs = [c_fp * np.sum(s[~positive] >= t) + c_fn * np.sum(s[positive] < t)
             for t in candidates]
    return float(candidates[np.argmin(costs)])


def threshold_for_recall(y_true, scores, target):
    """The largest threshold (inf or a score) whose recall is at least target.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels, 0 or 1, with at least one positive.
    scores : numpy.ndarray of shape (n,)
    target : float in [0, 1]

    Returns
    -------
    float
    """
    positive = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    for t in np.r_[np.inf, np.unique(s)[::-1]]:
        if np.sum(s[positive] >= t) / np.sum(positive) >= target:
            return float(t)
