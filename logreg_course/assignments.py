"""The course's nbgrader assignments: ids, paths, and the student versions.

The source notebook ``solutions/<id>/<id>.ipynb`` is the single source of an
exercise. Its student version is whatever ``nbgrader generate_assignment``
makes of it, copied to ``chapters/exercises/<id>.ipynb`` by `release`; a test
(``tests/test_grading_course.py``) fails when the copy drifts from a fresh
generation.

>>> from logreg_course.assignments import release
>>> release("01-sigmoid")            # doctest: +SKIP
PosixPath('.../chapters/exercises/01-sigmoid.ipynb')

The set-up bootstrap. Each source notebook's setup cell (the first code cell:
its hidden part comes first and is never touched) begins its visible part with
a short block between ``BOOTSTRAP_BEGIN`` and ``BOOTSTRAP_END``: where the
package ``logreg_course`` is not importable (a notebook downloaded from the
site and opened in Colab, a JupyterHub, a plain Jupyter), it pip-installs the
course's wheel from the website (``html.baseurl`` in ``_config.yml``, or the
environment variable ``LOGREG_COURSE_SITE``); where the course is installed
(a clone, ``make lab``, the grader) it does nothing. `write_bootstrap` (run by
`release_all`, i.e. ``make exercises``) writes it from ``_config.yml`` and the
package version, and records that version in the notebook's metadata
(``metadata.logreg_course.version``); ``tests/test_notebooks_structure.py``
fails when a source notebook's block is stale.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

__all__ = ["ASSIGNMENT_IDS", "BOOTSTRAP_BEGIN", "BOOTSTRAP_END", "REPO", "available",
           "bootstrap_block", "course_version", "generate_student_version", "release",
           "release_all", "released_notebook", "site_address", "source_notebook",
           "student_notebook", "wheel_name", "with_bootstrap", "write_bootstrap"]

#: Every assignment of the course, in chapter order.
ASSIGNMENT_IDS = ("01-sigmoid", "02-log-odds", "03-maximum-likelihood", "04-thresholds",
                  "05-regularisation", "06-softmax")
REPO = Path(__file__).resolve().parents[1]


def source_notebook(assignment_id: str, repo: Path = REPO) -> Path:
    """``solutions/<id>/<id>.ipynb``: solutions, hidden tests and mark schemes."""
    return Path(repo) / "solutions" / assignment_id / f"{assignment_id}.ipynb"


def student_notebook(assignment_id: str, repo: Path = REPO) -> Path:
    """``chapters/exercises/<id>.ipynb``: the generated student version the book serves."""
    return Path(repo) / "chapters" / "exercises" / f"{assignment_id}.ipynb"


def released_notebook(assignment_id: str) -> Path | None:
    """The released student version this installation knows, or None.

    In the course's wheel it is package data (``logreg_course/exercises/<id>.ipynb``);
    in a clone of the repository, ``chapters/exercises/<id>.ipynb``.
    """
    for path in (Path(__file__).resolve().parent / "exercises" / f"{assignment_id}.ipynb",
                 student_notebook(assignment_id)):
        if path.is_file():
            return path
    return None


def available(repo: Path = REPO) -> list[str]:
    """The assignments whose source notebook exists (in chapter order)."""
    return [a for a in ASSIGNMENT_IDS if source_notebook(a, repo).exists()]


def generate_student_version(assignment_id: str, repo: Path = REPO) -> nbformat.NotebookNode:
    """Run ``nbgrader generate_assignment --no-db`` on a temporary copy; return the result."""
    from .grading.nbgrade import Course

    if not source_notebook(assignment_id, repo).exists():
        raise ValueError(f"no source notebook for {assignment_id!r}: expected "
                         f"{source_notebook(assignment_id, repo)}")
    with Course([assignment_id], repo=repo) as course:
        path = course.generate(assignment_id, database=False)
        return nbformat.read(str(path), as_version=4)


def release(assignment_id: str, repo: Path = REPO, dest: Path | None = None) -> Path:
    """Regenerate the student version of `assignment_id` and write it to `dest`.

    `dest` defaults to ``chapters/exercises/<id>.ipynb`` in `repo`.
    """
    target = Path(dest) if dest is not None else student_notebook(assignment_id, repo)
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = generate_student_version(assignment_id, repo)
    tmp = target.with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    shutil.move(tmp, target)
    return target


def release_all(repo: Path = REPO) -> list[Path]:
    """`release` every assignment that has a source notebook, and write its stand-ins.

    First the set-up bootstrap of every source notebook is brought up to date
    (`write_bootstrap`), so the student versions carry the site and version of now.
    The stand-ins (``logreg_course/grading/standins``) are the solutions as a module, which
    the grader uses in place of a learner's earlier functions (no double penalty).
    """
    from .grading import standins

    write_bootstrap(repo)
    paths = []
    for aid in available(repo):
        paths.append(release(aid, repo))
        if Path(repo).resolve() == REPO:
            standins.write(aid, source_notebook(aid, repo))
    return paths


# --- the set-up bootstrap ---------------------------------------------------------------------

BOOTSTRAP_BEGIN = ("# >>> course set-up: installs the course's package where it is missing "
                   "(`make exercises` writes this block)")
BOOTSTRAP_END = "# <<< course set-up"
_HIDDEN_END = "### END HIDDEN TESTS\n"
_BLOCK = re.compile(re.escape(BOOTSTRAP_BEGIN) + r".*?" + re.escape(BOOTSTRAP_END) + r"\n",
                    re.S)

_BOOTSTRAP = """\
{begin}
import importlib.util
if importlib.util.find_spec("logreg_course") is None:
    import os, subprocess, sys
    _site = (os.environ.get("LOGREG_COURSE_SITE") or {site!r}).rstrip("/")
    _pkg = f"logreg-course[notebooks] @ {{_site or '<course website>'}}/notebooks/{wheel}"
    if _site:
        print(f"Installing the course's package from {{_site}} (once) ...", flush=True)
    if not _site or subprocess.run([sys.executable, "-m", "pip", "install", _pkg]).returncode:
        raise ModuleNotFoundError(
            "the course's package is missing and could not be installed (offline? no course "
            f'website?). Run this, then run this cell again:\\n    %pip install "{{_pkg}}"')
    importlib.invalidate_caches()
    if importlib.util.find_spec("logreg_course") is None:
        raise ModuleNotFoundError("the course's package is installed: restart the kernel "
                                  "(Kernel > Restart) and run this cell again")
{end}
"""


def site_address(repo: Path = REPO) -> str:
    """The course website's address: ``html.baseurl`` in ``_config.yml`` ("" = not published)."""
    import yaml

    path = Path(repo) / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str((config.get("html") or {}).get("baseurl") or "").strip()


