"""Checks of 02-log-odds: odds, odds ratios and their intervals, marginal effects, spector.

Tolerances (why these numbers):

* **rtol 1e-12** for odds, probabilities from odds and odds ratios: one or two
  correctly rounded operations (a division, an ``exp``), so any correct
  formula is within a few ulp.
* **rtol 1e-10** for marginal effects: ``p(1-p)`` written as ``p * (1 - p)``
  loses up to ``1/(1-p)`` ulp to cancellation; with ``|z|`` up to ~7 on these
  inputs that is ~1e3 ulp, < 1e-12, and averages over rows add no more than rounding.
* **rtol 1e-4** for Wald intervals: it accepts the customary rounding of the
  critical value to 1.96 (``1.96 - z = 3.6e-5``, times ``se <= 1.5`` in the
  exponent: < 6e-5 relative in the bound) and rejects every real mistake
  (the 90 % value 1.645 instead of 1.96 is off by 16 % in ``z``; an interval on
  the wrong scale is off by orders of magnitude). So a hard-coded 1.96 passes
  the 95 % check and fails only the check at other levels.
"""

from __future__ import annotations

import numpy as np

from .. import reference as ref
from ..calls import Call
from ..checks import AssignmentSpec, Fail, as_array, as_float, as_pair, assert_close

SPEC = AssignmentSpec("02-log-odds")
check = SPEC.check


def _model(rng, n, d, scale=1.0):
    X = rng.normal(size=(n, d))
    w = rng.normal(scale=scale, size=d)
    b = float(rng.normal(scale=0.5))
    return X, w, b


# --- Part A: odds ------------------------------------------------------------------------------
@check("odds_values", points=1, functions=("odds",),
       summary="odds(p) = p / (1 - p), including odds(0) = 0 and odds(1) = inf")
def odds_values(ctx):
    ps = ctx.streams("odds_values",
                  lambda r: np.concatenate([r.uniform(0.001, 0.999, 300), [0.0, 0.5, 1.0]]))

    def verify(outcomes):
        for p, out in zip(ps, outcomes, strict=True):
            o = as_array(out.value, "odds(p)", shape=p.shape)
            # one subtraction (exact for p >= 1/2) and one division: <= 2 ulp
            assert_close(o, ref.odds(p), "odds(p)", rtol=1e-12, hints=[
                ("you computed the odds against, (1 - p) / p", (1 - p) / p),
                ("you returned the log-odds", np.log(ref.odds(p)))])
    return [Call("odds", (p,)) for p in ps], verify


@check("prob_from_odds_values", points=1, functions=("prob_from_odds",),
       summary="prob_from_odds(o) = o / (1 + o), with 0 -> 0 and inf -> 1")
def prob_from_odds_values(ctx):
    os_ = ctx.streams("prob_from_odds_values",
                   lambda r: np.concatenate([np.exp(r.normal(scale=2.0, size=300)),
                                             [0.0, 1.0, np.inf]]))

    def verify(outcomes):
        for o, out in zip(os_, outcomes, strict=True):
            p = as_array(out.value, "prob_from_odds(o)", shape=o.shape)
            if np.isnan(p[-1]):
                raise Fail("prob_from_odds(inf) should be 1 (certainty); it returned nan: "
                           "o / (1 + o) is inf / inf there. Write it as 1 / (1 + 1 / o).")
            assert_close(p, ref.prob_from_odds(o), "prob_from_odds(o)", rtol=1e-12, hints=[
                ("you computed 1 / (1 + o), the probability of the other outcome",
                 1 / (1 + o))])
    return [Call("prob_from_odds", (o,)) for o in os_], verify


# --- Part B: odds ratios -----------------------------------------------------------------------
@check("odds_ratio_values", points=1, functions=("odds_ratio",),
       summary="odds_ratio(coef) = exp(coef), the odds ratio per unit")
def odds_ratio_values(ctx):
    coefs = ctx.streams("odds_ratio_values", lambda r: r.normal(scale=1.5, size=8))

    def verify(outcomes):
        for c, out in zip(coefs, outcomes, strict=True):
            v = as_array(out.value, "odds_ratio(coef)", shape=c.shape)
            assert_close(v, ref.odds_ratio(c), "odds_ratio(coef)", rtol=1e-12, hints=[
                ("you returned the coefficient itself (a change in log-odds)", c)])
    return [Call("odds_ratio", (c,)) for c in coefs], verify


@check("odds_ratio_delta", points=1, functions=("odds_ratio",),
       summary="odds_ratio(coef, delta) = exp(delta * coef) for delta = 10 and 0.5")
