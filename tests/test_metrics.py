"""logreg_ref.metrics against scikit-learn 1.9.1, brute force and high-precision references.

scikit-learn is the peer for every function that has a counterpart; the data
have many tied scores (rounded to one decimal), sample weights (including
zeros) and degenerate cases. Integer results are compared exactly, floats to
rtol 1e-12. Where the conventions deliberately differ (log loss is not clipped
here), the test shows that scikit-learn differs and that logreg_ref matches an
independent high-precision value (Python's ``decimal`` module).
"""

from __future__ import annotations

import doctest
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as sp_softmax
from sklearn.calibration import calibration_curve as sk_calibration_curve
from sklearn.exceptions import UndefinedMetricWarning as SkUndefinedMetricWarning

from logreg_ref import metrics
from logreg_ref.metrics import UndefinedMetricWarning

RTOL = 1e-12


def sk(func, *args, **kwargs):
    """Call a scikit-learn function with its warnings silenced (we test ours separately)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def ours_quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return func(*args, **kwargs)


def binary_data(seed, n=80, weights=None):
    """Binary labels, scores with many ties (one decimal), optional weights with zeros."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), 1)
    if weights == "float":
        w = rng.choice([0.0, 0.25, 1.0, 1.7, 3.0], size=n)
    elif weights == "int":
        w = rng.integers(0, 4, n)
    else:
        w = None
    return y, score, w


SEEDS = range(6)
WEIGHTS = [None, "float", "int"]


# --------------------------------------------------------------------------------------
# Label metrics
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_accuracy_and_confusion_matrix_match_sklearn(seed, weights):
    rng = np.random.default_rng(100 + seed)
    y = rng.integers(0, 4, 50)
    yhat = np.where(rng.random(50) < 0.6, y, rng.integers(0, 4, 50))
    w = binary_data(seed, 50, weights)[2]
    for normalize in (True, False):
        assert_allclose(metrics.accuracy_score(y, yhat, normalize=normalize, sample_weight=w),
                        skm.accuracy_score(y, yhat, normalize=normalize, sample_weight=w),
                        rtol=RTOL)
    ours = metrics.confusion_matrix(y, yhat, sample_weight=w)
    theirs = skm.confusion_matrix(y, yhat, sample_weight=w)
    assert ours.dtype == theirs.dtype
    assert_allclose(ours, theirs, rtol=RTOL)
    labels = [3, 0, 2]  # a permuted subset: rows/columns in this order, others dropped
    assert_allclose(metrics.confusion_matrix(y, yhat, labels=labels, sample_weight=w),
                    skm.confusion_matrix(y, yhat, labels=labels, sample_weight=w), rtol=RTOL)
    for normalize in ("true", "pred", "all"):
        assert_allclose(
            metrics.confusion_matrix(y, yhat, sample_weight=w, normalize=normalize),
            skm.confusion_matrix(y, yhat, sample_weight=w, normalize=normalize), rtol=RTOL)


