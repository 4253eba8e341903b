"""Ready to hand in? A learner's check of a graded notebook, before submission.

``logreg-course validate NOTEBOOK`` (`validate`) says whether a notebook will be graded
the way its author expects, and what to do where it will not:

* the file is a notebook of the course, of the assignment its name says: a file that is
  empty, truncated, not JSON, binary, not a notebook or another assignment's notebook gets
  one line naming the problem;
* every graded cell is there with its grading marks (nbgrader's cell metadata), compared
  with the released student version the installed course carries
  (``chapters/exercises/<id>.ipynb`` in a clone, ``logreg_course/exercises/<id>.ipynb`` in
  the wheel). Marks that an editor stripped are put back as the grader's pre-flight does
  (`logreg_course.instructor.preflight`), in a copy beside the file,
  ``<name>.repaired.ipynb``; a deleted or copied graded cell is named;
* the notebook runs top to bottom in a fresh kernel, each cell within the grader's time
  limit (`DEFAULT_TIMEOUT`, nbgrader_config.py's ``Execute.timeout``), on a temporary
  copy, without its last cell (the hand-in cell);
* every self-check passes (each also previews its part's graded tests);
* nothing in the learner's code would be flagged by the grader's static scan
  (`logreg_course.instructor.scan`) at high or medium severity;
* the notebook's course version (``metadata.logreg_course.version``) is the installed one.

It never changes the learner's file, and it knows no hidden test (the student version
has none). Exit status: 0 ready, 1 something is wrong, 2 the check could not run.

The notebook's last cell calls `logreg_course.selfcheck.ready_to_hand_in`, which uses
`report_in_kernel`: the self-checks that kernel ran, the static checks of the saved file,
and the command for the full run.

Only nbformat, nbclient (and a Python kernel: ipykernel) are needed beyond the course
itself: no nbgrader, which a learner's install does not have.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_TIMEOUT", "HANDIN_CELL", "Finding", "Report", "report_in_kernel",
           "validate"]

#: Seconds a cell may run: nbgrader_config.py's ``Execute.timeout`` (a test checks it).
DEFAULT_TIMEOUT = 60
#: The ``grade_id`` of each notebook's last cell, the locked hand-in cell.
HANDIN_CELL = "ready_to_hand_in"

OK, PROBLEM, NOTE = "✓", "✗", "·"


@dataclass
class Finding:
    """One line of the report: a check that passed, a problem, or a note."""

    mark: str  # OK, PROBLEM or NOTE
    text: str


@dataclass
class Report:
    """What `validate` found in one notebook."""

    path: Path
    assignment: str | None = None
    findings: list[Finding] = field(default_factory=list)
    fatal: str = ""  # the notebook cannot be read as this course's notebook (one line)
    error: str = ""  # the check itself could not run (one line)
    repaired: Path | None = None

    def add(self, mark: str, text: str) -> None:
        self.findings.append(Finding(mark, text))

    @property
    def problems(self) -> list[str]:
        return [f.text for f in self.findings if f.mark == PROBLEM]

    @property
    def exit_code(self) -> int:
        if self.error:
            return 2
        return 1 if self.fatal or self.problems else 0

    def render(self) -> str:
        """The report as text for a terminal or a notebook."""
        if self.error:
            return f"logreg-course validate: {self.error}"
        if self.fatal:
            return f"NOT READY: {self.fatal}"
        lines = [f"{self.path.name}: assignment {self.assignment}"]
        lines += [f"  {f.mark} {f.text}" for f in self.findings]
        n = len(self.problems)
        rename = ("" if self.path.name == f"{self.assignment}.ipynb" else
                  f", named {self.assignment}.ipynb")
        lines.append(f"NOT READY: {n} problem{'s' * (n != 1)} ({PROBLEM}) above." if n else
                     f"READY to hand in: submit {self.path.name}{rename}.")
        return "\n".join(lines)


class _Fatal(Exception):
    """The notebook cannot be checked further; the message is the one line to show."""


# --- reading and recognising ---------------------------------------------------------------

def _read(path: Path):
    from .instructor.preflight import Unreadable, read_notebook

    raw = path.read_bytes()
    if raw.strip() and raw.lstrip()[:1] in (b"{", b"["):
        try:
            json.loads(raw.decode("utf-8-sig"))
        except json.JSONDecodeError as exc:
            if (exc.msg.startswith("Unterminated string")
                    or exc.pos >= len(raw.decode("utf-8-sig").rstrip())):
                raise _Fatal(f"{path.name} ends in the middle of the notebook (truncated: "
                             "the save or the download did not finish)") from None
        except UnicodeDecodeError:
            pass
    try:
        return read_notebook(path)
    except Unreadable as exc:
        raise _Fatal(str(exc)) from None


def _meta(cell) -> dict:
    m = cell.get("metadata", {}).get("nbgrader")
    return m if isinstance(m, dict) else {}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _norm(text: str) -> str:
    from .assignments import bootstrap_of

    block = bootstrap_of(text)
    if block:  # another site or version's set-up block is not a change of the cell
        text = text.replace(block, "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


_TEMPLATES: dict = {}


def _template(aid: str):
    """The released student version of `aid` that this installation carries."""
    import nbformat

    from .assignments import released_notebook

    if aid not in _TEMPLATES:
        path = released_notebook(aid)
        if path is None:
            raise RuntimeError(f"the installed course has no student version of {aid} "
                               "(a wheel without logreg_course/exercises?)")
        _TEMPLATES[aid] = nbformat.read(str(path), as_version=4)
    return _TEMPLATES[aid]


def _likeness(nb, template) -> int:
    """How many of `template`'s graded or locked cells `nb` holds (by id or by text)."""
    ids = {_meta(c).get("grade_id") for c in nb.cells} - {None}
    texts = {_norm(_source(c)) for c in nb.cells}
    score = 0
    for cell in template.cells:
        m = _meta(cell)
        if m.get("grade_id") in ids or (m.get("locked") and _norm(cell.source) in texts):
            score += 1
    return score


