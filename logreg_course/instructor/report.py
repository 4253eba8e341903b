"""``export``: grades for the LMS (nbgrader's CSV exporter) and an HTML report for the instructor.

The CSV is nbgrader's own (``CsvExportPlugin``: one row per student and
assignment, with raw score, late penalty, score and maximum), so any
nbgrader-aware LMS import keeps working.

The report (one self-contained HTML file: plots are embedded PNGs) answers
what an instructor asks after grading: how did the class do (score
distribution), which parts were hard (pass rate per graded part), which
submissions need a human (flagged by the integrity pass, points removed,
waiting for manual grading, could not be graded, and why), and where the
time went (slowest submissions). Scores come from the gradebook (manual
grades included); flags, reasons and timings from the grading ledger.
"""

from __future__ import annotations

import base64
import html
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ExportResult", "export"]


@dataclass
class AssignmentData:
    name: str
    max_score: float = 0.0
    parts: list = field(default_factory=list)  # (grade id, points, is manual)
    students: dict = field(default_factory=dict)  # id -> {score, cells: {gid: score}, ...}
    ledger: dict = field(default_factory=dict)
    needs_manual: dict = field(default_factory=dict)  # student -> [grade ids]


@dataclass
class ExportResult:
    csv: Path | None = None
    report: Path | None = None
    assignments: list = field(default_factory=list)


def _collect(course, assignment: str) -> AssignmentData:
    from .grade import load_results

    data = AssignmentData(assignment)
    data.ledger = load_results(course, assignment)
    with course.gradebook() as gb:
        a = gb.find_assignment(assignment)
        data.max_score = a.max_score
        for nb in a.notebooks:
            for cell in sorted(nb.grade_cells, key=lambda c: _order(course, assignment, nb.name,
                                                                   c.name)):
                if cell.max_score > 0:
                    data.parts.append((cell.name, cell.max_score, cell.cell_type == "markdown"))
        for sub in gb.assignment_submissions(assignment):
            cells, manual = {}, []
            for nb in sub.notebooks:
                for g in nb.grades:
                    cells[g.name] = g.score
                    if g.needs_manual_grade:
                        manual.append(g.name)
            data.students[sub.student.id] = {"score": sub.score, "cells": cells,
                                             "late": sub.late_submission_penalty or 0}
            if manual:
                data.needs_manual[sub.student.id] = manual
    return data


_ORDER_CACHE: dict = {}


