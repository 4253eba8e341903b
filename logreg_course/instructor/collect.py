"""Put downloaded submissions into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Sources an instructor actually gets:

* a folder (or zip) with one folder per student: ``alice/01-sigmoid.ipynb``,
  ``alice/01-sigmoid/01-sigmoid.ipynb``, nbgrader's own
  ``submitted/alice/01-sigmoid/...``;
* an LMS download (zip or its unpacked folder) of flat files named after the
  learner: Canvas ``smithjane_LATE_12345_678901_01-sigmoid.ipynb``, Moodle
  ``Jane Smith_12345_assignsubmission_file_/01-sigmoid.ipynb``, or any
  ``<student>__<file>`` pattern;
* anything else, described by ``--pattern`` (a regular expression with the
  named groups ``student_id`` and, optionally, ``file_id``, matched against
  each file's path inside the source).

Notebook names are normalised (``01-sigmoid (1).ipynb``, ``Copy of …``,
``01_Sigmoid.ipynb`` → ``01-sigmoid.ipynb``, `names`). A student with several
files for one notebook keeps the newest. Two learners whose names give the same
student id (two "smithjane" in a Canvas download) but whose LMS ids differ are
placed apart as ``<id>-<LMS id>`` and listed, never merged. Nothing already in ``submitted/`` is
overwritten unless ``force`` (and then the old file is kept in
``grading/collect-backup/``). Everything that could not be placed is reported
with the reason.

What the LMS said about each learner is recorded in
``grading/<assignment>/collected.jsonl`` (one JSON line per learner, the
latest wins): the student id used here, the name as the LMS wrote it, the
LMS's own ids (Canvas's user id, Moodle's participant id), Canvas's ``LATE``
mark, Blackboard's attempt time, and the file's time in the download. The
LMS grade exports (`lms`) match rows to learners with it. A ``--pattern``
may capture the same things with the optional named groups ``lms_user_id``,
``participant``, ``late`` and ``attempt``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from .ledger import Ledger
from .names import match_notebook

__all__ = ["PRESETS", "CollectResult", "collect"]

#: Flat file-name patterns of common learning-management systems. Besides the student and
#: file, they capture what the grade exports need: Canvas's user id (the "ID" column of its
#: gradebook) and LATE mark, Moodle's participant id ("Participant N" in its grading
#: worksheet), Blackboard's attempt time.
PRESETS = {
    "canvas": r"^(?P<student_id>[A-Za-z][A-Za-z0-9-]*)(?P<late>_LATE)?_(?P<lms_user_id>\d+)_\d+_"
              r"(?P<file_id>.+)$",
    "moodle": r"^(?P<student_id>[^/_]+?)_(?P<participant>\d+)_assignsubmission_"
              r"(?:file|onlinetext)_?(?:/(?P<file_id>.+))?$|^(?P<student_id2>[^/_]+?)_"
              r"(?P<participant2>\d+)_assignsubmission_file_(?P<file_id2>[^/]+)$",
    "blackboard": r"^[^_]+_(?P<student_id>[A-Za-z0-9.-]+)_attempt_(?P<attempt>[\d-]+)"
                  r"(?:_(?P<file_id>.+))?$",
    "double-underscore": r"^(?P<student_id>[^_/][^/]*?)__(?P<file_id>[^/]+)$",
}
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints/", "desktop.ini")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]+")


@dataclass
class Placement:
    student: str
    notebook: str | None  # expected notebook name, or None for another file
    source: str  # path inside the source
    local: Path  # where the bytes are now
    mtime: float
    details: dict = field(default_factory=dict)  # what the LMS said (see `_details`)


@dataclass
class CollectResult:
    """What `collect` did."""

    placed: list = field(default_factory=list)  # (student, target, source)
    unchanged: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # (student, target, reason)
    unplaced: list = field(default_factory=list)  # (source path, reason)
    ambiguous: list = field(default_factory=list)  # (student id, what was done)
    notes: list = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        return sorted({s for s, *_ in self.placed} | {s for s, *_ in self.unchanged})

    @property
    def exit_code(self) -> int:
        return 1 if (self.unplaced or self.conflicts or self.ambiguous) else 0


def _student_id(raw: str) -> str:
    sid = _SAFE_ID.sub("_", raw.strip()).strip("._")
    return sid[:64]


def _extract(source: Path, work: Path) -> Path:
    """Unpack a zip safely (no paths outside `work`, no links); return the folder."""
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            if info.is_dir() or any(j in name for j in _JUNK):
                continue
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or not parts:
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:  # a symbolic link
                continue
            target = work.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            stamp = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(target, (stamp, stamp))
    return work


def _walk(folder: Path):
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(filenames):
            if name in (".DS_Store", "Thumbs.db", "desktop.ini") or name.startswith("._"):
                continue
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            yield path.relative_to(folder).as_posix(), path


def _common_prefix(paths) -> int:
    """Number of leading folders shared by every path (a zip's wrapper folder)."""
    split = [p.split("/")[:-1] for p in paths]
    if not split:
        return 0
    n = 0
    while all(len(s) > n for s in split) and len({s[n] for s in split}) == 1:
        n += 1
    return n


_DETAILS = {"lms_user_id": "lms_user_id", "participant": "participant",
            "participant2": "participant", "attempt": "attempt", "late": "late"}


def _match(pattern, rel, how="pattern"):
    m = pattern.search(rel)
    if not m:
        return None
    groups = {k: v for k, v in m.groupdict().items() if v}
    sid = groups.get("student_id") or groups.get("student_id2")
    fid = groups.get("file_id") or groups.get("file_id2") or rel.rsplit("/", 1)[-1]
    if not sid:
        return None
    details = {"how": how, "lms_name": sid}
    for group, key in _DETAILS.items():
        if groups.get(group):
            details[key] = True if key == "late" else groups[group]
    return sid, fid.rsplit("/", 1)[-1], details


def _identify(rel, assignment, expected, pattern, skip):
    """(student id, file name, details) for a path inside the source, or
    (None, reason, None)."""
    parts = rel.split("/")[skip:]
    rel = "/".join(parts)
    if pattern is not None:
        hit = _match(pattern, rel)
        return hit if hit else (None, "does not match --pattern", None)
    for key in ("submitted", "autograded"):  # nbgrader's own layout
        if parts and parts[0] == key:
            parts = parts[1:]
    if len(parts) >= 2 and parts[1] == assignment:  # <student>/<assignment>/<file>
        return parts[0], parts[-1], {"how": "folder"}
    for name in ("moodle", "canvas", "blackboard", "double-underscore"):
        hit = _match(re.compile(PRESETS[name]), rel if name == "moodle" else parts[-1], name) \
            if name != "moodle" or len(parts) <= 2 else None
        if hit:
            return hit
    if len(parts) >= 2:  # <student>/<file>, <student>/<anything>/<file>
        return parts[0], parts[-1], {"how": "folder"}
    return None, "a loose file: no student folder and no recognised LMS file name", None


def _record(item: Placement, assignment: str) -> dict:
    """The line of ``collected.jsonl`` for one learner's notebook."""
    entry = {"student": item.student, "assignment": assignment, "source": item.source,
             **item.details,
             "file_time": datetime.fromtimestamp(item.mtime).astimezone().isoformat(
                 timespec="seconds"),
             "collected_at": datetime.now().astimezone().isoformat(timespec="seconds")}
    return entry


def collect(course, assignment: str, source, *, pattern: str | None = None,
            force: bool = False, dry_run: bool = False) -> CollectResult:
    """Place the submissions found in `source` (zip or folder) for `assignment`."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    expected = course.notebooks(assignment)
    regex = re.compile(pattern) if pattern else None
    if regex is not None and "student_id" not in regex.groupindex:
        raise ValueError("--pattern needs a named group (?P<student_id>...)")
    result = CollectResult()
    with tempfile.TemporaryDirectory(prefix="lrc-collect-") as tmp:
        folder = source
        if source.is_file():
            if not zipfile.is_zipfile(source):
                raise ValueError(f"{source} is neither a folder nor a zip file")
            folder = _extract(source, Path(tmp))
        files = list(_walk(folder))
        skip = _common_prefix([r for r, _ in files])
        # a wrapper folder named after a student (single-student source) is not skipped
        if skip and regex is None and len({r.split("/")[skip] for r, _ in files}) == 1:
            skip = max(0, skip - 1)
        chosen: dict[tuple, Placement] = {}
        identified = []
        for rel, path in files:
            sid, name, details = _identify(rel, assignment, expected, regex, skip)
            if sid is None:
                result.unplaced.append((rel, name))
                continue
            sid = _student_id(sid)
            if not sid:
                result.unplaced.append((rel, "empty student id"))
                continue
            identified.append((rel, path, sid, name, details))
        # two learners with one name (Canvas's "smithjane", Moodle's "Jane Smith") are told
        # apart by the LMS's id instead of one of them being dropped as an "older file"
        lms_ids: dict = {}
        for _rel, _path, sid, _name, details in identified:
            ident = details.get("lms_user_id") or details.get("participant")
            if ident:
                lms_ids.setdefault(sid, set()).add(ident)
        shared = {sid: ids for sid, ids in lms_ids.items() if len(ids) > 1}
        for sid, ids in sorted(shared.items()):
            result.ambiguous.append(
                (sid, f"{len(ids)} learners are called {sid!r} in the download (LMS ids "
                      f"{', '.join(sorted(ids))}): placed as "
                      f"{', '.join(f'{sid}-{i}' for i in sorted(ids))}; check who is who"))
        for rel, path, sid, name, details in identified:
            if sid in shared:
                ident = details.get("lms_user_id") or details.get("participant")
                sid = f"{sid}-{ident}" if ident else sid
            notebook = None
            if name.endswith(".ipynb"):
                notebook = match_notebook(name, expected)
                if notebook is None:
                    result.unplaced.append(
                        (rel, f"not a notebook of {assignment} (expected "
                              + ", ".join(f"{e}.ipynb" for e in expected) + ")"))
                    continue
            key = (sid, notebook or name)
            item = Placement(sid, notebook, rel, path, path.stat().st_mtime, details)
            if key in chosen:
                old = chosen[key]
                keep, drop = (item, old) if item.mtime >= old.mtime else (old, item)
                chosen[key] = keep
                result.notes.append(f"{sid}: several files for {key[1]}: kept the newest, "
                                    f"{keep.source}; ignored {drop.source}")
            else:
                chosen[key] = item
        stamp = time.strftime("%Y%m%d-%H%M%S")
        records = {}
        for (sid, target_name), item in sorted(chosen.items()):
            folder_out = course.submission_dir(sid, assignment)
            target = folder_out / (f"{item.notebook}.ipynb" if item.notebook else target_name)
            data = item.local.read_bytes()
            if target.exists():
                if target.read_bytes() == data:
                    result.unchanged.append((sid, str(target), item.source))
                    if item.notebook:
                        records[sid] = _record(item, assignment)
                    continue
                if not force:
                    result.conflicts.append((sid, str(target),
                                             f"{target} exists and differs from {item.source}; "
                                             "--force replaces it (the old one is backed up)"))
                    continue
                if not dry_run:
                    backup = (course.root / "grading" / "collect-backup" / stamp / sid
                              / assignment / target.name)
                    backup.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(target, backup)
                    result.notes.append(f"{sid}: previous {target.name} kept in {backup}")
            if not dry_run:
                folder_out.mkdir(parents=True, exist_ok=True)
                tmp_target = target.with_name(f".{target.name}.part")
                tmp_target.write_bytes(data)
                os.utime(tmp_target, (item.mtime, item.mtime))
                os.replace(tmp_target, target)
            result.placed.append((sid, str(target), item.source))
            if item.notebook:
                records[sid] = _record(item, assignment)
        if records and not dry_run:
            ledger = Ledger(course.grading_dir(assignment) / "collected.jsonl")
            for entry in records.values():
                ledger.append(entry)
    return result
