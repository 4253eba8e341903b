"""Manual grading in nbgrader's formgrader, inside JupyterLab, in headless Chromium.

JupyterLab is started on the graded class's course root (nbgrader 0.9.6's lab
extension and server extensions, as pinned); the test opens *Nbgrader →
Formgrader* from JupyterLab's menu, goes to the written answer of one
submission, types a score and a comment, and then finds both in the gradebook.
"""

from __future__ import annotations

import time

import pytest
from _chromium import launch
from _cli_helpers import ASSIGNMENT, gradebook
from _jupyterlab import jupyterlab

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(graded_class, tmp_path):
    root = graded_class["root"]
    with jupyterlab(root, tmp_path, f"--Exchange.root={tmp_path / 'exchange'}") as (url, token):
        yield url, token, root


def test_manual_grade_in_formgrader_reaches_the_gradebook(lab, playwright_driver):
    url, token, root = lab
    student = "h-partial"
    browser = launch(playwright_driver)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/lab?token={token}")
        page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
        page.get_by_text("Nbgrader", exact=True).click()
        page.locator(".lm-Menu-itemLabel").filter(has_text="Formgrader").first.click()
        fg = page.frame_locator("iframe")
        fg.get_by_text("Manual Grading").first.click()
        fg.get_by_role("link", name=ASSIGNMENT).first.click()  # the assignment
        fg.get_by_role("link", name=ASSIGNMENT).first.click()  # its notebook
        row = fg.locator("tr").filter(
            has=fg.locator("a[href*='/formgrader/submissions/']").filter(has_text=student))
        row.locator("a").filter(has_text="Submission").first.click()
        score = fg.locator("input.score#explain_overflow")
        score.wait_for(timeout=60_000)
        # The inputs are in the page before the formgrader's scripts listen to them: its grade
        # and comment views are bound only once their models are fetched, and a score typed
        # earlier is never sent (seen once on a loaded machine). Wait for both.
        frame = next(f for f in page.frames if "/formgrader/submissions/" in f.url)
        frame.wait_for_function(
            "() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
            " && formgrader.comments && formgrader.comments.loaded", timeout=60_000)
        score.fill("1.5")
        score.press("Tab")
        comment = fg.locator("textarea#explain_overflow-comment")
        comment.fill("Right about the overflow; say why exp(z)/(1+exp(z)) gives nan.")
        comment.press("Tab")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with gradebook(root) as gb:
                grade = gb.find_grade("explain_overflow", ASSIGNMENT, ASSIGNMENT, student)
                remark = gb.find_comment("explain_overflow", ASSIGNMENT, ASSIGNMENT, student)
                found = (grade.manual_score, remark.manual_comment)
            if found[0] == 1.5 and found[1]:
                break
            time.sleep(0.3)
    finally:
        browser.close()
    assert found == (1.5, "Right about the overflow; say why exp(z)/(1+exp(z)) gives nan.")
    with gradebook(root) as gb:
        assert gb.find_submission(ASSIGNMENT, student).score == pytest.approx(13 + 1.5)
