"""Submissions that stress the grading command: damaged files and attacks.

Built from the student version of 01-sigmoid (what learners get) and the
solution's answers, like `logreg_course.instructor.synthetic`. Each entry is
``(files, expectation)``: ``files`` maps a file name in the student's
submission folder to its bytes; ``expectation`` says what `grade` must do.
"""

from __future__ import annotations

import copy
import json
import warnings

import nbformat

from logreg_course.instructor.synthetic import MISTAKES, fill, solution_answers

NB = "01-sigmoid.ipynb"


def _bytes(nb) -> bytes:
    with warnings.catch_warnings():  # duplicate cell ids are the point of some entries
        warnings.simplefilter("ignore")
        return nbformat.writes(nb).encode()


def _answers(source):
    right = solution_answers(source)
    right["explain_overflow"] = "exp(1000) overflows; the stable form computes exp(-|z|) only."
    return right


def _add_cell(nb, index, source, cell_type="code"):
    nb = copy.deepcopy(nb)
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    nb.cells.insert(index, make(source))
    return nb


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells)
                if (c.metadata.get("nbgrader") or {}).get("grade_id") == grade_id)


def _append_to(nb, grade_id, code):
    nb = copy.deepcopy(nb)
    cell = nb.cells[_index(nb, grade_id)]
    cell.source = cell.source + "\n" + code
    return nb


def honest(source, student):
    """Correct, partially wrong and blank submissions with their exact autograded scores."""
    right = _answers(source)
    wrong = dict(right, sigmoid_answer=MISTAKES["01-sigmoid"]["sigmoid_answer"],
                 predict_answer=MISTAKES["01-sigmoid"]["predict_answer"])
    # correct but slow: each call of predict takes half a second (two seconds for a test cell,
    # well within the kernel's limit); the re-check gives each call a budget from that time
    slow = dict(right, predict_answer="import time\n\n\n" + right["predict_answer"].replace(
        "    return (predict_proba", "    time.sleep(0.5)\n    return (predict_proba"))
    # correct, with pandas (which only the notebook can import): the re-check cannot decide
    # predict_proba's parts, so their points stand for a review
    pandas = dict(right, predict_proba_answer=(
        "import pandas as pd\n\n\n"
        "def predict_proba(X, w, b):\n"
        "    return pd.Series(sigmoid(X @ w + b)).to_numpy()\n"))
    old = fill(student, right)  # released with an earlier version of the course
    old.metadata["logreg_course"] = {"version": "0.0.9"}
    return {
        "h-correct": ({NB: _bytes(fill(student, right))}, {"auto": 17.0}),
        "h-old-version": ({NB: _bytes(old)}, {"auto": 17.0, "flag": "version"}),
        "h-slow": ({NB: _bytes(fill(student, slow))}, {"auto": 17.0, "no-flag": "recheck"}),
        "h-pandas": ({NB: _bytes(fill(student, pandas))},
                     {"auto": 17.0, "review": {"predict_proba_values",
                                               "predict_proba_breast_cancer"}}),
        # unstable sigmoid: -2 (stability); threshold on logits: -2 (both predict parts)
        "h-partial": ({NB: _bytes(fill(student, wrong))}, {"auto": 13.0}),
        "h-blank": ({NB: _bytes(student)}, {"auto": 0.0}),
    }