def _identify(nb, path: Path, wanted: str | None) -> tuple[str, list[str]]:
    """The assignment `nb` belongs to, and notes; `_Fatal` when it is the wrong one."""
    from .assignments import ASSIGNMENT_IDS
    from .instructor.names import match_notebook

    named = wanted or match_notebook(path.name, ASSIGNMENT_IDS)
    scores = {aid: _likeness(nb, _template(aid)) for aid in ASSIGNMENT_IDS}
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        raise _Fatal(f"{path.name} is a notebook, but not one of the course's graded "
                     "notebooks (none of their cells is in it)")
    if named and scores[best] > scores[named]:
        raise _Fatal(f"{path.name} is the notebook of {best}, not of {named}: hand in "
                     f"{named}.ipynb (a clean copy is at {_clean_copy(named)})")
    notes = []
    aid = named or best
    if wanted is None and named is None:
        notes.append(f"its name is not {aid}.ipynb: rename it to {aid}.ipynb before handing "
                     "it in (a renamed notebook may not be found)")
    return aid, notes


def site() -> str:
    """The course website: ``LOGREG_COURSE_SITE``, else the one the notebooks install from."""
    from .assignments import bootstrap_of

    env = os.environ.get("LOGREG_COURSE_SITE", "").strip()
    if env:
        return env.rstrip("/")
    for aid in ("01-sigmoid",):
        try:
            setup = next(c for c in _template(aid).cells if c.cell_type == "code")
        except (RuntimeError, StopIteration):
            continue
        block = bootstrap_of(setup.source) or ""
        found = re.search(r'LOGREG_COURSE_SITE"\) or \'([^\']*)\'', block)
        if found and found.group(1):
            return found.group(1).rstrip("/")
    return ""


def _clean_copy(aid: str) -> str:
    address = site()
    if address:
        return f"{address}/notebooks/{aid}.ipynb"
    return f"chapters/exercises/{aid}.ipynb in the course's repository"


# --- the structure: graded cells and their marks ---------------------------------------------

def _role(m: dict, cell_type: str) -> str:
    if m.get("solution"):
        return "answer cell" if cell_type == "code" else "written answer"
    if m.get("grade") and float(m.get("points", 0) or 0) > 0:
        return "graded test cell"
    if m.get("grade_id", "").endswith("selfcheck"):
        return "self-check cell"
    if m.get("grade_id") == "setup":
        return "set-up cell"
    return "locked cell"


