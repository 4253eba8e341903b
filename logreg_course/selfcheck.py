"""Self-checks that learners run in the graded notebooks (no points, no secrets).

Each ``check_<thing>(...)`` calls the learner's function on small inputs whose
answers can be worked out by hand (they are printed in the notebook's task
text), prints one line per passed check and raises ``AssertionError`` listing
what is wrong, with the usual cause of each mistake::

    >>> check_sigmoid_stable(lambda z: 1 / (1 + np.exp(-z)))   # doctest: +SKIP
    AssertionError: sigmoid: 1 problem
      ✗ your sigmoid overflows for z = -1000 ("overflow encountered in exp"): use a stable
        form that only ever computes exp(-|z|).

The hand values here are the only expected values a self-check knows; the
hidden tests (`logreg_course.grading`) use other, random inputs. A learner's
``NotImplementedError`` (an unanswered stub) passes through unchanged.

Why a module and not inline code: the same diagnostics serve all six
notebooks, they are tested here once (``tests/test_selfcheck.py``), and the
notebooks stay short. The price is that learners need the course installed
(``make lab`` does it).
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np

__all__ = [
    "check_ame_mem", "check_balanced_sample_weight", "check_bayes", "check_confusion_counts",
    "check_cost_optimal_threshold", "check_cross_entropy", "check_cross_validation",
    "check_discrete_change", "check_effects_table", "check_expected_cost", "check_fit",
    "check_fit_penalised", "check_fit_softmax", "check_gradient", "check_gradient_descent",
    "check_hessian", "check_l1", "check_log_sigmoid", "check_log_softmax", "check_logit",
    "check_marginal_effects", "check_multinomial_cross_entropy", "check_multinomial_gradient",
    "check_newton_step", "check_odds", "check_odds_ratio", "check_penalised_gradient",
    "check_penalised_objective", "check_precision_recall_f1", "check_predict",
    "check_predict_proba", "check_predict_softmax", "check_roc_auc", "check_sigmoid",
    "check_sigmoid_derivative", "check_sigmoid_stable", "check_softmax",
    "check_threshold_for_recall", "check_two_classes", "check_wald_ci", "ready_to_hand_in",
]

#: Published Stata results for the spector logit (Greene; statsmodels' test suite).
SPECTOR_PARAMS = np.array([2.82611297201, 0.0951576702557, 2.37868772835])
SPECTOR_INTERCEPT = -13.0213483201
SPECTOR_AME = np.array([0.36258084688424, 0.01220841099085, 0.30517768382304])
SPECTOR_MEM = np.array([0.53385885781692, 0.01797548988961, 0.44933926079386])
SPECTOR_PSI_DISCRETE_CHANGE = 0.35751515254729


class _Report:
    def __init__(self, name):
        self.name, self.ok, self.problems = name, [], []

    def check(self, condition, good, bad):
        (self.ok if condition else self.problems).append(good if condition else bad)
        return condition

    def done(self):
        _run_preview(self)
        for line in self.ok:
            print(f"  ✓ {line}")
        if self.problems:
            lines = "\n".join(f"  ✗ {p}" for p in self.problems)
            n = len(self.problems)
            raise AssertionError(f"{self.name}: {n} problem{'s' * (n > 1)}\n{lines}")
        print(f"{self.name}: all self-checks passed.")


def _call(fn, *args, **kwargs):
    """Call a learner function; return (result, warning messages). Warnings are not shown.

    Like the grader, it gives the function copies of its inputs (a function that changes its
    input in place does not change the self-check's next example).
    """
    from .grading.calls import copy_input

    args = tuple(copy_input(a) for a in args)
    kwargs = {k: copy_input(v) for k, v in kwargs.items()}
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
            if _lazy(out):  # a generator of results: read it as the grader does
                out = list(out)
        except Exception as exc:
            exc.__dict__["_lrc_learner"] = getattr(fn, "__name__", "your function")
            raise
    return out, [str(w.message) for w in caught]


def _quiet(fn, *args, **kwargs):
    return _call(fn, *args, **kwargs)[0]


def _close(a, b, rtol=1e-9, atol=0.0):
    try:
        a = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _read(x, shape=None, kinds="f"):
    """`x` read as the grader reads an array (`grading.checks.as_array`), or None.

    The same forms pass as in grading: numpy arrays, lists of numbers, a number
    where a 0-d array is asked for.
    """
    from .grading import values
    from .grading.checks import Fail, as_array

    try:
        return as_array(values.sanitize(x), "", shape=shape, kinds=kinds)
    except Fail:
        return None


def _is_array(x, shape):
    """`x` is something the grader reads as an array of this shape."""
    return _read(x, shape) is not None


def _is_seq(x, n):
    """`x` has the `n` items the grader reads (a tuple or list, or an array of length n)."""
    if type(x) in (tuple, list):
        return len(x) == n
    return type(x) is np.ndarray and x.ndim >= 1 and x.shape[0] == n


def _labels(x):
    """`x` read as class labels, as the grader reads them (integers, booleans ...), or None."""
    return _read(x, kinds="iu")


def _ref_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# --- 01-sigmoid ------------------------------------------------------------------------------
def check_sigmoid(sigmoid):
    """Hand values, shape and symmetry (warnings are the stability check's business)."""
    r = _Report("sigmoid")
    r.check(_close(_quiet(sigmoid, 0.0), 0.5), "sigmoid(0) = 1/2",
            "sigmoid(0) should be 1/(1 + e^0) = 1/2")
    v = _quiet(sigmoid, math.log(3.0))
    if not r.check(_close(v, 0.75), "sigmoid(log 3) = 3/4",
                   "sigmoid(log 3) should be 1/(1 + 1/3) = 3/4"):
        if _close(v, 0.25):
            r.problems.append("you computed 1/(1 + e^z), which is sigmoid(-z)")
        elif _close(v, 3.0):
            r.problems.append("you returned e^z (the odds), not a probability")
    grid = np.linspace(-4, 4, 12).reshape(3, 4)
    out = _read(_quiet(sigmoid, grid), (3, 4))
    r.check(out is not None, "a (3, 4) array in gives a (3, 4) array out",
            "a (3, 4) array in should give a (3, 4) numpy array out; got "
            f"{_describe(_quiet(sigmoid, grid))}")
    if out is not None:
        r.check(_close(out + np.asarray(_quiet(sigmoid, -grid), dtype=float), np.ones((3, 4))),
                "sigmoid(-z) = 1 - sigmoid(z)", "sigmoid(-z) should equal 1 - sigmoid(z)")
    r.done()


def check_sigmoid_stable(sigmoid):
    """No overflow warning, no NaN and the exact limits for |z| = 1000."""
    r = _Report("sigmoid (stability)")
    z = np.array([-1000.0, -745.0, 0.0, 745.0, 1000.0])
    out, warned = _call(sigmoid, z)
    r.check(not warned, "no warning for z = ±1000",
            f"your sigmoid overflows for z = -1000 ({warned[0] if warned else ''!r}): use a "
            "stable form that only ever computes exp(-|z|), e.g. e = np.exp(-np.abs(z)) and "
            "1/(1+e) for z >= 0, e/(1+e) for z < 0")
    out = np.asarray(out, dtype=float)
    if r.check(not np.any(np.isnan(out)), "no NaN",
               "your sigmoid returns nan for z = 1000: exp(z)/(1 + exp(z)) is inf/inf there"):
        r.check(out[0] == 0.0 and out[-1] == 1.0, "sigmoid(-1000) = 0 and sigmoid(1000) = 1",
                "sigmoid(-1000) should be 0 (e^-1000 underflows) and sigmoid(1000) exactly 1; "
                "clipping z before the exponential changes the answer")
    r.done()


def check_log_sigmoid(log_sigmoid):
    r = _Report("log_sigmoid")
    r.check(_close(_quiet(log_sigmoid, 0.0), -math.log(2.0)), "log_sigmoid(0) = -log 2",
            "log_sigmoid(0) should be log(1/2) = -log 2")
    out, warned = _call(log_sigmoid, np.array([-1000.0, 40.0]))
    out = np.asarray(out, dtype=float)
    r.check(out.shape == (2,) and _close(out[0], -1000.0), "log_sigmoid(-1000) ≈ -1000",
            "log_sigmoid(-1000) should be about -1000 (log sigmoid(z) ≈ z for z << 0); "
            "np.log(sigmoid(z)) gives -inf there")
    r.check(out.shape == (2,) and _close(out[-1], -math.exp(-40.0), rtol=1e-6),
            "log_sigmoid(40) ≈ -e^-40",
            "log_sigmoid(40) should be about -e^-40 ≈ -4.2e-18, not 0: use "
            "min(z, 0) - log1p(exp(-|z|))")
    r.check(not warned, "no warning for z = -1000 or 40",
            f"log_sigmoid warns ({warned[0] if warned else ''!r}): compute it from z directly")
    r.done()


def check_logit(logit):
    r = _Report("logit")
    r.check(_close(_quiet(logit, 0.75), math.log(3.0)), "logit(3/4) = log 3",
            "logit(3/4) should be log((3/4)/(1/4)) = log 3")
    r.check(_close(_quiet(logit, 0.5), 0.0, atol=1e-15), "logit(1/2) = 0",
            "logit(1/2) should be 0")
    try:
        _quiet(logit, np.array([0.2, 1.5]))
        r.problems.append("logit([0.2, 1.5]) should raise ValueError (1.5 is not a probability)")
    except ValueError:
        r.ok.append("logit raises ValueError for p = 1.5")
    r.done()


def check_sigmoid_derivative(sigmoid_derivative):
    r = _Report("sigmoid_derivative")
    r.check(_close(_quiet(sigmoid_derivative, 0.0), 0.25), "sigma'(0) = 1/4",
            "sigma'(0) should be sigma(0)(1 - sigma(0)) = 1/4")
    z, h = 1.3, 1e-5
    fd = (_ref_sigmoid(np.array(z + h)) - _ref_sigmoid(np.array(z - h))) / (2 * h)
    r.check(_close(_quiet(sigmoid_derivative, z), fd, rtol=1e-6),
            "matches a finite difference at z = 1.3",
            "sigmoid_derivative(1.3) does not match the finite difference "
            "(sigma(z+h) - sigma(z-h)) / 2h")
    v = _quiet(sigmoid_derivative, 40.0)
    if r.check(_close(v, math.exp(-40.0), rtol=1e-6), "sigma'(40) ≈ e^-40",
               "sigma'(40) should be about e^-40 ≈ 4.2e-18"):
        pass
    elif _close(v, 0.0, atol=1e-30):
        r.problems.append("your derivative is 0 at z = 40: 1 - sigmoid(z) cancels to 0; "
                          "use sigmoid(z) * sigmoid(-z)")
    r.done()


def check_predict_proba(predict_proba):
    r = _Report("predict_proba")
    X = np.array([[1.0, 2.0], [0.0, 0.0]])
    w, b = np.array([0.5, -0.25]), math.log(3.0)
    out = _quiet(predict_proba, X, w, b)
    r.check(_is_array(out, (2,)), "shape (n,)",
            f"predict_proba should return a numpy array of shape (2,); got {_describe(out)}"
            + (" (use a 1-D w, so that X @ w has shape (n,))" if np.shape(out) == (2, 1) else ""))
    if not r.check(_close(out, [0.75, 0.75]), "hand example: X w + b = log 3 gives 3/4",
                   "for X = [[1, 2], [0, 0]], w = [0.5, -0.25], b = log 3 both probabilities "
                   "are sigmoid(log 3) = 3/4"):
        if _close(out, [0.5, 0.5]):
            r.problems.append("did you forget the intercept b?")
        elif _close(out, [math.log(3.0)] * 2):
            r.problems.append("you returned the logits X w + b: apply the sigmoid")
    r.done()


def check_predict(predict):
    r = _Report("predict")
    X, w = np.array([[0.3], [-0.3], [0.0]]), np.array([1.0])
    out = _quiet(predict, X, w, 0.0)
    labels = _labels(out)
    r.check(labels is not None, "labels 0/1",
            f"predict should return a numpy array of the labels 0/1; got {_describe(out)}")
    arr = labels if labels is not None else np.asarray(out)
    if not r.check(arr.shape == (3,) and np.array_equal(arr, [1, 0, 1]),
                   "hand example: p = (0.574, 0.426, 0.5) gives (1, 0, 1)",
                   "for z = (0.3, -0.3, 0) the labels at threshold 0.5 are (1, 0, 1): "
                   "p >= 0.5, and a tie goes to 1"):
        if arr.shape == (3,) and np.array_equal(arr, [0, 0, 0]):
            r.problems.append("did you compare the logits z with the threshold? Apply the "
                              "sigmoid first (p = sigmoid(z) >= threshold)")
        elif arr.shape == (3,) and np.array_equal(arr, [1, 0, 0]):
            r.problems.append("a tie p = 0.5 should give 1: use >=, not >")
    arr = _labels(_quiet(predict, X, w, 0.0, threshold=0.55))
    r.check(arr is not None and arr.shape == (3,) and np.array_equal(arr, [1, 0, 0]),
            "threshold=0.55 gives (1, 0, 0)",
            "with threshold=0.55 the labels are (1, 0, 0): is the threshold argument used?")
    r.done()


# --- 02-log-odds -----------------------------------------------------------------------------
def check_odds(odds, prob_from_odds):
    r = _Report("odds and prob_from_odds")
    r.check(_close(_quiet(odds, 0.75), 3.0), "odds(3/4) = 3", "odds(3/4) should be 3 (3 to 1)")
    r.check(_close(_quiet(prob_from_odds, 3.0), 0.75), "prob_from_odds(3) = 3/4",
            "prob_from_odds(3) should be 3/4")
    at_inf = np.asarray(_quiet(prob_from_odds, np.array([0.0, np.inf])), dtype=float)
    r.check(at_inf.shape == (2,) and at_inf[0] == 0.0 and at_inf[1] == 1.0,
            "prob_from_odds gives 0 at odds 0 and 1 at infinite odds",
            "prob_from_odds([0, inf]) should be [0, 1]"
            + (": o / (1 + o) is inf/inf = nan at o = inf; write 1 / (1 + 1/o)"
               if at_inf.shape == (2,) and np.isnan(at_inf[1]) else ""))
    p = np.array([0.1, 0.5, 0.9])
    r.check(_close(_quiet(prob_from_odds, _quiet(odds, p)), p), "the two functions are inverses",
            "prob_from_odds(odds(p)) should give back p")
    r.done()


def check_odds_ratio(odds_ratio):
    r = _Report("odds_ratio")
    r.check(_close(_quiet(odds_ratio, math.log(2.0)), 2.0),
            "a coefficient of log 2 doubles the odds",
            "odds_ratio(log 2) should be 2: a coefficient is a change in log-odds, exp of it "
            "multiplies the odds")
    r.check(_close(_quiet(odds_ratio, math.log(2.0), delta=3.0), 8.0),
            "three units multiply the odds by 2^3 = 8",
            "odds_ratio(log 2, delta=3) should be 2^3 = 8 (exp(delta * coef), not delta * exp)")
    r.done()


def check_wald_ci(wald_ci_odds_ratio):
    r = _Report("wald_ci_odds_ratio")
    out = _quiet(wald_ci_odds_ratio, np.array([0.0]), np.array([1.0]))
    if not r.check(_is_seq(out, 2), "returns (lower, upper)",
                   f"should return a tuple (lower, upper); got {_describe(out)}"):
        r.done()
    lower, upper = (np.asarray(x, dtype=float) for x in out)
    z = 1.959963984540054
    if not r.check(_close(lower, [math.exp(-z)], rtol=1e-4) and _close(upper, [math.exp(z)],
                                                                    rtol=1e-4),
                   "coef 0, se 1: (e^-1.96, e^1.96) = (0.141, 7.10)",
                   "for coef 0 and se 1 the 95% interval is (e^-1.96, e^1.96) = (0.141, 7.10)"):
        if np.any(lower <= 0):
            r.problems.append("your lower bound is not positive: build the interval for the "
                              "coefficient (coef ± z·se) and then exponentiate both ends")
    narrow = _quiet(wald_ci_odds_ratio, np.array([0.0]), np.array([1.0]), level=0.90)
    r.check(_close(narrow[1], [math.exp(1.6448536269514722)], rtol=1e-4),
            "level=0.90 uses z = 1.645",
            "level=0.90 should use z = 1.645: compute the quantile from the level "
            "(statistics.NormalDist().inv_cdf(0.5 + level / 2)), do not hard-code 1.96")
    r.done()


def check_marginal_effects(marginal_effects):
    r = _Report("marginal_effects")
    w = np.array([2.0, -1.0, 0.5])
    out = _quiet(marginal_effects, np.array([1.0, 2.0, 0.0]), w, 0.0)  # z = 0, p = 1/2
    r.check(_is_array(out, (3,)), "one effect per feature",
            f"should return a numpy array of shape (3,); got {_describe(out)}")
    if not r.check(_close(out, w / 4), "at p = 1/2 the effects are w/4",
                   "where p = 1/2 the marginal effects are p(1-p) w = w/4"):
        if _close(out, w / 2):
            r.problems.append("you computed p * w: the derivative is p(1 - p) w")
    r.done()


def check_ame_mem(average_marginal_effects, marginal_effects_at_mean, X, w, b):
    """On the spector data with its MLE: the published Stata values."""
    r = _Report("average_marginal_effects and marginal_effects_at_mean")
    ame = _quiet(average_marginal_effects, X, w, b)
    mem = _quiet(marginal_effects_at_mean, X, w, b)
    r.check(_close(ame, SPECTOR_AME, rtol=1e-5), "spector AME = (0.363, 0.012, 0.305) (Stata)",
            "the spector AME should be (0.363, 0.012, 0.305), as Stata's margins report")
    r.check(_close(mem, SPECTOR_MEM, rtol=1e-5), "spector MEM = (0.534, 0.018, 0.449) (Stata)",
            "the spector MEM should be (0.534, 0.018, 0.449)")
    if _close(ame, SPECTOR_MEM, rtol=1e-5):
        r.problems.append("your AME equals the MEM: average the effects over the rows, do not "
                          "evaluate them at the mean row")
    r.done()


def check_discrete_change(discrete_change, X, w, b):
    r = _Report("discrete_change")
    out = _quiet(discrete_change, X, w, b, 2)
    if not r.check(_close(out, SPECTOR_PSI_DISCRETE_CHANGE, rtol=1e-5),
                   "spector PSI: 0.358 (Stata)",
                   "for PSI on the spector data the average discrete change is 0.358"):
        if _close(out, SPECTOR_AME[2], rtol=1e-5):
            r.problems.append("you returned the marginal effect (a derivative): switch the "
                              "feature from 0 to 1 and average the change in p")
    r.done()


def check_effects_table(effects_table, X, w, b, se):
    r = _Report("effects_table")
    raw = _quiet(effects_table, X, w, b, se)
    out = _read(raw, (3, 5))
    if r.check(out is not None, "shape (3, 5): one row per feature",
               f"should return a numpy array of shape (3, 5); got {_describe(raw)}"):
        r.check(_close(out[2, 0], math.exp(SPECTOR_PARAMS[2]), rtol=1e-5),
                "PSI odds ratio 10.8", "column 0 should be the odds ratio (PSI: 10.8)")
        r.check(bool(np.all(out[:, 1] < out[:, 0])) and bool(np.all(out[:, 0] < out[:, 2])),
                "each interval contains its odds ratio",
                "columns 1 and 2 should bracket the odds ratio (lower, upper)")
        r.check(_close(out[:, 3], SPECTOR_AME, rtol=1e-5), "column 3 is the AME",
                "column 3 should be the AME (0.363, 0.012, 0.305)")
    r.done()


# --- 03-maximum-likelihood -------------------------------------------------------------------
def check_cross_entropy(cross_entropy):
    r = _Report("cross_entropy")
    v = _quiet(cross_entropy, np.array([0.0, 1.0, 1.0]), np.zeros(3))
    if not r.check(_close(v, math.log(2.0)), "z = 0 gives log 2 for any y",
                   "with every z = 0, p = 1/2 and the mean loss is log 2 ≈ 0.693"):
        if _close(v, 3 * math.log(2.0)):
            r.problems.append("you returned the sum (3 log 2): the loss is the mean")
        elif _close(v, -math.log(2.0)):
            r.problems.append("wrong sign: the cross-entropy is minus the log-likelihood")
    out, warned = _call(cross_entropy, np.array([0.0]), np.array([1000.0]))
    r.check(_close(out, 1000.0) and not warned, "y = 0, z = 1000 gives 1000 with no warning",
            "for y = 0 and z = 1000 the loss is log(1 + e^1000) ≈ 1000: compute it from the "
            "logits, np.logaddexp(0, z) - y * z, never from log(p)")
    r.done()


def check_gradient(gradient):
    r = _Report("gradient")
    X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1.0, 0.0])
    out = _quiet(gradient, X, y, np.zeros(2), 0.0)
    if not r.check(_is_seq(out, 2), "returns (grad_w, grad_b)",
                   f"should return a tuple (grad_w, grad_b); got {_describe(out)}"):
        r.done()
    g_w, g_b = out
    hand = np.array([0.5, -0.75])
    if not r.check(_close(g_w, hand) and _close(g_b, 0.0, atol=1e-12),
                   "hand example at w = 0: grad_w = (0.5, -0.75), grad_b = 0",
                   "at w = 0, b = 0 (p = 1/2) grad_w = X^T (p - y) / n = (0.5, -0.75) and "
                   "grad_b = mean(p - y) = 0"):
        if _close(g_w, -hand):
            r.problems.append("wrong sign: the gradient of the loss is X^T (p - y) / n")
        elif _close(g_w, 2 * hand):
            r.problems.append("you returned the sum: divide by n (the loss is a mean)")
    # a finite-difference check at another point, against the mean cross-entropy
    w, b = np.array([0.3, -0.2]), 0.4

    def loss(w, b):
        z = X @ w + b
        return np.mean(np.logaddexp(0, z) - y * z)

    h, fd = 1e-6, []
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        fd.append((loss(w + e, b) - loss(w - e, b)) / (2 * h))
    fd_b = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    g_w, g_b = _quiet(gradient, X, y, w, b)
    r.check(_close(g_w, fd, rtol=1e-6) and _close(g_b, fd_b, rtol=1e-6, atol=1e-9),
            "matches finite differences of the mean cross-entropy",
            "does not match finite differences of the mean cross-entropy at w = (0.3, -0.2), "
            "b = 0.4" + ("" if _close(g_w, fd, rtol=1e-6) else " (grad_w)")
            + ("" if _close(g_b, fd_b, rtol=1e-6, atol=1e-9) else " (grad_b: did you use the "
                                                                  "intercept?)"))
    r.done()


