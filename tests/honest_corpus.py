"""Honest submissions: correct answers in many styles, slow answers, and upstream slips.

Issue 11 ("Fair grading") asks that honest work is never penalised for its form, its speed or
a slip in an earlier part. This module holds the submissions that prove it, built like those
of `grading_corpus` (the student notebook with its answer cells replaced, `build`):

* `HONEST`: for each assignment, at least eight complete submissions, each written in one
  coherent style by a learner working from the task text and the maths (vectorised, loops,
  the ``math`` module per element, identities such as ``tanh``/``cosh``/``logaddexp``/
  ``expm1``, ``einsum`` and matrix forms, helpers and early returns, float32-safe inputs and
  views, generators and lists where the text allows them). Every one follows the task text
  (names, signatures, means vs sums, intercept last, ties, zero-division conventions, integer
  labels) and must earn full autograded marks, in the kernel (nbgrader) and in the
  out-of-kernel re-check (``logreg-course grade``).
* `SLOW`: for each assignment, a correct submission about ten times slower than the solution
  or more (pure-Python loops over samples), each hidden test cell still well inside the
  kernel's 60 s per cell (under 15 s on a 2-core machine): it must keep full marks too.
* `UPSTREAM`: submissions where one earlier graded function is wrong in one way
  (inaccurate, overflowing, wrong shape or container) and every later function is right
  and calls it as a learner naturally would. ``Case.fails`` lists the grade ids such a
  submission loses: the upstream part's own checks only (nothing, where the "wrong"
  container is one the grader reads as the right values).
* `CALLS_UPSTREAM`: which graded functions a natural solution calls from earlier parts
  (read from the task texts and confirmed while writing the variants).

Rules every graded function here keeps: numpy and the standard library only (never
logreg_ref, SciPy, scikit-learn or statsmodels); plain functions (no classes).
"""

from __future__ import annotations

from grading_corpus import Case

__all__ = ["ANSWER_CELLS", "CALLS_UPSTREAM", "HONEST", "SLOW", "UPSTREAM"]

A01, A02, A03 = "01-sigmoid", "02-log-odds", "03-maximum-likelihood"
A04, A05, A06 = "04-thresholds", "05-regularisation", "06-softmax"

#: The answer cells of each assignment: an honest or slow case replaces every one of them.
ANSWER_CELLS = {
    A01: ("sigmoid_answer", "log_sigmoid_answer", "logit_answer", "sigmoid_derivative_answer",
          "predict_proba_answer", "predict_answer"),
    A02: ("odds_answer", "prob_from_odds_answer", "odds_ratio_answer", "wald_ci_answer",
          "marginal_effects_answer", "ame_answer", "mem_answer", "discrete_change_answer",
          "effects_table_answer"),
    A03: ("cross_entropy_answer", "gradient_answer", "hessian_answer",
          "gradient_descent_answer", "newton_step_answer", "fit_answer"),
    A04: ("confusion_answer", "prf_answer", "roc_answer", "cost_answer", "bayes_answer",
          "optimal_answer", "recall_answer"),
    A05: ("objective_answer", "gradient_answer", "fit_answer", "weights_answer", "l1_answer",
          "cv_answer"),
    A06: ("softmax_answer", "lse_answer", "loss_answer", "gradient_answer", "fit_answer",
          "predict_answer", "two_answer"),
}

#: Per assignment: graded function -> the earlier graded functions a natural solution calls.
#: (Helpers given by the setup cell, such as the stable `sigmoid` of 03-05, are not graded
#: there and are left out.) Alternatives a learner may take instead are noted in comments.
CALLS_UPSTREAM = {
    A01: {
        "sigmoid": (),
        "log_sigmoid": (),  # may call sigmoid only in the inaccurate np.log(sigmoid(z)) form
        "logit": (),
        "sigmoid_derivative": ("sigmoid",),  # sigma(z) * sigma(-z), as Part E suggests
        "predict_proba": ("sigmoid",),  # the text says: "and your sigmoid"
        "predict": ("predict_proba",),
    },
    A02: {
        "odds": (),
        "prob_from_odds": (),
        "odds_ratio": (),
        "wald_ci_odds_ratio": (),  # may call odds_ratio on coef -/+ z se
        "marginal_effects": (),
        "average_marginal_effects": (),  # or ("marginal_effects",) in a loop over rows
        "marginal_effects_at_mean": ("marginal_effects",),  # the effect at the mean row
        "discrete_change": (),
        "effects_table": ("odds_ratio", "wald_ci_odds_ratio", "average_marginal_effects",
                          "marginal_effects_at_mean"),  # "Use your functions from B, C, E"
    },
    A03: {
        "cross_entropy": (),
        "gradient": (),
        "hessian": (),
        "gradient_descent": ("gradient", "cross_entropy"),
        "newton_step": ("gradient", "hessian"),  # "using your gradient and hessian"
        "fit_logistic": ("gradient", "newton_step"),  # or gradient and hessian directly
    },
    A04: {
        "confusion_counts": (),
        "precision_recall_f1": ("confusion_counts",),  # "using your confusion_counts"
        "roc_points": (),  # or confusion_counts at every threshold
        "auc": (),  # or roc_points and the trapezoid rule ("as the area under your ROC")
        "expected_cost": ("confusion_counts",),  # "using your confusion_counts"
        "bayes_threshold": (),
        "bayes_decisions": ("bayes_threshold",),  # (and the setup cell's sigmoid)
        "cost_optimal_threshold": (),  # or confusion_counts / expected_cost per candidate
        "threshold_for_recall": (),  # or confusion_counts / precision_recall_f1 per candidate
    },
    A05: {
        "penalised_objective": (),
        "penalised_gradient": (),
        "fit_penalised": ("penalised_gradient",),
        "balanced_sample_weight": (),
        "soft_threshold": (),
        "l1_kkt_check": (),
        "kfold_indices": (),
        "cv_log_loss": ("kfold_indices", "fit_penalised"),  # "fit with your fit_penalised"
    },
    A06: {
        "softmax": (),
        "logsumexp": (),
        "log_softmax": ("logsumexp",),  # Z - logsumexp(Z); or the shifted form, no call
        "cross_entropy": ("log_softmax",),  # "with your log_softmax"
        "gradient": ("softmax",),
        "fit_softmax": ("gradient",),
        "predict_proba": ("softmax",),
        "predict": (),  # or ("predict_proba",): the largest probability
        "binary_from_softmax": (),
        "softmax_from_binary": (),
    },
}


def _case(name: str, why: str, **cells: str) -> Case:
    """A submission whose answer cells (grade id -> code) are all given here."""
    return Case(name, why, edits=cells)


# =============================================================================================
# 01-sigmoid
# =============================================================================================
HONEST_01 = [
    _case(
        "masks", "vectorised: boolean masks fill an output array, one formula per sign",
        sigmoid_answer='''\
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    # z >= 0: exp(-z) <= 1; z < 0: exp(z) < 1. No exponent is ever positive.
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = -np.log1p(np.exp(-z[pos]))
    out[~pos] = z[~pos] - np.log1p(np.exp(z[~pos]))
    return out
''',
        logit_answer='''\
def logit(p):
    p = np.asarray(p, dtype=float)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    return sigmoid(z) * sigmoid(-z)
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    return sigmoid(X @ w + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    p = predict_proba(X, w, b)
    return (p >= threshold).astype(int)
''',
    ),
    _case(
        "math_vectorize", "the math module on one number at a time, lifted with np.vectorize",
        sigmoid_answer='''\
import math


def _sigmoid_one(t):
    # one number: keep the exponent <= 0
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


_sigmoid_all = np.vectorize(_sigmoid_one, otypes=[float])


def sigmoid(z):
    return _sigmoid_all(np.asarray(z, dtype=float))
''',
        log_sigmoid_answer='''\
def _log_sigmoid_one(t):
    return min(t, 0.0) - math.log1p(math.exp(-abs(t)))


_log_sigmoid_all = np.vectorize(_log_sigmoid_one, otypes=[float])


def log_sigmoid(z):
    return _log_sigmoid_all(np.asarray(z, dtype=float))
''',
        logit_answer='''\
def _logit_one(q):
    if q == 0.0:
        return -math.inf
    if q == 1.0:
        return math.inf
    return math.log(q) - math.log1p(-q)


_logit_all = np.vectorize(_logit_one, otypes=[float])


def logit(p):
    p = np.asarray(p, dtype=float)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("logit: p must be in [0, 1]")
    return _logit_all(p)
''',
        sigmoid_derivative_answer='''\
def _derivative_one(t):
    # sigma(t) sigma(-t) = e / (1 + e)^2 with e = exp(-|t|): the same for t and -t
    e = math.exp(-abs(t))
    return e / (1.0 + e) ** 2


_derivative_all = np.vectorize(_derivative_one, otypes=[float])


def sigmoid_derivative(z):
    return _derivative_all(np.asarray(z, dtype=float))
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    z = X @ w + b
    return sigmoid(z)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    labels = [1 if p >= threshold else 0 for p in predict_proba(X, w, b)]
    return np.array(labels, dtype=int)
''',
    ),
    _case(
        "identities", "identities: exp(-logaddexp(0, -z)), 2 artanh(2p - 1), 1 / (4 cosh^2(z/2))",
        sigmoid_answer='''\
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    # sigma(z) = exp(log sigma(z)) and log sigma(z) = -log(1 + e^-z) = -logaddexp(0, -z)
    return np.exp(-np.logaddexp(0.0, -z))
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    # log sigma(z) = -log(1 + e^-z), and logaddexp never overflows
    return -np.logaddexp(0.0, -np.asarray(z, dtype=float))
''',
        logit_answer='''\
def logit(p):
    p = np.asarray(p, dtype=float)
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("logit is only defined for 0 <= p <= 1")
    # log(p / (1 - p)) = 2 artanh(2p - 1); artanh(+-1) = +-inf
    with np.errstate(divide="ignore"):
        return 2.0 * np.arctanh(2.0 * p - 1.0)
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    # sigma(z) sigma(-z) = 1 / (e^(z/2) + e^(-z/2))^2 = 1 / (4 cosh(z/2)^2)
    return 0.25 / np.cosh(z / 2.0) ** 2
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    return sigmoid(np.dot(X, w) + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    return np.where(predict_proba(X, w, b) >= threshold, 1, 0)
''',
    ),
    _case(
        "float_in_float_out", "helpers and early returns; a Python float in gives a float out",
        sigmoid_answer='''\
def _stable_sigmoid(z):
    # numerator 1 (z >= 0) or e (z < 0), denominator 1 + e, with e = exp(-|z|) <= 1
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid(z):
    if isinstance(z, (int, float)):
        return float(_stable_sigmoid(np.float64(z)))
    return _stable_sigmoid(np.asarray(z, dtype=float))
''',
        log_sigmoid_answer='''\
def _stable_log_sigmoid(z):
    return np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))


def log_sigmoid(z):
    if isinstance(z, (int, float)):
        return float(_stable_log_sigmoid(np.float64(z)))
    return _stable_log_sigmoid(np.asarray(z, dtype=float))
''',
        logit_answer='''\
def _check_probabilities(p):
    bad = (p < 0) | (p > 1)
    if np.any(bad):
        raise ValueError(f"{np.count_nonzero(bad)} value(s) outside [0, 1]")


def logit(p):
    p = np.asarray(p, dtype=float)
    _check_probabilities(p)
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    if isinstance(z, (int, float)):
        return sigmoid(z) * sigmoid(-z)
    z = np.asarray(z, dtype=float)
    return sigmoid(z) * sigmoid(-z)
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    X = np.asarray(X, dtype=float)
    if X.shape[0] == 0:
        return np.zeros(0)
    return sigmoid(X @ np.asarray(w, dtype=float) + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    labels = np.zeros(len(X), dtype=int)
    labels[predict_proba(X, w, b) >= threshold] = 1
    return labels
''',
    ),
    _case(
        "float64_views", "float32-safe conversion to float64, flat views, reshape at the end",
        sigmoid_answer='''\
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)  # float32, ints and lists all become float64
    flat = z.ravel()  # a view for contiguous input
    e = np.exp(-np.abs(flat))
    out = 1.0 / (1.0 + e)
    neg = flat < 0
    out[neg] *= e[neg]  # e / (1 + e) where z < 0
    return out.reshape(z.shape)  # a view of out, in the shape of z
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    flat = z.ravel()
    out = np.minimum(flat, 0.0) - np.log1p(np.exp(-np.abs(flat)))
    return out.reshape(z.shape)
''',
        logit_answer='''\
def logit(p):
    p = np.asarray(p, dtype=np.float64)
    outside = np.logical_or(p < 0.0, p > 1.0)
    if outside.any():
        raise ValueError("logit: every probability must be between 0 and 1")
    with np.errstate(divide="ignore"):
        return np.log(p / (1.0 - p))
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=np.float64)
    s_pos = sigmoid(z)
    s_neg = sigmoid(-z)
    return s_pos * s_neg
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    z = X @ w
    z += b  # in place: z is our own array
    return sigmoid(z)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    flags = np.greater_equal(predict_proba(X, w, b), threshold)
    return flags.astype(np.int64)
''',
    ),
    _case(
        "element_loops", "explicit loops over the elements (np.ndindex) with the math module",
        sigmoid_answer='''\
import math


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros(z.shape)
    for idx in np.ndindex(z.shape):
        t = z[idx]
        if t >= 0:
            out[idx] = 1.0 / (1.0 + math.exp(-t))
        else:
            out[idx] = math.exp(t) / (1.0 + math.exp(t))
    return out
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros(z.shape)
    for idx in np.ndindex(z.shape):
        t = z[idx]
        out[idx] = min(t, 0.0) - math.log1p(math.exp(-abs(t)))
    return out
''',
        logit_answer='''\
def logit(p):
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape)
    for idx in np.ndindex(p.shape):
        q = p[idx]
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"logit: {q} is not a probability")
        if q == 0.0:
            out[idx] = -math.inf
        elif q == 1.0:
            out[idx] = math.inf
        else:
            out[idx] = math.log(q / (1.0 - q))
    return out
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    s = sigmoid(z)
    s_minus = sigmoid(-z)
    out = np.zeros(z.shape)
    for idx in np.ndindex(z.shape):
        out[idx] = s[idx] * s_minus[idx]
    return out
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    return sigmoid(X @ w + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    p = predict_proba(X, w, b)
    labels = np.zeros(len(p), dtype=int)
    for i in range(len(p)):
        if p[i] >= threshold:
            labels[i] = 1
    return labels
''',
    ),
    _case(
        "einsum_inplace", "einsum for the matrix product; ufuncs with out= on private copies",
        sigmoid_answer='''\
def sigmoid(z):
    z = np.array(z, dtype=float)  # np.array copies: ours to keep
    e = np.empty_like(z)
    np.abs(z, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|z|), computed in place
    numerator = np.where(z < 0, e, 1.0)
    return numerator / (1.0 + e)
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    z = np.array(z, dtype=float)
    e = np.empty_like(z)
    np.exp(-np.abs(z), out=e)
    np.log1p(e, out=e)
    return np.minimum(z, 0.0) - e
''',
        logit_answer='''\
def logit(p):
    p = np.array(p, dtype=float)
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("logit(p) needs 0 <= p <= 1")
    with np.errstate(divide="ignore"):
        return np.subtract(np.log(p), np.log1p(-p))
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    z = np.array(z, dtype=float)
    return np.multiply(sigmoid(z), sigmoid(-z))
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    # one matrix-vector product, written as an einsum
    return sigmoid(np.einsum("ij,j->i", X, w) + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    return (predict_proba(X, w, b) >= threshold) * 1
''',
    ),
    _case(
        "generators", "generators fed to np.fromiter, reshaped; labels from a generator too",
        sigmoid_answer='''\
import math


def _sig(t):
    if t < 0:
        e = math.exp(t)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(-t))


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    values = (_sig(t) for t in z.flat)
    return np.fromiter(values, dtype=float, count=z.size).reshape(z.shape)
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    values = (min(t, 0.0) - math.log1p(math.exp(-abs(t))) for t in z.flat)
    return np.fromiter(values, dtype=float, count=z.size).reshape(z.shape)
''',
        logit_answer='''\
def _logit_of(q):
    if q < 0.0 or q > 1.0:
        raise ValueError("each p must be a probability, in [0, 1]")
    if q in (0.0, 1.0):
        return -math.inf if q == 0.0 else math.inf
    return math.log(q) - math.log1p(-q)


def logit(p):
    p = np.asarray(p, dtype=float)
    values = (_logit_of(q) for q in p.flat)
    return np.fromiter(values, dtype=float, count=p.size).reshape(p.shape)
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    values = (_sig(t) * _sig(-t) for t in z.flat)
    return np.fromiter(values, dtype=float, count=z.size).reshape(z.shape)
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    return sigmoid(X @ w + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    p = predict_proba(X, w, b)
    return np.fromiter((p_i >= threshold for p_i in p), dtype=int, count=len(p))
''',
    ),
    _case(
        "piecewise", "np.piecewise with one formula per branch; an even derivative in |z|",
        sigmoid_answer='''\
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.piecewise(z, [z >= 0, z < 0], [
        lambda t: 1.0 / (1.0 + np.exp(-t)),
        lambda t: np.exp(t) / (1.0 + np.exp(t)),
    ])
''',
        log_sigmoid_answer='''\
def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.piecewise(z, [z >= 0, z < 0], [
        lambda t: -np.log1p(np.exp(-t)),
        lambda t: t - np.log1p(np.exp(t)),
    ])
''',
        logit_answer='''\
def logit(p):
    p = np.asarray(p, dtype=float)
    if np.any((p < 0.0) | (p > 1.0)):
        raise ValueError("p outside [0, 1]")
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log(1.0 - p)
''',
        sigmoid_derivative_answer='''\
def sigmoid_derivative(z):
    # sigma' is even: with e = exp(-|z|) <= 1 it is e / (1 + e)^2 on both sides
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1.0 + e) ** 2
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    return sigmoid(X.dot(w) + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    return np.asarray(predict_proba(X, w, b) >= threshold, dtype=int)
''',
    ),
]