def test_confusion_matrix_layout_rows_true_columns_predicted():
    # One sample: true 0, predicted 1 -> it is a false positive at row 0, column 1.
    cm = metrics.confusion_matrix([0, 1, 1], [1, 1, 1])
    assert cm.tolist() == [[0, 1], [0, 2]]
    tn, fp, fn, tp = cm.ravel().tolist()
    assert (tn, fp, fn, tp) == (0, 1, 0, 2)
    # A label that occurs in no sample still gets its (zero) row and column.
    assert metrics.confusion_matrix([0, 0], [0, 0], labels=[0, 1]).tolist() == [[2, 0], [0, 0]]
    # Labels are sorted, strings too.
    cm = metrics.confusion_matrix(["b", "a", "b"], ["b", "b", "b"])
    assert_array_equal(cm, skm.confusion_matrix(["b", "a", "b"], ["b", "b", "b"]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
def test_prf_binary_matches_sklearn(seed, weights, name):
    y, score, w = binary_data(seed, 60, weights)
    yhat = (score >= 0.5).astype(int)
    for pos_label in (1, 0):
        ours = getattr(metrics, name)(y, yhat, pos_label=pos_label, sample_weight=w)
        theirs = getattr(skm, name)(y, yhat, pos_label=pos_label, sample_weight=w)
        assert_allclose(ours, theirs, rtol=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
@pytest.mark.parametrize("average", ["macro", "weighted", "micro", None])
def test_prf_multiclass_averages_match_sklearn(seed, weights, name, average):
    rng = np.random.default_rng(200 + seed)
    classes = np.array(["ant", "bee", "cat", "dog"])
    y = classes[rng.integers(0, 4, 40)]
    yhat = np.where(rng.random(40) < 0.5, y, classes[rng.integers(0, 3, 40)])  # "dog" rare
    w = binary_data(seed, 40, weights)[2]
    for zero_division in ("warn", 0.0, 1.0, np.nan):
        kwargs = dict(average=average, sample_weight=w, zero_division=zero_division)
        ours = ours_quiet(getattr(metrics, name), y, yhat, **kwargs)
        theirs = sk(getattr(skm, name), y, yhat, **kwargs)
        assert_allclose(ours, theirs, rtol=RTOL)
    # labels= restricts (and orders) the classes averaged over
    kwargs = dict(average=average, sample_weight=w, labels=["dog", "ant"], zero_division=0.0)
    assert_allclose(getattr(metrics, name)(y, yhat, **kwargs),
                    sk(getattr(skm, name), y, yhat, **kwargs), rtol=RTOL)


def test_prf_by_hand():
    # y    = 0 1 1 0 1 ; yhat = 1 1 1 0 0  ->  TP 2, FP 1, FN 1, TN 1
    y, yhat = [0, 1, 1, 0, 1], [1, 1, 1, 0, 0]
    assert metrics.precision_score(y, yhat) == 2 / 3
    assert metrics.recall_score(y, yhat) == 2 / 3
    assert metrics.f1_score(y, yhat) == 4 / 6
    # Weighted: the FP sample (index 0) counts 3 times -> precision 2 / (2 + 3)
    assert metrics.precision_score(y, yhat, sample_weight=[3, 1, 1, 1, 1]) == 2 / 5


# Zero division: (y_true, y_pred, which metrics are undefined)
ZERO_DIVISION_CASES = [
    ([0, 0, 1], [0, 0, 0], {"precision_score"}),  # nothing predicted positive
    ([0, 0, 0], [1, 0, 0], {"recall_score"}),  # no positive in y_true
    ([0, 0, 0], [0, 0, 0], {"precision_score", "recall_score", "f1_score"}),  # neither
]


@pytest.mark.parametrize("y, yhat, undefined", ZERO_DIVISION_CASES)
@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
def test_zero_division_convention(y, yhat, undefined, name):
    ours, theirs = getattr(metrics, name), getattr(skm, name)
    if name in undefined:
        # Default: 0.0 with logreg_ref's own UndefinedMetricWarning (and so does sklearn).
        with pytest.warns(UndefinedMetricWarning, match="ill-defined"):
            assert ours(y, yhat) == 0.0
        with pytest.warns(SkUndefinedMetricWarning):
            assert theirs(y, yhat) == 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # explicit values are silent
            assert ours(y, yhat, zero_division=0.0) == 0.0
            assert ours(y, yhat, zero_division=1.0) == 1.0
            assert np.isnan(ours(y, yhat, zero_division=np.nan))
        for value in (0.0, 1.0, np.nan):
            assert_allclose(ours(y, yhat, zero_division=value),
                            sk(theirs, y, yhat, zero_division=value))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # defined: no warning, zero_division irrelevant
            values = {ours(y, yhat, zero_division=v) for v in ("warn", 0.0, 1.0)}
        assert len(values) == 1
        assert_allclose(values.pop(), sk(theirs, y, yhat))


def test_f1_defined_when_only_precision_is_undefined():
    # No positive predictions but positives exist: P undefined, R = 0, F1 = 2TP/(...) = 0.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.f1_score([0, 1, 1], [0, 0, 0], zero_division=1.0) == 0.0
    assert sk(skm.f1_score, [0, 1, 1], [0, 0, 0], zero_division=1.0) == 0.0


def test_zero_division_nan_is_left_out_of_macro_average():
    y, yhat = [0, 1, 2, 2], [0, 0, 2, 2]  # class 1 is never predicted
    per_class = metrics.precision_score(y, yhat, average=None, zero_division=np.nan)
    assert_allclose(per_class, [0.5, np.nan, 1.0])
    assert metrics.precision_score(y, yhat, average="macro", zero_division=np.nan) == 0.75
    assert sk(skm.precision_score, y, yhat, average="macro", zero_division=np.nan) == 0.75


# --------------------------------------------------------------------------------------
# Curves and areas
# --------------------------------------------------------------------------------------


def assert_curves_equal(ours, theirs, exact=False):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape
        if exact:
            assert_array_equal(a, b)
        else:
            assert_allclose(a, b, rtol=RTOL, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_roc_and_pr_curves_match_sklearn(seed, weights, drop_intermediate):
    y, score, w = binary_data(seed, 80, weights)
    kwargs = dict(sample_weight=w, drop_intermediate=drop_intermediate)
    # Same operations in the same order (stable descending sort, cumulative sums), so the
    # weighted counts and rates agree bit for bit; that also keeps drop_intermediate's
    # exact-zero tests on second differences in step with sklearn.
    assert_curves_equal(metrics.roc_curve(y, score, **kwargs), skm.roc_curve(y, score, **kwargs),
                        exact=True)
    assert_curves_equal(metrics.precision_recall_curve(y, score, **kwargs),
                        skm.precision_recall_curve(y, score, **kwargs), exact=True)
    assert_allclose(metrics.roc_auc_score(y, score, sample_weight=w),
                    skm.roc_auc_score(y, score, sample_weight=w), rtol=RTOL)
    assert_allclose(metrics.average_precision_score(y, score, sample_weight=w),
                    skm.average_precision_score(y, score, sample_weight=w), rtol=RTOL)


def test_zero_weight_samples_are_removed_before_the_thresholds():
    y, score = np.array([0, 1, 1, 0, 1]), np.array([0.2, 0.7, 0.45, 0.3, 0.9])
    w = np.array([1.0, 2.0, 0.0, 1.0, 1.0])  # 0.45 is held only by a zero-weight sample
    for curve in (metrics.roc_curve, metrics.precision_recall_curve):
        kwargs = dict(drop_intermediate=False)
        with_zero = curve(y, score, sample_weight=w, **kwargs)
        removed = curve(y[w > 0], score[w > 0], sample_weight=w[w > 0], **kwargs)
        assert_curves_equal(with_zero, removed)
        assert 0.45 not in with_zero[2]
        assert_curves_equal(with_zero, getattr(skm, curve.__name__)(y, score, sample_weight=w,
                                                                    **kwargs))


def test_roc_curve_conventions():
    y, score = [0, 0, 1, 1, 1], [0.2, 0.5, 0.5, 0.9, 0.1]
    fpr, tpr, thr = metrics.roc_curve(y, score, drop_intermediate=False)
    assert thr[0] == np.inf and fpr[0] == 0 and tpr[0] == 0
    assert np.all(np.diff(thr) < 0)
    # Predicted positive iff score >= threshold: recount each point by brute force.
    y, score = np.array(y), np.array(score)
    for f, t, c in zip(fpr, tpr, thr, strict=True):
        pred = score >= c
        assert f == np.sum(pred & (y == 0)) / 2
        assert t == np.sum(pred & (y == 1)) / 3


def test_pr_curve_conventions_sklearn_1_9():
    y, score = np.array([0, 1, 1, 0, 1, 0]), np.array([0.1, 0.4, 0.4, 0.8, 0.9, 0.2])
    precision, recall, thr = metrics.precision_recall_curve(y, score)
    assert precision.shape == recall.shape == (thr.shape[0] + 1,)
    assert precision[-1] == 1.0 and recall[-1] == 0.0  # the extra point, no threshold
    assert_array_equal(thr, np.unique(score))  # all distinct scores, increasing, none cut
    for p, r, c in zip(precision[:-1], recall[:-1], thr, strict=True):
        pred = score >= c
        assert p == np.sum(pred & (y == 1)) / np.sum(pred)
        assert r == np.sum(pred & (y == 1)) / 3


def test_pr_drop_intermediate_keeps_ends_of_each_recall_run():
    # Scores descending with labels 1,0,0,0,1: the TP count is 1,1,1,1,2.
    y, score = [1, 0, 0, 0, 1], [0.9, 0.8, 0.7, 0.6, 0.5]
    p_all, r_all, t_all = metrics.precision_recall_curve(y, score)
    p, r, t = metrics.precision_recall_curve(y, score, drop_intermediate=True)
    assert_array_equal(t, [0.5, 0.6, 0.9])  # 0.7 and 0.8 lie inside the recall-1/2 run
    kept = np.isin(t_all, t)  # the kept points are unchanged
    assert_array_equal(p, np.r_[p_all[:-1][kept], 1.0])
    assert_array_equal(r, np.r_[r_all[:-1][kept], 0.0])
    assert_curves_equal((p, r, t), skm.precision_recall_curve(y, score, drop_intermediate=True))
    assert metrics.average_precision_score(y, score) == 0.5 * 1 + 0.5 * 0.4


def test_average_precision_is_step_sum_not_trapezoid():
    y, score = [0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.6, 0.2]
    precision, recall, _ = metrics.precision_recall_curve(y, score)
    step = -np.sum(np.diff(recall) * precision[:-1])
    trapezoid = -np.sum(np.diff(recall) * (precision[1:] + precision[:-1]) / 2)
    ap = metrics.average_precision_score(y, score)
    assert ap == pytest.approx(step, rel=1e-15)
    assert abs(ap - trapezoid) > 1e-3
    assert_allclose(ap, skm.average_precision_score(y, score), rtol=RTOL)


def brute_force_auc(y, s, w):
    """Weighted Mann-Whitney: P(score_pos > score_neg) + P(tie) / 2 over weighted pairs."""
    pos, neg = y == 1, y == 0
    diff = s[pos][:, None] - s[neg][None, :]
    pair_w = w[pos][:, None] * w[neg][None, :]
    return np.sum(pair_w * ((diff > 0) + 0.5 * (diff == 0))) / pair_w.sum()


def brute_force_ap(y, s, w):
    """AP = sum over distinct thresholds (descending) of (R_n - R_{n-1}) P_n."""
    ap, previous_recall = 0.0, 0.0
    for t in np.unique(s[w > 0])[::-1]:
        pred = (s >= t) & (w > 0)
        tp = np.sum(w[pred & (y == 1)])
        recall = tp / np.sum(w[y == 1])
        ap += (recall - previous_recall) * tp / np.sum(w[pred])
        previous_recall = recall
    return ap


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 6), st.sampled_from([0.0, 0.5, 1.0, 2.0])),
        min_size=2, max_size=30,
    )
)
def test_auc_and_ap_equal_brute_force(data):
    y, s, w = (np.array(c, dtype=float) for c in zip(*data, strict=True))
    s = s / 6  # many ties
    if np.sum(w[y == 1]) == 0 or np.sum(w[y == 0]) == 0:
        return  # needs both classes with weight
    assert_allclose(metrics.roc_auc_score(y, s, sample_weight=w), brute_force_auc(y, s, w),
                    rtol=1e-12)
    assert_allclose(metrics.average_precision_score(y, s, sample_weight=w),
                    brute_force_ap(y, s, w), rtol=1e-12)


