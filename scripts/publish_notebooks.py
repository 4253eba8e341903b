"""Publish the graded notebooks and the course's wheel beside the built site.

`make book` runs this after ``jupyter-book build``::

    python scripts/publish_notebooks.py _build/html

and it writes, under ``<html>/notebooks/``:

* the six student notebooks, copied from ``chapters/exercises/`` (the chapters and the
  landing page link them there);
* ``logreg_course-<version>-py3-none-any.whl``: the course (``logreg_ref`` and
  ``logreg_course``) as a pure-Python wheel, built by ``pip wheel --no-deps`` from a
  temporary staging copy of the project into which the student notebooks are copied as
  package data (``logreg_course/exercises/*.ipynb``, for the hand-in check), so the
  repository itself holds no second copy of them.

A notebook's set-up cell installs exactly this wheel from ``<html.baseurl>/notebooks/``
where the course is missing (`logreg_course.assignments.bootstrap_block`). So the script
refuses, with one line and exit status 1, to publish notebooks whose set-up block names
another site or version than ``_config.yml`` and the package do now: run ``make exercises``
first.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's package, also when run on a copy

import nbformat  # noqa: E402

from logreg_course import assignments  # noqa: E402

#: What the wheel is built from (the rest of the repository is the book, tests, tools).
STAGED = ("pyproject.toml", "README.md", "LICENSE", "logreg_ref", "logreg_course")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "exercises")


def stale_notebooks(repo: Path, site: str, version: str) -> list[str]:
    """Student notebooks whose set-up block or version differs from `site` and `version`."""
    block = assignments.bootstrap_block(site, version)
    stale = []
    for aid in assignments.available(repo):
        path = assignments.student_notebook(aid, repo)
        nb = nbformat.read(str(path), as_version=4)
        setup = next((c for c in nb.cells if c.cell_type == "code"), None)
        meta = nb.metadata.get("logreg_course", {})
        if setup is None or block not in setup.source or meta.get("version") != version:
            stale.append(path.name)
    return stale


def build_wheel(repo: Path, version: str, dest: Path) -> Path:
    """Build the course's wheel (student notebooks as package data) into `dest`."""
    with tempfile.TemporaryDirectory(prefix="lrc-wheel-") as tmp:
        stage = Path(tmp) / "project"
        stage.mkdir()
        for name in STAGED:
            src = repo / name
            if src.is_dir():
                shutil.copytree(src, stage / name, ignore=_SKIP)
            else:
                shutil.copy2(src, stage / name)
        data = stage / "logreg_course" / "exercises"
        data.mkdir()
        for aid in assignments.available(repo):
            shutil.copy2(assignments.student_notebook(aid, repo), data / f"{aid}.ipynb")
        out = Path(tmp) / "dist"
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
             str(out), str(stage)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError("pip wheel failed:\n" + (proc.stderr or proc.stdout)[-3000:])
        wheels = sorted(out.glob("*.whl"))
        expected = assignments.wheel_name(version)
        if [w.name for w in wheels] != [expected]:
            raise RuntimeError(f"pip wheel made {[w.name for w in wheels]}, expected {expected}")
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheels[0], dest / expected))


def publish(html: Path, repo: Path = REPO) -> list[Path]:
    """Write the notebooks and the wheel into ``<html>/notebooks``; return the files."""
    site, version = assignments.site_address(repo), assignments.course_version(repo)
    stale = stale_notebooks(repo, site, version)
    if stale:
        raise ValueError(f"{', '.join(stale)} do not install version {version} from "
                         f"{site or 'no site'!r} (html.baseurl in _config.yml): run "
                         "`make exercises` and commit")
    if not Path(html).is_dir():
        raise ValueError(f"{html} is not a built site: run jupyter-book build first")
    dest = Path(html) / "notebooks"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir()
    written = [build_wheel(repo, version, dest)]
    for aid in assignments.available(repo):
        written.append(Path(shutil.copy2(assignments.student_notebook(aid, repo),
                                         dest / f"{aid}.ipynb")))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built site (e.g. _build/html)")
    args = parser.parse_args(argv)
    try:
        files = publish(args.html)
    except (ValueError, RuntimeError) as exc:
        print(f"publish_notebooks: {exc}", file=sys.stderr)
        return 1
    print(f"Published {len(files)} files in {args.html / 'notebooks'}: "
          + ", ".join(f.name for f in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
