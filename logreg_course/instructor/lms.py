"""Grades in the shape a learning-management system imports: Canvas and Moodle CSV.

nbgrader's own CSV (``exports/grades.csv``) has one row per student *and*
assignment; an LMS wants one row per student and one column per assignment,
with the LMS's own ids. This module writes that, from the gradebook:

``exports/canvas.csv``
    Canvas's gradebook import format, which is the shape of Canvas's own
    gradebook export: ``Student, ID, SIS User ID, SIS Login ID, Section``,
    then one column per assignment (and, with ``parts``, one per graded part),
    and a ``Points Possible`` row. Canvas matches a row by ``ID`` (its user
    id: `collect` records it from the download's file names), SIS ids or
    name. An assignment column titled ``Name (assignment id)`` updates that
    Canvas assignment; any other title creates a new one on import.
``exports/moodle.csv``
    For Moodle's gradebook import (*Grades > Import > CSV file*): the
    identifying columns, then one column per assignment (and per part). In
    Moodle's import dialog you map one column to a user field (email
    address, username or ID number) and each grade column to a grade item.
``exports/<format>-notes.csv``
    One line per learner and assignment saying what was exported and why:
    status, submission time and where it came from, due date, how late,
    the penalty rule, the raw score, the penalty and the exported score.

Rows and matching
    With ``roster`` (the LMS's own export: Canvas's gradebook CSV, Moodle's
    grading worksheet or gradebook export) every row of the roster is
    kept, in its order, with its identifying columns untouched: learners
    with no submission get an empty grade and are never dropped; learners
    graded here but not in the roster are appended at the end and reported.
    A roster row is matched to a learner by, in order: the LMS ids that
    `collect` recorded (Canvas user id, Moodle participant id), the
    gradebook's ``lms_user_id`` or email, the learner's id here (a hub
    username or email in an SIS / email / username column), and last by
    name when the name is unique on both sides; anything ambiguous is left
    unmatched and reported. The roster's *other* grade columns are not
    copied: re-importing an old value would overwrite a newer one in the LMS.
    Without a roster, the rows are every learner the course knows (the
    gradebook, ``submitted/`` and what `collect` recorded).

Scores
    The gradebook's score (autograded and manual). A learner whose
    submission waits for manual grading, or could not be graded, gets an
    empty grade (``include_pending`` exports the partial score instead),
    never a silent zero. Per-part columns are the parts' raw points.

Late submissions and the penalty policy
    The submission time comes from, in order: nbgrader's timestamp (the
    gradebook, or ``timestamp.txt`` from nbgrader's exchange), the LMS file
    name (Blackboard's attempt time), or the file's time in the LMS
    download (marked as such: it may be when the file was zipped, not when
    it was submitted). Canvas's ``LATE`` mark is reported as the LMS said.
    The due date is ``LmsExport.due`` in the course's ``nbgrader_config.py``,
    else the gradebook's (nbgrader's, with a learner's extension added).
    The optional penalty (off unless ``LmsExport.penalty_per_day`` is set)
    deducts that fraction of the assignment's maximum per *started* day
    late after ``grace_minutes``, capped at ``max_penalty``, never below
    zero; only on a time from nbgrader or the LMS unless
    ``trust_file_times``. The gradebook is never changed: the penalty is
    applied to the exported number only and written in the notes file and
    on the terminal. If nbgrader's own late-submission plugin already put a
    penalty in the gradebook, that one is used and said (configuring both is
    an error).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from traitlets import Bool, Dict, Float, Unicode
from traitlets.config import Configurable

__all__ = ["FORMATS", "GradeRow", "LmsExport", "LmsResult", "Roster", "build_rows",
           "export_lms", "read_roster", "render_csv"]

FORMATS = ("canvas", "moodle")
CANVAS_ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
_CANVAS_ALSO = {"Integration ID", "Root Account", "SIS Section ID"}


class LmsExport(Configurable):
    """Settings of the LMS exports, in the course's ``nbgrader_config.py``::

        c.LmsExport.due = {"01-sigmoid": "2026-02-06 23:59"}
        c.LmsExport.timezone = "Europe/London"
        c.LmsExport.penalty_per_day = 0.10   # 10 % of the maximum per started day
        c.LmsExport.max_penalty = 0.50       # at most half the maximum
        c.LmsExport.canvas_columns = {"01-sigmoid": "Notebook 1: the sigmoid (48213)"}
    """

    due = Dict(key_trait=Unicode(), value_trait=Unicode(),
               help="Assignment -> due date, ISO 8601 ('2026-02-06 23:59', or with an offset "
                    "'2026-02-06T23:59+01:00'). Default: the gradebook's due date.").tag(
        config=True)
    timezone = Unicode("", help="IANA time zone of due dates and LMS file-name times written "
                                "without an offset (default: this machine's).").tag(config=True)
    grace_minutes = Float(0.0, help="Minutes after the due date that are not late.").tag(
        config=True)
    penalty_per_day = Float(0.0, help="Fraction of the assignment's maximum deducted per "
                                      "started day late (0: no penalty, lateness is only "
                                      "reported).").tag(config=True)
    max_penalty = Float(1.0, help="The largest deduction, as a fraction of the maximum.").tag(
        config=True)
    trust_file_times = Bool(False, help="Also penalise on the file's time in the LMS download "
                                        "(by default only nbgrader's timestamps and times in "
                                        "LMS file names count).").tag(config=True)
    canvas_columns = Dict(key_trait=Unicode(), value_trait=Unicode(),
                          help="Assignment -> the Canvas column title to write, e.g. "
                               "'Notebook 1 (48213)' (default: the roster's column whose name "
                               "is the assignment, else the assignment id).").tag(config=True)


# --- time ------------------------------------------------------------------------------------

def _zone(name: str):
    if not name:
        return datetime.now().astimezone().tzinfo
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"LmsExport.timezone: unknown time zone {name!r}") from None


def _parse_time(text: str, tz, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not an ISO 8601 date and time "
                         "(e.g. '2026-02-06 23:59' or '2026-02-06T23:59+01:00')") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _utc(naive_utc: datetime | None) -> datetime | None:
    """nbgrader stores naive UTC datetimes."""
    if naive_utc is None:
        return None
    return naive_utc if naive_utc.tzinfo else naive_utc.replace(tzinfo=timezone.utc)


def _attempt_time(text: str, tz) -> datetime | None:
    """Blackboard's ``attempt_2026-02-06-23-59-10`` -> a datetime."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})(?:-(\d{2}))?", text or "")
    if not m:
        return None
    parts = [int(x) if x else 0 for x in m.groups()]
    try:
        return datetime(*parts, tzinfo=tz)
    except ValueError:
        return None


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    out = (f"{days} d " if days else "") + (f"{hours} h " if hours or days else "") \
        + f"{minutes} min"
    return out