SLOW_01 = [
    _case(
        "decimal_per_element", "slow: every value in 40-digit decimal arithmetic, then rounded",
        sigmoid_answer='''\
from decimal import Decimal, localcontext


def _sigmoid_exact(t):
    # 40 significant digits, rounded once to a float at the end
    with localcontext() as ctx:
        ctx.prec = 40
        e = Decimal(-abs(t)).exp()  # exp(-|t|) <= 1: no overflow
        s = 1 / (1 + e) if t >= 0 else e / (1 + e)
        return float(s)


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    values = [_sigmoid_exact(t) for t in z.ravel().tolist()]
    return np.array(values, dtype=float).reshape(z.shape)
''',
        log_sigmoid_answer='''\
import math


def log_sigmoid(z):
    z = np.asarray(z, dtype=float)
    values = [min(t, 0.0) - math.log1p(math.exp(-abs(t))) for t in z.ravel().tolist()]
    return np.array(values, dtype=float).reshape(z.shape)
''',
        logit_answer='''\
def _logit_exact(q):
    if q == 0.0:
        return -math.inf
    if q == 1.0:
        return math.inf
    with localcontext() as ctx:
        ctx.prec = 40
        d = Decimal(q)
        return float(d.ln() - (1 - d).ln())


def logit(p):
    p = np.asarray(p, dtype=float)
    values = []
    for q in p.ravel().tolist():
        if q < 0.0 or q > 1.0:
            raise ValueError(f"logit: {q} is not in [0, 1]")
        values.append(_logit_exact(q))
    return np.array(values, dtype=float).reshape(p.shape)
''',
        sigmoid_derivative_answer='''\
def _derivative_exact(t):
    with localcontext() as ctx:
        ctx.prec = 40
        e = Decimal(-abs(t)).exp()
        return float(e / (1 + e) ** 2)


def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    values = [_derivative_exact(t) for t in z.ravel().tolist()]
    return np.array(values, dtype=float).reshape(z.shape)
''',
        predict_proba_answer='''\
def predict_proba(X, w, b):
    return sigmoid(X @ w + b)
''',
        predict_answer='''\
def predict(X, w, b, threshold=0.5):
    labels = []
    for p in predict_proba(X, w, b).tolist():
        labels.append(1 if p >= threshold else 0)
    return np.array(labels, dtype=int)
''',
    ),
]

_SIGMOID_01 = ("sigmoid_values", "sigmoid_shapes", "sigmoid_stable")

