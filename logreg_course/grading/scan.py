"""Static red flags in a submitted notebook, for a human to look at.

Cheap and run before grading. A flag is not a verdict: the hidden tests and
`recheck` decide the score; flags explain odd results (an input transformer,
a code cell above the setup cell) and point the instructor at submissions
worth reading. The patterns follow the attacks in the course notes.

>>> flags = scan_notebook(submission, source)            # doctest: +SKIP
>>> [f.reason for f in flags]
['learner code mentions input_transformers (cell 4)']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

__all__ = ["Flag", "scan_notebook"]

# (pattern, why it matters); matched against learner code cells only
PATTERNS = [
    (r"\bget_ipython\b", "talks to IPython (transformers, magics, events)"),
    (r"input_transformers|ast_transformers|register_magic|events\.register",
     "changes how later cells run"),
    (r"\b_lrc_\w*", "touches the grader's objects"),
    (r"\bsys\.modules\b|\bbuiltins\b|__builtins__|\b__import__\b|\bimportlib\b",
     "rebinds modules or the import system"),
    (r"\bsetattr\s*\(|^\s*(np|numpy|logreg_ref|sys|os)\.[\w.]+\s*=[^=]",
     "assigns attributes of shared modules"),
    (r"\bsqlite3\b|gradebook|\.db\b", "reaches for a database"),
    (r"\.\./|\bos\.(listdir|scandir|walk|chdir)\b|\bglob\b", "walks the file system"),
    (r"\bsubprocess\b|\bos\.(system|popen|exec\w*|fork|_exit|kill)\b|\bsocket\b|\bctypes\b",
     "starts processes, opens sockets or exits the kernel"),
    (r"\b(exec|eval|compile)\s*\(", "executes code from strings"),
    (r"_getframe|f_back|f_locals|f_globals|tb_frame|gi_frame|__globals__|__closure__|"
     r"\bgc\.|\binspect\b|settrace|setprofile", "inspects frames, closures or the heap"),
    (r"\b(logreg_ref|logreg_course|sklearn|scipy|statsmodels)\b",
     "mentions a library graded functions may not use"),
]
_COMPILED = [(re.compile(p, re.M), why) for p, why in PATTERNS]


@dataclass(frozen=True)
class Flag:
    """One red flag: what, where."""

    reason: str
    cell: int | None = None


def _meta(cell):
    m = cell.get("metadata", {}).get("nbgrader", {})
    return m if isinstance(m, dict) else {}


def scan_notebook(submission, source) -> list[Flag]:
    """Red flags in `submission` (path or notebook), judged against the trusted `source`."""
    sub = submission if isinstance(submission, nbformat.NotebookNode) else \
        nbformat.read(str(submission), as_version=4)
    src = source if isinstance(source, nbformat.NotebookNode) else \
        nbformat.read(str(source), as_version=4)
    flags = []
    source_ids = {_meta(c).get("grade_id"): c for c in src.cells if _meta(c)}
    locked = {g for g, c in source_ids.items() if _meta(c).get("locked")}
    seen = {}
    first_code = None
    for k, cell in enumerate(sub.cells):
        gid = _meta(cell).get("grade_id")
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
        if cell.get("cell_type") != "code":
            continue
        if first_code is None:
            first_code = k
            if gid != "setup":
                flags.append(Flag("a code cell comes before the setup cell", k))
        if gid in locked:
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        for pattern, why in _COMPILED:
            match = pattern.search(text)
            if match:
                flags.append(Flag(f"learner code {why}: {match.group(0).strip()!r}", k))
    for gid, count in seen.items():
        if count > 1:
            flags.append(Flag(f"grade id {gid!r} appears {count} times (copied cell)"))
    missing = sorted(g for g in source_ids if g not in seen)
    if missing:
        flags.append(Flag(f"cells missing or stripped of metadata: {', '.join(missing)}"))
    for k, cell in enumerate(sub.cells):
        gid = _meta(cell).get("grade_id")
        if gid in source_ids and cell.get("cell_type") != source_ids[gid].cell_type:
            flags.append(Flag(f"cell {gid!r} changed type", k))
    return flags