def _fmt(t: datetime | None) -> str:
    return t.isoformat(sep=" ", timespec="minutes") if t else ""


# --- the rows ---------------------------------------------------------------------------------

@dataclass
class GradeRow:
    """One learner and one assignment, as exported."""

    student: str
    assignment: str
    max_score: float
    status: str = "no submission"  # graded | no submission | could not be graded |
    #                                waiting for manual grading | not graded yet
    raw: float | None = None
    parts: dict = field(default_factory=dict)  # grade id -> points
    submitted_at: datetime | None = None
    time_source: str = ""
    lms_late: bool = False  # the LMS marked it late (Canvas's LATE)
    due: datetime | None = None
    due_source: str = ""
    late_by: timedelta | None = None
    penalty: float = 0.0
    penalty_rule: str = ""
    exported: float | None = None
    note: str = ""


@dataclass
class Learner:
    """Everything known about one learner's identity."""

    student: str
    names: set = field(default_factory=set)  # as the LMS or gradebook wrote them
    lms_user_ids: set = field(default_factory=set)
    participants: set = field(default_factory=set)
    emails: set = field(default_factory=set)
    display: str = ""  # "First Last" from the gradebook, else the LMS's name, else the id
    sortable: str = ""  # "Last, First", as Canvas writes names, when the gradebook has them


