"""The instructor tools' parts, without running nbgrader: names, collection, pre-flight
repairs, the static scan, the ledger and the sandbox."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile

import nbformat
import pytest
from _cli_helpers import ASSIGNMENT, REPO, make_course
from _sandbox import course_secret, working_probe

from logreg_course.instructor import scan
from logreg_course.instructor.collect import collect
from logreg_course.instructor.course import InstructorCourse
from logreg_course.instructor.ledger import Ledger
from logreg_course.instructor.names import canonical, match_notebook
from logreg_course.instructor.preflight import stage
from logreg_course.instructor.synthetic import fill, solution_answers


@pytest.mark.parametrize("name", [
    "01-sigmoid.ipynb", "01-sigmoid (1).ipynb", "Copy of 01-sigmoid.ipynb", "01_Sigmoid.ipynb",
    "01-sigmoid-Copy1.ipynb", "01-sigmoid - Copy.ipynb", "01 sigmoid.ipynb",
    "01-sigmoid.ipynb.ipynb", "01-sigmoid-checkpoint.ipynb", "01-sigmoid-2.ipynb",
    "ada_01-sigmoid.ipynb"])
def test_renamed_notebooks_are_recognised(name):
    assert match_notebook(name, ["01-sigmoid", "02-log-odds"]) == "01-sigmoid"


@pytest.mark.parametrize("name", ["notes.ipynb", "02-log-odds.ipynb", "sigmoid.ipynb",
                                  "01-sigmoid-old-version-with-bugs.ipynb"])
def test_other_notebooks_are_not(name):
    assert match_notebook(name, ["01-sigmoid"]) != "01-sigmoid"


def test_canonical_keeps_digits_that_are_part_of_the_name():
    assert canonical("hw-1.ipynb") == "hw-1"
    assert match_notebook("hw-1 (3).ipynb", ["hw-1", "hw-2"]) == "hw-1"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("units") / "course")  # released, as in a term
    return InstructorCourse(root)


@pytest.fixture(scope="module")
def good(notebooks):
    source, student = notebooks
    return fill(student, solution_answers(source))


def _submit(course, student, files):
    folder = course.submission_dir(student, ASSIGNMENT)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data if isinstance(data, bytes) else
                                    nbformat.writes(data).encode())
    return folder


def _meta_by_id(nb):
    return {c.metadata["nbgrader"]["grade_id"]: (c.cell_type, c.metadata["nbgrader"])
            for c in nb.cells if "nbgrader" in c.metadata}


def test_stripped_metadata_is_restored_exactly(course, good):
    stripped = copy.deepcopy(good)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    _submit(course, "u-stripped", {f"{ASSIGNMENT}.ipynb": stripped})
    pre = stage(course, ASSIGNMENT, "u-stripped")
    assert pre.ok
    staged = nbformat.read(pre.notebooks[ASSIGNMENT], as_version=4)
    assert _meta_by_id(staged) == _meta_by_id(good)
    assert [c.source for c in staged.cells] == [c.source for c in good.cells]
    assert any("grading metadata restored" in n for n in pre.notes)


def test_duplicates_keep_the_first_copy_graded(course, good):
    dup = copy.deepcopy(good)
    i = next(i for i, c in enumerate(dup.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == "logit_values")
    dup.cells.insert(i + 1, copy.deepcopy(dup.cells[i]))  # same cell id too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat notices the duplicate id: the point here
        _submit(course, "u-dup", {f"{ASSIGNMENT}.ipynb": dup})
    pre = stage(course, ASSIGNMENT, "u-dup")
    staged = nbformat.read(pre.notebooks[ASSIGNMENT], as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in staged.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
    assert "nbgrader" in staged.cells[i].metadata
    assert "nbgrader" not in staged.cells[i + 1].metadata
    assert len({c.id for c in staged.cells}) == len(staged.cells)  # cell ids made unique


@pytest.mark.parametrize(("data", "reason"), [
    (b'{"cells": [', "is not valid JSON (Expecting value at line 1, column 12)"),
    (b"[1, 2, 3]", "is JSON but not a Jupyter notebook"),
    (b"", "is empty"),
])
def test_unreadable_submissions_are_refused_with_a_reason(course, data, reason):
    _submit(course, "u-bad", {f"{ASSIGNMENT}.ipynb": data})
    pre = stage(course, ASSIGNMENT, "u-bad")
    assert not pre.ok and reason in pre.reason


def test_the_exact_name_wins_and_others_are_noted(course, good, notebooks):
    folder = _submit(course, "u-two", {f"{ASSIGNMENT}.ipynb": good,
                                       f"Copy of {ASSIGNMENT}.ipynb": notebooks[1]})
    os.utime(folder / f"{ASSIGNMENT}.ipynb", (1, 1))  # older, but exactly named
    pre = stage(course, ASSIGNMENT, "u-two")
    staged = nbformat.read(pre.notebooks[ASSIGNMENT], as_version=4)
    assert [c.source for c in staged.cells] == [c.source for c in good.cells]
    assert any("Copy of 01-sigmoid.ipynb ignored" in n for n in pre.notes)


def test_submission_folder_is_not_modified_by_staging(course, good):
    folder = _submit(course, "u-untouched", {f"{ASSIGNMENT} (1).ipynb": good,
                                             "logreg_ref.py": b"x = 1\n"})
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    pre = stage(course, ASSIGNMENT, "u-untouched")
    assert pre.ok and {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # the .py file is never copied where the kernel runs
    assert not (course.staged_dir("u-untouched", ASSIGNMENT) / "logreg_ref.py").exists()
    assert [f.kind for f in scan.scan_files(pre.extra_files)] == ["shadow-module"]


@pytest.mark.parametrize("assignment", ["01-sigmoid", "02-log-odds", "03-maximum-likelihood"])
def test_solutions_raise_no_serious_flag(assignment):
    """No false alarm on honest code: each assignment's own solutions, submitted."""
    path = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    if not path.exists():
        pytest.skip(f"{assignment} is not in this checkout yet")
    source = nbformat.read(str(path), as_version=4)
    flags = scan.scan_notebook(source, source)
    assert [f for f in flags if f.severity in ("high", "medium")] == []


