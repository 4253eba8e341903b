"""The course publishes itself: GitHub Actions workflows, checked offline, and a fork's address.

GitHub Actions cannot run here, so the workflows are checked with actionlint (from the dev
extra, with ShellCheck for the shell in `run:` steps): every file in .github/workflows
must give no finding at all. The tests also pin down what the workflows must do (run
`make test` on every push and pull request; build with `make book` and deploy all of
_build/html to GitHub Pages), and that scripts/set_site_address.py, which the site
workflow runs, makes a fork's site point at the fork.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _booksite import build, copy_book, diagnostics, write_toc

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
SCRIPT = ROOT / "scripts" / "set_site_address.py"
sys.path.insert(0, str(ROOT / "scripts"))
from set_site_address import set_site_address  # noqa: E402


def workflow_files():
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def actionlint(*paths, cwd=ROOT):
    """Run actionlint (ShellCheck on PATH, from the same environment); return its result."""
    executable = BIN / "actionlint"
    if not executable.exists():
        pytest.fail(f"{executable} not found: install the dev extra (make test does)")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(executable), "-oneline", "-no-color", *map(str, paths)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def load(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def uses(workflow, action):
    """The steps that use `action` (any version)."""
    return [s for s in steps(workflow) if str(s.get("uses", "")).split("@")[0] == action]


# ------------------------------------------------------------------------------ actionlint

def test_actionlint_and_shellcheck_find_mistakes(tmp_path):
    """The checker itself works: a broken workflow gives findings (so a pass means something)."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-24.04\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"  # script injection
        "      - run: cp $SOURCE $TARGET\n"  # unquoted: ShellCheck SC2086
        "      - uses: actions/checkout@v5\n"
        "        with: {no-such-input: 1}\n", encoding="utf-8")
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "github.event.pull_request.title" in result.stdout
    assert "SC2086" in result.stdout, "ShellCheck is not being run on `run:` steps"
    assert "no-such-input" in result.stdout


def test_every_workflow_passes_actionlint():
    files = workflow_files()
    assert {f.name for f in files} >= {"tests.yml", "site.yml"}
    result = actionlint(*files)
    assert result.returncode == 0 and result.stdout == "", (
        f"actionlint (exit {result.returncode}):\n{result.stdout}{result.stderr}")


# ------------------------------------------------------------------- what the workflows do

