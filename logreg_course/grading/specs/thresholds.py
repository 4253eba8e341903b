"""Checks of 04-thresholds: counts, precision/recall/F1, ROC and AUC, costs, thresholds.

Conventions (the notebook's docstrings say the same): labels are 0/1 with 1 the
positive class; a sample is **predicted positive iff score >= threshold**
(scikit-learn's ``roc_curve`` and ``FixedThresholdClassifier``); a ratio whose
denominator is 0 is **0.0** (scikit-learn's default value, without its
warning); cost matrices are indexed ``cost_matrix[pred, true]`` as in
``logreg_ref.decisions``.

Tolerances (why these numbers):

* **exact** for counts, labels and thresholds: they are integers, or values
  picked from the scores themselves, so any correct method returns the same
  floats bit for bit;
* **rtol 1e-12** for precision, recall, F1, the ROC rates, the AUC and the
  mean cost: each is one or two divisions of sums of integers (or of a few
  hundred pairwise comparisons), exact up to a couple of roundings;
* **rtol 1e-12** for the Bayes threshold: two subtractions and a division.

Ties are deliberate: the random scores are rounded to two decimals, so many
scores are equal to each other and to the thresholds tried, which is where
``>`` and ``>=`` (and the AUC's half-counted ties) part company.
"""

from __future__ import annotations

import math

import numpy as np

from .. import reference as ref
from .. import values
from ..calls import Call
from ..checks import (
    SIGMOID_PREAMBLE,
    AssignmentSpec,
    Fail,
    as_array,
    as_float,
    as_pair,
    assert_close,
    assert_equal,
    expect_raises,
)

SPEC = AssignmentSpec("04-thresholds", preamble=SIGMOID_PREAMBLE)
check = SPEC.check


