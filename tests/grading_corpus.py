"""Submissions for the course-integrity tests, built from the student notebooks.

A submission is the student version (``chapters/exercises/<id>.ipynb``) with its
answer cells filled in: by default with the solution code from the source
notebook, and then edited, one realistic mistake or one attack at a time. Each
case states exactly which graded cells it must fail, in the kernel (nbgrader)
and in the out-of-kernel re-check, so the test asserts exact scores.

Why edits and not stored notebooks: a stored submission would drift from the
notebooks it is meant to exercise; an edit says in one line what the learner
got wrong.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field

import nbformat

from logreg_course.assignments import source_notebook, student_notebook

_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


@dataclass(frozen=True)
class Case:
    """One submission and the graded cells it must fail.

    Attributes
    ----------
    edits : dict
        Answer cell grade id -> its new code (the rest keep the solution).
    fails : frozenset
        Grade ids that nbgrader (the hidden tests in the kernel) must fail.
    recheck_fails : frozenset or None
        What the out-of-kernel re-check must fail (default: the same as `fails`).
    cells_after : tuple of (grade_id, code)
        Extra code cells the learner adds after the cell `grade_id`
        (``"__top__"``: before every cell).
    files : dict
        Extra files submitted next to the notebook (name -> text).
    """

    name: str
    why: str
    edits: dict = field(default_factory=dict)
    fails: frozenset = frozenset()
    recheck_fails: frozenset | None = None
    cells_after: tuple = ()
    files: dict = field(default_factory=dict)

    @property
    def expected_recheck_fails(self):
        return self.fails if self.recheck_fails is None else self.recheck_fails


def solution_code(assignment_id: str) -> dict[str, str]:
    """Answer cell grade id -> the solution's code, without the solution markers."""
    nb = nbformat.read(str(source_notebook(assignment_id)), as_version=4)
    return {c.metadata.nbgrader["grade_id"]: _SOLUTION.sub("", c.source)
            for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("solution")}


def build(assignment_id: str, case: Case | None = None):
    """The student notebook with answers filled in and `case` applied."""
    nb = nbformat.read(str(student_notebook(assignment_id)), as_version=4)
    answers = solution_code(assignment_id)
    if case is not None:
        answers.update(case.edits)
    cells = []
    extra = case.cells_after if case else ()
    for after, code in extra:
        if after == "__top__":
            cells.append(nbformat.v4.new_code_cell(code))
    for cell in nb.cells:
        cell = copy.deepcopy(cell)
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
        cells.append(cell)
        for after, code in extra:
            if after == gid:
                cells.append(nbformat.v4.new_code_cell(code))
    nb.cells = cells
    return nb


def _doc(name, body):
    return f"def {name}:\n    {body}\n"


# ---------------------------------------------------------------------------------------------
# 01-sigmoid (17 autograded points)
# ---------------------------------------------------------------------------------------------
S01_SIGMOID = {"sigmoid_values", "sigmoid_shapes", "sigmoid_stable"}
HALF_SIGMOID = ("def sigmoid(z):\n"
                "    z = np.asarray(z, dtype=float)\n"
                "    return np.full(z.shape, 0.5)  # not done yet\n")