@pytest.mark.parametrize("max_fpr", [0.1, 0.25, 0.5, 0.99])
@pytest.mark.parametrize("weights", [None, "float"])
def test_partial_auc_matches_sklearn(max_fpr, weights):
    y, score, w = binary_data(7, 80, weights)
    assert_allclose(metrics.roc_auc_score(y, score, sample_weight=w, max_fpr=max_fpr),
                    skm.roc_auc_score(y, score, sample_weight=w, max_fpr=max_fpr), rtol=RTOL)


def test_string_labels_and_pos_label():
    y = np.array(["spam", "ham", "spam", "ham", "spam"])
    score = np.array([0.9, 0.2, 0.4, 0.4, 0.7])
    assert_curves_equal(metrics.roc_curve(y, score, pos_label="spam"),
                        skm.roc_curve(y, score, pos_label="spam"))
    assert_curves_equal(metrics.precision_recall_curve(y, score, pos_label="ham"),
                        skm.precision_recall_curve(y, score, pos_label="ham"))
    # roc_auc_score takes the greater label ("spam") as positive, as sklearn does.
    assert metrics.roc_auc_score(y, score) == skm.roc_auc_score(y, score)
    assert_allclose(metrics.average_precision_score(y, score, pos_label="spam"),
                    skm.average_precision_score(y, score, pos_label="spam"), rtol=RTOL)


