"""Similar graded functions: who may have copied the published solution, or each other.

The course's solutions are public (``solutions/``), so an instructor grading
for credit asks who handed in the published solution, lightly disguised, and
who handed in each other's work. This module answers with *reasons to look*,
never with proof: two learners can write the same short function
independently, and a learner can copy and rewrite well enough to look
different.

How it compares, in order:

1. **Units.** Each graded function is compared on its own: the functions
   defined in the source notebook's answer cells (``sigmoid``, ``gradient``,
   ...). From each submission the *last* top-level definition of that name in
   any code cell is taken (the one the kernel would use). A function that was
   not answered (its body is still the stub: ``raise NotImplementedError``,
   ``pass`` or ``...``) is left out.
2. **Normalisation** (`normalise`), so that what only *looks* different
   compares equal; each rule is one an instructor can check by eye:

   * the code is parsed (Python's ``ast``; IPython magics are turned into
     calls first): comments, blank lines, line breaks, parentheses and
     spacing are gone;
   * docstrings, type annotations, ``print(...)`` calls and ``pass`` are
     dropped;
   * the function's arguments and local variables are renamed ``v0, v1, ...``
     in order of first use; names it does not define (``np``, ``sigmoid``,
     built-ins) and attribute names (``.exp``, ``.T``) are kept, because they
     carry the meaning; an import alias is replaced by the module
     (``import numpy as xp`` -> ``numpy``);
   * numbers are folded: ``1``, ``1.0`` and ``1.`` are the same number,
     ``2 * 0.5`` is ``1``, ``-1`` is one constant; every string literal is
     ``'…'`` (error messages are personal, not structure);
   * ``x += y`` is ``x = x + y``; keyword arguments are sorted by name;
     ``return None`` is ``return``;
   * **independent lines**: within a block, a run of consecutive assignments
     is put in a canonical order, keeping every line after the lines whose
     names it reads or writes. Two learners who compute ``n`` and ``d`` in
     either order compare equal; nothing that changes the result moves.

   The signature line (the same for every learner: it is given) is not
   compared, only the body.
3. **Score.** RapidFuzz's ``Indel.normalized_similarity`` of the two
   normalised bodies as Python token streams: 2 x (the longest common
   subsequence of tokens) / (tokens of both), i.e. the share of tokens that
   line up, in the same order, once the fewest insertions and deletions are
   made. 1.0 means identical after normalisation. It is what
   ``difflib.SequenceMatcher.ratio`` approximates (the standard library's
   matcher finds matching blocks greedily, so it can only score lower), but
   exact and computed in C++: a class of a thousand is compared in seconds,
   per function. RapidFuzz is maintained and already installed with
   nbgrader. The MOSS-style package ``copydetect`` compares whole files with
   winnowed fingerprints and ``pycode-similar`` is unmaintained (2020):
   neither compares per function after this normalisation. The
   side-by-side pages use ``difflib.HtmlDiff``.
4. **Short functions.** A one-line function is similar by necessity: every
   correct ``predict`` is ``(predict_proba(X, w, b) >= threshold).astype(int)``
   or close to it. A pair is therefore only *flagged* when both bodies have
   at least `DEFAULT_MIN_TOKENS` normalised tokens; shorter functions are
   listed as "too short to judge", with their size and how many learners
   share the most common form. For each function the report also shows the
   class's baseline: the median score of all pairs of learners, so that 0.95
   on a function where the class median is 0.90 is read for what it is.
5. **Pairs and clusters.** Every submission is compared with the published
   solutions (the course's own source notebook, and any further notebooks
   given, e.g. the public repository's when the course is a private variant)
   and with every other submission, per function. A pair is flagged when its
   score is at least the threshold (`DEFAULT_THRESHOLD`). Clusters are the
   connected groups of flagged pairs of one function (a published solution
   can be a member).

The threshold was chosen on the corpus in ``tests/grading_cli/
similarity_corpus.py``: verbatim, renamed, reformatted and lightly edited
copies score 0.93-1.00; independent correct solutions of the same function
score 0.26-0.74 against each other and against the published one (0.74: a
gradient descent that keeps its state in a dict but otherwise follows the
textbook loop, like the published solution). The README's instructor guide
gives the numbers.

Identical normalised bodies are grouped first; the distinct ones are compared
all against all with ``rapidfuzz.process.cdist`` (a score cut-off at the
threshold, in blocks, so memory stays bounded), and the pairs it keeps are
scored again one by one for the exact number shown.
"""

from __future__ import annotations

import ast
import copy
import difflib
import html
import io
import json
import math
import random
import statistics
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_MIN_TOKENS", "DEFAULT_THRESHOLD", "Match", "SimilarityResult", "Unit",
           "compare_units", "find_similar", "normalise", "render_html", "render_text",
           "units_from_notebook"]

