"""The graded notebooks' structure, and what must never reach the student versions.

Static checks (no kernel, no nbgrader run): the source notebooks follow the
house cell order and nbgrader's schema, each check of a spec has exactly one
hidden test cell with the same points, written answers carry mark schemes,
and no solution, hidden test or mark scheme text appears in ``chapters/``.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from logreg_course.assignments import (
    ASSIGNMENT_IDS,
    REPO,
    available,
    source_notebook,
    student_notebook,
)
from logreg_course.grading.specs import MODULES, get_spec

ASSIGNMENTS = ASSIGNMENT_IDS  # all six
_SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
_SCHEME = re.compile(r"=== BEGIN MARK SCHEME ===(.*?)=== END MARK SCHEME ===", re.S)


def _nb(path):
    return nbformat.read(str(path), as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_every_assignment_with_a_spec_has_a_source_notebook():
    assert set(available()) >= set(MODULES)
    assert set(MODULES) == set(ASSIGNMENTS)  # every assignment is graded


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_source_notebook_format_and_metadata(aid):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = _nb(source_notebook(aid))
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert all(cell.get("id") for cell in nb.cells)
    assert nb.metadata.kernelspec.name == "python3"
    MetadataValidator().validate_nb(nb)  # schema v3, raises on any problem
    ids = [_meta(c)["grade_id"] for c in nb.cells if _meta(c)]
    assert len(ids) == len(set(ids)) and all(_meta(c) for c in nb.cells)
    assert all(_meta(c)["schema_version"] == 3 for c in nb.cells)


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_setup_cell_comes_first_and_installs_the_grader(aid):
    nb = _nb(source_notebook(aid))
    assert nb.cells[0].cell_type == "markdown" and _meta(nb.cells[0])["locked"]
    setup = next(c for c in nb.cells if c.cell_type == "code")
    m = _meta(setup)
    assert (m["grade_id"], m["grade"], m["locked"], m["points"]) == ("setup", True, True, 0)
    hidden = setup.source.split("### END HIDDEN TESTS")[0]
    assert setup.source.startswith("### BEGIN HIDDEN TESTS")
    assert f'_lrc_grader = _lrc_install("{aid}")' in hidden


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_each_check_has_one_hidden_test_cell_with_its_points(aid):
    nb, spec = _nb(source_notebook(aid)), get_spec(aid)
    tests = {}
    for cell in nb.cells:
        m = _meta(cell)
        if cell.cell_type == "code" and m.get("grade") and m.get("points", 0) > 0:
            calls = re.findall(r'_lrc_grader\.check\("([\w-]+)"\)', cell.source)
            assert calls == [m["grade_id"]], cell.source
            assert re.search(r"### BEGIN HIDDEN TESTS\n_lrc_grader\.check\(\"[\w-]+\"\)\n"
                             r"### END HIDDEN TESTS$", cell.source), cell.source
            tests[m["grade_id"]] = m["points"]
    assert tests == {g: c.points for g, c in spec.checks.items()}
    assert all(1 <= p <= 3 for p in tests.values())


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_parts_follow_the_house_order(aid):
    """Task (points in the heading), answer, 0-point self-check, graded cells, per part."""
    nb = _nb(source_notebook(aid))
    parts = []
    for cell in nb.cells:
        m = _meta(cell)
        if cell.cell_type == "markdown" and re.search(r"^## Part [A-Z]", cell.source, re.M):
            points = int(re.search(r"\((\d+) points?", cell.source).group(1))
            parts.append({"points": points, "kinds": []})
        elif parts:
            kind = ("answer" if m.get("solution") and cell.cell_type == "code" else
                    "written" if m.get("solution") else
                    "selfcheck" if m.get("grade") and m.get("points") == 0 else
                    "test" if m.get("grade") else "text")
            parts[-1]["kinds"].append((kind, m.get("points", 0)))
    autograded = [p for p in parts if any(k == "test" for k, _ in p["kinds"])]
    assert 5 <= len(autograded) <= 8
    for part in autograded:
        kinds = [k for k, _ in part["kinds"] if k != "text"]
        first_test = kinds.index("test")
        assert "selfcheck" in kinds[:first_test], kinds
        assert all(k == "test" for k in kinds[first_test:]), kinds
        assert part["points"] == sum(p for k, p in part["kinds"] if k == "test")
    written = [p for p in parts if any(k == "written" for k, _ in p["kinds"])]
    assert written and all(p["points"] > 0 for p in written)


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_written_answers_carry_mark_schemes(aid):
    written = [c for c in _nb(source_notebook(aid)).cells
               if c.cell_type == "markdown" and _meta(c).get("solution")]
    assert written
    for cell in written:
        m = _meta(cell)
        assert m["grade"] and m["points"] > 0
        scheme = _SCHEME.search(cell.source)
        assert scheme and "point" in scheme.group(1) and len(scheme.group(1)) > 200
        assert len(_SCHEME.sub("", cell.source).strip()) > 200  # a model answer too
    student = _nb(student_notebook(aid))
    by_id = {_meta(c).get("grade_id"): c for c in student.cells}
    for cell in written:
        assert by_id[_meta(cell)["grade_id"]].source.strip() == "YOUR ANSWER HERE"


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_answer_docstrings_state_the_convention(aid):
    """Every answer stub keeps its docstring; loss-like ones say mean or sum."""
    student = _nb(student_notebook(aid))
    answers = [c for c in student.cells if c.cell_type == "code" and _meta(c).get("solution")]
    for cell in answers:
        tree = ast.parse(cell.source)
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert functions and all(ast.get_docstring(f) for f in functions), cell.source
        assert "raise NotImplementedError()" in cell.source
    for name, words in CONVENTIONS.get(aid, {}).items():
        doc = next(ast.get_docstring(n) for c in answers for n in ast.parse(c.source).body
                   if isinstance(n, ast.FunctionDef) and n.name == name)
        assert any(word in doc for word in words), (name, doc)


#: Functions whose docstring must say which scale they use (mean or sum), per assignment.
CONVENTIONS = {
    "03-maximum-likelihood": {f: ("mean", "/ n") for f in ("cross_entropy", "gradient",
                                                            "hessian")},
    "05-regularisation": {"penalised_objective": ("sum",), "fit_penalised": ("mean-form",),
                          "cv_log_loss": ("mean",)},
    "06-softmax": {"cross_entropy": ("mean",), "gradient": ("mean", "/ n"),
                   "fit_softmax": ("mean form",)},
}


def _solution_lines(aid):
    lines = set()
    for cell in _nb(source_notebook(aid)).cells:
        for block in _SOLUTION_BLOCK.findall(cell.source):
            for line in block.splitlines():
                line = line.strip()
                if len(line) >= 12 and not line.startswith(("return", "#", "def ", '"""')):
                    lines.add(line)
        scheme = _SCHEME.search(cell.source)
        if scheme:
            lines.update(s.strip() for s in scheme.group(1).splitlines() if len(s.strip()) > 30)
        if _meta(cell).get("solution") and cell.cell_type == "markdown":
            lines.update(s.strip() for s in _SCHEME.sub("", cell.source).splitlines()
                         if len(s.strip()) > 30)
    return lines


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_no_solution_hidden_test_or_mark_scheme_reaches_the_student_version(aid):
    text = student_notebook(aid).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME",
                   "_lrc_", "logreg_course.grading"):
        assert marker not in text, marker
    nb = _nb(student_notebook(aid))
    sources = "\n".join(c.source for c in nb.cells)
    leaked = [line for line in _solution_lines(aid) if line in sources]
    assert not leaked, leaked
    assert _solution_lines(aid)  # the check itself has something to look for


