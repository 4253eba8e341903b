"""The grading ledger: one JSON line per graded submission, appended and synced.

``grading/<assignment>/ledger.jsonl`` records, for every submission the
``grade`` command finished, what happened: graded or not (and why), the
repairs, the integrity flags, the re-check's verdicts, the time taken, and a
digest of the submitted files. It is written by one process only (the
command's main process), line by line with ``fsync``; a line cut short by a
crash is ignored when read. So a run that is killed half-way loses at most
the submissions in flight, and the next run grades exactly those (and any
whose files changed), never one twice.

The gradebook stays the record of *scores*; the ledger is the record of the
*grading* (what `export` reports beside the scores).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["Ledger"]


class Ledger:
    """Append-only JSON-lines file of grading results."""

    def __init__(self, path):
        self.path = Path(path)

    def entries(self) -> dict[str, dict]:
        """The latest entry per student (lines that do not parse are skipped)."""
        latest: dict[str, dict] = {}
        if not self.path.exists():
            return latest
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line torn by a crash
                if isinstance(entry, dict) and isinstance(entry.get("student"), str):
                    latest[entry["student"]] = entry
        return latest

    def append(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, default=str, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            # a previous crash may have left a torn last line: start on a fresh one
            if os.fstat(fd).st_size:
                with open(self.path, "rb") as f:
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        line = "\n" + line
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
