"""A learner anywhere: from the website to a running graded notebook, in a bare environment.

The built site (`built_book`, built once per session as `make book` builds it, and served
once per session on 127.0.0.1, `served_book`) publishes the student notebooks and the
course's wheel under ``notebooks/``. The main test does what a learner does: a fresh
virtual environment with only nbclient, ipykernel and NumPy, a notebook downloaded over
HTTP from the served site, and a run in that environment's kernel. The notebook's first
cell must install the course from the site (LOGREG_COURSE_SITE points there), and every
self-check must then run, the stubs' NotImplementedError aside.

Installs come from the package registries through pip's cache, pinned by
requirements/constraints.txt (PIP_CONSTRAINT) like every other install here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest
from _booksite import ROOT

from logreg_course.assignments import (
    ASSIGNMENT_IDS,
    bootstrap_block,
    bootstrap_of,
    course_version,
    student_notebook,
    wheel_name,
)

NOTEBOOK = "03-maximum-likelihood"  # its set-up cell needs statsmodels: the `notebooks` extra
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def _setup_code(aid=NOTEBOOK):
    nb = nbformat.read(str(student_notebook(aid)), as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code").source


# --- the bootstrap where the course is installed ---------------------------------------------

def test_the_bootstrap_does_nothing_where_the_course_is_installed(monkeypatch, capsys):
    block = bootstrap_of(_setup_code())
    assert block
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("pip was started"))
    namespace: dict = {}
    exec(compile(block, "<set-up block>", "exec"), namespace)
    assert set(namespace) == {"__builtins__", "importlib"}
    assert capsys.readouterr() == ("", "")


def test_binder_installs_the_course_with_the_notebooks_extra():
    """mybinder.org builds from binder/ (repo2docker runs pip in the repository's root)."""
    lines = [line.strip() for line in (ROOT / "binder" / "requirements.txt").read_text()
             .splitlines() if line.strip() and not line.startswith("#")]
    assert lines == [".[notebooks]"]
    # scikit-learn >= 1.8 needs Python 3.11 or newer; Binder's default is older
    version = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert version.startswith("python-3.") and int(version.split(".")[1]) >= 11


# --- what the site publishes -------------------------------------------------------------------

@pytest.mark.book
def test_the_site_publishes_the_notebooks_and_the_wheel(built_book):
    built_book.require_success()
    folder = built_book.html / "notebooks"
    wheel = folder / wheel_name(course_version())
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [wheel.name] + [f"{aid}.ipynb" for aid in ASSIGNMENT_IDS])
    for aid in ASSIGNMENT_IDS:
        assert (folder / f"{aid}.ipynb").read_bytes() == student_notebook(aid).read_bytes()
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for aid in ASSIGNMENT_IDS:  # the hand-in check's reference copies
            assert z.read(f"logreg_course/exercises/{aid}.ipynb") == \
                student_notebook(aid).read_bytes()
        assert "logreg_course/instructor/templates/lrc_feedback/lrc.html.j2" in names
        assert {"logreg_ref/__init__.py", "logreg_course/selfcheck.py",
                "logreg_course/handin.py"} <= names
        assert not [n for n in names if n.startswith(("solutions/", "tests/", "chapters/"))]
        assert "Requires-Dist: statsmodels" in z.read(
            f"logreg_course-{course_version()}.dist-info/METADATA").decode()
        # pure Python: one wheel for every platform
        assert "Root-Is-Purelib: true" in z.read(
            f"logreg_course-{course_version()}.dist-info/WHEEL").decode()


@pytest.mark.book
def test_each_chapter_links_its_published_notebook(built_book):
    built_book.require_success()
    for i, aid in enumerate(ASSIGNMENT_IDS, start=1):
        page = (built_book.html / "chapters" / f"{aid}.html").read_text(encoding="utf-8")
        assert f'href="../notebooks/{aid}.ipynb"' in page, aid
        assert aid.startswith(f"{i:02d}-")
    landing = (built_book.html / "intro.html").read_text(encoding="utf-8")
    for aid in ASSIGNMENT_IDS:
        assert f'href="notebooks/{aid}.ipynb"' in landing
    assert f'href="notebooks/{wheel_name(course_version())}"' in landing


# --- a learner's fresh environment -----------------------------------------------------------

DRIVER = r'''
import sys, urllib.request
from pathlib import Path
import nbclient, nbformat

url, dest, out, only_setup = sys.argv[1:5]
urllib.request.urlretrieve(url, dest)  # the learner's download
nb = nbformat.read(dest, as_version=4)
if only_setup == "1":
    nb.cells = nb.cells[:next(i for i, c in enumerate(nb.cells) if c.cell_type == "code") + 1]
nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=600,
                        resources={"metadata": {"path": str(Path(dest).parent)}}).execute()
nbformat.write(nb, out)
'''


