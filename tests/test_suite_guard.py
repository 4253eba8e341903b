"""The suite itself: a test that hangs fails in minutes, with every thread's traceback."""

from __future__ import annotations

import subprocess
import sys

import tomllib

from logreg_course.assignments import REPO

HANGS = '''
import threading


def test_hangs():
    lock = threading.Lock()
    lock.acquire()
    threading.Thread(target=lock.acquire, name="stuck-helper", daemon=True).start()
    lock.acquire()  # never returns
'''


def test_a_hanging_test_is_stopped_with_every_threads_traceback(tmp_path):
    (tmp_path / "test_hang.py").write_text(HANGS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--timeout", "2",
         "--timeout-method", "thread", str(tmp_path / "test_hang.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Timeout" in out and "stuck-helper" in out, out[-3000:]


def test_make_test_runs_with_a_per_test_timeout():
    options = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]
    assert 0 < int(options["timeout"]) <= 900
    assert options["timeout_method"] == "thread"
