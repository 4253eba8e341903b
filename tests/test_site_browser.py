"""Every page of the built site in a real browser: maths typeset, images loaded, no errors,
and both explorers responding to the keyboard and the mouse.

Headless Debian Chromium (/usr/bin/chromium) driven by Playwright's Python package. The
site is served from 127.0.0.1 and every request elsewhere is blocked and reported, so
the pages are shown to work offline (no CDN). Screenshots go to _build/screenshots/.
If Chromium is missing the test installs it (root + apt-get, scripts/ensure-system-deps.sh)
or fails saying how to install it: it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from _booksite import ROOT, html_pages
from scipy.special import expit
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)

pytestmark = [pytest.mark.browser, pytest.mark.book, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "_build" / "screenshots"


def chromium_executable():
    """Debian's Chromium; installed on the spot when possible, else a clear failure."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-system-deps.sh")], check=False)
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is needed at /usr/bin/chromium for the browser checks. "
                    "Install it with `sudo apt-get install chromium` (or run `make sysdeps` "
                    "as root), then run the tests again.")
    return CHROMIUM


@pytest.fixture(scope="module")
def site(served_book):
    """The built public site served on 127.0.0.1 (the session's server, `served_book`)."""
    return served_book


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(executable), headless=True, args=FLAGS)
        yield browser
        browser.close()


def open_page(browser, url, problems):
    """A new tab at `url` that records console errors, page errors, failed and remote requests."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    def route(r):
        if urlsplit(r.request.url).hostname != "127.0.0.1":
            problems.append(f"request leaves the machine: {r.request.url}")
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.goto(url, wait_until="load")
    return page


TYPESET = """async () => {
  if (!document.querySelector('script[src*="mathjax"]')) return null;
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  await MathJax.startup.promise;
  const maths = [...document.querySelectorAll('span.math, div.math')];
  return {
    math: maths.length,
    typeset: maths.filter(m => m.querySelector('mjx-container')).length,
    errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
  };
}"""

IMAGES = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc || i.src);
}"""


def test_every_page_typesets_maths_loads_images_and_logs_no_errors(site, browser):
    base, html = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report, pages_with_math = {}, 0
    for path in html_pages(html):
        rel = path.relative_to(html).as_posix()
        problems = []
        page = open_page(browser, base + rel, problems)
        text = path.read_text(encoding="utf-8")
        if 'http-equiv="Refresh"' in text or 'http-equiv="refresh"' in text:
            # index.html redirects to the root page: check that it lands somewhere real.
            page.wait_for_url(lambda url, start=base + rel: url != start, timeout=10000)
            page.wait_for_load_state("load")
            text = (html / page.url[len(base):]).read_text(encoding="utf-8")
        source_has_math = 'class="math' in text
        maths = page.evaluate(TYPESET)
        if source_has_math:
            pages_with_math += 1
            if maths is None:
                problems.append("page has maths but loads no MathJax")
            elif maths["typeset"] != maths["math"] or maths["errors"]:
                problems.append(f"maths typeset {maths}")
        problems += [f"image did not load: {src}" for src in page.evaluate(IMAGES)]
        page.wait_for_timeout(200)  # let late console messages arrive
        page.screenshot(path=str(SCREENSHOTS / (rel.replace("/", "__") + ".png")), full_page=True)
        page.context.close()
        if problems:
            report[rel] = problems
    assert report == {}
    assert pages_with_math >= 2  # the landing page and the formula sheet at least


def test_search_finds_pages(site, browser):
    base, _ = site
    problems = []
    page = open_page(browser, base + "search.html?q=sigmoid", problems)
    page.wait_for_selector("#search-results li", timeout=15000)
    assert page.locator("#search-results li").count() >= 2
    page.context.close()
    assert problems == []


def field(root, name):
    return root.locator(f'[data-field="{name}"]').first.inner_text().strip()


def number(text):
    return float(text.replace("\u2212", "-"))