def check_hessian(hessian):
    r = _Report("hessian")
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    raw = _quiet(hessian, X, np.zeros(2), 0.0)
    H = _read(raw, (3, 3))
    if not r.check(H is not None, "shape (d + 1, d + 1)",
                   f"should return a numpy array of shape (3, 3) (intercept included); got "
                   f"{_describe(raw)}"):
        r.done()
    Xt = np.column_stack([X, np.ones(2)])
    hand = Xt.T @ Xt / 8  # p(1-p) = 1/4 everywhere, mean over n = 2
    if not r.check(_close(H, hand), "hand example at w = 0: X~^T X~ / (4n)",
                   "at w = 0 every p(1-p) = 1/4, so H = X~^T X~ / (4n) with X~ = [X, 1] "
                   "(intercept last)"):
        if _close(H[0, 0], 0.25) and _close(H[-1, -1], hand[0, 0]):
            r.problems.append("the intercept should be the last row and column, not the first")
        elif _close(H, 2 * hand):
            r.problems.append("you returned the sum: divide by n")
    r.check(_close(H, H.T), "symmetric", "the Hessian should be symmetric")
    r.done()


def check_gradient_descent(gradient_descent, X, y):
    r = _Report("gradient_descent")
    out = _quiet(gradient_descent, X, y, 1.0, 20)
    if not r.check(_is_seq(out, 3),
                   "returns (w, b, history)",
                   f"should return a tuple (w, b, history); got {_describe(out)}"):
        r.done()
    _, _, history = out
    history = np.asarray(history, dtype=float)
    r.check(history.shape == (21,), "history has n_iter + 1 = 21 entries",
            f"history should have n_iter + 1 = 21 entries (the loss before the first step, "
            f"then after each step); it has shape {history.shape}")
    if history.size:
        r.check(_close(history[0], math.log(2.0)), "history[0] = log 2 (w = 0, b = 0)",
                "history[0] should be the loss at w = 0, b = 0, which is log 2")
        r.check(bool(np.all(np.diff(history) <= 1e-12)), "the loss never goes up",
                "the loss should decrease at every step with this step size: check the sign of "
                "the update (w <- w - step * grad)")
    r.done()


