"""A synthetic class of submissions: correct, partially wrong and broken.

For the grading benchmark and the instructor tools' tests (and for an
instructor who wants to try the tools before term). Submissions are built
from the **student version** of a notebook, as a learner would: the stubs of
the answer cells are replaced by code (the source notebook's solution, or a
typical mistake from `MISTAKES`), the written answer gets a paragraph.

>>> from logreg_course.instructor.synthetic import make_class   # doctest: +SKIP
>>> cls = make_class(source_nb, student_nb, n=30)
>>> sorted({kind.split(":")[0] for _, kind in cls.values()})
['broken', 'correct', 'partial']
"""

from __future__ import annotations

import copy
import random
import re

__all__ = ["MISTAKES", "fill", "make_class", "solution_answers"]

_SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION[ \t]*\n?",
                       re.DOTALL | re.MULTILINE)

#: Typical wrong answers, per assignment and answer cell (grade id -> code).
MISTAKES = {
    "01-sigmoid": {
        "sigmoid_answer": (
            "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
            "    return 1.0 / (1.0 + np.exp(-z))  # overflows for z << 0\n"),
        "log_sigmoid_answer": (
            "def log_sigmoid(z):\n    return np.log(sigmoid(z))  # wrong in both tails\n"),
        "logit_answer": (
            "def logit(p):\n    p = np.asarray(p, dtype=float)\n"
            "    return np.log((1 - p) / p)  # upside down, and no ValueError\n"),
        "sigmoid_derivative_answer": (
            "def sigmoid_derivative(z):\n    s = sigmoid(z)\n"
            "    return s * (1 - s)  # cancels to 0 for large z\n"),
        "predict_proba_answer": (
            "def predict_proba(X, w, b):\n"
            "    return sigmoid(np.asarray(X) @ np.asarray(w))  # forgot the intercept\n"),
        "predict_answer": (
            "def predict(X, w, b, threshold=0.5):\n"
            "    z = np.asarray(X) @ np.asarray(w) + b\n"
            "    return (z >= threshold).astype(int)  # threshold on the logits\n"),
    },
}
WRITTEN = ("The textbook form computes exp(-z) = exp(1000), which overflows to inf; the result 0 "
           "is right by luck. The stable form only evaluates exp(-|z|) <= 1.")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader") or {}


def solution_answers(source_nb) -> dict[str, str]:
    """grade id -> the answer cell's text with the solution markers removed."""
    answers = {}
    for cell in source_nb.cells:
        m = _meta(cell)
        if not m.get("solution"):
            continue
        text = _source(cell)
        answers[m["grade_id"]] = _SOLUTION.sub(lambda mt: mt.group(1), text)
        answers[m["grade_id"]] = re.sub(r"=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===",
                                        "", answers[m["grade_id"]], flags=re.DOTALL).strip()
    return answers


def fill(student_nb, answers: dict[str, str]):
    """A copy of `student_nb` with the answer cells in `answers` filled in."""
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid in answers and _meta(cell).get("solution"):
            cell["source"] = answers[gid]
    return nb


def make_class(source_nb, student_nb, n: int = 30, seed: int = 0, assignment="01-sigmoid"):
    """``{student id: (notebook, kind)}`` with about 40% correct, 35% partially wrong and
    25% broken submissions (blank, a syntax error, an exception at top level)."""
    rng = random.Random(seed)
    right = solution_answers(source_nb)
    mistakes = MISTAKES.get(assignment, {})
    written = {g for g, t in right.items() if not t.lstrip().startswith("def ")}
    for g in written:
        right[g] = WRITTEN
    n_correct = round(0.4 * n)
    n_partial = round(0.35 * n) if mistakes else 0
    n_broken = n - n_correct - n_partial
    out = {}
    for i in range(n_correct):
        out[f"correct{i:03d}"] = (fill(student_nb, right), "correct")
    for i in range(n_partial):
        wrong = rng.sample(sorted(mistakes), k=rng.randint(1, min(3, len(mistakes))))
        answers = dict(right, **{g: mistakes[g] for g in wrong})
        out[f"partial{i:03d}"] = (fill(student_nb, answers), "partial:" + ",".join(wrong))
    first = next((g for g, t in right.items() if g not in written), None)
    for i in range(n_broken):
        kind = ("blank", "syntax", "exception")[i % 3]
        if kind == "blank":
            nb = copy.deepcopy(student_nb)
        elif kind == "syntax":
            nb = fill(student_nb, dict(right, **{first: right[first].replace("):", ")", 1)}))
        else:
            nb = fill(student_nb, dict(right, **{first: right[first]
                                                 + "\nraise RuntimeError('unfinished')\n"}))
        out[f"broken{i:03d}"] = (nb, f"broken:{kind}")
    return out