UPSTREAM_01 = [
    # inaccurate: the textbook identity sigma(z) = (1 + tanh(z/2)) / 2 is stable and accurate to
    # ~1e-16 in absolute terms, but 1 + tanh(z/2) cancels for z << 0 (relative error ~1e-10 at
    # z = -15). Downstream, sigmoid_derivative (sigma(z) sigma(-z)) and predict_proba inherit it.
    Case("tanh_sigmoid", "upstream inaccurate: sigmoid as 0.5 (1 + tanh(z/2)); the rest right",
         {"sigmoid_answer": '''\
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.tanh(z / 2.0))
'''},
         # sigmoid_shapes passes unless the salted 4x5 grid (N(0, 9)) holds a z below ~-9.7
         frozenset({"sigmoid_values", "sigmoid_stable"})),
    # overflowing: right values, but exp(-z) overflows (and warns) for z < -709
    Case("overflowing_sigmoid", "upstream overflows: 1 / (1 + exp(-z)); the rest right",
         {"sigmoid_answer": '''\
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return 1.0 / (1.0 + np.exp(-z))
'''},
         frozenset({"sigmoid_stable"})),
    # wrong container: a stable, exact sigmoid that returns a Python list
    Case("list_sigmoid", "upstream returns a list: sigmoid loops with math; the rest right",
         {"sigmoid_answer": '''\
import math


def _one(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def sigmoid(z):
    return [_one(t) for t in np.ravel(np.asarray(z, dtype=float))]
'''},
         # lists for arrays are read as arrays, but sigmoid(0.7) as a list of one number is
         # not a number (the grader reads values, not containers)
         frozenset({"sigmoid_shapes"})),
    # wrong shape: predict_proba returns a column (n, 1); predict thresholds what it gets
    Case("column_predict_proba", "upstream shape (n, 1): predict_proba with w as a column",
         {"predict_proba_answer": '''\
def predict_proba(X, w, b):
    return sigmoid(X @ np.reshape(w, (-1, 1)) + b)
''',
          "predict_answer": '''\
def predict(X, w, b, threshold=0.5):
    return (predict_proba(X, w, b) >= threshold).astype(int)
'''},
         frozenset({"predict_proba_values", "predict_proba_breast_cancer"})),
    # wrong container: predict_proba returns a list; predict compares it with the threshold
    Case("list_predict_proba", "upstream returns a list: predict_proba; the usual predict",
         {"predict_proba_answer": '''\
def predict_proba(X, w, b):
    return [float(p) for p in sigmoid(X @ w + b)]
''',
          "predict_answer": '''\
def predict(X, w, b, threshold=0.5):
    return (predict_proba(X, w, b) >= threshold).astype(int)
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
]


# =============================================================================================
# 02-log-odds
# =============================================================================================
HONEST_02 = [
    _case(
        "vectorised", "vectorised numpy; a small stable sigmoid helper beside marginal_effects",
        odds_answer='''\
def odds(p):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return np.divide(p, 1.0 - p)
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    with np.errstate(invalid="ignore"):
        p = o / (1.0 + o)  # nan at o = inf (inf / inf) ...
    return np.where(np.isinf(o), 1.0, p)  # ... where the answer is certainty
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    coef = np.asarray(coef, dtype=float)
    return np.exp(delta * coef)
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    coef = np.asarray(coef, dtype=float)
    se = np.asarray(se, dtype=float)
    z = NormalDist().inv_cdf((1 + level) / 2)
    return np.exp(coef - z * se), np.exp(coef + z * se)
''',
        marginal_effects_answer='''\
def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def marginal_effects(x, w, b):
    p = stable_sigmoid(np.dot(x, w) + b)
    return p * (1 - p) * np.asarray(w, dtype=float)
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    p = stable_sigmoid(X @ w + b)
    return np.mean(p * (1 - p)) * np.asarray(w, dtype=float)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    return marginal_effects(np.mean(X, axis=0), w, b)
''',
        discrete_change_answer='''\
def discrete_change(X, w, b, j):
    X1 = np.array(X, dtype=float)  # copies: X itself is left alone
    X0 = np.array(X, dtype=float)
    X1[:, j] = 1.0
    X0[:, j] = 0.0
    return float(np.mean(stable_sigmoid(X1 @ w + b) - stable_sigmoid(X0 @ w + b)))
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    columns = [odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
               marginal_effects_at_mean(X, w, b)]
    return np.column_stack(columns)
''',
    ),
    _case(
        "row_loops", "loops over elements and rows; the quantile by bisection on math.erf",
        odds_answer='''\
import math


def odds(p):
    p = np.asarray(p, dtype=float)
    out = np.empty(p.shape)
    for idx in np.ndindex(p.shape):
        out[idx] = math.inf if p[idx] == 1.0 else p[idx] / (1.0 - p[idx])
    return out
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    out = np.empty(o.shape)
    for idx in np.ndindex(o.shape):
        out[idx] = 1.0 if math.isinf(o[idx]) else o[idx] / (1.0 + o[idx])
    return out
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    coef = np.asarray(coef, dtype=float)
    out = np.empty(coef.shape)
    for idx in np.ndindex(coef.shape):
        out[idx] = math.exp(delta * coef[idx])
    return out
''',
        wald_ci_answer='''\
def normal_quantile(q):
    # Phi(x) = (1 + erf(x / sqrt 2)) / 2 increases: bisect Phi(x) = q on [-40, 40]
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def wald_ci_odds_ratio(coef, se, level=0.95):
    z = normal_quantile(0.5 + level / 2)
    lower = [math.exp(c - z * s) for c, s in zip(coef, se)]
    upper = [math.exp(c + z * s) for c, s in zip(coef, se)]
    return np.array(lower), np.array(upper)
''',
        marginal_effects_answer='''\
def _p(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    return math.exp(t) / (1.0 + math.exp(t))


def marginal_effects(x, w, b):
    z = b
    for x_j, w_j in zip(x, w):
        z += x_j * w_j
    p = _p(z)
    return np.array([p * (1.0 - p) * w_j for w_j in w])
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    total = np.zeros(len(w))
    for row in X:
        total += marginal_effects(row, w, b)
    return total / len(X)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    n, d = X.shape
    mean_row = np.zeros(d)
    for row in X:
        mean_row += row
    return marginal_effects(mean_row / n, w, b)
''',
        discrete_change_answer='''\
def discrete_change(X, w, b, j):
    total = 0.0
    for row in X:
        on, off = row.copy(), row.copy()
        on[j], off[j] = 1.0, 0.0
        total += _p(float(on @ w) + b) - _p(float(off @ w) + b)
    return total / len(X)
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    ratio = odds_ratio(w)
    lower, upper = wald_ci_odds_ratio(w, se)
    ame = average_marginal_effects(X, w, b)
    mem = marginal_effects_at_mean(X, w, b)
    rows = []
    for j in range(len(w)):
        rows.append([ratio[j], lower[j], upper[j], ame[j], mem[j]])
    return np.array(rows)
''',
    ),
    _case(
        "identities", "identities: odds = exp(logit p), p = sigmoid(log o), 1/(4 cosh^2), tanh",
        odds_answer='''\
def odds(p):
    p = np.asarray(p, dtype=float)
    # p / (1 - p) = exp(log p - log(1 - p)); the logs are -inf at 0 and 1, exp copes
    with np.errstate(divide="ignore"):
        return np.exp(np.log(p) - np.log1p(-p))
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    with np.errstate(divide="ignore"):
        z = np.log(o)  # the log-odds: -inf at o = 0, inf at o = inf
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    # exp(delta * w) = exp(w) ** delta
    return np.exp(np.asarray(coef, dtype=float)) ** delta
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    coef, se = np.asarray(coef, dtype=float), np.asarray(se, dtype=float)
    alpha = 1.0 - level
    z = -NormalDist().inv_cdf(alpha / 2)  # the upper alpha/2 point
    ratio = np.exp(coef)
    return ratio * np.exp(-z * se), ratio * np.exp(z * se)
''',
        marginal_effects_answer='''\
def marginal_effects(x, w, b):
    z = np.dot(x, w) + b
    # p (1 - p) = sigma(z) sigma(-z) = 1 / (4 cosh(z/2)^2)
    return np.asarray(w, dtype=float) / (4.0 * np.cosh(z / 2.0) ** 2)
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    z = X @ w + b
    return np.mean(1.0 / (4.0 * np.cosh(z / 2.0) ** 2)) * np.asarray(w, dtype=float)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    return marginal_effects(X.mean(axis=0), w, b)
''',
        discrete_change_answer='''\
def discrete_change(X, w, b, j):
    X = np.asarray(X, dtype=float)
    z_rest = X @ w - X[:, j] * w[j] + b  # the logit without feature j
    # sigma(a) - sigma(c) = (tanh(a/2) - tanh(c/2)) / 2
    diff = (np.tanh((z_rest + w[j]) / 2.0) - np.tanh(z_rest / 2.0)) / 2.0
    return float(diff.mean())
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    return np.stack([odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
                     marginal_effects_at_mean(X, w, b)], axis=1)
''',
    ),
    _case(
        "helpers_where", "helpers, early returns, and ufuncs with where= and out=",
        odds_answer='''\
def odds(p):
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return p.copy()
    result = np.full(p.shape, np.inf)
    np.divide(p, 1.0 - p, out=result, where=p < 1.0)  # leave inf where p = 1
    return result
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    result = np.ones(o.shape)  # certainty where the odds are infinite
    np.divide(o, 1.0 + o, out=result, where=np.isfinite(o))
    return result
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    log_ratio = np.multiply(delta, coef, dtype=float)
    return np.exp(log_ratio)
''',
        wald_ci_answer='''\
import statistics


def critical_value(level):
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    return statistics.NormalDist(mu=0.0, sigma=1.0).inv_cdf(0.5 + level / 2)


def wald_ci_odds_ratio(coef, se, level=0.95):
    half_width = critical_value(level) * np.asarray(se, dtype=float)
    centre = np.asarray(coef, dtype=float)
    return np.exp(centre - half_width), np.exp(centre + half_width)
''',
        marginal_effects_answer='''\
def probability(z):
    # stable sigma(z), for scalars and arrays
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def slope_factor(z):
    p = probability(z)
    return p * (1.0 - p)


def marginal_effects(x, w, b):
    return slope_factor(x @ w + b) * np.asarray(w, dtype=float)
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    return slope_factor(X @ w + b).mean() * np.asarray(w, dtype=float)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    x_bar = np.asarray(X, dtype=float).mean(axis=0)
    return marginal_effects(x_bar, w, b)
''',
        discrete_change_answer='''\
def with_column(X, j, value):
    X_new = np.array(X, dtype=float)
    X_new[:, j] = value
    return X_new


def discrete_change(X, w, b, j):
    p_on = probability(with_column(X, j, 1.0) @ w + b)
    p_off = probability(with_column(X, j, 0.0) @ w + b)
    return float(np.mean(p_on - p_off))
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    table = np.empty((len(w), 5))
    table[:, 0] = odds_ratio(w)
    table[:, 1], table[:, 2] = wald_ci_odds_ratio(w, se)
    table[:, 3] = average_marginal_effects(X, w, b)
    table[:, 4] = marginal_effects_at_mean(X, w, b)
    return table
''',
    ),
    _case(
        "float64_copies", "everything converted to float64 first (float32-safe); copies made",
        odds_answer='''\
def odds(p):
    p = np.array(p, dtype=np.float64)  # a float64 copy, whatever came in
    with np.errstate(divide="ignore"):
        return p / (1.0 - p)
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.array(o, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 + 1.0 / o)  # 1/inf = 0 gives 1; 1/0 = inf gives 0
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    coef = np.array(coef, dtype=np.float64)
    return np.exp(np.float64(delta) * coef)
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    coef = np.array(coef, dtype=np.float64)
    se = np.array(se, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + float(level) / 2)
    return (np.exp(coef - z * se), np.exp(coef + z * se))
''',
        marginal_effects_answer='''\
def marginal_effects(x, w, b):
    x = np.array(x, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    z = float(x @ w + b)
    e = np.exp(-abs(z))
    p = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
    return p * (1.0 - p) * w
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    X = np.array(X, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    z = X @ w + b
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return (p * (1.0 - p)).mean() * w
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    return marginal_effects(np.array(X, dtype=np.float64).mean(axis=0), w, b)
''',
        discrete_change_answer='''\
def discrete_change(X, w, b, j):
    X = np.array(X, dtype=np.float64)  # our copy: changing it leaves the caller's alone
    w = np.array(w, dtype=np.float64)
    X[:, j] = 1.0
    z1 = X @ w + b
    X[:, j] = 0.0
    z0 = X @ w + b
    e1, e0 = np.exp(-np.abs(z1)), np.exp(-np.abs(z0))
    p1 = np.where(z1 >= 0, 1.0 / (1.0 + e1), e1 / (1.0 + e1))
    p0 = np.where(z0 >= 0, 1.0 / (1.0 + e0), e0 / (1.0 + e0))
    return float(np.mean(p1 - p0))
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    table = np.vstack([odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
                       marginal_effects_at_mean(X, w, b)])
    return table.T.copy()
''',
    ),
    _case(
        "matrix_forms", "matrix forms: an (n, d) matrix of effects averaged, einsum, outer",
        odds_answer='''\
def odds(p):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return p * np.reciprocal(1.0 - p)
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    with np.errstate(divide="ignore"):
        inverse = np.reciprocal(o)  # 1/o: inf at 0, 0 at inf
    return np.reciprocal(1.0 + inverse)
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    return np.exp(np.asarray(coef, dtype=float) * delta)
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    signs = np.array([-1.0, 1.0])
    # one row per end of the interval: coef + sign * z * se
    bounds = np.exp(np.asarray(coef, dtype=float) + np.outer(signs, z * np.asarray(se)))
    return bounds[0], bounds[1]
''',
        marginal_effects_answer='''\
def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def marginal_effects(x, w, b):
    p = _sigmoid(np.einsum("j,j->", x, w) + b)
    return p * (1.0 - p) * w
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    p = _sigmoid(np.einsum("ij,j->i", X, w) + b)
    effects = np.outer(p * (1.0 - p), w)  # row i: the effects at x_i
    return effects.mean(axis=0)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    x_bar = np.ones(len(X)) @ X / len(X)
    return marginal_effects(x_bar, w, b)
''',
        discrete_change_answer='''\
def discrete_change(X, w, b, j):
    base = X @ w + b - X[:, j] * w[j]  # logits with x_j = 0
    both = _sigmoid(np.column_stack([base + w[j], base]))
    return float(np.mean(both[:, 0] - both[:, 1]))
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    return np.array([odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
                     marginal_effects_at_mean(X, w, b)]).T
''',
    ),
    _case(
        "math_vectorize", "the math module per element, lifted with np.vectorize",
        odds_answer='''\
import math


def _odds_one(q):
    return math.inf if q == 1.0 else q / (1.0 - q)


def odds(p):
    return np.vectorize(_odds_one, otypes=[float])(np.asarray(p, dtype=float))
''',
        prob_from_odds_answer='''\
def _prob_one(o):
    return 1.0 / (1.0 + 1.0 / o) if o > 0 else 0.0


def prob_from_odds(o):
    return np.vectorize(_prob_one, otypes=[float])(np.asarray(o, dtype=float))
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    one = np.vectorize(lambda c: math.exp(delta * c), otypes=[float])
    return one(np.asarray(coef, dtype=float))
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    low = np.vectorize(lambda c, s: math.exp(c - z * s), otypes=[float])
    high = np.vectorize(lambda c, s: math.exp(c + z * s), otypes=[float])
    return low(coef, se), high(coef, se)
''',
        marginal_effects_answer='''\
def _sigma(t):
    e = math.exp(-abs(t))
    return 1.0 / (1.0 + e) if t >= 0 else e / (1.0 + e)


def marginal_effects(x, w, b):
    p = _sigma(math.fsum(x_j * w_j for x_j, w_j in zip(x, w)) + b)
    return np.vectorize(lambda w_j: p * (1.0 - p) * w_j, otypes=[float])(w)
''',
        ame_answer='''\
_slope = np.vectorize(lambda t: _sigma(t) * (1.0 - _sigma(t)), otypes=[float])


def average_marginal_effects(X, w, b):
    return _slope(X @ w + b).mean() * np.asarray(w, dtype=float)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    return marginal_effects(X.mean(axis=0), w, b)
''',
        discrete_change_answer='''\
_sigma_all = np.vectorize(_sigma, otypes=[float])


def discrete_change(X, w, b, j):
    rest = X @ w - X[:, j] * w[j] + b
    return float(np.mean(_sigma_all(rest + w[j]) - _sigma_all(rest)))
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    return np.column_stack((odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
                            marginal_effects_at_mean(X, w, b)))
''',
    ),
    _case(
        "generators", "generator expressions: sums over rows, tables built row by row",
        odds_answer='''\
def odds(p):
    p = np.asarray(p, dtype=float)
    values = (q / (1.0 - q) if q < 1.0 else np.inf for q in p.flat)
    return np.fromiter(values, dtype=float, count=p.size).reshape(p.shape)
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    values = (1.0 if np.isinf(v) else v / (1.0 + v) for v in o.flat)
    return np.fromiter(values, dtype=float, count=o.size).reshape(o.shape)
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    coef = np.asarray(coef, dtype=float)
    values = (np.exp(delta * c) for c in coef.flat)
    return np.fromiter(values, dtype=float, count=coef.size).reshape(coef.shape)
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    pairs = [(np.exp(c - z * s), np.exp(c + z * s)) for c, s in zip(coef, se)]
    lower, upper = zip(*pairs)
    return np.array(lower), np.array(upper)
''',
        marginal_effects_answer='''\
def sig(t):
    e = np.exp(-abs(t))
    return 1.0 / (1.0 + e) if t >= 0 else e / (1.0 + e)


def marginal_effects(x, w, b):
    p = sig(sum(x_j * w_j for x_j, w_j in zip(x, w)) + b)
    return p * (1.0 - p) * np.asarray(w, dtype=float)
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    return sum(marginal_effects(row, w, b) for row in X) / len(X)
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    mean_row = sum(row for row in X) / len(X)
    return marginal_effects(mean_row, w, b)
''',
        discrete_change_answer='''\
def discrete_change(X, w, b, j):
    def logit_with(row, value):
        return float(row @ w - row[j] * w[j] + value * w[j] + b)

    changes = (sig(logit_with(row, 1.0)) - sig(logit_with(row, 0.0)) for row in X)
    return sum(changes) / len(X)
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    columns = (odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
               marginal_effects_at_mean(X, w, b))
    return np.array([row for row in zip(*columns)])
''',
    ),
]

SLOW_02 = [
    _case(
        "decimal_rows", "slow: 40-digit decimal arithmetic per element, loops over rows",
        odds_answer='''\
import math
from decimal import Decimal, localcontext


def _exact(function, *numbers):
    # evaluate function on Decimals with 40 significant digits, round once to a float
    with localcontext() as ctx:
        ctx.prec = 40
        return float(function(*(Decimal(float(v)) for v in numbers)))


def odds(p):
    p = np.asarray(p, dtype=float)
    out = [math.inf if q == 1.0 else _exact(lambda d: d / (1 - d), q) for q in p.ravel()]
    return np.array(out).reshape(p.shape)
''',
        prob_from_odds_answer='''\
def prob_from_odds(o):
    o = np.asarray(o, dtype=float)
    out = [1.0 if math.isinf(v) else _exact(lambda d: d / (1 + d), v) for v in o.ravel()]
    return np.array(out).reshape(o.shape)
''',
        odds_ratio_answer='''\
def odds_ratio(coef, delta=1.0):
    coef = np.asarray(coef, dtype=float)
    out = [_exact(lambda c, t: (t * c).exp(), c, delta) for c in coef.ravel()]
    return np.array(out).reshape(coef.shape)
''',
        wald_ci_answer='''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    lower, upper = [], []
    for c, s in zip(np.ravel(coef), np.ravel(se)):
        lower.append(_exact(lambda c, s, z: (c - z * s).exp(), c, s, z))
        upper.append(_exact(lambda c, s, z: (c + z * s).exp(), c, s, z))
    return np.array(lower), np.array(upper)
''',
        marginal_effects_answer='''\
def _slope(t):
    # sigma(t) sigma(-t) = e / (1 + e)^2 with e = exp(-|t|), in decimals
    return _exact(lambda d: (-abs(d)).exp() / (1 + (-abs(d)).exp()) ** 2, t)


def _logit_of(x, w, b):
    z = b
    for x_j, w_j in zip(x, w):
        z += x_j * w_j
    return z


def marginal_effects(x, w, b):
    slope = _slope(_logit_of(x, w, b))
    return np.array([slope * w_j for w_j in w])
''',
        ame_answer='''\
def average_marginal_effects(X, w, b):
    total = 0.0
    for row in X:
        total += _slope(_logit_of(row, w, b))
    mean_slope = total / len(X)
    return np.array([mean_slope * w_j for w_j in w])
''',
        mem_answer='''\
def marginal_effects_at_mean(X, w, b):
    mean_row = [sum(X[i][j] for i in range(len(X))) / len(X) for j in range(len(w))]
    return marginal_effects(np.array(mean_row), w, b)
''',
        discrete_change_answer='''\
def _sigmoid(t):
    return _exact(lambda d: 1 / (1 + (-d).exp()) if d >= 0 else d.exp() / (1 + d.exp()), t)


def discrete_change(X, w, b, j):
    total = 0.0
    for row in X:
        on, off = row.copy(), row.copy()
        on[j], off[j] = 1.0, 0.0
        total += _sigmoid(_logit_of(on, w, b)) - _sigmoid(_logit_of(off, w, b))
    return total / len(X)
''',
        effects_table_answer='''\
def effects_table(X, w, b, se):
    lower, upper = wald_ci_odds_ratio(w, se)
    columns = [odds_ratio(w), lower, upper, average_marginal_effects(X, w, b),
               marginal_effects_at_mean(X, w, b)]
    return np.array([[col[j] for col in columns] for j in range(len(w))])
''',
    ),
]

UPSTREAM_02 = [
    # inaccurate: a central finite difference of the sigmoid for sigma'(z) (h = 1e-4): about
    # 1e-9 relative, right to ~1e-10 in absolute terms, but the check asks 1e-10 relative.
    # marginal_effects_at_mean calls it, and effects_table's MEM column comes from there.
    Case("finite_difference_effects", "upstream inaccurate: sigma'(z) by central differences",
         {"marginal_effects_answer": '''\
def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def marginal_effects(x, w, b):
    z = float(np.dot(x, w) + b)
    h = 1e-4
    slope = (_sigmoid(z + h) - _sigmoid(z - h)) / (2 * h)  # d sigma / dz
    return slope * np.asarray(w, dtype=float)
'''},
         frozenset({"marginal_effects_values"})),
    # overflowing: the textbook sigmoid inside marginal_effects (warns for z < -709); no 02
    # check is strict, so this costs nothing and must keep costing nothing
    Case("overflowing_effects", "upstream overflows: 1 / (1 + exp(-z)) in marginal_effects",
         {"marginal_effects_answer": '''\
def marginal_effects(x, w, b):
    p = 1.0 / (1.0 + np.exp(-(np.dot(x, w) + b)))
    return p * (1.0 - p) * np.asarray(w, dtype=float)
'''},
         frozenset()),
    # wrong container: marginal_effects returns a list; the MEM passes it on
    Case("list_effects", "upstream returns a list: marginal_effects; MEM calls it as usual",
         {"marginal_effects_answer": '''\
import math


def marginal_effects(x, w, b):
    z = float(np.dot(x, w) + b)
    e = math.exp(-abs(z))
    p = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
    return [p * (1.0 - p) * w_j for w_j in w]
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
    # wrong container: the interval as one (2, d) array; effects_table unpacks it fine
    Case("stacked_interval", "upstream returns a (2, d) array: wald_ci_odds_ratio",
         {"wald_ci_answer": '''\
from statistics import NormalDist


def wald_ci_odds_ratio(coef, se, level=0.95):
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return np.exp(np.array([coef - z * se, coef + z * se]))
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
    # wrong shape: the AME keeps a (1, d) shape; effects_table stacks what it gets
    Case("row_shaped_ame", "upstream shape (1, d): average_marginal_effects with keepdims",
         {"ame_answer": '''\
def average_marginal_effects(X, w, b):
    z = X @ w + b
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    slopes = (p * (1.0 - p))[:, None] * np.asarray(w, dtype=float)  # (n, d)
    return slopes.mean(axis=0, keepdims=True)
'''},
         frozenset({"ame_values"})),
]


# =============================================================================================
# 03-maximum-likelihood (the setup cell gives a stable `sigmoid`)
# =============================================================================================
HONEST_03 = [
    _case(
        "vectorised", "vectorised numpy: logaddexp loss, X^T r, row-scaled X~, solve",
        cross_entropy_answer='''\
def cross_entropy(y, z):
    y = np.asarray(y, dtype=float)
    z = np.asarray(z, dtype=float)
    losses = np.logaddexp(0.0, z) - y * z
    return float(losses.mean())
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    n = len(y)
    r = sigmoid(X @ w + b) - y  # p - y
    return X.T @ r / n, float(r.sum() / n)
''',
        hessian_answer='''\
def hessian(X, w, b):
    n = X.shape[0]
    p = sigmoid(X @ w + b)
    h = p * (1.0 - p)
    Xt = np.hstack([X, np.ones((n, 1))])  # intercept column last
    return (Xt * h[:, None]).T @ Xt / n
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w = np.zeros(X.shape[1])
    b = 0.0
    history = np.empty(n_iter + 1)
    history[0] = cross_entropy(y, X @ w + b)
    for k in range(1, n_iter + 1):
        g_w, g_b = gradient(X, y, w, b)
        w = w - step_size * g_w
        b = b - step_size * g_b
        history[k] = cross_entropy(y, X @ w + b)
    return w, b, history
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    H = hessian(X, w, b)
    step = np.linalg.solve(H, np.concatenate([g_w, [g_b]]))
    return w - step[:-1], b - step[-1]
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(np.abs(g_w).max(), abs(g_b)) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
    _case(
        "row_loops", "loops over rows: per-sample terms of the loss, gradient and Hessian summed",
        cross_entropy_answer='''\
def cross_entropy(y, z):
    softplus = np.logaddexp(0.0, z)  # log(1 + e^z), never overflows
    total = 0.0
    for i in range(len(z)):
        total += softplus[i] - y[i] * z[i]
    return float(total / len(z))
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    n, d = X.shape
    p = sigmoid(X @ w + b)
    g_w, g_b = np.zeros(d), 0.0
    for i in range(n):  # sample i adds (p_i - y_i) x_i
        r = p[i] - y[i]
        g_w += r * X[i]
        g_b += r
    return g_w / n, float(g_b / n)
''',
        hessian_answer='''\
def hessian(X, w, b):
    n, d = X.shape
    p = sigmoid(X @ w + b)
    H = np.zeros((d + 1, d + 1))
    for i in range(n):
        x_tilde = np.append(X[i], 1.0)  # intercept last
        H += p[i] * (1.0 - p[i]) * np.outer(x_tilde, x_tilde)
    return H / n
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    history = [cross_entropy(y, X @ w + b)]
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        w = w - step_size * g_w
        b = b - step_size * g_b
        history.append(cross_entropy(y, X @ w + b))
    return w, b, np.array(history)
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    step = np.linalg.solve(hessian(X, w, b), np.append(g_w, g_b))
    return w - step[:-1], float(b - step[-1])
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    steps = 0
    while steps < max_iter:
        g_w, g_b = gradient(X, y, w, b)
        if np.max(np.abs(np.append(g_w, g_b))) <= tol:
            break
        w, b = newton_step(X, y, w, b)
        steps += 1
    return w, b
''',
    ),
    _case(
        "identities", "identities: -log sigma(+-z) loss, p = (1 + tanh(z/2))/2, 1/(4 cosh^2)",
        cross_entropy_answer='''\
def log_sigmoid(z):
    return np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))


def cross_entropy(y, z):
    y = np.asarray(y, dtype=float)
    z = np.asarray(z, dtype=float)
    # -[y log sigma(z) + (1 - y) log sigma(-z)]: finite for every z
    return float(-np.mean(y * log_sigmoid(z) + (1.0 - y) * log_sigmoid(-z)))
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    p = 0.5 * (1.0 + np.tanh((X @ w + b) / 2.0))  # sigma(z) = (1 + tanh(z/2)) / 2
    r = p - y
    return X.T @ r / len(y), float(np.mean(r))
''',
        hessian_answer='''\
def hessian(X, w, b):
    z = X @ w + b
    h = 0.25 / np.cosh(z / 2.0) ** 2  # sigma'(z) = 1 / (4 cosh^2(z/2))
    Xt = np.column_stack([X, np.ones(len(z))])
    return Xt.T @ (h[:, None] * Xt) / len(z)
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    history = np.zeros(n_iter + 1)
    for k in range(n_iter + 1):
        history[k] = cross_entropy(y, X @ w + b)
        if k == n_iter:
            break
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
    return w, b, history
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g = np.append(*gradient(X, y, w, b))
    theta = np.append(w, b) - np.linalg.solve(hessian(X, w, b), g)
    return theta[:-1], float(theta[-1])
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        if np.max(np.abs(np.append(*gradient(X, y, w, b)))) <= tol:
            return w, b
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
    _case(
        "einsum", "einsum for every product: the loss, the gradient and the Hessian",
        cross_entropy_answer='''\
def cross_entropy(y, z):
    z = np.asarray(z, dtype=float)
    softplus = np.logaddexp(0.0, z)
    return float((softplus.sum() - np.einsum("i,i->", y, z)) / z.size)
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    r = sigmoid(np.einsum("ij,j->i", X, w) + b) - y
    return np.einsum("ij,i->j", X, r) / len(r), float(np.einsum("i->", r) / len(r))
''',
        hessian_answer='''\
def hessian(X, w, b):
    z = np.einsum("ij,j->i", X, w) + b
    h = sigmoid(z) * sigmoid(-z)
    Xt = np.concatenate([X, np.ones((len(z), 1))], axis=1)
    return np.einsum("i,ij,ik->jk", h, Xt, Xt) / len(z)
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    history = [cross_entropy(y, np.einsum("ij,j->i", X, w) + b)]
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
        history.append(cross_entropy(y, np.einsum("ij,j->i", X, w) + b))
    return w, b, np.asarray(history)
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    step = np.linalg.solve(hessian(X, w, b), np.r_[g_w, g_b])
    return w - step[:-1], b - float(step[-1])
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if np.all(np.abs(g_w) <= tol) and abs(g_b) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
    _case(
        "theta_helpers", "helpers on theta = (w, b) and X~ = [X, 1]; early return at the tol",
        cross_entropy_answer='''\
def softplus(z):
    # log(1 + e^z) for any z
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def cross_entropy(y, z):
    return float(np.mean(softplus(np.asarray(z, dtype=float)) - y * z))
''',
        gradient_answer='''\
def with_ones(X):
    return np.column_stack([X, np.ones(X.shape[0])])


def split(theta):
    return theta[:-1], float(theta[-1])


def gradient(X, y, w, b):
    Xt = with_ones(X)
    theta = np.append(w, b)
    g = Xt.T @ (sigmoid(Xt @ theta) - y) / len(y)
    return split(g)
''',
        hessian_answer='''\
def hessian(X, w, b):
    Xt = with_ones(X)
    p = sigmoid(Xt @ np.append(w, b))
    return Xt.T @ ((p * (1 - p))[:, None] * Xt) / len(p)
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    theta = np.zeros(X.shape[1] + 1)
    history = np.empty(n_iter + 1)
    history[0] = cross_entropy(y, with_ones(X) @ theta)
    for k in range(n_iter):
        theta = theta - step_size * np.append(*gradient(X, y, *split(theta)))
        history[k + 1] = cross_entropy(y, with_ones(X) @ theta)
    w, b = split(theta)
    return w, b, history
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    theta = np.append(w, b)
    g = np.append(*gradient(X, y, w, b))
    return split(theta - np.linalg.solve(hessian(X, w, b), g))
''',
        fit_answer='''\
def converged(X, y, w, b, tol):
    return np.max(np.abs(np.append(*gradient(X, y, w, b)))) <= tol


def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        if converged(X, y, w, b, tol):
            return w, b
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
    _case(
        "float64_lists", "float64 copies of every input (float32-safe); a list history",
        cross_entropy_answer='''\
def cross_entropy(y, z):
    y = np.array(y, dtype=np.float64)
    z = np.array(z, dtype=np.float64)
    return float(np.sum(np.logaddexp(0.0, z) - y * z) / z.shape[0])
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    X = np.array(X, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    p = sigmoid(X @ np.asarray(w, dtype=np.float64) + float(b))
    return (p - y) @ X / len(y), float(np.mean(p - y))
''',
        hessian_answer='''\
def hessian(X, w, b):
    X = np.array(X, dtype=np.float64)
    n, d = X.shape
    z = X @ np.asarray(w, dtype=np.float64) + float(b)
    h = sigmoid(z) * sigmoid(-z)
    Xt = np.ones((n, d + 1))
    Xt[:, :d] = X
    return Xt.T @ (Xt * h[:, np.newaxis]) / n
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    X = np.array(X, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    history = []  # a list while it grows, an array when returned
    for _ in range(n_iter):
        history.append(cross_entropy(y, X @ w + b))
        g_w, g_b = gradient(X, y, w, b)
        w -= step_size * g_w
        b -= step_size * g_b
    history.append(cross_entropy(y, X @ w + b))
    return w, b, np.array(history, dtype=np.float64)
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    delta = np.linalg.solve(hessian(X, w, b), np.hstack([g_w, g_b]))
    w_new = np.array(w, dtype=np.float64) - delta[:-1]
    return w_new, float(b) - float(delta[-1])
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(np.shape(X)[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(float(np.max(np.abs(g_w))), abs(g_b)) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
    _case(
        "block_hessian", "a Hessian assembled from blocks; softplus by max + log1p; while loops",
        cross_entropy_answer='''\
def cross_entropy(y, z):
    z = np.asarray(z, dtype=float)
    loss = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z
    return float(np.mean(loss))
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    residual = sigmoid(np.dot(X, w) + b) - y
    return np.dot(X.T, residual) / X.shape[0], float(np.mean(residual))
''',
        hessian_answer='''\
def hessian(X, w, b):
    n = X.shape[0]
    z = X @ w + b
    h = sigmoid(z) * sigmoid(-z)
    H_ww = X.T @ (h[:, None] * X) / n  # d x d
    H_wb = X.T @ h / n  # the intercept's column
    H_bb = h.sum() / n
    return np.block([[H_ww, H_wb[:, None]], [H_wb[None, :], np.array([[H_bb]])]])
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    history = np.full(n_iter + 1, np.nan)
    k = 0
    history[0] = cross_entropy(y, X @ w + b)
    while k < n_iter:
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
        k += 1
        history[k] = cross_entropy(y, X @ w + b)
    return w, b, history
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    g = np.concatenate([g_w, np.array([g_b])])
    step = np.linalg.solve(hessian(X, w, b), g)
    return w - step[:len(w)], b - step[len(w)]
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    g_w, g_b = gradient(X, y, w, b)
    n_steps = 0
    while max(np.max(np.abs(g_w)), abs(g_b)) > tol and n_steps < max_iter:
        w, b = newton_step(X, y, w, b)
        n_steps += 1
        g_w, g_b = gradient(X, y, w, b)
    return w, b
''',
    ),
    _case(
        "math_generators", "math.fsum for the loss; sums of generators, of outer products",
        cross_entropy_answer='''\
import math


def cross_entropy(y, z):
    losses = np.logaddexp(0.0, z) - y * z
    return math.fsum(losses.tolist()) / len(losses)  # an exactly rounded sum
''',
        gradient_answer='''\
def gradient(X, y, w, b):
    r = sigmoid(X @ w + b) - y
    g_w = sum(r_i * x_i for r_i, x_i in zip(r, X)) / len(r)
    return g_w, math.fsum(r.tolist()) / len(r)
''',
        hessian_answer='''\
def hessian(X, w, b):
    z = X @ w + b
    h = sigmoid(z) * sigmoid(-z)
    rows = np.column_stack([X, np.ones(len(z))])
    return sum(h_i * np.outer(row, row) for h_i, row in zip(h, rows)) / len(z)
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = [cross_entropy(y, X @ w + b)]
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
        losses.append(cross_entropy(y, X @ w + b))
    return w, b, np.fromiter(losses, dtype=float)
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    step = np.linalg.solve(hessian(X, w, b), [*g_w, g_b])
    return w - step[:-1], b - step[-1]
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(abs(g) for g in [*g_w, g_b]) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
]

SLOW_03 = [
    _case(
        "sample_loops", "slow: every sum a Python loop over the samples, math per sample",
        cross_entropy_answer='''\
def cross_entropy(y, z):
    total = 0.0
    for y_i, z_i in zip(y, z):
        total += np.logaddexp(0.0, z_i) - y_i * z_i  # log(1 + e^z) - y z, stably
    return float(total / len(z))
''',
        gradient_answer='''\
import math


def _p(t):
    # a stable sigmoid of one number
    e = math.exp(-abs(t))
    return 1.0 / (1.0 + e) if t >= 0 else e / (1.0 + e)


def gradient(X, y, w, b):
    z = X @ w + b
    g_w, g_b = np.zeros(X.shape[1]), 0.0
    for x_i, y_i, z_i in zip(X, y, z):
        r = _p(z_i) - y_i
        g_w += r * x_i
        g_b += r
    return g_w / len(y), float(g_b / len(y))
''',
        hessian_answer='''\
def hessian(X, w, b):
    z = X @ w + b
    d = X.shape[1]
    H = np.zeros((d + 1, d + 1))
    for x_i, z_i in zip(X, z):
        x_tilde = np.append(x_i, 1.0)  # intercept last
        H += _p(z_i) * _p(-z_i) * np.outer(x_tilde, x_tilde)
    return H / len(z)
''',
        gradient_descent_answer='''\
def gradient_descent(X, y, step_size, n_iter):
    w, b = np.zeros(X.shape[1]), 0.0
    history = [cross_entropy(y, X @ w + b)]
    for _ in range(n_iter):
        g_w, g_b = gradient(X, y, w, b)
        w, b = w - step_size * g_w, b - step_size * g_b
        history.append(cross_entropy(y, X @ w + b))
    return w, b, np.array(history)
''',
        newton_step_answer='''\
def newton_step(X, y, w, b):
    g_w, g_b = gradient(X, y, w, b)
    step = np.linalg.solve(hessian(X, w, b), np.append(g_w, g_b))
    return w - step[:-1], b - float(step[-1])
''',
        fit_answer='''\
def fit_logistic(X, y, tol=1e-8, max_iter=50):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(max_iter):
        g_w, g_b = gradient(X, y, w, b)
        if max(np.max(np.abs(g_w)), abs(g_b)) <= tol:
            break
        w, b = newton_step(X, y, w, b)
    return w, b
''',
    ),
]

UPSTREAM_03 = [
    # inaccurate: the Hessian by central differences of the learner's (right) gradient,
    # symmetrised: ~1e-9 relative, short of the check's 1e-10. newton_step solves with it.
    Case("finite_difference_hessian", "upstream inaccurate: the Hessian by central differences",
         {"hessian_answer": '''\
def hessian(X, w, b):
    d = X.shape[1]
    theta = np.append(w, b).astype(float)
    h = 1e-5
    H = np.zeros((d + 1, d + 1))
    for k in range(d + 1):
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        g_up = np.append(*gradient(X, np.zeros(len(X)), up[:-1], up[-1]))
        g_down = np.append(*gradient(X, np.zeros(len(X)), down[:-1], down[-1]))
        H[:, k] = (g_up - g_down) / (2 * h)
    return (H + H.T) / 2
'''},
         frozenset({"hessian_values"})),
    # overflowing: log(1 + e^z) written as np.log1p(np.exp(z)): inf (and a warning) for
    # z > 709; gradient descent records the loss at moderate logits only
    Case("overflowing_loss", "upstream overflows: cross_entropy with log1p(exp(z))",
         {"cross_entropy_answer": '''\
def cross_entropy(y, z):
    z = np.asarray(z, dtype=float)
    return float(np.mean(np.log1p(np.exp(z)) - y * z))
'''},
         frozenset({"cross_entropy_extreme"})),
    # wrong shape: grad_b as an array of shape (1,); gradient descent's b inherits the shape
    Case("array_grad_b", "upstream shape (1,): grad_b with keepdims; gradient descent as usual",
         {"gradient_answer": '''\
def gradient(X, y, w, b):
    r = sigmoid(X @ w + b) - y
    return X.T @ r / len(y), np.mean(r, keepdims=True)
'''},
         frozenset({"gradient_b"})),
    # wrong container: the Hessian as nested lists; np.linalg.solve takes them as they are
    Case("list_hessian", "upstream returns nested lists: hessian built entry by entry",
         {"hessian_answer": '''\
def hessian(X, w, b):
    z = X @ w + b
    h = sigmoid(z) * sigmoid(-z)
    Xt = np.column_stack([X, np.ones(len(z))])
    m = Xt.shape[1]
    return [[float(np.mean(h * Xt[:, j] * Xt[:, k])) for k in range(m)] for j in range(m)]
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
]


# =============================================================================================
# 04-thresholds (the setup cell gives a stable `sigmoid`)
# =============================================================================================
HONEST_04 = [
    _case(
        "masks", "boolean masks and count_nonzero; a sorted, cumulative ROC; pairwise AUC",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    actual = np.asarray(y_true) == 1
    predicted = np.asarray(scores) >= threshold
    tn = np.count_nonzero(~actual & ~predicted)
    fp = np.count_nonzero(~actual & predicted)
    fn = np.count_nonzero(actual & ~predicted)
    tp = np.count_nonzero(actual & predicted)
    return tn, fp, fn, tp
''',
        prf_answer='''\
def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0
    return float(precision), float(recall), float(f1)
''',
        roc_answer='''\
def roc_points(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="stable")  # highest score first
    s_sorted, y_sorted = s[order], y[order]
    tps = np.cumsum(y_sorted)
    fps = np.cumsum(~y_sorted)
    # the last sample of each run of equal scores closes that threshold's counts
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    tpr = np.r_[0, tps[last]] / y.sum()
    fpr = np.r_[0, fps[last]] / (~y).sum()
    return fpr, tpr, np.r_[np.inf, s_sorted[last]]


def auc(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    pos, neg = s[y], s[~y]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    n = tn + fp + fn + tp
    return float((c_fp * fp + c_fn * fn) / n)
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    c = np.asarray(cost_matrix, dtype=float)
    extra_fp = c[1, 0] - c[0, 0]  # what a false alarm costs beyond a true negative
    extra_fn = c[0, 1] - c[1, 1]  # what a miss costs beyond a true positive
    if extra_fp < 0 or extra_fn < 0:
        raise ValueError("a wrong decision must not cost less than the right one")
    if extra_fp == 0 and extra_fn == 0:
        raise ValueError("errors cost nothing extra: no threshold is preferred")
    return float(extra_fp / (extra_fp + extra_fn))


def bayes_decisions(z, cost_matrix):
    t = bayes_threshold(cost_matrix)
    return (sigmoid(z) >= t).astype(int)
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    candidates = np.r_[np.inf, np.unique(s)[::-1]]  # from the largest down
    fp = np.array([np.sum(s[~y] >= t) for t in candidates])
    fn = np.array([np.sum(s[y] < t) for t in candidates])
    cost = c_fp * fp + c_fn * fn
    return float(candidates[np.argmin(cost)])  # argmin: the first, i.e. largest, on ties
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    candidates = np.r_[np.inf, np.unique(s)[::-1]]
    recall = np.array([np.sum(s[y] >= t) for t in candidates]) / y.sum()
    return float(candidates[np.argmax(recall >= target)])  # first one that reaches it
''',
    ),
    _case(
        "loops", "plain loops; ROC from confusion_counts at each threshold; a double-loop AUC",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    tn = fp = fn = tp = 0
    for label, score in zip(y_true, scores):
        flagged = score >= threshold
        if label == 1:
            if flagged:
                tp += 1
            else:
                fn += 1
        elif flagged:
            fp += 1
        else:
            tn += 1
    return tn, fp, fn, tp
''',
        prf_answer='''\
def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    precision = 0.0
    if tp + fp > 0:
        precision = tp / (tp + fp)
    recall = 0.0
    if tp + fn > 0:
        recall = tp / (tp + fn)
    f1 = 0.0
    if tp + fp + fn > 0:
        f1 = 2 * tp / (2 * tp + fp + fn)
    return precision, recall, f1
''',
        roc_answer='''\
def roc_points(y_true, scores):
    thresholds = [np.inf] + sorted(set(np.asarray(scores, dtype=float).tolist()),
                                   reverse=True)
    fpr, tpr = [], []
    for t in thresholds:
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        fpr.append(fp / (fp + tn))
        tpr.append(tp / (tp + fn))
    return np.array(fpr), np.array(tpr), np.array(thresholds)


def auc(y_true, scores):
    positives = [s for s, label in zip(scores, y_true) if label == 1]
    negatives = [s for s, label in zip(scores, y_true) if label != 1]
    total = 0.0
    for s_pos in positives:
        for s_neg in negatives:
            if s_pos > s_neg:
                total += 1.0
            elif s_pos == s_neg:
                total += 0.5
    return total / (len(positives) * len(negatives))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return (c_fp * fp + c_fn * fn) / len(y_true)
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    (c00, c01), (c10, c11) = cost_matrix
    a, d = c10 - c00, c01 - c11
    if a < 0 or d < 0 or a + d == 0:
        raise ValueError(f"no sensible Bayes threshold for the costs {cost_matrix}")
    return a / (a + d)


def bayes_decisions(z, cost_matrix):
    t = bayes_threshold(cost_matrix)
    p = sigmoid(z)
    labels = np.zeros(len(p), dtype=int)
    for i in range(len(p)):
        if p[i] >= t:
            labels[i] = 1
    return labels
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    candidates = [np.inf] + sorted(set(np.asarray(scores, dtype=float).tolist()),
                                   reverse=True)
    best_t, best_cost = None, None
    for t in candidates:  # from the largest down: keep the first of equal costs
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        cost = c_fp * fp + c_fn * fn
        if best_cost is None or cost < best_cost:
            best_t, best_cost = t, cost
    return best_t
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    candidates = [np.inf] + sorted(set(np.asarray(scores, dtype=float).tolist()),
                                   reverse=True)
    for t in candidates:
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        if tp / (tp + fn) >= target:
            return t
    return candidates[-1]
''',
    ),
    _case(
        "bincount_ranks", "np.bincount of 2 y + pred; ROC from unique/bincount; AUC by mid-ranks",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    y = (np.asarray(y_true) == 1).astype(int)
    pred = (np.asarray(scores) >= threshold).astype(int)
    # code 0: tn, 1: fp, 2: fn, 3: tp
    counts = np.bincount(2 * y + pred, minlength=4)
    return tuple(int(c) for c in counts)
''',
        prf_answer='''\
def _ratio(num, den):
    return num / den if den > 0 else 0.0


def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)
''',
        roc_answer='''\
def roc_points(y_true, scores):
    y = np.asarray(y_true) == 1
    values, index = np.unique(np.asarray(scores, dtype=float), return_inverse=True)
    pos_at = np.bincount(index, weights=y, minlength=len(values))[::-1]  # decreasing
    neg_at = np.bincount(index, weights=~y, minlength=len(values))[::-1]
    tpr = np.r_[0.0, np.cumsum(pos_at)] / y.sum()
    fpr = np.r_[0.0, np.cumsum(neg_at)] / (~y).sum()
    return fpr, tpr, np.r_[np.inf, values[::-1]]


def _midranks(s):
    # rank 1 for the smallest score; tied scores share their average rank
    values, index, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[index]


def auc(y_true, scores):
    y = np.asarray(y_true) == 1
    ranks = _midranks(np.asarray(scores, dtype=float))
    n_pos, n_neg = y.sum(), (~y).sum()
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0  # Mann-Whitney U
    return float(u / (n_pos * n_neg))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return float(np.dot([c_fp, c_fn], [fp, fn]) / (tn + fp + fn + tp))
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    c = np.asarray(cost_matrix, dtype=float)
    gaps = np.array([c[1, 0] - c[0, 0], c[0, 1] - c[1, 1]])
    if np.any(gaps < 0):
        raise ValueError("cost_matrix[pred, true]: an error costs less than being right")
    if not np.any(gaps > 0):
        raise ValueError("both decisions cost the same: t* is undefined")
    return float(gaps[0] / gaps.sum())


def bayes_decisions(z, cost_matrix):
    return np.where(sigmoid(z) >= bayes_threshold(cost_matrix), 1, 0)
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    fpr, tpr, thresholds = roc_points(y_true, scores)
    y = np.asarray(y_true) == 1
    fp = fpr * (~y).sum()  # back from rates to counts
    fn = (1 - tpr) * y.sum()
    cost = c_fp * np.rint(fp) + c_fn * np.rint(fn)
    return float(thresholds[np.argmin(cost)])
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    thresholds = np.r_[np.inf, np.unique(s)[::-1]]
    tp = np.array([np.count_nonzero(s[y] >= t) for t in thresholds])
    reached = np.flatnonzero(tp / y.sum() >= target)
    return float(thresholds[reached[0]])
''',
    ),
    _case(
        "cumulative_trapezoid", "sorted cumulative counts everywhere; AUC by the trapezoid rule",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    positive = np.asarray(y_true).astype(bool)
    flagged = np.asarray(scores, dtype=float) >= threshold
    tp = int(np.sum(positive & flagged))
    fp = int(np.sum(flagged)) - tp
    fn = int(np.sum(positive)) - tp
    tn = len(positive) - tp - fp - fn
    return (tn, fp, fn, tp)
''',
        prf_answer='''\
def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    out = []
    for num, den in ((tp, tp + fp), (tp, tp + fn), (2 * tp, 2 * tp + fp + fn)):
        out.append(num / den if den != 0 else 0.0)
    return tuple(out)
''',
        roc_answer='''\
def _cumulative(y_true, scores):
    """Thresholds (inf, then decreasing distinct scores) and the tp, fp counts at each."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=float)
    order = np.argsort(s, kind="mergesort")[::-1]
    s, y = s[order], y[order]
    ends = np.flatnonzero(np.diff(s)) if len(s) > 1 else np.array([], dtype=int)
    ends = np.r_[ends, len(s) - 1]
    tp = np.r_[0, np.cumsum(y)[ends]]
    fp = np.r_[0, (ends + 1) - np.cumsum(y)[ends]]
    return np.r_[np.inf, s[ends]], tp, fp, y.sum(), len(y) - y.sum()


def roc_points(y_true, scores):
    thresholds, tp, fp, n_pos, n_neg = _cumulative(y_true, scores)
    return fp / n_neg, tp / n_pos, thresholds


def auc(y_true, scores):
    fpr, tpr, _ = roc_points(y_true, scores)
    # trapezoids between consecutive ROC points (ties give the diagonal: half counts)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    _, fp, fn, _ = confusion_counts(y_true, scores, threshold)
    return (c_fp * fp + c_fn * fn) / np.size(y_true)
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    c = np.asarray(cost_matrix, dtype=float)
    a = c[1, 0] - c[0, 0]
    d = c[0, 1] - c[1, 1]
    if min(a, d) < 0:
        raise ValueError("wrong decisions must cost at least as much as right ones")
    if a + d == 0:
        raise ValueError("a = d = 0: every threshold costs the same")
    return a / (a + d)


def bayes_decisions(z, cost_matrix):
    probabilities = sigmoid(np.asarray(z, dtype=float))
    return (probabilities >= bayes_threshold(cost_matrix)).astype(np.int64)
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    thresholds, tp, fp, n_pos, _ = _cumulative(y_true, scores)
    cost = c_fp * fp + c_fn * (n_pos - tp)
    best = np.flatnonzero(cost == cost.min())[0]  # the first of the cheapest: the largest
    return float(thresholds[best])
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    thresholds, tp, _, n_pos, _ = _cumulative(y_true, scores)
    return float(thresholds[np.argmax(tp / n_pos >= target)])
''',
    ),
    _case(
        "fractions", "exact ratios with fractions.Fraction, returned as floats; costs by Fraction",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    y = np.asarray(y_true).astype(float)
    pred = (np.asarray(scores, dtype=float) >= threshold).astype(float)
    tp = int(np.sum(y * pred))
    fp = int(np.sum((1 - y) * pred))
    fn = int(np.sum(y * (1 - pred)))
    tn = int(np.sum((1 - y) * (1 - pred)))
    return tn, fp, fn, tp
''',
        prf_answer='''\
from fractions import Fraction


def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    p = Fraction(tp, tp + fp) if tp + fp else Fraction(0)
    r = Fraction(tp, tp + fn) if tp + fn else Fraction(0)
    f = 2 * p * r / (p + r) if p + r else Fraction(0)  # the harmonic mean, exactly
    return float(p), float(r), float(f)
''',
        roc_answer='''\
def roc_points(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    thresholds = np.concatenate([[np.inf], np.sort(np.unique(s))[::-1]])
    tpr = np.array([float(Fraction(int(np.sum(s[y] >= t)), int(y.sum())))
                    for t in thresholds])
    fpr = np.array([float(Fraction(int(np.sum(s[~y] >= t)), int((~y).sum())))
                    for t in thresholds])
    return fpr, tpr, thresholds


def auc(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    above = int(np.sum(s[y][:, None] > s[~y][None, :]))
    ties = int(np.sum(s[y][:, None] == s[~y][None, :]))
    pairs = int(y.sum()) * int((~y).sum())
    return float(Fraction(2 * above + ties, 2 * pairs))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    total = Fraction(c_fp) * fp + Fraction(c_fn) * fn
    return float(total / (tn + fp + fn + tp))
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    c = [[Fraction(float(v)) for v in row] for row in np.asarray(cost_matrix)]
    a, d = c[1][0] - c[0][0], c[0][1] - c[1][1]
    if a < 0 or d < 0:
        raise ValueError("an error may not cost less than the correct decision")
    if a + d == 0:
        raise ValueError("no threshold is preferred when errors cost nothing extra")
    return float(a / (a + d))


def bayes_decisions(z, cost_matrix):
    return (sigmoid(z) >= bayes_threshold(cost_matrix)).astype(int)
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    best, best_cost = np.inf, Fraction(c_fn) * int(y.sum())  # inf: every positive missed
    for t in np.unique(s)[::-1]:
        fp = int(np.sum(s[~y] >= t))
        fn = int(np.sum(s[y] < t))
        cost = Fraction(c_fp) * fp + Fraction(c_fn) * fn
        if cost < best_cost:  # strictly cheaper only: ties keep the larger threshold
            best, best_cost = float(t), cost
    return best
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    n_pos = int(y.sum())
    goal = Fraction(target).limit_denominator(10**6)  # 0.9 read as 9/10, as it was meant
    for t in np.r_[np.inf, np.unique(s)[::-1]]:
        if Fraction(int(np.sum(s[y] >= t)), n_pos) >= goal:
            return float(t)
''',
    ),
    _case(
        "helpers_logit_rule", "helpers and early returns; Bayes labels by z >= logit(t*)",
        confusion_answer='''\
def _as_bool_labels(y_true):
    y = np.asarray(y_true)
    return y.astype(bool) if y.dtype != bool else y


def confusion_counts(y_true, scores, threshold):
    y = _as_bool_labels(y_true)
    flagged = np.asarray(scores, dtype=float) >= threshold
    if not flagged.any():  # nothing flagged (threshold inf, for instance)
        return int((~y).sum()), 0, int(y.sum()), 0
    return (int((~y & ~flagged).sum()), int((~y & flagged).sum()),
            int((y & ~flagged).sum()), int((y & flagged).sum()))
''',
        prf_answer='''\
def _safe_divide(num, den):
    if den == 0:
        return 0.0
    return num / den


def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return (_safe_divide(tp, tp + fp), _safe_divide(tp, tp + fn),
            _safe_divide(2 * tp, 2 * tp + fp + fn))
''',
        roc_answer='''\
def _rates(y, s, t):
    flagged = s >= t
    return np.mean(flagged[~y]), np.mean(flagged[y])


def roc_points(y_true, scores):
    y = _as_bool_labels(y_true)
    s = np.asarray(scores, dtype=float)
    thresholds = np.append(np.inf, np.flip(np.unique(s)))
    rates = np.array([_rates(y, s, t) for t in thresholds])
    return rates[:, 0], rates[:, 1], thresholds


def auc(y_true, scores):
    y = _as_bool_labels(y_true)
    s = np.asarray(scores, dtype=float)
    if y.all() or not y.any():
        raise ValueError("the AUC needs both classes")
    diff = np.sign(s[y][:, None] - s[~y][None, :])  # +1 win, 0 tie, -1 loss
    return float(np.mean((diff + 1) / 2))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    _, fp, fn, _ = confusion_counts(y_true, scores, threshold)
    if len(y_true) == 0:
        return 0.0
    return (c_fp * fp + c_fn * fn) / len(y_true)
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    c = np.asarray(cost_matrix, dtype=float)
    a, d = c[1, 0] - c[0, 0], c[0, 1] - c[1, 1]
    if a < 0:
        raise ValueError("c10 < c00: a false positive costs less than a true negative")
    if d < 0:
        raise ValueError("c01 < c11: a false negative costs less than a true positive")
    if a == d == 0:
        raise ValueError("c10 = c00 and c01 = c11: no threshold is better than another")
    return float(a / (a + d))


def bayes_decisions(z, cost_matrix):
    t = bayes_threshold(cost_matrix)
    # sigmoid(z) >= t  <=>  z >= logit(t) (sigmoid increases)
    with np.errstate(divide="ignore"):
        cut = np.log(t) - np.log1p(-t)
    return (np.asarray(z, dtype=float) >= cut).astype(int)
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    y = _as_bool_labels(y_true)
    if not y.any():  # no positives: flag nothing, at no cost
        return float("inf")
    candidates = np.append(np.inf, np.flip(np.unique(np.asarray(scores, dtype=float))))
    costs = [c_fp * fp + c_fn * fn
             for _, fp, fn, _ in (confusion_counts(y, scores, t) for t in candidates)]
    return float(candidates[int(np.argmin(costs))])
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    if target <= 0:
        return float("inf")  # recall 0 is reached before anything is flagged
    for t in np.append(np.inf, np.flip(np.unique(np.asarray(scores, dtype=float)))):
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        if tp / (tp + fn) >= target:
            return float(t)
''',
    ),
    _case(
        "generators", "sums of generators, sets of scores, min() with a key for the ties",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    pairs = list(zip((bool(v) for v in y_true), (s >= threshold for s in scores)))
    tn = sum(1 for y, f in pairs if not y and not f)
    fp = sum(1 for y, f in pairs if not y and f)
    fn = sum(1 for y, f in pairs if y and not f)
    tp = sum(1 for y, f in pairs if y and f)
    return tn, fp, fn, tp
''',
        prf_answer='''\
def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    ratios = ((tp, tp + fp), (tp, tp + fn), (2 * tp, 2 * tp + fp + fn))
    return tuple(num / den if den else 0.0 for num, den in ratios)
''',
        roc_answer='''\
def _candidates(scores):
    return [float("inf"), *sorted({float(s) for s in scores}, reverse=True)]


def roc_points(y_true, scores):
    labels = [bool(v) for v in y_true]
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    thresholds = _candidates(scores)
    tpr = [sum(1 for y, s in zip(labels, scores) if y and s >= t) / n_pos for t in thresholds]
    fpr = [sum(1 for y, s in zip(labels, scores) if not y and s >= t) / n_neg
           for t in thresholds]
    return np.array(fpr), np.array(tpr), np.array(thresholds)


def auc(y_true, scores):
    pos = [s for y, s in zip(y_true, scores) if y]
    neg = [s for y, s in zip(y_true, scores) if not y]
    score = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return float(score / (len(pos) * len(neg)))
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return float(c_fp * fp + c_fn * fn) / sum((tn, fp, fn, tp))
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    (c00, c01), (c10, c11) = (tuple(float(v) for v in row) for row in cost_matrix)
    a, d = c10 - c00, c01 - c11
    if a < 0 or d < 0 or (a == 0 and d == 0):
        raise ValueError("need c10 >= c00, c01 >= c11, and not both equal")
    return a / (a + d)


def bayes_decisions(z, cost_matrix):
    t = bayes_threshold(cost_matrix)
    return np.fromiter((p >= t for p in sigmoid(z)), dtype=int, count=len(z))
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    def total_cost(t):
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        return c_fp * fp + c_fn * fn

    # least cost first, then the largest threshold
    return min(_candidates(scores), key=lambda t: (total_cost(t), -t))
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    def recall(t):
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        return tp / (tp + fn)

    return next(t for t in _candidates(scores) if recall(t) >= target)
''',
    ),
    _case(
        "float_labels", "labels as floats (y == 1.0) and arithmetic on 0/1; expected_cost reused",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    y = np.asarray(y_true, dtype=float)  # booleans and integers become 0.0 / 1.0
    pred = np.where(np.asarray(scores, dtype=float) >= threshold, 1.0, 0.0)
    tp = y @ pred
    fp = (1.0 - y) @ pred
    fn = y @ (1.0 - pred)
    tn = len(y) - tp - fp - fn
    return int(round(tn)), int(round(fp)), int(round(fn)), int(round(tp))
''',
        prf_answer='''\
def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    flagged, actual = tp + fp, tp + fn
    precision = tp / flagged if flagged > 0 else 0.0
    recall = tp / actual if actual > 0 else 0.0
    f1 = 2 * tp / (flagged + actual) if flagged + actual > 0 else 0.0
    return precision, recall, f1
''',
        roc_answer='''\
def roc_points(y_true, scores):
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    thresholds = np.r_[np.inf, -np.sort(-np.unique(s))]
    flagged = (s[None, :] >= thresholds[:, None]).astype(float)  # one row per threshold
    tpr = flagged @ y / y.sum()
    fpr = flagged @ (1.0 - y) / (1.0 - y).sum()
    return fpr, tpr, thresholds


def auc(y_true, scores):
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    greater = (s[:, None] > s[None, :]).astype(float)
    equal = (s[:, None] == s[None, :]).astype(float)
    pair = np.outer(y, 1.0 - y)  # (positive i, negative j)
    return float(np.sum(pair * (greater + 0.5 * equal)) / pair.sum())
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return (c_fp * fp + c_fn * fn) / (tn + fp + fn + tp)
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    c = np.asarray(cost_matrix, dtype=float)
    a = c[1, 0] - c[0, 0]
    d = c[0, 1] - c[1, 1]
    if a < 0.0 or d < 0.0:
        raise ValueError("a mistake may not cost less than the right decision")
    if a + d <= 0.0:
        raise ValueError("the costs do not prefer any threshold")
    return a / (a + d)


def bayes_decisions(z, cost_matrix):
    above = sigmoid(z) >= bayes_threshold(cost_matrix)
    return above.astype(np.int32)
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    s = np.asarray(scores, dtype=float)
    candidates = np.r_[np.inf, -np.sort(-np.unique(s))]
    n = len(s)
    # the mean cost orders the candidates as the total does
    costs = np.array([expected_cost(y_true, s, t, c_fp, c_fn) * n for t in candidates])
    return float(candidates[np.argmin(costs)])
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    s = np.asarray(scores, dtype=float)
    for t in np.r_[np.inf, -np.sort(-np.unique(s))]:
        if precision_recall_f1(y_true, s, t)[1] >= target:
            return float(t)
''',
    ),
]

SLOW_04 = [
    _case(
        "sample_loops", "slow: loops over the samples for every count, every candidate re-counted",
        confusion_answer='''\
def confusion_counts(y_true, scores, threshold):
    counts = [0, 0, 0, 0]  # tn, fp, fn, tp
    for i in range(len(y_true)):
        positive = y_true[i] == 1
        flagged = scores[i] >= threshold
        counts[2 * int(positive) + int(flagged)] += 1
    return tuple(counts)
''',
        prf_answer='''\
def precision_recall_f1(y_true, scores, threshold):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 0.0
    return precision, recall, f1
''',
        roc_answer='''\
def _thresholds(scores):
    distinct = []
    for s in sorted(np.asarray(scores, dtype=float).tolist(), reverse=True):
        if not distinct or s != distinct[-1]:
            distinct.append(s)
    return [float("inf")] + distinct


def roc_points(y_true, scores):
    fpr, tpr, thresholds = [], [], _thresholds(scores)
    for t in thresholds:
        tn, fp, fn, tp = confusion_counts(y_true, scores, t)
        fpr.append(fp / (fp + tn))
        tpr.append(tp / (tp + fn))
    return np.array(fpr), np.array(tpr), np.array(thresholds)


def auc(y_true, scores):
    labels, values = y_true, scores
    wins = pairs = 0.0
    for i in range(len(values)):
        if labels[i] != 1:
            continue
        for j in range(len(values)):
            if labels[j] == 1:
                continue
            pairs += 1
            if values[i] > values[j]:
                wins += 1.0
            elif values[i] == values[j]:
                wins += 0.5
    return wins / pairs
''',
        cost_answer='''\
def expected_cost(y_true, scores, threshold, c_fp, c_fn):
    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)
    return (c_fp * fp + c_fn * fn) / (tn + fp + fn + tp)
''',
        bayes_answer='''\
def bayes_threshold(cost_matrix):
    rows = np.asarray(cost_matrix, dtype=float).tolist()
    a = rows[1][0] - rows[0][0]
    d = rows[0][1] - rows[1][1]
    if a < 0 or d < 0:
        raise ValueError("an error costs less than the right decision")
    if a + d == 0:
        raise ValueError("no threshold is preferred")
    return a / (a + d)


def bayes_decisions(z, cost_matrix):
    t = bayes_threshold(cost_matrix)
    return np.array([1 if p >= t else 0 for p in sigmoid(z).tolist()])
''',
        optimal_answer='''\
def cost_optimal_threshold(y_true, scores, c_fp, c_fn):
    best_t, best_cost = None, None
    for t in _thresholds(scores):
        cost = expected_cost(y_true, scores, t, c_fp, c_fn)
        if best_cost is None or cost < best_cost:
            best_t, best_cost = t, cost
    return best_t
''',
        recall_answer='''\
def threshold_for_recall(y_true, scores, target):
    for t in _thresholds(scores):
        if precision_recall_f1(y_true, scores, t)[1] >= target:
            return t
''',
    ),
]

UPSTREAM_04 = [
    # wrong container: the four counts as one numpy array; every later part unpacks it
    Case("array_counts", "upstream returns an array: confusion_counts via np.bincount",
         {"confusion_answer": '''\
def confusion_counts(y_true, scores, threshold):
    y = (np.asarray(y_true) == 1).astype(int)
    pred = (np.asarray(scores, dtype=float) >= threshold).astype(int)
    return np.bincount(2 * y + pred, minlength=4)  # tn, fp, fn, tp
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
    # wrong shape: t* as an array of shape (1,); the decisions broadcast against it
    Case("array_threshold", "upstream shape (1,): bayes_threshold; bayes_decisions as usual",
         {"bayes_answer": '''\
def bayes_threshold(cost_matrix):
    c = np.asarray(cost_matrix, dtype=float)
    a, d = c[1:, 0] - c[:1, 0], c[:1, 1] - c[1:, 1]  # slices keep a shape (1,)
    if a < 0 or d < 0 or a + d == 0:
        raise ValueError("no Bayes threshold for these costs")
    return a / (a + d)


def bayes_decisions(z, cost_matrix):
    return (sigmoid(z) >= bayes_threshold(cost_matrix)).astype(int)
'''},
         frozenset({"bayes_threshold_simple", "bayes_threshold_general"})),
    # wrong container: the ROC curve as three lists; the AUC integrates them as they are
    Case("list_roc", "upstream returns lists: roc_points; auc by trapezoids over them",
         {"roc_answer": '''\
def roc_points(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    thresholds = [np.inf] + sorted(set(s.tolist()), reverse=True)
    tpr = [float(np.mean(s[y] >= t)) for t in thresholds]
    fpr = [float(np.mean(s[~y] >= t)) for t in thresholds]
    return fpr, tpr, thresholds


def auc(y_true, scores):
    fpr, tpr, _ = roc_points(y_true, scores)
    return float(np.sum(np.diff(fpr) * (np.add(tpr[1:], tpr[:-1]) / 2)))
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
]


# =============================================================================================
# 05-regularisation (the setup cell gives a stable `sigmoid`)
# =============================================================================================
HONEST_05 = [
    _case(
        "vectorised", "vectorised numpy: logaddexp, a row-scaled X~ and D = diag(1, .., 1, 0)",
        objective_answer='''\
def penalised_objective(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    z = X @ w + b
    data = np.sum(s * (np.logaddexp(0.0, z) - y * z))
    return float(C * data + 0.5 * np.sum(w ** 2))
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    r = s * (sigmoid(X @ w + b) - y)
    return C * (X.T @ r) + w, float(C * r.sum())
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    Xt = np.column_stack([X, np.ones(n)])
    D = np.diag(np.r_[np.ones(d), 0.0])  # no penalty on the intercept
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        g = np.r_[g_w, g_b]
        if np.max(np.abs(g)) / (C * s.sum()) <= tol:  # the mean-form gradient
            break
        p = sigmoid(X @ w + b)
        H = C * Xt.T @ ((s * p * (1 - p))[:, None] * Xt) + D
        step = np.linalg.solve(H, g)
        w, b = w - step[:d], b - step[d]
    return w, float(b)
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    y = np.asarray(y)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    classes, index = np.unique(y, return_inverse=True)
    class_total = np.bincount(index, weights=s)  # S_k
    return s * s.sum() / (len(classes) * class_total[index])
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    w, g = np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float)
    nonzero = np.abs(g + lam1 * np.sign(w)) <= tol
    zero = np.abs(g) <= lam1 + tol
    return np.where(w != 0, nonzero, zero)
''',
        cv_answer='''\
def kfold_indices(n, k):
    folds, start = [], 0
    for j in range(k):
        size = n // k + (1 if j < n % k else 0)
        folds.append(np.arange(start, start + size))
        start += size
    return folds


def cv_log_loss(X, y, C, k=5):
    losses = []
    for test in kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu = X[train].mean(axis=0)
        sd = X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = (X[test] - mu) / sd @ w + b
        losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))
    return float(np.mean(losses))
''',
    ),
    _case(
        "row_loops", "loops over rows for the objective, gradient and Hessian; index loops",
        objective_answer='''\
import math


def penalised_objective(X, y, w, b, C, sample_weight=None):
    total = 0.0
    for i in range(len(y)):
        s_i = 1.0 if sample_weight is None else sample_weight[i]
        z = float(X[i] @ w + b)
        loss = max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y[i] * z
        total += s_i * loss
    return C * total + 0.5 * float(w @ w)
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    p = sigmoid(X @ w + b)
    g_w = np.zeros(len(w))
    g_b = 0.0
    for i in range(len(y)):
        s_i = 1.0 if sample_weight is None else sample_weight[i]
        r = s_i * (p[i] - y[i])
        g_w += r * X[i]
        g_b += r
    return C * g_w + w, float(C * g_b)
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else sample_weight
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        g = np.append(g_w, g_b)
        if np.abs(g).max() <= tol * C * np.sum(s):
            break
        p = sigmoid(X @ w + b)
        H = np.zeros((d + 1, d + 1))
        for i in range(n):
            x_t = np.append(X[i], 1.0)
            H += C * s[i] * p[i] * (1.0 - p[i]) * np.outer(x_t, x_t)
        for j in range(d):  # + 1 on the diagonal of w only
            H[j, j] += 1.0
        step = np.linalg.solve(H, g)
        w, b = w - step[:d], float(b - step[d])
    return w, b
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    n = len(y)
    s = [1.0] * n if sample_weight is None else [float(v) for v in sample_weight]
    totals = {}
    for label, weight in zip(np.asarray(y).tolist(), s):
        totals[label] = totals.get(label, 0.0) + weight
    S, K = sum(s), len(totals)
    return np.array([w_i * S / (K * totals[label])
                     for label, w_i in zip(np.asarray(y).tolist(), s)])
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    out = np.zeros(u.shape)
    for idx in np.ndindex(u.shape):
        if u[idx] > t:
            out[idx] = u[idx] - t
        elif u[idx] < -t:
            out[idx] = u[idx] + t
    return out


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    ok = np.zeros(len(w), dtype=bool)
    for j in range(len(w)):
        if w[j] > 0:
            ok[j] = abs(grad_w[j] + lam1) <= tol
        elif w[j] < 0:
            ok[j] = abs(grad_w[j] - lam1) <= tol
        else:
            ok[j] = abs(grad_w[j]) <= lam1 + tol
    return ok
''',
        cv_answer='''\
def kfold_indices(n, k):
    base, extra = divmod(n, k)
    folds, start = [], 0
    for j in range(k):
        stop = start + base + (j < extra)
        folds.append(np.arange(start, stop))
        start = stop
    return folds


def cv_log_loss(X, y, C, k=5):
    n = len(y)
    total = 0.0
    for test in kfold_indices(n, k):
        in_test = np.zeros(n, dtype=bool)
        in_test[test] = True
        X_train, y_train = X[~in_test], y[~in_test]
        mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
        w, b = fit_penalised((X_train - mu) / sd, y_train, C)
        fold_loss = 0.0
        for i in test:
            z = float((X[i] - mu) / sd @ w + b)
            fold_loss += max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y[i] * z
        total += fold_loss / len(test)
    return total / k
''',
    ),
    _case(
        "identities", "identities: y softplus(-z) + (1 - y) softplus(z), tanh, cosh, u - clip(u)",
        objective_answer='''\
def penalised_objective(X, y, w, b, C, sample_weight=None):
    s = np.ones_like(y, dtype=float) if sample_weight is None else sample_weight
    z = X @ w + b
    # l = -log sigma(z) for y = 1 and -log sigma(-z) for y = 0
    loss = y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)
    return float(C * np.dot(s, loss) + 0.5 * np.dot(w, w))
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = np.ones_like(y, dtype=float) if sample_weight is None else sample_weight
    p = 0.5 + 0.5 * np.tanh((X @ w + b) / 2)  # sigma(z) = (1 + tanh(z/2)) / 2
    r = C * s * (p - y)
    return X.T @ r + w, float(np.sum(r))
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else sample_weight
    Xt = np.column_stack([X, np.ones(n)])
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g = np.append(*penalised_gradient(X, y, w, b, C, s))
        if np.max(np.abs(g / (C * np.sum(s)))) <= tol:
            break
        h = C * s / (4 * np.cosh((X @ w + b) / 2) ** 2)  # C s p (1 - p)
        H = Xt.T @ (h[:, None] * Xt)
        H[np.arange(d), np.arange(d)] += 1.0
        theta = np.append(w, b) - np.linalg.solve(H, g)
        w, b = theta[:d], float(theta[d])
    return w, b
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    y = np.asarray(y)
    s = np.ones(y.shape) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    classes = np.unique(y)
    same = y[:, None] == classes[None, :]  # (n, K): one column per class
    totals = s @ same  # S_k
    return s * s.sum() / (len(classes) * (same @ totals))
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    # what is left of u once clipped into [-t, t] is removed
    return u - np.clip(u, -t, t)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    w, g = np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float)
    return (w != 0) & (np.abs(g + lam1 * np.sign(w)) <= tol) | (w == 0) & (
        np.abs(g) <= lam1 + tol)
''',
        cv_answer='''\
def kfold_indices(n, k):
    sizes = [n // k + (j < n % k) for j in range(k)]
    ends = np.cumsum(sizes)
    return [np.arange(end - size, end) for size, end in zip(sizes, ends)]


def cv_log_loss(X, y, C, k=5):
    fold_losses = []
    for test in kfold_indices(len(y), k):
        train = np.ones(len(y), dtype=bool)
        train[test] = False
        mu, sd = np.mean(X[train], axis=0), np.std(X[train], axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = ((X[test] - mu) / sd) @ w + b
        fold_losses.append(np.mean(y[test] * np.logaddexp(0, -z)
                                   + (1 - y[test]) * np.logaddexp(0, z)))
    return float(np.mean(fold_losses))
''',
    ),
    _case(
        "einsum_blocks", "einsum products; the Hessian filled block by block; array_split folds",
        objective_answer='''\
def penalised_objective(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    z = np.einsum("ij,j->i", X, w) + b
    return float(C * np.einsum("i,i->", s, np.logaddexp(0.0, z) - y * z)
                 + 0.5 * np.einsum("j,j->", w, w))
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    r = s * (sigmoid(np.einsum("ij,j->i", X, w) + b) - y)
    return C * np.einsum("ij,i->j", X, r) + w, float(C * np.einsum("i->", r))
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else sample_weight
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        if max(np.abs(g_w).max(), abs(g_b)) <= tol * C * s.sum():
            break
        z = X @ w + b
        h = C * s * sigmoid(z) * sigmoid(-z)
        H = np.empty((d + 1, d + 1))
        H[:d, :d] = np.einsum("i,ij,ik->jk", h, X, X) + np.eye(d)
        H[:d, d] = H[d, :d] = np.einsum("i,ij->j", h, X)
        H[d, d] = h.sum()
        step = np.linalg.solve(H, np.append(g_w, g_b))
        w, b = w - step[:d], b - float(step[d])
    return w, b
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    _, index = np.unique(y, return_inverse=True)
    K = index.max() + 1
    S_k = np.bincount(index, weights=s, minlength=K)
    return s * (s.sum() / K) / S_k[index]
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    return np.where(u > t, u - t, np.where(u < -t, u + t, 0.0))


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    w, g = np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float)
    residual = np.where(w != 0, np.abs(g + lam1 * np.sign(w)), np.abs(g) - lam1)
    return residual <= tol
''',
        cv_answer='''\
def kfold_indices(n, k):
    # numpy's array_split gives the first n % k pieces one more element
    return np.array_split(np.arange(n), k)


def cv_log_loss(X, y, C, k=5):
    folds = kfold_indices(len(y), k)
    losses = np.empty(k)
    for j, test in enumerate(folds):
        train = np.concatenate([f for i, f in enumerate(folds) if i != j])
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = np.einsum("ij,j->i", (X[test] - mu) / sd, w) + b
        losses[j] = np.mean(np.logaddexp(0.0, z) - y[test] * z)
    return float(losses.mean())
''',
    ),
    _case(
        "theta_views", "float64 copies, theta = (w, b) helpers, folds as views of one arange",
        objective_answer='''\
def _weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    return np.array(sample_weight, dtype=np.float64)


def _logits(X, w, b):
    return np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + float(b)


def penalised_objective(X, y, w, b, C, sample_weight=None):
    z = _logits(X, w, b)
    s = _weights(sample_weight, len(z))
    w = np.asarray(w, dtype=np.float64)
    return float(C * (s @ (np.logaddexp(0.0, z) - y * z)) + w @ w / 2)
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    z = _logits(X, w, b)
    s = _weights(sample_weight, len(z))
    r = C * s * (sigmoid(z) - np.asarray(y, dtype=np.float64))
    return np.asarray(X, dtype=np.float64).T @ r + np.asarray(w, dtype=np.float64), float(r.sum())
''',
        fit_answer='''\
def _hessian(Xt, theta, C, s):
    p = sigmoid(Xt @ theta)
    H = C * (Xt * (s * p * (1 - p))[:, None]).T @ Xt
    H[:-1, :-1] += np.eye(len(theta) - 1)
    return H


def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    X = np.array(X, dtype=np.float64)
    s = _weights(sample_weight, len(X))
    Xt = np.hstack([X, np.ones((len(X), 1))])
    theta = np.zeros(Xt.shape[1])
    for _ in range(max_iter):
        g = np.append(*penalised_gradient(X, y, theta[:-1], theta[-1], C, s))
        if np.max(np.abs(g)) <= tol * C * s.sum():
            break
        theta = theta - np.linalg.solve(_hessian(Xt, theta, C, s), g)
    return theta[:-1].copy(), float(theta[-1])
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    y = np.asarray(y)
    s = _weights(sample_weight, len(y))
    out = np.empty(len(y))
    classes = np.unique(y)
    for label in classes:
        mask = y == label
        out[mask] = s[mask] * s.sum() / (len(classes) * s[mask].sum())
    return out
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.array(u, dtype=np.float64)  # our copy, shrunk in place
    shrunk = np.abs(u) - t
    np.maximum(shrunk, 0.0, out=shrunk)
    return np.copysign(shrunk, u)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    w = np.asarray(w, dtype=np.float64)
    g = np.asarray(grad_w, dtype=np.float64)
    holds = np.empty(w.shape, dtype=bool)
    nz = w != 0
    holds[nz] = np.abs(g[nz] + lam1 * np.sign(w[nz])) <= tol
    holds[~nz] = np.abs(g[~nz]) <= lam1 + tol
    return holds
''',
        cv_answer='''\
def kfold_indices(n, k):
    everything = np.arange(n)
    bounds = [0]
    for j in range(k):
        bounds.append(bounds[-1] + n // k + (1 if j < n % k else 0))
    return [everything[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]  # views


def cv_log_loss(X, y, C, k=5):
    X = np.array(X, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    losses = []
    for test in kfold_indices(len(y), k):
        X_train, y_train = np.delete(X, test, axis=0), np.delete(y, test)
        mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
        w, b = fit_penalised((X_train - mu) / sd, y_train, C)
        z = _logits((X[test] - mu) / sd, w, b)
        losses.append(float(np.mean(np.logaddexp(0.0, z) - y[test] * z)))
    return sum(losses) / len(losses)
''',
    ),
    _case(
        "math_generators", "math.fsum over generators; dicts of class totals; lists of folds",
        objective_answer='''\
import math


def _softplus(t):
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def penalised_objective(X, y, w, b, C, sample_weight=None):
    z = (X @ w + b).tolist()
    s = [1.0] * len(z) if sample_weight is None else list(sample_weight)
    data = math.fsum(s_i * (_softplus(z_i) - y_i * z_i) for s_i, z_i, y_i in zip(s, z, y))
    return C * data + 0.5 * math.fsum(w_j * w_j for w_j in w)
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    r = C * s * (sigmoid(X @ w + b) - y)
    return X.T @ r + w, math.fsum(r.tolist())
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    scale = C * math.fsum(s.tolist())  # C S: the mean form divides by it
    Xt = np.column_stack([X, np.ones(n)])
    penalty = np.eye(d + 1)
    penalty[d, d] = 0.0
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        if max(max(abs(v) for v in g_w), abs(g_b)) / scale <= tol:
            break
        p = sigmoid(X @ w + b)
        H = C * (Xt.T * (s * p * (1 - p))) @ Xt + penalty
        step = np.linalg.solve(H, np.append(g_w, g_b))
        w, b = w - step[:d], b - step[d]
    return w, float(b)
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    labels = np.asarray(y).tolist()
    s = [1.0] * len(labels) if sample_weight is None else [float(v) for v in sample_weight]
    totals = {c: math.fsum(w for lab, w in zip(labels, s) if lab == c) for c in set(labels)}
    S = math.fsum(s)
    return np.array([w * S / (len(totals) * totals[lab]) for lab, w in zip(labels, s)])
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    values = (math.copysign(max(abs(v) - t, 0.0), v) for v in u.flat)
    return np.fromiter(values, dtype=float, count=u.size).reshape(u.shape)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    def holds(w_j, g_j):
        if w_j != 0:
            return abs(g_j + math.copysign(lam1, w_j)) <= tol
        return abs(g_j) <= lam1 + tol

    return np.array([holds(w_j, g_j) for w_j, g_j in zip(w, grad_w)], dtype=bool)
''',
        cv_answer='''\
def kfold_indices(n, k):
    sizes = [n // k + 1 if j < n % k else n // k for j in range(k)]
    starts = [sum(sizes[:j]) for j in range(k)]
    return [np.array(range(start, start + size)) for start, size in zip(starts, sizes)]


def cv_log_loss(X, y, C, k=5):
    def fold_loss(test):
        train = np.array([i for i in range(len(y)) if i not in set(test.tolist())])
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = ((X[test] - mu) / sd @ w + b).tolist()
        return math.fsum(_softplus(t) - y_i * t for t, y_i in zip(z, y[test])) / len(z)

    return math.fsum(fold_loss(test) for test in kfold_indices(len(y), k)) / k
''',
    ),
    _case(
        "helpers_early_returns", "small helpers, early returns, and a while loop for Newton",
        objective_answer='''\
def unit_weights_if_none(sample_weight, n):
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)


def per_sample_loss(y, z):
    return np.logaddexp(0.0, z) - y * z


def penalised_objective(X, y, w, b, C, sample_weight=None):
    s = unit_weights_if_none(sample_weight, len(y))
    z = X @ w + b
    return float(C * np.sum(s * per_sample_loss(y, z)) + 0.5 * np.dot(w, w))
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = unit_weights_if_none(sample_weight, len(y))
    residual = sigmoid(X @ w + b) - y
    weighted = C * s * residual
    grad_w = X.T @ weighted + w  # the penalty's gradient is w ...
    grad_b = weighted.sum()  # ... and the intercept has none
    return grad_w, float(grad_b)
''',
        fit_answer='''\
def mean_form_size(g_w, g_b, C, s):
    return max(np.max(np.abs(g_w)), abs(g_b)) / (C * s.sum())


def penalised_hessian(X, w, b, C, s):
    z = X @ w + b
    weights = C * s * sigmoid(z) * sigmoid(-z)
    Xt = np.c_[X, np.ones(len(X))]
    H = Xt.T @ (weights[:, None] * Xt)
    H[:-1, :-1] += np.identity(len(w))
    return H


def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    s = unit_weights_if_none(sample_weight, len(y))
    w, b = np.zeros(X.shape[1]), 0.0
    steps = 0
    while True:
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        if mean_form_size(g_w, g_b, C, s) <= tol or steps == max_iter:
            return w, b
        step = np.linalg.solve(penalised_hessian(X, w, b, C, s), np.append(g_w, g_b))
        w, b = w - step[:-1], float(b - step[-1])
        steps += 1
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    y = np.asarray(y)
    s = unit_weights_if_none(sample_weight, len(y))
    classes, index = np.unique(y, return_inverse=True)
    if len(classes) == 1:  # one class: it already carries all the weight
        return s.copy()
    totals = np.array([s[index == k].sum() for k in range(len(classes))])
    return s * s.sum() / (len(classes) * totals[index])
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    if t == 0:
        return u  # nothing to shrink
    return np.sign(u) * np.clip(np.abs(u) - t, 0.0, None)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    w, g = np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float)
    ok = np.abs(g) <= lam1 + tol  # the condition for w_j = 0 ...
    active = w != 0
    ok[active] = np.abs(g[active] + lam1 * np.sign(w[active])) <= tol  # ... and for w_j != 0
    return ok
''',
        cv_answer='''\
def kfold_indices(n, k):
    if k == 1:
        return [np.arange(n)]
    size, longer = n // k, n % k
    cuts = [j * size + min(j, longer) for j in range(k + 1)]
    return [np.arange(cuts[j], cuts[j + 1]) for j in range(k)]


def standardise(train, other):
    mu, sd = train.mean(axis=0), train.std(axis=0)
    return (train - mu) / sd, (other - mu) / sd


def cv_log_loss(X, y, C, k=5):
    losses = []
    for test in kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        X_train, X_test = standardise(X[train], X[test])
        w, b = fit_penalised(X_train, y[train], C)
        losses.append(per_sample_loss(y[test], X_test @ w + b).mean())
    return float(np.mean(losses))
''',
    ),
    _case(
        "tuples_and_generators", "divmod folds, a tuple of classes, fmean over a generator",
        objective_answer='''\
def penalised_objective(X, y, w, b, C, sample_weight=None):
    z = X @ w + b
    loss = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z
    if sample_weight is not None:
        loss = loss * sample_weight
    return float(C * loss.sum() + np.square(w).sum() / 2)
''',
        gradient_answer='''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    r = sigmoid(X @ w + b) - y
    if sample_weight is not None:
        r = r * sample_weight
    return C * r @ X + w, float(C * r.sum())
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else sample_weight
    total = C * s.sum()
    Xt = np.concatenate([X, np.ones((n, 1))], axis=1)
    D = np.diag([1.0] * d + [0.0])
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        g = np.concatenate([g_w, [g_b]])
        if np.linalg.norm(g / total, np.inf) <= tol:
            break
        z = X @ w + b
        h = C * s * sigmoid(z) * sigmoid(-z)
        H = Xt.T @ (Xt * h[:, None]) + D
        step = np.linalg.solve(H, g)
        w, b = w - step[:d], float(b - step[d])
    return w, b
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    y = np.asarray(y)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    classes = tuple(np.unique(y))
    total_of = dict(zip(classes, (s[y == c].sum() for c in classes)))
    per_class = np.array([total_of[label] for label in y])
    return s * s.sum() / (len(classes) * per_class)
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    return np.maximum(u - t, 0.0) + np.minimum(u + t, 0.0)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    pairs = zip(np.asarray(w, dtype=float), np.asarray(grad_w, dtype=float))
    return np.fromiter(
        (abs(g + lam1 * np.sign(v)) <= tol if v != 0 else abs(g) <= lam1 + tol
         for v, g in pairs), dtype=bool, count=len(w))
''',
        cv_answer='''\
from statistics import fmean


def kfold_indices(n, k):
    q, r = divmod(n, k)
    starts = [j * q + min(j, r) for j in range(k)]
    stops = starts[1:] + [n]
    return [np.arange(a, c) for a, c in zip(starts, stops)]


def cv_log_loss(X, y, C, k=5):
    def held_out_loss(test):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = (X[test] - mu) / sd @ w + b
        return fmean(np.logaddexp(0.0, z) - y[test] * z)

    return fmean(held_out_loss(test) for test in tuple(kfold_indices(len(y), k)))
''',
    ),
]

SLOW_05 = [
    _case(
        "sample_loops", "slow: the objective, gradient and Hessian as Python loops over samples",
        objective_answer='''\
import math


def penalised_objective(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    data = 0.0
    for x_i, y_i, s_i in zip(X, y, s):
        z = float(x_i @ w + b)
        data += s_i * (max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y_i * z)
    return C * data + 0.5 * float(w @ w)
''',
        gradient_answer='''\
def _p(t):
    e = math.exp(-abs(t))
    return 1.0 / (1.0 + e) if t >= 0 else e / (1.0 + e)


def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    z = X @ w + b
    g_w, g_b = np.zeros(len(w)), 0.0
    for x_i, y_i, s_i, z_i in zip(X, y, s, z):  # one sample at a time
        r = C * s_i * (_p(z_i) - y_i)
        g_w += r * x_i
        g_b += r
    return g_w + w, float(g_b)
''',
        fit_answer='''\
def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else sample_weight
    Xt = np.column_stack([X, np.ones(n)])
    w, b = np.zeros(d), 0.0
    for _ in range(max_iter):
        g_w, g_b = penalised_gradient(X, y, w, b, C, s)
        if max(np.max(np.abs(g_w)), abs(g_b)) <= tol * C * np.sum(s):
            break
        H = np.diag(np.append(np.ones(d), 0.0))  # the penalty's part: w only
        for x_i, s_i, z_i in zip(Xt, s, X @ w + b):  # rows of X~ = [X, 1]
            H += C * s_i * _p(z_i) * _p(-z_i) * x_i[:, None] * x_i
        step = np.linalg.solve(H, np.append(g_w, g_b))
        w, b = w - step[:d], b - float(step[d])
    return w, b
''',
        weights_answer='''\
def balanced_sample_weight(y, sample_weight=None):
    labels = np.asarray(y).tolist()
    s = [1.0] * len(labels) if sample_weight is None else [float(v) for v in sample_weight]
    totals = {}
    for label, s_i in zip(labels, s):
        totals[label] = totals.get(label, 0.0) + s_i
    S = math.fsum(s)
    return np.array([s_i * S / (len(totals) * totals[label]) for label, s_i in zip(labels, s)])
''',
        l1_answer='''\
def soft_threshold(u, t):
    u = np.asarray(u, dtype=float)
    out = [math.copysign(max(abs(v) - t, 0.0), v) for v in u.ravel().tolist()]
    return np.array(out).reshape(u.shape)


def l1_kkt_check(w, grad_w, lam1, tol=1e-8):
    ok = []
    for w_j, g_j in zip(np.asarray(w).tolist(), np.asarray(grad_w).tolist()):
        if w_j != 0:
            ok.append(abs(g_j + math.copysign(lam1, w_j)) <= tol)
        else:
            ok.append(abs(g_j) <= lam1 + tol)
    return np.array(ok, dtype=bool)
''',
        cv_answer='''\
def kfold_indices(n, k):
    folds, start = [], 0
    for j in range(k):
        size = n // k + (1 if j < n % k else 0)
        folds.append(np.array(list(range(start, start + size)), dtype=int))
        start += size
    return folds


def cv_log_loss(X, y, C, k=5):
    n = len(y)
    losses = []
    for test in kfold_indices(n, k):
        held_out = set(test.tolist())
        train = np.array([i for i in range(n) if i not in held_out])
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        fold = 0.0
        for i in test:
            z = float((X[i] - mu) / sd @ w + b)
            fold += max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y[i] * z
        losses.append(fold / len(test))
    return math.fsum(losses) / k
''',
    ),
]

UPSTREAM_05 = [
    # inaccurate: the gradient by central differences of the learner's (right) objective:
    # ~1e-8 relative (the check asks 1e-10), far below what the fit's mean-form tol needs
    Case("finite_difference_gradient", "upstream inaccurate: the gradient by central differences",
         {"gradient_answer": '''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    theta = np.append(w, b).astype(float)
    g = np.zeros(len(theta))
    for k in range(len(theta)):
        h = 1e-4 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        f_up = penalised_objective(X, y, up[:-1], up[-1], C, sample_weight)
        f_down = penalised_objective(X, y, down[:-1], down[-1], C, sample_weight)
        g[k] = (f_up - f_down) / (2 * h)
    return g[:-1], float(g[-1])
'''},
         frozenset({"gradient_w", "gradient_b"})),
    # wrong shape: grad_b as an array of shape (1,); the fit appends it to grad_w all the same
    Case("array_grad_b", "upstream shape (1,): grad_b from a slice; the fit as usual",
         {"gradient_answer": '''\
def penalised_gradient(X, y, w, b, C, sample_weight=None):
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    Xt = np.column_stack([X, np.ones(len(y))])
    g = C * Xt.T @ (s * (sigmoid(X @ w + b) - y))
    return g[:-1] + w, g[-1:]
'''},
         frozenset({"gradient_b"})),
    # wrong container: the folds as a generator; cross-validation only iterates over them
    Case("generator_folds", "upstream returns a generator: kfold_indices yields the folds",
         {"cv_answer": '''\
def kfold_indices(n, k):
    start = 0
    for j in range(k):
        size = n // k + (1 if j < n % k else 0)
        yield np.arange(start, start + size)
        start += size


def cv_log_loss(X, y, C, k=5):
    losses = []
    for test in kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = (X[test] - mu) / sd @ w + b
        losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))
    return float(np.mean(losses))
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
    # wrong container: each fold a list of ints; numpy indexes with lists just as well
    Case("list_folds", "upstream returns lists of ints: kfold_indices with range()",
         {"cv_answer": '''\
def kfold_indices(n, k):
    folds, start = [], 0
    for j in range(k):
        size = n // k + (1 if j < n % k else 0)
        folds.append(list(range(start, start + size)))
        start += size
    return folds


def cv_log_loss(X, y, C, k=5):
    losses = []
    for test in kfold_indices(len(y), k):
        train = np.setdiff1d(np.arange(len(y)), test)
        mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
        w, b = fit_penalised((X[train] - mu) / sd, y[train], C)
        z = (X[test] - mu) / sd @ w + b
        losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))
    return float(np.mean(losses))
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
]


# =============================================================================================
# 06-softmax
# =============================================================================================
HONEST_06 = [
    _case(
        "vectorised", "vectorised numpy with keepdims; one-hot labels from np.eye",
        softmax_answer='''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - np.max(Z, axis=1, keepdims=True)  # every exponent <= 0
    E = np.exp(shifted)
    return E / np.sum(E, axis=1, keepdims=True)
''',
        lse_answer='''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    m = np.max(Z, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))[:, 0]


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    n = len(y)
    losses = -log_softmax(Z)[np.arange(n), y]
    if sample_weight is None:
        return float(np.mean(losses))
    return float(np.average(losses, weights=sample_weight))
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    K = W.shape[0]
    P = softmax(X @ W.T + b)
    Y = np.eye(K)[y]  # one-hot rows
    R = P - Y
    return R.T @ X / len(y), R.mean(axis=0)
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(y.max()) + 1
    lam = 1.0 / (C * n)
    Xt = np.column_stack([X, np.ones(n)])
    L = np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if max(np.abs(g_W).max(), np.abs(g_b).max()) <= tol:
            break
        W = W - g_W / L
        b = b - g_b / L
    return W - W.mean(axis=0), b - b.mean()
''',
        predict_answer='''\
def predict_proba(X, W, b):
    return softmax(X @ W.T + b)


def predict(X, W, b):
    return np.argmax(X @ W.T + b, axis=1)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    return W[1] - W[0], float(b[1] - b[0])


def softmax_from_binary(w, b):
    w = np.asarray(w, dtype=float)
    return np.vstack([-w / 2, w / 2]), np.array([-b / 2, b / 2])
''',
    ),
    _case(
        "class_loops", "loops over the K classes (columns); the fit loops over steps",
        softmax_answer='''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    n, K = Z.shape
    m = Z[:, 0].copy()
    for k in range(1, K):
        m = np.maximum(m, Z[:, k])  # the row maxima, class by class
    P = np.empty((n, K))
    for k in range(K):
        P[:, k] = np.exp(Z[:, k] - m)
    total = np.zeros(n)
    for k in range(K):
        total += P[:, k]
    for k in range(K):
        P[:, k] /= total
    return P
''',
        lse_answer='''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1)
    total = np.zeros(len(Z))
    for k in range(Z.shape[1]):
        total += np.exp(Z[:, k] - m)
    return m + np.log(total)


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1)
    total = np.zeros(len(Z))
    for k in range(Z.shape[1]):
        total += np.exp(Z[:, k] - m)
    out = np.empty(Z.shape)
    for k in range(Z.shape[1]):
        out[:, k] = (Z[:, k] - m) - np.log(total)
    return out
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    y = np.asarray(y)
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    logp = log_softmax(Z)
    total = 0.0
    for k in range(logp.shape[1]):
        mine = y == k
        total -= np.sum(s[mine] * logp[mine, k])
    return float(total / s.sum())
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    K, d = W.shape
    P = softmax(X @ W.T + b)
    g_W, g_b = np.zeros((K, d)), np.zeros(K)
    for k in range(K):
        r = P[:, k] - (y == k)  # prediction minus target, for class k
        g_W[k] = r @ X / len(y)
        g_b[k] = r.mean()
    return g_W, g_b
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(np.max(y)) + 1
    lam = 1.0 / (C * n)
    Xt = np.hstack([X, np.ones((n, 1))])
    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W += lam * W
        if np.max(np.abs(g_W)) <= tol and np.max(np.abs(g_b)) <= tol:
            break
        for k in range(K):
            W[k] -= step * g_W[k]
            b[k] -= step * g_b[k]
    return W, b
''',
        predict_answer='''\
def predict_proba(X, W, b):
    Z = X @ W.T + b
    return softmax(Z)


def predict(X, W, b):
    Z = X @ W.T + b
    best = np.zeros(len(Z), dtype=int)
    for k in range(1, Z.shape[1]):
        best[Z[:, k] > Z[np.arange(len(Z)), best]] = k  # strictly larger: first on a tie
    return best
''',
        two_answer='''\
def binary_from_softmax(W, b):
    w = np.zeros(W.shape[1])
    for j in range(W.shape[1]):
        w[j] = W[1, j] - W[0, j]
    return w, float(b[1] - b[0])


def softmax_from_binary(w, b):
    W = np.zeros((2, len(w)))
    for j in range(len(w)):
        W[0, j], W[1, j] = -w[j] / 2, w[j] / 2
    return W, np.array([-b / 2, b / 2])
''',
    ),
    _case(
        "identities", "identities: logaddexp.reduce, softmax = exp(log_softmax), one-hot as ==",
        softmax_answer='''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=1, keepdims=True)
    # softmax = exp(log softmax), from the shifted logits (the sum lies in [1, K])
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
''',
        lse_answer='''\
def logsumexp(Z):
    # log(e^a + e^b) = logaddexp(a, b), folded along each row
    return np.logaddexp.reduce(np.asarray(Z, dtype=float), axis=1)


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    return Z - logsumexp(Z)[:, np.newaxis]
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    y = np.asarray(y)
    picked = np.take_along_axis(log_softmax(Z), y[:, None], axis=1)[:, 0]
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    return float(-(s @ picked) / s.sum())
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    K = len(b)
    Y = (np.asarray(y)[:, None] == np.arange(K)).astype(float)
    R = softmax(X @ W.T + b) - Y
    return R.T @ X / len(y), R.sum(axis=0) / len(y)
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(y.max()) + 1
    lam = 1.0 / (C * n)
    Xt = np.column_stack([X, np.ones(n)])
    # ||X~||_2^2 is the largest eigenvalue of X~^T X~
    L = np.linalg.eigvalsh(Xt.T @ Xt).max() / (2 * n) + lam
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if max(np.abs(g_W).max(), np.abs(g_b).max()) <= tol:
            break
        W, b = W - g_W / L, b - g_b / L
    return W - W.mean(axis=0), b - b.mean()
''',
        predict_answer='''\
def predict_proba(X, W, b):
    return np.exp(log_softmax(X @ W.T + b))


def predict(X, W, b):
    # the largest probability belongs to the largest logit
    return np.argmax(predict_proba(X, W, b), axis=1)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    return np.diff(W, axis=0)[0], float(np.diff(b)[0])


def softmax_from_binary(w, b):
    half = np.array([-0.5, 0.5])
    return np.outer(half, w), half * b
''',
    ),
    _case(
        "einsum_augmented", "einsum products; the fit on one (K, d + 1) matrix [W | b]",
        softmax_answer='''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1)[:, None])
    return E / np.einsum("ik->i", E)[:, None]
''',
        lse_answer='''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1)
    return m + np.log(np.einsum("ik->i", np.exp(Z - m[:, None])))


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1)
    shifted = Z - m[:, None]
    return shifted - np.log(np.einsum("ik->i", np.exp(shifted)))[:, None]
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    Y = np.eye(np.shape(Z)[1])[y]
    per_sample = -np.einsum("ik,ik->i", Y, log_softmax(Z))
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    return float(np.einsum("i,i->", s, per_sample) / np.sum(s))
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    R = softmax(np.einsum("ij,kj->ik", X, W) + b)
    R[np.arange(len(y)), y] -= 1.0  # P - Y
    return np.einsum("ik,ij->kj", R, X) / len(y), np.einsum("ik->k", R) / len(y)
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(y.max()) + 1
    lam = 1.0 / (C * n)
    Xt = np.concatenate([X, np.ones((n, 1))], axis=1)
    step = 1.0 / (np.linalg.norm(Xt, ord=2) ** 2 / (2 * n) + lam)
    mask = np.ones(d + 1)
    mask[d] = 0.0  # the penalty leaves the intercept column alone
    Theta = np.zeros((K, d + 1))  # [W | b]
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, Theta[:, :d], Theta[:, d])
        G = np.column_stack([g_W, g_b]) + lam * Theta * mask
        if np.abs(G).max() <= tol:
            break
        Theta -= step * G
    Theta -= Theta.mean(axis=0)
    return Theta[:, :d], Theta[:, d]
''',
        predict_answer='''\
def predict_proba(X, W, b):
    return softmax(np.einsum("ij,kj->ik", X, W) + b)


def predict(X, W, b):
    return np.einsum("ij,kj->ik", X, W).__add__(b).argmax(axis=1)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    contrast = np.array([-1.0, 1.0])  # class 1 minus class 0
    return np.einsum("k,kj->j", contrast, W), float(contrast @ b)


def softmax_from_binary(w, b):
    contrast = np.array([-0.5, 0.5])
    return np.einsum("k,j->kj", contrast, w), contrast * b
''',
    ),
    _case(
        "float64_inplace", "float64 conversions (float32-safe), in-place ufuncs on own copies",
        softmax_answer='''\
def softmax(Z):
    P = np.array(Z, dtype=np.float64)  # a copy we may overwrite
    P -= P.max(axis=1, keepdims=True)
    np.exp(P, out=P)
    P /= P.sum(axis=1, keepdims=True)
    return P
''',
        lse_answer='''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=np.float64)
    m = Z.max(axis=1)
    E = Z - m[:, None]
    np.exp(E, out=E)
    return m + np.log(E.sum(axis=1))


def log_softmax(Z):
    out = np.array(Z, dtype=np.float64)
    out -= out.max(axis=1, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=1, keepdims=True))
    return out
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    y = np.asarray(y, dtype=np.intp)
    logp = log_softmax(Z)
    s = (np.ones(len(y)) if sample_weight is None
         else np.asarray(sample_weight, dtype=np.float64))
    return float(-np.sum(s * logp[np.arange(len(y)), y]) / np.sum(s))
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.intp)
    R = softmax(X @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64))
    np.subtract.at(R, (np.arange(len(y)), y), 1.0)  # P - Y, in place
    return R.T @ X / len(y), R.mean(axis=0)
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    K = int(np.max(y)) + 1
    lam = 1.0 / (C * n)
    Xt = np.ones((n, d + 1))
    Xt[:, :d] = X
    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W += lam * W
        if max(np.max(np.abs(g_W)), np.max(np.abs(g_b))) <= tol:
            break
        W -= step * g_W
        b -= step * g_b
    W -= W.mean(axis=0)
    b -= b.mean()
    return W, b
''',
        predict_answer='''\
def predict_proba(X, W, b):
    Z = np.asarray(X, dtype=np.float64) @ np.asarray(W, dtype=np.float64).T
    Z += b
    return softmax(Z)


def predict(X, W, b):
    Z = np.asarray(X, dtype=np.float64) @ np.asarray(W, dtype=np.float64).T + b
    return Z.argmax(axis=1).astype(np.intp)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return W[1] - W[0], float(b[1] - b[0])


def softmax_from_binary(w, b):
    w = np.asarray(w, dtype=np.float64)
    W = np.empty((2, w.size))
    np.multiply(w, -0.5, out=W[0])
    np.multiply(w, 0.5, out=W[1])
    return W, np.array([-0.5 * b, 0.5 * b])
''',
    ),
    _case(
        "helpers_early_returns", "small helpers, early returns on convergence, a while loop",
        softmax_answer='''\
def shift_rows(Z):
    Z = np.asarray(Z, dtype=float)
    return Z - Z.max(axis=1, keepdims=True)


def softmax(Z):
    E = np.exp(shift_rows(Z))
    return E / E.sum(axis=1, keepdims=True)
''',
        lse_answer='''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    return Z.max(axis=1) + np.log(np.exp(shift_rows(Z)).sum(axis=1))


def log_softmax(Z):
    S = shift_rows(Z)
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))
''',
        loss_answer='''\
def label_log_probabilities(y, Z):
    return log_softmax(Z)[np.arange(len(y)), y]


def cross_entropy(y, Z, sample_weight=None):
    losses = -label_log_probabilities(y, Z)
    if sample_weight is None:
        return float(losses.mean())
    s = np.asarray(sample_weight, dtype=float)
    return float((s * losses).sum() / s.sum())
''',
        gradient_answer='''\
def one_hot(y, K):
    Y = np.zeros((len(y), K))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def gradient(X, y, W, b):
    R = softmax(X @ W.T + b) - one_hot(y, len(b))
    return R.T @ X / len(y), R.mean(axis=0)
''',
        fit_answer='''\
def largest_entry(*arrays):
    return max(np.max(np.abs(a)) for a in arrays)


def centred(W, b):
    return W - W.mean(axis=0), b - b.mean()


def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(y.max()) + 1
    lam = 1.0 / (C * n)
    step = 1.0 / (np.linalg.norm(np.c_[X, np.ones(n)], 2) ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    it = 0
    while it < max_iter:
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if largest_entry(g_W, g_b) <= tol:
            return centred(W, b)
        W, b = W - step * g_W, b - step * g_b
        it += 1
    return centred(W, b)
''',
        predict_answer='''\
def logits(X, W, b):
    return X @ W.T + b


def predict_proba(X, W, b):
    return softmax(logits(X, W, b))


def predict(X, W, b):
    return logits(X, W, b).argmax(axis=1)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    if np.shape(W)[0] != 2:
        raise ValueError("binary_from_softmax needs a two-class model")
    return np.subtract(W[1], W[0]), float(b[1] - b[0])


def softmax_from_binary(w, b):
    half_w = np.asarray(w, dtype=float) / 2
    return np.array([-half_w, half_w]), np.array([-b, b]) / 2
''',
    ),
    _case(
        "per_row_generators", "functions of one row (apply_along_axis, generators), math.fsum",
        softmax_answer='''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1)[:, None])
    return E / E.sum(axis=1)[:, None]
''',
        lse_answer='''\
def _lse_row(z):
    m = z.max()
    return m + np.log(np.sum(np.exp(z - m)))


def logsumexp(Z):
    return np.fromiter((_lse_row(z) for z in np.asarray(Z, dtype=float)), dtype=float)


def log_softmax(Z):
    def row(z):
        shifted = z - z.max()
        return shifted - np.log(np.sum(np.exp(shifted)))

    return np.apply_along_axis(row, 1, np.asarray(Z, dtype=float))
''',
        loss_answer='''\
import math


def cross_entropy(y, Z, sample_weight=None):
    logp = log_softmax(Z)
    s = [1.0] * len(y) if sample_weight is None else [float(v) for v in sample_weight]
    total = math.fsum(-s_i * logp[i, y_i] for i, (y_i, s_i) in enumerate(zip(y, s)))
    return total / math.fsum(s)
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    R = softmax(X @ W.T + b)  # row by row ...
    for i, y_i in enumerate(y):
        R[i, y_i] -= 1.0  # ... minus the one-hot labels
    return R.T @ X / len(y), R.mean(axis=0)
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(max(y)) + 1
    lam = 1.0 / (C * n)
    Xt = np.column_stack([X, np.ones(n)])
    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if max(abs(v) for v in (*g_W.ravel(), *g_b)) <= tol:
            break
        W, b = W - step * g_W, b - step * g_b
    return W - W.mean(axis=0), b - b.mean()
''',
        predict_answer='''\
def predict_proba(X, W, b):
    return softmax(X @ W.T + b)


def predict(X, W, b):
    Z = X @ W.T + b
    return np.array([int(np.argmax(row)) for row in Z])
''',
        two_answer='''\
def binary_from_softmax(W, b):
    w = np.array([high - low for low, high in zip(W[0], W[1])])
    return w, float(b[1] - b[0])


def softmax_from_binary(w, b):
    rows = [[-v / 2 for v in w], [v / 2 for v in w]]
    return np.array(rows, dtype=float), np.array([-b / 2, b / 2])
''',
    ),
    _case(
        "matrix_one_hot", "one-hot matrices: the loss as -sum(Y * log P); a step from eigvals",
        softmax_answer='''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - np.amax(Z, axis=1, keepdims=True))
    return E / (E @ np.ones((E.shape[1], 1)))  # row sums as a matrix product
''',
        lse_answer='''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    m = np.amax(Z, axis=1)
    return m + np.log(np.exp(Z - m[:, None]) @ np.ones(Z.shape[1]))


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    m = np.amax(Z, axis=1, keepdims=True)
    return (Z - m) - np.log(np.exp(Z - m) @ np.ones((Z.shape[1], 1)))
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    n, K = np.shape(Z)
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    losses = -(Y * log_softmax(Z)).sum(axis=1)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    return float(s @ losses / s.sum())
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    n = len(y)
    Y = np.zeros((n, W.shape[0]))
    Y[np.arange(n), y] = 1.0
    R = softmax(X @ W.T + b) - Y
    return (R.T @ X) / n, (np.ones(n) @ R) / n
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = X.shape
    K = int(y.max()) + 1
    lam = 1.0 / (C * n)
    Xt = np.column_stack([X, np.ones(n)])
    sigma_max = np.linalg.svd(Xt, compute_uv=False)[0]  # the largest singular value
    step = 1.0 / (sigma_max ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if np.abs(np.concatenate([g_W.ravel(), g_b])).max() <= tol:
            break
        W = W - step * g_W
        b = b - step * g_b
    return W, b
''',
        predict_answer='''\
def predict_proba(X, W, b):
    return softmax(X @ W.T + b[None, :])


def predict(X, W, b):
    return np.argmax(X @ W.T + b[None, :], axis=1).astype(int)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    D = np.array([[-1.0, 1.0]])  # the difference class 1 - class 0, as a matrix
    return (D @ W)[0], float((D @ b)[0])


def softmax_from_binary(w, b):
    column = np.array([[-0.5], [0.5]])
    return column @ np.asarray(w, dtype=float)[None, :], column[:, 0] * b
''',
    ),
]

SLOW_06 = [
    _case(
        "sample_loops", "slow: the gradient (and so the fit) loops over the samples in Python",
        softmax_answer='''\
import math


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
''',
        lse_answer='''\
def _lse_list(z):
    m = max(z)
    return m + math.log(math.fsum(math.exp(v - m) for v in z))


def logsumexp(Z):
    return np.array([_lse_list(row) for row in np.asarray(Z, dtype=float).tolist()])


def log_softmax(Z):
    out = []
    for row in np.asarray(Z, dtype=float).tolist():
        m = max(row)
        log_total = math.log(math.fsum(math.exp(v - m) for v in row))
        out.append([(v - m) - log_total for v in row])
    return np.array(out)
''',
        loss_answer='''\
def cross_entropy(y, Z, sample_weight=None):
    y = np.asarray(y).tolist()
    s = [1.0] * len(y) if sample_weight is None else np.asarray(sample_weight).tolist()
    total = 0.0
    for row, y_i, s_i in zip(np.asarray(Z, dtype=float).tolist(), y, s):
        total += s_i * (_lse_list(row) - row[y_i])
    return total / math.fsum(s)
''',
        gradient_answer='''\
def gradient(X, y, W, b):
    g_W, g_b = np.zeros(np.shape(W)), np.zeros(len(b))
    for x_i, y_i in zip(X, y):  # one sample at a time
        z = W @ x_i + b
        e = np.exp(z - z.max())
        r = e / e.sum()  # its probabilities ...
        r[y_i] -= 1.0  # ... minus its one-hot label
        g_W += r[:, None] * x_i
        g_b += r
    return g_W / len(y), g_b / len(y)
''',
        fit_answer='''\
def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):
    n, d = np.shape(X)
    K = int(max(y)) + 1
    lam = 1.0 / (C * n)
    Xt = np.column_stack([X, np.ones(n)])
    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)
    W, b = np.zeros((K, d)), np.zeros(K)
    for _ in range(max_iter):
        g_W, g_b = gradient(X, y, W, b)
        g_W = g_W + lam * W
        if max(np.abs(g_W).max(), np.abs(g_b).max()) <= tol:
            break
        W, b = W - step * g_W, b - step * g_b
    return W - W.mean(axis=0), b - b.mean()
''',
        predict_answer='''\
def predict_proba(X, W, b):
    return softmax(np.asarray(X) @ np.asarray(W).T + b)


def predict(X, W, b):
    labels = []
    for z in (np.asarray(X) @ np.asarray(W).T + b).tolist():
        labels.append(max(range(len(z)), key=lambda k: (z[k], -k)))  # first on a tie
    return np.array(labels, dtype=int)
''',
        two_answer='''\
def binary_from_softmax(W, b):
    W = np.asarray(W, dtype=float).tolist()
    return np.array([w1 - w0 for w0, w1 in zip(W[0], W[1])]), float(b[1] - b[0])


def softmax_from_binary(w, b):
    w = np.asarray(w, dtype=float).tolist()
    return np.array([[-v / 2 for v in w], [v / 2 for v in w]]), np.array([-b / 2, b / 2])
''',
    ),
]

UPSTREAM_06 = [
    # overflowing (underflowing): every row shifted by the largest logit of the whole array;
    # rows far below it underflow to 0 / 0 = nan. Right on ordinary logits.
    Case("global_shift_softmax", "upstream unstable: softmax shifted by the global maximum",
         {"softmax_answer": '''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=1, keepdims=True)
'''},
         frozenset({"softmax_stable"})),
    # inaccurate in the tails: log_softmax as the log of the (right) softmax: -inf where a
    # probability underflows; the loss calls it on ordinary logits only
    Case("log_of_softmax", "upstream inaccurate in the tails: log_softmax = log(softmax(Z))",
         {"lse_answer": '''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1)
    return m + np.log(np.sum(np.exp(Z - m[:, None]), axis=1))