@pytest.mark.parametrize(("code", "kind"), [
    ("get_ipython().input_transformers_cleanup.append(f)", "ipython-internals"),
    ("import sys\nsys.modules['numpy'] = None", "module-table"),
    ("import builtins\nbuiltins.len = len", "builtins"),
    ("eval('1 + 1')", "dynamic-code"),
    ("x = sys._getframe(1).f_locals", "introspection"),
    ("import sqlite3", "gradebook"),
    ("_lrc_grader.check = print", "grader"),
    ("os._exit(0)", "kill"),
    ("import subprocess", "process"),
    ("import socket", "network"),
    ("import ctypes", "native"),
    ("np.testing.assert_allclose = lambda *a, **k: None", "numpy-patch"),
    ("import logreg_ref", "reference"),
    ("from scipy.special import expit", "library"),
    ("importlib.import_module('os')", "importlib"),
    ("globals()['x'] = 1", "namespace"),
    ("open('../../../gradebook.db')", "parent-folder"),
    ("class A:\n    def __eq__(self, o):\n        return True", "equality-hook"),
    ("import threading", "threads"),
    ("!ls ..", "shell"),
    ("%run other.py", "magic"),
])
def test_each_scan_rule_fires(code, kind):
    kinds = {f.kind for f in scan.scan_code(code, "cell 1")}
    assert kind in kinds, kinds


def test_comments_and_harmless_magics_are_not_serious():
    flags = scan.scan_code("# do not call logreg_ref here\n%timeit sigmoid(z)\nz = 1", "c")
    assert [f.severity for f in flags] == ["info"]


def test_cells_inserted_between_answer_and_test_and_before_setup(notebooks, good):
    source, _ = notebooks
    nb = copy.deepcopy(good)
    i = next(i for i, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_answer")
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell("sigmoid = lambda z: z"))
    nb.cells.insert(0, nbformat.v4.new_code_cell("x = 1"))
    kinds = {f.kind for f in scan.scan_notebook(nb, source)}
    assert {"inserted-cell", "before-setup"} <= kinds


def test_collect_folder_layouts_and_pattern(course, good, tmp_path):
    data = nbformat.writes(good).encode()
    src = tmp_path / "download"
    layouts = {
        "Ada Lovelace_123_assignsubmission_file_/01-sigmoid.ipynb": "Ada_Lovelace",  # Moodle
        "grace__01-sigmoid.ipynb": "grace",
        "submitted/alan/01-sigmoid/01-sigmoid.ipynb": "alan",  # nbgrader's own layout
        "emmy/Copy of 01-sigmoid.ipynb": "emmy",
    }
    for rel in layouts:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    result = collect(course, ASSIGNMENT, src)
    assert sorted(result.students) == sorted(layouts.values()), result.unplaced
    assert result.unplaced == [] and result.exit_code == 0
    # a custom pattern for an unusual export
    other = tmp_path / "custom"
    other.mkdir()
    (other / "01-sigmoid~kurt~final.ipynb").write_bytes(data)
    result = collect(course, ASSIGNMENT, other,
                     pattern=r"^(?P<file_id>[^~]+)~(?P<student_id>[a-z]+)~")
    assert result.students == ["kurt"]


