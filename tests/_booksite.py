"""Helpers and the session fixtures for the book tests (test_book_build, test_site_browser,
test_learner_anywhere).

The public book is built ONCE per test session, from scratch, in a temporary copy of
the repository (so the developer's own _build/ and its cache neither help nor hide
anything), with exactly the flags and steps of `make book`, and served ONCE per session
on 127.0.0.1 (`served_book`). Tests that need a modified book
(a failing cell, a dummy solution) copy the tree again and build only what they need.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
# The flags of `make book` (Makefile): warnings are errors, nitpicky references.
BUILD_FLAGS = ["--warningiserror", "--nitpick", "--keep-going"]
# nbgrader's markers for solution code, hidden tests and mark schemes: none of them may
# reach the public site, in any file (pages, _sources, downloads, the search index).
FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
             "BEGIN MARK SCHEME", "END MARK SCHEME")
# What a copy of the repository leaves out: environments, caches, builds, instructor data.
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "_build", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
    "*.egg-info", ".ipynb_checkpoints", "gradebook.db*", "release", "submitted", "autograded",
    "feedback", "downloaded", "source_with_tests", "nbgrader.log", ".venv-learner")
# Sphinx's own diagnostics ("<file>: WARNING: ...", "ERROR: ..."); not the Jupyter
# kernel's "[IPKernelApp] WARNING | ..." start-up chatter.
_DIAGNOSTIC = re.compile(r"(?:^|: )(WARNING|ERROR|CRITICAL|SEVERE): ", re.MULTILINE)


def copy_book(dest):
    """Copy the repository's book sources to `dest` (a new folder) and return it."""
    shutil.copytree(ROOT, dest, ignore=_IGNORE, symlinks=True)
    return Path(dest)


def build(source, *args, timeout=900):
    """Run `jupyter-book build` on `source` with `make book`'s flags; output merged."""
    if not JUPYTER_BOOK.exists():
        pytest.fail(f"{JUPYTER_BOOK} not found: install the project with `make test`")
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(source), *BUILD_FLAGS, *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
        check=False)


def diagnostics(output):
    """Lines of a build log that carry a Sphinx warning or error."""
    return [line for line in output.splitlines() if _DIAGNOSTIC.search(line)]


def write_toc(source, root, chapters=()):
    """Replace `source`/_toc.yml with a small one: `root` and optional chapter pages."""
    lines = ["format: jb-book", f"root: {root}"]
    if chapters:
        lines += ["chapters:"] + [f"  - file: {c}" for c in chapters]
    (Path(source) / "_toc.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def html_pages(html_dir):
    """Every HTML page of a built site (not the theme's assets or copied sources)."""
    html_dir = Path(html_dir)
    skip = {"_static", "_sources", "_images", "_downloads", "_sphinx_design_static"}
    return sorted(p for p in html_dir.rglob("*.html")
                  if not skip & set(p.relative_to(html_dir).parts))


class _Refs(HTMLParser):
    """Collect ids and the URLs of links, scripts, stylesheets, images and frames."""

    ATTRS: ClassVar[dict[str, str]] = {
        "a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src",
        "source": "src", "video": "src", "audio": "src"}

    def __init__(self):
        super().__init__()
        self.ids, self.urls = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        url = attrs.get(self.ATTRS.get(tag, ""), None)
        if url is not None:
            self.urls.append((tag, url))


def _parse(path, cache):
    if path not in cache:
        parser = _Refs()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = parser
    return cache[path]


def internal_link_problems(html_dir):
    """Internal href/src in the built pages that do not resolve, as readable strings.

    A URL is internal when it has no scheme and no host. Its file must exist inside the
    site (a folder counts when it has index.html); a #fragment pointing into an HTML page
    must name an id (or name) in that page.
    """
    html_dir = Path(html_dir).resolve()
    cache, problems = {}, []
    for page in html_pages(html_dir):
        for tag, url in _parse(page, cache).urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:")):
                continue
            if not parts.path and not parts.fragment:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            where = f"{page.relative_to(html_dir)}: <{tag}> {url!r}"
            if html_dir not in target.parents and target != html_dir:
                problems.append(f"{where} leaves the site")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where} -> missing {target.relative_to(html_dir)}")
                continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target, cache).ids:
                    problems.append(f"{where} -> no id {parts.fragment!r} in "
                                    f"{target.relative_to(html_dir)}")
    return problems


def leak_problems(html_dir):
    """Solution or hidden-test text anywhere in a built site, and any solutions/ output."""
    html_dir = Path(html_dir)
    problems = [f"{p.relative_to(html_dir)} exists" for p in html_dir.rglob("solutions")]
    for path in sorted(p for p in html_dir.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        problems += [f"{path.relative_to(html_dir)} contains {marker!r}"
                     for marker in FORBIDDEN if marker in text]
    return problems


@dataclass
class BuiltBook:
    """A public build of the book in a temporary copy of the repository."""

    source: Path
    result: subprocess.CompletedProcess

    @property
    def html(self):
        return self.source / "_build" / "html"

    @property
    def cache(self):
        return self.source / "_build" / ".jupyter_cache"

    def require_success(self):
        """Fail the calling test, with the end of the log, unless the build succeeded."""
        if self.result.returncode != 0:
            tail = "\n".join(self.result.stdout.splitlines()[-60:])
            pytest.fail(f"`make book`'s build failed (exit {self.result.returncode}):\n{tail}")


def publish(source, timeout=300):
    """`make book`'s second step: the notebooks and the course's wheel in _build/html/notebooks."""
    return subprocess.run(
        [sys.executable, str(Path(source) / "scripts" / "publish_notebooks.py"),
         str(Path(source) / "_build" / "html")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
        check=False)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The public book, built once per session from a clean copy of the repository, as
    `make book` builds it (jupyter-book build, then the published notebooks and wheel)."""
    source = copy_book(tmp_path_factory.mktemp("public") / "book")
    result = build(source)
    if result.returncode == 0:
        step = publish(source)
        result = subprocess.CompletedProcess(result.args, step.returncode,
                                             result.stdout + step.stdout)
    return BuiltBook(source=source, result=result)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def served_book(built_book):
    """The built site served on 127.0.0.1 (a free port), one server per session.

    Returns ``(base URL ending in /, path of _build/html)``.
    """
    built_book.require_success()
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", built_book.html
    server.shutdown()
    server.server_close()
