"""Sparse input: logreg_ref on a 100 000 x 10 000 CSR matrix (density 0.1%) against scikit-learn.

Issue 16, part 2. The problem is binary L2 logistic regression at C=1 with an intercept, the
same objective for everyone (liblinear is left out: it penalises the intercept). Each fit
runs in its own Python process (libraries imported and data built first): the table gives
the wall time of one fit, its ratio ``ref/this`` (logreg_ref's time over this solver's:
below 1, logreg_ref is faster), and the peak memory the fit allocates on top of X
(tracemalloc, to which numpy and scipy report their buffers, measured on a second,
untimed fit because tracing slows allocation). logreg_ref runs at its
default tol=1e-10 (relative to the scale of the gradient's terms); scikit-learn's solvers
at tol=1e-8 with max_iter=10 000. The error column is max |coef - logreg_ref's coef|; the
objective column is scikit-learn's objective C sum_i l_i + ||w||^2 / 2 minus logreg_ref's
(>= 0: logreg_ref is lower).

Dense X of this size is 8 GB, and the dense path's scratch space would add as much again
on this 23 GB machine shared with other work, so the dense comparison is made on the
first 10 000 rows (800 MB): logreg_ref dense and sparse, and scikit-learn's lbfgs dense.

Run:  .venv/bin/python benchmarks/bench_sparse.py [--newton-cholesky]
(a few minutes; --newton-cholesky adds scikit-learn's newton-cholesky, whose dense
10 001-square Hessian is 800 MB and whose Cholesky costs 3e11 flops per iteration).
"""

from __future__ import annotations

import json
import subprocess
import sys

N, D, DENSITY, C = 100_000, 10_000, 0.001, 1.0
DENSE_ROWS = 10_000

CHILD = r"""
import json, sys, time, tracemalloc, warnings
import numpy as np
sys.path.insert(0, "benchmarks")
from bench_sparse import C, make_problem
import logreg_ref as lr
from sklearn.linear_model import LogisticRegression
name, rows, dense = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "dense"
X, y = make_problem(rows)
if dense:
    X = X.toarray()


def fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "logreg_ref":
            return lr.LogisticRegression(C=C).fit(X, y)
        return LogisticRegression(C=C, solver=name, tol=1e-8, max_iter=10_000).fit(X, y)


start = time.perf_counter()
model = fit()  # timed without tracemalloc, which slows Python-level allocation
elapsed = time.perf_counter() - start
tracemalloc.start()  # then the same fit again, for the peak of what it allocates
fit()
_, traced = tracemalloc.get_traced_memory()
tracemalloc.stop()
z = X @ model.coef_[0] + model.intercept_[0]
loss = np.logaddexp(0, z) - y * z
objective = C * loss.sum() + 0.5 * model.coef_[0] @ model.coef_[0]
print(json.dumps({"time": elapsed, "traced": traced,
                  "n_iter": int(np.max(model.n_iter_)), "objective": float(objective),
                  "coef": np.append(model.coef_[0], model.intercept_).tolist()}))
"""


def make_problem(rows=N):
    """The sparse problem (seeded): nnz = N * D * DENSITY entries at uniform random places
    (a repeated place is summed), values uniform on [0, 1); y from a logistic model."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    nnz = int(N * D * DENSITY)
    X = sp.coo_array((rng.uniform(size=nnz), (rng.integers(0, N, nnz), rng.integers(0, D, nnz))),
                     shape=(N, D)).tocsr()
    X.indices, X.indptr = X.indices.astype(np.int32), X.indptr.astype(np.int32)  # for saga
    w = rng.normal(size=D) * 3.0
    p = 1.0 / (1.0 + np.exp(-(X @ w - 0.2)))
    y = (rng.uniform(size=N) < p).astype(np.int64)
    return X[:rows], y[:rows]


def run(name, rows=N, layout="sparse"):
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(rows), layout],
                         capture_output=True, text=True, timeout=1800, check=False)
    if out.returncode:
        raise RuntimeError(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def table(title, results, reference):
    import numpy as np

    ref = results[reference]
    print(f"\n{title}")
    print(f"  {'solver':<32}{'time':>9}{'ref/this':>10}{'peak mem':>11}"
          f"{'iters':>7}{'max|coef-ref|':>15}{'objective-ref':>15}")
    for name, r in results.items():
        err = np.max(np.abs(np.array(r["coef"]) - np.array(ref["coef"])))
        print(f"  {name:<32}{r['time']:>8.3f}s{ref['time'] / r['time']:>10.2f}"
              f"{r['traced'] / 1e6:>9.1f}MB{r['n_iter']:>7}"
              f"{err:>15.1e}{r['objective'] - ref['objective']:>15.2e}")


def main():
    solvers = ["lbfgs", "newton-cg", "saga"]
    if "--newton-cholesky" in sys.argv:
        solvers.append("newton-cholesky")
    results = {"logreg_ref (sparse CSR)": run("logreg_ref")}
    for solver in solvers:
        results[f"sklearn {solver} (sparse CSR)"] = run(solver)
    table(f"{N} x {D} sparse (density {DENSITY:.1%}, nnz {int(N * D * DENSITY)}), "
          f"binary L2, C={C}", results, "logreg_ref (sparse CSR)")

    small = {"logreg_ref (sparse CSR)": run("logreg_ref", DENSE_ROWS),
             "logreg_ref (dense)": run("logreg_ref", DENSE_ROWS, "dense"),
             "sklearn lbfgs (dense)": run("lbfgs", DENSE_ROWS, "dense")}
    table(f"first {DENSE_ROWS} rows: sparse against dense X ({DENSE_ROWS * D * 8 / 1e9:.1f} GB)",
          small, "logreg_ref (sparse CSR)")


if __name__ == "__main__":
    main()
