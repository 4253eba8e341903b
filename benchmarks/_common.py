"""Shared helpers for the benchmarks: timing by best-of-k, and table printing."""

from __future__ import annotations

import time
import warnings


def best_time(fit, repeats=5, min_total=1.0, max_repeats=200):
    """Best wall time over repeated calls of ``fit()`` (the least disturbed run), and its result.

    Runs at least `repeats` times and keeps going until `min_total` seconds have been spent
    (at most `max_repeats` runs), so that millisecond fits get enough samples for the
    minimum to be meaningful on a shared machine.
    """
    best, result, total, runs = float("inf"), None, 0.0, 0
    while runs < repeats or (total < min_total and runs < max_repeats):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            result = fit()
            elapsed = time.perf_counter() - start
        best, total, runs = min(best, elapsed), total + elapsed, runs + 1
    return best, result


def print_table(title, rows, reference="logreg_ref"):
    """Print one problem's results: time, ratio of logreg_ref to each peer, iterations, error."""
    ref_time = next(t for name, t, *_ in rows if name == reference)
    print(f"\n{title}")
    header = f"{'solver':<28}{'time':>10}{'logreg_ref / this':>20}{'iters':>8}"
    print(f"  {header}{'max|coef-ref|':>16}")
    for name, t, n_iter, err in rows:
        print(f"  {name:<28}{t * 1e3:>8.1f}ms{ref_time / t:>20.2f}{n_iter:>8}{err:>16.1e}")