def check_newton_step(newton_step, X, y):
    r = _Report("newton_step")

    def loss(w, b):
        z = X @ w + b
        return np.mean(np.logaddexp(0, z) - y * z)

    d = X.shape[1]
    out = _quiet(newton_step, X, y, np.zeros(d), 0.0)
    if not r.check(_is_seq(out, 2), "returns (w, b)",
                   f"should return a tuple (w, b); got {_describe(out)}"):
        r.done()
    w, b = out
    r.check(loss(np.asarray(w, dtype=float), float(b)) < math.log(2.0),
            "one step from w = 0 lowers the loss below log 2",
            "one Newton step from w = 0 should lower the loss: theta - H^-1 grad, not +")
    r.done()


def check_fit(fit_logistic, X, y):
    """On the spector data: the published Stata coefficients; sum of p = number of 1s."""
    r = _Report("fit_logistic")
    out = _quiet(fit_logistic, X, y)
    if not r.check(_is_seq(out, 2), "returns (w, b)",
                   f"should return a tuple (w, b); got {_describe(out)}"):
        r.done()
    w, b = np.asarray(out[0], dtype=float), float(out[1])
    r.check(_close(w, SPECTOR_PARAMS, rtol=1e-5) and _close(b, SPECTOR_INTERCEPT, rtol=1e-5),
            "spector: w = (2.826, 0.095, 2.379), b = -13.02 (Stata)",
            "on the spector data the MLE is w = (2.826, 0.095, 2.379), b = -13.02")
    p = _ref_sigmoid(X @ w + b)
    r.check(_close(p.sum(), y.sum(), rtol=1e-6), "fitted probabilities sum to the 11 passes",
            f"the fitted probabilities should sum to the number of 1s ({y.sum():g}); they sum "
            f"to {p.sum():.6g}")
    r.done()



# --- 04-thresholds ---------------------------------------------------------------------------
def _counts_of(out):
    try:
        return tuple(int(v) for v in out) if len(out) == 4 else None
    except (TypeError, ValueError):
        return None


