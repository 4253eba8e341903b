"""Feedback pages that explain lost points without giving the hidden tests away.

nbgrader's ``generate_feedback`` renders each autograded notebook to HTML. By
default that page lists every test cell, and even with ``ClearHiddenTests`` the
**tracebacks still quote the hidden test lines** (nbgrader#917, #1363). Here
nbgrader's machinery runs with three additions:

`ScrubHiddenTests`
    before the hidden tests are cleared from the cells' source, every output
    of a cell that has hidden tests loses the lines that quote them: an error
    keeps only its type and message (the message is written for the learner:
    "predict(X, w, b): it looks like you compared the logits ..."); tracebacks
    of the instructor's other locked cells are cut to that last line too, and
    frames inside the grader's own modules are dropped from the learner's;
`FeedbackSummary`
    a table at the top: each graded part, its points, and why points were lost
    (the test's message, "no answer", "printed a warning", the integrity
    check's comment, "to be graded by hand");
a leak check
    every generated page is searched for each line of the assignment's hidden
    tests; a page that contains one is deleted and reported (never published).
"""

from __future__ import annotations

import html
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor  # enabled by default
from traitlets import Dict, Unicode

__all__ = ["FeedbackResult", "FeedbackSummary", "ScrubHiddenTests", "generate_feedback",
           "hidden_lines"]

TEMPLATES = Path(__file__).parent / "templates"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _meta(cell):
    m = cell.get("metadata", {}).get("nbgrader")
    return m if isinstance(m, dict) else {}


def _hidden(source: str) -> list[str]:
    out, inside = [], False
    for line in source.splitlines():
        if line.strip().startswith(BEGIN):
            inside = True
        elif line.strip().startswith(END):
            inside = False
        elif inside and line.strip() and not line.strip().startswith("#"):
            out.append(line.strip())
    return out


def hidden_lines(source_nb) -> list[str]:
    """Every non-blank, non-comment line inside a hidden-tests block of `source_nb`."""
    lines = []
    for cell in source_nb.cells:
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            lines.extend(_hidden("".join(src) if isinstance(src, list) else src))
    return list(dict.fromkeys(lines))


def _short_error(out):
    ename, evalue = out.get("ename", "Error"), out.get("evalue", "")
    return [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]


class ScrubHiddenTests(Preprocessor):
    """Remove hidden-test source from outputs (run it *before* ``ClearHiddenTests``)."""

    grader_paths = Unicode(os.sep + os.path.join("logreg_course", "grading") + os.sep,
                           help="frames in files under this path are the grader's own"
                           ).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") != "code":
            return cell, resources
        source = cell.get("source", "")
        hidden = _hidden(source)
        locked = bool(_meta(cell).get("locked"))
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                if hidden or locked:
                    out["traceback"] = _short_error(out)
                else:
                    out["traceback"] = [t for t in out.get("traceback", [])
                                        if self.grader_paths not in _ANSI.sub("", t)]
            elif kind == "stream" and hidden:
                text = out.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                out["text"] = "".join(ln for ln in text.splitlines(keepends=True)
                                      if not any(h in ln for h in hidden))
        return cell, resources


