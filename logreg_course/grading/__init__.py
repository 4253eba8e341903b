"""The engine behind the graded notebooks' hidden tests.

Every graded test cell of a source notebook runs one *check* by its
``grade_id``. A check (`checks.Check`) is written once, in
``specs/<assignment>.py``, and used in two places:

* **in the kernel** (`guard`): the hidden setup cell installs a `Grader`
  before any learner code runs; each hidden test cell calls
  ``_lrc_grader.check("<grade_id>")``, which calls the learner's functions
  on grader-chosen inputs (`calls`), reads their outputs without running
  learner code (`values`), and only *then* computes the expected values
  with `logreg_ref` and compares them;
* **out of the kernel** (`recheck`): the learner's answer cells run in a
  fresh, isolated ``python -I`` process (`runner`) that serialises outputs
  to JSON; the trusted process compares them with the same check.

Both are fair to honest work: a part that fails is judged once more with
the learner's earlier graded functions replaced by the course's own
(`standins`), so one slip costs only its own part; returned values are read
by what they are, not their container (`checks.as_array`: a list of numbers
is an array); and the re-check removes points only when it computes a
different answer, never because it ran out of time or memory (`recheck`).
The learners' self-checks preview the same checks (`judge`).

Modules
-------
values      learner outputs as typed, copied values; JSON round trip
policy      what a graded function may not use, and how that is detected
calls       one monitored call of a learner function (warnings, profiling)
checks      `Check`, `Context` and the comparison helpers that fail clearly
reference   trusted expected values (logreg_ref, plus formulas not in it yet)
specs       the checks of each assignment
judge       one check's verdict in this process, with the second chance for upstream slips
standins    the solutions as a module (generated): stand-ins for a learner's earlier parts
guard       the in-kernel grader installed by the hidden setup cell
runner      the isolated subprocess of the re-check (numpy and stdlib only)
recheck     run the runner and compare, per grade cell
nbgrade     nbgrader's Python API in a temporary course (tests and CLI)
(the static red-flag scan of submissions is `logreg_course.instructor.scan`)
"""