def test_degenerate_curves():
    score = np.array([0.3, 0.3, 0.8])
    # No positives: tpr undefined (NaN, warning); PR recall set to 1; AP 0; AUC NaN.
    y = np.zeros(3, dtype=int)
    with pytest.warns(UndefinedMetricWarning, match="No positive"):
        ours = metrics.roc_curve(y, score)
    assert np.all(np.isnan(ours[1]))
    assert_curves_equal(ours, sk(skm.roc_curve, y, score))
    with pytest.warns(UndefinedMetricWarning, match="No positive"):
        ours = metrics.precision_recall_curve(y, score)
    assert_curves_equal(ours, sk(skm.precision_recall_curve, y, score))
    assert ours_quiet(metrics.average_precision_score, y, score) == 0.0
    assert sk(skm.average_precision_score, y, score) == 0.0
    with pytest.warns(UndefinedMetricWarning, match="one class"):
        assert np.isnan(metrics.roc_auc_score(y, score))
    assert np.isnan(sk(skm.roc_auc_score, y, score))
    # No negatives: fpr undefined; AP 1.
    y = np.ones(3, dtype=int)
    with pytest.warns(UndefinedMetricWarning, match="No negative"):
        ours = metrics.roc_curve(y, score)
    assert np.all(np.isnan(ours[0]))
    assert_curves_equal(ours, sk(skm.roc_curve, y, score))
    assert metrics.average_precision_score(y, score) == 1.0 == skm.average_precision_score(
        y, score)
    # All scores tied: a single threshold, AUC 1/2.
    y = np.array([0, 1, 0, 1])
    assert_curves_equal(metrics.roc_curve(y, np.full(4, 0.5)), skm.roc_curve(y, np.full(4, 0.5)))
    assert metrics.roc_auc_score(y, np.full(4, 0.5)) == 0.5
    # A single sample.
    assert_curves_equal(metrics.precision_recall_curve([1], [0.7]),
                        skm.precision_recall_curve([1], [0.7]))
    assert_curves_equal(ours_quiet(metrics.roc_curve, [1], [0.7]),
                        sk(skm.roc_curve, [1], [0.7]))


