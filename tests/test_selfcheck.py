"""The learners' self-checks: silent on the solutions, specific about the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest
from grading_corpus import WRONG, namespace

from logreg_course import selfcheck
from logreg_course.grading import reference as ref

SPECTOR = ref.spector()
SPECTOR_FIT = ref.spector_fit()
CANCER = ref.breast_cancer_subset()
CANCER_ALL = ref.breast_cancer()[:2]
CANCER_RAW = ref.breast_cancer_raw()
IRIS = ref.iris_standardised()

CALLS = {
    "01-sigmoid": [
        ("check_sigmoid", ("sigmoid",), ()), ("check_sigmoid_stable", ("sigmoid",), ()),
        ("check_log_sigmoid", ("log_sigmoid",), ()), ("check_logit", ("logit",), ()),
        ("check_sigmoid_derivative", ("sigmoid_derivative",), ()),
        ("check_predict_proba", ("predict_proba",), ()), ("check_predict", ("predict",), ())],
    "02-log-odds": [
        ("check_odds", ("odds", "prob_from_odds"), ()), ("check_odds_ratio", ("odds_ratio",), ()),
        ("check_wald_ci", ("wald_ci_odds_ratio",), ()),
        ("check_marginal_effects", ("marginal_effects",), ()),
        ("check_ame_mem", ("average_marginal_effects", "marginal_effects_at_mean"),
         (SPECTOR[0], *SPECTOR_FIT[:2])),
        ("check_discrete_change", ("discrete_change",), (SPECTOR[0], *SPECTOR_FIT[:2])),
        ("check_effects_table", ("effects_table",),
         (SPECTOR[0], SPECTOR_FIT[0], SPECTOR_FIT[1], SPECTOR_FIT[2][:3]))],
    "03-maximum-likelihood": [
        ("check_cross_entropy", ("cross_entropy",), ()), ("check_gradient", ("gradient",), ()),
        ("check_hessian", ("hessian",), ()),
        ("check_gradient_descent", ("gradient_descent",), CANCER),
        ("check_newton_step", ("newton_step",), CANCER),
        ("check_fit", ("fit_logistic",), SPECTOR)],
    "04-thresholds": [
        ("check_confusion_counts", ("confusion_counts",), ()),
        ("check_precision_recall_f1", ("precision_recall_f1",), ()),
        ("check_roc_auc", ("roc_points", "auc"), ()),
        ("check_expected_cost", ("expected_cost",), ()),
        ("check_bayes", ("bayes_threshold", "bayes_decisions"), ()),
        ("check_cost_optimal_threshold", ("cost_optimal_threshold",), ()),
        ("check_threshold_for_recall", ("threshold_for_recall",), ())],
    "05-regularisation": [
        ("check_penalised_objective", ("penalised_objective",), ()),
        ("check_penalised_gradient", ("penalised_gradient",), ()),
        ("check_fit_penalised", ("fit_penalised",), CANCER_ALL),
        ("check_balanced_sample_weight", ("balanced_sample_weight",), ()),
        ("check_l1", ("soft_threshold", "l1_kkt_check"), ()),
        ("check_cross_validation", ("kfold_indices", "cv_log_loss"), CANCER_RAW)],
    "06-softmax": [
        ("check_softmax", ("softmax",), ()),
        ("check_log_softmax", ("logsumexp", "log_softmax"), ()),
        ("check_multinomial_cross_entropy", ("cross_entropy",), ()),
        ("check_multinomial_gradient", ("gradient", "cross_entropy"), ()),
        ("check_fit_softmax", ("fit_softmax",), IRIS),
        ("check_predict_softmax", ("predict_proba", "predict"), ()),
        ("check_two_classes", ("binary_from_softmax", "softmax_from_binary"), ())],
}


def _run(aid, ns, name, functions, extra):
    getattr(selfcheck, name)(*[ns[f] for f in functions], *extra)


@pytest.mark.parametrize("aid", list(CALLS))
def test_solutions_pass_every_selfcheck(aid, capsys):
    ns = namespace(aid)
    for name, functions, extra in CALLS[aid]:
        _run(aid, ns, name, functions, extra)
    out = capsys.readouterr().out
    assert out.count("all self-checks passed") == len(CALLS[aid])


# (case, self-check, words the diagnostic must contain)
DIAGNOSES = [
    ("01-sigmoid", "naive_sigmoid", "check_sigmoid_stable",
     "your sigmoid overflows for z = -1000"),
    ("01-sigmoid", "clipped_sigmoid", "check_sigmoid_stable", "clipping"),
    ("01-sigmoid", "log_of_sigmoid", "check_log_sigmoid", "np.log(sigmoid(z)) gives -inf"),
    ("01-sigmoid", "derivative_cancels", "check_sigmoid_derivative", "cancels to 0"),
    ("01-sigmoid", "logit_unchecked", "check_logit", "should raise ValueError"),
    ("01-sigmoid", "forgot_intercept", "check_predict_proba", "forget the intercept"),
    ("01-sigmoid", "threshold_on_logits", "check_predict", "compare the logits"),
    ("02-log-odds", "prob_nan_at_inf", "check_odds", "inf/inf = nan"),
    ("02-log-odds", "odds_ratio_times_delta", "check_odds_ratio", "not delta * exp"),
    ("02-log-odds", "ci_log_scale", "check_wald_ci", "then exponentiate"),
    ("02-log-odds", "ci_hardcoded_196", "check_wald_ci", "do not hard-code 1.96"),
    ("02-log-odds", "effect_without_one_minus_p", "check_marginal_effects", "p(1 - p) w"),
    ("02-log-odds", "ame_at_the_mean", "check_ame_mem", "your AME equals the MEM"),
    ("02-log-odds", "discrete_as_derivative", "check_discrete_change", "a derivative"),
    ("03-maximum-likelihood", "loss_sum", "check_cross_entropy", "the loss is the mean"),
    ("03-maximum-likelihood", "loss_from_probabilities", "check_cross_entropy",
     "never from log(p)"),
    ("03-maximum-likelihood", "gradient_sign", "check_gradient", "wrong sign"),
    ("03-maximum-likelihood", "gradient_sum", "check_gradient", "divide by n"),
    ("03-maximum-likelihood", "hessian_sum", "check_hessian", "divide by n"),
    ("03-maximum-likelihood", "gd_history_after_steps", "check_gradient_descent",
     "n_iter + 1 = 21 entries"),
    ("03-maximum-likelihood", "newton_uphill", "check_newton_step", "not +"),
    ("04-thresholds", "strict_inequality", "check_confusion_counts", "use score >= threshold"),
    ("04-thresholds", "f1_arithmetic_mean", "check_precision_recall_f1",
     "not the arithmetic mean"),
    ("04-thresholds", "prf_divides_by_zero", "check_precision_recall_f1",
     "test the denominator before dividing"),
    ("04-thresholds", "roc_without_inf", "check_roc_auc", "start the thresholds with inf"),
    ("04-thresholds", "auc_ignores_ties", "check_roc_auc", "counts one half, not 0"),
    ("04-thresholds", "costs_swapped", "check_expected_cost", "the costs are swapped"),
    ("04-thresholds", "bayes_swapped", "check_bayes", "you computed c_fn / (c_fp + c_fn)"),
    ("04-thresholds", "bayes_ignores_diagonal", "check_bayes", "the diagonal"),
    ("04-thresholds", "threshold_on_logits", "check_bayes",
     "did you apply the threshold to the logits?"),
    ("04-thresholds", "optimal_ascending", "check_cost_optimal_threshold",
     "inf is a candidate"),
    ("04-thresholds", "recall_strictly_above", "check_threshold_for_recall",
     "recall exactly 1/2 is enough"),
    ("05-regularisation", "penalised_intercept", "check_penalised_objective",
     "you penalised the intercept"),
    ("05-regularisation", "penalised_intercept", "check_penalised_gradient",
     "you penalised the intercept"),
    ("05-regularisation", "penalised_intercept", "check_fit_penalised",
     "is the intercept penalised?"),
    ("05-regularisation", "objective_mean", "check_penalised_objective",
     "you returned the mean loss"),
    ("05-regularisation", "gradient_without_penalty", "check_penalised_gradient",
     "the penalty's gradient w is missing"),
    ("05-regularisation", "balanced_by_counts", "check_balanced_sample_weight",
     "you counted samples"),
    ("05-regularisation", "hard_threshold", "check_l1", "that is a hard threshold"),
    ("05-regularisation", "kkt_zero_gradient", "check_l1", "not g_j = 0"),
    ("05-regularisation", "folds_remainder_last", "check_cross_validation",
     "kfold_indices(7, 3) should be"),
    ("05-regularisation", "scaler_leaks", "check_cross_validation",
     "you standardised with all the samples"),
    ("06-softmax", "naive_softmax", "check_softmax", "subtract each row's maximum first"),
    ("06-softmax", "log_of_softmax", "check_log_softmax", "np.log(softmax(Z)) gives -inf"),
    ("06-softmax", "naive_logsumexp", "check_log_softmax", "your log-sum-exp is unstable"),
    ("06-softmax", "loss_sum", "check_multinomial_cross_entropy", "you returned the sum"),
    ("06-softmax", "gradient_transposed", "check_multinomial_gradient",
     "grad_W has shape (d, K)"),
    ("06-softmax", "penalty_one_over_C", "check_fit_softmax", "lambda = 1 / (C n)"),
    ("06-softmax", "intercepts_from_frequencies", "check_fit_softmax",
     "subtract the class means"),
    ("06-softmax", "proba_without_intercept", "check_predict_softmax",
     "you forgot the intercepts b"),
    ("06-softmax", "difference_reversed", "check_two_classes", "the wrong way round"),
]


@pytest.mark.parametrize(("aid", "case_name", "check", "words"), DIAGNOSES,
                         ids=[f"{d[1]}-{d[2]}" for d in DIAGNOSES])
def test_selfcheck_names_the_mistake(aid, case_name, check, words):
    case = next(c for c in WRONG[aid] if c.name == case_name)
    ns = namespace(aid, case)
    name, functions, extra = next(c for c in CALLS[aid] if c[0] == check)
    with pytest.raises(AssertionError) as info:
        _run(aid, ns, name, functions, extra)
    assert words in str(info.value)


def test_selfcheck_notices_a_fit_without_intercept():
    def fit_logistic(X, y, tol=1e-8, max_iter=50):
        w, _ = ref.fit(X, y)
        return w, 0.0

    with pytest.raises(AssertionError, match="sum to the number of 1s"):
        selfcheck.check_fit(fit_logistic, *SPECTOR)


def test_selfcheck_passes_a_stub_error_through():
    def stub(z):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        selfcheck.check_sigmoid(stub)


def test_selfcheck_values_are_the_published_ones():
    """The hand values the self-checks print are Stata's, as statsmodels' tests store them."""
    w, b, _ = SPECTOR_FIT
    np.testing.assert_allclose(w, selfcheck.SPECTOR_PARAMS, rtol=2e-6)
    np.testing.assert_allclose(ref.average_marginal_effects(SPECTOR[0], w, b),
                               selfcheck.SPECTOR_AME, rtol=1e-6)