class FeedbackSummary(Preprocessor):
    """Collect the per-part summary the ``lrc_feedback`` template shows (after GetGrades)."""

    notes = Dict({}, help="student id -> notes to show (repairs of the submission)"
                 ).tag(config=True)
    summaries = Dict({}, help="grade id -> one-line description of the graded part"
                     ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        manual = self._ungraded_by_hand(info)
        answers = {}
        rows, pending = [], 0
        last_answer = None
        for cell in nb.cells:
            m = _meta(cell)
            if m.get("solution"):
                last_answer = cell
                answers[m.get("grade_id")] = cell
            if not m.get("grade") or not float(m.get("points") or 0):
                continue
            gid = m["grade_id"]
            points = float(m.get("points") or 0)
            score = m.get("score")
            row = {"grade_id": gid, "points_text": f"{points:g}",
                   "label": self._label(cell, m)}
            if m.get("solution") and cell.get("cell_type") == "markdown":
                row["label"] = "Written answer (graded by hand)"
            if score is None or gid in manual:
                pending += 1
                row.update(state="pending", score_text="–", why="to be graded by hand")
            else:
                score = float(score)
                row["score_text"] = f"{score:g}"
                if score >= points:
                    row.update(state="full", why=self._review_note(m["grade_id"], last_answer))
                else:
                    row.update(state="lost", why=self._why(cell, m, last_answer))
            rows.append(row)
        score = float(info.get("score") or 0)
        maximum = float(info.get("max_score") or 0)
        resources["lrc"] = {
            "title": f"{info.get('assignment', '')}: feedback for {info.get('student', '')}",
            "score_text": f"{score:g}", "max_text": f"{maximum:g}",
            "percent": round(100 * score / maximum, 1) if maximum else 0,
            "pending": pending, "rows": rows,
            "late_penalty": info.get("late_penalty") or 0,
            "notes": list(self.notes.get(info.get("student"), [])),
        }
        return nb, resources

    @staticmethod
    def _ungraded_by_hand(info) -> set:
        """Grade ids that wait for a grader (nbgrader shows them as 0 points)."""
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(info["db_url"]) as gb:
                nb = gb.find_submission_notebook(info["notebook"], info["assignment"],
                                                 info["student"])
                return {g.name for g in nb.grades
                        if g.manual_score is None and g.auto_score is None}
        except (KeyError, MissingEntry):
            return set()

    def _label(self, cell, m):
        if m["grade_id"] in self.summaries:
            return self.summaries[m["grade_id"]]
        first = (cell.get("source", "").strip().splitlines() or [m["grade_id"]])[0]
        first = re.sub(r"^#\s*Graded\s*\([^)]*\)\s*:?\s*", "", first).lstrip("# ").strip()
        return first or m["grade_id"]

    @staticmethod
    def _review_note(grade_id, answer) -> str:
        """The integrity check's note on a test whose points stand for review ("" if none)."""
        from .integrity import COMMENT_PREFIX

        comment = str(_meta(answer).get("comment") or "") if answer is not None else ""
        for line in comment.splitlines():
            if line.startswith(COMMENT_PREFIX) and f"{grade_id}:" in line:
                return line[:600]
        return ""

    @staticmethod
    def _why(cell, m, answer):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                evalue = out.get("evalue", "").strip()
                if out.get("ename") in ("CellTimeoutError", "TimeoutError"):
                    return "the test ran out of time (is a loop endless, or very slow?)"
                if out.get("ename") == "NameError":
                    return (f"{evalue}: the function is missing (did its cell raise an error, "
                            "or was it renamed?)")
                if out.get("ename") == "NotImplementedError" or "NotImplementedError" in evalue:
                    return "not answered yet (the stub raises NotImplementedError)"
                return (evalue or out.get("ename", "error"))[:600]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                return ("the test printed a warning or error output, which counts as a failure: "
                        + str(out.get("text", "")).strip()[:200])
        comment = _meta(answer).get("comment") if answer is not None else None
        if comment:
            lines = [ln for ln in str(comment).splitlines() if m["grade_id"] in ln]
            if lines:
                return lines[0][:600]
            if "No response" in str(comment):
                return "no answer"
        if m.get("solution"):
            return "graded by hand; see the comment under your answer"
        return "the test did not pass"


@dataclass
class FeedbackResult:
    written: list = field(default_factory=list)  # (student, html path)
    skipped: list = field(default_factory=list)  # (student, reason)
    failed: list = field(default_factory=list)  # (student, reason)
    leaks: list = field(default_factory=list)  # (student, path, line)

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.leaks) else 0


def _config(course, notes, summaries):
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    config = course.config()
    config.GenerateFeedback.preprocessors = [
        GetGrades, ScrubHiddenTests, FeedbackSummary, ClearHiddenTests,
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    nbgrader_templates = Path(__import__("nbgrader").__file__).parent / "server_extensions" \
        / "formgrader" / "templates"
    config.HTMLExporter.template_name = "lrc_feedback"  # based on nbgrader's "feedback"
    config.HTMLExporter.template_file = "lrc.html.j2"  # extends that template's index
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates)]
    config.FeedbackSummary.notes = notes
    config.FeedbackSummary.summaries = summaries
    return config


