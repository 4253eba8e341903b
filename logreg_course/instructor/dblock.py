"""Serialise SQLite gradebook access across grading processes.

nbgrader opens its gradebook (``nbgrader.api.Gradebook``) many times per
submission, always briefly and as a context manager. SQLite allows one writer
at a time and, under contention, may answer "database is locked" instead of
waiting (nbgrader's FAQ: SQLite "is not threadsafe"). `install` wraps
``Gradebook`` so that, in this process, every gradebook session holds an
exclusive ``flock`` on ``.<gradebook>.lock`` (beside it) from open to close. The lock is
held for milliseconds (kernels run outside it) and is released by the
operating system if the process dies, so a killed run cannot leave it stuck.

PostgreSQL handles concurrent writers itself: no lock is installed for it.
"""

from __future__ import annotations

import fcntl
import os
import threading

__all__ = ["install"]

_state = threading.local()
_installed: dict = {}


def _acquire(path):
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _state.fd = fd
    _state.depth = depth + 1


def _release():
    depth = getattr(_state, "depth", 0)
    if depth <= 0:
        return
    _state.depth = depth - 1
    if depth == 1:
        fd = _state.fd
        _state.fd = None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def install(db_url: str) -> str | None:
    """Lock SQLite gradebook sessions in this process; return the lock file (or None)."""
    if not db_url.startswith("sqlite:///"):
        return None
    from nbgrader.api import Gradebook

    db = db_url.split("sqlite:///", 1)[1]
    path = os.path.join(os.path.dirname(db), "." + os.path.basename(db) + ".lock")
    if _installed.get("path") == path:
        return path
    original_init = _installed.setdefault("init", Gradebook.__init__)
    original_close = _installed.setdefault("close", Gradebook.close)

    def __init__(self, *args, **kwargs):
        _acquire(path)
        self._lrc_locked = True
        try:
            original_init(self, *args, **kwargs)
        except BaseException:
            self._lrc_locked = False
            _release()
            raise

    def close(self):
        try:
            original_close(self)
        finally:
            if getattr(self, "_lrc_locked", False):
                self._lrc_locked = False
                _release()

    Gradebook.__init__ = __init__
    Gradebook.close = close
    _installed["path"] = path
    return path