def check_confusion_counts(confusion_counts):
    r = _Report("confusion_counts")
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.5, 0.5])
    out = _quiet(confusion_counts, y, s, 0.5)
    if not r.check(_is_seq(out, 4),
                   "returns (tn, fp, fn, tp)",
                   f"should return a tuple (tn, fp, fn, tp); got {_describe(out)}"):
        r.done()
    counts = _counts_of(out)
    if not r.check(counts == (2, 1, 1, 2), "hand example at t = 0.5: (2, 1, 1, 2)",
                   f"for the hand example at t = 0.5 the counts are (2, 1, 1, 2); got {counts}"):
        if counts == (3, 0, 2, 1):
            r.problems.append("a score equal to the threshold is predicted positive: use "
                              "score >= threshold, not >")
        elif counts is not None and sorted(counts) == [1, 1, 2, 2]:
            r.problems.append("the counts are in the wrong order or roles: fp counts negatives "
                              "predicted positive, fn positives predicted negative")
    r.check(_counts_of(_quiet(confusion_counts, y, s, np.inf)) == (3, 0, 3, 0),
            "t = inf predicts nothing positive: (3, 0, 3, 0)",
            "at threshold inf nothing is positive: the counts are (3, 0, 3, 0)")
    r.done()


def check_precision_recall_f1(precision_recall_f1):
    r = _Report("precision_recall_f1")
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.5, 0.5])
    out = _quiet(precision_recall_f1, y, s, 0.4)
    if not r.check(_is_seq(out, 3),
                   "returns (precision, recall, f1)",
                   f"should return a tuple (precision, recall, f1); got {_describe(out)}"):
        r.done()
    if not r.check(_close(out, [1 / 2, 2 / 3, 4 / 7]),
                   "hand example at t = 0.4: (1/2, 2/3, 4/7)",
                   "at t = 0.4 (tn, fp, fn, tp) = (1, 2, 1, 2): precision 1/2, recall 2/3, "
                   "F1 = 2 tp / (2 tp + fp + fn) = 4/7"):
        if _close(out, [2 / 3, 1 / 2, 4 / 7]):
            r.problems.append("precision and recall are swapped")
        elif _close(out[:2], [1 / 2, 2 / 3]) and _close(out[2], 7 / 12):
            r.problems.append("F1 is the harmonic mean of precision and recall, not the "
                              "arithmetic mean")
    problem = ("at t = inf nothing is flagged, so precision is 0/0: the convention is 0.0, "
               "with no warning and no nan (test the denominator before dividing)")
    try:
        out, warned = _call(precision_recall_f1, y, s, np.inf)
    except ZeroDivisionError:
        r.problems.append(problem + "; yours raised ZeroDivisionError")
        r.done()
    values = np.asarray(out, dtype=float)
    r.check(not warned and values.shape == (3,) and np.array_equal(values, np.zeros(3)),
            "nothing flagged: (0, 0, 0) without a warning",
            problem + (f"; yours warned {warned[0]!r}" if warned else "")
            + ("; yours returned nan" if np.any(np.isnan(values)) else ""))
    r.done()


def check_roc_auc(roc_points, auc):
    r = _Report("roc_points and auc")
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    out = _quiet(roc_points, y, s)
    if r.check(_is_seq(out, 3),
               "roc_points returns (fpr, tpr, thresholds)",
               f"roc_points should return a tuple (fpr, tpr, thresholds); got {_describe(out)}"):
        fpr, tpr, thr = (np.asarray(v, dtype=float) for v in out)
        if not r.check(thr.shape == (5,) and np.array_equal(thr, [np.inf, 0.8, 0.4, 0.35, 0.1]),
                       "thresholds (inf, 0.8, 0.4, 0.35, 0.1)",
                       "the thresholds should be inf, then the distinct scores in decreasing "
                       "order: (inf, 0.8, 0.4, 0.35, 0.1)"):
            if thr.shape == (4,):
                r.problems.append("start the thresholds with inf (nothing flagged: the point "
                                  "(0, 0))")
        r.check(_close(fpr, [0, 0, 0.5, 0.5, 1]) and _close(tpr, [0, 0.5, 0.5, 1, 1]),
                "fpr (0, 0, 0.5, 0.5, 1), tpr (0, 0.5, 0.5, 1, 1)",
                "the hand example has fpr (0, 0, 0.5, 0.5, 1) and tpr (0, 0.5, 0.5, 1, 1)"
                + (" (fpr and tpr are swapped)" if _close(tpr, [0, 0, 0.5, 0.5, 1]) else ""))
    r.check(_close(_quiet(auc, y, s), 0.75), "hand example: AUC = 3/4",
            "the hand example has AUC 3/4 (three of the four positive-negative pairs are "
            "ordered correctly)")
    tie = _quiet(auc, np.array([0, 1]), np.array([0.5, 0.5]))
    if not r.check(_close(tie, 0.5), "a tie counts one half",
                   "a positive and a negative with the same score should give AUC 1/2"):
        if _close(tie, 0.0) or _close(tie, 1.0):
            r.problems.append("a tie between a positive and a negative counts one half, not "
                              f"{float(tie):g}")
    r.done()


def check_expected_cost(expected_cost):
    r = _Report("expected_cost")
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9])
    v = _quiet(expected_cost, y, s, 0.3, 1.0, 5.0)
    if not r.check(_close(v, 0.25), "hand example: one false positive, cost 1/4",
                   "at t = 0.3 there is one false positive and no false negative, so the mean "
                   "cost with c_fp = 1, c_fn = 5 is 1/4"):
        if _close(v, 1.25):
            r.problems.append("the costs are swapped: a false positive costs c_fp")
        elif _close(v, 1.0):
            r.problems.append("you returned the total cost: divide by the number of samples")
    r.done()


def check_bayes(bayes_threshold, bayes_decisions):
    r = _Report("bayes_threshold and bayes_decisions")
    t = _quiet(bayes_threshold, np.array([[0.0, 4.0], [1.0, 0.0]]))
    threshold_right = _close(t, 0.2)
    if not r.check(threshold_right, "[[0, 4], [1, 0]] gives 0.2",
                   "[[0, 4], [1, 0]] (c_fp = 1, c_fn = 4) should give c_fp / (c_fp + c_fn) = "
                   "0.2"):
        if _close(t, 0.8):
            r.problems.append("you computed c_fn / (c_fp + c_fn): mind the layout "
                              "cost_matrix[pred, true], where [1, 0] is a false positive")
    t = _quiet(bayes_threshold, np.array([[0.0, 10.0], [1.0, 1.0]]))
    if not r.check(_close(t, 0.1), "[[0, 10], [1, 1]] gives 0.1",
                   "[[0, 10], [1, 1]] should give (1 - 0) / ((1 - 0) + (10 - 1)) = 0.1"):
        if _close(t, 1 / 11):
            r.problems.append("the diagonal (costs of correct decisions) is ignored: use the "
                              "differences c10 - c00 and c01 - c11")
    try:
        _quiet(bayes_threshold, np.array([[1.0, 1.0], [1.0, 1.0]]))
        r.problems.append("bayes_threshold([[1, 1], [1, 1]]) should raise ValueError (errors "
                          "cost the same as correct decisions)")
    except ValueError:
        r.ok.append("ValueError when no threshold is preferred")
    labels = _labels(_quiet(bayes_decisions, np.array([-1.5, -1.0, 0.0]),
                            np.array([[0.0, 4.0], [1.0, 0.0]])))
    if labels is None:
        labels = np.full(3, -1)
    if not r.check(labels.shape == (3,) and np.array_equal(labels, [0, 1, 1]),
                   "logits (-1.5, -1, 0) give the integer labels (0, 1, 1)",
                   "with t* = 0.2 the logits (-1.5, -1, 0) have probabilities (0.18, 0.27, 0.5) "
                   "and integer labels (0, 1, 1)"):
        if not threshold_right:
            r.problems.append("bayes_decisions uses your bayes_threshold: fix that first")
        elif labels.shape == (3,) and np.array_equal(labels, [0, 0, 0]):
            r.problems.append("did you apply the threshold to the logits? t* is a threshold on "
                              "probabilities: compare sigmoid(z) >= t*")
    r.done()


def check_cost_optimal_threshold(cost_optimal_threshold):
    r = _Report("cost_optimal_threshold")
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9])
    r.check(_close(_quiet(cost_optimal_threshold, y, s, 1.0, 5.0), 0.4),
            "c_fp = 1, c_fn = 5 gives 0.4",
            "with c_fp = 1, c_fn = 5 the cheapest threshold is 0.4 (both positives caught, one "
            "false alarm: cost 1)")
    r.check(_close(_quiet(cost_optimal_threshold, y, s, 5.0, 1.0), 0.9),
            "c_fp = 5, c_fn = 1 gives 0.9",
            "with c_fp = 5, c_fn = 1 the cheapest threshold is 0.9 (one miss: cost 1)")
    tie = _quiet(cost_optimal_threshold, np.array([1, 0]), np.array([0.3, 0.7]), 1.0, 1.0)
    r.check(np.isinf(np.asarray(tie, dtype=float)), "a tie between inf and 0.3 gives inf",
            "for y = (1, 0), scores (0.3, 0.7) and equal costs, inf and 0.3 both cost 1: return "
            "the largest (inf is a candidate)")
    r.done()


