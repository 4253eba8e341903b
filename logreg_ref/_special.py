"""Numerically stable link functions: sigmoid, log-sigmoid, softplus, logit.

Every function here is computed from the logit ``z`` with an exponent that is
never positive, so no finite float64 input (up to +-1e308) overflows, warns or
returns NaN. Underflow of ``exp(-|z|)`` to zero is expected and harmless, so it
is silenced locally (a caller running under ``np.errstate(all="raise")`` still
gets an answer).

Identities used (all exact in real arithmetic):

    sigmoid(z)     = 1 / (1 + e^{-z})        = e^{z} / (1 + e^{z})
    softplus(z)    = log(1 + e^{z})          = max(z, 0) + log1p(e^{-|z|})
    log_sigmoid(z) = -softplus(-z)           = min(z, 0) - log1p(e^{-|z|})
    logit(p)       = log(p / (1 - p))        (inverse of sigmoid)
"""

from __future__ import annotations

import numpy as np

__all__ = ["log_sigmoid", "log_softmax", "logit", "logsumexp", "sigmoid", "softmax", "softplus"]


def _as_float(x):
    return np.asarray(x, dtype=np.float64)


def _scalar_or_array(out, x):
    """Return a Python float for scalar input, an ndarray otherwise."""
    return out[()] if np.ndim(x) == 0 else out