# --------------------------------------------------------------------------------------
# Probabilistic losses
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_log_loss_and_brier_match_sklearn_binary(seed, weights):
    y, _, w = binary_data(seed, 70, weights)
    p = np.random.default_rng(seed).uniform(0.001, 0.999, 70)
    for normalize in (True, False):
        assert_allclose(metrics.log_loss(y, p, normalize=normalize, sample_weight=w),
                        skm.log_loss(y, p, normalize=normalize, sample_weight=w), rtol=RTOL)
    assert_allclose(metrics.brier_score_loss(y, p, sample_weight=w),
                    skm.brier_score_loss(y, p, sample_weight=w), rtol=RTOL)
    assert_allclose(metrics.brier_score_loss(y, p, sample_weight=w, scale_by_half=False),
                    skm.brier_score_loss(y, p, sample_weight=w, scale_by_half=False), rtol=RTOL)
    # pos_label=0: p is then the probability of class 0
    assert_allclose(metrics.brier_score_loss(y, 1 - p, pos_label=0, sample_weight=w),
                    skm.brier_score_loss(y, 1 - p, pos_label=0, sample_weight=w), rtol=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_log_loss_and_brier_match_sklearn_multiclass(seed, weights):
    rng = np.random.default_rng(300 + seed)
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 70)]
    P = sp_softmax(rng.normal(size=(70, 3)) * 2, axis=1)
    w = binary_data(seed, 70, weights)[2]
    assert_allclose(metrics.log_loss(y, P, sample_weight=w),
                    skm.log_loss(y, P, sample_weight=w), rtol=RTOL)
    for scale in ("auto", True, False):
        assert_allclose(metrics.brier_score_loss(y, P, sample_weight=w, scale_by_half=scale),
                        skm.brier_score_loss(y, P, sample_weight=w, scale_by_half=scale),
                        rtol=RTOL)
    # A class missing from y_true is declared through labels=
    y01 = np.where(y == "c", "a", y)
    assert_allclose(metrics.log_loss(y01, P, labels=["a", "b", "c"]),
                    skm.log_loss(y01, P, labels=["a", "b", "c"]), rtol=RTOL)
    # Logits: the same loss as log_loss on the softmax probabilities.
    Z = np.log(P) + rng.normal(size=(70, 1))  # a per-row shift leaves softmax unchanged
    assert_allclose(metrics.log_loss_from_logits(y, Z, sample_weight=w),
                    skm.log_loss(y, P, sample_weight=w), rtol=1e-12)


