"""Recognise a notebook under the names learners and LMSs give it.

Downloads and re-uploads rename files: ``01-sigmoid (1).ipynb``,
``Copy of 01-sigmoid.ipynb``, ``01-sigmoid-Copy1.ipynb``, ``01_Sigmoid.ipynb``,
``alice_12345_01-sigmoid.ipynb`` (an LMS prefix). nbgrader only grades a
notebook whose name is exactly the released one ("Skipping unknown notebook",
nbgrader#1302), so collection and grading map these back.

>>> canonical("Copy of 01_Sigmoid (2).ipynb")
'01-sigmoid'
>>> match_notebook("01-sigmoid-Copy1.ipynb", ["01-sigmoid"])
'01-sigmoid'
>>> match_notebook("alice__01-sigmoid.ipynb", ["01-sigmoid"])
'01-sigmoid'
>>> match_notebook("01-sigmoid-2.ipynb", ["01-sigmoid"]), match_notebook("hw-2.ipynb", ["hw-1"])
('01-sigmoid', None)
>>> match_notebook("notes.ipynb", ["01-sigmoid"]) is None
True
"""

from __future__ import annotations

import re

__all__ = ["canonical", "match_notebook"]

_SUFFIXES = [
    re.compile(r"[\s_.-]*\(\d+\)$"),           # "name (1)"
    re.compile(r"[\s_.-]*\[\d+\]$"),           # "name[1]"
    re.compile(r"[\s_.-]*copy\d*$"),            # "name - Copy", "name-Copy1", "name_copy"
    re.compile(r"[\s_.-]*checkpoint$"),         # "name-checkpoint"
    re.compile(r"[\s_.-]*(final|submission|submitted|v\d+)$"),
]
_PREFIXES = [re.compile(r"^copy\s+of\s+"), re.compile(r"^kopie\s+von\s+")]


def canonical(filename: str) -> str:
    """A normalised notebook name: lower case, extension and copy markers removed,
    spaces and underscores turned into dashes."""
    name = filename.rsplit("/", 1)[-1].strip().lower()
    while name.endswith(".ipynb"):
        name = name[: -len(".ipynb")].strip()
    changed = True
    while changed:
        changed = False
        for pattern in _PREFIXES + _SUFFIXES:
            new = pattern.sub("", name).strip()
            if new != name and new:
                name, changed = new, True
    name = re.sub(r"[\s_]+", "-", name)
    return re.sub(r"-{2,}", "-", name).strip("-")


def match_notebook(filename: str, expected) -> str | None:
    """The expected notebook name that `filename` stands for, or None.

    An exact canonical match wins; otherwise a name that *ends* with the
    canonical expected name after a separator (an LMS prefix such as
    ``alice_12345_``) matches.
    """
    table = {canonical(e): e for e in expected}
    name = canonical(filename)
    # Canvas appends "-1", "-2" to resubmitted files; only stripped when that is what makes
    # the name match (an assignment may itself be called "hw-1")
    for candidate in (name, re.sub(r"-\d{1,2}$", "", name)):
        if candidate in table:
            return table[candidate]
        hits = [e for c, e in table.items() if candidate.endswith("-" + c)]
        if len(hits) == 1:
            return hits[0]
    return None
