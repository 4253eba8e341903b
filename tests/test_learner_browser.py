"""The learner's view in a real browser: a graded notebook in JupyterLab, in headless Chromium.

JupyterLab is started as ``make lab`` starts it (``jupyter lab <folder>``, nothing more), on
a temporary folder holding a fresh copy of a student notebook; Debian's Chromium, driven by
Playwright, opens the notebook, runs the set-up cell, types the solution of Part A into its
answer cell, runs its self-check, saves, and runs the hand-in cell, reading each output
from the page. One JupyterLab server and one browser for the module; a screenshot of the
hand-in cell goes to _build/screenshots/learner-handin-cell.png.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from _chromium import launch
from _jupyterlab import jupyterlab
from grading_corpus import solution_code
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from logreg_course.assignments import student_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AID = "01-sigmoid"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "_build" / "screenshots"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("learner")
    shutil.copy(student_notebook(AID), root / f"{AID}.ipynb")
    with jupyterlab(root, tmp_path_factory.mktemp("jupyter")) as (url, token):
        yield url, token, root


@pytest.fixture(scope="module")
def browser(playwright_driver):
    browser = launch(playwright_driver)
    yield browser
    browser.close()


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_fill_a_part_run_its_selfcheck_and_the_handin_check(lab, browser):
    url, token, root = lab
    path = root / f"{AID}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    setup, answer, check = (_index(nb, g) for g in ("setup", "sigmoid_answer",
                                                    "sigmoid_selfcheck"))
    handin = len(nb.cells) - 1
    solution = solution_code(AID)["sigmoid_answer"]

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/{AID}.ipynb?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=90_000)
    cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")

    def run(i, expect, timeout=90_000):
        """Select cell i, run it (Shift+Enter), wait until its output holds `expect`."""
        cells.nth(i).locator(".jp-InputArea-prompt").click()
        page.keyboard.press("Shift+Enter")
        output = cells.nth(i).locator(".jp-OutputArea")
        output.filter(has_text=expect).wait_for(timeout=timeout)
        return output.inner_text()

    # the set-up cell: the course is installed here, so its set-up block prints nothing.
    # On a busy machine JupyterLab can open the notebook before it has the list of kernels:
    # it then asks which kernel to start (a learner keeps the proposed Python 3), or reports
    # "idle" before the kernel is connected and drops a cell run (its prompt stays "[ ]"):
    # run it again until it is counted (the set-up cell only imports and fits).
    counted = cells.nth(setup).locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]"))
    kernel_dialog = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
    deadline = time.monotonic() + 120
    while True:
        if kernel_dialog.count():
            assert "Python 3" in kernel_dialog.inner_text()
            kernel_dialog.locator(".jp-mod-accept").click()
        try:
            cells.nth(setup).locator(".jp-InputArea-prompt").click(timeout=10_000)
            page.keyboard.press("Shift+Enter")
            counted.wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "learner-setup-not-run.png"))
                raise
    assert cells.nth(setup).locator(".jp-OutputArea-output").count() == 0

    # Part A: type the solution into the answer cell
    editor = cells.nth(answer).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(solution)
    page.keyboard.press("Escape")
    assert "np.exp(-np.abs(z))" in editor.inner_text()
    page.keyboard.press("Shift+Enter")
    out = run(check, "all self-checks passed")
    assert "✓ sigmoid(0) = 1/2" in out and "✗" not in out

    # save, then the hand-in cell checks the saved file and this kernel's self-checks
    page.keyboard.press("Control+S")
    deadline = time.monotonic() + 30
    while "np.exp(-np.abs(z))" not in path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    saved = nbformat.read(str(path), as_version=4)
    assert "np.exp(-np.abs(z))" in saved.cells[answer].source
    assert saved.cells[answer].metadata["nbgrader"]["grade_id"] == "sigmoid_answer"
    report = run(handin, "For the full check")
    assert "✓ check_sigmoid: passed" in report
    assert "· check_predict: not run" in report
    assert "1 of 7 passed" in report
    assert f"The saved file {AID}.ipynb" in report
    assert f"✓ a notebook of {AID}" in report
    assert f'validate "{path}"' in report
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cells.nth(handin).scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "learner-handin-cell.png"))
    page.close()
