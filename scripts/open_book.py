"""Open the built book in the reader's web browser, or say where it is.

`make book` calls this after a successful build. A browser is started only where there is a
desktop to show it (a display on Linux, or macOS/Windows); on a headless machine (a server,
CI) it just prints the address, so the command never blocks on a text-mode browser.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from pathlib import Path

index = Path(__file__).resolve().parent.parent / "_build" / "html" / "index.html"
url = index.as_uri()
has_desktop = sys.platform in ("darwin", "win32") or bool(
    os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
if has_desktop and webbrowser.open_new_tab(url):
    print(f"The course is built and opened in your browser: {url}")
else:
    print(f"The course is built: open {url}")