def test_nothing_under_chapters_holds_solutions_or_hidden_tests():
    for path in Path(REPO, "chapters").rglob("*"):
        if path.is_file() and path.suffix in (".ipynb", ".md", ".py", ".txt", ".json"):
            text = path.read_text(errors="replace")
            for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "BEGIN MARK SCHEME",
                           "_lrc_grader"):
                assert marker not in text, f"{marker} in {path}"


def test_solutions_folder_holds_only_the_source_notebooks():
    """nbgrader copies every other file in solutions/<id>/ into release/ verbatim."""
    for aid in ASSIGNMENTS:
        files = [p.name for p in source_notebook(aid).parent.iterdir()]
        assert files == [f"{aid}.ipynb"], files


def test_grader_setup_preamble_is_the_setup_cells_code():
    """The re-check's preamble defines exactly what the setup cell gives learners."""
    for aid in ASSIGNMENTS:
        setup = next(c for c in _nb(source_notebook(aid)).cells if c.cell_type == "code")
        visible = setup.source.split("### END HIDDEN TESTS\n", 1)[1]
        in_setup = {ast.dump(n) for n in ast.parse(visible).body}
        for node in ast.parse(get_spec(aid).preamble).body:
            assert ast.dump(node) in in_setup, ast.unparse(node)


def test_nbgrader_config():
    from logreg_course.grading.nbgrade import load_config

    c = load_config(Path("/course"))
    assert c.CourseDirectory.source_directory == "solutions"
    assert {"*.md", "*.py"} <= set(c.CourseDirectory.ignore)
    assert "--InteractiveShellApp.ignore_cwd=True" in c.Execute.extra_arguments
    assert c.Execute.kernel_name == "python3"
    assert 10 <= c.Execute.timeout <= 300 and c.Execute.startup_timeout >= 30
    assert c.OverwriteCells.add_missing_cells is True
    assert c.LimitOutput.max_lines > 0 and c.LimitOutput.max_traceback > 0
    assert "nbgrader.preprocessors.ClearHiddenTests" in c.GenerateFeedback.preprocessors