def _collected(course, assignment) -> tuple[dict, list]:
    """(the latest record per learner, every record) of `collect` for an assignment.

    The latest says how the current submission arrived (its times, LATE mark); the ids
    come from every record, so that a later collect from a plain folder does not make
    the LMS's ids of an earlier download unknown."""
    import json

    from .ledger import Ledger

    path = course.grading_dir(assignment) / "collected.jsonl"
    history = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("student"), str):
                history.append(entry)
    return Ledger(path).entries(), history


def _parts_order(course, assignment) -> dict:
    import json

    order = {}
    for nb in course.notebooks(assignment):
        path = course.source_notebook(assignment, nb)
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for c in cells:
            gid = ((c.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
            if gid and gid not in order:
                order[gid] = len(order)
    return order


def build_rows(course, assignments, settings: LmsExport | None = None,
               include_pending: bool = False):
    """Grade rows for every known learner and each assignment.

    Parameters
    ----------
    course : InstructorCourse
    assignments : list of str
    settings : LmsExport, optional
        Due dates and the penalty policy (default: from the course's configuration).
    include_pending : bool
        Export the current score of submissions waiting for manual grading (noted) instead
        of an empty grade.

    Returns
    -------
    rows : dict
        ``{(student, assignment): GradeRow}``.
    learners : dict
        ``{student: Learner}``.
    parts : dict
        ``{assignment: [(grade id, max points), ...]}`` in notebook order.
    """
    from nbgrader.api import MissingEntry

    from .ledger import Ledger

    settings = settings or LmsExport(config=course.config())
    tz = _zone(settings.timezone)
    for name, value in settings.due.items():
        _parse_time(value, tz, f"LmsExport.due[{name!r}]")
    if not 0 <= settings.penalty_per_day <= 1 or not 0 <= settings.max_penalty <= 1:
        raise ValueError("LmsExport.penalty_per_day and max_penalty are fractions of the "
                         "maximum, between 0 and 1")
    rows: dict = {}
    learners: dict = {}
    parts: dict = {}

    def learner(sid) -> Learner:
        if sid not in learners:
            learners[sid] = Learner(sid)
        return learners[sid]

    with course.gradebook() as gb:
        for st in gb.students:
            entry = learner(st.id)
            if st.lms_user_id:
                entry.lms_user_ids.add(str(st.lms_user_id))
            if st.email:
                entry.emails.add(st.email)
            full = " ".join(x for x in (st.first_name, st.last_name) if x)
            if full:
                entry.names.add(full)
                entry.display = entry.display or full
            if st.first_name and st.last_name:
                entry.sortable = f"{st.last_name}, {st.first_name}"
        data = {}
        for aid in assignments:
            try:
                a = gb.find_assignment(aid)
            except MissingEntry:
                raise ValueError(f"not in the gradebook: {aid}; run grade first") from None
            order = _parts_order(course, aid)
            parts[aid] = sorted(((gc.name, gc.max_score) for nb in a.notebooks
                                 for gc in nb.grade_cells if gc.max_score > 0),
                                key=lambda p: order.get(p[0], 10**6))
            ledger = Ledger(course.grading_dir(aid) / "ledger.jsonl").entries()
            collected, history = _collected(course, aid)
            for rec in history:
                sid = rec["student"]
                entry = learner(sid)
                if rec.get("lms_name"):
                    entry.names.add(rec["lms_name"])
                    entry.display = entry.display or rec["lms_name"]
                if rec.get("lms_user_id"):
                    entry.lms_user_ids.add(str(rec["lms_user_id"]))
                if rec.get("participant"):
                    entry.participants.add(str(rec["participant"]))
            subs = {s.student.id: s for s in gb.assignment_submissions(aid)}
            for sid in set(subs) | set(ledger) | set(course.students(aid)):
                learner(sid)
            data[aid] = (a.max_score, subs, ledger, collected)
        # every learner gets a row for every assignment, whatever they handed in
        for aid, (max_score, subs, ledger, collected) in data.items():
            for sid in sorted(learners):
                row = GradeRow(sid, aid, float(max_score))
                rows[(sid, aid)] = row
                sub = subs.get(sid)
                entry = ledger.get(sid)
                rec = collected.get(sid, {})
                submitted = sub is not None or entry is not None or \
                    course.submission_dir(sid, aid).is_dir()
                if entry is not None and entry.get("status") != "graded":
                    row.status = "could not be graded"
                    row.note = entry.get("reason", "")
                elif sub is not None:
                    row.raw = float(sub.score)
                    row.parts = {g.name: float(g.score) for nb in sub.notebooks
                                 for g in nb.grades if g.max_score > 0}
                    waiting = sorted(g.name for nb in sub.notebooks for g in nb.grades
                                     if g.needs_manual_grade)
                    row.status = "waiting for manual grading" if waiting else "graded"
                    if waiting:
                        row.note = "waiting for manual grading: " + ", ".join(waiting)
                elif submitted:
                    row.status = "not graded yet"
                _lateness(course, row, sub, rec, settings, tz)
                _penalise(row, sub, settings, include_pending)
    return rows, learners, parts


def _lateness(course, row: GradeRow, sub, rec: dict, settings: LmsExport, tz) -> None:
    """Submission time, due date and how late (no penalty yet)."""
    from nbgrader.utils import parse_utc

    if row.status == "no submission":
        return
    stamp = _utc(sub.timestamp) if sub is not None else None
    if stamp is None:
        path = course.submission_dir(row.student, row.assignment) / "timestamp.txt"
        if path.is_file():
            try:
                stamp = _utc(parse_utc(path.read_text().strip()))
            except (ValueError, OverflowError):
                stamp = None
    if stamp is not None:
        row.submitted_at, row.time_source = stamp, "nbgrader timestamp"
    elif _attempt_time(rec.get("attempt", ""), tz):
        row.submitted_at = _attempt_time(rec["attempt"], tz)
        row.time_source = "LMS file name (Blackboard attempt)"
    elif rec.get("file_time"):
        row.submitted_at = datetime.fromisoformat(rec["file_time"])
        row.time_source = "file time in the LMS download"
    row.lms_late = bool(rec.get("late"))
    extension = getattr(sub, "extension", None) if sub is not None else None
    if row.assignment in settings.due:
        row.due = _parse_time(settings.due[row.assignment], tz,
                              f"LmsExport.due[{row.assignment!r}]")
        row.due_source = "LmsExport.due"
        if extension:
            row.due += extension
            row.due_source += " + nbgrader extension"
    elif sub is not None and sub.duedate is not None:
        row.due, row.due_source = _utc(sub.duedate), "gradebook"
    if row.due and row.submitted_at:
        late = row.submitted_at - row.due - timedelta(minutes=settings.grace_minutes)
        row.late_by = late if late > timedelta(0) else None


def _penalise(row: GradeRow, sub, settings: LmsExport, include_pending: bool) -> None:
    """The exported score: the raw score, minus a penalty that is always stated."""
    nb_penalty = float(getattr(sub, "late_submission_penalty", 0) or 0) if sub else 0.0
    if nb_penalty and settings.penalty_per_day:
        raise ValueError(
            f"{row.student}/{row.assignment}: nbgrader's late-submission plugin already put a "
            f"penalty of {nb_penalty:g} in the gradebook, and LmsExport.penalty_per_day is set "
            "too; use one policy, not both")
    if row.status == "graded" or (row.status == "waiting for manual grading"
                                  and include_pending):
        score = row.raw
        if row.status != "graded":
            row.note += " (exported: the score so far, --include-pending)"
        if nb_penalty:
            row.penalty = min(nb_penalty, score)
            row.penalty_rule = "nbgrader's late-submission penalty (in the gradebook)"
        elif row.late_by and settings.penalty_per_day:
            trusted = row.time_source != "file time in the LMS download" or \
                settings.trust_file_times
            if trusted:
                days = math.ceil(row.late_by / timedelta(days=1))
                fraction = min(settings.max_penalty, settings.penalty_per_day * days)
                row.penalty = round(min(score, fraction * row.max_score), 4)
                row.penalty_rule = (f"{settings.penalty_per_day:.0%} of {row.max_score:g} per "
                                    f"started day x {days} day(s)"
                                    + (f", capped at {settings.max_penalty:.0%}"
                                       if fraction == settings.max_penalty
                                       and settings.penalty_per_day * days
                                       > settings.max_penalty else ""))
            else:
                row.penalty_rule = ("none: the only time is the file's time in the download "
                                    "(LmsExport.trust_file_times is off)")
        row.exported = round(score - row.penalty, 4)


# --- the roster ---------------------------------------------------------------------------------

def _norm_name(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass
class Roster:
    """An LMS export read back: its kind, identifying columns and rows."""

    kind: str  # "canvas", "moodle-worksheet" or "moodle-gradebook"
    path: Path
    id_columns: list
    rows: list  # dicts (identifying columns only), students only
    headers: list  # every header of the file (to find an assignment's Canvas column)


def read_roster(path) -> Roster:
    """Read an LMS export: Canvas's gradebook CSV, Moodle's grading worksheet or its
    gradebook export (CSV).

    Raises
    ------
    ValueError
        If the file is not one of those (the message names the columns expected).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--roster {path} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = headers
    hs = set(headers)
    if {"Student", "ID"} <= hs:
        kind = "canvas"
        id_columns = [h for h in headers if h in CANVAS_ID_COLUMNS or h in _CANVAS_ALSO]
    elif {"Identifier", "Full name"} <= hs:
        kind = "moodle-worksheet"
        id_columns = [h for h in headers if h in ("Identifier", "Full name", "Email address",
                                                   "ID number", "Username")]
    elif ({"First name", "Last name"} <= hs or "Email address" in hs):
        kind = "moodle-gradebook"
        id_columns = [h for h in headers if h in ("First name", "Last name", "ID number",
                                                   "Username", "Institution", "Department",
                                                   "Email address")]
    else:
        raise ValueError(f"--roster {path}: not an LMS export this command reads (columns "
                         f"{', '.join(headers[:8]) or 'none'}). Expected Canvas's gradebook "
                         "export (Student, ID, ...), Moodle's grading worksheet (Identifier, "
                         "Full name, ...) or Moodle's gradebook export (First name, Last name, "
                         "Email address, ...)")
    rows = []
    for raw in reader:
        row = {h: (raw.get(h) or "").strip() for h in id_columns}
        first = row.get("Student", row.get("Full name", row.get("First name", "")))
        if kind == "canvas" and (first.strip() == "Points Possible" or not any(row.values())):
            continue  # Canvas's points row (and blank lines): not a learner
        if not any(row.values()):
            continue
        rows.append(row)
    return Roster(kind, path, id_columns, rows, headers)


def _roster_keys(roster: Roster, row: dict) -> tuple[set, set]:
    """(strong keys, name keys) of one roster row."""
    strong, names = set(), set()
    if roster.kind == "canvas":
        if row.get("ID"):
            strong.add(("lms", row["ID"]))
        for col in ("SIS User ID", "SIS Login ID", "Integration ID"):
            if row.get(col):
                strong.add(("login", row[col].lower()))
        if row.get("Student"):
            names.add(_norm_name(row["Student"]))
            if "," in row["Student"]:  # "Lovelace, Ada" -> also "Ada Lovelace"
                last, first = row["Student"].split(",", 1)
                names.add(_norm_name(first + last))
    else:
        m = re.search(r"(\d+)\s*$", row.get("Identifier", ""))
        if m:
            strong.add(("participant", m.group(1)))
        for col in ("Email address", "Username", "ID number"):
            if row.get(col):
                strong.add(("login", row[col].lower()))
        full = row.get("Full name") or " ".join(
            x for x in (row.get("First name", ""), row.get("Last name", "")) if x)
        if full:
            names.add(_norm_name(full))
            if row.get("First name") or row.get("Last name"):
                names.add(_norm_name(row.get("Last name", "") + row.get("First name", "")))
    return strong, names


def _learner_keys(learner: Learner) -> tuple[set, set]:
    strong = {("lms", x) for x in learner.lms_user_ids}
    strong |= {("participant", x) for x in learner.participants}
    strong |= {("login", x.lower()) for x in learner.emails}
    strong.add(("login", learner.student.lower()))
    names = {_norm_name(n) for n in learner.names} | {_norm_name(learner.student)}
    return strong, {n for n in names if n}


def match_roster(roster: Roster, learners: dict):
    """Match roster rows to learners.

    Returns
    -------
    matched : dict
        Roster row index -> student id.
    problems : list of str
        Ambiguous rows and learners, with the reason.
    """
    lk = {sid: _learner_keys(lr) for sid, lr in learners.items()}
    by_strong: dict = {}
    by_name: dict = {}
    for sid, (strong, names) in lk.items():
        for k in strong:
            by_strong.setdefault(k, set()).add(sid)
        for n in names:
            by_name.setdefault(n, set()).add(sid)
    matched, problems = {}, []
    pending_names = []
    for i, row in enumerate(roster.rows):
        strong, names = _roster_keys(roster, row)
        hits = set().union(*(by_strong.get(k, set()) for k in strong)) if strong else set()
        if len(hits) == 1:
            matched[i] = next(iter(hits))
        elif len(hits) > 1:
            problems.append(f"roster row {i + 2} ({_label(row)}) matches several learners: "
                            f"{', '.join(sorted(hits))}; left empty")
        else:
            pending_names.append((i, names))
    rows_of: dict = {}
    for i, sid in matched.items():
        rows_of.setdefault(sid, []).append(i)
    for sid, idx in rows_of.items():
        if len(idx) > 1:
            problems.append(f"{sid} matches roster rows "
                            f"{', '.join(str(i + 2) for i in idx)}; all left empty")
            for i in idx:
                del matched[i]
    used = set(matched.values())
    name_rows: dict = {}
    for i, names in pending_names:
        for n in names:
            name_rows.setdefault(n, set()).add(i)
    for i, names in pending_names:
        cands = set().union(*(by_name.get(n, set()) for n in names)) - used if names else set()
        if len(cands) == 1:
            sid = next(iter(cands))
            # the name must be unique on the roster's side too
            if all(len(name_rows.get(n, ())) == 1 for n in names if sid in by_name.get(n, ())):
                matched[i] = sid
                used.add(sid)
                continue
            problems.append(f"roster row {i + 2} ({_label(roster.rows[i])}): the name is "
                            f"shared by several roster rows; not matched to {sid} by name")
        elif len(cands) > 1:
            problems.append(f"roster row {i + 2} ({_label(roster.rows[i])}): the name fits "
                            f"several learners ({', '.join(sorted(cands))}); left empty")
    return matched, problems


def _label(row: dict) -> str:
    return next((v for v in row.values() if v), "?")


# --- the files ------------------------------------------------------------------------------

def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.4f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{x:.0f}"


@dataclass
class LmsResult:
    """What `export_lms` wrote and found."""

    files: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # need the instructor
    notes: list = field(default_factory=list)  # worth saying
    kept: list = field(default_factory=list)  # edited files kept aside (--force)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


def _canvas_column(aid, roster: Roster | None, settings: LmsExport) -> tuple[str, bool]:
    """(column title, whether it names an existing Canvas assignment)."""
    if aid in settings.canvas_columns:
        title = settings.canvas_columns[aid]
        return title, bool(re.search(r"\(\d+\)\s*$", title))
    if roster is not None:
        for h in roster.headers:
            m = re.fullmatch(r"(.*?)\s*\((\d+)\)", h)
            if m and m.group(1).strip().lower() == aid.lower():
                return h, True
    return aid, False


def render_csv(fmt, assignments, rows, learners, parts, roster: Roster | None = None,
               settings: LmsExport | None = None, with_parts: bool = False):
    """The import file and the notes file of `fmt` (``canvas`` or ``moodle``), as text.

    Returns
    -------
    grades : str
    notes : str
    problems : list of str
    messages : list of str
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: nbgrader, {', '.join(FORMATS)})")
    settings = settings or LmsExport()
    problems, messages = [], []
    if roster is not None and fmt == "canvas" and roster.kind != "canvas":
        raise ValueError(f"--roster {roster.path} is a Moodle file; --format canvas needs "
                         "Canvas's gradebook export")
    if roster is not None and fmt == "moodle" and roster.kind == "canvas":
        raise ValueError(f"--roster {roster.path} is Canvas's gradebook export; --format moodle "
                         "needs Moodle's grading worksheet or gradebook export")
    maxima = {a: r.max_score for (_, a), r in rows.items()}
    # the grade columns
    columns = []  # (title, assignment, part or None)
    for aid in assignments:
        if fmt == "canvas":
            title, existing = _canvas_column(aid, roster, settings)
            if not existing:
                messages.append(f"column {title!r} names no existing Canvas assignment (no "
                                "'Name (id)' title): importing it creates a new assignment. "
                                "Set LmsExport.canvas_columns or give Canvas's export as "
                                "--roster to update an existing one")
        else:
            title = aid
        columns.append((title, aid, None))
        if with_parts:
            for gid, _ in parts[aid]:
                columns.append((f"{aid}: {gid}", aid, gid))
    # the rows: (identifying values, student or None)
    order: list = []
    if roster is not None:
        id_cols = list(roster.id_columns)
        matched, match_problems = match_roster(roster, learners)
        problems.extend(match_problems)
        for i, row in enumerate(roster.rows):
            order.append(([row.get(c, "") for c in id_cols], matched.get(i)))
        in_roster = set(matched.values())
        missing = sorted(s for s in learners if s not in in_roster and any(
            rows[(s, a)].status != "no submission" for a in assignments))
        for sid in missing:
            problems.append(f"{sid} has work in {', '.join(a for a in assignments if rows[(sid, a)].status != 'no submission')} "  # noqa: E501
                            f"but no row in the roster {roster.path.name}; appended at the end "
                            "(the LMS will not match it until its id is filled in)")
            order.append((_identity(fmt, id_cols, learners[sid], roster.kind), sid))
        unmatched_rows = [i for i in range(len(roster.rows)) if i not in matched]
        if unmatched_rows:
            messages.append(f"{len(unmatched_rows)} roster row(s) match no learner here (no "
                            "submission anywhere): kept with empty grades")
    else:
        id_cols = CANVAS_ID_COLUMNS if fmt == "canvas" else ["Student", "Full name",
                                                             "Email address"]
        for sid in sorted(learners):
            order.append((_identity(fmt, id_cols, learners[sid], None), sid))
        if fmt == "canvas":
            no_id = sorted(s for s in learners if not learners[s].lms_user_ids)
            if no_id:
                messages.append(f"{len(no_id)} learner(s) have no Canvas user id (not collected "
                                "from a Canvas download): Canvas matches them by name or SIS "
                                f"id only ({', '.join(no_id[:8])}{' ...' if len(no_id) > 8 else ''}); "  # noqa: E501
                                "give Canvas's gradebook export as --roster")
        else:
            messages.append("Moodle: map 'Email address' (or 'Student', if it holds usernames) "
                            "to a user field in the import dialog; give a grading worksheet or "
                            "gradebook export as --roster to fill in every learner's email")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(id_cols + [c[0] for c in columns])
    if fmt == "canvas":
        points = []
        for _title, aid, gid in columns:
            if gid is None:
                points.append(_num(maxima[aid]))
            else:
                points.append(_num(dict(parts[aid])[gid]))
        w.writerow(["    Points Possible"] + [""] * (len(id_cols) - 1) + points)
    for values, sid in order:
        cells = []
        for _title, aid, gid in columns:
            row = rows.get((sid, aid)) if sid else None
            if row is None:
                cells.append("")
            elif gid is None:
                cells.append(_num(row.exported))
            else:
                cells.append(_num(row.parts.get(gid)) if row.exported is not None else "")
        w.writerow(values + cells)
    # the notes: every learner and assignment, what was exported and why
    nout = io.StringIO()
    nw = csv.writer(nout, lineterminator="\n")
    nw.writerow(["student", "name", "LMS user id", "assignment", "status", "submitted at",
                 "time from", "LMS marked late", "due", "due from", "late by", "raw score",
                 "max score", "penalty", "penalty rule", "exported", "note"])
    for sid in sorted(learners):
        lr = learners[sid]
        for aid in assignments:
            r = rows[(sid, aid)]
            nw.writerow([sid, lr.display, ";".join(sorted(lr.lms_user_ids)), aid, r.status,
                         _fmt(r.submitted_at), r.time_source, "yes" if r.lms_late else "",
                         _fmt(r.due), r.due_source, _duration(r.late_by) if r.late_by else "",
                         _num(r.raw), _num(r.max_score), _num(r.penalty) if r.penalty else "",
                         r.penalty_rule, _num(r.exported), r.note])
    return out.getvalue(), nout.getvalue(), problems, messages


def _identity(fmt, id_cols, learner: Learner, roster_kind) -> list:
    values = {c: "" for c in id_cols}
    name = learner.display or learner.student
    if fmt == "canvas" and learner.sortable:
        name = learner.sortable
    lms_id = sorted(learner.lms_user_ids)[0] if learner.lms_user_ids else ""
    email = sorted(learner.emails)[0] if learner.emails else (
        learner.student if "@" in learner.student else "")
    for c in id_cols:
        if c in ("Student", "Full name"):
            values[c] = name if not (fmt == "moodle" and c == "Student") else learner.student
        elif c == "ID":
            values[c] = lms_id
        elif c == "Email address":
            values[c] = email
        elif c == "Identifier":
            parts = sorted(learner.participants)
            values[c] = f"Participant {parts[0]}" if len(parts) == 1 else ""
    return [values[c] for c in id_cols]


def export_lms(course, assignments, formats, to, *, roster=None, with_parts=False,
               include_pending=False, force=False, settings: LmsExport | None = None):
    """Write ``<to>/<format>.csv`` and ``<to>/<format>-notes.csv`` for each format.

    Parameters
    ----------
    course : InstructorCourse
    assignments : list of str
    formats : list of str
        ``canvas`` and/or ``moodle``.
    to : path
        The exports folder.
    roster : path, optional
        The LMS's own export (see `read_roster`).
    with_parts : bool
        One more column per graded part.
    include_pending : bool
        See `build_rows`.
    force : bool
        Replace export files that were edited since they were written (kept aside).
    settings : LmsExport, optional
        Default: ``c.LmsExport`` of the course's ``nbgrader_config.py``.

    Returns
    -------
    LmsResult
    """
    from .exportfiles import write_export

    settings = settings or LmsExport(config=course.config())
    result = LmsResult()
    rows, learners, parts = build_rows(course, assignments, settings, include_pending)
    result.rows = rows
    ros = read_roster(roster) if roster else None
    for fmt in formats:
        grades, notes, problems, messages = render_csv(fmt, assignments, rows, learners, parts,
                                                       ros, settings, with_parts)
        for name, text in ((f"{fmt}.csv", grades), (f"{fmt}-notes.csv", notes)):
            kept = write_export(Path(to) / name, text, force=force)
            result.files.append(Path(to) / name)
            if kept:
                result.kept.append(kept)
        result.problems.extend(p for p in problems if p not in result.problems)
        result.notes.extend(m for m in messages if m not in result.notes)
    for r in sorted(rows.values(), key=lambda r: (r.assignment, r.student)):
        if r.status in ("could not be graded", "not graded yet") or (
                r.status == "waiting for manual grading" and r.exported is None):
            said = r.note if r.note.startswith(r.status) else r.status + (
                f" ({r.note})" if r.note else "")
            result.problems.append(f"{r.student}/{r.assignment}: {said}: grade left empty")
        if r.late_by or r.lms_late:
            when = (f"{_duration(r.late_by)} late" if r.late_by else "marked LATE by the LMS")
            at = f", submitted {_fmt(r.submitted_at)} ({r.time_source})" if r.submitted_at \
                else ""
            pen = (f"; penalty -{_num(r.penalty)} ({r.penalty_rule}): {_num(r.raw)} -> "
                   f"{_num(r.exported)}") if r.penalty else (
                f"; no penalty ({r.penalty_rule})" if r.penalty_rule else "; no penalty")
            result.notes.append(f"{r.student}/{r.assignment}: {when}{at}{pen}")
    return result