def malformed(source, student):
    """Damaged submissions: each is reported; the repairable ones are graded in full."""
    right = _answers(source)
    good = fill(student, right)
    stripped = copy.deepcopy(good)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    dup_test = copy.deepcopy(good)
    i = _index(dup_test, "sigmoid_values")
    dup_test.cells.insert(i + 1, copy.deepcopy(dup_test.cells[i]))
    dup_answer = copy.deepcopy(good)
    i = _index(dup_answer, "sigmoid_answer")
    dup_answer.cells.insert(i + 1, copy.deepcopy(dup_answer.cells[i]))
    damaged = copy.deepcopy(good)
    damaged.cells[_index(damaged, "logit_answer")].metadata["nbgrader"] = {
        "grade_id": "logit_answer", "solution": "yes"}
    markdown = copy.deepcopy(good)
    j = _index(markdown, "predict_answer")
    cell = markdown.cells[j]
    markdown.cells[j] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    no_ids = json.loads(nbformat.writes(good))
    for c in no_ids["cells"]:
        c.pop("id", None)
    no_ids["nbformat_minor"] = 4
    deleted_test = copy.deepcopy(good)
    del deleted_test.cells[_index(deleted_test, "logit_values")]
    text = nbformat.writes(good)
    return {
        "m-invalid-json": ({NB: text[: len(text) // 2].encode()},
                           {"failed": "not valid JSON"}),
        "m-not-a-notebook": ({NB: b'{"hello": "world"}'}, {"failed": "not a Jupyter notebook"}),
        "m-binary": ({NB: b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"}, {"failed": "not UTF-8"}),
        "m-empty-file": ({NB: b""}, {"failed": "empty"}),
        "m-no-notebook": ({"notes.txt": b"I could not finish"}, {"failed": "no notebook"}),
        "m-renamed": ({"01-sigmoid (1).ipynb": _bytes(good)},
                      {"auto": 17.0, "note": "graded as 01-sigmoid.ipynb"}),
        "m-copy-of": ({"Copy of 01_Sigmoid.ipynb": _bytes(good)}, {"auto": 17.0}),
        "m-stripped-metadata": ({NB: _bytes(stripped)},
                                {"auto": 17.0, "note": "grading metadata restored"}),
        "m-duplicate-test": ({NB: _bytes(dup_test)},
                             {"auto": 17.0, "note": "duplicate of grade cell"}),
        "m-duplicate-answer": ({NB: _bytes(dup_answer)}, {"auto": 17.0}),
        "m-damaged-metadata": ({NB: _bytes(damaged)}, {"auto": 17.0, "note": "damaged"}),
        "m-answer-to-markdown": ({NB: _bytes(markdown)}, {"auto": 17.0}),
        "m-no-cell-ids": ({NB: json.dumps(no_ids).encode()}, {"auto": 17.0}),
        "m-deleted-test": ({NB: _bytes(deleted_test)}, {"auto": 17.0}),
        "m-kernel-killed": ({NB: _bytes(_append_to(good, "logit_answer",
                                                   "import os\nos._exit(3)"))},
                            {"failed": "kernel died while running cell 'logit_answer'"}),
        "m-endless-loop": ({NB: _bytes(_append_to(
            good, "predict_answer", "while True:\n    pass"))},
            {"auto": 17.0, "flag": "timeout"}),
        "m-stubborn-loop": ({NB: _bytes(_append_to(
            good, "predict_answer",
            "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
            "    except KeyboardInterrupt:\n        pass"))},
            {"failed": "could not be interrupted"}),
        "m-huge-output": ({NB: _bytes(_append_to(
            good, "sigmoid_answer", "for i in range(300000):\n    print('x' * 50, i)"))},
            {"auto": 17.0, "flag": "output-limit"}),
        "m-memory-hog": ({NB: _bytes(_append_to(
            good, "sigmoid_answer", "try:\n    big = np.ones(10**10)\nexcept MemoryError:\n"
            "    print('no memory')"))}, {"auto": 17.0}),
        "m-sys-exit": ({NB: _bytes(_append_to(good, "predict_answer",
                                              "import sys\nsys.exit(0)"))}, {"auto": 17.0}),
    }


ATTACKS = {
    # rewrites every later cell that mentions the grader into `pass`: in-kernel full marks
    "a-input-transformer": (
        "sigmoid_answer",
        "ip = get_ipython()\n"
        "ip.input_transformers_cleanup.append(\n"
        "    lambda lines: ['pass\\n'] if any('_lrc_grader' in l for l in lines) else lines)\n"),
    "a-numpy-patch": (
        "sigmoid_answer",
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, **k: True\n"
        "def sigmoid(z):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"),
    "a-reference-call": (
        "sigmoid_answer",
        "import logreg_ref\n"
        "def sigmoid(z):\n    return logreg_ref.sigmoid(z)\n"
        "def log_sigmoid(z):\n    return logreg_ref.log_sigmoid(z)\n"),
    "a-scipy": (
        "sigmoid_answer",
        "from scipy.special import expit\ndef sigmoid(z):\n    return expit(z)\n"),
    "a-gradebook": (
        "sigmoid_answer",
        "import sqlite3\n"
        "try:\n    db = sqlite3.connect('../../../gradebook.db')\n"
        "    db.execute('UPDATE grade SET extra_credit = 100')\n    db.commit()\n"
        "except Exception as exc:\n    print('blocked:', exc)\n"),
    "a-always-equal": (
        "sigmoid_answer",
        "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        return np.zeros(1)\n"
        "def sigmoid(z):\n    return Anything(0.5)\n"),
    "a-frame-peek": (
        "sigmoid_answer",
        "import sys\ndef sigmoid(z):\n    f = sys._getframe(1)\n"
        "    return f.f_locals.get('expected', np.zeros_like(z))\n"),
    "a-fake-grader": (
        "sigmoid_answer",
        "class _Pass:\n    def check(self, grade_id):\n        return None\n"
        "_lrc_grader = _Pass()\n"),
    "a-builtins": (
        "sigmoid_answer",
        "import builtins\nbuiltins.abs = lambda x: 0\n"),
    # breaks the kernel itself (ipykernel calls isinstance): the submission cannot be graded
    "a-builtins-isinstance": (
        "sigmoid_answer",
        "import builtins\nbuiltins.isinstance = lambda *a: True\n"),
    "a-read-solutions": (
        "sigmoid_answer",
        "try:\n    print(open('../../../solutions/01-sigmoid/01-sigmoid.ipynb').read()[:100])\n"
        "except Exception as exc:\n    print('blocked:', exc)\n"),
    "a-network": (
        "sigmoid_answer",
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "except Exception as exc:\n    print('blocked:', exc)\n"),
}


def adversarial(source, student):
    """Attacks on the blank student version: each deserves 0 autograded points and a flag."""
    out = {}
    for name, (gid, code) in ATTACKS.items():
        out[name] = ({NB: _bytes(_append_to(student, gid, code))}, {"auto": 0.0, "flagged": True})
    before = _add_cell(student, 0, "get_ipython().ast_transformers.clear()\nx = 1")
    out["a-before-setup"] = ({NB: _bytes(before)}, {"auto": 0.0, "flagged": True})
    out["a-shadow-module"] = ({NB: _bytes(student),
                               "logreg_ref.py": b"def sigmoid(z):\n    return z\n"},
                              {"auto": 0.0, "flagged": True})
    return out