def _problem(rng, n=200, decimals=2):
    """Labels with both classes and informative scores in [0, 1], rounded (ties)."""
    y = rng.permutation(np.r_[np.ones(n // 3), np.zeros(n - n // 3)])
    z = 1.5 * (2 * y - 1) + rng.normal(scale=1.5, size=n)
    return y, np.round(ref.sigmoid(z), decimals)


def _strict_counts(y, s, t):
    pred = s > t
    return (int(np.sum(~pred & (y == 0))), int(np.sum(pred & (y == 0))),
            int(np.sum(~pred & (y == 1))), int(np.sum(pred & (y == 1))))


# --- Part A: confusion counts -------------------------------------------------------------------
def _counts(out, what):
    items = as_pair(out.value, what, n=4)
    counts = []
    for name, item in zip(("tn", "fp", "fn", "tp"), items, strict=True):
        v = as_float(item, f"{name}, in {what}")
        if v != int(v):
            raise Fail(f"{what}: {name} = {v} is not a whole number; it should be a count.")
        counts.append(int(v))
    return tuple(counts)


@check("confusion_values", points=2, functions=("confusion_counts",),
       summary="confusion_counts(y, scores, t) = (tn, fp, fn, tp) for score >= t, ties included")
def confusion_values(ctx):
    cases = []
    for y, s in ctx.streams("confusion_values", _problem):
        cases += [(y, s, float(t)) for t in (0.5, s[3], s[17], 0.2, 0.83)]

    def verify(outcomes):
        for (y, s, t), out in zip(cases, outcomes, strict=True):
            what = f"confusion_counts(y, scores, {t:g})"
            got, expected = _counts(out, what), ref.confusion_counts(y, s, t)
            if got == expected:
                continue
            if got == _strict_counts(y, s, t):
                raise Fail(f"{what}: it looks like you predicted positive for score > t; a "
                           "score equal to the threshold is positive (score >= t).")
            tn, fp, fn, tp = expected
            if got in ((tn, fn, fp, tp), (tp, fn, fp, tn), (tp, fp, fn, tn)):
                raise Fail(f"{what}: the counts are in the wrong order or roles; return "
                           "(tn, fp, fn, tp): fp = negatives predicted positive, fn = "
                           "positives predicted negative.")
            raise Fail(f"{what}: the counts are wrong.")
    return [Call("confusion_counts", case) for case in cases], verify


@check("confusion_edges", points=1, functions=("confusion_counts",),
       summary="confusion_counts at t = inf and -inf, with boolean labels and one class only")
def confusion_edges(ctx):
    y, s = _problem(ctx.rng("confusion_edges", True), n=60)
    # 0.505 is off the scores' 0.01 grid: this cell is about the edges, not about ties
    cases = [(y, s, np.inf), (y, s, -np.inf), (y.astype(bool), s, 0.505),
             (np.zeros(len(y)), s, 0.505), (np.ones(len(y)), s, 0.505)]

    def verify(outcomes):
        for (yy, ss, t), out in zip(cases, outcomes, strict=True):
            what = f"confusion_counts(y, scores, {t:g}) with y of dtype {yy.dtype}"
            if yy.min() == yy.max():
                what += f" and only the class {int(yy[0])}"
            got = _counts(out, what)
            if got != ref.confusion_counts(yy, ss, t):
                raise Fail(f"{what}: the counts are wrong (threshold inf predicts nothing "
                           "positive, -inf everything; a class may be absent).")
    return [Call("confusion_counts", case) for case in cases], verify


# --- Part B: precision, recall, F1 --------------------------------------------------------------
def _prf(out, what):
    items = as_pair(out.value, what, n=3)
    return np.array([as_float(v, f"{name}, in {what}")
                     for name, v in zip(("precision", "recall", "f1"), items, strict=True)])


@check("prf_values", points=2, functions=("precision_recall_f1",),
       summary="precision_recall_f1(y, scores, t) on random data (rtol 1e-12)")
def prf_values(ctx):
    cases = []
    for y, s in ctx.streams("prf_values", _problem):
        cases += [(y, s, t) for t in (0.3, float(s[5]), 0.72)]  # s[5]: a tie at t

    def verify(outcomes):
        for (y, s, t), out in zip(cases, outcomes, strict=True):
            what = f"precision_recall_f1(y, scores, {t:g})"
            got = _prf(out, what)
            p, r, f = ref.precision_recall_f1(y, s, t)
            assert_close(got, [p, r, f], what, rtol=1e-12, hints=[
                ("precision and recall are swapped: precision = tp / (tp + fp), recall = "
                 "tp / (tp + fn)", [r, p, f]),
                ("F1 is the arithmetic mean of precision and recall; it is the harmonic mean, "
                 "2 tp / (2 tp + fp + fn)", [p, r, (p + r) / 2])])
    return [Call("precision_recall_f1", case) for case in cases], verify


@check("prf_zero_division", points=1, functions=("precision_recall_f1",),
       summary="precision_recall_f1 returns 0.0, with no warning, where a denominator is 0")
def prf_zero_division(ctx):
    y, s = _problem(ctx.rng("prf_zero_division", True), n=40)
    cases = [(y, s, np.inf), (np.zeros(len(y)), s, 0.5), (np.zeros(len(y)), s, np.inf)]
    labels = ["nothing predicted positive", "no positive labels",
              "no positive labels and nothing predicted positive"]

    def verify(outcomes):
        for (yy, ss, t), out, label in zip(cases, outcomes, labels, strict=True):
            what = f"precision_recall_f1 with {label}"
            if isinstance(out.value, values.Raised) and out.value.exc_type in (
                    "FloatingPointError", "ZeroDivisionError"):
                raise Fail(f"{what} divides 0 by 0. The convention is 0.0 there: test the "
                           "denominator before dividing.")
            if out.warnings:
                raise Fail(f"{what} warned '{out.warnings[0]}': test the denominator before "
                           "dividing instead of dividing 0 by 0.")
            got = _prf(out, what)
            if np.any(np.isnan(got)):
                raise Fail(f"{what} returned nan; the convention is 0.0 where a denominator "
                           "is 0.")
            assert_close(got, ref.precision_recall_f1(yy, ss, t), what, rtol=1e-12)
    return [Call("precision_recall_f1", case, strict=True) for case in cases], verify


# --- Part C: ROC curve and AUC ------------------------------------------------------------------
@check("roc_points_values", points=2, functions=("roc_points",),
       summary="roc_points(y, scores) = (fpr, tpr, thresholds) at inf and every distinct score")
def roc_points_values(ctx):
    cases = ctx.streams("roc_points_values", lambda r: _problem(r, n=150))

    def verify(outcomes):
        for (y, s), out in zip(cases, outcomes, strict=True):
            what = "roc_points(y, scores)"
            fpr, tpr, thr = ref.roc_points(y, s)
            got = as_pair(out.value, what, n=3)
            g_thr = as_array(got[2], f"the thresholds from {what}")
            if g_thr.shape == thr.shape and np.array_equal(g_thr, thr[::-1]):
                raise Fail(f"{what}: the thresholds should decrease, from inf (nothing "
                           "positive, the point (0, 0)) to the smallest score.")
            if g_thr.shape != thr.shape:
                hint = (" Start with threshold inf." if g_thr.shape[0] == thr.shape[0] - 1
                        else " Use each distinct score once (np.unique).")
                raise Fail(f"{what}: expected {thr.shape[0]} thresholds (inf and the "
                           f"{thr.shape[0] - 1} distinct scores); got shape {g_thr.shape}."
                           + hint)
            assert_close(g_thr, thr, f"the thresholds from {what}", rtol=0.0)
            g_fpr = as_array(got[0], f"the fpr from {what}", shape=fpr.shape)
            g_tpr = as_array(got[1], f"the tpr from {what}", shape=tpr.shape)
            assert_close(g_fpr, fpr, f"the fpr from {what}", rtol=1e-12,
                         hints=[("fpr and tpr are swapped", tpr)])
            assert_close(g_tpr, tpr, f"the tpr from {what}", rtol=1e-12,
                         hints=[("fpr and tpr are swapped", fpr)])
    return [Call("roc_points", case) for case in cases], verify


@check("auc_values", points=2, functions=("auc",),
       summary="auc(y, scores) = P(S+ > S-) + P(S+ = S-)/2, random ties and tumours (1e-12)")
def auc_values(ctx):
    y_val, p_val, _ = ctx.data("breast_cancer_validation")
    cases = [*ctx.streams("auc_values", _problem), (y_val, p_val)]

    def verify(outcomes):
        for (y, s), out in zip(cases, outcomes, strict=True):
            what = "auc(y, scores)" + (" on the tumours" if s is p_val else "")
            v = as_float(out.value, what)
            pos, neg = s[y == 1][:, None], s[y == 0][None, :]
            above, tied = np.mean(pos > neg), np.mean(pos == neg)
            expected = ref.auc(y, s)
            assert_close(v, expected, what, rtol=1e-12, hints=[
                ("ties between a positive and a negative count 0; they count one half",
                 above),
                ("ties between a positive and a negative count 1; they count one half",
                 above + tied),
                ("you computed 1 - AUC (the chance that a negative outranks a positive)",
                 1 - expected)])
    return [Call("auc", case) for case in cases], verify


# --- Part D: expected cost ----------------------------------------------------------------------
@check("expected_cost_values", points=2, functions=("expected_cost",),
       summary="expected_cost(y, scores, t, c_fp, c_fn) = (c_fp FP + c_fn FN) / n (1e-12)")
def expected_cost_values(ctx):
    cases = []
    for rng in ctx.rngs("expected_cost_values"):
        y, s = _problem(rng)
        for t, c_fp, c_fn in ((float(s[2]), 1.0, 10.0), (float(s[9]), 5.0, 1.0),
                              (float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.5, 3.0)),
                               float(rng.uniform(3.0, 20.0)))):
            cases.append((y, s, t, c_fp, c_fn))

    def verify(outcomes):
        for (y, s, t, c_fp, c_fn), out in zip(cases, outcomes, strict=True):
            what = f"expected_cost(y, scores, {t:.3g}, c_fp={c_fp:.3g}, c_fn={c_fn:.3g})"
            v = as_float(out.value, what)
            expected = ref.expected_cost(y, s, t, c_fp, c_fn)
            _, fp, fn, _ = ref.confusion_counts(y, s, t)
            assert_close(v, expected, what, rtol=1e-12, hints=[
                ("the two costs are swapped: a false positive costs c_fp",
                 (c_fn * fp + c_fp * fn) / len(y)),
                ("you returned the total cost; return the mean over the samples",
                 len(y) * expected)])
    return [Call("expected_cost", case) for case in cases], verify


# --- Part E: the Bayes threshold ----------------------------------------------------------------
def _zero_diagonal(rng):
    c_fp, c_fn = rng.uniform(0.5, 20.0, size=2)
    return np.array([[0.0, c_fn], [c_fp, 0.0]])


def _general(rng):
    c00, c11 = rng.uniform(0.0, 2.0, size=2)
    return np.array([[c00, c11 + rng.uniform(1.0, 20.0)], [c00 + rng.uniform(0.5, 5.0), c11]])


def _bayes_hints(c):
    swapped = (c[0, 1] - c[1, 1]) / ((c[1, 0] - c[0, 0]) + (c[0, 1] - c[1, 1]))
    return [("you used c_fn / (c_fp + c_fn); it is c_fp / (c_fp + c_fn): the dearer a false "
             "positive, the higher the bar for predicting positive (mind the layout "
             "cost_matrix[pred, true])", swapped),
            ("the diagonal (the costs of correct decisions) is ignored",
             c[1, 0] / (c[1, 0] + c[0, 1]))]


@check("bayes_threshold_simple", points=1, functions=("bayes_threshold",),
       summary="bayes_threshold(cost_matrix) = c_fp / (c_fp + c_fn) when correct decisions cost 0")
def bayes_threshold_simple(ctx):
    matrices = [np.array([[0.0, 10.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])]
    rng = ctx.rng("bayes_threshold_simple", True)
    matrices += [_zero_diagonal(rng) for _ in range(3)]

    def verify(outcomes):
        for c, out in zip(matrices, outcomes, strict=True):
            what = f"bayes_threshold({c.tolist()})"
            v = as_float(out.value, what)
            assert_close(v, ref.bayes_threshold(c), what, rtol=1e-12, hints=_bayes_hints(c))
    return [Call("bayes_threshold", (c,)) for c in matrices], verify


@check("bayes_threshold_general", points=1, functions=("bayes_threshold",),
       summary="bayes_threshold for cost matrices whose correct decisions cost something")
def bayes_threshold_general(ctx):
    matrices = [np.array([[0.0, 10.0], [1.0, 1.0]])]
    rng = ctx.rng("bayes_threshold_general", True)
    matrices += [_general(rng) for _ in range(4)]

    def verify(outcomes):
        for c, out in zip(matrices, outcomes, strict=True):
            what = f"bayes_threshold({np.round(c, 3).tolist()})"
            v = as_float(out.value, what)
            assert_close(v, ref.bayes_threshold(c), what, rtol=1e-12, hints=_bayes_hints(c))
    return [Call("bayes_threshold", (c,)) for c in matrices], verify


@check("bayes_threshold_invalid", points=1, functions=("bayes_threshold",),
       summary="bayes_threshold raises ValueError when an error costs less than being right")
def bayes_threshold_invalid(ctx):
    matrices = [np.array([[2.0, 5.0], [1.0, 0.0]]), np.array([[0.0, 0.5], [1.0, 2.0]]),
                np.array([[1.0, 1.0], [1.0, 1.0]])]

    def verify(outcomes):
        for c, out in zip(matrices, outcomes, strict=True):
            expect_raises(out.value, "ValueError", f"bayes_threshold({c.tolist()})")
    return [Call("bayes_threshold", (c,)) for c in matrices], verify


@check("bayes_decisions_logits", points=1, functions=("bayes_decisions",),
       summary="bayes_decisions(z, cost_matrix) labels 1 where sigmoid(z) >= t*, from logits")
def bayes_decisions_logits(ctx):
    cases = []
    for rng in ctx.rngs("bayes_decisions_logits"):
        z = rng.normal(scale=3.0, size=300)
        for c in (np.array([[0.0, 10.0], [1.0, 0.0]]), _general(rng)):
            t = ref.bayes_threshold(c)
            cases.append((z[np.abs(ref.sigmoid(z) - t) > 1e-9], c))

    def verify(outcomes):
        for (z, c), out in zip(cases, outcomes, strict=True):
            what = f"bayes_decisions(z, {np.round(c, 3).tolist()})"
            labels = as_array(out.value, what, shape=z.shape, kinds="iu")
            expected = ref.bayes_decisions(z, c)
            if np.array_equal(labels, expected):
                continue
            if np.array_equal(labels, (z >= ref.bayes_threshold(c)).astype(int)):
                raise Fail(f"{what}: you compared the logits z with t*, a threshold on "
                           "probabilities. Compare sigmoid(z) >= t*, or equivalently "
                           "z >= logit(t*).")
            assert_equal(labels, expected, what)
    return [Call("bayes_decisions", case) for case in cases], verify


# --- Part F: the empirical cost-optimal threshold ---------------------------------------------
@check("cost_optimal_values", points=2, functions=("cost_optimal_threshold",),
       summary="cost_optimal_threshold(y, scores, c_fp, c_fn): least total cost (random, tumours)")
def cost_optimal_values(ctx):
    y_val, p_val, _ = ctx.data("breast_cancer_validation")
    cases = [(y_val, p_val, 1.0, 10.0 + 1 / math.pi)]
    for y, s in ctx.streams("cost_optimal_values", lambda r: _problem(r, decimals=6)):
        cases += [(y, s, 1.0, math.sqrt(50.0)), (y, s, math.pi, 1.0)]

    def verify(outcomes):
        for (y, s, c_fp, c_fn), out in zip(cases, outcomes, strict=True):
            what = (f"cost_optimal_threshold(y, scores, c_fp={c_fp:.4g}, c_fn={c_fn:.4g})"
                    + (" on the tumours" if s is p_val else ""))
            v = as_float(out.value, what)
            expected = ref.cost_optimal_threshold(y, s, c_fp, c_fn)
            if v == expected:
                continue
            if v != np.inf and v not in s:
                raise Fail(f"{what} returned {v:.6g}, which is not one of the scores (or inf): "
                           "try the candidates inf and every distinct score, and return the "
                           "threshold with the least cost, not the cost.")
            raise Fail(f"{what}: the threshold returned does not have the least total cost "
                       "c_fp FP + c_fn FN over the candidates.")
    return [Call("cost_optimal_threshold", case) for case in cases], verify


@check("cost_optimal_ties", points=1, functions=("cost_optimal_threshold",),
       summary="cost_optimal_threshold: ties go to the largest threshold; inf is a candidate")
def cost_optimal_ties(ctx):
    y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    s = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    cases = [(y, s, 1.0, 1.0), (y, s, 100.0, 1.0)]
    rng = ctx.rng("cost_optimal_ties", True)
    y2, s2 = _problem(rng, n=60, decimals=1)
    cases += [(y2, s2, 1.0, 1.0), (y2, s2, 2.0, 1.0)]

    def verify(outcomes):
        for (yy, ss, c_fp, c_fn), out in zip(cases, outcomes, strict=True):
            what = f"cost_optimal_threshold(y, scores, c_fp={c_fp:g}, c_fn={c_fn:g})"
            v = as_float(out.value, what)
            expected = ref.cost_optimal_threshold(yy, ss, c_fp, c_fn)
            if v == expected:
                continue
            if expected == np.inf:
                raise Fail(f"{what}: predicting nothing positive (threshold inf) is cheapest "
                           "here; inf is a candidate too.")
            raise Fail(f"{what}: several thresholds have the least cost here; return the "
                       "largest of them (the fewest positive predictions).")
    return [Call("cost_optimal_threshold", case) for case in cases], verify


# --- Part G: a threshold for a target recall --------------------------------------------------
@check("recall_threshold_values", points=2, functions=("threshold_for_recall",),
       summary="threshold_for_recall(y, scores, target): the largest threshold reaching it")
def recall_threshold_values(ctx):
    y_val, p_val, _ = ctx.data("breast_cancer_validation")
    cases = [(y_val, p_val, 0.95)]
    for y, s in ctx.streams("recall_threshold_values", lambda r: _problem(r, n=90)):
        # targets exact in binary: a recall equal to the target is equal in any arithmetic
        # (27/30 equals the float 0.9 but not Fraction(0.9), its exact binary value)
        cases += [(y, s, t) for t in (0.5, 0.75, 1.0, 0.0)]

    def verify(outcomes):
        for (y, s, target), out in zip(cases, outcomes, strict=True):
            what = (f"threshold_for_recall(y, scores, {target:g})"
                    + (" on the tumours" if s is p_val else ""))
            v = as_float(out.value, what)
            expected = ref.threshold_for_recall(y, s, target)
            if v == expected:
                continue
            candidates = np.r_[np.inf, np.unique(s)[::-1]]
            recall = np.array([np.mean(s[y == 1] >= t) for t in candidates])
            strict = candidates[np.flatnonzero(recall > target)]
            if strict.size and v == strict[0]:
                raise Fail(f"{what}: a recall exactly equal to the target is enough "
                           "(recall >= target).")
            if v != np.inf and v not in s:
                raise Fail(f"{what} returned {v:.6g}, which is not one of the scores (or inf).")
            raise Fail(f"{what}: return the largest threshold whose recall is at least the "
                       "target (recall only grows as the threshold falls).")
    return [Call("threshold_for_recall", case) for case in cases], verify