def _structure(report: Report, nb, template, *, write_repaired: bool):
    """Check and repair the grading marks; return the notebook as it would be graded."""
    from .instructor.preflight import repair, valid_metadata

    aid = report.assignment
    known = {}
    for cell in template.cells:
        m = _meta(cell)
        if m.get("grade_id") and (m.get("grade") or m.get("solution") or m.get("locked")):
            known[m["grade_id"]] = cell
    where = {}  # grade id -> cell numbers carrying valid marks for it
    for i, cell in enumerate(nb.cells):
        m = cell.get("metadata", {}).get("nbgrader")
        if isinstance(m, dict) and valid_metadata(m) and m.get("grade_id") in known:
            where.setdefault(m["grade_id"], []).append(i + 1)
    problems = 0
    for gid, numbers in where.items():
        for extra in numbers[1:]:
            problems += 1
            role = _role(_meta(known[gid]), known[gid].cell_type)
            report.add(PROBLEM, f"cell {extra} is a copy of cell {numbers[0]}, the {role} "
                       f"{gid!r}: only cell {numbers[0]} is graded. Keep your work in cell "
                       f"{numbers[0]} and delete cell {extra}.")
    graded = copy.deepcopy(nb)
    repair(graded, template)
    after = {}
    for i, cell in enumerate(graded.cells):
        gid = _meta(cell).get("grade_id")
        if gid in known:
            after.setdefault(gid, i + 1)
    restored = [gid for gid in known if gid not in where and gid in after]
    missing = [gid for gid in known if gid not in after]
    if restored:
        problems += 1
        n = len(restored)
        text = (f"{n} cell{'s' * (n > 1)} lost {'their' if n > 1 else 'its'} grading marks "
                "(the notebook was saved by an editor that drops them: VS Code? Colab?), "
                "so they would not be graded as such.")
        if write_repaired:
            target = report.path.with_name(report.path.name.removesuffix(".ipynb")
                                           + ".repaired.ipynb")
            import nbformat

            nbformat.write(graded, str(target))
            report.repaired = target
            text += (f" They can be put back: a repaired copy is {target.name}; check it, "
                     f"then hand it in under the name {aid}.ipynb.")
        else:
            text += (" They can be put back: `logreg-course validate` writes a repaired copy "
                     "beside the file.")
        report.add(PROBLEM, text)
    for gid in missing:
        problems += 1
        cell = known[gid]
        role = _role(_meta(cell), cell.cell_type)
        if role == "answer cell":
            what = f"the {role} {gid!r} is missing (deleted?): its part scores 0"
        else:
            what = f"the {role} {gid!r} was deleted"
        report.add(PROBLEM, f"{what}. Get a clean copy from {_clean_copy(aid)} and copy your "
                   "answers into it.")
    for gid, cell in known.items():
        if not _meta(cell).get("locked") or gid not in after:
            continue
        mine = graded.cells[after[gid] - 1]
        if _norm(_source(mine)) != _norm(cell.source):
            problems += 1
            report.add(PROBLEM, f"cell {after[gid]} ({gid!r}) is locked, but its text was "
                       "changed: grading uses the original text. Undo the change (or copy your "
                       f"answers into a clean copy from {_clean_copy(aid)}).")
    if not problems:
        report.add(OK, f"a notebook of {aid}; all {len(known)} graded and locked cells are in "
                   "place, with their grading marks, none copied")
    for gid, cell in known.items():
        m = _meta(cell)
        if m.get("solution") and cell.cell_type == "markdown" and gid in after:
            text = _source(graded.cells[after[gid] - 1]).strip()
            if not text or text == cell.source.strip():
                report.add(PROBLEM, f"the written answer {gid!r} (cell {after[gid]}, "
                           f"{m.get('points', 0):g} points, graded by hand) is still empty.")
    return graded


# --- the grader's static scan --------------------------------------------------------------

_ADVICE = {
    "reference": "write the part with NumPy yourself: a graded function that calls logreg_ref "
                 "scores 0",
    "library": "graded functions may use NumPy and the standard library only: write it "
               "yourself (e.g. a stable sigmoid instead of scipy.special.expit), and delete "
               "cells that only compare with these libraries",
    "importlib": "import modules with a plain `import` at the top of a cell",
    "namespace": "refer to your variables by name, without globals(), vars() or setattr()",
    "parent-folder": "the notebook is graded alone in an empty folder: do not read other "
                     "files or folders",
    "equality-hook": "return plain NumPy arrays and numbers",
    "threads": "run your code in the cell itself, without threads or event loops",
    "inserted-cell": "move it below the part's graded cells (or delete it)",
    "before-setup": "move it below the set-up cell: no code may run before it",
}
_DEFAULT_ADVICE = ("remove it before handing in: the grader flags it as possible tampering, "
                   "and a person reviews (and may remove) the points")


def _scan(report: Report, graded, template) -> None:
    from .instructor.scan import scan_notebook

    flags = [f for f in scan_notebook(graded, template) if f.severity in ("high", "medium")]
    for flag in flags:
        advice = _ADVICE.get(flag.kind, _DEFAULT_ADVICE)
        report.add(PROBLEM, f"{flag.where}: {flag.message}. What to do: {advice}.")
    if not flags:
        report.add(OK, "nothing in your code that the grader's scan would flag")


# --- the run in a fresh kernel ---------------------------------------------------------------

