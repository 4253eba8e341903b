"""Fit time of logreg_ref's binary LogisticRegression against scikit-learn, in one run.

All solvers get the same tolerance (tol=1e-8: max |gradient| of the mean-form objective for
logreg_ref and scikit-learn's newton-cholesky and lbfgs); all start from zero. The ratio column
is logreg_ref's time divided by the peer's (below 1: logreg_ref is faster). The error column is
the distance to logreg_ref's own answer, which is converged to 1e-8 in the gradient.
Target (issue 2): ratio <= 1.0 against newton-cholesky.

Run:  .venv/bin/python benchmarks/bench_binary.py
"""

from __future__ import annotations

import numpy as np
from _common import best_time, print_table
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

import logreg_ref as lr

TOL = 1e-8


def run(title, X, y, C=1.0, repeats=5):
    rows = []
    t, ours = best_time(lambda: lr.LogisticRegression(C=C, tol=TOL).fit(X, y), repeats)
    rows.append(("logreg_ref", t, ours.n_iter_[0], 0.0))
    for solver in ("newton-cholesky", "lbfgs"):
        t, sk = best_time(lambda s=solver: SkLogisticRegression(
            C=C, solver=s, tol=TOL, max_iter=10000).fit(X, y), repeats)
        err = max(np.abs(sk.coef_ - ours.coef_).max(),
                  np.abs(sk.intercept_ - ours.intercept_).max())
        rows.append((f"sklearn {solver}", t, sk.n_iter_[0], err))
    print_table(title, rows)
    return rows


def main():
    X, y = make_classification(n_samples=100_000, n_features=50, n_informative=20,
                               n_redundant=0, flip_y=0.05, random_state=0)
    run("make_classification n=100000, d=50, C=1", X, y, repeats=3)
    Xb, yb = load_breast_cancer(return_X_y=True)
    run("breast cancer (569 x 30), standardised, C=1", StandardScaler().fit_transform(Xb), yb)
    run("breast cancer (569 x 30), raw features, C=1", Xb, yb)


if __name__ == "__main__":
    main()
