"""logreg_ref.decisions against brute force, scikit-learn's confusion matrix and simulation.

Every threshold function is checked against an explicit enumeration: for each
candidate threshold t, predict ``score >= t`` with numpy, count, and pick by
the documented rule. The Bayes threshold is checked against the derivation
(pointwise expected cost for calibrated probabilities) and by simulation.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from logreg_ref import decisions
from logreg_ref.decisions import (
    bayes_threshold,
    cost_optimal_threshold,
    expected_cost,
    threshold_for_precision,
    threshold_for_recall,
)


def tied_data(seed, n=60, weighted=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.round(np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1), 1)  # many ties
    w = rng.choice([0.0, 0.5, 1.0, 2.0, 3.0], size=n) if weighted else np.ones(n)
    return y, score, w


def candidates(score, w):
    """+inf and the distinct scores of samples with positive weight, decreasing."""
    return np.r_[np.inf, np.unique(score[w > 0])[::-1]]


def brute_counts(y, score, w, t):
    pred = score >= t
    return (np.sum(w[~pred & (y == 0)]), np.sum(w[pred & (y == 0)]),
            np.sum(w[~pred & (y == 1)]), np.sum(w[pred & (y == 1)]))  # tn, fp, fn, tp


COST_MATRICES = [
    np.array([[0.0, 5.0], [1.0, 0.0]]),  # c_FN = 5, c_FP = 1
    np.array([[0.0, 1.0], [4.0, 0.0]]),  # c_FN = 1, c_FP = 4
    np.array([[0.5, 3.0], [2.0, -1.0]]),  # costs on the diagonal too (a gain for a TP)
]


# --------------------------------------------------------------------------------------
# Bayes threshold
# --------------------------------------------------------------------------------------


def test_bayes_threshold_formula():
    assert bayes_threshold(c_fp=1.0, c_fn=4.0) == 0.2
    assert bayes_threshold(c_fp=3.0, c_fn=1.0) == 0.75
    assert bayes_threshold([[0.0, 4.0], [1.0, 0.0]]) == 0.2  # [pred, true]: c10 = FP
    # General: (c10 - c00) / ((c10 - c00) + (c01 - c11)) = (5 - 1) / (4 + (10 - 0.5))
    assert bayes_threshold([[1.0, 10.0], [5.0, 0.5]]) == pytest.approx(4 / 13.5, rel=1e-15)


def test_bayes_threshold_ignores_costs_paid_whatever_we_decide():
    c = np.array([[1.0, 10.0], [5.0, 0.5]])
    shifted = c + np.array([[7.0, -2.0], [7.0, -2.0]])  # add a constant to each column
    assert bayes_threshold(shifted) == pytest.approx(bayes_threshold(c), rel=1e-15)
    assert bayes_threshold(3.0 * c) == pytest.approx(bayes_threshold(c), rel=1e-15)


@pytest.mark.parametrize("c", COST_MATRICES)
def test_bayes_rule_minimises_expected_cost_pointwise(c):
    # For a calibrated p, the expected cost of each decision is linear in p; the rule
    # p >= t* must pick the cheaper one for every p (checked on a fine grid).
    t_star = bayes_threshold(c)
    p = np.linspace(0, 1, 10001)
    cost_if_1 = p * c[1, 1] + (1 - p) * c[1, 0]
    cost_if_0 = p * c[0, 1] + (1 - p) * c[0, 0]
    chosen = np.where(p >= t_star, cost_if_1, cost_if_0)
    assert np.all(chosen <= np.minimum(cost_if_0, cost_if_1) + 1e-12)
    # ... and any other threshold on the grid is no better on average over p.
    totals = [np.mean(np.where(p >= t, cost_if_1, cost_if_0)) for t in np.linspace(0, 1, 201)]
    assert np.mean(chosen) <= min(totals) + 1e-12


def test_bayes_threshold_by_simulation():
    # Calibrated probabilities: y ~ Bernoulli(p). The empirical cost-optimal threshold
    # lands near t* = 0.2, and t* beats nearby thresholds. (A swapped formula gives 0.8.)
    rng = np.random.default_rng(12345)
    p = rng.random(200_000)
    y = (rng.random(p.shape[0]) < p).astype(int)
    t_star = bayes_threshold(c_fp=1.0, c_fn=4.0)
    assert t_star == 0.2
    t_hat = cost_optimal_threshold(y, p, c_fp=1.0, c_fn=4.0)
    assert abs(t_hat - t_star) < 0.02
    # Exact expected cost for uniform p is 2 t^2 + (1 - t)^2 / 2, minimal at t = 0.2.
    cost_at = {t: expected_cost(y, p, t, c_fp=1.0, c_fn=4.0) for t in (0.1, 0.2, 0.3, 0.5)}
    for t, value in cost_at.items():
        assert value == pytest.approx(2 * t**2 + (1 - t) ** 2 / 2, abs=0.005)
    assert cost_at[0.2] < min(cost_at[0.1], cost_at[0.3], cost_at[0.5])


# --------------------------------------------------------------------------------------
# Expected cost
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("c", COST_MATRICES)
def test_expected_cost_equals_confusion_matrix_cost(seed, weighted, c):
    y, score, w = tied_data(seed, weighted=weighted)
    for t in (-np.inf, 0.0, 0.3, 0.5, 0.55, 1.0, np.inf):
        pred = (score >= t).astype(int)
        # sklearn's matrix has rows = true, so the cost matrix [pred, true] meets its transpose.
        cm = skm.confusion_matrix(y, pred, labels=[0, 1], sample_weight=w)
        total = np.sum(c * cm.T)
        assert_allclose(expected_cost(y, score, t, cost_matrix=c, sample_weight=w,
                                      normalize=False), total, rtol=1e-12, atol=1e-12)
        assert_allclose(expected_cost(y, score, t, cost_matrix=c, sample_weight=w),
                        total / w.sum(), rtol=1e-12, atol=1e-12)


def test_expected_cost_by_hand():
    y, s = [0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]
    # t = 0.5: sample 1 is a false positive, sample 2 a false negative.
    assert expected_cost(y, s, 0.5, c_fp=1.0, c_fn=5.0) == 6.0 / 4
    assert expected_cost(y, s, 0.5, c_fp=1.0, c_fn=5.0, sample_weight=[1, 3, 1, 1]) == 8 / 6
    assert expected_cost(y, s, np.inf, c_fp=1.0, c_fn=5.0, normalize=False) == 10.0
    assert expected_cost(y, s, 0.4, c_fp=1.0, c_fn=5.0, normalize=False) == 1.0  # >= keeps 0.4
    assert expected_cost(["n", "n", "p", "p"], s, 0.5, c_fp=1.0, c_fn=5.0, pos_label="p") == 1.5


# --------------------------------------------------------------------------------------
# Empirical thresholds: brute force
# --------------------------------------------------------------------------------------


def brute_cost_optimal(y, score, w, c):
    best_t, best_cost = None, np.inf
    for t in candidates(score, w):  # decreasing: strict < keeps the largest on ties
        tn, fp, fn, tp = brute_counts(y, score, w, t)
        cost = c[0, 0] * tn + c[1, 0] * fp + c[0, 1] * fn + c[1, 1] * tp
        if cost < best_cost - 1e-9:
            best_t, best_cost = t, cost
    return best_t, best_cost


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("c", COST_MATRICES)
def test_cost_optimal_threshold_brute_force(seed, weighted, c):
    y, score, w = tied_data(seed, weighted=weighted)
    sample_weight = w if weighted else None
    t = cost_optimal_threshold(y, score, cost_matrix=c, sample_weight=sample_weight)
    t_brute, cost_brute = brute_cost_optimal(y, score, w, c)
    assert t == t_brute
    # No threshold at all (grid between and beyond the scores) is cheaper.
    grid = np.r_[np.linspace(-0.05, 1.05, 221), np.inf]
    costs = [expected_cost(y, score, g, cost_matrix=c, sample_weight=sample_weight,
                           normalize=False) for g in grid]
    assert_allclose(expected_cost(y, score, t, cost_matrix=c, sample_weight=sample_weight,
                                  normalize=False), cost_brute, rtol=1e-12, atol=1e-12)
    assert cost_brute <= min(costs) + 1e-9


def test_cost_optimal_threshold_tie_break_is_the_largest_threshold():
    # y = [1, 0], s = [0.8, 0.3], c_fp = c_fn = 1: t = 0.8 costs 0 (unique minimum).
    assert cost_optimal_threshold([1, 0], [0.8, 0.3], c_fp=1.0, c_fn=1.0) == 0.8
    # y = [0, 1], s = [0.8, 0.3]: inf -> 1 (FN), 0.8 -> 2 (FP + FN), 0.3 -> 1 (FP): a tie
    # between inf and 0.3; the largest threshold, inf (predict nothing), wins.
    assert cost_optimal_threshold([0, 1], [0.8, 0.3], c_fp=1.0, c_fn=1.0) == np.inf


def brute_recall_threshold(y, score, w, target):
    for t in candidates(score, w):  # decreasing: the first feasible is the largest
        tp = brute_counts(y, score, w, t)[3]
        if tp / np.sum(w[y == 1]) >= target:
            return t
    raise AssertionError("recall 1 is always reachable")


def brute_precision_threshold(y, score, w, target):
    feasible = []
    for t in candidates(score, w)[1:]:
        _, fp, _, tp = brute_counts(y, score, w, t)
        if tp / (tp + fp) >= target:
            feasible.append((tp, t))
    if not feasible:
        return None
    best_tp = max(tp for tp, _ in feasible)
    return max(t for tp, t in feasible if tp == best_tp)


TARGETS = [0.0, 0.1, 0.25, 0.5, 0.6, 2 / 3, 0.8, 0.9, 0.95, 1.0]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weighted", [False, True])
def test_threshold_for_recall_and_precision_brute_force(seed, weighted):
    y, score, w = tied_data(seed, weighted=weighted)
    sample_weight = w if weighted else None
    for target in TARGETS:
        t = threshold_for_recall(y, score, target, sample_weight=sample_weight)
        assert t == brute_recall_threshold(y, score, w, target)
        expected = brute_precision_threshold(y, score, w, target)
        if expected is None:
            with pytest.raises(ValueError, match="No threshold reaches precision"):
                threshold_for_precision(y, score, target, sample_weight=sample_weight)
        else:
            assert threshold_for_precision(y, score, target,
                                           sample_weight=sample_weight) == expected


def test_threshold_for_recall_minimises_false_positives_not_maximises_precision():
    # Scores descending 0.9 (neg), 0.8 (pos), 0.7 (pos). Target recall 1/2:
    y, s = np.array([0, 1, 1]), np.array([0.9, 0.8, 0.7])
    t = threshold_for_recall(y, s, 0.5)
    assert t == 0.8  # recall 1/2, precision 1/2, one false positive
    # The lower threshold 0.7 also reaches the target, with the same single false
    # positive but higher precision (2/3): the documented rule is "largest threshold".
    for other in (0.7,):
        assert skm.recall_score(y, s >= other) >= 0.5
        assert skm.precision_score(y, s >= other) > skm.precision_score(y, s >= t)
        assert np.sum((s >= other) & (y == 0)) >= np.sum((s >= t) & (y == 0))


def test_threshold_for_precision_prefers_recall_then_the_largest_threshold():
    # Descending: 1, 0, 1, 1, 0, 0 -> precision 1, 1/2, 2/3, 3/4, 3/5, 1/2.
    y, s = [1, 0, 1, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    assert threshold_for_precision(y, s, 0.75) == 0.6  # recall 1 beats 0.9's recall 1/3
    # Target 0.6: 0.6 (precision 3/4) and 0.5 (3/5) both reach it with recall 1; the
    # larger threshold has one false positive fewer and wins.
    assert threshold_for_precision(y, s, 0.6) == 0.6
    assert threshold_for_precision(y, s, 0.5) == 0.6  # 0.4 (1/2) also has recall 1
    assert threshold_for_precision(y, s, 0.0) == 0.6


def test_threshold_for_precision_raises_when_unreachable():
    with pytest.raises(ValueError, match=r"highest precision any threshold gives is 0\.5"):
        threshold_for_precision([1, 0, 0, 1], [0.9, 0.9, 0.2, 0.2], 0.6)


@settings(max_examples=80, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5), st.integers(0, 3)),
                  min_size=1, max_size=25),
    c_fp=st.integers(0, 5),
    c_fn=st.integers(0, 5),
    target=st.sampled_from(TARGETS),
)
def test_thresholds_property_brute_force(data, c_fp, c_fn, target):
    y, s, w = (np.array(col, dtype=float) for col in zip(*data, strict=True))
    if w.sum() == 0:
        return
    s = s / 5
    c = np.array([[0.0, c_fn], [c_fp, 0.0]])
    assert cost_optimal_threshold(y, s, c_fp=c_fp, c_fn=c_fn,
                                  sample_weight=w) == brute_cost_optimal(y, s, w, c)[0]
    if np.sum(w[y == 1]) == 0:
        with pytest.raises(ValueError, match="no positive samples"):
            threshold_for_recall(y, s, target, sample_weight=w)
        return
    assert threshold_for_recall(y, s, target, sample_weight=w) == brute_recall_threshold(
        y, s, w, target)
    expected = brute_precision_threshold(y, s, w, target)
    if expected is None:
        with pytest.raises(ValueError, match="No threshold reaches"):
            threshold_for_precision(y, s, target, sample_weight=w)
    else:
        assert threshold_for_precision(y, s, target, sample_weight=w) == expected


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: bayes_threshold(), "cost_matrix, or both"),
        (lambda: bayes_threshold(c_fp=1.0), "cost_matrix, or both"),
        (lambda: bayes_threshold([[0, 1], [1, 0]], c_fp=1.0), "not both"),
        (lambda: bayes_threshold([[0, 1, 2], [1, 0, 2]]), r"shape \(2, 2\)"),
        (lambda: bayes_threshold([[0, np.nan], [1, 0]]), "finite"),
        (lambda: bayes_threshold(c_fp=-1.0, c_fn=1.0), "costs less than the right one"),
        (lambda: bayes_threshold([[2, 0], [1, 0]]), "costs less than the right one"),
        (lambda: bayes_threshold(c_fp=0.0, c_fn=0.0), "same as correct"),
        (lambda: expected_cost([0, 1], [0.2, 0.4], np.nan, c_fp=1, c_fn=1), "threshold"),
        (lambda: expected_cost([0, 1], [0.2], 0.5, c_fp=1, c_fn=1), "Inconsistent"),
        (lambda: expected_cost([0, 1, 2], [0.2, 0.4, 0.5], 0.5, c_fp=1, c_fn=1), "binary"),
        (lambda: cost_optimal_threshold([0, 1], [0.2, np.nan], c_fp=1, c_fn=1), "NaN"),
        (lambda: cost_optimal_threshold([], [], c_fp=1, c_fn=1), "empty"),
        (lambda: threshold_for_recall([0, 0], [0.2, 0.4], 0.5), "no positive samples"),
        (lambda: threshold_for_precision([0, 0], [0.2, 0.4], 0.5), "no positive samples"),
        (lambda: threshold_for_recall([0, 1], [0.2, 0.4], 1.5), r"\[0, 1\]"),
        (lambda: threshold_for_precision([0, 1], [0.2, 0.4], -0.1), r"\[0, 1\]"),
    ],
)
def test_bad_input_raises_a_named_valueerror(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_docstring_examples_run():
    result = doctest.testmod(decisions)
    assert result.attempted >= 10
    assert result.failed == 0
