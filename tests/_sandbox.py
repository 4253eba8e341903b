"""The grading sandbox as the tests meet it: a course secret for it to hide, and the probe.

`course_secret` writes a stand-in gradebook under ``TMP/course``; `working_probe` runs
``sandbox.probe`` against it and fails the test (never skips) when the sandbox does not work
on this machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def course_secret(tmp_path: Path) -> Path:
    """``tmp_path/course/gradebook.db``: a file the sandbox must hide."""
    secret = tmp_path / "course" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_text("hidden tests")
    return secret


def working_probe(tmp_path: Path):
    """(`sandbox.probe`'s result on this machine, the secret it was asked to hide)."""
    from logreg_course.instructor.sandbox import probe

    secret = course_secret(tmp_path)
    result = probe(str(secret), str(tmp_path))
    if not result.ok:
        pytest.fail(f"the sandbox does not work on this machine: {result.reason}")
    return result, secret