WRONG_01 = [
    Case("naive_sigmoid", "the textbook 1/(1+exp(-z)): right values, overflow warning",
         {"sigmoid_answer": "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                            "    return 1.0 / (1.0 + np.exp(-z))\n"},
         frozenset({"sigmoid_stable"})),
    Case("clipped_sigmoid", "clips z to [-500, 500] to avoid the overflow: wrong tails",
         {"sigmoid_answer": "def sigmoid(z):\n    z = np.clip(np.asarray(z, dtype=float), "
                            "-500, 500)\n    return 1.0 / (1.0 + np.exp(-z))\n"},
         # the derivative sigma(z) sigma(-z) inherits the wrong tails (z up to 700) but is
         # graded again with the course's sigmoid: only the sigmoid loses its points
         frozenset({"sigmoid_stable"})),
    Case("sign_slip", "1/(1+exp(z)): computes sigmoid(-z)",
         {"sigmoid_answer": "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                            "    e = np.exp(-np.abs(z))\n"
                            "    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))\n"},
         # predict_proba and predict inherit the slip, and are graded again with the course's
         # sigmoid: only the sigmoid loses its points
         frozenset(S01_SIGMOID)),
    Case("log_of_sigmoid", "np.log(sigmoid(z)): -inf and lost digits in the tails",
         {"log_sigmoid_answer": "def log_sigmoid(z):\n    return np.log(sigmoid(z))\n"},
         frozenset({"log_sigmoid_tails"})),
    Case("logit_unchecked", "no ValueError for probabilities outside [0, 1]",
         {"logit_answer": "def logit(p):\n    p = np.asarray(p, dtype=float)\n"
                          "    with np.errstate(divide='ignore', invalid='ignore'):\n"
                          "        return np.log(p / (1 - p))\n"},
         frozenset({"logit_edges"})),
    Case("derivative_cancels", "sigmoid(z) * (1 - sigmoid(z)): 0 for large z",
         {"sigmoid_derivative_answer": "def sigmoid_derivative(z):\n    s = sigmoid(z)\n"
                                       "    return s * (1 - s)\n"},
         frozenset({"sigmoid_derivative_tails"})),
    Case("forgot_intercept", "predict_proba ignores b (predict, which calls it, is right)",
         {"predict_proba_answer": "def predict_proba(X, w, b):\n    return sigmoid(X @ w)\n"},
         frozenset({"predict_proba_values", "predict_proba_breast_cancer"})),
    Case("threshold_on_logits", "compares the logits, not the probabilities, with t",
         {"predict_answer": "def predict(X, w, b, threshold=0.5):\n"
                            "    return (X @ w + b >= threshold).astype(int)\n"},
         frozenset({"predict_default", "predict_threshold"})),
    Case("returns_list", "predict_proba returns a Python list of the right probabilities: "
         "an equivalent form, accepted",
         {"predict_proba_answer": "def predict_proba(X, w, b):\n"
                                  "    return [float(p) for p in sigmoid(X @ w + b)]\n",
          "predict_answer": "def predict(X, w, b, threshold=0.5):\n"
                            "    p = np.asarray(predict_proba(X, w, b))\n"
                            "    return (p >= threshold).astype(int)\n"},
         frozenset()),
]

#: What a learner with an unfinished sigmoid (HALF_SIGMOID) honestly fails (the parts that
#: call the sigmoid are graded with the course's): the attacks below add a cheat to that
#: submission and must not earn more than it.
HONEST_01 = frozenset(S01_SIGMOID)
#: Every autograded cell of 01-sigmoid (what a kernel whose grader was tampered with fails).
ALL_01 = frozenset(S01_SIGMOID | {"log_sigmoid_moderate", "log_sigmoid_tails", "logit_values",
                                  "logit_edges", "sigmoid_derivative_values",
                                  "sigmoid_derivative_tails", "predict_proba_values",
                                  "predict_proba_breast_cancer", "predict_default",
                                  "predict_threshold"})

_FRAME_READER = HALF_SIGMOID.replace("def sigmoid", "def _honest_sigmoid") + '''
import sys


def sigmoid(z):
    """Look for the grader's expected values in the callers' frames."""
    z = np.asarray(z, dtype=float)
    try:
        frame = sys._getframe(1)
    except Exception:
        try:
            raise RuntimeError
        except RuntimeError as exc:
            frame = exc.__traceback__.tb_frame
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, np.ndarray) and value.shape == z.shape and value is not z:
                if np.all((value >= 0) & (value <= 1)):
                    return value.copy()
        frame = frame.f_back
    return _honest_sigmoid(z)
'''

_GLOBALS_READER = HALF_SIGMOID.replace("def sigmoid", "def _honest_sigmoid") + '''
import gc


def sigmoid(z):
    """Search every live object for an array that could be the expected output."""
    z = np.asarray(z, dtype=float)
    pool = list(globals().values())
    try:
        pool += gc.get_objects()
    except Exception:
        pass
    for value in pool:
        if isinstance(value, np.ndarray) and value.shape == z.shape and value is not z:
            if value.dtype.kind == "f" and np.all((value > 0) & (value < 1)):
                return value.copy()
    return _honest_sigmoid(z)
'''

_READ_DISK = HALF_SIGMOID + '''
import json
import os
import sqlite3

root = os.path.join(os.getcwd(), "..", "..", "..")
try:  # the instructor's source notebook holds the solutions
    with open(os.path.join(root, "solutions", "01-sigmoid", "01-sigmoid.ipynb")) as f:
        source = json.load(f)
    for cell in source["cells"]:
        text = "".join(cell["source"])
        if "BEGIN SOLUTION" in text and cell["cell_type"] == "code":
            exec(text, globals())
except Exception as exc:
    print("reading the solutions failed:", exc)
try:  # and the gradebook holds the hidden tests, and the scores
    db = sqlite3.connect(os.path.join(root, "gradebook.db"))
    db.execute("UPDATE grade SET extra_credit = 100")
    db.commit()
except Exception as exc:
    print("opening the gradebook failed:", exc)
'''

_INPUT_TRANSFORMER = HALF_SIGMOID + '''

def _skip_tests(lines):
    """Rewrite every later cell that calls the grader into `pass`."""
    return ["pass\\n"] if any("_lrc_grader" in line for line in lines) else lines


get_ipython().input_transformers_cleanup.append(_skip_tests)
'''

_GRADER_REPLACED = HALF_SIGMOID + '''

class _Lenient:
    def check(self, grade_id):
        return None


_lrc_grader = _Lenient()
'''

_TABLE = HALF_SIGMOID.replace("def sigmoid", "def _honest_sigmoid") + '''
import logreg_ref
from logreg_course.grading.checks import Context
from logreg_course.grading.specs import get_spec

# The fixed input stream is public (the spec is in the repository): precompute its answers.
_table = {}
for _check in get_spec("01-sigmoid").checks.values():
    _calls, _ = _check.build(Context(0))
    for _call in _calls:
        if _call.function == "sigmoid":
            _z = np.asarray(_call.args[0], dtype=float)
            _table[_z.tobytes()] = logreg_ref.sigmoid(_z)


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return _table.get(z.tobytes(), _honest_sigmoid(z))
'''

_EQ_ANYTHING = '''
class AlwaysEqual:
    """Compares equal to anything, is close to anything."""

    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731
    __hash__ = None

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


def logit(p):
    return AlwaysEqual()
'''

_WRAPPED = '''
class Wrapped(np.ndarray):
    """An array subclass whose comparisons always succeed."""

    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __ge__(self, other):
        return np.asarray(self).view(np.ndarray) >= other


def predict_proba(X, w, b):
    return np.zeros(len(X)).view(Wrapped)
'''

ATTACKS_01 = [
    Case("numpy_patch", "rebinds numpy's comparison helpers (with an unfinished sigmoid)",
         {"sigmoid_answer": HALF_SIGMOID + "np.testing.assert_allclose = lambda *a, **k: None\n"
          "np.allclose = lambda *a, **k: True\n"
          "np.isclose = lambda a, b, **k: np.ones(np.shape(b), dtype=bool)\n"
          "np.array_equal = lambda *a, **k: True\n"},
         # the grader notices the patched numpy and trusts nothing after it: all 13 fail
         ALL_01, recheck_fails=HONEST_01),
    Case("logreg_ref_patch", "rebinds logreg_ref.sigmoid to the learner's (wrong) function",
         {"sigmoid_answer": HALF_SIGMOID + "import logreg_ref\nlogreg_ref.sigmoid = sigmoid\n"},
         ALL_01, recheck_fails=HONEST_01),
    Case("shadow_module", "submits a logreg_ref.py whose sigmoid agrees with the wrong one",
         {"sigmoid_answer": HALF_SIGMOID},
         HONEST_01,
         files={"logreg_ref.py": "import numpy as np\n\n\ndef sigmoid(z):\n"
                                 "    return np.full(np.shape(z), 0.5)\n"}),
    Case("calls_logreg_ref", "every function answers by calling logreg_ref",
         {"sigmoid_answer": "import logreg_ref\n\n\ndef sigmoid(z):\n"
                            "    return logreg_ref.sigmoid(z)\n",
          "log_sigmoid_answer": "from logreg_ref import log_sigmoid\n",
          "logit_answer": "def logit(p):\n    import logreg_ref\n"
                          "    return logreg_ref.logit(p)\n"},
         # the three that call logreg_ref score 0; the parts that call the sigmoid are graded
         # with the course's sigmoid
         frozenset(S01_SIGMOID | {"log_sigmoid_moderate", "log_sigmoid_tails", "logit_values",
                                  "logit_edges"})),
    Case("calls_scipy", "sigmoid is scipy.special.expit, through a wrapper",
         {"sigmoid_answer": "from scipy.special import expit\n\n\ndef sigmoid(z):\n"
                            "    return expit(np.asarray(z, dtype=float))\n"},
         HONEST_01),
    Case("eq_anything", "returns objects that compare equal to anything",
         {"logit_answer": _EQ_ANYTHING, "predict_proba_answer": _WRAPPED},
         # predict calls the wrapped predict_proba: graded with the course's, it passes
         frozenset({"logit_values", "logit_edges", "predict_proba_values",
                    "predict_proba_breast_cancer"})),
    Case("frame_reader", "reads expected values from the callers' frames",
         {"sigmoid_answer": _FRAME_READER}, HONEST_01),
    Case("globals_reader", "searches globals() and gc for the expected values",
         {"sigmoid_answer": _GLOBALS_READER}, HONEST_01),
    Case("read_disk", "reads the solutions and writes the gradebook from the notebook",
         {"sigmoid_answer": _READ_DISK}, HONEST_01),
    Case("precomputed_table", "precomputes answers for the public fixed inputs (logreg_ref)",
         {"sigmoid_answer": _TABLE}, HONEST_01),
    Case("input_transformer", "an IPython input transformer turns every later test into pass",
         {"sigmoid_answer": _INPUT_TRANSFORMER},
         frozenset(), recheck_fails=HONEST_01),  # nbgrader is fooled: only the re-check sees
    Case("grader_replaced", "rebinds the grader object to one that passes everything",
         {"sigmoid_answer": _GRADER_REPLACED},
         frozenset(), recheck_fails=HONEST_01),  # nbgrader is fooled: only the re-check sees
    Case("cell_above_setup", "a code cell before the setup cell (patches numpy first)",
         {}, ALL_01,
         # the setup cell refuses to install the grader: everything fails in the kernel;
         # the re-check ignores cell order and finds the (correct) functions
         recheck_fails=frozenset(),
         cells_after=(("__top__", "import numpy as np\nnp.allclose = lambda *a, **k: True\n"),)),
]

# ---------------------------------------------------------------------------------------------
# 02-log-odds (15 autograded points)
# ---------------------------------------------------------------------------------------------
WRONG_02 = [
    Case("odds_against", "(1 - p) / p: the odds against",
         {"odds_answer": "def odds(p):\n    p = np.asarray(p, dtype=float)\n"
                         "    with np.errstate(divide='ignore'):\n        return (1 - p) / p\n"},
         frozenset({"odds_values"})),
    Case("prob_nan_at_inf", "o / (1 + o): nan at infinite odds",
         {"prob_from_odds_answer": "def prob_from_odds(o):\n"
                                   "    o = np.asarray(o, dtype=float)\n"
                                   "    return o / (1 + o)\n"},
         frozenset({"prob_from_odds_values"})),
    Case("odds_ratio_times_delta", "delta * exp(coef) instead of exp(delta * coef)",
         {"odds_ratio_answer": "def odds_ratio(coef, delta=1.0):\n"
                               "    return delta * np.exp(np.asarray(coef, dtype=float))\n"},
         frozenset({"odds_ratio_delta"})),
    Case("ci_log_scale", "the interval for the coefficient, not exponentiated",
         {"wald_ci_answer": "def wald_ci_odds_ratio(coef, se, level=0.95):\n"
                            "    from statistics import NormalDist\n"
                            "    z = NormalDist().inv_cdf(0.5 + level / 2)\n"
                            "    return coef - z * se, coef + z * se\n"},
         frozenset({"wald_ci_values", "wald_ci_level"})),
    Case("ci_hardcoded_196", "z = 1.96 whatever the level",
         {"wald_ci_answer": "def wald_ci_odds_ratio(coef, se, level=0.95):\n"
                            "    return np.exp(coef - 1.96 * se), np.exp(coef + 1.96 * se)\n"},
         frozenset({"wald_ci_level"})),
    Case("effect_without_one_minus_p", "p * w instead of p (1 - p) w (the MEM and the table "
         "reuse it, and are graded with the course's)",
         {"marginal_effects_answer": "def marginal_effects(x, w, b):\n"
                                     "    p = 1 / (1 + np.exp(-(np.dot(x, w) + b)))\n"
                                     "    return p * np.asarray(w, dtype=float)\n"},
         frozenset({"marginal_effects_values"})),
    Case("ame_at_the_mean", "the 'average' effect computed at the mean row",
         {"ame_answer": "def average_marginal_effects(X, w, b):\n"
                        "    return marginal_effects(np.mean(X, axis=0), w, b)\n"},
         frozenset({"ame_values"})),
    Case("mem_mean_probability", "p-bar (1 - p-bar) w with p-bar the mean probability",
         {"mem_answer": "def marginal_effects_at_mean(X, w, b):\n"
                        "    p = 1 / (1 + np.exp(-(X @ w + b)))\n"
                        "    return p.mean() * (1 - p.mean()) * np.asarray(w, dtype=float)\n"},
         frozenset({"mem_values"})),
    Case("discrete_as_derivative", "the derivative-based AME of a 0/1 feature",
         {"discrete_change_answer": "def discrete_change(X, w, b, j):\n"
                                    "    return float(average_marginal_effects(X, w, b)[j])\n"},
         frozenset({"discrete_change_values"})),
]

ATTACKS_02 = [
    Case("calls_grader_reference", "odds ratios from the grader's own reference module",
         {"odds_ratio_answer": "from logreg_course.grading import reference as _r\n\n\n"
                               "def odds_ratio(coef, delta=1.0):\n"
                               "    return _r.odds_ratio(coef, delta)\n"},
         # the table calls odds_ratio: graded with the course's, it passes
         frozenset({"odds_ratio_values", "odds_ratio_delta"})),
]

# ---------------------------------------------------------------------------------------------
# 03-maximum-likelihood (18 autograded points)
# ---------------------------------------------------------------------------------------------
S03_GD = {"gradient_descent_history", "gradient_descent_path"}
S03_FIT = {"fit_spector", "fit_breast_cancer", "fit_probabilities_sum"}

WRONG_03 = [
    Case("loss_sum", "the summed loss (gradient descent, which records it, is right)",
         {"cross_entropy_answer": "def cross_entropy(y, z):\n"
                                  "    return float(np.sum(np.logaddexp(0.0, z) - y * z))\n"},
         frozenset({"cross_entropy_values", "cross_entropy_extreme"})),
    Case("loss_from_probabilities", "-mean(y log p + (1-y) log(1-p)): fine until p rounds",
         {"cross_entropy_answer": "def cross_entropy(y, z):\n    p = sigmoid(z)\n"
                                  "    return float(-np.mean(y * np.log(p) + (1 - y) * "
                                  "np.log(1 - p)))\n"},
         frozenset({"cross_entropy_extreme"})),
    Case("gradient_sign", "X^T (y - p): the later parts inherit the sign, and are graded with "
         "the course's gradient",
         {"gradient_answer": "def gradient(X, y, w, b):\n    r = y - sigmoid(X @ w + b)\n"
                             "    return X.T @ r / len(y), float(np.mean(r))\n"},
         frozenset({"gradient_w", "gradient_b"})),
    Case("gradient_sum", "the summed gradient with the mean Hessian: n-times too long steps",
         {"gradient_answer": "def gradient(X, y, w, b):\n    r = sigmoid(X @ w + b) - y\n"
                             "    return X.T @ r, float(np.sum(r))\n"},
         frozenset({"gradient_w", "gradient_b"})),
    Case("hessian_sum", "the summed Hessian: Newton steps n times too short",
         {"hessian_answer": "def hessian(X, w, b):\n    z = X @ w + b\n"
                            "    h = sigmoid(z) * sigmoid(-z)\n"
                            "    Xt = np.column_stack([X, np.ones(len(X))])\n"
                            "    return Xt.T @ (h[:, None] * Xt)\n"},
         frozenset({"hessian_values"})),
    Case("gd_off_by_one", "range(n_iter - 1): one step and one loss short",
         {"gradient_descent_answer": "def gradient_descent(X, y, step_size, n_iter):\n"
                                     "    w, b = np.zeros(X.shape[1]), 0.0\n"
                                     "    history = [cross_entropy(y, X @ w + b)]\n"
                                     "    for _ in range(n_iter - 1):\n"
                                     "        g_w, g_b = gradient(X, y, w, b)\n"
                                     "        w, b = w - step_size * g_w, b - step_size * g_b\n"
                                     "        history.append(cross_entropy(y, X @ w + b))\n"
                                     "    return w, b, np.array(history)\n"},
         frozenset(S03_GD)),
    Case("gd_history_after_steps", "records the loss only after each step (no history[0])",
         {"gradient_descent_answer": "def gradient_descent(X, y, step_size, n_iter):\n"
                                     "    w, b = np.zeros(X.shape[1]), 0.0\n"
                                     "    history = []\n"
                                     "    for _ in range(n_iter):\n"
                                     "        g_w, g_b = gradient(X, y, w, b)\n"
                                     "        w, b = w - step_size * g_w, b - step_size * g_b\n"
                                     "        history.append(cross_entropy(y, X @ w + b))\n"
                                     "    return w, b, np.array(history)\n"},
         frozenset({"gradient_descent_history"})),
    Case("newton_uphill", "theta + H^-1 grad",
         {"newton_step_answer": "def newton_step(X, y, w, b):\n"
                                "    g_w, g_b = gradient(X, y, w, b)\n"
                                "    step = np.linalg.solve(hessian(X, w, b), "
                                "np.append(g_w, g_b))\n"
                                "    return w + step[:-1], float(b + step[-1])\n"},
         frozenset({"newton_step_values"})),
    Case("fit_forgets_intercept", "the fit updates w but never b",
         {"fit_answer": "def fit_logistic(X, y, tol=1e-8, max_iter=50):\n"
                        "    w, b = np.zeros(X.shape[1]), 0.0\n"
                        "    for _ in range(max_iter):\n"
                        "        g_w, g_b = gradient(X, y, w, b)\n"
                        "        if max(np.max(np.abs(g_w)), abs(g_b)) <= tol:\n"
                        "            break\n"
                        "        w, _ = newton_step(X, y, w, b)\n"
                        "    return w, b\n"},
         frozenset(S03_FIT)),
]

ATTACKS_03 = [
    Case("sklearn_fit", "the fit is scikit-learn's LogisticRegression",
         {"fit_answer": "from sklearn.linear_model import LogisticRegression\n\n\n"
                        "def fit_logistic(X, y, tol=1e-8, max_iter=50):\n"
                        "    model = LogisticRegression(C=np.inf, solver='newton-cholesky',\n"
                        "                               tol=1e-12, max_iter=100).fit(X, y)\n"
                        "    return model.coef_[0], float(model.intercept_[0])\n"},
         frozenset(S03_FIT)),
]


def replace_function(assignment_id: str, cell: str, new_source: str) -> str:
    """The solution code of answer cell `cell` with one function replaced by `new_source`.

    For cells that define two functions (a mistake in one of them, the other right).
    """
    code = solution_code(assignment_id)[cell]
    name = re.match(r"def (\w+)", new_source).group(1)
    node = next(n for n in ast.parse(code).body
                if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = code.splitlines(keepends=True)
    return "".join(lines[:node.lineno - 1]) + new_source + "".join(lines[node.end_lineno:])


# ---------------------------------------------------------------------------------------------
# 04-thresholds (21 autograded points)
# ---------------------------------------------------------------------------------------------
A04 = "04-thresholds"

WRONG_04 = [
    Case("strict_inequality", "score > t: ties at the threshold counted negative",
         {"confusion_answer": "def confusion_counts(y_true, scores, threshold):\n"
                              "    y = np.asarray(y_true)\n"
                              "    pred = np.asarray(scores) > threshold\n"
                              "    return (int(np.sum(~pred & (y == 0))), "
                              "int(np.sum(pred & (y == 0))),\n"
                              "            int(np.sum(~pred & (y == 1))), "
                              "int(np.sum(pred & (y == 1))))\n"},
         # precision/recall/F1 and the cost are built on the counts and see the ties too;
         # graded with the course's counts they pass
         frozenset({"confusion_values"})),
    Case("f1_arithmetic_mean", "F1 as the arithmetic mean of precision and recall",
         {"prf_answer": "def precision_recall_f1(y_true, scores, threshold):\n"
                        "    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)\n"
                        "    precision = tp / (tp + fp) if tp + fp else 0.0\n"
                        "    recall = tp / (tp + fn) if tp + fn else 0.0\n"
                        "    return precision, recall, (precision + recall) / 2\n"},
         frozenset({"prf_values"})),
    Case("prf_divides_by_zero", "no guard: 0/0 when nothing is flagged",
         {"prf_answer": "def precision_recall_f1(y_true, scores, threshold):\n"
                        "    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)\n"
                        "    return tp / (tp + fp), tp / (tp + fn), "
                        "2 * tp / (2 * tp + fp + fn)\n"},
         frozenset({"prf_zero_division"})),
    Case("roc_without_inf", "the ROC thresholds start at the largest score, not at inf",
         {"roc_answer": replace_function(A04, "roc_answer", (
             "def roc_points(y_true, scores):\n"
             "    y = np.asarray(y_true) == 1\n"
             "    s = np.asarray(scores, dtype=float)\n"
             "    thresholds = np.unique(s)[::-1]\n"
             "    tpr = np.array([np.mean(s[y] >= t) for t in thresholds])\n"
             "    fpr = np.array([np.mean(s[~y] >= t) for t in thresholds])\n"
             "    return fpr, tpr, thresholds\n"))},
         frozenset({"roc_points_values"})),
    Case("auc_ignores_ties", "AUC as P(S+ > S-): tied pairs count 0",
         {"roc_answer": replace_function(A04, "roc_answer", (
             "def auc(y_true, scores):\n"
             "    y = np.asarray(y_true) == 1\n"
             "    s = np.asarray(scores, dtype=float)\n"
             "    return float(np.mean(s[y][:, None] > s[~y][None, :]))\n"))},
         frozenset({"auc_values"})),
    Case("costs_swapped", "c_fn charged for false positives and c_fp for false negatives",
         {"cost_answer": "def expected_cost(y_true, scores, threshold, c_fp, c_fn):\n"
                         "    tn, fp, fn, tp = confusion_counts(y_true, scores, threshold)\n"
                         "    return (c_fn * fp + c_fp * fn) / len(y_true)\n"},
         frozenset({"expected_cost_values"})),
    Case("bayes_swapped", "t* = c_fn / (c_fp + c_fn): the layout read as [true, pred]",
         {"bayes_answer": replace_function(A04, "bayes_answer", (
             "def bayes_threshold(cost_matrix):\n"
             "    c = np.asarray(cost_matrix, dtype=float)\n"
             "    a, d = c[1, 0] - c[0, 0], c[0, 1] - c[1, 1]\n"
             "    if a < 0 or d < 0 or a + d == 0:\n"
             "        raise ValueError('invalid cost matrix')\n"
             "    return d / (a + d)\n"))},
         frozenset({"bayes_threshold_simple", "bayes_threshold_general"})),
    Case("bayes_ignores_diagonal", "c_fp / (c_fp + c_fn) read off the matrix, no checks",
         {"bayes_answer": replace_function(A04, "bayes_answer", (
             "def bayes_threshold(cost_matrix):\n"
             "    c_fp, c_fn = cost_matrix[1][0], cost_matrix[0][1]\n"
             "    return c_fp / (c_fp + c_fn)\n"))},
         frozenset({"bayes_threshold_general", "bayes_threshold_invalid"})),
    Case("threshold_on_logits", "t* compared with the logits, not the probabilities",
         {"bayes_answer": replace_function(A04, "bayes_answer", (
             "def bayes_decisions(z, cost_matrix):\n"
             "    return (np.asarray(z) >= bayes_threshold(cost_matrix)).astype(int)\n"))},
         frozenset({"bayes_decisions_logits"})),
    Case("optimal_ascending", "candidates in increasing order and no inf: ties go low",
         {"optimal_answer": "def cost_optimal_threshold(y_true, scores, c_fp, c_fn):\n"
                            "    y = np.asarray(y_true) == 1\n"
                            "    s = np.asarray(scores, dtype=float)\n"
                            "    candidates = np.unique(s)\n"
                            "    costs = [c_fp * np.sum(s[~y] >= t) + c_fn * np.sum(s[y] < t)\n"
                            "             for t in candidates]\n"
                            "    return float(candidates[np.argmin(costs)])\n"},
         frozenset({"cost_optimal_ties"})),
    Case("recall_strictly_above", "recall > target: a target met exactly is not enough",
         {"recall_answer": "def threshold_for_recall(y_true, scores, target):\n"
                           "    y = np.asarray(y_true) == 1\n"
                           "    s = np.asarray(scores, dtype=float)\n"
                           "    for t in np.r_[np.inf, np.unique(s)[::-1]]:\n"
                           "        if np.mean(s[y] >= t) > target:\n"
                           "            return float(t)\n"},
         frozenset({"recall_threshold_values"})),
]

ATTACKS_04 = [
    Case("sklearn_auc", "the AUC is scikit-learn's roc_auc_score",
         {"roc_answer": replace_function(A04, "roc_answer", (
             "def auc(y_true, scores):\n"
             "    from sklearn.metrics import roc_auc_score\n"
             "    return float(roc_auc_score(y_true, scores))\n"))},
         frozenset({"auc_values"})),
]

# ---------------------------------------------------------------------------------------------
# 05-regularisation (17 autograded points)
# ---------------------------------------------------------------------------------------------
A05 = "05-regularisation"
S05_OBJECTIVE = {"objective_values", "objective_sample_weight"}
S05_FIT = {"fit_breast_cancer", "fit_balance"}


def _fit_05(penalty_rows: str) -> str:
    """fit_penalised with the penalty matrix D written by `penalty_rows`."""
    return ("def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, max_iter=100):\n"
            "    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)\n"
            "    n, d = X.shape\n"
            "    Xt = np.column_stack([X, np.ones(n)])\n"
            f"    {penalty_rows}\n"
            "    w, b = np.zeros(d), 0.0\n"
            "    for _ in range(max_iter):\n"
            "        g_w, g_b = penalised_gradient(X, y, w, b, C, s)\n"
            "        g = np.append(g_w, g_b)\n"
            "        if np.max(np.abs(g)) <= tol * C * s.sum():\n"
            "            break\n"
            "        z = X @ w + b\n"
            "        h = C * s * sigmoid(z) * sigmoid(-z)\n"
            "        step = np.linalg.solve(Xt.T @ (h[:, None] * Xt) + D, g)\n"
            "        w, b = w - step[:-1], float(b - step[-1])\n"
            "    return w, b\n")


WRONG_05 = [
    Case("penalised_intercept", "theta = (w, b) penalised as a whole: objective, gradient, fit",
         {"objective_answer": "def penalised_objective(X, y, w, b, C, sample_weight=None):\n"
                              "    s = np.ones(len(y)) if sample_weight is None else "
                              "sample_weight\n"
                              "    theta = np.append(w, b)\n"
                              "    z = X @ w + b\n"
                              "    return float(C * np.sum(s * (np.logaddexp(0, z) - y * z))"
                              " + 0.5 * theta @ theta)\n",
          "gradient_answer": "def penalised_gradient(X, y, w, b, C, sample_weight=None):\n"
                             "    s = np.ones(len(y)) if sample_weight is None else "
                             "sample_weight\n"
                             "    r = C * s * (sigmoid(X @ w + b) - y)\n"
                             "    return X.T @ r + w, float(np.sum(r) + b)\n",
          "fit_answer": _fit_05("D = np.eye(d + 1)")},
         # graded with the course's gradient, the fit's Newton steps (with the intercept's
         # extra +1 in the Hessian) still converge to the right minimum; the cross-validated
         # loss is graded with the course's fit
         frozenset(S05_OBJECTIVE | {"gradient_b"})),
    Case("objective_mean", "C times the mean loss instead of the sum",
         {"objective_answer": "def penalised_objective(X, y, w, b, C, sample_weight=None):\n"
                              "    s = np.ones(len(y)) if sample_weight is None else "
                              "sample_weight\n"
                              "    z = X @ w + b\n"
                              "    return float(C * np.average(np.logaddexp(0, z) - y * z, "
                              "weights=s) + 0.5 * w @ w)\n"},
         frozenset(S05_OBJECTIVE)),
    Case("gradient_without_penalty", "grad_w without the + w: the fit finds no penalised minimum",
         {"gradient_answer": "def penalised_gradient(X, y, w, b, C, sample_weight=None):\n"
                             "    s = np.ones(len(y)) if sample_weight is None else "
                             "sample_weight\n"
                             "    r = C * s * (sigmoid(X @ w + b) - y)\n"
                             "    return X.T @ r, float(np.sum(r))\n"},
         # the fit and the cross-validation are graded with the course's gradient
         frozenset({"gradient_w"})),
    Case("balanced_by_counts", "class sizes n_k instead of class weights S_k",
         {"weights_answer": "def balanced_sample_weight(y, sample_weight=None):\n"
                            "    y = np.asarray(y)\n"
                            "    s = np.ones(len(y)) if sample_weight is None else "
                            "sample_weight\n"
                            "    classes, index, counts = np.unique(y, return_inverse=True,\n"
                            "                                       return_counts=True)\n"
                            "    return s * len(y) / (len(classes) * counts[index])\n"},
         frozenset({"balanced_weighted"})),
    Case("hard_threshold", "keeps u where |u| > t instead of shrinking it",
         {"l1_answer": replace_function(A05, "l1_answer", (
             "def soft_threshold(u, t):\n"
             "    u = np.asarray(u, dtype=float)\n"
             "    return np.where(np.abs(u) > t, u, 0.0)\n"))},
         frozenset({"soft_threshold_values"})),
    Case("kkt_zero_gradient", "the same condition for every coefficient: g + lam1 sign(w) = 0",
         {"l1_answer": replace_function(A05, "l1_answer", (
             "def l1_kkt_check(w, grad_w, lam1, tol=1e-8):\n"
             "    return np.abs(grad_w + lam1 * np.sign(w)) <= tol\n"))},
         frozenset({"kkt_check_values"})),
    Case("folds_remainder_last", "n // k per fold and the remainder in the last fold",
         {"cv_answer": replace_function(A05, "cv_answer", (
             "def kfold_indices(n, k):\n"
             "    size = n // k\n"
             "    folds = [np.arange(j * size, (j + 1) * size) for j in range(k - 1)]\n"
             "    return folds + [np.arange((k - 1) * size, n)]\n"))},
         frozenset({"kfold_values"})),
    Case("scaler_leaks", "standardises all the data, then cross-validates",
         {"cv_answer": replace_function(A05, "cv_answer", (
             "def cv_log_loss(X, y, C, k=5):\n"
             "    Xs = (X - X.mean(axis=0)) / X.std(axis=0)\n"
             "    losses = []\n"
             "    for test in kfold_indices(len(y), k):\n"
             "        train = np.setdiff1d(np.arange(len(y)), test)\n"
             "        w, b = fit_penalised(Xs[train], y[train], C)\n"
             "        z = Xs[test] @ w + b\n"
             "        losses.append(np.mean(np.logaddexp(0.0, z) - y[test] * z))\n"
             "    return float(np.mean(losses))\n"))},
         frozenset({"cv_log_loss_values"})),
]

ATTACKS_05 = [
    Case("scipy_fit", "the fit is scipy.optimize.minimize on the learner's own objective",
         {"fit_answer": "from scipy.optimize import minimize\n\n\n"
                        "def fit_penalised(X, y, C, sample_weight=None, tol=1e-8, "
                        "max_iter=100):\n"
                        "    def f(t):\n"
                        "        g_w, g_b = penalised_gradient(X, y, t[:-1], t[-1], C, "
                        "sample_weight)\n"
                        "        return (penalised_objective(X, y, t[:-1], t[-1], C, "
                        "sample_weight),\n"
                        "                np.append(g_w, g_b))\n"
                        "    t = minimize(f, np.zeros(X.shape[1] + 1), jac=True, "
                        "method='L-BFGS-B',\n"
                        "                 options={'gtol': 1e-12, 'ftol': 0, "
                        "'maxiter': 10000}).x\n"
                        "    return t[:-1], float(t[-1])\n"},
         # the cross-validation calls the fit: graded with the course's, it passes
         frozenset(S05_FIT)),
]

# ---------------------------------------------------------------------------------------------
# 06-softmax (21 autograded points)
# ---------------------------------------------------------------------------------------------
A06 = "06-softmax"
S06_FIT = {"fit_iris", "fit_wine", "fit_centred"}

WRONG_06 = [
    Case("naive_softmax", "exp(Z) / sum(exp(Z)) without the shift: overflow",
         {"softmax_answer": "def softmax(Z):\n"
                            "    E = np.exp(np.asarray(Z, dtype=float))\n"
                            "    return E / E.sum(axis=1, keepdims=True)\n"},
         frozenset({"softmax_stable"})),
    Case("log_of_softmax", "log_softmax as np.log(softmax(Z)): -inf in the tails",
         {"lse_answer": replace_function(A06, "lse_answer", (
             "def log_softmax(Z):\n"
             "    return np.log(softmax(Z))\n"))},
         frozenset({"log_softmax_stable"})),
    Case("naive_logsumexp", "log(sum(exp(Z))): overflows for large logits",
         {"lse_answer": replace_function(A06, "lse_answer", (
             "def logsumexp(Z):\n"
             "    return np.log(np.sum(np.exp(np.asarray(Z, dtype=float)), axis=1))\n"))},
         frozenset({"log_softmax_stable"})),
    Case("loss_sum", "the summed loss (and the weighted sum, not divided by the weights)",
         {"loss_answer": "def cross_entropy(y, Z, sample_weight=None):\n"
                         "    s = np.ones(len(y)) if sample_weight is None else "
                         "sample_weight\n"
                         "    return float(-np.sum(s * log_softmax(Z)[np.arange(len(y)), y]))\n"},
         frozenset({"cross_entropy_values", "cross_entropy_weights"})),
    Case("gradient_transposed", "X^T (P - Y): grad_W of shape (d, K) (the fit is graded with "
         "the course's gradient)",
         {"gradient_answer": "def gradient(X, y, W, b):\n"
                             "    R = softmax(X @ W.T + b) - np.eye(len(b))[y]\n"
                             "    return X.T @ R / len(y), R.mean(axis=0)\n"},
         frozenset({"gradient_W"})),
    Case("penalty_one_over_C", "lambda = 1 / C in the mean form: a penalty n times too strong",
         {"fit_answer": "def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):\n"
                        "    n, d = X.shape\n"
                        "    K = int(y.max()) + 1\n"
                        "    lam = 1.0 / C\n"
                        "    Xt = np.column_stack([X, np.ones(n)])\n"
                        "    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)\n"
                        "    W, b = np.zeros((K, d)), np.zeros(K)\n"
                        "    for _ in range(max_iter):\n"
                        "        g_W, g_b = gradient(X, y, W, b)\n"
                        "        g_W = g_W + lam * W\n"
                        "        if max(np.abs(g_W).max(), np.abs(g_b).max()) <= tol:\n"
                        "            break\n"
                        "        W, b = W - step * g_W, b - step * g_b\n"
                        "    return W, b\n"},
         frozenset(S06_FIT)),
    Case("intercepts_from_frequencies", "starts b at the log class frequencies, never centres",
         {"fit_answer": "def fit_softmax(X, y, C, tol=1e-6, max_iter=20000):\n"
                        "    n, d = X.shape\n"
                        "    K = int(y.max()) + 1\n"
                        "    lam = 1.0 / (C * n)\n"
                        "    Xt = np.column_stack([X, np.ones(n)])\n"
                        "    step = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / (2 * n) + lam)\n"
                        "    W, b = np.zeros((K, d)), np.log(np.bincount(y, minlength=K) / n)\n"
                        "    for _ in range(max_iter):\n"
                        "        g_W, g_b = gradient(X, y, W, b)\n"
                        "        g_W = g_W + lam * W\n"
                        "        if max(np.abs(g_W).max(), np.abs(g_b).max()) <= tol:\n"
                        "            break\n"
                        "        W, b = W - step * g_W, b - step * g_b\n"
                        "    return W, b\n"},
         # the same model as the symmetric fit: only the convention check fails
         frozenset({"fit_centred"})),
    Case("proba_without_intercept", "predict_proba forgets b",
         {"predict_answer": replace_function(A06, "predict_answer", (
             "def predict_proba(X, W, b):\n"
             "    return softmax(X @ W.T)\n"))},
         frozenset({"predict_proba_values"})),
    Case("difference_reversed", "binary w = W[0] - W[1]: class 0 treated as positive",
         {"two_answer": replace_function(A06, "two_answer", (
             "def binary_from_softmax(W, b):\n"
             "    return W[0] - W[1], float(b[0] - b[1])\n"))},
         frozenset({"binary_from_softmax_values"})),
]

ATTACKS_06 = [
    Case("scipy_logsumexp", "logsumexp is scipy.special.logsumexp",
         {"lse_answer": replace_function(A06, "lse_answer", (
             "def logsumexp(Z):\n"
             "    from scipy.special import logsumexp as lse\n"
             "    return lse(Z, axis=1)\n"))},
         frozenset({"logsumexp_values", "log_softmax_stable"})),
]

WRONG = {"01-sigmoid": WRONG_01, "02-log-odds": WRONG_02, "03-maximum-likelihood": WRONG_03,
         A04: WRONG_04, A05: WRONG_05, A06: WRONG_06}
ATTACKS = {"01-sigmoid": ATTACKS_01, "02-log-odds": ATTACKS_02,
           "03-maximum-likelihood": ATTACKS_03, A04: ATTACKS_04, A05: ATTACKS_05,
           A06: ATTACKS_06}


def namespace(assignment_id: str, case: Case | None = None) -> dict:
    """The learner's functions, executed here (only for trusted code: solutions, mistakes)."""
    from logreg_course.grading.specs import get_spec

    ns: dict = {}
    exec(get_spec(assignment_id).preamble, ns)
    answers = solution_code(assignment_id)
    if case is not None:
        answers.update(case.edits)
    nb = nbformat.read(str(source_notebook(assignment_id)), as_version=4)
    for cell in nb.cells:  # in notebook order, as a kernel would
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            exec(answers[gid], ns)
    return ns


def judge_in_process(assignment_id: str, ns: dict, salt: int | None = None) -> dict:
    """{grade id: message} of the checks that fail, judged in this process exactly as the
    grading kernel judges them (`logreg_course.grading.judge`, stand-ins included)."""
    import warnings

    from logreg_course.grading import standins
    from logreg_course.grading.calls import Monitor
    from logreg_course.grading.checks import Context
    from logreg_course.grading.judge import judge
    from logreg_course.grading.policy import Policy
    from logreg_course.grading.specs import get_spec

    ctx, monitor, failed = Context(salt), Monitor(Policy()), {}
    text = standins.source(assignment_id)
    trusted, order = standins.load(assignment_id, text), standins.graded_order(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gid, check in get_spec(assignment_id).checks.items():
            verdict = judge(check, ctx, ns.get, monitor, trusted=trusted, order=order)
            if not verdict.passed:
                failed[gid] = verdict.message
    return failed
