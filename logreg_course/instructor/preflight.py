"""Check (and where possible repair) one submission before nbgrader sees it.

nbgrader fails badly on damaged notebooks: invalid JSON or a renamed file and
the learner silently gets 0 ("Skipping unknown notebook", nbgrader#1302); a
copy-pasted cell (duplicate ``grade_id``) makes ``CheckCellMetadata`` raise an
error that stops the *whole* ``autograde`` batch (nbgrader#1083); a notebook
saved by an editor that drops cell metadata (VS Code, Colab: nbgrader#1273,
#1546) has every answer ungraded.

`stage` copies ``submitted/<student>/<assignment>/`` to
``grading/staged/<student>/<assignment>/`` (nbgrader is pointed there; the
learner's files are never changed) and, on the copy:

* finds each expected notebook under the name it was given (`names`);
* refuses what cannot be graded with a reason a person can act on (not JSON,
  not a notebook, too large, no notebook at all);
* assigns missing or duplicate cell ids (nbformat 4.5);
* puts back nbgrader metadata that an editor stripped, by matching cells with
  the released notebook (locked cells by their text, answer cells by the
  function they define, written answers by position);
* replaces damaged nbgrader metadata of a known cell by the released one;
* keeps the first cell of a duplicated ``grade_id`` and turns the copies into
  ordinary cells (they still run, they are just not graded twice).

Every change is listed in `Preflight.notes`; they appear in the report.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .names import match_notebook

__all__ = ["MAX_NOTEBOOK_BYTES", "Preflight", "Unreadable", "read_notebook", "repair",
           "stage", "submission_digest", "valid_metadata"]

MAX_NOTEBOOK_BYTES = 20 << 20
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git"}


@dataclass
class Preflight:
    """The outcome of checking one submission."""

    student: str
    assignment: str
    ok: bool = True
    reason: str = ""  # why it cannot be graded (ok is False)
    notes: list = field(default_factory=list)  # repairs and observations
    digest: str = ""
    notebooks: dict = field(default_factory=dict)  # expected name -> staged path
    extra_files: list = field(default_factory=list)  # other files the learner submitted
    missing: list = field(default_factory=list)  # expected notebooks not found

    def fail(self, reason: str) -> Preflight:
        self.ok, self.reason = False, reason
        return self


def _files(folder: Path):
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath) / name


def submission_digest(folder: Path) -> str:
    """SHA-256 over the submission folder's file names and contents."""
    h = hashlib.sha256()
    folder = Path(folder)
    if folder.is_dir():
        for path in _files(folder):
            rel = path.relative_to(folder).as_posix()
            h.update(rel.encode() + b"\0")
            try:
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
            except OSError:
                h.update(b"<unreadable>")
            h.update(b"\0")
    return h.hexdigest()


# --- reading -------------------------------------------------------------------------------

class _Unreadable(Exception):
    pass


def _load(path: Path):
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise _Unreadable(f"{path.name} is {size / 2**20:.1f} MB, over the "
                          f"{MAX_NOTEBOOK_BYTES >> 20} MB limit (huge outputs saved?)")
    if size == 0:
        raise _Unreadable(f"{path.name} is empty (0 bytes)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"{path.name} is not UTF-8 text (byte {exc.start}); "
                          "not a notebook file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno}): the file is damaged or was edited by hand"
                          ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")),
                                                    list):
        raise _Unreadable(f"{path.name} is JSON but not a Jupyter notebook (no cells)")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:
        raise _Unreadable(f"{path.name} is not a notebook nbformat can read: "
                          f"{type(exc).__name__}: {exc}") from None
    for cell in nb.cells:  # tolerate odd cells rather than failing the whole notebook
        cell.setdefault("metadata", {})
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(str(s) for s in cell["source"])
        cell["source"] = str(cell.get("source", ""))
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return nb


# --- nbgrader metadata ---------------------------------------------------------------------

_REQUIRED = {"grade", "solution", "locked"}
_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")


def _meta(cell):
    m = cell.get("metadata", {}).get("nbgrader")
    return m if isinstance(m, dict) else None


def _valid_meta(m) -> bool:
    if not isinstance(m, dict) or not _REQUIRED <= m.keys():
        return False
    if any(not isinstance(m[k], bool) for k in _REQUIRED):
        return False
    if m.get("schema_version") != 3:
        return False
    if (m["grade"] or m["solution"] or m["locked"]) and not (
            isinstance(m.get("grade_id"), str) and _ID.match(m["grade_id"])):
        return False
    if m["grade"] and not isinstance(m.get("points"), (int, float)):
        return False
    return True


