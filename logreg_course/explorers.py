"""Interactive explorers for the course website: computed at build time, run by the browser.

A code cell in a book page calls `sigmoid_explorer` or `threshold_explorer`. The
function checks its arguments, puts the explorer's settings and data (for the
threshold explorer: the real model scores computed while the book builds) into a
placeholder ``<div class="lr-explorer">`` as JSON, and returns it as
`IPython.display.HTML`, which MyST-NB writes into the page. The site's
``_static/explorers.js`` (loaded on every page, see ``_config.yml``) turns each
placeholder into sliders, an SVG plot and live numbers: no kernel, no network, no
CDN. Where that script is absent (a notebook opened in Jupyter) the placeholder
shows a static summary of the same numbers instead.

Conventions, the same as scikit-learn's and `logreg_ref`'s:

* ``p = sigmoid(w * x + b)``; the decision point is ``x* = -b / w`` (where p = 1/2);
* a case is predicted positive when its score is ``>= t`` (as
  `sklearn.model_selection.FixedThresholdClassifier` does);
* the confusion matrix has rows = true class, columns = predicted class;
* expected cost per case is ``(c_FP * FP + c_FN * FN) / n`` (correct decisions
  cost nothing), and the Bayes threshold for calibrated probabilities is
  ``t* = c_FP / (c_FP + c_FN)`` (Elkan 2001).
"""

from __future__ import annotations

import html
import itertools
import json
import math

import numpy as np

__all__ = ["sigmoid_explorer", "threshold_explorer"]

# Distinct element ids for several explorers on one page (one kernel runs one page).
_ids = itertools.count(1)


def _finite(name, value):
    """Return `value` as a float, or raise ValueError naming `name`."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def _interval(name, pair):
    """Check that `pair` is (lo, hi) with finite lo < hi."""
    try:
        lo, hi = pair
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high), got {pair!r}") from None
    lo, hi = _finite(f"{name}[0]", lo), _finite(f"{name}[1]", hi)
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got ({lo}, {hi})")
    return lo, hi


def _placeholder(kind, config, fallback_html):
    """The HTML that explorers.js finds and replaces: JSON data plus a static fallback."""
    from IPython.display import HTML

    ident = f"lr-{kind}-{next(_ids)}"
    # JSON inside <script> must not contain "</": escape the slash (still valid JSON).
    payload = json.dumps(config, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return HTML(
        f'<div class="lr-explorer" data-explorer="{kind}" id="{ident}">'
        f'<script type="application/json" class="lr-explorer-data">{payload}</script>'
        f'<div class="lr-explorer-fallback">{fallback_html}'
        "<p><em>The interactive version of this explorer runs on the course website "
        "(it needs the site's JavaScript, not a Python kernel).</em></p></div></div>"
    )


def sigmoid_explorer(w=1.0, b=0.0, *, x=1.0, w_range=(-4.0, 4.0), b_range=(-6.0, 6.0),
                     x_range=(-6.0, 6.0), step=0.1):
    r"""Embed a sigmoid explorer: sliders for w, b and x move :math:`\sigma(wx + b)`.

    The page shows the curve :math:`p(x) = \sigma(wx + b) = 1/(1 + e^{-(wx+b)})`,
    the decision point :math:`x^* = -b/w` where :math:`p = 1/2` (none when
    :math:`w = 0`), the slope there, :math:`w/4`, and the values
    :math:`z = wx + b` and :math:`\sigma(z)` at a probe point `x`.

    Parameters
    ----------
    w, b : float, default 1.0 and 0.0
        Initial weight and intercept.
    x : float, default=1.0
        Initial probe point.
    w_range, b_range, x_range : (float, float)
        Slider limits; `x_range` is also the plotted range.
    step : float, default=0.1
        Slider step (one arrow-key press).

    Returns
    -------
    IPython.display.HTML
        The explorer; as the last expression of a code cell it becomes part of
        the page.

    Raises
    ------
    ValueError
        If a value is not finite, a range is empty, a start value lies outside
        its range, or `step` is not positive.
    """
    w, b, x, step = (_finite(n, v) for n, v in (("w", w), ("b", b), ("x", x), ("step", step)))
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    ranges = {"w": _interval("w_range", w_range), "b": _interval("b_range", b_range),
              "x": _interval("x_range", x_range)}
    for name, value in (("w", w), ("b", b), ("x", x)):
        lo, hi = ranges[name]
        if not lo <= value <= hi:
            raise ValueError(f"{name}={value} lies outside {name}_range ({lo}, {hi})")
    z = w * x + b
    # Stable sigmoid: exp of a non-positive number only.
    p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    decision = f"x* = −b/w = {-b / w:.2f}" if w != 0 else "no decision point (w = 0)"
    fallback = (f"<p>Sigmoid explorer: w = {w:.2f}, b = {b:.2f}; {decision}; "
                f"at x = {x:.2f}, z = wx + b = {z:.2f} and σ(z) = {p:.4f}.</p>")
    config = {"w": w, "b": b, "x": x, "step": step,
              "ranges": {k: list(v) for k, v in ranges.items()}}
    return _placeholder("sigmoid", config, fallback)


def _binary_labels(y_true):
    """Return `y_true` as an int array of 0/1, or raise ValueError saying what is wrong."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be 1-D, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("y_true is empty")
    if y.dtype == bool:
        y = y.astype(int)
    if not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"y_true must hold 0/1 labels, got dtype {y.dtype}")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"y_true must hold only 0 and 1, got values {sorted(values)}")
    if values != {0, 1}:
        raise ValueError("y_true must contain both classes 0 and 1 "
                         f"(only {sorted(values)} found)")
    return y.astype(int)


