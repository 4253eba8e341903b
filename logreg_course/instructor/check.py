"""``check``: the course itself is sound, through the very pipeline that grades learners.

For each assignment, in a throw-away copy of the course (the real gradebook
is never touched), two "students" are graded with `grade.grade_assignment`
(pre-flight, sandboxed kernels, re-check):

* ``solution``: the source notebook itself must earn every autograded point,
  in the kernel *and* in the out-of-kernel re-check, with no integrity flag;
* ``student-version``: the notebook learners get (``chapters/exercises/<id>.ipynb``
  when the course root has it, else nbgrader's fresh release) must earn none.

The published student version must also equal what ``nbgrader
generate_assignment`` makes of the source today (cell by cell). Anything else
fails the check; the exit code is then 1.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["CheckResult", "check_course"]


@dataclass
class CheckResult:
    passed: list = field(default_factory=list)  # (assignment, message)
    failed: list = field(default_factory=list)  # (assignment, message)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or not self.passed else 0


def _cells(nb):
    out = []
    for c in nb.cells:
        src = c.get("source", "")
        out.append((c.get("cell_type"), "".join(src) if isinstance(src, list) else src,
                    (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id")))
    return out


def _autograded_max(gb, assignment) -> float:
    a = gb.find_assignment(assignment)
    return sum(c.max_score for nb in a.notebooks for c in nb.grade_cells
               if c.cell_type == "code")


def _auto(gb, assignment, student) -> float:
    sub = gb.find_submission(assignment, student)
    return sum(g.auto_score or 0.0 for nb in sub.notebooks for g in nb.grades
               if g.cell.cell_type == "code")


def check_course(course, assignments=None, *, jobs=2, sandbox="auto", log=print) -> CheckResult:
    from .course import InstructorCourse
    from .grade import GradeOptions, grade_assignment, load_results

    result = CheckResult()
    chosen = list(assignments) if assignments else course.assignments()
    if not chosen:
        raise ValueError(f"no assignments in {course.source_directory}")
    with tempfile.TemporaryDirectory(prefix="lrc-check-") as tmp:
        root = Path(tmp)
        shutil.copy(course.config_repo / "nbgrader_config.py", root / "nbgrader_config.py")
        scratch = InstructorCourse(root)
        src_dir = scratch.source_directory
        for aid in chosen:
            course.notebooks(aid)
            shutil.copytree(course.source_directory / aid, src_dir / aid)
        api = scratch.api()
        for aid in chosen:
            log(f"check {aid}: generating, then grading the solution and the student version")
            out = api.generate_assignment(aid, force=True, create=True)
            if not out["success"]:
                result.failed.append((aid, "generate_assignment failed: "
                                      + (out.get("error") or out.get("log") or "")[-500:]))
                continue
            ok = True
            for nb_name in course.notebooks(aid):
                fresh = nbformat.read(str(scratch.release_notebook(aid, nb_name)), as_version=4)
                published = course.root / "chapters" / "exercises" / f"{nb_name}.ipynb"
                student_nb = fresh
                if published.exists():
                    student_nb = nbformat.read(str(published), as_version=4)
                    if _cells(student_nb) != _cells(fresh):
                        ok = False
                        result.failed.append((aid, f"{published.relative_to(course.root)} differs "
                                              "from a fresh generate_assignment: run "
                                              f"`logreg-course release {aid}`"))
                for student, nb in (("solution", None), ("student-version", student_nb)):
                    folder = scratch.submission_dir(student, aid)
                    folder.mkdir(parents=True, exist_ok=True)
                    target = folder / f"{nb_name}.ipynb"
                    if nb is None:
                        shutil.copy(course.source_notebook(aid, nb_name), target)
                    else:
                        nbformat.write(nb, str(target))
            summary = grade_assignment(scratch, aid, GradeOptions(
                jobs=jobs, progress=False, sandbox=sandbox), log=lambda m: None)
            ledger = load_results(scratch, aid)
            with scratch.gradebook() as gb:
                top = _autograded_max(gb, aid)
                for student, want in (("solution", top), ("student-version", 0.0)):
                    entry = ledger.get(student, {})
                    if entry.get("status") != "graded":
                        ok = False
                        result.failed.append((aid, f"the {student} could not be graded: "
                                              f"{entry.get('reason')}"))
                        continue
                    got = _auto(gb, aid, student)
                    if abs(got - want) > 1e-9:
                        ok = False
                        failing = [g for g, v in entry.get("cells", {}).items()
                                   if v[1] and (v[0] or 0) < v[1]] if student == "solution" else \
                            [g for g, v in entry.get("cells", {}).items() if v[0]]
                        result.failed.append((aid, f"the {student} earns {got:g} autograded "
                                              f"point(s), expected {want:g} (cells: "
                                              f"{', '.join(failing[:8])})"))
                    serious = [f for f in entry.get("flags", [])
                               if f.get("severity") == "high" or f.get("kind") == "recheck"]
                    if serious:
                        ok = False
                        result.failed.append((aid, f"the {student} was flagged: "
                                              f"{serious[0]['where']}: {serious[0]['message']}"))
            if ok:
                how = "sandboxed" if summary.sandbox.startswith("sandbox on") else \
                    summary.sandbox or "sandbox unknown"
                result.passed.append((aid, f"solution {top:g}/{top:g} in and out of the kernel, "
                                      f"student version 0 ({how})"))
    return result