def _pip(python, *args, env=None, cwd=None):
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args],
                          capture_output=True, text=True, timeout=600, env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _errors(nb):
    return [(c.metadata.get("nbgrader", {}).get("grade_id"), o) for c in nb.cells
            if c.cell_type == "code" for o in c.get("outputs", [])
            if o.output_type == "error"]


def _text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.output_type == "stream")


@pytest.mark.book
@pytest.mark.slow
def test_a_downloaded_notebook_installs_the_course_and_runs(served_book, tmp_path):
    started = time.monotonic()
    url, _ = served_book
    venv = tmp_path / "learner"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = dict(os.environ, PIP_CONSTRAINT=str(CONSTRAINTS), JUPYTER_DATA_DIR=str(tmp_path / "jd"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jc"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("JUPYTER_PATH", None)
    env.pop("LOGREG_COURSE_SITE", None)
    _pip(python, "nbclient", "ipykernel", "numpy", env=env, cwd=tmp_path)
    # (every command runs in tmp_path: in the repository, `python -c` would import its copy)
    probe = subprocess.run([str(python), "-c", "import logreg_course"], capture_output=True,
                           env=env, cwd=tmp_path)
    assert probe.returncode != 0, "the bare environment must not have the course"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    work = tmp_path / "work"
    work.mkdir()
    notebook_url = f"{url}notebooks/{NOTEBOOK}.ipynb"

    def run(site, only_setup, name, **extra):
        run_env = dict(env, **extra)
        if site is not None:
            run_env["LOGREG_COURSE_SITE"] = site
        out = tmp_path / f"{name}.out.ipynb"
        proc = subprocess.run(
            [str(python), str(driver), notebook_url, str(work / f"{NOTEBOOK}.ipynb"), str(out),
             "1" if only_setup else "0"], capture_output=True, text=True, timeout=900,
            env=run_env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return nbformat.read(str(out), as_version=4)

    # Offline (nothing listens on the site's port) and without a site: one clear error each,
    # naming the one command to run.
    offline = "http://127.0.0.1:9"
    for site, name in ((offline, "offline"), (None, "nosite")):
        nb = run(site, True, name, PIP_RETRIES="0", PIP_TIMEOUT="5")
        (gid, error), = _errors(nb)
        assert (gid, error.ename) == ("setup", "ModuleNotFoundError")
        where = offline if site else "<course website>"
        command = (f'%pip install "logreg-course[notebooks] @ {where}/notebooks/'
                   f'{wheel_name(course_version())}"')
        assert command in error.evalue, error.evalue

    # Online: the first cell installs the course from the served site, and the notebook runs.
    nb = run(url, False, "online")
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert f"Installing the course's package from {url.rstrip('/')}" in _text(setup)
    errors = _errors(nb)
    assert {o.ename for _, o in errors} == {"NotImplementedError"}, [
        (g, o.ename, o.evalue) for g, o in errors]
    checks = [c.metadata.nbgrader["grade_id"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("selfcheck")]
    assert {g for g, _ in errors} == set(checks)  # every self-check ran and met a stub
    for _, error in errors:  # raised inside the course's self-check, by the learner's stub
        assert any("selfcheck.py" in line for line in error.traceback), error.traceback
    handin = nb.cells[-1]
    assert f"0 of {len(checks)} passed" in _text(handin)
    assert "not answered" in _text(handin)

    # What was installed: the served wheel, with the notebooks extra, and no nbgrader.
    shown = subprocess.run(
        [str(python), "-c", "import json, importlib.metadata as m, logreg_course, statsmodels;"
         "d = m.distribution('logreg-course');"
         "print(json.dumps([logreg_course.__file__, d.read_text('direct_url.json')]))"],
        capture_output=True, text=True, env=env, check=True, cwd=tmp_path)
    where, direct = json.loads(shown.stdout)
    assert where.startswith(str(venv))
    assert json.loads(direct)["url"] == f"{url}notebooks/{wheel_name(course_version())}"
    assert subprocess.run([str(python), "-c", "import nbgrader"], capture_output=True,
                          env=env, cwd=tmp_path).returncode != 0
    # ... and the hand-in check works there: the stubs are unanswered, so not ready (exit 1)
    check = subprocess.run([str(venv / "bin" / "logreg-course"), "validate",
                            str(work / f"{NOTEBOOK}.ipynb"), "--no-run"],
                           capture_output=True, text=True, env=env, timeout=120,
                           cwd=tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "graded and locked cells are in place" in check.stdout
    assert "Traceback" not in check.stderr
    print(f"learner-anywhere run: {time.monotonic() - started:.0f} s")


def test_the_bootstrap_block_is_the_one_make_exercises_writes():
    """The notebooks the site serves carry this checkout's block (same site, same version)."""
    from logreg_course.assignments import site_address

    assert bootstrap_of(_setup_code()) == bootstrap_block(site_address(), course_version())