def test_collect_ignores_paths_that_escape(course, good, tmp_path):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../escape/01-sigmoid.ipynb", nbformat.writes(good))
        zf.writestr("/abs/01-sigmoid.ipynb", nbformat.writes(good))
        zf.writestr("mallory/01-sigmoid.ipynb", nbformat.writes(good))
    result = collect(course, ASSIGNMENT, z)
    assert result.students == ["mallory"]
    assert not (tmp_path.parent / "escape").exists()


def test_ledger_survives_a_torn_line(tmp_path):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append({"student": "a", "status": "graded"})
    with open(ledger.path, "a") as f:
        f.write('{"student": "b", "sta')  # a crash in the middle of a write
    assert set(ledger.entries()) == {"a"}
    ledger.append({"student": "b", "status": "failed"})
    assert ledger.entries() == {"a": {"student": "a", "status": "graded"},
                                "b": {"student": "b", "status": "failed"}}
    lines = ledger.path.read_text().splitlines()
    assert json.loads(lines[-1])["student"] == "b"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux namespaces")
def test_sandbox_shows_only_what_python_needs(tmp_path):
    from logreg_course.instructor.sandbox import plan_for

    result, secret = working_probe(tmp_path)
    assert result.details["network"] is False and result.details["secret_visible"] is False
    assert result.details["processes"] <= 2
    if os.geteuid() == 0:
        assert result.details["uid"] == 65534
    cwd, newroot = tmp_path / "cwd", tmp_path / "root"
    cwd.mkdir()
    newroot.mkdir()
    plan = plan_for(cwd=str(cwd), hidden=[str(REPO), str(secret.parent)], mode=result.mode,
                    newroot=str(newroot))
    (tmp_path / "plan.json").write_text(plan.to_json())
    listing = subprocess.run(
        [sys.executable, "-m", "logreg_course.instructor.sandbox", "run", "--plan",
         str(tmp_path / "plan.json"), "--", sys.executable, "-I", "-c",
         f"import os; print(sorted(os.listdir({str(REPO)!r})))"],
        capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    visible = set(eval(listing.stdout))
    assert "solutions" not in visible and "nbgrader_config.py" not in visible
    assert {"logreg_ref", "logreg_course"} <= visible


@pytest.mark.skipif(os.geteuid() != 0, reason="forcing user-namespace mode needs root here")
def test_user_namespace_mode_hides_the_course_too(tmp_path):
    """The mode used without root (unprivileged user namespaces), forced here as root."""
    from logreg_course.instructor.sandbox import PROBE_SCRIPT, plan_for

    secret = course_secret(tmp_path)
    cwd, newroot = tmp_path / "cwd", tmp_path / "root"
    cwd.mkdir()
    newroot.mkdir()
    plan = plan_for(cwd=str(cwd), hidden=[str(secret.parent)], mode="userns",
                    newroot=str(newroot))
    (tmp_path / "plan.json").write_text(plan.to_json())
    proc = subprocess.run(
        [sys.executable, "-m", "logreg_course.instructor.sandbox", "run", "--plan",
         str(tmp_path / "plan.json"), "--", sys.executable, "-I", "-c", PROBE_SCRIPT,
         str(secret)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.split("PROBE ", 1)[1])
    assert not found["secret_visible"] and not found["network"]
    assert not found["root_writable"] and found["processes"] <= 2


def test_a_worker_scratch_folder_fits_the_kernels_sockets(tmp_path, monkeypatch):
    """The kernels' ZeroMQ sockets live in a worker's scratch folder and a Unix socket's
    path has at most 107 bytes: under a long TMPDIR (seen: pytest's own temporary folders)
    the folder goes to /tmp instead, and a short TMPDIR is kept."""
    import tempfile

    from logreg_course.instructor.worker import scratch_folder

    longest_socket = "/kernels/k99999/conn/ipc-99999"
    deep = tmp_path / ("d" * 60) / "tmp"
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    folder = scratch_folder("lrc-worker-123456-")
    try:
        assert not folder.startswith(str(deep)) and os.path.dirname(folder) == "/tmp"
        assert len(folder + longest_socket) <= 107
    finally:
        os.rmdir(folder)
    short = tempfile.mkdtemp(prefix="t-", dir="/tmp")
    monkeypatch.setattr(tempfile, "tempdir", short)
    try:
        folder = scratch_folder("lrc-worker-123456-")
        assert os.path.dirname(folder) == short
        assert len(folder + longest_socket) <= 107
    finally:
        shutil.rmtree(short)
