"""JupyterLab in a temporary folder, for the browser tests (Chromium: `_chromium`).

Shared by the formgrader test (``tests/grading_cli/test_cli_formgrader.py``) and the
learner's-view test (``tests/test_learner_browser.py``): `jupyterlab` starts
``jupyter lab`` from this environment on 127.0.0.1 with a random token, its runtime and
configuration folders in a temporary folder, and waits until it answers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root, tmp, *args, env=None, startup=90):
    """Run ``jupyter lab`` serving `root` (extra command-line `args`); yield (url, token).

    `tmp` holds its runtime and configuration folders and ``jupyterlab.log``; the server
    is stopped on exit. A server that does not answer within `startup` seconds fails the
    test with the end of its log.
    """
    tmp = Path(tmp)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ if env is None else env,
               PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"))
    log_path = tmp / "jupyterlab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             f"--ServerApp.token={token}", "--allow-root", f"--ServerApp.root_dir={root}",
             *args],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + startup
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.3)
        try:
            yield url, token
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
