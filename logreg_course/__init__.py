"""logreg_course: the course's own helpers, next to the reference `logreg_ref`.

* `logreg_course.explorers` embeds the book's interactive explorers (a sigmoid
  explorer and a threshold explorer) in a page: a code cell calls a function,
  the function returns HTML with the data computed at build time, and the
  site's JavaScript (``_static/explorers.js``) makes it interactive without a
  kernel;
* `logreg_course.quiz`: the concept checks in the chapters (questions written
  in a code cell, numeric answers computed at build time, checked in the browser
  by ``_static/quiz.js``);
* `logreg_course.figures`: the one figure style of every chapter (SVG, labels of
  at least 9.5 pt, Okabe-Ito colours paired with line styles and markers);
* `logreg_course.launch` and `logreg_course.sphinxext`: launch links that exist
  only when a repository is configured, and small fixes to the built site;
* `logreg_course.assignments`: the six nbgrader assignments (ids, paths) and
  `release`, which regenerates a student notebook in ``chapters/exercises/``;
* `logreg_course.selfcheck`: the diagnostics learners run in the visible
  self-check cells ("your sigmoid overflows for z = -1000 ...");
* `logreg_course.grading`: the hidden tests' engine: per-assignment specs,
  the in-kernel guard, the out-of-kernel re-check and an in-process nbgrader
  harness;
* `logreg_course.instructor` and `logreg_course.cli`: the instructor's
  command ``logreg-course`` (release, collect, grade, feedback, export, check).

Importing this package is cheap: nothing heavy is imported until used.

``logreg_course.__version__`` is the course's one version: the distribution's
``version`` in ``pyproject.toml`` (the site's footer, the CHANGELOG and
``logreg_ref.__version__`` all show this string).
"""

from __future__ import annotations

import re
from pathlib import Path

_DISTRIBUTION = "logreg-course"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _version_from_pyproject(text):
    """Return ``[project] version`` from the text of a pyproject.toml (None if absent)."""
    try:
        import tomllib  # Python >= 3.11
    except ModuleNotFoundError:  # Python 3.10: the one line of the [project] table
        table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
        line = table and re.search(r'^version\s*=\s*["\']([^"\']+)["\']', table.group(1), re.M)
        return line.group(1) if line else None
    return tomllib.loads(text).get("project", {}).get("version")


def _read_version():
    """The installed distribution's version; from pyproject.toml when not installed.

    Returns ``"0+unknown"`` when neither is available (a copied package folder).
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(_DISTRIBUTION)
    except PackageNotFoundError:
        pass
    try:
        found = _version_from_pyproject(_PYPROJECT.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return found or "0+unknown"


__version__ = _read_version()