def check_threshold_for_recall(threshold_for_recall):
    r = _Report("threshold_for_recall")
    y, s = np.array([0, 1, 1]), np.array([0.9, 0.8, 0.7])
    r.check(_close(_quiet(threshold_for_recall, y, s, 0.5), 0.8), "target 0.5 gives 0.8",
            "target 0.5 should give 0.8 (recall exactly 1/2 is enough)")
    r.check(_close(_quiet(threshold_for_recall, y, s, 1.0), 0.7), "target 1 gives 0.7",
            "target 1 should give 0.7, the largest threshold that flags both positives")
    r.check(np.isinf(np.asarray(_quiet(threshold_for_recall, y, s, 0.0), dtype=float)),
            "target 0 gives inf", "target 0 should give inf (recall 0 needs no positive "
                                  "prediction)")
    r.done()



# --- 05-regularisation -----------------------------------------------------------------------
def _objective(X, y, w, b, C, s):
    z = X @ w + b
    return C * np.sum(s * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.dot(w, w)


def _fit_l2(X, y, C):
    """A minimal Newton fit of the sum-form L2 objective (intercept free), for diagnostics."""
    n, d = X.shape
    Xt = np.column_stack([X, np.ones(n)])
    D = np.eye(d + 1)
    D[-1, -1] = 0.0
    theta = np.zeros(d + 1)
    for _ in range(50):
        z = Xt @ theta
        p = _ref_sigmoid(z)
        g = C * Xt.T @ (p - y) + D @ theta
        if np.max(np.abs(g)) <= 1e-10 * C * n:
            break
        H = C * Xt.T @ ((p * (1 - p))[:, None] * Xt) + D
        theta -= np.linalg.solve(H, g)
    return theta[:-1], theta[-1]


def check_penalised_objective(penalised_objective):
    r = _Report("penalised_objective")
    X, y = np.array([[1.0], [-1.0]]), np.array([1.0, 0.0])
    v = _quiet(penalised_objective, X, y, np.zeros(1), 0.0, 1.0)
    if not r.check(_close(v, 2 * math.log(2.0)), "w = 0, b = 0, C = 1: 2 log 2",
                   "with every z = 0 each loss is log 2, so F = C * 2 log 2 = 1.386"):
        if _close(v, math.log(2.0)):
            r.problems.append("you returned the mean loss: scikit-learn's objective is C times "
                              "the sum")
    v = _quiet(penalised_objective, X, y, np.zeros(1), 3.0, 1.0)
    data = _objective(X, y, np.zeros(1), 3.0, 1.0, np.ones(2))
    if not r.check(_close(v, data), "b = 3 is not penalised",
                   f"with w = 0 and b = 3, F is the data term alone, {data:.4f}"):
        if _close(v, data + 4.5):
            r.problems.append("you penalised the intercept: the penalty is ||w||^2 / 2, "
                              "without b")
    v = _quiet(penalised_objective, X, y, np.array([2.0]), 0.0, 0.5)
    want = _objective(X, y, np.array([2.0]), 0.0, 0.5, np.ones(2))
    if not r.check(_close(v, want), "C multiplies the data term, not the penalty",
                   f"with w = (2), b = 0, C = 0.5, F = 0.5 * (data) + 2 = {want:.4f}"):
        data = 2 * math.log1p(math.exp(-2.0))  # sum of the losses at z = (2, -2)
        if _close(v, data + 0.5 * 2.0):
            r.problems.append("C multiplies the penalty; it should multiply the data term")
    v = _quiet(penalised_objective, X, y, np.zeros(1), 0.0, 1.0, sample_weight=np.array([3.0,
                                                                                     1.0]))
    r.check(_close(v, 4 * math.log(2.0)), "sample weights (3, 1) at z = 0: 4 log 2",
            "with sample weights (3, 1) and every z = 0, F = (3 + 1) log 2")
    r.done()


def check_penalised_gradient(penalised_gradient):
    r = _Report("penalised_gradient")
    X, y = np.array([[1.0], [-1.0]]), np.array([1.0, 0.0])
    out = _quiet(penalised_gradient, X, y, np.zeros(1), 0.0, 1.0)
    if not r.check(_is_seq(out, 2),
                   "returns (grad_w, grad_b)",
                   f"should return a tuple (grad_w, grad_b); got {_describe(out)}"):
        r.done()
    r.check(_close(out[0], [-1.0]) and _close(out[1], 0.0, atol=1e-12),
            "hand value at w = 0, b = 0: (-1, 0)",
            "at w = 0, b = 0 (p = 1/2) grad_w = X^T (p - y) = -1 and grad_b = 0")
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(8, 2)), np.array([1.0, 0, 1, 1, 0, 0, 1, 0])
    s, C = rng.uniform(0.5, 2.0, size=8), 0.7
    w, b, h = np.array([0.4, -0.3]), 0.8, 1e-6
    fd = [(_objective(X, y, w + e, b, C, s) - _objective(X, y, w - e, b, C, s)) / (2 * h)
          for e in np.eye(2) * h]
    fd_b = (_objective(X, y, w, b + h, C, s) - _objective(X, y, w, b - h, C, s)) / (2 * h)
    g_w, g_b = _quiet(penalised_gradient, X, y, w, b, C, sample_weight=s)
    r.check(_close(g_w, fd, rtol=1e-6), "grad_w matches finite differences of F",
            "grad_w does not match finite differences of C sum s_i l_i + ||w||^2 / 2"
            + (" (the penalty's gradient w is missing)" if _close(np.asarray(g_w) + w, fd,
                                                                 rtol=1e-6) else ""))
    if not r.check(_close(g_b, fd_b, rtol=1e-6), "grad_b matches finite differences of F",
                   "grad_b does not match finite differences of F"):
        if _close(g_b, fd_b + b, rtol=1e-6):
            r.problems.append("you penalised the intercept: dF/db = C sum s_i (p_i - y_i), "
                              "with no + b")
        elif _close(g_b, fd_b / (C * s.sum()), rtol=1e-6):
            r.problems.append("you returned the mean-form gradient: keep the sum scale of F "
                              "(multiply by C, do not divide by S)")
    r.done()


def check_fit_penalised(fit_penalised, X, y):
    r = _Report("fit_penalised")
    out = _quiet(fit_penalised, X, y, 1.0)
    if not r.check(_is_seq(out, 2), "returns (w, b)",
                   f"should return a tuple (w, b); got {_describe(out)}"):
        r.done()
    w, b = np.asarray(out[0], dtype=float), float(out[1])
    p = _ref_sigmoid(X @ w + b)
    g = np.append(X.T @ (p - y) + w, np.sum(p - y)) / len(y)  # mean form, C = 1
    r.check(np.max(np.abs(g)) <= 1e-7, "C = 1: the mean-form gradient is below 1e-7",
            f"at the returned (w, b) the mean-form gradient is {np.max(np.abs(g)):.1e}: not "
            "a minimum (is the stopping rule right? does H include the + 1 on w's diagonal?)")
    if not r.check(abs(p.sum() - y.sum()) <= 1e-6 * len(y),
                   f"the fitted probabilities add up to the {y.sum():g} positives",
                   f"the fitted probabilities add up to {p.sum():.6g}, not to the number of "
                   f"positives {y.sum():g}"):
        r.problems.append("is the intercept penalised? With a free intercept dF/db = 0 makes "
                          "the two sums equal, whatever C is")
    r.done()


def check_balanced_sample_weight(balanced_sample_weight):
    r = _Report("balanced_sample_weight")
    v = _quiet(balanced_sample_weight, np.array([0, 0, 0, 1]))
    if not r.check(_is_array(v, (4,)) and _close(v, [2 / 3, 2 / 3, 2 / 3, 2.0]),
                   "y = (0, 0, 0, 1) gives (2/3, 2/3, 2/3, 2)",
                   "y = (0, 0, 0, 1) should give n / (K n_k) = (2/3, 2/3, 2/3, 2), an array of "
                   f"shape (4,); got {_describe(v)}"):
        if _close(v, [0.75, 0.75, 0.75, 0.25]):
            r.problems.append("you returned n_k / n, the inverse of the weight")
    s = np.array([1.0, 3.0, 1.0, 1.0, 2.0])
    v = _quiet(balanced_sample_weight, np.array([0, 0, 1, 1, 1]), sample_weight=s)
    if not r.check(_close(v, s), "weights (1, 3, 1, 1, 2) stay as they are (both classes "
                                 "weigh 4)",
                   "with weights (1, 3, 1, 1, 2) both classes already weigh 4, so the "
                   "balanced weights are the same"):
        if _close(v, s * 5 / (2 * np.array([2, 2, 3, 3, 3]))):
            r.problems.append("you counted samples: use the total weight S_k of each class, "
                              "not its size n_k")
    r.done()