#: Flag a pair of functions at or above this score (0..1).
DEFAULT_THRESHOLD = 0.9
#: Never flag a function whose normalised body has fewer tokens than this (either side).
DEFAULT_MIN_TOKENS = 30

DISCLAIMER = ("Similarity is a reason to look, not proof of copying: short or standard "
              "functions look alike when written independently, and learners may work from "
              "the same lecture code. Read the functions side by side, and hear the learner, "
              "before you decide anything.")

_STUB_CALLS = {"NotImplementedError"}


# --- normalisation -----------------------------------------------------------------------------

def _is_docstring(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _is_print(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "print")


def _number(value):
    """One canonical Python number for ``value`` (ints and integral floats coincide)."""
    if isinstance(value, bool) or not isinstance(value, int | float | complex):
        return value
    if isinstance(value, complex):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return float(f"{value:.12g}") if math.isfinite(value) else value
    return value


_FOLD = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
         ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
         ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
         ast.Pow: lambda a, b: a ** b}


def _numeric(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool))


class _Canonical(ast.NodeTransformer):
    """Rules that need no knowledge of scopes: docstrings, annotations, numbers, strings,
    ``+=``, keyword order, ``print``, ``pass``, ``return None``, import aliases."""

    def __init__(self, aliases: dict[str, str], local: set[str]):
        self.aliases = aliases  # alias -> module or module.attr
        self.local = local

    def _body(self, body):
        out = []
        for stmt in body:
            if isinstance(stmt, ast.Pass) or _is_print(stmt):
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue  # docstrings, string "comments", a bare ...
            new = self.visit(stmt)
            if new is None:
                continue
            out.extend(new if isinstance(new, list) else [new])
        return out or [ast.Pass()]

    def generic_visit(self, node):
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    setattr(node, name, self._body(value))
                    continue
                new_list = []
                for item in value:
                    if isinstance(item, ast.AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                    new_list.append(item)
                setattr(node, name, new_list)
            elif isinstance(value, ast.AST):
                new = self.visit(value)
                if new is None:
                    delattr(node, name)
                else:
                    setattr(node, name, new)
        return node

    def visit_FunctionDef(self, node):
        node.returns = None
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                  node.args.vararg, node.args.kwarg]:
            if a is not None:
                a.annotation = None
        if hasattr(node, "type_params"):
            node.type_params = []
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node):
        if node.value is None:
            return None
        return self.visit(ast.copy_location(
            ast.Assign(targets=[node.target], value=node.value), node))

    def visit_AugAssign(self, node):
        target_load = copy.deepcopy(node.target)
        for sub in ast.walk(target_load):
            if hasattr(sub, "ctx"):
                sub.ctx = ast.Load()
        value = ast.BinOp(left=target_load, op=node.op, right=node.value)
        return self.visit(ast.copy_location(
            ast.Assign(targets=[node.target], value=value), node))

    def visit_Constant(self, node):
        if isinstance(node.value, str | bytes):
            return ast.copy_location(ast.Constant("…"), node)
        return ast.copy_location(ast.Constant(_number(node.value)), node)

    def visit_JoinedStr(self, node):  # f-strings are strings
        return ast.copy_location(ast.Constant("…"), node)

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if _numeric(node.operand) and isinstance(node.op, ast.USub | ast.UAdd):
            value = -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
            return ast.copy_location(ast.Constant(_number(value)), node)
        return node

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        fold = _FOLD.get(type(node.op))
        if fold and _numeric(node.left) and _numeric(node.right):
            a, b = node.left.value, node.right.value
            if isinstance(node.op, ast.Pow) and abs(b) > 64:
                return node
            try:
                value = fold(a, b)
            except (ArithmeticError, ValueError):
                return node
            if isinstance(value, int | float) and (not isinstance(value, float)
                                                   or math.isfinite(value)):
                return ast.copy_location(ast.Constant(_number(value)), node)
        return node

    def visit_Call(self, node):
        node = self.generic_visit(node)
        named = sorted((k for k in node.keywords if k.arg), key=lambda k: k.arg)
        node.keywords = named + [k for k in node.keywords if not k.arg]
        return node

    def visit_Return(self, node):
        node = self.generic_visit(node)
        if isinstance(node.value, ast.Constant) and node.value.value is None:
            node.value = None
        return node

    def visit_Name(self, node):
        if node.id in self.aliases and node.id not in self.local:
            target = self.aliases[node.id]
            parts = target.split(".")
            new = ast.Name(id=parts[0], ctx=ast.Load())
            for p in parts[1:]:
                new = ast.Attribute(value=new, attr=p, ctx=ast.Load())
            return ast.copy_location(new, node)
        return node


