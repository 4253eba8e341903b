"""logreg_course: the course machinery around `logreg_ref`.

* `logreg_course.assignments`: the six nbgrader assignments (ids, paths) and
  `release`, which regenerates a student notebook in ``chapters/exercises/``;
* `logreg_course.selfcheck`: the diagnostics learners run in the visible
  self-check cells ("your sigmoid overflows for z = -1000 ...");
* `logreg_course.grading`: the hidden tests' engine: per-assignment specs,
  the in-kernel guard, the out-of-kernel re-check and an in-process nbgrader
  harness;
* `logreg_course.explorers`: the book's interactive explorers (sigmoid and
  threshold), returned as HTML with data computed at build time and made
  interactive by ``_static/explorers.js`` without a kernel.

Importing this package is cheap: nothing heavy is imported until used.
"""

__version__ = "0.1.0"
