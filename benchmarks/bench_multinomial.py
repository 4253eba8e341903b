"""Fit time of logreg_ref's multinomial LogisticRegression against scikit-learn, in one run.

Same tolerance for all (tol=1e-8), all from zero; ratio = logreg_ref time / peer time.
Target (issue 3): logreg_ref within 1.5x of the best scikit-learn solver.

Run:  .venv/bin/python benchmarks/bench_multinomial.py
"""

from __future__ import annotations

import numpy as np
from _common import best_time, print_table
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import logreg_ref as lr

TOL = 1e-8


def run(title, X, y, C=1.0, repeats=3):
    rows = []
    t, ours = best_time(lambda: lr.LogisticRegression(C=C, tol=TOL).fit(X, y), repeats)
    rows.append(("logreg_ref", t, ours.n_iter_[0], 0.0))
    for solver in ("newton-cg", "lbfgs", "newton-cholesky"):
        t, sk = best_time(lambda s=solver: SkLogisticRegression(
            C=C, solver=s, tol=TOL, max_iter=10000).fit(X, y), repeats)
        err = max(np.abs(sk.coef_ - ours.coef_).max(),
                  np.abs(sk.intercept_ - ours.intercept_).max())
        rows.append((f"sklearn {solver}", t, sk.n_iter_[0], err))
    print_table(title, rows)
    best_peer = min(t for name, t, *_ in rows[1:])
    print(f"  logreg_ref / best scikit-learn solver: {rows[0][1] / best_peer:.2f}")


def main():
    Xd, yd = load_digits(return_X_y=True)
    run("digits (1797 x 64, K=10), pixels / 16, C=1", Xd / 16.0, yd)
    X, y = make_classification(n_samples=50_000, n_features=30, n_informative=15,
                               n_redundant=0, n_classes=5, n_clusters_per_class=1,
                               flip_y=0.05, random_state=0)
    run("make_classification n=50000, d=30, K=5, C=1", X, y)


if __name__ == "__main__":
    main()
