"""Grades for the LMS: Canvas and Moodle import files from a gradebook filled by hand.

No grading: each test's course gets a gradebook whose scores, timestamps and
manual-grading flags are set directly with nbgrader's API, and submissions
collected with the real `collect` from folders named as Canvas and Moodle name
their downloads (so the LMS ids come from where they come from in a term).
The expected files are written out by hand from the situation set up here.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from _cli_helpers import make_course

from logreg_course.instructor.collect import collect
from logreg_course.instructor.course import InstructorCourse
from logreg_course.instructor.exportfiles import ExportRefused, write_export
from logreg_course.instructor.ledger import Ledger
from logreg_course.instructor.lms import LmsExport, build_rows, export_lms, read_roster

A1, A2 = "01-sigmoid", "02-log-odds"
NB_JSON = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _gradebook(course, students):
    """Two assignments with a code part (3 points) and a written part (1 point) each.

    `students`: {id: (first, last, email, {assignment: (auto, manual or None, naive UTC
    timestamp or None)})}; manual None means the written answer waits for a grader.
    """
    with course.gradebook() as gb:
        for aid in (A1, A2):
            gb.add_assignment(aid)
            gb.add_notebook(aid, aid)
            gb.add_grade_cell("code_part", aid, aid, max_score=3, cell_type="code")
            gb.add_grade_cell("written_part", aid, aid, max_score=1, cell_type="markdown")
        for sid, (first, last, email, work) in students.items():
            gb.add_student(sid, first_name=first, last_name=last, email=email)
            for aid, (auto, manual, stamp) in work.items():
                gb.add_submission(aid, sid, timestamp=stamp)
                code = gb.find_grade("code_part", aid, aid, sid)
                code.auto_score, code.needs_manual_grade = auto, False
                written = gb.find_grade("written_part", aid, aid, sid)
                written.manual_score = manual
                written.needs_manual_grade = manual is None
                gb.db.commit()


def _table(text):
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture(scope="module")
def canvas_course(tmp_path_factory):
    """ada (on time), alan (late, Canvas marked LATE), grace (nothing at all), emmy (written
    answer not graded yet), kurt (could not be graded), collected from a Canvas download."""
    base = tmp_path_factory.mktemp("lms")
    root = make_course(base / "course", assignments=(A1, A2), release=False)
    course = InstructorCourse(root)
    download = base / "canvas"
    download.mkdir()
    for name in ("lovelaceada_12345_900001_01-sigmoid.ipynb",
                 "turingalan_LATE_12346_900002_01-sigmoid (1).ipynb",
                 "noetheremmy_12348_900004_01-sigmoid.ipynb",
                 "goedelkurt_12349_900005_01-sigmoid.ipynb"):
        (download / name).write_text(NB_JSON)
    result = collect(course, A1, download)
    assert sorted(result.students) == ["goedelkurt", "lovelaceada", "noetheremmy",
                                       "turingalan"], result.unplaced
    _gradebook(course, {
        "lovelaceada": ("Ada", "Lovelace", "", {
            A1: (3, 1, datetime(2026, 2, 6, 20, 0)), A2: (2, 1, None)}),
        "turingalan": ("Alan", "Turing", "", {A1: (2, 1, datetime(2026, 2, 8, 1, 59))}),
        "noetheremmy": ("Emmy", "Noether", "", {A1: (3, None, datetime(2026, 2, 6, 9, 0))}),
        "grace": ("Grace", "Hopper", "grace@uni.example", {}),
    })
    Ledger(course.grading_dir(A1) / "ledger.jsonl").append(
        {"student": "goedelkurt", "status": "failed", "reason": "not valid JSON"})
    settings = LmsExport(due={A1: "2026-02-06T23:59+00:00"}, penalty_per_day=0.1,
                         max_penalty=0.5)
    return course, settings


def test_collect_records_what_canvas_said(canvas_course):
    course, _ = canvas_course
    records = Ledger(course.grading_dir(A1) / "collected.jsonl").entries()
    assert records["lovelaceada"]["lms_user_id"] == "12345"
    assert records["lovelaceada"]["how"] == "canvas" and "late" not in records["lovelaceada"]
    assert records["turingalan"]["late"] is True
    assert records["turingalan"]["source"] == "turingalan_LATE_12346_900002_01-sigmoid (1).ipynb"


def test_rows_scores_statuses_and_the_late_penalty(canvas_course):
    course, settings = canvas_course
    rows, learners, parts = build_rows(course, [A1, A2], settings)
    assert parts[A1] == [("code_part", 3.0), ("written_part", 1.0)]
    assert set(learners) == {"lovelaceada", "turingalan", "noetheremmy", "goedelkurt", "grace"}
    ada, alan = rows[("lovelaceada", A1)], rows[("turingalan", A1)]
    assert (ada.status, ada.raw, ada.exported, ada.late_by) == ("graded", 4.0, 4.0, None)
    # 1 day 2 hours late: two started days at 10 % of the maximum 4 = 0.8 off the raw 3
    assert alan.time_source == "nbgrader timestamp" and alan.lms_late
    assert alan.late_by.total_seconds() == 26 * 3600
    assert (alan.raw, alan.penalty, alan.exported) == (3.0, 0.8, 2.2)
    assert "10% of 4 per started day x 2 day(s)" == alan.penalty_rule
    assert rows[("noetheremmy", A1)].status == "waiting for manual grading"
    assert rows[("noetheremmy", A1)].exported is None
    assert rows[("goedelkurt", A1)].status == "could not be graded"
    assert rows[("goedelkurt", A1)].note == "not valid JSON"
    assert rows[("grace", A1)].status == "no submission"
    assert rows[("turingalan", A2)].status == "no submission"
    assert rows[("lovelaceada", A2)].exported == 3.0
    # the gradebook itself is untouched
    with course.gradebook() as gb:
        assert gb.find_submission(A1, "turingalan").score == 3.0
    pending, _, _ = build_rows(course, [A1], settings, include_pending=True)
    assert pending[("noetheremmy", A1)].exported == 3.0
    assert "--include-pending" in pending[("noetheremmy", A1)].note


def test_canvas_file_without_a_roster(canvas_course, tmp_path):
    course, settings = canvas_course
    result = export_lms(course, [A1, A2], ["canvas"], tmp_path, with_parts=True,
                        settings=settings)
    table = _table((tmp_path / "canvas.csv").read_text())
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A1,
                        f"{A1}: code_part", f"{A1}: written_part", A2, f"{A2}: code_part",
                        f"{A2}: written_part"]
    assert table[1] == ["    Points Possible", "", "", "", "", "4", "3", "1", "4", "3", "1"]
    body = {r[0]: r for r in table[2:]}
    # names as Canvas writes them (from the gradebook), Canvas ids from the download
    assert sorted(body) == ["Hopper, Grace", "Lovelace, Ada", "Noether, Emmy", "Turing, Alan",
                            "goedelkurt"]
    assert body["Lovelace, Ada"][1] == "12345"
    assert body["Lovelace, Ada"][5:] == ["4", "3", "1", "3", "2", "1"]
    assert body["Turing, Alan"][1] == "12346"
    assert body["Turing, Alan"][5:8] == ["2.2", "2", "1"]
    assert body["Noether, Emmy"][5:8] == ["", "", ""]  # not final: empty, never 0
    assert body["Hopper, Grace"][1] == "" and body["Hopper, Grace"][5:] == [""] * 6
    assert body["goedelkurt"][1] == "12349" and body["goedelkurt"][5:8] == ["", "", ""]
    assert len(table) == 2 + 5, "every learner is listed, none dropped"
    assert any("goedelkurt/01-sigmoid: could not be graded" in p for p in result.problems)
    assert any("noetheremmy/01-sigmoid: waiting for manual grading" in p
               for p in result.problems)
    assert any(n.startswith("turingalan/01-sigmoid: 1 d 2 h 0 min late") and "-0.8" in n
               for n in result.notes)
    assert result.exit_code == 1
    notes = {(r[0], r[3]): r for r in _table((tmp_path / "canvas-notes.csv").read_text())}
    alan = notes[("turingalan", A1)]
    assert alan[4:11] == ["graded", "2026-02-08 01:59+00:00", "nbgrader timestamp", "yes",
                          "2026-02-06 23:59+00:00", "LmsExport.due", "1 d 2 h 0 min"]
    assert alan[11:16] == ["3", "4", "0.8", "10% of 4 per started day x 2 day(s)", "2.2"]


def test_canvas_file_fills_in_the_roster(canvas_course, tmp_path):
    course, settings = canvas_course
    roster = tmp_path / "canvas-export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (777),01-sigmoid (4321),"
        "Current Score\n"
        "    Points Possible,,,,,10,4,\n"
        '"Lamarr, Hedy",20000,s-hl,hlamarr,A,9,,90\n'
        '"Lovelace, Ada",12345,s-al,alovelace,A,8,,80\n'
        '"Hopper, Grace",20001,s-gh,grace,B,,,\n'
        '"Turing, Alan",12346,s-at,aturing,B,7,,70\n'
        '"Noether, Emmy",,s-en,enoether,B,,,\n', encoding="utf-8")
    result = export_lms(course, [A1], ["canvas"], tmp_path / "out", roster=roster,
                        settings=settings)
    table = _table((tmp_path / "out" / "canvas.csv").read_text())
    # identifying columns as Canvas wrote them; Canvas's own column for 01-sigmoid; the
    # quiz and score columns are not carried over (re-importing them could undo changes)
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "01-sigmoid (4321)"]
    assert [r[0] for r in table[2:]] == ["Lamarr, Hedy", "Lovelace, Ada", "Hopper, Grace",
                                         "Turing, Alan", "Noether, Emmy", "goedelkurt"]
    grades = {r[0]: r[5] for r in table[2:]}
    assert grades == {"Lamarr, Hedy": "", "Lovelace, Ada": "4", "Hopper, Grace": "",
                      "Turing, Alan": "2.2", "Noether, Emmy": "", "goedelkurt": ""}
    # kurt handed something in but is not on the roster: appended and reported
    assert any(p.startswith("goedelkurt has work in 01-sigmoid but no row in the roster")
               for p in result.problems)
    assert table[-1][1] == "12349"
    assert not any("creates a new assignment" in n for n in result.notes)


def test_roster_matching_refuses_to_guess(canvas_course, tmp_path):
    course, settings = canvas_course
    roster = tmp_path / "dupes.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      '"Noether, Emmy",,,,A\n"Noether, Emmy",,,,B\n', encoding="utf-8")
    result = export_lms(course, [A1], ["canvas"], tmp_path / "out", roster=roster,
                        settings=settings)
    table = _table((tmp_path / "out" / "canvas.csv").read_text())
    assert [r[0] for r in table[2:4]] == ["Noether, Emmy", "Noether, Emmy"]
    assert table[2][5] == table[3][5] == ""
    assert any("the name is shared by several roster rows" in p for p in result.problems)


def test_a_penalty_needs_a_trusted_time(canvas_course):
    """A file time from the download marks lateness but costs nothing unless trusted."""
    course, _ = canvas_course
    early = LmsExport(due={A1: "2000-01-01 00:00"}, penalty_per_day=0.1)
    rows, _, _ = build_rows(course, [A1], early)
    ada = rows[("lovelaceada", A1)]  # nbgrader timestamp: penalised (capped at 100 %)
    assert ada.late_by and ada.exported == 0.0 and ada.penalty == 4.0
    with course.gradebook() as gb:
        sub = gb.find_submission(A1, "lovelaceada")
        stamp, sub.timestamp = sub.timestamp, None
        gb.db.commit()
    try:
        rows, _, _ = build_rows(course, [A1], early)
        ada = rows[("lovelaceada", A1)]
        assert ada.time_source == "file time in the LMS download" and ada.late_by
        assert ada.exported == 4.0 and "trust_file_times is off" in ada.penalty_rule
        trusting = LmsExport(due={A1: "2000-01-01 00:00"}, penalty_per_day=0.1,
                             max_penalty=0.5, trust_file_times=True)
        rows, _, _ = build_rows(course, [A1], trusting)
        assert rows[("lovelaceada", A1)].exported == 2.0  # capped at half of 4
    finally:
        with course.gradebook() as gb:
            gb.find_submission(A1, "lovelaceada").timestamp = stamp
            gb.db.commit()


def test_two_penalty_policies_are_refused(canvas_course):
    course, settings = canvas_course
    with course.gradebook() as gb:
        sub = gb.find_submission(A1, "turingalan")
        sub.notebooks[0].late_submission_penalty = 1.0  # what nbgrader's plugin stores
        gb.db.commit()
    try:
        with pytest.raises(ValueError, match="use one policy, not both"):
            build_rows(course, [A1], settings)
        rows, _, _ = build_rows(course, [A1], LmsExport(due=settings.due))
        alan = rows[("turingalan", A1)]
        assert (alan.penalty, alan.exported) == (1.0, 2.0)
        assert "nbgrader's late-submission penalty" in alan.penalty_rule
    finally:
        with course.gradebook() as gb:
            gb.find_submission(A1, "turingalan").notebooks[0].late_submission_penalty = 0
            gb.db.commit()


def test_the_policy_is_read_from_the_course_configuration(canvas_course):
    course, _ = canvas_course
    config = course.root / "nbgrader_config.py"
    before = config.read_text()
    config.write_text(before + '\nc.LmsExport.due = {"01-sigmoid": "2026-02-07 23:59"}\n'
                      'c.LmsExport.timezone = "UTC"\nc.LmsExport.penalty_per_day = 0.25\n')
    try:
        rows, _, _ = build_rows(InstructorCourse(course.root), [A1])
        alan = rows[("turingalan", A1)]  # 2 h late: one started day at 25 % of 4
        assert alan.due_source == "LmsExport.due" and alan.penalty == 1.0
    finally:
        config.write_text(before)


def test_moodle_worksheet_roster_matches_participant_ids(tmp_path):
    root = make_course(tmp_path / "course", assignments=(A1, A2), release=False)
    course = InstructorCourse(root)
    download = tmp_path / "moodle"
    for folder in ("Ada Lovelace_5501_assignsubmission_file_",
                   "Ada Lovelace_5502_assignsubmission_file_"):  # two Adas
        (download / folder).mkdir(parents=True)
        (download / folder / "01-sigmoid.ipynb").write_text(NB_JSON)
    (download / "Alan Turing_5503_assignsubmission_file_").mkdir()
    (download / "Alan Turing_5503_assignsubmission_file_" / "01-sigmoid.ipynb").write_text(
        NB_JSON.replace("[]", '[{"cell_type": "code", "source": "", "metadata": {}}]', 1))
    placed = collect(course, A1, download)
    # two learners called Ada Lovelace: told apart by Moodle's participant ids, both placed
    assert placed.students == ["Ada_Lovelace-5501", "Ada_Lovelace-5502", "Alan_Turing"]
    assert placed.exit_code == 1 and "2 learners are called 'Ada_Lovelace'" in \
        placed.ambiguous[0][1]
    _gradebook(course, {"Ada_Lovelace-5501": ("", "", "", {A1: (3, 1, None)}),
                        "Ada_Lovelace-5502": ("", "", "", {A1: (2, 1, None)}),
                        "Alan_Turing": ("", "", "", {A1: (1, 0, None)})})
    roster = tmp_path / "worksheet.csv"
    roster.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade\n"
        "Participant 5502,Ada Lovelace,ada2@uni.example,Submitted,,4\n"
        "Participant 5501,Ada Lovelace,ada1@uni.example,Submitted,,4\n"
        "Participant 5503,Alan Turing,alan@uni.example,Submitted,,4\n"
        "Participant 5504,Hedy Lamarr,hedy@uni.example,No submission,,4\n", encoding="utf-8")
    assert read_roster(roster).kind == "moodle-worksheet"
    result = export_lms(course, [A1], ["moodle"], tmp_path / "out", roster=roster,
                        settings=LmsExport())
    table = _table((tmp_path / "out" / "moodle.csv").read_text())
    assert table[0] == ["Identifier", "Full name", "Email address", A1]
    # matched by participant id (the names are the same), in the roster's order
    assert table[1:] == [["Participant 5502", "Ada Lovelace", "ada2@uni.example", "3"],
                         ["Participant 5501", "Ada Lovelace", "ada1@uni.example", "4"],
                         ["Participant 5503", "Alan Turing", "alan@uni.example", "1"],
                         ["Participant 5504", "Hedy Lamarr", "hedy@uni.example", ""]]
    assert result.problems == []


def test_two_canvas_learners_with_one_name_are_both_placed(tmp_path):
    root = make_course(tmp_path / "course", assignments=(A1,), release=False)
    course = InstructorCourse(root)
    (tmp_path / "canvas").mkdir()
    for name in ("smithjane_30001_1_01-sigmoid.ipynb", "smithjane_30002_2_01-sigmoid.ipynb",
                 "smithjane_30002_3_01-sigmoid (1).ipynb"):  # the second Jane, twice
        (tmp_path / "canvas" / name).write_text(NB_JSON)
    result = collect(course, A1, tmp_path / "canvas")
    assert result.students == ["smithjane-30001", "smithjane-30002"]
    assert any("several files for 01-sigmoid" in n for n in result.notes)
    records = Ledger(course.grading_dir(A1) / "collected.jsonl").entries()
    assert records["smithjane-30001"]["lms_user_id"] == "30001"


def test_export_files_are_not_overwritten_after_an_edit(tmp_path):
    path = tmp_path / "canvas.csv"
    write_export(path, "a\n")
    write_export(path, "b\n")  # our own file, unchanged since: replaced
    assert path.read_text() == "b\n"
    path.write_text("b\nmy fix\n")
    with pytest.raises(ExportRefused, match="was changed since it was exported"):
        write_export(path, "c\n")
    assert path.read_text() == "b\nmy fix\n"
    kept = write_export(path, "c\n", force=True)
    assert path.read_text() == "c\n" and kept.read_text() == "b\nmy fix\n"
    other = tmp_path / "moodle.csv"
    other.write_text("someone else's file\n")  # never written here: not ours to replace
    with pytest.raises(ExportRefused):
        write_export(other, "x\n")


def test_rosters_that_are_not_lms_exports_are_refused(tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("name,score\nada,3\n")
    with pytest.raises(ValueError, match="not an LMS export this command reads"):
        read_roster(bad)


def test_lms_ids_survive_a_later_collect_from_a_plain_folder(tmp_path):
    root = make_course(tmp_path / "course", assignments=(A1,), release=False)
    course = InstructorCourse(root)
    (tmp_path / "canvas").mkdir()
    (tmp_path / "canvas" / "lovelaceada_12345_900001_01-sigmoid.ipynb").write_text(NB_JSON)
    collect(course, A1, tmp_path / "canvas")
    (tmp_path / "again" / "lovelaceada").mkdir(parents=True)
    (tmp_path / "again" / "lovelaceada" / "01-sigmoid.ipynb").write_text(NB_JSON + " ")
    collect(course, A1, tmp_path / "again", force=True)  # a corrected file, by hand
    latest = Ledger(course.grading_dir(A1) / "collected.jsonl").entries()["lovelaceada"]
    assert latest["how"] == "folder" and "lms_user_id" not in latest
    _gradebook(course, {})
    _, learners, _ = build_rows(course, [A1], LmsExport())
    assert learners["lovelaceada"].lms_user_ids == {"12345"}


def test_blackboard_attempt_time_is_the_submission_time(tmp_path):
    root = make_course(tmp_path / "course", assignments=(A1,), release=False)
    course = InstructorCourse(root)
    (tmp_path / "bb").mkdir()
    (tmp_path / "bb" / "Sigmoid_alice_attempt_2026-02-07-10-30-00_01-sigmoid.ipynb"
     ).write_text(NB_JSON)
    collect(course, A1, tmp_path / "bb")
    _gradebook(course, {"alice": ("", "", "", {A1: (3, 1, None)})})
    settings = LmsExport(due={A1: "2026-02-07 09:00"}, timezone="Europe/London",
                         penalty_per_day=0.25)
    rows, _, _ = build_rows(course, [A1], settings)
    alice = rows[("alice", A1)]
    assert alice.time_source == "LMS file name (Blackboard attempt)"
    assert alice.late_by.total_seconds() == 90 * 60  # both times in London: 1 h 30 min
    assert (alice.penalty, alice.exported) == (1.0, 3.0)  # one started day: 25 % of 4