def log_softmax(Z):
    return np.log(softmax(Z))
'''},
         frozenset({"log_softmax_stable"})),
    # wrong shape: logsumexp keeps a column (n, 1); log_softmax subtracts it as it is
    Case("column_logsumexp", "upstream shape (n, 1): logsumexp with keepdims",
         {"lse_answer": '''\
def logsumexp(Z):
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    return Z - logsumexp(Z)
'''},
         # log_softmax_stable grades logsumexp and log_softmax in one cell
         frozenset({"logsumexp_values", "log_softmax_stable"})),
    # wrong container: grad_b as a list; the fit's b - step * g_b then fails
    Case("list_grad_b", "upstream returns a list: grad_b, one mean per class",
         {"gradient_answer": '''\
def gradient(X, y, W, b):
    R = softmax(X @ W.T + b)
    R[np.arange(len(y)), y] -= 1.0
    return R.T @ X / len(y), [float(np.mean(R[:, k])) for k in range(R.shape[1])]
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
    # wrong container: predict_proba as nested lists; predict takes the argmax of it
    Case("list_predict_proba", "upstream returns lists: predict_proba; predict via argmax of it",
         {"predict_answer": '''\
def predict_proba(X, W, b):
    return softmax(X @ W.T + b).tolist()


def predict(X, W, b):
    return np.argmax(predict_proba(X, W, b), axis=1)
'''},
         # accepted since the grader reads values, not containers: an equivalent form
         frozenset()),
]