def test_gradebook_schema_head_read_in_process_is_what_alembic_prints(tmp_path):
    """A new gradebook is stamped with the head read in-process; nbgrader asks ``alembic``."""
    import sys

    from nbgrader.api import Gradebook
    from nbgrader.dbutil import _temp_alembic_ini

    from logreg_course.grading.nbgrade import _alembic_head, prepare_nbgrader

    with _temp_alembic_ini(f"sqlite:///{tmp_path / 'unused.db'}") as ini:
        printed = subprocess.run([str(Path(sys.executable).parent / "alembic"), "-c", ini,
                                  "heads"], capture_output=True, text=True, check=True).stdout
    assert printed.split()[:2] == [_alembic_head(), "(head)"]
    prepare_nbgrader()
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        from sqlalchemy import text

        stamped = gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert stamped == _alembic_head()


def test_gradebook_and_working_folders_stay_out_of_the_repository():
    ignored = Path(REPO, ".gitignore").read_text().split()
    for name in ("gradebook.db", "release/", "submitted/", "autograded/", "feedback/"):
        assert name in ignored
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    assert not [f for f in tracked if f.endswith(".db") or f.split("/")[0] in
                ("release", "submitted", "autograded", "feedback")]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_each_selfcheck_previews_the_graded_tests_under_it(aid):
    """`selfcheck.PREVIEWS` names, for each self-check cell, the graded cells that follow it
    (up to the next part), and passes it the functions it is called with."""
    from logreg_course.selfcheck import PREVIEWS

    found, current = {}, None
    for cell in _nb(source_notebook(aid)).cells:
        gid = _meta(cell).get("grade_id", "")
        if gid.endswith("selfcheck"):
            call = re.search(r"selfcheck\.(check_\w+)\(([^)]*)\)", cell.source)
            assert call, f"{gid} does not call a self-check"
            current = call.group(1)
            found[current] = ([], [a.strip() for a in call.group(2).split(",")])
        elif cell.cell_type == "markdown":
            current = None
        elif current and _meta(cell).get("grade") and cell.cell_type == "code":
            found[current][0].append(gid)
    table = {name: v for name, v in PREVIEWS.items() if v[0] == aid}
    assert set(table) == set(found)
    for name, (grade_ids, arguments) in found.items():
        _, previewed, params = table[name]
        assert list(previewed) == grade_ids, name
        assert list(params) == arguments[:len(params)], name


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_standins_are_the_solutions_now(aid):
    """``logreg_course/grading/standins`` is generated from the source notebooks."""
    from logreg_course.grading import standins

    assert standins.source(aid) == standins.generate(aid, source_notebook(aid)), (
        f"the stand-ins of {aid} drifted from solutions/{aid}: run `make exercises`")


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_setup_bootstrap_is_current(aid):
    """The set-up cell installs this version of the course from the site in _config.yml."""
    from logreg_course.assignments import bootstrap_block, course_version, site_address

    nb = _nb(source_notebook(aid))
    setup = next(c for c in nb.cells if c.cell_type == "code")
    visible = setup.source.split("### END HIDDEN TESTS\n", 1)[1]
    expected = bootstrap_block(site_address(), course_version())
    stale = f"the set-up block of solutions/{aid} is stale: run `make exercises` and commit"
    assert visible.startswith(expected), stale
    assert nb.metadata.get("logreg_course", {}).get("version") == course_version(), stale
    student = _nb(student_notebook(aid))
    assert student.metadata["logreg_course"]["version"] == course_version(), stale
    assert next(c for c in student.cells if c.cell_type == "code").source.startswith(expected)


def test_bootstrap_writer_keeps_the_hidden_part_and_replaces_its_own_block():
    from logreg_course.assignments import bootstrap_block, bootstrap_of, with_bootstrap

    hidden = '### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS\n'
    old = with_bootstrap(hidden + "import numpy as np\n", bootstrap_block("", "0.0.1"))
    new = with_bootstrap(old, bootstrap_block("https://example.org/course/", "0.2.0"))
    assert new.startswith(hidden) and new.endswith("import numpy as np\n")
    assert new.count("course set-up") == 2  # one block: its two marker lines
    assert "'https://example.org/course'" in bootstrap_of(new)
    assert "logreg_course-0.2.0-py3-none-any.whl" in bootstrap_of(new)
    with pytest.raises(ValueError):
        with_bootstrap("import numpy as np\n", bootstrap_block("", "0.0.1"))


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_last_cell_is_the_locked_handin_check(aid):
    from logreg_course.handin import HANDIN_CELL

    last = _nb(source_notebook(aid)).cells[-1]
    m = _meta(last)
    assert last.cell_type == "code"
    assert (m["grade_id"], m["locked"], m["grade"], m["solution"]) == (HANDIN_CELL, True,
                                                                     False, False)
    assert f'selfcheck.ready_to_hand_in("{aid}")' in last.source
