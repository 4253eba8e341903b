"""The instructor's tools behind ``logreg-course`` (`logreg_course.cli`).

One module per step of a term, all on top of nbgrader's Python API and gradebook:

course      the course root, its nbgrader configuration and folders
release     ``nbgrader generate_assignment`` + the book's copy of the student version
collect     an LMS download or folders of submissions -> ``submitted/`` (+ the LMS's ids)
names       recognising renamed notebooks ("01-sigmoid (1).ipynb", "Copy of ...")
grade       the parallel grading engine (worker processes, progress, ledger, time limits)
worker      one grading worker: a submission through pre-flight, scan, autograde, re-check
distributed the same worker on a Dask cluster; the driver alone writes the gradebook
preflight   check and repair one submission before nbgrader sees it
kernels     a per-worker factory of pre-imported, sandboxed kernels (fork)
sandbox     Linux namespaces, a whitelisted read-only root, ``nobody``, limits
execute     nbgrader's Execute with those kernels and a per-cell output limit
dblock      one writer at a time on an SQLite gradebook
scan        static red flags in a learner's code
integrity   the out-of-kernel re-check and the removal of refuted points
ledger      one JSON line per graded submission (resumable, idempotent runs)
feedback    per-learner HTML without hidden tests
report      ``export``: nbgrader's grades CSV and an HTML report with plots
lms         ``export --format canvas|moodle``: LMS import files, late marks and penalties
similarity  similar graded functions (normalised code, pairs and clusters)
exportfiles files in ``exports/`` are replaced only if unchanged since written
check       the course itself: solutions earn everything, student versions nothing
synthetic   a synthetic class of submissions (benchmark, tests, trying the tools)

This package imports nothing heavy at import time (`sandbox` and `kernels` run
inside every kernel and must stay light).
"""