def test_sigmoid_explorer_responds_to_keyboard_and_mouse(site, browser):
    base, _ = site
    problems = []
    page = open_page(browser, base + "chapters/appendices/explorers.html", problems)
    root = page.locator('.lr-explorer[data-explorer="sigmoid"][data-ready="true"]').first
    root.wait_for()
    curve = root.locator('[data-role="curve"]')
    d0 = curve.get_attribute("d")
    assert field(root, "w") == "1.00" and field(root, "decision") == "0.00"

    ident = root.get_attribute("id")
    page.focus(f"#{ident}-w")
    for _ in range(10):                      # step 0.1: w 1.0 -> 2.0
        page.keyboard.press("ArrowRight")
    page.focus(f"#{ident}-b")
    for _ in range(10):                      # b 0.0 -> 1.0
        page.keyboard.press("ArrowRight")
    assert field(root, "w") == "2.00" and field(root, "b") == "1.00"
    assert field(root, "decision") == "\u22120.50"              # x* = -b/w
    assert field(root, "z") == "3.00"                           # z = 2·1 + 1 at x = 1
    assert field(root, "sigma") == f"{expit(3.0):.4f}"
    d1 = curve.get_attribute("d")
    assert d1 != d0
    root.screenshot(path=str(SCREENSHOTS / "explorer-sigmoid.png"))

    # Mouse: a click near the left end of the x slider moves the probe point.
    probe = root.locator('[data-role="probe"]')
    cx0 = probe.get_attribute("cx")
    slider = page.locator(f"#{ident}-x")
    box = slider.bounding_box()
    slider.click(position={"x": 12, "y": box["height"] / 2})
    x = number(field(root, "x"))
    assert x < -4
    assert probe.get_attribute("cx") != cx0
    assert field(root, "sigma") == f"{expit(2.0 * x + 1.0):.4f}"
    page.context.close()
    assert problems == []


def embedded_data(page, root):
    raw = root.locator("script.lr-explorer-data").first.text_content()
    data = json.loads(raw)
    return np.array(data["y"]), np.array(data["s"])


def check_metrics(root, y, s, c_fp, c_fn):
    """The page's numbers at its current threshold, against scikit-learn's."""
    t = float(field(root, "threshold"))
    pred = (s >= t).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    shown = [int(field(root, k)) for k in ("tn", "fp", "fn", "tp")]
    assert shown == [tn, fp, fn, tp], f"confusion matrix at t={t}"
    assert field(root, "precision") == f"{precision_score(y, pred):.3f}"
    assert field(root, "recall") == f"{recall_score(y, pred):.3f}"
    assert field(root, "f1") == f"{f1_score(y, pred):.3f}"
    assert field(root, "accuracy") == f"{accuracy_score(y, pred):.3f}"
    assert field(root, "cost") == f"{(c_fp * fp + c_fn * fn) / len(y):.3f}"
    assert field(root, "bayes") == f"{c_fp / (c_fp + c_fn):.3f}"
    return t


def test_threshold_explorer_responds_to_keyboard_mouse_and_costs(site, browser):
    base, _ = site
    problems = []
    page = open_page(browser, base + "chapters/appendices/explorers.html", problems)
    root = page.locator('.lr-explorer[data-explorer="threshold"][data-ready="true"]').first
    root.wait_for()
    y, s = embedded_data(page, root)
    ident = root.get_attribute("id")
    assert check_metrics(root, y, s, 1.0, 5.0) == 0.5

    # Keyboard: twenty steps down, 0.50 -> 0.30.
    page.focus(f"#{ident}-t")
    for _ in range(20):
        page.keyboard.press("ArrowLeft")
    assert check_metrics(root, y, s, 1.0, 5.0) == pytest.approx(0.30)
    line = root.locator('[data-role="threshold-line"]')
    marker = root.locator('[data-role="bayes-marker"]')
    x_line, x_marker = line.get_attribute("x1"), marker.bounding_box()["x"]

    # Editing a cost moves the Bayes threshold t* = c_FP/(c_FP + c_FN) on the slider.
    page.fill(f"#{ident}-cfn", "3")
    check_metrics(root, y, s, 1.0, 3.0)
    assert float(marker.get_attribute("data-value")) == pytest.approx(0.25)
    assert marker.bounding_box()["x"] > x_marker
    root.screenshot(path=str(SCREENSHOTS / "explorer-threshold.png"))

    # The button puts the threshold at t*; the marker sits where the thumb then is.
    root.locator("button.lr-button").click()
    assert check_metrics(root, y, s, 1.0, 3.0) == pytest.approx(0.25)
    thumb_x = page.evaluate(
        """(id) => { const r = document.getElementById(id).getBoundingClientRect();
                    const thumb = 18; return r.left + thumb / 2 + 0.25 * (r.width - thumb); }""",
        f"{ident}-t")
    assert abs(marker.bounding_box()["x"] - thumb_x) < 2

    # Mouse: a click near the right end of the track raises the threshold.
    slider = page.locator(f"#{ident}-t")
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] - 12, "y": box["height"] / 2})
    assert check_metrics(root, y, s, 1.0, 3.0) > 0.9
    assert line.get_attribute("x1") != x_line

    # A negative cost is refused with a message, and the last valid costs stay in use.
    page.fill(f"#{ident}-cfp", "-1")
    assert "must be numbers" in field(root, "cost-note")
    assert page.get_attribute(f"#{ident}-cfp", "aria-invalid") == "true"
    check_metrics(root, y, s, 1.0, 3.0)
    page.context.close()
    assert problems == []
