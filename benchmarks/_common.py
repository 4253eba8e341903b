"""Shared helpers for the benchmarks: timing by best-of-k, and table printing."""

from __future__ import annotations

import time
import warnings


def best_time(fit, repeats=5):
    """Best wall time of `repeats` calls of ``fit()`` (the least disturbed run), and its result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            result = fit()
            best = min(best, time.perf_counter() - start)
    return best, result


def print_table(title, rows, reference="logreg_ref"):
    """Print one problem's results: time, ratio of logreg_ref to each peer, iterations, error."""
    ref_time = next(t for name, t, *_ in rows if name == reference)
    print(f"\n{title}")
    header = f"{'solver':<28}{'time':>10}{'logreg_ref / this':>20}{'iters':>8}"
    print(f"  {header}{'max|coef-ref|':>16}")
    for name, t, n_iter, err in rows:
        print(f"  {name:<28}{t * 1e3:>8.1f}ms{ref_time / t:>20.2f}{n_iter:>8}{err:>16.1e}")
