"""Debian's Chromium for the browser tests (the site, the learner's JupyterLab, the formgrader).

`chromium_executable` returns its path, installing it on the spot when the tests run as
root with apt-get (as `make sysdeps` does), else fails the test saying how to install it.
`CHROMIUM_ARGS` are the flags every browser test launches it with; `launch` starts it
from the test process's one Playwright driver (the `playwright_driver` fixture of conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_executable() -> Path:
    """Debian's Chromium; installed on the spot when possible, else a clear failure."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-system-deps.sh")], check=False)
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is needed at /usr/bin/chromium for the browser checks. "
                    "Install it with `sudo apt-get install chromium` (or run `make sysdeps` "
                    "as root), then run the tests again.")
    return CHROMIUM


def launch(driver, **options):
    """Debian's Chromium, headless, started from `driver` (the session's `playwright_driver`)."""
    return driver.chromium.launch(executable_path=str(chromium_executable()), headless=True,
                                  args=CHROMIUM_ARGS, **options)