def course_version(repo: Path = REPO) -> str:
    """The course's version: ``logreg_course.__version__``, else ``pyproject.toml``'s."""
    import importlib

    version = getattr(importlib.import_module(__package__), "__version__", None)
    if version and not str(version).startswith("0+unknown"):
        return str(version)
    text = (Path(repo) / "pyproject.toml").read_text(encoding="utf-8")
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = table and re.search(r'^version\s*=\s*["\']([^"\']+)["\']', table.group(1), re.M)
    if not match:
        raise ValueError(f"no [project] version in {Path(repo) / 'pyproject.toml'}")
    return match.group(1)


def wheel_name(version: str) -> str:
    """The file name of the course's pure-Python wheel for `version`."""
    return f"logreg_course-{version}-py3-none-any.whl"


def bootstrap_block(site: str, version: str) -> str:
    """The set-up block for the website `site` ("" = none) and course `version`."""
    return _BOOTSTRAP.format(begin=BOOTSTRAP_BEGIN, end=BOOTSTRAP_END, site=site.rstrip("/"),
                             wheel=wheel_name(version))


def with_bootstrap(setup_source: str, block: str) -> str:
    """`setup_source` with its bootstrap block replaced by `block` (or inserted).

    The block goes at the top of the visible part: right after the hidden part
    (``### END HIDDEN TESTS``), which stays first and unchanged.
    """
    if _BLOCK.search(setup_source):
        return _BLOCK.sub(lambda _: block, setup_source, count=1)
    head, sep, tail = setup_source.partition(_HIDDEN_END)
    if not sep:
        raise ValueError("the setup cell has no hidden part (### END HIDDEN TESTS)")
    return head + sep + block + tail


def bootstrap_of(setup_source: str) -> str | None:
    """The bootstrap block of a setup cell's source, or None."""
    match = _BLOCK.search(setup_source)
    return match.group(0) if match else None


def write_bootstrap(repo: Path = REPO) -> list[Path]:
    """Bring every source notebook's bootstrap and version up to date; return those changed."""
    site, version = site_address(repo), course_version(repo)
    block = bootstrap_block(site, version)
    changed = []
    for aid in available(repo):
        path = source_notebook(aid, repo)
        nb = nbformat.read(str(path), as_version=4)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        new = with_bootstrap(setup.source, block)
        meta = nb.metadata.setdefault("logreg_course", {})
        if new == setup.source and meta.get("version") == version:
            continue
        setup.source = new
        meta["version"] = version
        nbformat.write(nb, str(path))
        changed.append(path)
    return changed


def install_command(site: str, version: str) -> str:
    """The one command that installs the course from the website `site` into any Python."""
    address = site.rstrip("/") or "<course website>"
    return f'pip install "logreg-course[notebooks] @ {address}/notebooks/{wheel_name(version)}"'


def published_notebooks_html(repo: Path = REPO):
    """The landing page's list of the published notebooks and the install command (HTML).

    The links are relative to the site's root: ``notebooks/<id>.ipynb`` and the wheel,
    which ``make book`` publishes there (``scripts/publish_notebooks.py``).
    """
    import html

    from IPython.display import HTML

    version = course_version(repo)
    items = "".join(f'<li><a href="notebooks/{aid}.ipynb" download>{aid}.ipynb</a></li>'
                    for aid in available(repo))
    wheel = wheel_name(version)
    return HTML(
        f'<ul class="lr-notebooks">{items}</ul>'
        f'<p>The course\'s package, version {html.escape(version)}: '
        f'<a href="notebooks/{wheel}">{wheel}</a>. To install it yourself, in any Python '
        f"3.11 or newer: <code>{html.escape(install_command(site_address(repo), version))}"
        "</code></p>")
