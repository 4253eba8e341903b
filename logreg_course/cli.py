"""``logreg-course``: the instructor's command line.

A term, in commands (README's instructor guide walks through it)::

    logreg-course release --all                # student versions (+ the gradebook)
    logreg-course collect 01-sigmoid downloads.zip
    logreg-course grade 01-sigmoid --jobs 4    # parallel, sandboxed, re-checked
    jupyter lab                                # formgrader: written answers by hand
    logreg-course feedback 01-sigmoid          # one HTML page per learner
    logreg-course export                       # grades.csv + report.html
    logreg-course export --format canvas       # exports/canvas.csv for Canvas's import
    logreg-course similarity 01-sigmoid        # who may have copied (a reason to look)
    logreg-course check                        # the course itself is sound

and one for learners, which needs only a learner's install (no nbgrader)::

    logreg-course validate 01-sigmoid.ipynb    # ready to hand in? (exit 1 if not)

Every command works on a course root (``--course``, default: the working folder
if it holds ``nbgrader_config.py``, else this repository) and its gradebook
(``--db``, default: the root's ``gradebook.db``; e.g. a PostgreSQL URL).
Exit codes: 0 success; 1 the command ran but something needs attention (a
submission could not be graded, a check failed); 2 the command could not run
(bad arguments, unknown assignment, ...). Nothing an instructor or a learner
wrote is deleted or overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _course(args):
    from .instructor.course import InstructorCourse

    return InstructorCourse(args.course, args.db)


def _size(text: str) -> int:
    """'4G', '512M', '1000000' -> bytes."""
    text = text.strip().upper().removesuffix("B")
    factor = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in "KMG" else text
    try:
        return int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 4G, 512M)") from None


# --- commands --------------------------------------------------------------------------------

def cmd_release(args) -> int:
    from .instructor.release import release_assignments

    course = _course(args)
    if args.all:
        assignments = course.assignments()
    elif args.assignment:
        assignments = [args.assignment]
    else:
        raise ValueError("name an assignment or give --all")
    _log(f"Releasing {', '.join(assignments)} from {course.source_directory} "
         f"(gradebook {course.gradebook_label})")
    result = release_assignments(course, assignments, force=args.force,
                                 book=False if args.no_book else None, log=_log)
    for aid, path in result.released:
        _log(f"  released {aid}: {path}")
    for aid, reason in result.refused:
        _log(f"  NOT released {aid}: {reason}")
    return result.exit_code


def cmd_collect(args) -> int:
    from .instructor.collect import PRESETS, collect

    course = _course(args)
    pattern = PRESETS.get(args.lms) if args.lms else args.pattern
    result = collect(course, args.assignment, args.source, pattern=pattern, force=args.force,
                     dry_run=args.dry_run)
    verb = "would place" if args.dry_run else "placed"
    _log(f"Collect {args.assignment} from {args.source}: {verb} {len(result.placed)} file(s) "
         f"for {len({s for s, *_ in result.placed})} student(s); {len(result.unchanged)} "
         "unchanged")
    for sid, target, src in result.placed:
        _log(f"  {sid}: {src} -> {Path(target).relative_to(course.root)}")
    for note in result.notes:
        _log(f"  note: {note}")
    for sid, _target, reason in result.conflicts:
        _log(f"  NOT replaced ({sid}): {reason}")
    for _sid, what in result.ambiguous:
        _log(f"  CHECK: {what}")
    if result.unplaced:
        _log(f"  Could not place {len(result.unplaced)} file(s):")
        for src, reason in result.unplaced:
            _log(f"    {src}: {reason}")
    return result.exit_code

def cmd_grade(args) -> int:
    from .instructor.grade import GradeOptions, grade_assignment

    opts = GradeOptions(jobs=args.jobs, students=args.students or [], force=args.force,
                        retry_failed=args.retry_failed, timeout=args.timeout,
                        student_timeout=args.student_timeout,
                        max_output_bytes=args.max_output, memory=args.memory,
                        sandbox=args.sandbox, recheck=not args.no_recheck,
                        progress=args.progress, sandbox_binds=args.sandbox_bind or [],
                        scheduler=args.scheduler, tls=_tls(args))
    summary = grade_assignment(_course(args), args.assignment, opts, log=_log)
    return summary.exit_code


def _tls(args):
    given = [args.tls_ca, args.tls_cert, args.tls_key]
    if not any(given):
        return None
    if not all(given):
        raise SystemExit("logreg-course grade: --tls-ca, --tls-cert and --tls-key go together")
    return {"ca": args.tls_ca, "cert": args.tls_cert, "key": args.tls_key}


def cmd_feedback(args) -> int:
    from .instructor.feedback import generate_feedback

    course = _course(args)
    result = generate_feedback(course, args.assignment, students=args.students,
                               jobs=args.jobs, log=_log)
    _log(f"Wrote {len(result.written)} feedback page(s) under "
         f"{course.step_dir('feedback')}")
    for sid, reason in result.skipped:
        _log(f"  no feedback for {sid}: {reason}")
    for sid, reason in result.failed:
        _log(f"  FAILED for {sid}: {reason}")
    for _sid, page, line in result.leaks:
        _log(f"  LEAK: {page} quoted a hidden test line ({line[:60]!r}); the page was deleted")
    return result.exit_code


def cmd_export(args) -> int:
    from .instructor.report import export

    course = _course(args)
    formats = list(dict.fromkeys(args.format or ["nbgrader"]))
    lms_formats = [f for f in formats if f != "nbgrader"]
    if (args.roster or args.parts or args.include_pending) and not lms_formats:
        raise ValueError("--roster, --parts and --include-pending are for --format canvas or "
                         "moodle")
    result = export(course, args.assignment or None, to=args.to, log=_log,
                    csv="nbgrader" in formats)
    _log(f"Exported {', '.join(result.assignments)}:")
    if result.csv:
        _log(f"  grades (nbgrader): {result.csv}")
    _log(f"  report: {result.report}")
    if not lms_formats:
        return 0
    from .instructor.lms import export_lms

    lms = export_lms(course, result.assignments, lms_formats, result.report.parent,
                     roster=args.roster, with_parts=args.parts,
                     include_pending=args.include_pending, force=args.force)
    for path in lms.files:
        _log(f"  {path.stem.split('-')[0]}: {path}")
    for path in lms.kept:
        _log(f"  (your edited copy was kept as {path})")
    for note in lms.notes:
        _log(f"  note: {note}")
    for problem in lms.problems:
        _log(f"  NEEDS YOU: {problem}")
    return lms.exit_code


def cmd_similarity(args) -> int:
    from .instructor.exportfiles import write_export
    from .instructor.similarity import (
        DEFAULT_MIN_TOKENS,
        DEFAULT_THRESHOLD,
        find_similar,
        render_page,
        render_text,
    )

    course = _course(args)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    min_tokens = DEFAULT_MIN_TOKENS if args.min_tokens is None else args.min_tokens
    if args.students:
        known = set(course.students(args.assignment))
        missing = [s for s in args.students if s not in known]
        if missing:
            raise ValueError(f"no submission of {args.assignment} for: {', '.join(missing)}")
    result = find_similar(course, args.assignment, threshold=threshold, min_tokens=min_tokens,
                          solutions=args.solutions or (), students=args.students)
    print(render_text(result, limit=args.limit))
    to = args.to or course.root / "exports"
    page = to / f"similarity-{args.assignment}.html"
    kept = write_export(page, render_page(result, course.gradebook_label), force=args.force)
    _log(f"Side by side: {page}" + (f" (your edited copy was kept as {kept})" if kept else ""))
    return result.exit_code


def cmd_check(args) -> int:
    from .instructor.check import check_course

    course = _course(args)
    result = check_course(course, args.assignment or None, jobs=args.jobs or 2,
                          sandbox=args.sandbox, log=_log)
    for aid, message in result.passed:
        _log(f"  OK    {aid}: {message}")
    for aid, message in result.failed:
        _log(f"  FAIL  {aid}: {message}")
    _log("Course check " + ("passed." if result.exit_code == 0 else "FAILED."))
    return result.exit_code


def cmd_validate(args) -> int:
    from .handin import DEFAULT_TIMEOUT, validate

    report = validate(args.notebook, assignment=args.assignment,
                      timeout=args.timeout or DEFAULT_TIMEOUT, run=not args.no_run)
    print(report.render(), file=sys.stderr if report.error else sys.stdout, flush=True)
    return report.exit_code


# --- the parser ------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logreg-course", description=__doc__.split("\n\n")[0].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", type=Path, default=None,
                        help="course root (folder with nbgrader_config.py); default: the "
                             "working folder if it has one, else this repository")
    common.add_argument("--db", default=None,
                        help="gradebook URL (default: sqlite:///<course>/gradebook.db), e.g. "
                             "postgresql://grader@/logreg?host=/var/run/postgresql")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("release", parents=[common], help="generate the student versions",
                       description="Run nbgrader generate_assignment (student version in "
                       "release/, cells and hidden tests in the gradebook) and refresh the "
                       "book's copy in chapters/exercises/.")
    r.add_argument("assignment", nargs="?")
    r.add_argument("--all", action="store_true", help="every assignment in the source folder")
    r.add_argument("--force", action="store_true",
                   help="regenerate even if submissions are already in the gradebook")
    r.add_argument("--no-book", action="store_true",
                   help="do not refresh chapters/exercises/ (only release/ and the gradebook)")
    r.set_defaults(func=cmd_release)

    c = sub.add_parser("collect", parents=[common], help="import downloaded submissions",
                       description="Copy submissions from an LMS download (zip or folder) or "
                       "a folder of student_id/notebook.ipynb into submitted/<student>/"
                       "<assignment>/, normalising notebook names; reports what it could not "
                       "place. Never replaces a different existing file without --force.")
    c.add_argument("assignment")
    c.add_argument("source", type=Path, help="a .zip file or a folder")
    c.add_argument("--lms", choices=("canvas", "moodle", "blackboard", "double-underscore"),
                   help="file-name convention of the download (default: recognised "
                        "automatically)")
    c.add_argument("--pattern", help="regular expression with named groups student_id (and "
                   "optionally file_id), matched against each file's path in SOURCE")
    c.add_argument("--force", action="store_true",
                   help="replace existing different files (the old ones are backed up in "
                        "grading/collect-backup/)")
    c.add_argument("--dry-run", action="store_true", help="show what would be placed")
    c.set_defaults(func=cmd_collect)

    g = sub.add_parser("grade", parents=[common], help="autograde submissions in parallel",
                       description="Autograde the submissions of ASSIGNMENT in parallel: each "
                       "one checked and repaired, run in a sandboxed kernel, re-checked outside "
                       "the kernel; skips submissions already graded and unchanged.")
    g.add_argument("assignment")
    g.add_argument("--students", nargs="+", metavar="ID",
                   help="only these students (ids or glob patterns)")
    g.add_argument("--jobs", "-j", type=int, default=0,
                   help="parallel workers (default: one per CPU core)")
    g.add_argument("--force", action="store_true",
                   help="grade again even submissions that are unchanged since graded "
                        "(manual grades are kept)")
    g.add_argument("--retry-failed", action="store_true",
                   help="grade again the unchanged submissions that could not be graded")
    g.add_argument("--timeout", type=int, default=None,
                   help="seconds per cell (default: nbgrader_config.py's Execute.timeout)")
    g.add_argument("--student-timeout", type=float, default=None,
                   help="seconds per submission before it is stopped (default: "
                        "max(300, 10 x the cell timeout))")
    g.add_argument("--max-output", type=_size, default=1_000_000,
                   help="output kept per cell while it runs (default 1M)")
    g.add_argument("--memory", type=_size, default=4 << 30,
                   help="address-space limit per kernel (default 4G)")
    g.add_argument("--sandbox", choices=("auto", "require", "off"), default="auto",
                   help="auto: sandbox if this machine allows it, else warn loudly; "
                        "require: refuse to grade without it; off: no sandbox")
    g.add_argument("--sandbox-bind", action="append", metavar="PATH",
                   help="a further host folder the kernels may read (e.g. a data set)")
    g.add_argument("--no-recheck", action="store_true",
                   help="skip the out-of-kernel re-check (faster, less safe)")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: on a terminal; lines with an ETA otherwise)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on a dask.distributed cluster: the scheduler's address "
                        "(tcp://host:8786, tls://...) or its scheduler file; the workers grade, "
                        "this machine alone writes the gradebook (README: several machines)")
    g.add_argument("--tls-ca", metavar="FILE", help="with --scheduler tls://...: the CA file")
    g.add_argument("--tls-cert", metavar="FILE", help="... this client's certificate")
    g.add_argument("--tls-key", metavar="FILE", help="... and its private key")
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", parents=[common], help="HTML feedback for each learner",
                       description="Write feedback/<student>/<assignment>/<notebook>.html: "
                       "score, a table of the graded parts with the reason for each lost point "
                       "(the tests' messages, never their code), and the graded notebook with "
                       "hidden tests removed from sources, outputs and tracebacks.")
    f.add_argument("assignment")
    f.add_argument("--students", nargs="+", metavar="ID")
    f.add_argument("--jobs", "-j", type=int, default=0,
                   help="parallel processes (default: one per CPU core)")
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", parents=[common], help="grades CSV and an HTML report",
                       description="Write grades.csv (nbgrader's CSV exporter) and report.html "
                       "(score distribution, pass rate per part, flagged, slowest and ungraded "
                       "submissions, similar graded functions) into --to (default: "
                       "<course>/exports/). Both files are regenerated from the gradebook each "
                       "time. --format canvas / moodle writes the LMS's grade import files "
                       "instead of (or, with nbgrader, besides) grades.csv.")
    e.add_argument("--assignment", nargs="+", metavar="ID",
                   help="only these assignments (default: all in the gradebook)")
    e.add_argument("--to", type=Path, default=None, help="output folder")
    e.add_argument("--format", nargs="+", choices=("nbgrader", "canvas", "moodle"),
                   help="grade files to write (default: nbgrader = grades.csv): canvas -> "
                        "canvas.csv (Canvas's gradebook import), moodle -> moodle.csv (Moodle's "
                        "grade import); each with <format>-notes.csv saying what was exported "
                        "and why (late, penalty, pending)")
    e.add_argument("--roster", type=Path, metavar="CSV",
                   help="the LMS's own export (Canvas gradebook CSV, Moodle grading worksheet "
                        "or gradebook export): every row is kept, learners without a "
                        "submission get an empty grade")
    e.add_argument("--parts", action="store_true",
                   help="one more column per graded part (raw points)")
    e.add_argument("--include-pending", action="store_true",
                   help="export the score so far of submissions waiting for manual grading "
                        "(default: an empty grade)")
    e.add_argument("--force", action="store_true",
                   help="replace canvas.csv / moodle.csv even if edited since written (the "
                        "edited file is kept beside it)")
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("similarity", parents=[common],
                       help="similar graded functions (copying: a reason to look)",
                       description="Compare each graded function of every submission with "
                       "the published solutions and with every other submission, after "
                       "normalising the code (comments, docstrings, formatting, local names, "
                       "number spelling, order of independent lines). Lists pairs and "
                       "clusters at or above the threshold and writes exports/similarity-"
                       "ASSIGNMENT.html with the functions side by side. Similarity is a "
                       "reason to look, not proof. Exit 1 when a pair is flagged.")
    s.add_argument("assignment")
    s.add_argument("--threshold", type=float, default=None,
                   help="flag pairs scoring at least this (0-1; default 0.9)")
    s.add_argument("--min-tokens", type=int, default=None,
                   help="never flag functions shorter than this many normalised tokens "
                        "(default 30: one-liners are similar by necessity)")
    s.add_argument("--solutions", nargs="+", type=Path, metavar="PATH",
                   help="further published solutions: notebooks or folders (e.g. a checkout "
                        "of the public course when this is a private variant)")
    s.add_argument("--students", nargs="+", metavar="ID", help="only these students")
    s.add_argument("--limit", type=int, default=40, help="pairs listed on the terminal")
    s.add_argument("--to", type=Path, default=None, help="output folder (default exports/)")
    s.add_argument("--force", action="store_true",
                   help="replace the HTML page even if it was edited since written")
    s.set_defaults(func=cmd_similarity)

    k = sub.add_parser("check", parents=[common], help="course integrity (exit 1 on failure)",
                       description="In a temporary copy of the course, grade each source "
                       "notebook (must earn every autograded point, in and out of the kernel) "
                       "and each student version (must earn none) with the grading pipeline; "
                       "the published student versions must match a fresh generation.")
    k.add_argument("assignment", nargs="*", help="default: every assignment")
    k.add_argument("--jobs", "-j", type=int, default=0)
    k.add_argument("--sandbox", choices=("auto", "require", "off"), default="auto")
    k.set_defaults(func=cmd_check)

    v = sub.add_parser("validate", help="a learner's check before hand-in (exit 1 if not ready)",
                       description="Is NOTEBOOK ready to hand in? Checks that it is a readable "
                       "notebook of the course with every graded cell and its grading marks "
                       "(writes <name>.repaired.ipynb beside it when marks can be put back; "
                       "the file itself is never changed), runs a copy top to bottom in a "
                       "fresh kernel within the time limit per cell, and reports failing "
                       "self-checks and what the grader's scan would flag. Exit 0: ready; "
                       "1: something is wrong; 2: the check could not run.")
    v.add_argument("notebook", type=Path)
    v.add_argument("--assignment", metavar="ID",
                   help="the assignment it must be (default: from its name or its cells)")
    v.add_argument("--timeout", type=float, default=None,
                   help="seconds per cell (default: the grader's, 60)")
    v.add_argument("--no-run", action="store_true",
                   help="only the checks of the file, without running it")
    v.set_defaults(func=cmd_validate)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        _log("Interrupted. Submissions graded so far are recorded; run the command again "
             "to finish.")
        return 130
    except (ValueError, RuntimeError, FileNotFoundError) as exc:
        _log(f"logreg-course {args.command}: error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