def test_log_loss_is_not_clipped_unlike_sklearn():
    # A probability of exactly 0 for the true class: inf here, -log(eps)/2 = 18.02 in sklearn.
    assert metrics.log_loss([1, 0], [0.0, 0.0]) == np.inf
    assert skm.log_loss([1, 0], [0.0, 0.0]) == pytest.approx(-np.log(np.finfo(float).eps) / 2)
    # Below eps the loss counts in full: -log(1e-20) = 46.05, not sklearn's cap 36.04.
    assert metrics.log_loss([1, 0], [1e-20, 0.5]) == pytest.approx((-np.log(1e-20) + np.log(2))
                                                                  / 2, rel=1e-15)
    assert skm.log_loss([1, 0], [1e-20, 0.5]) < 19
    # 0 * log(0) does not occur: a certain and right prediction costs nothing.
    assert metrics.log_loss([1, 0], [1.0, 0.0]) == 0.0
    # A zero-weight sample with an infinite loss is left out, not 0 * inf = nan.
    assert metrics.log_loss([1, 0], [0.0, 0.5], sample_weight=[0, 1]) == np.log(2)


def softplus_reference(u):
    """log(1 + e^u) for a float u, with 60 significant digits (Python's decimal)."""
    with localcontext() as ctx:
        ctx.prec = 60
        u = Decimal(float(u))  # exact
        x = (-abs(u)).exp()  # underflows to 0 for |u| beyond about 1e18 digits: harmless
        log1p = x - x * x / 2 + x * x * x / 3 if x < Decimal("1e-20") else (1 + x).ln()
        return float(max(u, Decimal(0)) + log1p)


