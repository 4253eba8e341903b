"""The checks of each assignment, one module per assignment.

Adding an assignment: write
``specs/<name>.py`` with ``SPEC = AssignmentSpec("<id>", preamble=...)`` and
one ``@SPEC.check(...)`` per graded cell, add it to `MODULES`, and give the
source notebook one hidden test cell per check (``_lrc_grader.check("<id>")``).
The course tests then hold the notebook and the spec to each other.
"""

from __future__ import annotations

import importlib

from ..checks import AssignmentSpec

MODULES = {
    "01-sigmoid": "sigmoid",
    "02-log-odds": "log_odds",
    "03-maximum-likelihood": "maximum_likelihood",
    "04-thresholds": "thresholds",
    "05-regularisation": "regularisation",
    "06-softmax": "softmax",
}


def get_spec(assignment_id: str) -> AssignmentSpec:
    """The `AssignmentSpec` of an assignment (imports its module on first use)."""
    try:
        module = MODULES[assignment_id]
    except KeyError:
        raise ValueError(f"no grading spec for assignment {assignment_id!r}; "
                         f"known: {', '.join(MODULES)}") from None
    return importlib.import_module(f"{__name__}.{module}").SPEC