def test_tests_run_make_test_on_every_push_and_pull_request_with_caches():
    workflow = load("tests.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["on"]["push"] is None  # every branch
    runs = [s.get("run", "") for s in steps(workflow)]
    assert "make test" in runs
    job = next(iter(workflow["jobs"].values()))
    assert job["runs-on"].startswith("ubuntu-")
    python = uses(workflow, "actions/setup-python")
    assert python and python[0]["with"]["cache"] == "pip"
    assert "requirements/constraints.txt" in python[0]["with"]["cache-dependency-path"]
    assert [s["with"]["path"] for s in uses(workflow, "actions/cache")] == [
        "_build/.jupyter_cache"]


def test_site_builds_with_make_book_and_deploys_all_of_build_html_to_pages():
    workflow = load("site.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build_job, deploy_job = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [s.get("run", "") for s in build_job["steps"]]
    assert "make book" in runs
    address = next(r for r in runs if "set_site_address.py" in r)
    assert runs.index(address) < runs.index("make book"), "the address must be set first"
    # the graded notebooks install the course from that address: regenerated for it
    assert runs.index(address) < runs.index("make exercises") < runs.index("make book")
    for option in ("--repository", "--branch", "--site-url"):
        assert option in address
    step = next(s for s in build_job["steps"] if "set_site_address.py" in s.get("run", ""))
    assert step["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert "$GITHUB_REPOSITORY" in address
    assert [s["with"]["path"] for s in uses(workflow, "actions/upload-pages-artifact")] == [
        "_build/html"]
    assert deploy_job["needs"] == "build"
    assert uses({"jobs": {"deploy": deploy_job}}, "actions/deploy-pages")
    assert deploy_job["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy_job["environment"]["name"] == "github-pages"
    assert workflow["permissions"] == {"contents": "read"}  # nothing else can write


# ------------------------------------------------------------------------ a fork's address

def test_set_site_address_changes_the_three_values_and_nothing_else():
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    new = set_site_address(text, repository="alice/stats-course", branch="term-2027",
                           site_url="https://alice.github.io/stats-course")
    before, after = yaml.safe_load(text), yaml.safe_load(new)
    assert after["repository"]["url"] == "https://github.com/alice/stats-course"
    assert after["repository"]["branch"] == "term-2027"
    assert after["html"]["baseurl"] == "https://alice.github.io/stats-course/"
    for section, key in [("repository", "url"), ("repository", "branch"), ("html", "baseurl")]:
        before[section].pop(key, None)
        after[section].pop(key, None)
    assert after == before
    # Comments stay (the block's explanation first of all), and a second run changes nothing.
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in new.splitlines() if line.lstrip().startswith("#")] == comments
    assert set_site_address(new, repository="alice/stats-course", branch="term-2027",
                            site_url="https://alice.github.io/stats-course/") == new


def test_set_site_address_adds_missing_keys_and_rejects_bad_values():
    new = set_site_address("title: x\nhtml:\n  use_issues_button: false\n",
                           repository="a-b/c.d", branch="main", site_url="https://a.example/")
    assert yaml.safe_load(new) == {
        "title": "x",
        "html": {"use_issues_button": False, "baseurl": "https://a.example/"},
        "repository": {"url": "https://github.com/a-b/c.d", "branch": "main"}}
    for bad in [{"repository": "no-slash"}, {"repository": "a/b/c"}, {"branch": " "},
                {"site_url": "alice.github.io"}, {"site_url": "ftp://x/"}]:
        args = {"repository": "a/b", "branch": "main", "site_url": "https://a.example/", **bad}
        with pytest.raises(ValueError, match=re.escape(next(iter(bad)).replace("_", "-"))):
            set_site_address("title: x\n", **args)


@pytest.mark.book
@pytest.mark.slow
def test_a_forks_site_points_at_the_fork(tmp_path):
    """After the site workflow's script, launch buttons, the repository button, the footer's
    CHANGELOG link and the canonical address are the fork's, in the built HTML."""
    source = copy_book(tmp_path / "book")
    subprocess.run([sys.executable, str(SCRIPT), "--config", str(source / "_config.yml"),
                    "--repository", "alice/stats-course", "--branch", "term-2027",
                    "--site-url", "https://alice.github.io/stats-course"], check=True,
                   capture_output=True)
    (source / "fork.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n"
        "# A page with code\n\n```{code-cell} ipython3\nprint(1 + 1)\n```\n", encoding="utf-8")
    write_toc(source, "fork")
    result = build(source)
    assert result.returncode == 0 and diagnostics(result.stdout) == [], result.stdout[-3000:]
    page = (source / "_build" / "html" / "fork.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://alice.github.io/stats-course/fork.html"' in page
    assert 'href="https://github.com/alice/stats-course"' in page  # repository button
    assert "https://mybinder.org/v2/gh/alice/stats-course/term-2027" in page
    assert "https://github.com/alice/stats-course/blob/term-2027/CHANGELOG.md" in page
    assert "github.com/logreg-course/" not in page  # nothing points at the original


def test_readme_says_how_to_publish_your_own_copy():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Publish your own copy\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert section, "README.md has no '## Publish your own copy' section"
    text = section.group(1).lower()
    for needle in ("fork", "source:* **github actions**", "_config.yml", "push",
                   "solutions/", "gradebook", "submissions"):
        assert needle in text, f"'Publish your own copy' does not mention {needle!r}"
