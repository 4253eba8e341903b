"""Helper processes die with the process that started them (Linux).

A grading run starts worker processes, kernel factories, sandboxed kernels and re-check
runners. When the run is killed (``kill -9``, a lost SSH session), none of them may go on
computing: each asks the kernel for ``SIGKILL`` when its parent dies (``PR_SET_PDEATHSIG``).

Two rules of the kernel matter here (prctl(2)):

* the signal is sent when the *thread* that created the process exits, so a helper must be
  started and waited for by the same thread (``subprocess.run``/``communicate`` are);
* a change of user (``setresuid`` to ``nobody`` in the sandbox) clears the setting, so the
  sandbox arms it again after dropping privileges.
"""

from __future__ import annotations

import os
import signal

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask for ``SIGKILL`` when the parent dies; True if the kernel agreed (Linux only).

    If the parent died while we asked (we were re-parented in between), exit at once.
    (Not "the parent is process 1": in a container the grader itself may be process 1.)
    """
    parent = os.getppid()
    try:
        import ctypes

        if ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:
        os._exit(1)
    return True