# =============================================================================================
HONEST = {A01: HONEST_01, A02: HONEST_02, A03: HONEST_03, A04: HONEST_04, A05: HONEST_05,
          A06: HONEST_06}
SLOW = {A01: SLOW_01, A02: SLOW_02, A03: SLOW_03, A04: SLOW_04, A05: SLOW_05, A06: SLOW_06}
UPSTREAM = {A01: UPSTREAM_01, A02: UPSTREAM_02, A03: UPSTREAM_03, A04: UPSTREAM_04,
            A05: UPSTREAM_05, A06: UPSTREAM_06}


def _check_complete():
    """Every honest and slow case replaces every answer cell; names are unique."""
    for corpus in (HONEST, SLOW):
        for aid, cases in corpus.items():
            for case in cases:
                missing = set(ANSWER_CELLS[aid]) - set(case.edits)
                extra = set(case.edits) - set(ANSWER_CELLS[aid])
                if missing or extra:
                    raise AssertionError(f"{aid}/{case.name}: missing answer cells "
                                         f"{sorted(missing)}, unknown {sorted(extra)}")
    for aid in ANSWER_CELLS:
        names = [c.name for c in HONEST[aid] + SLOW[aid] + UPSTREAM[aid]]
        if len(names) != len(set(names)):
            raise AssertionError(f"{aid}: duplicate case names {sorted(names)}")


_check_complete()