def _bound_names(fn) -> set[str]:
    """Arguments and every name the function binds (its locals, as Python decides)."""
    names = set()
    args = fn.args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            names.add(a.arg)
    for node in ast.walk(fn):
        if node is fn:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if not isinstance(node, ast.ClassDef):
                a = node.args
                for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                    if x is not None:
                        names.add(x.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.difference_update(node.names)
    return names


def _names(node, local) -> tuple[set, set]:
    """(names read, names written) of a statement, among `local` names."""
    reads, writes = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in local:
            (writes if isinstance(sub.ctx, ast.Store | ast.Del) else reads).add(sub.id)
        elif isinstance(sub, ast.Call):
            # x.append(...), x.sort(): a method call may change its object
            f = sub.func
            while isinstance(f, ast.Attribute):
                f = f.value
            if isinstance(f, ast.Name) and f.id in local and f is not sub.func:
                writes.add(f.id)
        elif isinstance(sub, ast.Subscript | ast.Attribute) and isinstance(sub.ctx, ast.Store):
            base = sub.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in local:
                writes.add(base.id)
    return reads, writes


def _shape(stmt, local, params) -> str:
    """The sort key of independent lines: the statement with its local names blanked
    (arguments become their position, which every version shares)."""
    clone = copy.deepcopy(stmt)
    for sub in ast.walk(clone):
        if isinstance(sub, ast.Name) and sub.id in local:
            sub.id = f"a{params[sub.id]}" if sub.id in params else "_"
    return ast.dump(clone, annotate_fields=False)


def _reorder(body, local, params):
    """Canonical order of each run of consecutive assignments (dependencies kept)."""
    out, run = [], []

    def flush():
        if len(run) > 1:
            info = [(_names(s, local), _shape(s, local, params), s) for s in run]
            placed: list = []
            remaining = list(range(len(info)))
            while remaining:
                ready = []
                for j in remaining:
                    (rj, wj), _, _ = info[j]
                    blocked = False
                    for i in remaining:
                        if i >= j:
                            break
                        (ri, wi), _, _ = info[i]
                        if (wi & (rj | wj)) or (ri & wj):
                            blocked = True
                            break
                    if not blocked:
                        ready.append(j)
                pick = min(ready, key=lambda j: info[j][1])
                placed.append(info[pick][2])
                remaining.remove(pick)
            out.extend(placed)
        else:
            out.extend(run)
        run.clear()

    for stmt in body:
        for name in ("body", "orelse", "finalbody"):
            value = getattr(stmt, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(stmt, name, _reorder(value, local, params))
        if isinstance(stmt, ast.Try):
            for handler in stmt.handlers:
                handler.body = _reorder(handler.body, local, params)
        if isinstance(stmt, ast.Assign):
            run.append(stmt)
        else:
            flush()
            out.append(stmt)
    flush()
    return out


class _Rename(ast.NodeTransformer):
    """Local names -> v0, v1, ... in order of first appearance."""

    def __init__(self, local):
        self.local = local
        self.map: dict[str, str] = {}

    def _new(self, name):
        if name not in self.map:
            self.map[name] = f"v{len(self.map)}"
        return self.map[name]

    def visit_arg(self, node):
        if node.arg in self.local:
            node.arg = self._new(node.arg)
        return node

    def visit_Name(self, node):
        if node.id in self.local:
            node.id = self._new(node.id)
        return node

    def visit_FunctionDef(self, node, top=False):
        if not top and node.name in self.local:
            node.name = self._new(node.name)
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node):
        if node.name and node.name in self.local:
            node.name = self._new(node.name)
        self.generic_visit(node)
        return node


def normalise(fn: ast.FunctionDef, aliases: dict[str, str] | None = None) -> ast.FunctionDef:
    """The normalised copy of a function definition (see the module's docstring).

    Parameters
    ----------
    fn : ast.FunctionDef
        A parsed function (it is not modified).
    aliases : dict, optional
        Import aliases of the notebook, e.g. ``{"np": "numpy"}``.

    Returns
    -------
    ast.FunctionDef
        The normalised function; ``ast.unparse`` shows what is compared.

    Examples
    --------
    >>> import ast
    >>> a = ast.parse("def f(z):\\n    '''Doc.'''\\n    e = np.exp(-z)  # c\\n"
    ...               "    return 1.0 / (1.0 + e)").body[0]
    >>> b = ast.parse("def f(x):\\n    t=np.exp(-x)\\n    return 1/(1+t)").body[0]
    >>> ast.unparse(normalise(a)) == ast.unparse(normalise(b))
    True
    """
    aliases = aliases or {}
    fn = copy.deepcopy(fn)
    local = _bound_names(fn)
    fn = _Canonical(aliases, local).visit(fn)
    args = [*fn.args.posonlyargs, *fn.args.args, fn.args.vararg, *fn.args.kwonlyargs,
            fn.args.kwarg]
    params = {a.arg: i for i, a in enumerate(x for x in args if x is not None)}
    fn.body = _reorder(fn.body, local, params)
    renamer = _Rename(local)
    for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs, fn.args.vararg,
              fn.args.kwarg]:
        if a is not None:
            renamer.visit_arg(a)
    fn.args.defaults = [renamer.visit(d) for d in fn.args.defaults]
    fn.body = [renamer.visit(s) for s in fn.body]
    ast.fix_missing_locations(fn)
    return fn


