"""Writing files into ``exports/`` without overwriting an instructor's edits.

An export is regenerated from the gradebook each time, so writing it again is
normal. But an instructor may have opened ``exports/canvas.csv`` and typed in
it (a late-day waiver, a corrected id) before importing: silently replacing
that file would lose their work. So each file written here is recorded with
its SHA-256 in ``exports/.written.json``; a later run replaces a file only if
it is still exactly what was written last time (or does not exist), and
otherwise refuses unless ``force`` (then the edited file is first copied to
``<name>.edited-<time><suffix>`` next to it).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

__all__ = ["ExportRefused", "write_export"]

_RECORD = ".written.json"


class ExportRefused(RuntimeError):
    """An export file was changed since it was written; not replaced without --force."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(folder: Path) -> dict:
    try:
        return json.loads((folder / _RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_export(path, text: str, *, force: bool = False) -> Path | None:
    """Write `text` to `path` (UTF-8), unless that would overwrite someone's edits.

    Parameters
    ----------
    path : path
        The file to write (its folder is created).
    text : str
        The new content.
    force : bool
        Replace a file that was changed since this module wrote it (the changed
        file is kept as ``<stem>.edited-<YYYYmmdd-HHMMSS><suffix>``).

    Returns
    -------
    Path or None
        Where the edited file was kept, when `force` replaced one.

    Raises
    ------
    ExportRefused
        If the file exists, differs from what was last written here, and
        `force` is false.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    record = _record(folder)
    kept = None
    if path.exists():
        current = path.read_bytes()
        if current != data and _digest(current) != record.get(path.name):
            if not force:
                raise ExportRefused(
                    f"{path} was changed since it was exported (or was not written by "
                    "logreg-course); not replaced. Move it away, or pass --force (the changed "
                    "file is then kept beside it)")
            kept = path.with_name(f"{path.stem}.edited-{time.strftime('%Y%m%d-%H%M%S')}"
                                  f"{path.suffix}")
            os.replace(path, kept)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    record[path.name] = _digest(data)
    rec_tmp = folder / f".{_RECORD}.part"
    rec_tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(rec_tmp, folder / _RECORD)
    return kept