def check_l1(soft_threshold, l1_kkt_check):
    r = _Report("soft_threshold and l1_kkt_check")
    v = _quiet(soft_threshold, np.array([-3.0, -1.0, 0.5, 2.0]), 1.0)
    if not r.check(_close(v, [-2.0, 0.0, 0.0, 1.0]),
                   "soft_threshold((-3, -1, 0.5, 2), 1) = (-2, 0, 0, 1)",
                   "soft_threshold((-3, -1, 0.5, 2), 1) should be (-2, 0, 0, 1)"):
        if _close(v, [-3.0, 0.0, 0.0, 2.0]):
            r.problems.append("that is a hard threshold: the survivors also move t towards 0")
        elif _close(v, [2.0, 0.0, 0.0, 1.0]):
            r.problems.append("the sign is lost: multiply max(|u| - t, 0) by sign(u)")
    w, g = np.array([0.5, 0.0, 0.0, -1.0]), np.array([-0.1, 0.05, 0.3, 0.1])
    raw = _quiet(l1_kkt_check, w, g, 0.1)
    v = _read(raw, kinds="b")
    v = v if v is not None else np.asarray(raw)
    if not r.check(v.dtype == bool and v.shape == (4,)
                   and np.array_equal(v, [True, True, False, True]),
                   "hand example: (True, True, False, True)",
                   "for w = (0.5, 0, 0, -1), g = (-0.1, 0.05, 0.3, 0.1), lam1 = 0.1 the result "
                   f"should be a boolean array (True, True, False, True); got {_describe(raw)}"):
        if v.shape == (4,) and np.array_equal(v, [False, True, False, False]):
            r.problems.append("for w_j != 0 the condition is g_j + lam1 sign(w_j) = 0: check "
                              "the sign")
        elif v.shape == (4,) and np.array_equal(v, [True, False, False, True]):
            r.problems.append("for w_j = 0 the condition is |g_j| <= lam1, not g_j = 0")
    r.done()


def check_cross_validation(kfold_indices, cv_log_loss, X, y):
    r = _Report("kfold_indices and cv_log_loss")
    folds = _quiet(kfold_indices, 7, 3)
    want = [[0, 1, 2], [3, 4], [5, 6]]
    folds = list(folds) if type(folds) in (tuple, list) else folds
    r.check(_is_seq(folds, 3)
            and all(np.array_equal(f, e) for f, e in zip(folds, want, strict=True)),
            "kfold_indices(7, 3) = [0, 1, 2], [3, 4], [5, 6]",
            f"kfold_indices(7, 3) should be a list [[0, 1, 2], [3, 4], [5, 6]] (as arrays); "
            f"got {_describe(folds)}")
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    C, inside, leaky = 0.3, [], []
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    for test in np.array_split(np.arange(len(y)), 5):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        for losses, A, B in ((inside, (X[train] - mu) / sd, (X[test] - mu) / sd),
                             (leaky, Xs[train], Xs[test])):
            w, b = _fit_l2(A, y[train], C)
            z = B @ w + b
            losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))
    v = _quiet(cv_log_loss, X, y, C)
    if not r.check(_close(v, np.mean(inside), rtol=1e-4),
                   "C = 0.3: the scaler is fitted inside the folds",
                   "cv_log_loss(X_raw, y_cancer, 0.3) does not match a 5-fold cross-validation "
                   "with the scaler fitted on the training folds (contiguous folds, mean "
                   "held-out cross-entropy, folds averaged)"):
        if _close(v, np.mean(leaky), rtol=1e-4):
            r.problems.append("you standardised with all the samples before splitting: the "
                              "held-out fold leaks into the training features; compute the "
                              "mean and sd on the training folds only")
    r.done()



# --- 06-softmax ------------------------------------------------------------------------------
def _ref_log_softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def check_softmax(softmax):
    r = _Report("softmax")
    out = _quiet(softmax, np.array([[0.0, 0.0]]))
    r.check(_is_array(out, (1, 2)) and _close(out, [[0.5, 0.5]]),
            "softmax([[0, 0]]) = [[1/2, 1/2]]",
            f"softmax([[0, 0]]) should be the (1, 2) array [[0.5, 0.5]]; got {_describe(out)}")
    out = _quiet(softmax, np.log(np.array([[1.0, 2.0, 3.0]])))
    r.check(_close(out, [[1 / 6, 2 / 6, 3 / 6]]), "softmax([[0, log 2, log 3]]) = (1, 2, 3)/6",
            "softmax([[0, log 2, log 3]]) should be (1/6, 2/6, 3/6)")
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    out = np.asarray(_quiet(softmax, Z), dtype=float)
    if not r.check(out.shape == (2, 3) and _close(out.sum(axis=1), [1.0, 1.0]),
                   "each row sums to 1", "each row (one per sample) should sum to 1"):
        if out.shape == (2, 3) and _close(out.sum(axis=0), [1.0, 1.0, 1.0]):
            r.problems.append("you normalised the columns: normalise each row (axis=1, "
                              "keepdims=True)")
    out, warned = _call(softmax, np.array([[1000.0, 1000.0, 0.0]]))
    r.check(not warned and _close(out, [[0.5, 0.5, 0.0]]),
            "softmax([[1000, 1000, 0]]) = (1/2, 1/2, 0), no warning",
            "softmax([[1000, 1000, 0]]) should be (1/2, 1/2, 0) without a warning"
            + (f" (yours warned {warned[0]!r}): e^1000 overflows; subtract each row's maximum "
               "first" if warned else ""))
    r.done()


def check_log_softmax(logsumexp, log_softmax):
    r = _Report("logsumexp and log_softmax")
    out = _quiet(logsumexp, np.array([[0.0, 0.0], [1.0, 1.0]]))
    if not r.check(_is_array(out, (2,)) and _close(out, [math.log(2.0), 1 + math.log(2.0)]),
                   "logsumexp([[0, 0], [1, 1]]) = (log 2, 1 + log 2)",
                   "logsumexp([[0, 0], [1, 1]]) should be the (2,) array (log 2, 1 + log 2); "
                   f"got {_describe(out)}"):
        if _close(out, [0.0, 0.0]) or _close(out, [0.0, 1.0]):
            r.problems.append("add the maximum back: lse(z) = m + log sum exp(z - m)")
    out, warned = _call(logsumexp, np.array([[1000.0, 1000.0]]))
    if not r.check(not warned and _close(out, [1000 + math.log(2.0)]),
                   "logsumexp([[1000, 1000]]) = 1000 + log 2, no warning",
                   "logsumexp([[1000, 1000]]) should be 1000 + log 2 without a warning"):
        if warned or np.any(np.isinf(np.asarray(out, dtype=float))):
            r.problems.append("your log-sum-exp is unstable: exp(1000) overflows. Subtract the "
                              "row maximum m first and add it back: m + log sum exp(z - m)")
    out, warned = _call(log_softmax, np.array([[1000.0, 0.0]]))
    out = np.asarray(out, dtype=float)
    if not r.check(not warned and _close(out, [[0.0, -1000.0]]),
                   "log_softmax([[1000, 0]]) = (0, -1000), no warning",
                   "log_softmax([[1000, 0]]) should be (0, -1000) without a warning"):
        if out.shape == (1, 2) and np.isneginf(out[0, 1]):
            r.problems.append("np.log(softmax(Z)) gives -inf where a probability underflows: "
                              "compute (Z - m) - log sum exp(Z - m)")
    Z = np.array([[0.5, -1.0, 2.0]])
    r.check(_close(_quiet(log_softmax, Z), _ref_log_softmax(Z)),
            "log_softmax agrees with log(softmax) for moderate logits",
            "log_softmax([[0.5, -1, 2]]) should equal Z - logsumexp(Z)")
    r.done()


def check_multinomial_cross_entropy(cross_entropy):
    r = _Report("cross_entropy")
    v = _quiet(cross_entropy, np.array([0, 2, 1]), np.zeros((3, 3)))
    if not r.check(_close(v, math.log(3.0)), "equal logits give log K = log 3",
                   "with all logits equal every P_ik = 1/3, so the mean loss is log 3"):
        if _close(v, 3 * math.log(3.0)):
            r.problems.append("you returned the sum: the loss is the mean over samples")
        elif _close(v, -math.log(3.0)):
            r.problems.append("wrong sign: the loss is minus the log-likelihood")
    y, Z = np.array([0, 1]), np.array([[0.0, math.log(3.0)], [0.0, 0.0]])
    r.check(_close(_quiet(cross_entropy, y, Z), (math.log(4.0) + math.log(2.0)) / 2),
            "hand example: (log 4 + log 2) / 2",
            "for y = (0, 1) and Z = [[0, log 3], [0, 0]] the losses are log 4 and log 2 "
            "(lse(z_i) - z_{i, y_i}), mean (log 4 + log 2) / 2")
    v = _quiet(cross_entropy, y, Z, sample_weight=np.array([3.0, 1.0]))
    if not r.check(_close(v, (3 * math.log(4.0) + math.log(2.0)) / 4),
                   "weights (3, 1): (3 log 4 + log 2) / 4",
                   "with weights (3, 1) the weighted mean is (3 log 4 + log 2) / 4"):
        if _close(v, (math.log(4.0) + math.log(2.0)) / 2):
            r.problems.append("the sample weights are ignored")
        elif _close(v, (3 * math.log(4.0) + math.log(2.0)) / 2):
            r.problems.append("divide the weighted sum by the sum of the weights, not by n")
    r.done()