def _defined_function(source: str) -> str | None:
    match = re.search(r"^def\s+([A-Za-z_]\w*)\s*\(", source, re.MULTILINE)
    return match.group(1) if match else None


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _retyped(cell, cell_type):
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    new = make(source=cell.get("source", ""), metadata=cell.get("metadata", {}))
    if cell.get("id"):
        new["id"] = cell["id"]
    return new


def _repair_metadata(nb, template, notes: list) -> None:
    """Fix damaged, duplicated and stripped nbgrader metadata in place."""
    known = {}
    order = []
    for cell in template.cells:
        m = _meta(cell)
        if m and m.get("grade_id"):
            known[m["grade_id"]] = (cell, m)
            order.append(m["grade_id"])
    # 1. damaged metadata: take the released one (or drop it if the id is unknown)
    for i, cell in enumerate(nb.cells):
        raw = cell.get("metadata", {}).get("nbgrader")
        if raw is None:
            continue
        if _valid_meta(raw) and raw.get("grade_id") in known:
            tcell = known[raw["grade_id"]][0]
            if tcell.cell_type != cell.get("cell_type") and not raw["locked"]:
                # an answer cell whose type was switched (code <-> markdown): switch it back,
                # or nbgrader's metadata check fails the whole submission
                nb.cells[i] = _retyped(cell, tcell.cell_type)
                notes.append(f"cell {i + 1}: answer cell {raw['grade_id']!r} was turned into "
                             f"{cell.get('cell_type')}; graded as {tcell.cell_type} again")
            continue
        gid = raw.get("grade_id") if isinstance(raw, dict) else None
        if gid in known and known[gid][0].cell_type == cell.get("cell_type"):
            cell.metadata["nbgrader"] = json.loads(json.dumps(known[gid][1]))
            notes.append(f"cell {i + 1}: damaged grading metadata of {gid!r} replaced by the "
                         "released version")
        elif _valid_meta(raw) and not (raw["grade"] or raw["solution"] or raw["locked"]):
            continue  # an ordinary cell that merely carries the (valid) nbgrader key
        else:
            del cell.metadata["nbgrader"]
            what = f"unknown grade id {gid!r}" if gid else "unreadable grading metadata"
            notes.append(f"cell {i + 1}: {what} removed (graded as an ordinary cell)")
    # 2. duplicates: the first copy stays graded
    seen = {}
    for i, cell in enumerate(nb.cells):
        m = _meta(cell)
        gid = m.get("grade_id") if m else None
        if not gid or not (m.get("grade") or m.get("solution") or m.get("locked")):
            continue
        if gid in seen:
            del cell.metadata["nbgrader"]
            notes.append(f"cell {i + 1}: duplicate of grade cell {gid!r} (cell {seen[gid] + 1})"
                         " - the copy runs but is not graded")
        else:
            seen[gid] = i
    # 3. stripped metadata: match the remaining released cells by content
    missing = [g for g in order if g not in seen]
    if not missing:
        return
    free = [i for i, c in enumerate(nb.cells) if _meta(c) is None]
    restored = []
    anchor_pos = {gid: i for gid, i in seen.items()}
    for gid in order:
        if gid not in missing:
            continue
        tcell, tmeta = known[gid]
        # the slot between the released neighbours that are already matched
        idx = order.index(gid)
        before = [anchor_pos[g] for g in order[:idx] if g in anchor_pos]
        after = [anchor_pos[g] for g in order[idx + 1:] if g in anchor_pos]
        lo = max(before) if before else -1
        hi = min(after) if after else len(nb.cells)
        candidates = [i for i in free if lo < i < hi
                      and nb.cells[i].get("cell_type") == tcell.cell_type]
        choice = None
        if tmeta.get("locked"):
            text = _norm(tcell.source)
            choice = next((i for i in candidates if _norm(nb.cells[i].source) == text), None)
        elif tcell.cell_type == "code":
            fname = _defined_function(tcell.source)
            if fname:
                choice = next((i for i in candidates
                               if _defined_function(nb.cells[i].source) == fname), None)
        elif candidates:  # a written answer: the first free markdown cell in its slot
            choice = candidates[0]
        if choice is None:
            continue
        nb.cells[choice].metadata["nbgrader"] = json.loads(json.dumps(tmeta))
        free.remove(choice)
        anchor_pos[gid] = choice
        restored.append(gid)
    if restored:
        notes.append(f"grading metadata restored on {len(restored)} cell(s) "
                     f"({', '.join(restored[:6])}{' ...' if len(restored) > 6 else ''}): the "
                     "notebook was saved by an editor that drops it (VS Code, Colab?)")
    lost = [g for g in missing if g not in restored]
    answers = [g for g in lost if known[g][1].get("solution")]
    if answers:
        notes.append("answer cell(s) not found: " + ", ".join(answers)
                     + " (their parts score 0 unless a grader finds the work)")