def lse_loss_reference(row, k):
    """logsumexp(row) - row[k] with 60 digits."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = [Decimal(float(v)) for v in row]
        m = max(d)
        total = sum((v - m).exp() for v in d)
        return float((m - d[k]) + total.ln())  # m - d[k] first: 1e308 has 309 digits


EXTREME_LOGITS = [0.0, 1e-10, 0.5, 2.0, 20.0, 36.0, 37.0, 40.0, 100.0, 700.0, 709.0, 710.0,
                  745.0, 1000.0, 1e5, 1e300, 1e308]


@pytest.mark.parametrize("z", [s * v for v in EXTREME_LOGITS for s in (1.0, -1.0)])
def test_log_loss_from_logits_exact_in_the_tails(z):
    for y in (0, 1):
        ours = metrics.log_loss_from_logits([y], [z], labels=[0, 1])
        ref = softplus_reference(z if y == 0 else -z)
        assert_allclose(ours, ref, rtol=4e-16, atol=5e-324 * 4)


def test_log_loss_from_logits_vs_sklearn_clipping():
    # A confident wrong logit: the loss is ~|z|; sklearn's clip caps it at -log(eps) = 36.04.
    z = np.array([-50.0, 60.0])
    y = np.array([1, 0])
    ours = metrics.log_loss_from_logits(y, z)
    assert_allclose(ours, (softplus_reference(50.0) + softplus_reference(60.0)) / 2, rtol=1e-15)
    theirs = skm.log_loss(y, expit(z))
    assert theirs == pytest.approx(-np.log(np.finfo(float).eps), rel=1e-6)
    assert ours - theirs > 18
    # A confident right logit: e^-40 = 4.2e-18, not 0 and not sklearn's eps-sized floor.
    assert_allclose(metrics.log_loss_from_logits([1], [40.0], labels=[0, 1]),
                    np.exp(-40.0), rtol=1e-15)
    assert sk(skm.log_loss, [1], expit([40.0]), labels=[0, 1]) > 1e-16
    # Where nothing is clipped the two agree.
    z = np.random.default_rng(0).normal(scale=3, size=50)
    y = (np.random.default_rng(1).random(50) < expit(z)).astype(int)
    assert_allclose(metrics.log_loss_from_logits(y, z), skm.log_loss(y, expit(z)), rtol=1e-12)


def test_log_loss_from_logits_mean_does_not_overflow():
    # Two losses of 1e308 sum to inf in float64; their mean, 1e308, is representable.
    assert metrics.log_loss_from_logits([0, 0], [1e308, 1e308]) == 1e308
    assert metrics.log_loss_from_logits([0, 0], [1e308, 1e308], normalize=False) == np.inf


def test_log_loss_from_logits_multiclass_extreme():
    Z = np.array([[1e308, -1e308, 0.0], [1000.0, 999.0, -5.0], [-40.0, 0.0, 3.0],
                  [0.0, 0.0, 0.0], [1e-300, 2e-300, -1e-300]])
    for k in range(3):
        y = np.full(Z.shape[0], k)
        for i in range(Z.shape[0]):
            ours = metrics.log_loss_from_logits(y[i:i + 1], Z[i:i + 1], labels=[0, 1, 2])
            ref = lse_loss_reference(Z[i], k) if not (i == 0 and k == 1) else np.inf
            assert_allclose(ours, ref, rtol=4e-16, atol=1e-300)
    # Binary logits z equal two-class logits (0, z).
    z = np.array([-800.0, -40.0, -1.0, 0.0, 3.0, 40.0, 1e308])
    y = np.array([1, 0, 1, 0, 1, 1, 0])
    assert_allclose(metrics.log_loss_from_logits(y, z),
                    metrics.log_loss_from_logits(y, np.column_stack([np.zeros_like(z), z])),
                    rtol=1e-15)


# --------------------------------------------------------------------------------------
# Calibration curve
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [1, 3, 5, 10])
def test_calibration_curve_matches_sklearn(seed, strategy, n_bins):
    y, score, _ = binary_data(seed, 90)
    # Scores on the 0.1 grid hit the uniform edges exactly: the bin rule matters.
    for probs in (score, np.random.default_rng(seed).random(90)):
        ours = metrics.calibration_curve(y, probs, n_bins=n_bins, strategy=strategy)
        theirs = sk_calibration_curve(y, probs, n_bins=n_bins, strategy=strategy)
        assert_curves_equal(ours, theirs)


def test_calibration_curve_edges_go_to_the_lower_bin():
    # With two bins the edge is 0.5; p = 0.5 belongs to the first bin (e_0, e_1].
    prob_true, prob_pred = metrics.calibration_curve([1, 0, 1], [0.5, 0.0, 1.0], n_bins=2)
    assert_array_equal(prob_pred, [0.25, 1.0])
    assert_array_equal(prob_true, [0.5, 1.0])


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: metrics.accuracy_score([0, 1], [0, 1, 1]), "Inconsistent numbers of samples"),
        (lambda: metrics.roc_curve([0, 1, 1], [0.1, 0.2]), "Inconsistent numbers of samples"),
        (lambda: metrics.log_loss([0, 1], [0.5, 0.5, 0.5]), "Inconsistent numbers"),
        (lambda: metrics.accuracy_score([], []), "empty"),
        (lambda: metrics.roc_auc_score([], []), "empty"),
        (lambda: metrics.roc_curve([0, 1], [0.1, np.nan]), "NaN"),
        (lambda: metrics.accuracy_score([0.0, np.nan], [0, 1]), "NaN"),
        (lambda: metrics.log_loss([0, 1], [0.1, np.nan]), "NaN"),
        (lambda: metrics.log_loss_from_logits([0, 1], [0.1, np.inf]), "NaN or infinity"),
        (lambda: metrics.roc_curve([0, 1, 2], [0.1, 0.2, 0.3]), "binary"),
        (lambda: metrics.average_precision_score([0, 1, 2], [0.1, 0.2, 0.3]), "binary"),
        (lambda: metrics.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3]), "binary"),
        (lambda: metrics.calibration_curve([0, 1, 2], [0.1, 0.2, 0.3]), "binary"),
        (lambda: metrics.precision_score([0, 1, 2], [0, 1, 1]), "average='binary'"),
        (lambda: metrics.roc_curve(["a", "b"], [0.1, 0.2]), "pos_label"),
        (lambda: metrics.roc_curve([0, 2], [0.1, 0.2]), "pos_label"),
        (lambda: metrics.precision_score([0, 2], [0, 2]), "pos_label=1 is not a valid label"),
        (lambda: metrics.accuracy_score([0, 1], [0.2, 0.9]), "non-integer values"),
        (lambda: metrics.accuracy_score(["a", "b"], [0, 1]), "different types"),
        (lambda: metrics.accuracy_score([[0, 1]], [[0, 1]]), "1-D"),
        (lambda: metrics.log_loss([0, 1], [0.2, 1.2]), "outside"),
        (lambda: metrics.brier_score_loss([0, 1], [-0.1, 0.5]), "outside"),
        (lambda: metrics.log_loss([0, 1], [[0.2, 0.7], [0.5, 0.5]]), "sum to one"),
        (lambda: metrics.log_loss([0, 1, 2], [0.2, 0.3, 0.4]), "1-D"),
        (lambda: metrics.log_loss([0, 1, 1], np.full((3, 3), 1 / 3)), "labels="),
        (lambda: metrics.log_loss([5, 5], [0.2, 0.3]), "only one label"),
        (lambda: metrics.calibration_curve([0, 1], [0.2, 1.3]), "outside"),
        (lambda: metrics.calibration_curve([0, 1], [0.2, 0.3], n_bins=0), "n_bins"),
        (lambda: metrics.calibration_curve([0, 1], [0.2, 0.3], strategy="x"), "strategy"),
        (lambda: metrics.f1_score([0, 1], [0, 1], zero_division="nan"), "zero_division"),
        (lambda: metrics.f1_score([0, 1], [0, 1], average="samples"), "average"),
        (lambda: metrics.accuracy_score([0, 1], [0, 1], sample_weight=[1, -1]), "negative"),
        (lambda: metrics.accuracy_score([0, 1], [0, 1], sample_weight=[0, 0]), "sums to zero"),
        (lambda: metrics.accuracy_score([0, 1], [0, 1], sample_weight=[1]), "sample_weight"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[5]), "None of the labels"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], labels=[0, 0]), "duplicates"),
        (lambda: metrics.roc_auc_score([0, 1], [0.1, 0.2], max_fpr=0), "max_fpr"),
    ],
)
def test_bad_input_raises_a_named_valueerror(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_docstring_examples_run():
    result = doctest.testmod(metrics, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15
    assert result.failed == 0
