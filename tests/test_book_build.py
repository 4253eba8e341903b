"""The book builds cleanly, links resolve, nothing secret leaks, and the build is disciplined.

The public book is built once per session (fixture `built_book`, tests/_booksite.py) in a
clean temporary copy with `make book`'s flags. Tests that need a different book (a
failing cell, a dummy solution) build their own small copy with a reduced _toc.yml.
"""

from __future__ import annotations

import html
import json
import re

import nbformat
import numpy as np
import pytest
import tomllib
import yaml
from _booksite import (
    FORBIDDEN,
    build,
    copy_book,
    diagnostics,
    html_pages,
    internal_link_problems,
    leak_problems,
    write_toc,
)

pytestmark = [pytest.mark.book, pytest.mark.slow]


def toc_files(source):
    """Every page named in _toc.yml: the root and each `file:` entry, at any depth."""
    toc = yaml.safe_load((source / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


# ----------------------------------------------------------------- the public build

def test_public_build_succeeds_without_warnings(built_book):
    built_book.require_success()
    assert "build succeeded" in built_book.result.stdout
    assert diagnostics(built_book.result.stdout) == []


def test_every_page_of_the_toc_and_nothing_else_is_built(built_book):
    built_book.require_success()
    expected = {f"{name}.html" for name in toc_files(built_book.source)}
    expected |= {"index.html", "genindex.html", "search.html"}
    built = {p.relative_to(built_book.html).as_posix() for p in html_pages(built_book.html)}
    assert built == expected


def test_internal_links_resolve(built_book):
    built_book.require_success()
    assert internal_link_problems(built_book.html) == []


def test_public_site_has_no_solutions_or_hidden_tests(built_book):
    built_book.require_success()
    assert (built_book.html / "_sources").is_dir()  # the scan below covers sources too
    assert leak_problems(built_book.html) == []


def test_site_needs_no_cdn(built_book):
    """Scripts and stylesheets are all local, and MathJax 3 is the vendored copy."""
    built_book.require_success()
    # (A canonical <link>, written when html.baseurl is set as the site workflow does,
    # names the page's own address and loads nothing.)
    remote = re.compile(r"<(?:script|link)\b(?![^>]*rel=\"canonical\")[^>]*(?:src|href)="
                        r"\"(?:https?:)?//", re.I)
    for page in html_pages(built_book.html):
        text = page.read_text(encoding="utf-8")
        assert not remote.search(text), f"{page.name} loads a remote script or stylesheet"
    assert (built_book.html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    woff = list((built_book.html / "_static" / "mathjax").rglob("*.woff"))
    assert woff, "MathJax's fonts were not copied"
    notation = (built_book.html / "chapters" / "appendices" / "notation.html").read_text()
    assert 'src="../../_static/mathjax/tex-chtml.js"' in notation


def test_without_a_repository_no_launch_link_is_published(built_book):
    """_config.yml names no repository: no launch or repository button, and the landing
    page says why instead of listing dead links; downloads still work."""
    built_book.require_success()
    cfg = yaml.safe_load((built_book.source / "_config.yml").read_text(encoding="utf-8"))
    assert not (cfg.get("repository") or {}).get("url")
    hosts = ("mybinder.org", "colab.research.google.com", "git-pull", "github.com/")
    for page in html_pages(built_book.html):
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"]+)"', text):
            assert not any(h in href for h in hosts), f"{page.name}: {href}"
    intro = (built_book.html / "intro.html").read_text(encoding="utf-8")
    assert "No launch links in this build" in intro
    page = "chapters/appendices/explorers"
    text = (built_book.html / f"{page}.html").read_text(encoding="utf-8")
    assert (built_book.html / "_sources" / f"{page}.ipynb").is_file()
    assert f"_sources/{page}.ipynb" in text.replace("../../", "")


def _launch_urls(html_dir):
    """(page, service, url) of every launch link in a built site, unescaped once."""
    found = []
    for page in html_pages(html_dir):
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"]+)"', text):
            url = html.unescape(href)
            for service, marker in (("Binder", "/v2/gh/"), ("Colab", "colab."),
                                    ("JupyterHub", "/hub/user-redirect/git-pull")):
                if marker in url:
                    found.append((page.relative_to(html_dir).as_posix(), service, url))
    return found


def test_with_a_repository_every_launch_url_parses(tmp_path):
    """A build with a repository and a hub configured: every Binder, Colab and JupyterHub
    URL on the landing page and in the launch buttons names a file that exists, Colab
    only .ipynb files, and each query parameter arrives once, unescaped."""
    from urllib.parse import parse_qs, urlsplit

    source = copy_book(tmp_path / "book")
    cfg_path = source / "_config.yml"
    cfg = cfg_path.read_text(encoding="utf-8")
    cfg = re.sub(r'(?m)^  url: "".*$', "  url: https://github.com/example-org/logreg-course", cfg)
    cfg = re.sub(r'(?m)^  jupyterhub_url: "".*$', '  jupyterhub_url: "https://hub.example.edu"',
                 cfg)
    cfg_path.write_text(cfg, encoding="utf-8")
    write_toc(source, "intro", ["chapters/appendices/explorers"])
    result = build(source)
    # Only the landing page and one appendix are built, so the landing page's links to
    # the other pages cannot resolve; those are the only warnings allowed.
    xref = re.compile(r"Unknown source document|undefined label|unknown document")
    assert [d for d in diagnostics(result.stdout) if not xref.search(d)] == []
    site = source / "_build" / "html"
    assert (site / "intro.html").is_file(), result.stdout[-3000:]
    urls = _launch_urls(site)
    by_page = {(page, service) for page, service, _ in urls}
    # the landing page's table: every service; the explorers page (MyST .md): no Colab
    assert {("intro.html", s) for s in ("Binder", "Colab", "JupyterHub")} <= by_page
    assert ("chapters/appendices/explorers.html", "Binder") in by_page
    assert ("chapters/appendices/explorers.html", "JupyterHub") in by_page
    assert ("chapters/appendices/explorers.html", "Colab") not in by_page
    assert "github.com/example-org/logreg-course" in (site / "intro.html").read_text()
    for page, service, url in urls:
        parts = urlsplit(url)
        where = f"{page}: {url}"
        assert "&amp;" not in url and "amp;" not in parts.query, where
        if service == "Binder":
            assert parts.netloc == "mybinder.org", where
            assert parts.path == "/v2/gh/example-org/logreg-course/main", where
            (urlpath,) = parse_qs(parts.query)["urlpath"]
            assert urlpath.startswith("lab/tree/"), where
            path = urlpath.removeprefix("lab/tree/")
        elif service == "Colab":
            assert parts.netloc == "colab.research.google.com", where
            prefix = "/github/example-org/logreg-course/blob/main/"
            assert parts.path.startswith(prefix), where
            path = parts.path.removeprefix(prefix)
            assert path.endswith(".ipynb"), where
        else:
            assert parts.netloc == "hub.example.edu", where
            query = parse_qs(parts.query)
            assert set(query) == {"repo", "urlpath", "branch"}, where
            assert query["repo"] == ["https://github.com/example-org/logreg-course"], where
            assert query["branch"] == ["main"], where
            (urlpath,) = query["urlpath"]
            assert urlpath.startswith("lab/tree/logreg-course/"), where
            path = urlpath.removeprefix("lab/tree/logreg-course/")
        assert (source / path).is_file(), f"{where} names a file that does not exist"


# ------------------------------------------------------------- what the reader sees

def _visible_code(page_html):
    """The source code of the code cells a reader sees (cell inputs), as text."""
    blocks = re.findall(r'<div class="cell_input docutils container">(.*?)</div>\s*</div>',
                        page_html, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", b)) for b in blocks]


def test_learner_facing_code_has_no_build_plumbing(built_book):
    """No glue() calls, myst_nb imports or assertions in the code cells a reader sees:
    the build's own checks run in hidden cells."""
    built_book.require_success()
    problems, n_cells = [], 0
    for page in html_pages(built_book.html):
        cells = _visible_code(page.read_text(encoding="utf-8"))
        n_cells += len(cells)
        for code in cells:
            for line in code.splitlines():
                if re.match(r"\s*(glue\(|from myst_nb|import myst_nb|assert\b|"
                            r"np\.testing\.assert)", line):
                    problems.append(f"{page.name}: {line.strip()}")
    assert n_cells > 100
    assert problems == []


# Empty, matplotlib's repr, or a file path (a token starting with / ../ ./ _images/, or
# ending in an image extension); "w/4" in a sentence is fine.
_BAD_ALT = re.compile(r"^\s*$|^<Figure|(?:^|\s)(?:\.{1,2}/|/|_images/)|\.(?:png|svg|jpe?g|gif)\b",
                      re.I)


def test_every_image_has_meaningful_alt_text(built_book):
    """No image's alt text is empty, a file path or matplotlib's '<Figure size ...>'."""
    built_book.require_success()
    n_images, problems = 0, []
    for page in html_pages(built_book.html):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            n_images += 1
            alt = re.search(r'\balt="([^"]*)"', tag)
            text = html.unescape(alt.group(1)) if alt else ""
            if _BAD_ALT.search(text) or len(text.split()) < 8:
                problems.append(f"{page.name}: alt={text[:60]!r}")
    assert n_images >= 30
    assert problems == []


def test_alt_text_check_rejects_paths_and_figure_reprs():
    for bad in ("", "  ", "<Figure size 700x360 with 1 Axes>",
                "_images/abc123.svg", "../../_images/fig.png"):
        assert _BAD_ALT.search(bad), bad
    assert not _BAD_ALT.search("Two panels of sigmoid curves for three values of w")
    assert not _BAD_ALT.search("a peak equal to the bound w/4, odds p/(1-p)")


def test_every_citation_is_in_the_bibliography_and_none_is_plain_text(built_book):
    """Each {cite} key is in references.bib, and no chapter cites as 'Name (1999)'."""
    built_book.require_success()
    bib = (built_book.source / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    plain = re.compile(r"\b[A-Z][a-z]+(?: (?:and|&) [A-Z][a-z]+| et al\.)?,? \(?(1[89]|20)\d\d\)?")
    cited, problems = set(), []
    for page in sorted((built_book.source / "chapters").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for role_keys in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
            cited |= {k.strip() for k in role_keys.split(",")}
        prose = re.sub(r"```.*?```", "", text, flags=re.S)        # not code
        prose = re.sub(r"\{cite(?::[pt])?\}`[^`]+`", "", prose)
        problems += [f"{page.name}: {m.group(0)!r}" for m in plain.finditer(prose)]
    assert cited <= keys, sorted(cited - keys)
    assert len(cited) >= 25
    assert problems == []


def test_concept_checks_cover_every_chapter(built_book):
    """About 60 questions, at least 7 per chapter, unique keys, answers embedded."""
    built_book.require_success()
    per_page, keys = {}, []
    for page in html_pages(built_book.html):
        for blob in re.findall(r'<script type="application/json" class="lr-quiz-data">'
                               r"(.*?)</script>", page.read_text(encoding="utf-8"), re.S):
            data = json.loads(blob.replace("<\\/", "</"))
            keys += list(data)
            per_page[page.relative_to(built_book.html).as_posix()] = (
                per_page.get(page.relative_to(built_book.html).as_posix(), 0) + len(data))
    chapters = {p: n for p, n in per_page.items() if re.match(r"chapters/0\d-", p)}
    assert len(chapters) == 6 and min(chapters.values()) >= 7, chapters
    assert len(keys) == len(set(keys)) and len(keys) >= 55


def test_every_page_shows_the_course_version_in_its_footer(built_book):
    """"Course version X.Y.Z" (pyproject.toml's version) in every page's footer, and in
    Sphinx's own DOCUMENTATION_OPTIONS.VERSION; the redirect index.html has no footer."""
    built_book.require_success()
    pyproject = (built_book.source / "pyproject.toml").read_text(encoding="utf-8")
    version = tomllib.loads(pyproject)["project"]["version"]
    footer = re.compile(r'<footer class="bd-footer-content">(.*?)</footer>', re.S)
    shown = re.compile(r'<p class="course-version">Course version ([^ <]+)[ <]')
    pages = [p for p in html_pages(built_book.html)
             if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8").lower()]
    assert len(pages) >= len(toc_files(built_book.source))
    problems = []
    for page in pages:
        found = footer.search(page.read_text(encoding="utf-8"))
        versions = shown.findall(found.group(1)) if found else []
        if versions != [version]:
            problems.append(f"{page.relative_to(built_book.html)}: footer shows {versions}")
    assert problems == [], f"expected 'Course version {version}' once in every footer"
    options = (built_book.html / "_static" / "documentation_options.js").read_text()
    assert f"VERSION: '{version}'" in options


def test_search_index_covers_the_pages(built_book):
    built_book.require_success()
    assert (built_book.html / "search.html").is_file()
    index = (built_book.html / "searchindex.js").read_text(encoding="utf-8")
    for word in ("sigmoid", "threshold", "misconcept"):
        assert word in index


def test_threshold_explorer_embeds_the_real_model_scores(built_book):
    """The scores in the page are those of a converged fit on the held-out split."""
    built_book.require_success()
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    text = (built_book.html / "chapters/appendices/explorers.html").read_text(encoding="utf-8")
    blobs = re.findall(r'data-explorer="threshold".*?<script type="application/json" '
                       r'class="lr-explorer-data">(.*?)</script>', text, flags=re.S)
    assert len(blobs) == 1
    data = json.loads(blobs[0])
    X, target = load_breast_cancer(return_X_y=True)
    y = (target == 0).astype(int)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0)
    sk = make_pipeline(StandardScaler(), LogisticRegression(
        C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=1000)).fit(X_train, y_train)
    np.testing.assert_array_equal(data["y"], y_test)
    np.testing.assert_allclose(data["s"], sk.predict_proba(X_test)[:, 1], atol=1e-8)


# ------------------------------------------------------------------ build discipline

def test_a_failing_code_cell_fails_the_build(tmp_path):
    source = copy_book(tmp_path / "book")
    intro = source / "intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + (
        "\n```{code-cell} ipython3\n"
        "raise ValueError('injected failure 7f3a')\n"
        "```\n"), encoding="utf-8")
    write_toc(source, "intro")
    result = build(source)
    assert result.returncode != 0
    assert "ValueError" in result.stdout
    assert "injected failure 7f3a" in result.stdout
    assert "intro.md" in result.stdout


def test_an_unchanged_rebuild_runs_no_notebook(built_book):
    """Re-reading every page (--all) takes every executed page from jupyter-cache.

    Evidence without timing: the cache's records (id, content hash, creation stamp)
    are the same objects after the rebuild, and the log reports no execution.
    """
    built_book.require_success()
    from jupyter_cache import get_cache

    def records():
        return sorted((r.pk, r.hashkey, r.uri, r.created)
                      for r in get_cache(built_book.cache).list_cache_records())

    before = records()
    assert before, "the first build cached no executed notebook"
    rebuild = build(built_book.source, "--all")
    assert rebuild.returncode == 0, rebuild.stdout[-3000:]
    assert records() == before
    assert "Executing notebook" not in rebuild.stdout
    assert rebuild.stdout.count("Using cached notebook") == len(before)


# ---------------------------------------------------------------- instructor edition

def _dummy_solution(path):
    """An nbgrader-style source notebook with a solution, hidden tests and a mark scheme."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    answer = nbformat.v4.new_code_cell(
        "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION")
    tests = nbformat.v4.new_code_cell(
        '"""square works"""\nassert square(2) == 4\n'
        "### BEGIN HIDDEN TESTS\nassert square(-3) == 9\n### END HIDDEN TESTS")
    scheme = nbformat.v4.new_markdown_cell(
        "Explain.\n\n=== BEGIN MARK SCHEME ===\nOne point per idea.\n=== END MARK SCHEME ===")
    # Stored output, and a cell that would fail if the instructor build executed it.
    stored = nbformat.v4.new_code_cell("raise RuntimeError('must not be executed')")
    stored.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                             text="stored output 5e1d\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Dummy assignment"), answer, tests, scheme,
                stored]
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)


def test_instructor_edition_adds_solutions_and_the_public_build_does_not(tmp_path):
    import subprocess
    import sys

    from _booksite import ROOT

    source = copy_book(tmp_path / "book")
    write_toc(source, "chapters/appendices/references")  # no code, no cross-page refs: quick
    _dummy_solution(source / "solutions" / "00-dummy" / "00-dummy.ipynb")

    public = build(source)
    assert public.returncode == 0, public.stdout[-3000:]
    assert leak_problems(source / "_build" / "html") == []

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_instructor_edition.py"),
         "--source", str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert diagnostics(result.stdout) == []
    site = source / "_build" / "instructor" / "html"
    page = (site / "solutions" / "00-dummy" / "00-dummy.html").read_text(encoding="utf-8")
    for marker in FORBIDDEN:
        assert marker in page
    assert "stored output 5e1d" in page          # rendered as stored ...
    assert "Traceback" not in page               # ... never run
    assert "Instructor edition" in page          # and labelled
    assert (site / "chapters" / "appendices" / "references.html").is_file()
    assert internal_link_problems(site) == []
    # The public site built before is untouched by the instructor build.
    assert leak_problems(source / "_build" / "html") == []