def check_multinomial_gradient(gradient, cross_entropy):
    r = _Report("gradient")
    X, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([0, 1])
    out = _quiet(gradient, X, y, np.zeros((3, 2)), np.zeros(3))
    if not r.check(_is_seq(out, 2),
                   "returns (grad_W, grad_b)",
                   f"should return a tuple (grad_W, grad_b); got {_describe(out)}"):
        r.done()
    g_W, g_b = (np.asarray(v, dtype=float) for v in out)
    hand = np.array([[1 / 6, -5 / 6], [-5 / 6, 2 / 3], [2 / 3, 1 / 6]])
    if not r.check(g_W.shape == (3, 2) and _close(g_W, hand)
                   and _close(g_b, [-1 / 6, -1 / 6, 1 / 3]),
                   "hand example at W = 0, b = 0",
                   "at W = 0, b = 0 (every P = 1/3) grad_W = (P - Y)^T X / n = [[1/6, -5/6], "
                   "[-5/6, 2/3], [2/3, 1/6]] (shape (K, d)) and grad_b = (-1/6, -1/6, 1/3)"):
        if g_W.shape == (2, 3):
            r.problems.append("grad_W has shape (d, K): use (P - Y)^T X, one row per class")
        elif _close(g_W, -hand):
            r.problems.append("wrong sign: the gradient is (P - Y)^T X / n, prediction minus "
                              "target")
        elif _close(g_W, 2 * hand):
            r.problems.append("you returned the sum: divide by n")
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(7, 2)), np.array([0, 1, 2, 1, 0, 2, 2])
    W, b, h = rng.normal(size=(3, 2)), rng.normal(size=3), 1e-6

    def loss(W_, b_):
        return _quiet(cross_entropy, y, X @ W_.T + b_)

    fd = np.zeros((3, 2))
    for k in range(3):
        for j in range(2):
            E = np.zeros((3, 2))
            E[k, j] = h
            fd[k, j] = (loss(W + E, b) - loss(W - E, b)) / (2 * h)
    g_W, _ = _quiet(gradient, X, y, W, b)
    r.check(_close(g_W, fd, rtol=1e-5, atol=1e-8),
            "grad_W matches finite differences of your cross_entropy",
            "grad_W does not match finite differences of your cross_entropy (if the loss is "
            "right, the gradient is not)")
    r.done()


def check_fit_softmax(fit_softmax, X, y):
    r = _Report("fit_softmax")
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    out = _quiet(fit_softmax, X, y, 1.0)
    if not r.check(_is_seq(out, 2), "returns (W, b)",
                   f"should return a tuple (W, b); got {_describe(out)}"):
        r.done()
    W, b = (np.asarray(v, dtype=float) for v in out)
    K, n = int(y.max()) + 1, len(y)
    if not r.check(W.shape == (K, X.shape[1]) and b.shape == (K,),
                   f"shapes ({K}, {X.shape[1]}) and ({K},)",
                   f"W should have shape ({K}, {X.shape[1]}) and b ({K},); got {W.shape} and "
                   f"{b.shape}"):
        r.done()
    R = np.exp(_ref_log_softmax(X @ W.T + b))
    R[np.arange(n), y] -= 1.0
    g = np.concatenate([(R.T @ X / n + W / n).ravel(), R.mean(axis=0)])
    r.check(np.max(np.abs(g)) <= 1e-5, "C = 1: the gradient is below 1e-5",
            f"at the returned (W, b) the gradient of L + ||W||^2 / (2 C n) is "
            f"{np.max(np.abs(g)):.1e}: not a minimum (is the penalty lambda = 1 / (C n)?)")
    r.check(_close(R.mean(axis=0), np.zeros(K), atol=1e-5),
            "the mean probability of each class is its frequency",
            "at the fit the average predicted probability of each class should equal its "
            "frequency in y (the intercepts' gradient is zero): is b fitted?")
    r.check(np.max(np.abs(W.sum(axis=0))) <= 1e-8 and abs(b.sum()) <= 1e-8,
            "W and b sum to 0 over the classes",
            "the columns of W and the intercepts should sum to 0 over the classes (scikit-learn's "
            "symmetric form): start from zero, or subtract the class means")
    r.done()


def check_predict_softmax(predict_proba, predict):
    r = _Report("predict_proba and predict")
    X, W, b = np.eye(2), np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), np.array([0, 0, 1.0])
    P = _quiet(predict_proba, X, W, b)
    e, total = math.e, math.exp(2.0) + 1 + math.e  # logits (2, 0, 1) and (0, 2, 1)
    hand = np.array([[math.exp(2.0), 1.0, e], [1.0, math.exp(2.0), e]]) / total
    if not r.check(_is_array(P, (2, 3)) and _close(P, hand),
                   "hand example: softmax of the logits (2, 0, 1) and (0, 2, 1)",
                   "predict_proba should return softmax(X W^T + b), shape (2, 3): for the hand "
                   f"example the logits are (2, 0, 1) and (0, 2, 1); got {_describe(P)}"):
        if _is_array(P, (2, 3)) and _close(P, np.exp(X @ W.T) / np.exp(X @ W.T).sum(1)[:, None]):
            r.problems.append("you forgot the intercepts b")
    labels = _labels(_quiet(predict, X, W, b))
    r.check(labels is not None and labels.shape == (2,) and np.array_equal(labels, [0, 1]),
            "hand example: integer labels (0, 1)",
            f"predict should return the integer labels (0, 1) (argmax over each row); got "
            f"{_describe(labels)}")
    r.done()


def check_two_classes(binary_from_softmax, softmax_from_binary):
    r = _Report("binary_from_softmax and softmax_from_binary")
    out = _quiet(binary_from_softmax, np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([0.5, -0.5]))
    if not r.check(_is_seq(out, 2)
                   and _close(out[0], [2.0, 3.0]) and _close(out[1], -1.0),
                   "W = [[1, 2], [3, 5]], b = (0.5, -0.5) give w = (2, 3), b = -1",
                   "for W = [[1, 2], [3, 5]] and b = (0.5, -0.5) the binary model is "
                   "w = W[1] - W[0] = (2, 3), b = b[1] - b[0] = -1"):
        if _is_seq(out, 2) and _close(out[0], [-2.0, -3.0]):
            r.problems.append("the difference is the wrong way round: class 1 minus class 0 "
                              "(the positive class is class 1)")
    out = _quiet(softmax_from_binary, np.array([2.0, 3.0]), -1.0)
    r.check(_is_seq(out, 2)
            and _close(out[0], [[-1.0, -1.5], [1.0, 1.5]]) and _close(out[1], [0.5, -0.5]),
            "softmax_from_binary((2, 3), -1) = ([[-1, -1.5], [1, 1.5]], (0.5, -0.5))",
            "softmax_from_binary((2, 3), -1) should be the symmetric model W = [[-1, -1.5], "
            "[1, 1.5]], b = (0.5, -0.5): rows -w/2 and w/2")
    r.done()


def _lazy(x) -> bool:
    """A generator (or map, filter, zip) that the grader reads into a list."""
    from .grading.calls import _LAZY_TYPES

    return type(x) in _LAZY_TYPES


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


# --- the graded tests, previewed -------------------------------------------------------------
# Each self-check also runs the graded tests of its part (the ones in the cells under it) on
# the learner's functions, with the grader's own code (`logreg_course.grading.judge`) but on
# other random inputs than grading uses: what the graded tests would say (a wrong form, a
# value outside the stated tolerance, a forbidden call) is said here first, before hand-in.