def odds_ratio_delta(ctx):
    c = ctx.rng("odds_ratio_delta", True).normal(scale=0.3, size=6)
    deltas = (10.0, 0.5)
    calls = [Call("odds_ratio", (c,), {"delta": d}) for d in deltas]

    def verify(outcomes):
        for d, out in zip(deltas, outcomes, strict=True):
            what = f"odds_ratio(coef, delta={d})"
            v = as_array(out.value, what, shape=c.shape)
            assert_close(v, ref.odds_ratio(c, d), what, rtol=1e-12, hints=[
                ("you multiplied the odds ratio by delta; the odds ratio for delta units is "
                 "exp(delta * coef) = exp(coef) ** delta", d * np.exp(c)),
                ("delta was ignored", np.exp(c))])
    return calls, verify


# --- Part C: Wald intervals --------------------------------------------------------------------
def _ci_case(rng):
    return rng.normal(size=5), rng.uniform(0.1, 1.5, size=5)


def _check_ci(out, coef, se, level, what):
    lower, upper = as_pair(out.value, what)
    lower = as_array(lower, f"the lower bounds of {what}", shape=coef.shape)
    upper = as_array(upper, f"the upper bounds of {what}", shape=coef.shape)
    lo, hi = ref.wald_ci_odds_ratio(coef, se, level)
    z = ref.normal_quantile(level)
    log_scale = "you built the interval on the log-odds scale and did not exponentiate"
    symmetric = "you used exp(coef) ± z·se: build coef ± z·se first, then exponentiate both"
    # 1e-4 accepts z rounded to 1.96 (< 6e-5 in the bound), rejects any wrong level or scale
    assert_close(lower, lo, f"the lower bounds of {what}", rtol=1e-4, hints=[
        (log_scale, coef - z * se), (symmetric, np.exp(coef) - z * se)])
    assert_close(upper, hi, f"the upper bounds of {what}", rtol=1e-4, hints=[
        (log_scale, coef + z * se), (symmetric, np.exp(coef) + z * se)])


@check("wald_ci_values", points=2, functions=("wald_ci_odds_ratio",),
       summary="wald_ci_odds_ratio(coef, se) = exp(coef ∓ 1.96 se) (95 %, rtol 1e-4)")
def wald_ci_values(ctx):
    cases = ctx.streams("wald_ci_values", _ci_case)

    def verify(outcomes):
        for (coef, se), out in zip(cases, outcomes, strict=True):
            _check_ci(out, coef, se, 0.95, "wald_ci_odds_ratio(coef, se)")
    return [Call("wald_ci_odds_ratio", case) for case in cases], verify


@check("wald_ci_level", points=1, functions=("wald_ci_odds_ratio",),
       summary="wald_ci_odds_ratio(coef, se, level) at levels 0.90 and 0.99")
def wald_ci_level(ctx):
    coef, se = _ci_case(ctx.rng("wald_ci_level", True))
    levels = (0.90, 0.99)
    calls = [Call("wald_ci_odds_ratio", (coef, se), {"level": lv}) for lv in levels]

    def verify(outcomes):
        for level, out in zip(levels, outcomes, strict=True):
            _check_ci(out, coef, se, level, f"wald_ci_odds_ratio(coef, se, level={level})")
    return calls, verify


# --- Part D: marginal effects at a point --------------------------------------------------------
@check("marginal_effects_values", points=2, functions=("marginal_effects",),
       summary="marginal_effects(x, w, b) = p(1 - p) w at a point x")
def marginal_effects_values(ctx):
    cases = []
    for rng in ctx.rngs("marginal_effects_values"):
        for _ in range(3):
            X, w, b = _model(rng, 1, 4)
            cases.append((X[0], w, b))

    def verify(outcomes):
        for (x, w, b), out in zip(cases, outcomes, strict=True):
            what = "marginal_effects(x, w, b)"
            v = as_array(out.value, what, shape=w.shape)
            p = ref.sigmoid(x @ w + b)
            # p * (1 - p) loses 1/(1-p) ulp to cancellation: ~1e3 ulp at |z| = 7, < 1e-12
            assert_close(v, ref.marginal_effects(x, w, b), what, rtol=1e-10, hints=[
                ("you computed p * w: the derivative of sigma is p(1 - p)", p * w),
                ("you forgot the intercept b", ref.marginal_effects(x, w, 0.0)),
                ("you multiplied by x instead of w", p * (1 - p) * x)])
    return [Call("marginal_effects", case) for case in cases], verify


# --- Part E: AME and MEM ---------------------------------------------------------------------
def _ame_case(rng):
    return _model(rng, 200, 4, scale=1.0)


