"""A killed grader leaves nothing running: sandboxed commands and re-check runners die with
the process that started them (`logreg_course.lifetime`).

Seen in a test run before this was fixed: a grading worker killed mid-run left its
re-check (the sandbox's waiting parent and the runner, as ``nobody``) computing for 15
minutes. Each test here starts a *launcher* process, which starts the helper the way the
grader does and then waits; the test kills the launcher with SIGKILL and then looks for
the helper's processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from _sandbox import working_probe
from grading_corpus import Case, build

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="PR_SET_PDEATHSIG is Linux's")


def _processes_where(predicate) -> list[int]:
    """PIDs of the live (not zombie) processes for which predicate(pid) is true."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state not in ("Z", "X") and predicate(int(entry.name)):
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def _cmdline_has(marker):
    def has(pid):
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    return has


def _cwd_under(folder):
    def under(pid):
        return os.readlink(f"/proc/{pid}/cwd").startswith(str(folder))
    return under


def _wait_for(predicate, seconds, what, count=1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = _processes_where(predicate)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    pytest.fail(f"{what} did not start within {seconds} s")


def _gone_after_kill(launcher, predicate, seconds=15.0) -> list[int]:
    """Kill the launcher with SIGKILL; return the helper processes still alive after a wait."""
    launcher.kill()
    launcher.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = _processes_where(predicate)
        if not left:
            return []
        time.sleep(0.1)
    for pid in left:  # do not leave them to the rest of the suite
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


def _modes(tmp_path):
    """The sandbox mode this machine allows, and user namespaces too when we are root."""
    result, _ = working_probe(tmp_path)
    return [result.mode] + (["userns"] if os.geteuid() == 0 else [])


@pytest.mark.parametrize("mode", ["detected", "userns"])
def test_a_sandboxed_command_dies_with_the_process_that_started_it(tmp_path, mode):
    """The sandbox's waiting parent dies with its launcher, and the sandboxed process (as
    ``nobody`` in root mode: the change of user clears the parent-death signal) with it."""
    from logreg_course.instructor.sandbox import plan_for

    modes = _modes(tmp_path)
    if mode == "userns" and "userns" not in modes:
        pytest.skip("forcing user-namespace mode needs root here (the detected mode is run)")
    chosen = modes[0] if mode == "detected" else "userns"
    cwd, newroot = tmp_path / "cwd", tmp_path / "root"
    cwd.mkdir()
    newroot.mkdir()
    plan = plan_for(cwd=str(cwd), hidden=[], mode=chosen, newroot=str(newroot))
    (tmp_path / "plan.json").write_text(plan.to_json())
    marker = f"lifetime-probe-{os.getpid()}-{mode}"
    sandboxed = [sys.executable, "-m", "logreg_course.instructor.sandbox", "run", "--plan",
                 str(tmp_path / "plan.json"), "--", sys.executable, "-I", "-c",
                 f"import time; time.sleep(300)  # {marker}"]
    launcher = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, time; subprocess.Popen({sandboxed!r}); "
                               "time.sleep(300)"])
    try:
        # the launcher, the sandbox's waiting parent and the sandboxed process
        _wait_for(_cmdline_has(marker), 30, "the sandboxed command", count=3)
        left = _gone_after_kill(launcher, _cmdline_has(marker))
    finally:
        launcher.kill()
    assert not left, f"{chosen} mode: still running after the launcher was killed: {left}"


LAUNCH_RECHECK = '''
import sys
from logreg_course.grading.recheck import recheck_notebook
recheck_notebook(sys.argv[1], "01-sigmoid", kernel_seconds={"predict_default": 200.0})
'''


def test_a_recheck_runner_dies_with_the_process_that_started_it(tmp_path):
    """Without a sandbox the runner is the grader's own child, in a session of its own."""
    slow = ("import time\n\n\n"
            "def predict(X, w, b, threshold=0.5):\n"
            "    time.sleep(300)\n"
            "    return (predict_proba(X, w, b) >= threshold).astype(int)\n")
    nb = build("01-sigmoid", Case("sleeper", "sleeps", {"predict_answer": slow}))
    path = tmp_path / "submission.ipynb"
    nbformat.write(nb, str(path))
    work = tmp_path / "tmp"
    work.mkdir()
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCH_RECHECK, str(path)],
                                env=dict(os.environ, TMPDIR=str(work)))
    try:
        runner = _cwd_under(work)  # the runner works in a temporary folder of its own
        _wait_for(runner, 60, "the re-check runner")
        time.sleep(1.0)  # into the learner's sleeping predict
        left = _gone_after_kill(launcher, runner)
    finally:
        launcher.kill()
    assert not left, f"the re-check runner outlived the process that started it: {left}"


CHILD_OF_PID_1 = '''
import os, subprocess, sys
assert os.getpid() == 1, os.getpid()  # the grader, as a container's first process
child = ("from logreg_course.lifetime import die_with_parent; "
         "print(die_with_parent(), flush=True); print('alive')")
sys.exit(subprocess.run([sys.executable, "-c", child]).returncode)
'''


def test_a_helper_of_a_grader_that_is_process_1_lives(tmp_path):
    """In a container the grader may be process 1: its helpers' parent is then 1, which is
    no sign that the parent died (they exited at once when that was the test)."""
    import shutil

    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("util-linux's unshare is needed for this test (apt-get install util-linux)")
    as_root = [] if os.geteuid() == 0 else ["--map-root-user"]
    proc = subprocess.run([unshare, *as_root, "--pid", "--fork", "--mount-proc",
                           sys.executable, "-c", CHILD_OF_PID_1],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "alive"], proc.stdout
