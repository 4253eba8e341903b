"""Manual grading in nbgrader's formgrader, inside JupyterLab, in headless Chromium.

JupyterLab is started on the graded class's course root (nbgrader 0.9.6's lab
extension and server extensions, as pinned); the test opens *Nbgrader →
Formgrader* from JupyterLab's menu, goes to the written answer of one
submission, types a score and a comment, and then finds both in the gradebook.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
import urllib.request

import pytest
from _cli_helpers import ASSIGNMENT, BIN, gradebook

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(graded_class, tmp_path):
    root = graded_class["root"]
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={token}", "--allow-root", f"--ServerApp.root_dir={root}",
         f"--Exchange.root={tmp_path / 'exchange'}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log")
                            .read_text()[-3000:])
            time.sleep(0.3)
    try:
        yield url, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_manual_grade_in_formgrader_reaches_the_gradebook(jupyterlab):
    from playwright.sync_api import sync_playwright

    url, token, root = jupyterlab
    student = "h-partial"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
        browser.close()
    assert found == (1.5, "Right about the overflow; say why exp(z)/(1+exp(z)) gives nan.")
    with gradebook(root) as gb:
        assert gb.find_submission(ASSIGNMENT, student).score == pytest.approx(13 + 1.5)