def _text_of(path) -> str:
    raw = Path(path).read_text(errors="replace")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.DOTALL | re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return re.sub(r"[ \t]+", " ", text)


def _one(args):
    root, db_url, assignment, student, notes, summaries, hidden = args
    import logging

    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from ..grading.nbgrade import prepare_nbgrader
    from .course import InstructorCourse

    prepare_nbgrader()
    course = InstructorCourse(root, db_url)
    # nbgrader's converter itself, not NbGraderAPI.generate_feedback: that one forces
    # nbgrader's own template.
    config = _config(course, notes, summaries)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    converter = GenerateFeedback(coursedir=coursedir, config=config)
    converter.log.setLevel(logging.WARNING)
    converter.force = True
    result = capture_log(converter)
    if not result["success"]:
        text = (result.get("error") or result.get("log") or "").strip().splitlines()
        return student, None, f"generate_feedback failed: {text[-1] if text else '?'}", []
    from .offline_math import typeset

    leaks = []
    pages = sorted(course.feedback_dir(student, assignment).glob("*.html"))
    for page in pages:
        page.write_text(typeset(page.read_text()))  # maths offline, no MathJax CDN
        text = _text_of(page)
        squeezed = re.sub(r"\s+", "", text)
        for line in hidden:
            if len(line) >= 8 and re.sub(r"\s+", "", line) in squeezed:
                leaks.append((str(page), line))
                page.unlink()  # never leave a page that shows a hidden test
                break
    return student, [str(p) for p in pages], None, leaks


def generate_feedback(course, assignment, students=None, jobs=1, log=print) -> FeedbackResult:
    """Write ``feedback/<student>/<assignment>/<notebook>.html`` for graded students."""
    import nbformat

    from .grade import load_results

    course.notebooks(assignment)
    result = FeedbackResult()
    ledger = load_results(course, assignment)
    everyone = sorted({*course.students(assignment), *ledger})
    if students:
        unknown = [s for s in students if s not in everyone]
        if unknown:
            raise ValueError(f"no submission of {assignment} for: {', '.join(unknown)}")
        everyone = list(students)
    todo = []
    for s in everyone:
        if not course.autograded_dir(s, assignment).is_dir():
            reason = (ledger.get(s, {}).get("reason") or "not graded yet (run grade first)")
            result.skipped.append((s, reason))
        else:
            todo.append(s)
    hidden = []
    summaries = {}
    for nb_name in course.notebooks(assignment):
        src = nbformat.read(str(course.source_notebook(assignment, nb_name)), as_version=4)
        hidden.extend(hidden_lines(src))
    try:
        from ..grading.specs import get_spec

        summaries = {g: c.summary for g, c in get_spec(assignment).checks.items()}
    except (ImportError, ValueError):
        pass
    notes = {s: [f"About your submission: {n}" for n in ledger.get(s, {}).get("notes", [])
                 if "graded as" in n or "restored" in n or "missing" in n or "duplicate" in n]
             for s in todo}
    args = [(str(course.root), course.db_url, assignment, s, {s: notes[s]}, summaries, hidden)
            for s in todo]
    if not args:
        return result
    log(f"Feedback for {assignment}: {len(todo)} student(s)"
        + (f", {len(result.skipped)} without a graded notebook" if result.skipped else ""))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(args)))
    if jobs == 1:
        outputs = map(_one, args)
    else:
        import multiprocessing

        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))
        outputs = pool.map(_one, args, chunksize=max(1, len(args) // (4 * jobs)))
    for student, pages, error, leaks in outputs:
        if error:
            result.failed.append((student, error))
            continue
        for page, line in leaks:
            result.leaks.append((student, page, line))
        for page in pages:
            if os.path.exists(page):
                result.written.append((student, page))
    if jobs > 1:
        pool.shutdown()
    return result