def tokens(code: str) -> tuple[str, ...]:
    """Python tokens of `code` (names, operators, numbers; layout as NEWLINE/INDENT/DEDENT)."""
    out = []
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type in skip:
            continue
        if tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            out.append(tokenize.tok_name[tok.type])
        else:
            out.append(tok.string)
    return tuple(out)


# --- units: graded functions of a notebook -------------------------------------------------------

@dataclass
class Unit:
    """One graded function of one submission (or of a published solution)."""

    owner: str
    function: str
    grade_id: str
    source: str  # as written (the def, from the notebook)
    normal: str = ""  # normalised code (ast.unparse)
    body: tuple = ()  # tokens of the normalised body: what is compared
    reference: bool = False

    @property
    def size(self) -> int:
        return len(self.body)


def _cell_source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


_TRANSFORMER = None


def _parse_cell(code: str):
    """(tree, the code that was parsed) of a cell, IPython magics turned into calls;
    (None, code) when it does not parse."""
    global _TRANSFORMER
    if _TRANSFORMER is None:
        from IPython.core.inputtransformer2 import TransformerManager

        _TRANSFORMER = TransformerManager()
    try:
        code = _TRANSFORMER.transform_cell(code)
    except Exception:  # a cell IPython cannot read is parsed as it is
        pass
    try:
        return ast.parse(code), code
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, code


def _imports(tree, aliases):
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"


