"""Release assignments: nbgrader's student versions, the gradebook, and the book's copies.

``release`` runs ``nbgrader generate_assignment`` for each assignment, which
writes the student version to ``release/<id>/`` and records the assignment's
cells (hidden tests included) in the gradebook, which grading needs. When the
course root is a checkout of this repository (it has ``chapters/exercises/``),
it also refreshes the copy the book serves, ``chapters/exercises/<id>.ipynb``,
with `logreg_course.assignments.release` (the same generation, without the
gradebook).

Regenerating an assignment that already has graded submissions changes what
they are graded against, so it needs ``force``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ReleaseResult", "release_assignments"]


@dataclass
class ReleaseResult:
    released: list = field(default_factory=list)  # (assignment, release path)
    book: list = field(default_factory=list)  # refreshed chapters/exercises copies
    refused: list = field(default_factory=list)  # (assignment, reason)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


def _has_submissions(course, assignment) -> int:
    from nbgrader.api import MissingEntry

    try:
        with course.gradebook() as gb:
            return len(gb.find_assignment(assignment).submissions)
    except MissingEntry:
        return 0


def release_assignments(course, assignments, *, force=False, book=None, log=print):
    """Generate the student versions of `assignments` (ids); see the module docstring.

    `book`: refresh ``chapters/exercises`` (default: when the course root has it).
    """
    from ..assignments import release as release_to_book

    result = ReleaseResult()
    if book is None:
        book = (course.root / "chapters" / "exercises").is_dir()
    api = course.api()
    for aid in assignments:
        course.notebooks(aid)  # unknown assignment: a clear error
        n = _has_submissions(course, aid)
        exists = all(course.release_notebook(aid, nb).exists() for nb in course.notebooks(aid))
        if n and exists and not force:
            result.refused.append((aid, f"{n} submission(s) are already in the gradebook; "
                                        "regenerating changes what they are graded against "
                                        "(use --force if you mean it)"))
            log(f"  {aid}: not regenerated ({n} submissions in the gradebook; --force to do it)")
            continue
        log(f"  {aid}: nbgrader generate_assignment ...")
        out = api.generate_assignment(aid, force=True, create=True)
        if not out["success"]:
            result.refused.append((aid, "generate_assignment failed: "
                                   + (out.get("error") or out.get("log") or "")[-2000:]))
            continue
        for nb in course.notebooks(aid):
            result.released.append((aid, str(course.release_notebook(aid, nb))))
        if book:
            path = release_to_book(aid, repo=course.root)
            result.book.append(str(path))
            log(f"  {aid}: book copy {path.relative_to(course.root)} refreshed")
    return result