def _kernel_manager_class(folder: Path):
    """A kernel manager class for this interpreter's ipykernel (the course is installed here).

    nbclient creates (and so shuts down, also after a time-out) the kernel itself; the
    kernel's connection file and sockets stay in `folder`.
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    spec = folder / "kernels" / "lrc-validate"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--InteractiveShellApp.ignore_cwd=True"],
        "display_name": "validate", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(folder / "kernels")], ensure_native_kernel=False)

    class _Manager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(kernel_spec_manager=specs,
                             connection_file=str(folder / "kernel.json"), **kwargs)
            if os.name == "posix":  # local sockets in the temporary folder, not TCP ports
                self.transport, self.ip = "ipc", str(folder / "ipc")

    return _Manager


def _where(i: int, cell) -> str:
    gid = _meta(cell).get("grade_id")
    return f"cell {i + 1}" + (f" ({gid})" if gid else " (a cell you added)")


def _error_text(output) -> str:
    value = str(output.get("evalue", "")).strip()
    value = re.sub(r"\x1b\[[0-9;]*m", "", value)
    return f"{output.get('ename', 'Error')}: {value}" if value else output.get("ename", "Error")


def _run(report: Report, graded, timeout: float) -> None:
    """Run a copy of `graded` top to bottom in a fresh kernel; report errors and self-checks."""
    import importlib.util

    if importlib.util.find_spec("ipykernel") is None:
        report.error = ("cannot run the notebook: this Python has no Jupyter kernel "
                        f"(ipykernel). Install it: {sys.executable} -m pip install ipykernel")
        return
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = copy.deepcopy(graded)
    nb.cells = [c for c in nb.cells if _meta(c).get("grade_id") != HANDIN_CELL
                and "ready_to_hand_in(" not in _source(c)]
    current = {"index": None}

    def started(cell, cell_index, **_):
        current["index"] = cell_index

    with tempfile.TemporaryDirectory(prefix="lrc-validate-") as tmp:
        work = Path(tmp) / "run"
        work.mkdir()
        client = NotebookClient(nb, kernel_name="lrc-validate",
                                kernel_manager_class=_kernel_manager_class(Path(tmp)),
                                timeout=timeout,
                                allow_errors=True, interrupt_on_timeout=False,
                                startup_timeout=120, on_cell_start=started,
                                shutdown_kernel="immediate",
                                resources={"metadata": {"path": str(work)}})
        start = time.monotonic()
        stopped = ""
        try:
            client.execute()
        except CellTimeoutError:
            i = current["index"]
            stopped = (f"{_where(i, nb.cells[i])} did not finish within {timeout:g} s, the time "
                       "limit of a cell at grading (an endless loop? too many iterations?); "
                       "grading stops it there too. Make it faster. The cells after it were "
                       "not run.")
        except DeadKernelError:
            i = current["index"]
            stopped = (f"the kernel died while running {_where(i, nb.cells[i])} (out of "
                       "memory? a call that ends Python?); the cells after it were not run.")
        except Exception as exc:  # the kernel did not start, ...
            report.error = f"could not run the notebook: {type(exc).__name__}: {exc}"[:300]
            return
        seconds = time.monotonic() - start
    errors, checks_ok = 0, 0
    last = current["index"] if stopped else len(nb.cells) - 1
    for i, cell in enumerate(nb.cells[:last + 1] if last is not None else []):
        if cell.cell_type != "code":
            continue
        m = _meta(cell)
        is_check = m.get("grade_id", "").endswith("selfcheck")
        failed = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not failed:
            checks_ok += is_check and not (stopped and i == last)
            continue
        errors += 1
        out = failed[0]
        if is_check and out.get("ename") == "NotImplementedError":
            report.add(PROBLEM, f"{_where(i, cell)}: a function of this part is not written "
                       "yet (it still raises NotImplementedError).")
        elif is_check and out.get("ename") == "AssertionError":
            lines = [line.strip().removeprefix(PROBLEM).strip()
                     for line in str(out.get("evalue", "")).splitlines() if line.strip()]
            detail = "; ".join(lines[1:4]) if len(lines) > 1 else (lines[0] if lines else "")
            report.add(PROBLEM, f"{_where(i, cell)}: the self-check fails: {detail}")
        elif is_check:
            report.add(PROBLEM, f"{_where(i, cell)}: the self-check stopped with "
                       f"{_error_text(out)}")
        else:
            report.add(PROBLEM, f"{_where(i, cell)} raised {_error_text(out)}: grading runs "
                       "this cell too; fix it (or delete a cell you added).")
    if stopped:
        report.add(PROBLEM, stopped)
    else:
        if not errors:
            report.add(OK, f"runs top to bottom in a fresh kernel in {seconds:.0f} s, each "
                       f"cell within the {timeout:g} s limit")
        total = sum(1 for c in nb.cells if _meta(c).get("grade_id", "").endswith("selfcheck"))
        if checks_ok == total:
            report.add(OK, f"every self-check passes ({total} of {total}), and with them a "
                       "preview of the graded tests")


# --- the whole check -----------------------------------------------------------------------

def _version_note(report: Report, nb) -> None:
    from . import __version__ as installed

    theirs = (nb.metadata.get("logreg_course") or {}).get("version")
    if theirs and installed and theirs != installed:
        report.add(NOTE, f"this notebook is from version {theirs} of the course, the installed "
                   f"course is {installed}: its self-checks may differ from the grader's; a "
                   f"current copy is at {_clean_copy(report.assignment)}")


def validate(path, *, assignment: str | None = None, timeout: float = DEFAULT_TIMEOUT,
             run: bool = True, write_repaired: bool = True) -> Report:
    """Check the notebook at `path` before hand-in; see the module docstring.

    Parameters
    ----------
    path : path-like
        The learner's notebook. It is never modified.
    assignment : str, optional
        The assignment it must be (default: the one its file name says, else the one its
        cells match).
    timeout : float
        Seconds each cell may run (the grader's limit by default).
    run : bool
        Run a copy in a fresh kernel (the static checks alone when False).
    write_repaired : bool
        Write ``<name>.repaired.ipynb`` beside the file when grading marks can be put back.

    Returns
    -------
    Report
        ``report.exit_code``: 0 ready, 1 something is wrong, 2 the check could not run.
    """
    path = Path(path)
    report = Report(path=path)
    if not path.exists():
        report.error = f"{path}: no such file"
        return report
    if not path.is_file():
        report.error = f"{path} is not a file"
        return report
    try:
        nb = _read(path)
        report.assignment, notes = _identify(nb, path, assignment)
    except _Fatal as exc:
        report.fatal = str(exc)
        return report
    except (RuntimeError, OSError) as exc:
        report.error = str(exc)
        return report
    template = _template(report.assignment)
    for note in notes:
        report.add(PROBLEM, note)
    graded = _structure(report, nb, template, write_repaired=write_repaired)
    _scan(report, graded, template)
    if run:
        _run(report, graded, timeout)
    _version_note(report, nb)
    return report


def report_in_kernel(assignment_id: str, results: dict, previews: dict) -> None:
    """What the hand-in cell prints (`logreg_course.selfcheck.ready_to_hand_in`)."""
    names = [n for n, (aid, *_rest) in previews.items() if aid == assignment_id]
    print(f"Before you hand in {assignment_id}.ipynb")
    print("Self-checks run in this kernel:")
    for name in names:
        status, detail = results.get(name, ("not run", ""))
        mark = {"passed": OK, "failed": PROBLEM, "not answered": PROBLEM}.get(status, NOTE)
        print(f"  {mark} {name}: {status}" + (f" ({detail})" if detail else ""))
    done = sum(results.get(n, ("",))[0] == "passed" for n in names)
    print(f"  {done} of {len(names)} passed"
          + ("" if done == len(names) else ": run every cell (Kernel > Restart Kernel and "
             "Run All Cells) and fix what they say"))
    if "google.colab" in sys.modules:
        print("The saved file: in Colab the notebook is not on this machine. Download it "
              f"(File > Download > Download .ipynb) and on your computer, with the course "
              f"installed, run:\n    logreg-course validate {assignment_id}.ipynb")
        return
    session = os.environ.get("JPY_SESSION_NAME", "")
    path = Path(session) if session.endswith(".ipynb") else Path.cwd() / f"{assignment_id}.ipynb"
    if not path.is_file():
        print(f"The saved file: {path} not found. Save first (File > Save Notebook), then run "
              "this cell again.")
        return
    saved = time.strftime("%H:%M:%S", time.localtime(path.stat().st_mtime))
    print(f"The saved file {path.name} (saved at {saved}; save first if you changed it since):")
    report = validate(path, assignment=assignment_id, run=False, write_repaired=False)
    if report.error or report.fatal:
        print("  " + report.render())
    else:
        for finding in report.findings:
            print(f"  {finding.mark} {finding.text}")
    command = "logreg-course"
    script = Path(sys.executable).with_name("logreg-course")
    if script.exists() and shutil.which("logreg-course") != str(script):
        command = str(script)
    print("For the full check (a fresh kernel runs the saved notebook top to bottom), run in "
          f"a terminal:\n    {command} validate \"{path}\"")