def _repair_ids(nb, notes) -> None:
    ids = set()
    fixed = 0
    for cell in nb.cells:
        cid = cell.get("id")
        if not isinstance(cid, str) or not re.match(r"^[a-zA-Z0-9-_]{1,64}$", cid) or cid in ids:
            cell["id"] = os.urandom(4).hex()
            while cell["id"] in ids:
                cell["id"] = os.urandom(4).hex()
            fixed += 1
        ids.add(cell["id"])
    nb["nbformat"], nb["nbformat_minor"] = 4, max(int(nb.get("nbformat_minor", 5)), 5)
    if fixed:
        notes.append(f"{fixed} missing or duplicate cell id(s) assigned")


# --- the same checks for one notebook (the learner's hand-in check uses them) ---------------

Unreadable = _Unreadable
valid_metadata = _valid_meta


def read_notebook(path) -> nbformat.NotebookNode:
    """Read a submitted notebook; raise `Unreadable` with a one-line reason."""
    return _load(Path(path))


def repair(nb, template) -> list[str]:
    """Repair cell ids and nbgrader metadata of `nb` in place (as `stage` does); the notes."""
    notes: list[str] = []
    _repair_ids(nb, notes)
    _repair_metadata(nb, template, notes)
    return notes


# --- staging -------------------------------------------------------------------------------

def stage(course, assignment: str, student: str, ignore=None) -> Preflight:
    """Check ``submitted/<student>/<assignment>`` and write the graded copy."""
    result = Preflight(student, assignment)
    src = course.submission_dir(student, assignment)
    dst = course.staged_dir(student, assignment)
    result.digest = submission_digest(src)
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    expected = course.notebooks(assignment)
    ignore = list(ignore if ignore is not None else course.config().CourseDirectory.ignore)
    found = {}  # expected name -> [paths]
    others = []
    for path in _files(src):
        rel = path.relative_to(src)
        if path.is_symlink():
            result.notes.append(f"symbolic link {rel} ignored")
            others.append(str(rel))
            continue
        if path.suffix == ".ipynb":
            name = match_notebook(path.name, expected)
            if name is None:
                result.notes.append(f"{rel} is not a notebook of this assignment (ignored)")
                others.append(str(rel))
                continue
            found.setdefault(name, []).append(path)
        elif rel.name == "timestamp.txt" and len(rel.parts) == 1:
            shutil.copy2(path, dst / "timestamp.txt")
        else:
            others.append(str(rel))
            if len(rel.parts) == 1 and not any(fnmatch.fnmatch(rel.name, p) for p in ignore):
                shutil.copy2(path, dst / rel.name)
    result.extra_files = others
    if not found:
        listing = ", ".join(others[:5]) or "the folder is empty"
        return result.fail(f"no notebook of {assignment} found ({listing}); expected "
                           + ", ".join(f"{n}.ipynb" for n in expected))
    for name in expected:
        paths = found.get(name)
        if not paths:
            result.missing.append(name)
            result.notes.append(f"{name}.ipynb is missing (that notebook scores 0)")
            continue
        exact = [p for p in paths if p.name == f"{name}.ipynb" and p.parent == src]
        chosen = exact[0] if exact else max(paths, key=lambda p: p.stat().st_mtime)
        if chosen.name != f"{name}.ipynb" or chosen.parent != src:
            result.notes.append(f"{chosen.relative_to(src)} graded as {name}.ipynb")
        for p in paths:
            if p != chosen:
                result.notes.append(f"{p.relative_to(src)} ignored: {chosen.relative_to(src)} "
                                    f"is graded as {name}.ipynb")
        try:
            nb = _load(chosen)
        except _Unreadable as exc:
            return result.fail(str(exc))
        _repair_ids(nb, result.notes)
        template_path = course.release_notebook(assignment, name)
        if not template_path.exists():
            template_path = course.source_notebook(assignment, name)
        template = nbformat.read(str(template_path), as_version=4)
        _repair_metadata(nb, template, result.notes)
        target = dst / f"{name}.ipynb"
        nbformat.write(nb, str(target))
        result.notebooks[name] = str(target)
    return result
