"""The similarity check: normalisation rules, the corpus (copies flagged, independent
solutions not), short functions, and the ``similarity`` command on a course copy.

No grading here: the check reads notebooks and parses code, so the tests build
notebooks and course folders directly (the command runs once, on a course
copy whose submissions are written straight into ``submitted/``).
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest
import similarity_corpus as C
from _cli_helpers import REPO, make_course, run_cli

from logreg_course.instructor.similarity import (
    DEFAULT_MIN_TOKENS,
    DEFAULT_THRESHOLD,
    compare_units,
    graded_functions,
    render_html,
    render_text,
    units_from_notebook,
)
from logreg_course.instructor.synthetic import fill, solution_answers

SOURCES = {"gradient_descent": "03-maximum-likelihood", "fit_logistic": "03-maximum-likelihood",
           "hessian": "03-maximum-likelihood", "sigmoid": "01-sigmoid"}


def _nb(*cells):
    return {"cells": [{"cell_type": "code", "source": c, "metadata": {}} for c in cells]}


def _unit(code, owner, fn, reference=False, preamble="import numpy as np"):
    units, problems = units_from_notebook(_nb(preamble, code), {fn: f"{fn}_answer"}, owner,
                                          reference)
    assert not problems
    return units[fn]


def _published(fn):
    aid = SOURCES[fn]
    source = json.loads((REPO / "solutions" / aid / f"{aid}.ipynb").read_text())
    units, _ = units_from_notebook(source, graded_functions(source), "published solution",
                                   reference=True)
    return units[fn]


def _same(a: str, b: str) -> bool:
    """Do two definitions of f (in a notebook that imports numpy as np) normalise to the
    same code?"""
    return _unit(a, "a", "f").normal == _unit(b, "b", "f").normal


# --- the rules, one by one -----------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    # comments, docstrings, layout and parentheses
    ("def f(z):\n    '''Doc.'''\n    return (z + 1)  # c\n",
     "def f(z):\n    return z+1\n"),
    # arguments and locals renamed by first use; type annotations dropped
    ("def f(x: float, w) -> float:\n    t: float = x * w\n    return t\n",
     "def f(a, b):\n    c = a * b\n    return c\n"),
    # import aliases: np, numpy, xp and a from-import are the same module
    ("def f(z):\n    return np.exp(z)\n", "import numpy as xp\ndef f(z):\n    return xp.exp(z)\n"),
    ("def f(z):\n    return np.exp(z)\n", "from numpy import exp\ndef f(z):\n    return exp(z)\n"),
    # numbers: 1 == 1.0 == 1., folded arithmetic, a negative literal
    ("def f(z):\n    return 1.0 / (1. + z) - 0.5\n", "def f(z):\n    return 1 / (1 + z) - 1/2\n"),
    # strings are all alike (messages are personal); f-strings too
    ("def f(p):\n    raise ValueError('bad p')\n",
     "def f(p):\n    raise ValueError(f'p={p} is not a probability')\n"),
    # x += y is x = x + y; keyword order; print and pass dropped; return None is return
    ("def f(z):\n    z += 1\n    print(z)\n    pass\n    return None\n",
     "def f(z):\n    z = z + 1\n    return\n"),
    ("def f(z):\n    return np.asarray(z, dtype=float, order='C')\n",
     "def f(z):\n    return np.asarray(z, order='C', dtype=float)\n"),
    # independent lines in either order
    ("def f(X, y):\n    X = np.asarray(X)\n    y = np.asarray(y)\n    n = len(y)\n"
     "    d = X.shape[1]\n    return n * d\n",
     "def f(X, y):\n    y = np.asarray(y)\n    X = np.asarray(X)\n    d = X.shape[1]\n"
     "    n = len(y)\n    return n * d\n"),
])
def test_each_normalisation_rule_makes_equal(a, b):
    assert _same(a, b)


@pytest.mark.parametrize("a, b", [
    # a dependent line does not move: reading before or after an assignment differs
    ("def f(z):\n    a = z + 1\n    z = z * 2\n    return a + z\n",
     "def f(z):\n    z = z * 2\n    a = z + 1\n    return a + z\n"),
    # different functions of numpy stay different (attribute names carry the meaning)
    ("def f(z):\n    return np.exp(z)\n", "def f(z):\n    return np.expm1(z)\n"),
    # different numbers stay different
    ("def f(z):\n    return z > 0.5\n", "def f(z):\n    return z > 0\n"),
    # a global name (another graded function) is not renamed
    ("def f(z):\n    return sigmoid(z)\n", "def f(z):\n    return logit(z)\n"),
])
def test_what_changes_meaning_stays_different(a, b):
    assert not _same(a, b)


def test_stubs_and_unparsable_cells_are_not_compared():
    stub = ('def sigmoid(z):\n    """Doc."""\n    # YOUR CODE HERE\n'
            "    raise NotImplementedError()\n")
    units, problems = units_from_notebook(_nb(stub), {"sigmoid": "g"}, "x")
    assert units == {} and problems == []
    broken = "def sigmoid(z)\n    return z\n"
    units, problems = units_from_notebook(_nb(broken), {"sigmoid": "g"}, "x")
    assert units == {} and "does not parse" in problems[0]
    # the last definition is the one compared (it is the one the kernel uses)
    units, _ = units_from_notebook(_nb("def sigmoid(z):\n    return 1\n",
                                       "def sigmoid(z):\n    return np.tanh(z)\n"),
                                   {"sigmoid": "g"}, "x")
    assert "tanh" in units["sigmoid"].normal


def test_the_function_is_shown_exactly_as_written():
    code = C.COPIES["gradient_descent"]["renamed"]  # starts with blank lines and an import
    unit = _unit(code, "x", "gradient_descent")
    assert unit.source == code[code.index("def "):].rstrip()


def test_malformed_notebooks_are_reported_not_fatal():
    units, problems = units_from_notebook([], {"f": "g"}, "x")
    assert units == {} and problems == ["not a notebook (no list of cells)"]
    nb = {"cells": ["a string, not a cell", {"cell_type": "code", "source": "def f(z):\n"
                                             "    return " + "(" * 300 + "z" + ")" * 300}]}
    units, problems = units_from_notebook(nb, {"f": "g"}, "x")
    assert units == {} or "f" in units  # parsed or refused, never a crash
    deep = {"cells": [{"cell_type": "code",
                       "source": "def f(z):\n    return " + "-" * 50000 + "z\n"}]}
    units, problems = units_from_notebook(deep, {"f": "g"}, "x")
    assert units == {} and problems, "a pathological cell is named, not compared"


# --- the corpus ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", sorted(C.SOLUTION_MARKERS))
def test_the_corpus_was_written_against_the_current_solutions(fn):
    assert C.SOLUTION_MARKERS[fn] in _published(fn).source, (
        f"the published {fn} changed: update tests/grading_cli/similarity_corpus.py")
    assert C.SOLUTION_MARKERS[fn] in C.COPIES[fn]["verbatim"]


def _namespace(aid):
    """The published solutions of an assignment, executed (with numpy and its setup)."""
    import logreg_ref

    ns = {"np": np, "sigmoid": logreg_ref.sigmoid}
    source = nbformat.read(str(REPO / "solutions" / aid / f"{aid}.ipynb"), 4)
    for code in solution_answers(source).values():
        if code.lstrip().startswith(("def ", "from ", "import ")):
            exec(code, ns)  # our own published solutions
    return ns


def _outputs(fn, ns):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=40) > 0).astype(float)
    if fn == "gradient_descent":
        return ns[fn](X, y, 0.5, 25)
    if fn == "fit_logistic":
        return ns[fn](X, y)
    if fn == "hessian":
        return ns[fn](X, np.array([0.3, -0.2, 0.1]), 0.4)
    return ns[fn](np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0]))


@pytest.mark.parametrize("fn, name", [(fn, n) for fn, d in C.INDEPENDENT.items() for n in d]
                         + [(fn, n) for fn, d in C.COPIES.items() for n in d])
def test_every_corpus_entry_is_a_correct_implementation(fn, name):
    """Independent solutions are genuinely correct (so 'not flagged' means something)."""
    code = C.INDEPENDENT.get(fn, {}).get(name) or C.COPIES[fn][name]
    ns = _namespace(SOURCES[fn])
    expected = _outputs(fn, ns)
    exec(code, ns)  # the corpus, written here
    got = _outputs(fn, ns)
    if fn == "sigmoid":
        expected, got = (expected,), (got,)
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn, name", [(fn, n) for fn, d in C.COPIES.items() for n in d])
def test_copies_of_the_published_solution_are_flagged(fn, name):
    published = _published(fn)
    copy = _unit(C.COPIES[fn][name], f"copy-{name}", fn)
    matches, summary = compare_units([published, copy])
    assert len(matches) == 1, f"{name} copy of {fn} not flagged"
    m = matches[0]
    assert m.score >= DEFAULT_THRESHOLD and m.with_solution and m.a.owner == f"copy-{name}"
    if name in ("verbatim", "renamed", "reformatted"):
        assert m.score == 1.0  # nothing but names and layout changed
    assert summary.clusters == [sorted([f"copy-{name}", "published solution"])]


@pytest.mark.parametrize("fn", sorted(C.INDEPENDENT))
def test_independent_solutions_are_not_flagged(fn):
    units = [_published(fn)] + [_unit(code, f"own-{name}", fn)
                                for name, code in C.INDEPENDENT[fn].items()]
    matches, summary = compare_units(units)
    assert matches == [], [(m.a.owner, m.b.owner, round(m.score, 2)) for m in matches]
    assert summary.clusters == []
    # and not by a hair: every independent pair stays well below the threshold
    from rapidfuzz.distance import Indel

    worst = max(Indel.normalized_similarity(a.body, b.body)
                for i, a in enumerate(units) for b in units[i + 1:])
    assert worst < DEFAULT_THRESHOLD - 0.1


def test_a_copy_between_learners_is_flagged_as_a_pair():
    fn = C.PAIR["function"]
    units = [_published(fn), _unit(C.PAIR["original"], "ada", fn),
             _unit(C.PAIR["copy"], "alan", fn),
             _unit(C.INDEPENDENT[fn]["while-loop"], "grace", fn)]
    matches, summary = compare_units(units)
    assert [(m.a.owner, m.b.owner) for m in matches] == [("ada", "alan")]
    assert summary.clusters == [["ada", "alan"]]


def test_short_functions_are_never_flagged_and_say_why():
    units = [_unit(code, f"s{i}", "predict") for i, code in enumerate(C.SHORT["predict"])]
    units += [_unit(C.SHORT["predict"][0], "twin", "predict")]  # identical to s0
    assert all(u.size < DEFAULT_MIN_TOKENS for u in units)
    matches, summary = compare_units(units)
    assert matches == [] and not summary.judged
    assert summary.largest_identical == 2
    # with no size floor the identical pair would be flagged: the floor is what spares it
    flagged, _ = compare_units(units, min_tokens=0)
    assert ("s0", "twin") in {(m.a.owner, m.b.owner) for m in flagged}


# --- the command on a course copy ----------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_course(tmp_path_factory):
    aid = "03-maximum-likelihood"
    root = make_course(tmp_path_factory.mktemp("similar") / "course", assignments=(aid,),
                       release=False)
    student = nbformat.read(str(REPO / "chapters" / "exercises" / f"{aid}.ipynb"), 4)
    cell = {"gradient_descent": "gradient_descent_answer", "fit_logistic": "fit_answer",
            "hessian": "hessian_answer"}
    subs: dict = {}
    for fn, cid in cell.items():
        for name, code in C.COPIES[fn].items():
            subs.setdefault(f"copy-{name}", {})[cid] = code
        for name, code in C.INDEPENDENT[fn].items():
            subs.setdefault(f"own-{name}", {})[cid] = code
    subs["pair-copy"] = {cell[C.PAIR["function"]]: C.PAIR["copy"]}
    for sid, answers in subs.items():
        folder = root / "submitted" / sid / aid
        folder.mkdir(parents=True)
        nbformat.write(fill(student, answers), str(folder / f"{aid}.ipynb"))
    (root / "submitted" / "broken" / aid).mkdir(parents=True)
    (root / "submitted" / "broken" / aid / f"{aid}.ipynb").write_text("not json")
    return root, aid


def test_similarity_command_lists_copies_and_spares_independent_work(corpus_course):
    root, aid = corpus_course
    proc = run_cli("similarity", aid, "--course", root, check=1)
    out = proc.stdout
    assert "a reason to look, not proof" in out
    flagged_lines = [line for line in out.splitlines() if "  ~  " in line]
    flagged = {tuple(part.strip() for part in line.split(":")[0].split("~"))
               for line in flagged_lines}
    assert ("copy-verbatim", "published solution") in flagged
    assert ("copy-renamed", "published solution") in flagged
    assert ("copy-reformatted", "published solution") in flagged
    assert ("copy-edited", "published solution") in flagged
    assert ("own-augmented", "pair-copy") in flagged
    # no independent solution is paired with anything but its own copier
    for a, b in flagged:
        if a.startswith("own-") or b.startswith("own-"):
            assert {a, b} == {"own-augmented", "pair-copy"}, (a, b)
    assert "broken: 03-maximum-likelihood.ipynb is not a readable notebook" in out
    page = root / "exports" / f"similarity-{aid}.html"
    text = page.read_text()
    assert "a reason to look, not proof" in text and "copy-renamed" in text
    assert "diff_chg" in text or "identical after normalisation" in text  # side by side


def test_similarity_page_is_not_overwritten_after_an_edit(corpus_course):
    root, aid = corpus_course
    page = root / "exports" / f"similarity-{aid}.html"
    run_cli("similarity", aid, "--course", root, check=1)  # our own page: replaced freely
    page.write_text(page.read_text() + "<!-- my notes -->")
    refused = run_cli("similarity", aid, "--course", root, check=2)
    assert "was changed since it was exported" in refused.stderr
    assert page.read_text().endswith("<!-- my notes -->")
    run_cli("similarity", aid, "--course", root, "--force", check=1)
    kept = list(page.parent.glob(f"similarity-{aid}.edited-*.html"))
    assert len(kept) == 1 and kept[0].read_text().endswith("<!-- my notes -->")
    assert not page.read_text().endswith("<!-- my notes -->")


def test_text_and_html_say_what_was_not_judged():
    units = [_unit(C.SHORT["predict"][0], f"s{i}", "predict") for i in range(3)]
    from logreg_course.instructor.similarity import SimilarityResult

    matches, summary = compare_units(units)
    result = SimilarityResult("01-sigmoid", DEFAULT_THRESHOLD, DEFAULT_MIN_TOKENS,
                              students=["s0", "s1", "s2"], matches=matches,
                              functions={"predict": summary})
    assert "too short to judge (3 of 3 learners share its most common form)" in \
        render_text(result)
    assert "similar by necessity" in render_html(result)