def _scores(scores, n):
    s = np.asarray(scores, dtype=float)
    if s.shape != (n,):
        raise ValueError(f"scores must have shape ({n},) like y_true, got {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite (found NaN or inf)")
    if s.min() < 0 or s.max() > 1:
        raise ValueError("scores must be probabilities in [0, 1] (e.g. predict_proba[:, 1]); "
                         f"got range [{s.min():.3g}, {s.max():.3g}]")
    return s


def _confusion(y, s, t):
    """TN, FP, FN, TP when a case is predicted positive iff its score is >= t."""
    pred = s >= t
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    return int(y.size) - tp - fp - fn, fp, fn, tp


def threshold_explorer(y_true, scores, *, c_fp=1.0, c_fn=1.0, threshold=0.5,
                       positive_label="positive", negative_label="negative"):
    r"""Embed a threshold explorer on real model scores.

    A slider moves the threshold :math:`t`; the confusion matrix, precision,
    recall, F1, accuracy and the expected cost per case
    :math:`(c_{FP}\,FP + c_{FN}\,FN)/n` follow it. The costs are editable on the
    page, and the Bayes threshold :math:`t^* = c_{FP}/(c_{FP} + c_{FN})` (the
    cost-minimising threshold for calibrated probabilities) is marked on the
    slider. A case counts as predicted positive when its score is ``>= t``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True classes, 0/1 or bool, with both classes present.
    scores : array-like of shape (n,)
        Predicted probabilities of class 1, in [0, 1], e.g.
        ``model.predict_proba(X_test)[:, 1]``. They are embedded in the page in
        full precision.
    c_fp, c_fn : float, default=1.0
        Initial costs of a false positive and a false negative, non-negative
        with a positive sum.
    threshold : float, default=0.5
        Initial threshold, in [0, 1].
    positive_label, negative_label : str
        Names of class 1 and class 0 shown on the page.

    Returns
    -------
    IPython.display.HTML

    Raises
    ------
    ValueError
        On labels other than 0/1, a single class, mismatched lengths,
        non-finite or out-of-range scores, negative costs, or a threshold
        outside [0, 1].
    """
    y = _binary_labels(y_true)
    s = _scores(scores, y.size)
    c_fp, c_fn, t = _finite("c_fp", c_fp), _finite("c_fn", c_fn), _finite("threshold", threshold)
    if c_fp < 0 or c_fn < 0 or c_fp + c_fn <= 0:
        raise ValueError(f"costs must be >= 0 with a positive sum, got c_fp={c_fp}, c_fn={c_fn}")
    if not 0 <= t <= 1:
        raise ValueError(f"threshold must lie in [0, 1], got {t}")
    tn, fp, fn, tp = _confusion(y, s, t)
    cost = (c_fp * fp + c_fn * fn) / y.size
    pos, neg = html.escape(str(positive_label)), html.escape(str(negative_label))
    fallback = (f"<p>Threshold explorer on {y.size} cases ({int(y.sum())} {pos}, "
                f"{int(y.size - y.sum())} {neg}). At t = {t:.2f}: TN = {tn}, FP = {fp}, "
                f"FN = {fn}, TP = {tp}; expected cost per case {cost:.3f} with "
                f"c_FP = {c_fp:g}, c_FN = {c_fn:g}; Bayes threshold "
                f"t* = {c_fp / (c_fp + c_fn):.3f}.</p>")
    config = {"y": y.tolist(), "s": s.tolist(), "c_fp": c_fp, "c_fn": c_fn, "t": t,
              "labels": {"positive": str(positive_label), "negative": str(negative_label)}}
    return _placeholder("threshold", config, fallback)