#: self-check -> (assignment, the graded tests under it, its parameters that are functions)
PREVIEWS = {
    "check_sigmoid": ("01-sigmoid", ("sigmoid_values", "sigmoid_shapes"), ("sigmoid",)),
    "check_sigmoid_stable": ("01-sigmoid", ("sigmoid_stable",), ("sigmoid",)),
    "check_log_sigmoid": ("01-sigmoid", ("log_sigmoid_moderate", "log_sigmoid_tails"),
                          ("log_sigmoid",)),
    "check_logit": ("01-sigmoid", ("logit_values", "logit_edges"), ("logit",)),
    "check_sigmoid_derivative": ("01-sigmoid", ("sigmoid_derivative_values",
                                                "sigmoid_derivative_tails"),
                                 ("sigmoid_derivative",)),
    "check_predict_proba": ("01-sigmoid", ("predict_proba_values",
                                           "predict_proba_breast_cancer"), ("predict_proba",)),
    "check_predict": ("01-sigmoid", ("predict_default", "predict_threshold"), ("predict",)),
    "check_odds": ("02-log-odds", ("odds_values", "prob_from_odds_values"),
                   ("odds", "prob_from_odds")),
    "check_odds_ratio": ("02-log-odds", ("odds_ratio_values", "odds_ratio_delta"),
                         ("odds_ratio",)),
    "check_wald_ci": ("02-log-odds", ("wald_ci_values", "wald_ci_level"),
                      ("wald_ci_odds_ratio",)),
    "check_marginal_effects": ("02-log-odds", ("marginal_effects_values",),
                               ("marginal_effects",)),
    "check_ame_mem": ("02-log-odds", ("ame_values", "mem_values"),
                      ("average_marginal_effects", "marginal_effects_at_mean")),
    "check_discrete_change": ("02-log-odds", ("discrete_change_values",),
                              ("discrete_change",)),
    "check_effects_table": ("02-log-odds", ("effects_table_spector",), ("effects_table",)),
    "check_cross_entropy": ("03-maximum-likelihood", ("cross_entropy_values",
                                                      "cross_entropy_extreme"),
                            ("cross_entropy",)),
    "check_gradient": ("03-maximum-likelihood", ("gradient_w", "gradient_b"), ("gradient",)),
    "check_hessian": ("03-maximum-likelihood", ("hessian_shape", "hessian_values"),
                      ("hessian",)),
    "check_gradient_descent": ("03-maximum-likelihood", ("gradient_descent_history",
                                                         "gradient_descent_path"),
                               ("gradient_descent",)),
    "check_newton_step": ("03-maximum-likelihood", ("newton_step_values",), ("newton_step",)),
    "check_fit": ("03-maximum-likelihood", ("fit_spector", "fit_breast_cancer",
                                            "fit_probabilities_sum"), ("fit_logistic",)),
    "check_confusion_counts": ("04-thresholds", ("confusion_values", "confusion_edges"),
                               ("confusion_counts",)),
    "check_precision_recall_f1": ("04-thresholds", ("prf_values", "prf_zero_division"),
                                  ("precision_recall_f1",)),
    "check_roc_auc": ("04-thresholds", ("roc_points_values", "auc_values"),
                      ("roc_points", "auc")),
    "check_expected_cost": ("04-thresholds", ("expected_cost_values",), ("expected_cost",)),
    "check_bayes": ("04-thresholds", ("bayes_threshold_simple", "bayes_threshold_general",
                                      "bayes_threshold_invalid", "bayes_decisions_logits"),
                    ("bayes_threshold", "bayes_decisions")),
    "check_cost_optimal_threshold": ("04-thresholds", ("cost_optimal_values",
                                                       "cost_optimal_ties"),
                                     ("cost_optimal_threshold",)),
    "check_threshold_for_recall": ("04-thresholds", ("recall_threshold_values",),
                                   ("threshold_for_recall",)),
    "check_penalised_objective": ("05-regularisation", ("objective_values",
                                                        "objective_sample_weight"),
                                  ("penalised_objective",)),
    "check_penalised_gradient": ("05-regularisation", ("gradient_w", "gradient_b"),
                                 ("penalised_gradient",)),
    "check_fit_penalised": ("05-regularisation", ("fit_breast_cancer", "fit_balance"),
                            ("fit_penalised",)),
    "check_balanced_sample_weight": ("05-regularisation", ("balanced_values",
                                                           "balanced_weighted"),
                                     ("balanced_sample_weight",)),
    "check_l1": ("05-regularisation", ("soft_threshold_values", "kkt_check_values"),
                 ("soft_threshold", "l1_kkt_check")),
    "check_cross_validation": ("05-regularisation", ("kfold_values", "cv_log_loss_values"),
                               ("kfold_indices", "cv_log_loss")),
    "check_softmax": ("06-softmax", ("softmax_values", "softmax_stable"), ("softmax",)),
    "check_log_softmax": ("06-softmax", ("logsumexp_values", "log_softmax_values",
                                         "log_softmax_stable"), ("logsumexp", "log_softmax")),
    "check_multinomial_cross_entropy": ("06-softmax", ("cross_entropy_values",
                                                       "cross_entropy_weights"),
                                        ("cross_entropy",)),
    "check_multinomial_gradient": ("06-softmax", ("gradient_W", "gradient_b"),
                                   ("gradient", "cross_entropy")),
    "check_fit_softmax": ("06-softmax", ("fit_iris", "fit_wine", "fit_centred"),
                          ("fit_softmax",)),
    "check_predict_softmax": ("06-softmax", ("predict_proba_values", "predict_labels"),
                              ("predict_proba", "predict")),
    "check_two_classes": ("06-softmax", ("binary_from_softmax_values",
                                         "softmax_from_binary_values"),
                          ("binary_from_softmax", "softmax_from_binary")),
}

#: The salt of the previews' random inputs (grading draws a fresh one each time).
PREVIEW_SALT = 20_261_204
_PENDING: list = []  # the preview the running self-check owes (set by `_previewing`)
_GRADER: dict = {}  # built on first use: the monitor and each assignment's stand-ins


def _run_preview(report) -> None:
    """Run the pending preview of the self-check whose `report` is done (once).

    Not in a grading kernel (the grader is installed there): the graded tests run anyway.
    """
    if not _PENDING:
        return
    assignment, grade_ids, functions = _PENDING.pop()
    guard = sys.modules.get("logreg_course.grading.guard")
    if guard is not None and guard.installed():
        return
    from .grading import standins
    from .grading.calls import Monitor
    from .grading.checks import Context
    from .grading.judge import judge
    from .grading.policy import Policy
    from .grading.specs import get_spec

    if "monitor" not in _GRADER:
        _GRADER["monitor"] = Monitor(Policy())
    if assignment not in _GRADER:
        text = standins.source(assignment)
        _GRADER[assignment] = (standins.load(assignment, text), standins.graded_order(text))
    trusted, order = _GRADER[assignment]
    spec = get_spec(assignment)
    passed = []
    for gid in grade_ids:
        check = spec[gid]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict = judge(check, Context(PREVIEW_SALT), functions.get, _GRADER["monitor"],
                            trusted=trusted, order=order)
        if verdict.passed:
            passed.append(gid)
        else:
            report.problems.append(
                f"the graded test {gid} ({check.points:g} point{'s' * (check.points != 1)}: "
                f"{check.summary}) would fail: {verdict.message}")
    if passed:
        report.ok.append(f"the graded test{'s' * (len(passed) > 1)} {', '.join(passed)} "
                         f"pass{'es' * (len(passed) == 1)} on other random inputs (a preview: "
                         "grading draws new ones)")


def _previewing(check, assignment, grade_ids, names):
    """`check` that also previews the graded tests `grade_ids` on its function arguments."""
    import functools

    @functools.wraps(check)
    def run(*args, **kwargs):
        _PENDING[:] = [(assignment, grade_ids, dict(zip(names, args, strict=False)))]
        try:
            try:
                result = check(*args, **kwargs)
            except NotImplementedError:  # an unanswered stub: the learner's own traceback
                raise
            except AssertionError:
                raise
            except Exception as exc:
                # the hand examples could not be read: say why, and what the graded tests say
                who = exc.__dict__.get("_lrc_learner")
                report = _Report(check.__name__.removeprefix("check_").replace("_", " "))
                report.problems.append(
                    f"your {who} raised {type(exc).__name__}: {exc}" if who else
                    f"the self-check could not read your function's answer "
                    f"({type(exc).__name__}: {exc}); see what the graded tests say")
                report.done()
        except NotImplementedError:
            _record(check.__name__, "not answered", "a function still raises "
                    "NotImplementedError: write it")
            raise
        except AssertionError as exc:
            _record(check.__name__, "failed", str(exc).splitlines()[0] if str(exc) else "")
            raise
        except BaseException as exc:
            _record(check.__name__, "failed", f"{type(exc).__name__}: {exc}"[:200])
            raise
        finally:
            _PENDING.clear()
        _record(check.__name__, "passed", "")
        return result
    return run


for _name, (_aid, _gids, _names) in PREVIEWS.items():
    globals()[_name] = _previewing(globals()[_name], _aid, _gids, _names)
del _name, _aid, _gids, _names


# --- before hand-in ------------------------------------------------------------------------

#: The self-checks run in this kernel: name -> (status, detail), the latest run of each;
#: status is "passed", "failed" or "not answered". `ready_to_hand_in` reports them.
RESULTS: dict = {}


def _record(name, status, detail):
    RESULTS.pop(name, None)  # keep the order of the latest runs
    RESULTS[name] = (status, detail)


def ready_to_hand_in(assignment_id):
    """The notebook's last cell: is this notebook ready to hand in? (Prints; no points.)

    Says which of the assignment's self-checks this kernel ran and how they did, checks
    the *saved* notebook file as the grader will read it (`logreg_course.handin`: grading
    marks, deleted or copied cells, the grader's scan; not a run in a fresh kernel), and
    prints the command for the full check, ``logreg-course validate``. In a grading kernel
    (the grader is installed) it does nothing.
    """
    import sys

    if "logreg_course.grading.guard" in sys.modules:
        return
    from . import handin

    handin.report_in_kernel(assignment_id, RESULTS, PREVIEWS)
