"""logreg_course: the course's own helpers, next to the reference `logreg_ref`.

* `logreg_course.explorers` embeds the book's interactive explorers (a sigmoid
  explorer and a threshold explorer) in a page: a code cell calls a function,
  the function returns HTML with the data computed at build time, and the
  site's JavaScript (``_static/explorers.js``) makes it interactive without a
  kernel;
* `logreg_course.assignments`: the six nbgrader assignments (ids, paths) and
  `release`, which regenerates a student notebook in ``chapters/exercises/``;
* `logreg_course.selfcheck`: the diagnostics learners run in the visible
  self-check cells ("your sigmoid overflows for z = -1000 ...");
* `logreg_course.grading`: the hidden tests' engine: per-assignment specs,
  the in-kernel guard, the out-of-kernel re-check and an in-process nbgrader
  harness;
* `logreg_course.instructor` and `logreg_course.cli`: the instructor's
  command ``logreg-course`` (release, collect, grade, feedback, export, check).

Importing this package is cheap: nothing heavy is imported until used.
"""

__version__ = "0.1.0"