@check("ame_values", points=2, functions=("average_marginal_effects",),
       summary="average_marginal_effects(X, w, b): p_i(1 - p_i) w averaged over the rows")
def ame_values(ctx):
    cases = ctx.streams("ame_values", _ame_case)

    def verify(outcomes):
        for (X, w, b), out in zip(cases, outcomes, strict=True):
            what = "average_marginal_effects(X, w, b)"
            v = as_array(out.value, what, shape=w.shape)
            assert_close(v, ref.average_marginal_effects(X, w, b), what, rtol=1e-10, hints=[
                ("you evaluated the effects at the mean row: that is the MEM, not the AME",
                 ref.marginal_effects_at_mean(X, w, b)),
                ("you summed over the rows instead of averaging",
                 len(X) * ref.average_marginal_effects(X, w, b))])
    return [Call("average_marginal_effects", case) for case in cases], verify


@check("mem_values", points=1, functions=("marginal_effects_at_mean",),
       summary="marginal_effects_at_mean(X, w, b): p(1 - p) w at the mean row of X")
def mem_values(ctx):
    cases = ctx.streams("mem_values", _ame_case)

    def verify(outcomes):
        for (X, w, b), out in zip(cases, outcomes, strict=True):
            what = "marginal_effects_at_mean(X, w, b)"
            v = as_array(out.value, what, shape=w.shape)
            pbar = ref.predict_proba(X, w, b).mean()
            assert_close(v, ref.marginal_effects_at_mean(X, w, b), what, rtol=1e-10, hints=[
                ("you averaged the effects over the rows: that is the AME, not the MEM",
                 ref.average_marginal_effects(X, w, b)),
                ("you used the mean predicted probability instead of p at the mean row",
                 pbar * (1 - pbar) * w)])
    return [Call("marginal_effects_at_mean", case) for case in cases], verify


# --- Part F: discrete change -------------------------------------------------------------------
def _binary_case(rng):
    X, w, b = _model(rng, 150, 3, scale=1.0)
    X[:, 2] = rng.integers(0, 2, size=150)
    return X, w, b, 2


@check("discrete_change_values", points=1, functions=("discrete_change",),
       summary="discrete_change(X, w, b, j): mean change in p when x_j goes from 0 to 1")
def discrete_change_values(ctx):
    cases = ctx.streams("discrete_change_values", _binary_case)

    def verify(outcomes):
        for (X, w, b, j), out in zip(cases, outcomes, strict=True):
            what = "discrete_change(X, w, b, j)"
            v = as_float(out.value, what)
            X1 = X.copy()
            X1[:, j] = 1.0
            X0 = X.copy()
            X0[:, j] = 0.0
            assert_close(v, ref.discrete_change(X, w, b, j), what, rtol=1e-10, hints=[
                ("you returned the average marginal effect (a derivative), not the change "
                 "from 0 to 1", ref.average_marginal_effects(X, w, b)[j]),
                ("you compared x_j = 1 with the data as they are, not with x_j = 0",
                 np.mean(ref.predict_proba(X1, w, b) - ref.predict_proba(X, w, b)))])
    return [Call("discrete_change", case) for case in cases], verify


# --- Part G: the spector table -----------------------------------------------------------------
@check("effects_table_spector", points=2, functions=("effects_table",),
       summary="effects_table on the spector data (and random data): OR, CI, AME, MEM")
def effects_table_spector(ctx):
    X, _ = ctx.data("spector")
    w, b, se = ctx.data("spector_fit")
    rng = ctx.rng("effects_table_spector", True)
    Xr, wr, br = _model(rng, 120, 3)
    ser = rng.uniform(0.1, 1.0, size=3)
    cases = [(X, w, b, se[:3]), (Xr, wr, br, ser)]

    def verify(outcomes):
        for (X, w, b, se), out in zip(cases, outcomes, strict=True):
            what = "effects_table(X, w, b, se)"
            table = as_array(out.value, what, shape=(len(w), 5))
            lo, hi = ref.wald_ci_odds_ratio(w, se)
            names = ("odds ratio", "lower bound", "upper bound", "AME", "MEM")
            columns = (ref.odds_ratio(w), lo, hi, ref.average_marginal_effects(X, w, b),
                       ref.marginal_effects_at_mean(X, w, b))
            for k, (name, expected) in enumerate(zip(names, columns, strict=True)):
                assert_close(table[:, k], expected, f"column {k} ({name}) of {what}",
                             rtol=1e-4 if k in (1, 2) else 1e-10)
    return [Call("effects_table", case) for case in cases], verify