def _order(course, assignment, notebook, grade_id):
    key = (assignment, notebook)
    if key not in _ORDER_CACHE:
        import nbformat

        path = course.source_notebook(assignment, notebook)
        order = {}
        if path.exists():
            for i, c in enumerate(nbformat.read(str(path), as_version=4).cells):
                gid = (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
                if gid:
                    order[gid] = i
        _ORDER_CACHE[key] = order
    return _ORDER_CACHE[key].get(grade_id, 10**6)


# --- plots -------------------------------------------------------------------------------------

def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _histogram(data: AssignmentData, graded) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np

    scores = np.array([data.students[s]["score"] for s in graded], dtype=float)
    if scores.size == 0:
        return None
    top = max(data.max_score, scores.max(), 1.0)
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    edges = np.arange(0, np.floor(top) + 2) - 0.5
    ax.hist(scores, bins=edges, color="#3b6ea5", edgecolor="white")
    for value, style, label in ((np.mean(scores), "-", "mean"),
                                (np.median(scores), "--", "median")):
        ax.axvline(value, color="#c0392b", linestyle=style, linewidth=1.4,
                   label=f"{label} {value:.1f}")
    ax.set_xlim(-0.7, top + 0.7)
    ax.set_xlabel(f"score (out of {data.max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)
    ax.set_title(f"{data.name}: score distribution ({scores.size} graded)", fontsize=11,
                 loc="left")
    return _png(fig)


def _pass_rates(data: AssignmentData, graded) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np

    if not data.parts or not graded:
        return None
    labels, rates, notes = [], [], []
    for gid, points, manual in data.parts:
        scores = [data.students[s]["cells"].get(gid) for s in graded]
        full = [1.0 if (v is not None and v >= points) else 0.0 for v in scores]
        labels.append(f"{gid} ({points:g})")
        rates.append(100 * float(np.mean(full)))
        waiting = sum(gid in data.needs_manual.get(s, ()) for s in graded)
        # a written answer waits for its grader; a test cell marked for review was flagged
        what = "to grade by hand" if manual else "to review"
        notes.append(f" ({waiting} {what})" if waiting else "")
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(labels) + 0.9))
    y = np.arange(len(labels))[::-1]
    # hard parts (most of the class lost points) stand out
    colors = ["#d9822b" if r < 50 else "#3b6ea5" for r in rates]
    ax.barh(y, rates, color=colors, height=0.7)
    for yi, r, note in zip(y, rates, notes, strict=True):
        ax.text(r + 1.0 if r < 70 else r - 1.0, yi, f"{r:.0f}%{note}", va="center",
                ha="left" if r < 70 else "right", fontsize=8,
                color="#222" if r < 70 else "white")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("students with full marks on the part (%)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"{data.name}: pass rate per graded part", fontsize=11, loc="left")
    return _png(fig)


# --- the page ----------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #222; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 26px; margin-bottom: 0.1em; }
h2 { font-size: 21px; margin-top: 1.8em; border-bottom: 2px solid #e3e3e3; padding-bottom: 0.2em; }
h3 { font-size: 16px; margin-top: 1.4em; }
.meta { color: #666; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 1em 0; }
.card { border: 1px solid #e0e0e0; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 22px; } .card span { color: #666; font-size: 12px; }
.card.warn b { color: #c62828; } .card.note b { color: #8a6d3b; }
.plots { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.plots img { max-width: 100%; border: 1px solid #eee; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 0.5em 0 1em 0; }
th { text-align: left; border-bottom: 2px solid #ccc; padding: 5px 8px; background: #fafafa; }
td { border-bottom: 1px solid #eee; padding: 5px 8px; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sev-high { color: #c62828; font-weight: 600; } .sev-medium { color: #b26a00; }
.sev-info { color: #666; }
.none { color: #2e7d32; }
code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
"""


def _e(x) -> str:
    return html.escape(str(x))


def _table(headers, rows, num=()) -> str:
    if not rows:
        return '<p class="none">None.</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(course, data: AssignmentData) -> str:
    graded = sorted(s for s, e in data.ledger.items() if e.get("status") == "graded"
                    and s in data.students)
    failed = sorted((s, e) for s, e in data.ledger.items() if e.get("status") != "graded")
    ungraded_subs = [s for s in course.students(data.name) if s not in data.ledger]
    flagged = []
    for s, e in sorted(data.ledger.items()):
        serious = [f for f in e.get("flags", []) if f.get("severity") in ("high", "medium")]
        if serious:
            flagged.append((s, e, serious))
    zeroed = {s: [g for v in e.get("integrity", {}).values() for g, c in v.get("cells", {}).items()
                  if c.get("action") == "zeroed"] for s, e in data.ledger.items()}
    versions = sorted({e.get("versions", {}).get("grader") for e in data.ledger.values()
                       if e.get("versions", {}).get("grader")})
    other = sorted(s for s, e in data.ledger.items() if any(
        v != e["versions"].get("grader") for k, v in e.get("versions", {}).items()
        if k != "grader"))
    scores = [data.students[s]["score"] for s in graded]
    mean = sum(scores) / len(scores) if scores else 0.0
    out = [f'<h2 id="{_e(data.name)}">{_e(data.name)}</h2>']
    if versions:
        out.append(f"<p class='meta'>Graded with course version {_e(', '.join(versions))}"
                   + (f"; notebooks released with another version: {_e(', '.join(other))}"
                      if other else "") + "</p>")
    out.append('<div class="cards">')
    cards = [("submissions", len(set(data.ledger) | set(ungraded_subs)), ""),
             ("graded", len(graded), ""),
             ("could not be graded", len(failed), "warn" if failed else ""),
             ("not graded yet", len(ungraded_subs), "note" if ungraded_subs else ""),
             ("flagged", len(flagged), "warn" if flagged else ""),
             ("need manual grading", len(data.needs_manual), "note" if data.needs_manual else ""),
             ("mean score", f"{mean:.1f} / {data.max_score:g}", "")]
    out += [f'<div class="card {cls}"><b>{_e(v)}</b><span>{_e(k)}</span></div>'
            for k, v, cls in cards]
    out.append("</div>")
    plots = [p for p in (_histogram(data, graded), _pass_rates(data, graded)) if p]
    if plots:
        out.append('<div class="plots">' + "".join(
            f'<img alt="{_e(data.name)} plot" src="{p}">' for p in plots) + "</div>")
    out.append("<h3>Could not be graded</h3>")
    out.append(_table(["student", "reason", "seconds"],
                      [(_e(s), _e(e.get("reason", "")), f"{e.get('seconds', 0):.1f}")
                       for s, e in failed], num=(2,)))
    out.append("<h3>Flagged by the integrity pass</h3>")
    rows = []
    for s, _entry, serious in flagged:
        items = "<br>".join(f'<span class="sev-{_e(f["severity"])}">[{_e(f["severity"])}]</span> '
                            f'{_e(f["where"])}: {_e(f["message"])}' for f in serious[:6])
        if len(serious) > 6:
            items += f"<br>… and {len(serious) - 6} more"
        removed = ", ".join(zeroed.get(s, [])) or "–"
        score = data.students.get(s, {}).get("score")
        rows.append((_e(s), items, _e(removed), "–" if score is None else f"{score:g}"))
    out.append(_table(["student", "findings", "points removed from", "score"], rows, num=(3,)))
    out.append("<h3>Points kept for review (the re-check could not decide)</h3>")
    out.append("<p class=\"meta\">The test passed in the notebook; the re-check outside it "
               "got no answer (a time-out, a crash, a shortage of memory, or notebook code "
               "that cannot run outside the kernel), so nothing proves the result wrong. The "
               "points stand until you change them in the formgrader.</p>")
    review = [(_e(s), _e(g), _e(c.get("reason", "")))
              for s, e in sorted(data.ledger.items())
              for v in e.get("integrity", {}).values()
              for g, c in v.get("cells", {}).items() if c.get("action") == "review"]
    out.append(_table(["student", "test", "why the re-check could not decide"], review))
    out.append("<h3>Waiting for manual grading</h3>")
    groups: dict = {}
    for s, cells in sorted(data.needs_manual.items()):
        groups.setdefault(tuple(cells), []).append(s)
    rows = []
    for cells, who in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(who[:25]) + (f", … ({len(who) - 25} more)" if len(who) > 25 else "")
        rows.append((_e(", ".join(cells)), str(len(who)), _e(shown)))
    out.append(_table(["cells", "students", "who"], rows, num=(1,)))
    out.append("<h3>Slowest submissions</h3>")
    slow = sorted(data.ledger.items(), key=lambda kv: -kv[1].get("seconds", 0))[:10]
    out.append(_table(["student", "seconds", "of which nbgrader", "re-check", "status"],
                      [(_e(s), f"{e.get('seconds', 0):.1f}",
                        f"{e.get('timings', {}).get('autograde', 0):.1f}",
                        f"{e.get('timings', {}).get('recheck', 0):.1f}", _e(e.get("status")))
                       for s, e in slow], num=(1, 2, 3)))
    notes = [(s, n) for s, e in sorted(data.ledger.items()) for n in e.get("notes", [])]
    out.append("<h3>Repairs and notes</h3>")
    out.append(_table(["student", "note"], [(_e(s), _e(n)) for s, n in notes]))
    out.append("<h3>All students</h3>")
    rows = []
    for s in sorted(set(data.students) | set(data.ledger)):
        e = data.ledger.get(s, {})
        score = data.students.get(s, {}).get("score")
        n_flags = sum(f.get("severity") in ("high", "medium") for f in e.get("flags", []))
        rows.append((_e(s), "–" if score is None else f"{score:g}", _e(e.get("status", "–")),
                     str(n_flags or ""), f"{e.get('seconds', 0):.1f}" if e else "–"))
    out.append(_table(["student", "score", "status", "flags", "seconds"], rows,
                      num=(1, 3, 4)))
    return "\n".join(out)


def export(course, assignments=None, to=None, log=print, csv=True) -> ExportResult:
    """Write ``grades.csv`` (nbgrader's exporter; unless not `csv`) and ``report.html``
    (with a section on similar graded functions, `similarity`) into `to`."""
    import matplotlib

    matplotlib.use("Agg")
    from nbgrader.plugins import CsvExportPlugin

    result = ExportResult()
    to = Path(to) if to else course.root / "exports"
    to.mkdir(parents=True, exist_ok=True)
    with course.gradebook() as gb:
        known = [a.name for a in gb.assignments]
    chosen = list(assignments) if assignments else known
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise ValueError(f"not in the gradebook: {', '.join(unknown)} (known: "
                         f"{', '.join(known) or 'none'}); run grade first")
    result.assignments = chosen
    csv_path = to / "grades.csv"
    if csv:
        plugin = CsvExportPlugin()
        plugin.to = str(csv_path)
        plugin.assignment = chosen
        with course.gradebook() as gb:
            plugin.export(gb)
        result.csv = csv_path
    from .similarity import report_section

    sections = [_section(course, _collect(course, a)) + report_section(course, a)
                for a in chosen]
    toc = " · ".join(f'<a href="#{_e(a)}">{_e(a)}</a>' for a in chosen)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grading report</title>"
            f"<style>{_CSS}</style></head><body><h1>Grading report</h1>"
            f"<p class='meta'>{_e(course.root)} · gradebook {_e(course.gradebook_label)} · "
            f"{time.strftime('%Y-%m-%d %H:%M')}"
            + (f" · grades exported to <code>{_e(csv_path.name)}</code>" if csv else "")
            + f"</p><p>{toc}</p>{''.join(sections)}"
            "</body></html>")
    report = to / "report.html"
    report.write_text(page, encoding="utf-8")
    result.report = report
    return result