def sigmoid(z):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, without overflow.

    Parameters
    ----------
    z : array_like
        Logits (linear predictor values) :math:`z = x^\top w + b`.

    Returns
    -------
    p : ndarray or float
        :math:`\sigma(z) \in [0, 1]`, same shape as `z`.

    Notes
    -----
    With :math:`e = e^{-|z|} \le 1`,

    .. math::

        \sigma(z) = \begin{cases} 1 / (1 + e) & z \ge 0 \\
                                  e / (1 + e) & z < 0, \end{cases}

    so the exponential never exceeds one. The naive ``1 / (1 + np.exp(-z))``
    overflows (with a ``RuntimeWarning``) for :math:`z < -709`.

    Examples
    --------
    >>> float(sigmoid(0.0))
    0.5
    >>> sigmoid([-1000.0, 1000.0])
    array([0., 1.])
    """
    z = _as_float(z)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return _scalar_or_array(out, z)


def softplus(z):
    r"""Softplus :math:`\log(1 + e^{z})`, without overflow or loss of digits.

    Parameters
    ----------
    z : array_like
        Logits.

    Returns
    -------
    out : ndarray or float
        :math:`\log(1 + e^{z}) \ge 0`, same shape as `z`.

    Notes
    -----
    .. math:: \log(1 + e^{z}) = \max(z, 0) + \operatorname{log1p}(e^{-|z|}).

    ``log1p`` keeps full relative accuracy when :math:`e^{-|z|}` is tiny, which
    matters in the left tail where :math:`\log(1 + e^{z}) \approx e^{z}`.

    Examples
    --------
    >>> float(softplus(0.0))
    0.6931471805599453
    >>> float(softplus(1000.0))
    1000.0
    >>> float(softplus(-50.0))  # equals e^{-50} to full precision
    1.9287498479639178e-22
    """
    z = _as_float(z)
    with np.errstate(under="ignore"):
        out = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    return _scalar_or_array(out, z)


def log_sigmoid(z):
    r"""Log of the sigmoid, :math:`\log \sigma(z) = -\log(1 + e^{-z})`, accurate in both tails.

    Parameters
    ----------
    z : array_like
        Logits.

    Returns
    -------
    out : ndarray or float
        :math:`\log \sigma(z) \le 0`, same shape as `z`.

    Notes
    -----
    .. math:: \log \sigma(z) = \min(z, 0) - \operatorname{log1p}(e^{-|z|}).

    ``np.log(sigmoid(z))`` is wrong in both tails: it returns ``-inf`` for
    :math:`z < -745` (the true value is about :math:`z`) and ``0`` for
    :math:`z > 37` (the true value is about :math:`-e^{-z}`). Note also
    :math:`\log(1 - \sigma(z)) = \log \sigma(-z)`.

    Examples
    --------
    >>> float(log_sigmoid(-1000.0))
    -1000.0
    >>> float(log_sigmoid(40.0))
    -4.248354255291589e-18
    """
    z = _as_float(z)
    with np.errstate(under="ignore"):
        out = np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))
    return _scalar_or_array(out, z)


def logit(p):
    r"""Log-odds :math:`\log\bigl(p / (1 - p)\bigr)`, the inverse of `sigmoid`.

    Parameters
    ----------
    p : array_like
        Probabilities in :math:`[0, 1]`. NaN passes through as NaN.

    Returns
    -------
    z : ndarray or float
        Log-odds; :math:`-\infty` at 0 and :math:`+\infty` at 1.

    Raises
    ------
    ValueError
        If any value lies outside :math:`[0, 1]`.

    Notes
    -----
    Near :math:`p = 1/2` the two logarithms in :math:`\log p - \log(1-p)`
    nearly cancel, so there we write :math:`p = 1/2 + d` (``d`` is exact for
    :math:`p \in [1/4, 3/4]`) and use

    .. math:: \operatorname{logit}(p) = \operatorname{log1p}(2d) - \operatorname{log1p}(-2d).

    Elsewhere :math:`\log p - \operatorname{log1p}(-p)` is accurate. For
    :math:`p < 2^{-60}` the second term, :math:`\approx p`, is less than a
    hundredth of an ulp of :math:`\log p` (:math:`|\log p| > 41`), so
    ``logit(p)`` is just ``log(p)``: that also keeps ``log1p`` away from
    subnormal arguments, where a strict maths library signals underflow.
    :math:`\pm 0` and 1 give :math:`\mp\infty` and :math:`+\infty` exactly.
    Each element goes through one branch only, so no floating-point signal is
    raised (under ``np.errstate(all="raise")`` too).

    Examples
    --------
    >>> float(logit(0.5))
    0.0
    >>> round(float(logit(sigmoid(3.0))), 12)
    3.0
    >>> float(logit(5e-324))  # the smallest subnormal: log(2**-1074)
    -744.4400719213812
    """
    p = _as_float(p)
    bad = (p < 0) | (p > 1)
    if np.any(bad):
        first = p[bad].flat[0] if p.ndim else float(p)
        raise ValueError(f"logit is defined for probabilities in [0, 1]; got {first!r}.")
    out = np.full(p.shape, np.nan)  # NaN stays NaN
    central = np.abs(p - 0.5) <= 0.25
    tiny = (p > 0) & (p < 2.0**-60)
    tails = ((p >= 2.0**-60) & (p < 0.25)) | ((p > 0.75) & (p < 1))
    d = p[central] - 0.5
    out[central] = np.log1p(2.0 * d) - np.log1p(-2.0 * d)
    out[tiny] = np.log(p[tiny])
    out[tails] = np.log(p[tails]) - np.log1p(-p[tails])
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    return _scalar_or_array(out, p)


def logsumexp(a, axis=None, keepdims=False):
    r"""Log of the sum of exponentials, :math:`\log \sum_k e^{a_k}`, without overflow.

    Parameters
    ----------
    a : array_like
        Input values (for softmax regression: a row of class logits).
    axis : int or tuple of int, optional
        Axis or axes to reduce over. ``None`` (default) reduces over all.
    keepdims : bool, default=False
        Keep the reduced axes with length one, so the result broadcasts
        against `a`.

    Returns
    -------
    out : ndarray or float
        :math:`m + \log \sum_k e^{a_k - m}` with :math:`m = \max_k a_k`.

    Notes
    -----
    Shifting by the maximum makes every exponent non-positive and the sum lies
    in :math:`[1, K]`, so nothing overflows and the logarithm is well defined
    (Blanchard, Higham & Higham 2021). A row whose maximum is :math:`-\infty`
    (every term zero) gives :math:`-\infty`; a :math:`+\infty` entry gives
    :math:`+\infty`. No floating-point signal escapes, for any input.

    Examples
    --------
    >>> float(logsumexp([1000.0, 1000.0]))  # log(2 e^1000)
    1000.6931471805599
    >>> logsumexp([[0.0, 0.0], [1e308, -1e308]], axis=1)
    array([6.93147181e-001, 1.00000000e+308])
    """
    a = _as_float(a)
    if axis is None:  # reduce over everything: work on the flattened array
        shape = (1,) * a.ndim
        _, log_sum, m = _shift_by_max(a.reshape(-1), 0)
        out = (log_sum + m).reshape(shape)
    else:
        _, log_sum, m = _shift_by_max(a, axis)
        out = log_sum + m
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out[()] if out.ndim == 0 else out


def _shift_by_max(a, axis):
    """Return ``(a - m, log(sum(exp(a - m))), m)`` with ``m`` the max along `axis` (kept dims).

    Two details keep full precision. The shifted logits are returned separately:
    ``a - m`` is exact for nearby values, whereas ``a - logsumexp(a)`` subtracts
    two large numbers and loses ``log2(|m|)`` bits. And the maximal term, which
    is exactly ``exp(0) = 1``, is taken out of the sum so that
    ``log(1 + rest) = log1p(rest)`` keeps the digits of a small ``rest``.
    """
    m = np.max(a, axis=axis, keepdims=True)
    infinite = m == np.inf
    m = np.where(np.isfinite(m), m, 0.0)  # avoid inf - inf
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        # a - m may overflow to -inf for |a| near 1e308: exp(-inf) = 0 is right.
        shifted = a - m
        if np.any(infinite):
            # A slice with a +inf entry: in the limit that entry takes all the probability
            # (shifted 0, the others -inf), like sigmoid(+inf) = 1. Two or more +inf
            # entries have no limit (sigmoid(inf - inf) is NaN): NaN for those entries.
            n_inf = np.sum(a == np.inf, axis=axis, keepdims=True)
            at_inf = np.where(n_inf == 1, 0.0, np.nan)
            shifted = np.where(infinite, np.where(a == np.inf, at_inf, -np.inf), shifted)
        e = np.exp(shifted)
        top = np.argmax(shifted, axis=axis, keepdims=True)
        top_term = np.take_along_axis(e, top, axis=axis)
        np.put_along_axis(e, top, 0.0, axis=axis)
        rest = np.sum(e, axis=axis, keepdims=True)
        log_sum = np.where(top_term == 1.0, np.log1p(rest), np.log(rest + top_term))
        # ... and the log-sum-exp of such a slice is +inf: log_sum 0 plus m = +inf.
        log_sum = np.where(infinite, 0.0, log_sum)
        m = np.where(infinite, np.inf, m)
    return shifted, log_sum, m


def log_softmax(a, axis=-1):
    r"""Log of the softmax, :math:`a_k - \log \sum_j e^{a_j}`, computed stably.

    Parameters
    ----------
    a : array_like
        Logits; for softmax regression an array of shape (n_samples, n_classes).
    axis : int, default=-1
        The class axis.

    Returns
    -------
    out : ndarray
        Log-probabilities, same shape as `a`; ``exp(out)`` sums to one along `axis`.

    Notes
    -----
    ``np.log(softmax(a))`` gives ``-inf`` once a probability underflows
    (``[1000, 1] -> [0, -inf]``); the difference of logits gives ``[0, -999]``.

    Infinite logits take their limits: a single :math:`+\infty` in a slice gets
    log-probability 0 and the other entries :math:`-\infty` (as
    :math:`\log\sigma(+\infty) = 0`); with two or more :math:`+\infty` the
    limit does not exist and those entries are NaN (as :math:`\sigma(\infty -
    \infty)`); a slice of all :math:`-\infty` defines no distribution: NaN.

    Examples
    --------
    >>> log_softmax([1000.0, 1.0])
    array([   0., -999.])
    """
    shifted, log_sum, _ = _shift_by_max(_as_float(a), axis)
    with np.errstate(invalid="ignore"):  # a row of all -inf defines no distribution: NaN
        return shifted - log_sum


def softmax(a, axis=-1):
    r"""Softmax :math:`e^{a_k} / \sum_j e^{a_j}` along `axis`, without overflow.

    Parameters
    ----------
    a : array_like
        Logits; for softmax regression an array of shape (n_samples, n_classes).
    axis : int, default=-1
        The class axis.

    Returns
    -------
    p : ndarray
        Probabilities, same shape as `a`, summing to one along `axis`.

    Notes
    -----
    Softmax is unchanged by adding the same constant to every logit, so we
    shift by the maximum :math:`m` and compute

    .. math:: p_k = \frac{e^{a_k - m}}{\sum_j e^{a_j - m}},

    where every exponent is at most 0 and the sum lies in :math:`[1, K]`. This
    keeps a few ulps of relative accuracy even for probabilities far in the
    tail (down to the subnormal range), which
    :math:`\exp(a_k - \operatorname{logsumexp}(a))` does not: rounding the
    exponent costs :math:`|a_k - \operatorname{logsumexp}(a)|` ulps. For two
    classes, ``softmax([a0, a1])[1]`` is ``sigmoid(a1 - a0)``, infinities
    included: a single :math:`+\infty` logit gets probability 1, several get
    NaN (see `log_softmax`).

    Examples
    --------
    >>> softmax([1000.0, 1000.0])
    array([0.5, 0.5])
    """
    shifted, _, _ = _shift_by_max(_as_float(a), axis)
    with np.errstate(under="ignore", invalid="ignore"):  # all -inf: 0 / 0 is NaN, by design
        e = np.exp(shifted)
        total = np.sum(e, axis=axis, keepdims=True)
        # Tied +inf logits make the total NaN, yet a finite logit beside them has
        # probability 0 in every limit (as log_softmax's -inf says).
        return np.where(np.isnan(total) & (shifted == -np.inf), 0.0, e / total)
