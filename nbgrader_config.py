"""nbgrader configuration: the course directory is this repository.

nbgrader loads this file from the current directory; `logreg_course.grading.nbgrade`
loads it explicitly (with the root pointed at a temporary course) so that the
tests and the instructor CLI grade with exactly these settings.

Folders (nbgrader's names, relative to the root): ``solutions/`` is the source
directory (solutions and hidden tests; the single source of every exercise);
``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db``
are instructor data, created on use and listed in ``.gitignore``: they never
enter the repository.
"""

import os

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

# --- where things live -------------------------------------------------------------------
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.course_id = "logreg-course"
# Never copied from the source folder into release/ or from a submission into autograded/:
# MyST/Markdown masters and notes (*.md would carry solutions verbatim), Python files (a
# learner's logreg_ref.py must not shadow the real package next to the notebook), caches.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md",
                            "*.py", "*.txt", "*.db", "*.sqlite", ".*"]

# --- student version ---------------------------------------------------------------------
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- execution in validate and autograde ---------------------------------------------------
# Per cell. The slowest graded cell (Newton fits, gradient descent) takes well under a second;
# 60 s leaves room for a slow machine and bounds an endless loop. A notebook runs in < 10 s.
c.Execute.timeout = 60
c.Execute.startup_timeout = 60
c.Execute.interrupt_on_timeout = True
# Pin the kernel instead of trusting the submission's metadata (nbgrader#417, #1375).
c.Execute.kernel_name = "python3"
# ignore_cwd: the notebook's folder is not importable, so a logreg_ref.py submitted next to
# the notebook cannot shadow the reference (verified with ipykernel 7 / nbgrader 0.9.6).
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:",
                             "--InteractiveShellApp.ignore_cwd=True"]
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# --- autograde robustness ----------------------------------------------------------------
c.OverwriteCells.add_missing_cells = True  # a deleted test cell is put back and graded
# Deliberately NOT enabling IgnorePattern: numerical stability is graded. Every hidden test
# runs learner code through logreg_course.grading, which silences floating-point warnings
# except in the stability checks, where a warning is the failure being tested.

# --- feedback ------------------------------------------------------------------------------
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",  # hide the hidden tests' source
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# --- grades for the LMS: late submissions (logreg-course export --format canvas|moodle) ---
# Nothing here is on by default. A penalty changes only the exported number (the gradebook
# keeps the raw score) and each one is written in exports/<format>-notes.csv and on the
# terminal. README, "Grades into Canvas or Moodle". nbgrader itself ignores this section.
# c.LmsExport.due = {"01-sigmoid": "2026-02-06 23:59"}  # default: the gradebook's due date
# c.LmsExport.timezone = "Europe/London"  # of dates and LMS file times written without one
# c.LmsExport.grace_minutes = 15
# c.LmsExport.penalty_per_day = 0.10      # fraction of the maximum per started day late
# c.LmsExport.max_penalty = 0.50          # the largest deduction, a fraction of the maximum
# c.LmsExport.trust_file_times = False    # also penalise on a file's time in the download
# c.LmsExport.canvas_columns = {"01-sigmoid": "Notebook 1: the sigmoid (48213)"}