def _is_stub(fn) -> bool:
    body = [s for s in fn.body if not _is_docstring(s) and not isinstance(s, ast.Pass)
            and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body:
        return True
    if len(body) == 1 and isinstance(body[0], ast.Raise):
        exc = body[0].exc
        name = exc.func if isinstance(exc, ast.Call) else exc
        return isinstance(name, ast.Name) and name.id in _STUB_CALLS
    return False


def graded_functions(source_nb) -> dict[str, str]:
    """Function name -> grade id, for the functions defined in the answer cells of a
    source notebook (an nbgrader source or release notebook)."""
    out = {}
    for cell in source_nb.get("cells", []):
        meta = (cell.get("metadata", {}) or {}).get("nbgrader") or {}
        if cell.get("cell_type") != "code" or not meta.get("solution"):
            continue
        tree, _ = _parse_cell(_cell_source(cell))
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                out[node.name] = meta.get("grade_id", "")
    return out


def units_from_notebook(nb, functions: dict[str, str], owner: str, reference=False):
    """The graded functions of one notebook as normalised `Unit` objects.

    Parameters
    ----------
    nb : dict
        The notebook (nbformat's dict, or plain JSON).
    functions : dict
        Function name -> grade id (`graded_functions` of the source notebook).
    owner : str
        The student id (or a label for a published solution).
    reference : bool
        True for a published solution.

    Returns
    -------
    units : dict
        Function name -> `Unit`, for the functions that were answered.
    problems : list of str
        Cells that could not be parsed.
    """
    aliases: dict[str, str] = {}
    last: dict[str, tuple] = {}
    problems = []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return {}, ["not a notebook (no list of cells)"]
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        tree, code = _parse_cell(_cell_source(cell))
        if tree is None:
            if any(f"def {name}" in code for name in functions):
                problems.append(f"cell {i + 1} does not parse (a syntax error, or nested too "
                                "deeply): its functions are not compared")
            continue
        _imports(tree, aliases)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    node.name in functions:
                last[node.name] = (node, ast.get_source_segment(code, node) or ast.unparse(node))
    units = {}
    for name, (node, text) in last.items():
        if _is_stub(node):
            continue
        try:
            norm = normalise(node, dict(aliases))
            code = ast.unparse(norm)
            all_tokens = tokens(code)
        except (RecursionError, MemoryError, ValueError, tokenize.TokenError):
            problems.append(f"{name}: too deeply nested to normalise; not compared")
            continue
        # the body starts after the signature's NEWLINE INDENT
        start = all_tokens.index("INDENT") + 1 if "INDENT" in all_tokens else 0
        units[name] = Unit(owner, name, functions[name], text, code, all_tokens[start:],
                           reference)
    return units, problems


# --- comparison ---------------------------------------------------------------------------------

@dataclass
class Match:
    """A flagged pair: two versions of one function with a high score."""

    function: str
    a: Unit
    b: Unit
    score: float

    @property
    def size(self) -> int:
        return min(self.a.size, self.b.size)

    @property
    def with_solution(self) -> bool:
        return self.a.reference or self.b.reference


@dataclass
class FunctionSummary:
    function: str
    grade_id: str
    answered: int = 0
    median_size: float = 0.0
    baseline: float | None = None  # median score over pairs of learners
    largest_identical: int = 0  # learners sharing the most common normalised body
    judged: bool = True  # False: too short to flag
    clusters: list = field(default_factory=list)  # lists of owners


@dataclass
class SimilarityResult:
    """What `find_similar` found for one assignment."""

    assignment: str
    threshold: float
    min_tokens: int
    references: list = field(default_factory=list)  # labels of the published solutions
    students: list = field(default_factory=list)
    matches: list = field(default_factory=list)  # flagged Match objects, best first
    functions: dict = field(default_factory=dict)  # name -> FunctionSummary
    problems: list = field(default_factory=list)  # (owner, message)

    def pairs(self):
        """Pairs of owners with the functions they share, most functions first."""
        by_pair: dict = {}
        for m in self.matches:
            # a learner and a published solution: the learner first; else alphabetical
            key = (m.a.owner, m.b.owner) if m.with_solution else tuple(
                sorted((m.a.owner, m.b.owner)))
            by_pair.setdefault(key, []).append(m)
        return sorted(by_pair.items(), key=lambda kv: (
            -len(kv[1]), not kv[1][0].with_solution, -sum(m.size for m in kv[1]), kv[0]))

    @property
    def exit_code(self) -> int:
        return 1 if self.matches else 0


def _score(a, b) -> float:
    """2 x longest common subsequence / (len a + len b): RapidFuzz's Indel similarity."""
    from rapidfuzz.distance import Indel

    return float(Indel.normalized_similarity(a, b))


def _pairs_above(keys, threshold, block=512):
    """(i, j, score) for i < j with score >= threshold among the sequences `keys`."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    out = []
    for start in range(0, len(keys), block):
        scores = process.cdist(keys[start:start + block], keys,
                               scorer=Indel.normalized_similarity,
                               score_cutoff=max(threshold - 1e-6, 0.0), dtype=np.float32)
        for i, j in zip(*np.nonzero(scores), strict=True):
            i = int(i) + start
            if i < j:
                score = _score(keys[i], keys[j])
                if score >= threshold:
                    out.append((i, int(j), score))
    return out


def _clusters(edges, nodes) -> list[list[str]]:
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict = {}
    for n in nodes:
        groups.setdefault(find(n), []).append(n)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


def compare_units(units: list[Unit], threshold=DEFAULT_THRESHOLD,
                  min_tokens=DEFAULT_MIN_TOKENS, baseline_pairs=400, seed=0):
    """Flag the pairs of one function's versions that score at least `threshold`.

    Parameters
    ----------
    units : list of Unit
        Versions of one function: learners' and published solutions.
    threshold : float
        The score (0..1) at and above which a pair is flagged.
    min_tokens : int
        Pairs where either body is shorter are never flagged.
    baseline_pairs : int
        How many learner pairs (at most, sampled) give the baseline median.
    seed : int
        For the sample.

    Returns
    -------
    matches : list of Match
        The flagged pairs, best first.
    summary : FunctionSummary
    """
    if not units:
        raise ValueError("no units to compare")
    name = units[0].function
    learners = [u for u in units if not u.reference]
    summary = FunctionSummary(name, units[0].grade_id, answered=len(learners))
    if learners:
        summary.median_size = statistics.median(u.size for u in learners)
        counts: dict = {}
        for u in learners:
            counts[u.body] = counts.get(u.body, 0) + 1
        summary.largest_identical = max(counts.values())
    rng = random.Random(seed)
    pairs = [(i, j) for i in range(len(learners)) for j in range(i + 1, len(learners))]
    if len(pairs) > baseline_pairs:
        pairs = rng.sample(pairs, baseline_pairs)
    if pairs:
        summary.baseline = statistics.median(_score(learners[i].body, learners[j].body)
                                             for i, j in pairs)
    # group identical bodies, then compare the groups
    groups: dict = {}
    for u in units:
        groups.setdefault(u.body, []).append(u)
    keys = list(groups)
    matches = []
    for members in groups.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                matches.append(Match(name, members[x], members[y], 1.0))
    for i, j, score in _pairs_above(keys, threshold):
        for u in groups[keys[i]]:
            for v in groups[keys[j]]:
                matches.append(Match(name, u, v, score))
    # published solutions with each other are not news
    matches = [m for m in matches if not (m.a.reference and m.b.reference)]
    summary.judged = not learners or summary.median_size >= min_tokens
    flagged = [m for m in matches if m.size >= min_tokens]
    for m in flagged:  # the learner first, the published solution second
        if m.a.reference and not m.b.reference:
            m.a, m.b = m.b, m.a
    flagged.sort(key=lambda m: (-m.score, -m.size, m.a.owner, m.b.owner))
    summary.clusters = _clusters([(m.a.owner, m.b.owner) for m in flagged],
                                 sorted({u.owner for u in units}))
    return flagged, summary


def _read_notebook(path: Path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def find_similar(course, assignment: str, *, threshold=DEFAULT_THRESHOLD,
                 min_tokens=DEFAULT_MIN_TOKENS, solutions=(), students=None):
    """Compare the graded functions of every submission of `assignment`.

    Parameters
    ----------
    course : InstructorCourse
    assignment : str
    threshold, min_tokens
        See `compare_units`.
    solutions : iterable of path
        Further published solutions (notebooks, or folders holding
        ``<assignment>/*.ipynb`` or ``solutions/<assignment>/*.ipynb``), e.g. a
        checkout of the public course when grading a private variant. The
        course's own source notebooks are always included.
    students : list of str, optional
        Only these students (default: every one with a submission folder).

    Returns
    -------
    SimilarityResult
    """
    from ..assignments import REPO

    if not 0 < threshold <= 1:
        raise ValueError(f"--threshold must be in (0, 1], not {threshold}")
    notebooks = course.notebooks(assignment)
    result = SimilarityResult(assignment, threshold, min_tokens)
    extra = [Path(p) for p in solutions]
    for base in extra:
        if not base.exists():
            raise ValueError(f"--solutions {base} does not exist")
    public = REPO / "solutions" / assignment
    if public.is_dir() and public.resolve() != (course.source_directory
                                                / assignment).resolve():
        extra.append(public)  # the public course, when this course is a private copy

    def references(nb_name):
        yield "published solution", course.source_notebook(assignment, nb_name)
        for base in extra:
            for cand in (base, base / f"{nb_name}.ipynb", base / assignment / f"{nb_name}.ipynb",
                         base / "solutions" / assignment / f"{nb_name}.ipynb"):
                if cand.is_file() and cand.name == f"{nb_name}.ipynb":
                    yield f"published solution ({cand})", cand
                    break
            else:
                if base != public:
                    raise ValueError(f"--solutions {base}: no {nb_name}.ipynb of {assignment} "
                                     "in it (looked for <path>/<notebook>.ipynb, "
                                     "<path>/<assignment>/..., <path>/solutions/<assignment>/...)")

    by_function: dict[str, list[Unit]] = {}
    seen_refs = set()
    chosen = list(students) if students is not None else course.students(assignment)
    for nb_name in notebooks:
        functions = graded_functions(_read_notebook(course.source_notebook(assignment,
                                                                             nb_name)))
        for fn, gid in functions.items():
            result.functions.setdefault(fn, FunctionSummary(fn, gid))
        for label, path in references(nb_name):
            units, _ = units_from_notebook(_read_notebook(path), functions, label,
                                           reference=True)
            for u in units.values():
                key = (u.function, u.body)
                if key in seen_refs:  # the same solution twice (public = private copy)
                    continue
                seen_refs.add(key)
                by_function.setdefault(u.function, []).append(u)
                if label not in result.references:
                    result.references.append(label)
        for sid in chosen:
            path = course.submission_dir(sid, assignment) / f"{nb_name}.ipynb"
            if not path.is_file():
                result.problems.append((sid, f"no {nb_name}.ipynb"))
                continue
            try:
                nb = _read_notebook(path)
            except (OSError, ValueError) as exc:
                result.problems.append((sid, f"{nb_name}.ipynb is not a readable notebook "
                                             f"({exc.__class__.__name__})"))
                continue
            units, problems = units_from_notebook(nb, functions, sid)
            result.problems.extend((sid, p) for p in problems)
            for u in units.values():
                by_function.setdefault(u.function, []).append(u)
            if sid not in result.students:
                result.students.append(sid)
    for fn, units in by_function.items():
        flagged, summary = compare_units(units, threshold, min_tokens)
        result.functions[fn] = summary
        result.matches.extend(flagged)
    result.matches.sort(key=lambda m: (-m.score, -m.size, m.function, m.a.owner, m.b.owner))
    return result


# --- output --------------------------------------------------------------------------------------

def _short_note(result: SimilarityResult) -> list[str]:
    out = []
    for s in result.functions.values():
        if s.answered and not s.judged:
            out.append(f"{s.function}: median {s.median_size:g} tokens, under "
                       f"{result.min_tokens}: too short to judge ({s.largest_identical} of "
                       f"{s.answered} learners share its most common form)")
    return out


def render_text(result: SimilarityResult, limit: int = 40) -> str:
    """A plain-text summary for the terminal."""
    lines = [f"Similarity of {result.assignment}: {len(result.students)} submission(s), "
             f"compared per graded function with each other and with "
             f"{len(result.references)} published solution(s).",
             f"Threshold {result.threshold:.2f}; functions under {result.min_tokens} "
             "normalised tokens are not flagged.", DISCLAIMER, ""]
    if not result.matches:
        lines.append("No pair at or above the threshold.")
    else:
        lines.append(f"Flagged pairs ({len(result.pairs())}), most shared functions first:")
        for (a, b), ms in result.pairs()[:limit]:
            parts = ", ".join(f"{m.function} {m.score:.2f} ({m.size} tokens)" for m in ms)
            lines.append(f"  {a}  ~  {b}: {parts}")
        if len(result.pairs()) > limit:
            lines.append(f"  ... and {len(result.pairs()) - limit} more (see the HTML page)")
        lines.append("")
        lines.append("Clusters (per function):")
        for s in result.functions.values():
            for cluster in s.clusters:
                lines.append(f"  {s.function}: {', '.join(cluster)}")
    notes = _short_note(result)
    if notes:
        lines += ["", "Not judged (similar by necessity):"] + [f"  {n}" for n in notes]
    if result.problems:
        lines += ["", "Not compared:"] + [f"  {o}: {p}" for o, p in result.problems]
    return "\n".join(lines)


_CSS = """
.sim table.diff { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px;
  border: 1px solid #ddd; margin: 4px 0 14px 0; width: 100%; }
.sim table.diff td { padding: 0 4px; border: none; vertical-align: top; white-space: pre-wrap; }
.sim .diff_header { background: #f0f0f0; color: #777; text-align: right; }
.sim td.diff_next { display: none; }
.sim .diff_add { background: #dff5df; } .sim .diff_chg { background: #fff1b8; }
.sim .diff_sub { background: #fbdcdc; }
.sim .disclaimer { border-left: 4px solid #b26a00; background: #fff8e6; padding: 6px 10px; }
.sim details { margin: 4px 0 10px 0; } .sim summary { cursor: pointer; }
.sim table.sbs { width: 100%; table-layout: fixed; border: 1px solid #ddd; }
.sim table.sbs td { vertical-align: top; border-right: 1px solid #eee; }
.sim table.sbs pre { margin: 0; font-size: 12px; white-space: pre-wrap; }
"""


def _e(x) -> str:
    return html.escape(str(x))


def _two_columns(a: str, b: str, left: str, right: str) -> str:
    """The two functions as written, next to each other (no highlighting: comments and
    docstrings would drown what matters; the normalised diff shows that)."""
    return (f'<table class="sbs"><thead><tr><th>{_e(left)}</th><th>{_e(right)}</th></tr>'
            f"</thead><tbody><tr><td><pre>{_e(a)}</pre></td><td><pre>{_e(b)}</pre></td></tr>"
            "</tbody></table>")


def _side_by_side(a: str, b: str, left: str, right: str) -> str:
    table = difflib.HtmlDiff(wrapcolumn=70).make_table(
        a.splitlines(), b.splitlines(), _e(left), _e(right))
    return table.replace('nowrap="nowrap"', "")


def render_html(result: SimilarityResult, limit: int = 50, heading="h3") -> str:
    """An HTML fragment: disclaimer, rules, pairs with the functions side by side,
    clusters, functions too short to judge (styles included)."""
    h = heading
    out = [f"<style>{_CSS}</style>", '<div class="sim">',
           f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
           f"<p>{len(result.students)} submission(s) compared per graded function with each "
           f"other and with {len(result.references)} published solution(s) "
           f"({_e('; '.join(result.references))}). Score: 2 × the longest common "
           "subsequence of tokens / all tokens (RapidFuzz's Indel similarity) of the "
           "normalised code (comments, docstrings, formatting, local names, number "
           "spelling, string contents, keyword order and the order of independent "
           f"assignments removed). Flagged: score ≥ {result.threshold:.2f} and both bodies "
           f"at least {result.min_tokens} tokens.</p>"]
    rows = []
    for s in sorted(result.functions.values(), key=lambda s: s.function):
        n_flag = sum(m.function == s.function for m in result.matches)
        rows.append(
            f"<tr><td><code>{_e(s.function)}</code></td><td class='num'>{s.answered}</td>"
            f"<td class='num'>{s.median_size:g}</td>"
            f"<td class='num'>{'–' if s.baseline is None else f'{s.baseline:.2f}'}</td>"
            f"<td class='num'>{s.largest_identical}</td>"
            f"<td>{'–' if not s.answered else 'yes' if s.judged else 'no: too short'}</td>"
            f"<td class='num'>{n_flag}</td></tr>")
    out.append("<table><thead><tr><th>function</th><th>answered</th><th>median tokens</th>"
               "<th>class median score</th><th>largest identical group</th><th>judged</th>"
               "<th>flagged pairs</th></tr></thead><tbody>" + "".join(rows)
               + "</tbody></table>")
    pairs = result.pairs()
    out.append(f"<{h}>Flagged pairs ({len(pairs)})</{h}>")
    if not pairs:
        out.append('<p class="none">No pair at or above the threshold.</p>')
    for (a, b), ms in pairs[:limit]:
        label = ", ".join(f"{m.function} {m.score:.2f}" for m in ms)
        out.append(f"<details><summary><b>{_e(a)}</b> ~ <b>{_e(b)}</b>: {_e(label)}"
                   "</summary>")
        for m in ms:
            out.append(f"<p><code>{_e(m.function)}</code>: score {m.score:.2f}, "
                       f"{m.size} tokens. As written:</p>")
            out.append(_two_columns(m.a.source, m.b.source, m.a.owner, m.b.owner))
            if m.a.normal != m.b.normal:
                out.append("<p>normalised (what was compared; differences highlighted):</p>")
                out.append(_side_by_side(m.a.normal, m.b.normal, m.a.owner, m.b.owner))
            else:
                out.append(f"<p>identical after normalisation:</p><pre>{_e(m.a.normal)}"
                           "</pre>")
        out.append("</details>")
    if len(pairs) > limit:
        out.append(f"<p>… and {len(pairs) - limit} more pairs "
                   "(<code>logreg-course similarity</code> lists them all).</p>")
    out.append(f"<{h}>Clusters</{h}>")
    items = [f"<li><code>{_e(s.function)}</code>: {_e(', '.join(c))}</li>"
             for s in sorted(result.functions.values(), key=lambda s: s.function)
             for c in s.clusters]
    out.append("<ul>" + "".join(items) + "</ul>" if items
               else '<p class="none">None.</p>')
    notes = _short_note(result)
    out.append(f"<{h}>Not judged: too short</{h}>")
    out.append("<p>A function this short is similar by necessity; its pairs are never "
               "flagged.</p><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"
               if notes else '<p class="none">None.</p>')
    if result.problems:
        out.append(f"<{h}>Not compared</{h}><ul>" + "".join(
            f"<li>{_e(o)}: {_e(p)}</li>" for o, p in result.problems) + "</ul>")
    out.append("</div>")
    return "\n".join(out)


def render_page(result: SimilarityResult, course_label: str = "") -> str:
    """A stand-alone HTML page (``exports/similarity-<assignment>.html``)."""
    import time

    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>Similarity: {_e(result.assignment)}</title><style>"
            "body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
            "color:#222;max-width:1200px;margin:1.5em auto;padding:0 1em;line-height:1.45}"
            "table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;"
            "border-bottom:1px solid #eee;text-align:left}td.num{text-align:right}"
            ".none{color:#2e7d32}</style></head><body>"
            f"<h1>Similarity: {_e(result.assignment)}</h1><p>{_e(course_label)} · "
            f"{time.strftime('%Y-%m-%d %H:%M')}</p>"
            f"{render_html(result, limit=10**6, heading='h2')}</body></html>")


def report_section(course, assignment: str) -> str:
    """The report's section for one assignment (``logreg-course export``), with the default
    threshold and size; a problem is shown in the section, never fatal to the report."""
    head = f'<h3 id="{_e(assignment)}-similarity">Similar graded functions</h3>'
    try:
        result = find_similar(course, assignment)
    except Exception as exc:  # the report must still be written
        return (f"{head}<p>Not computed: {_e(exc.__class__.__name__)}: {_e(exc)}. Run "
                f"<code>logreg-course similarity {_e(assignment)}</code> for details.</p>")
    return (f"{head}<p>Defaults: threshold {result.threshold:.2f}, at least "
            f"{result.min_tokens} tokens; <code>logreg-course similarity "
            f"{_e(assignment)}</code> writes the full page with every pair.</p>"
            + render_html(result, limit=20, heading="h4"))
