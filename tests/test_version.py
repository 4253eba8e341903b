"""One version for the course: pyproject.toml's, exposed by the package and headed the CHANGELOG.

The expected version is read here from pyproject.toml with tomllib, independently of
`logreg_course._read_version`. The footer of the built site is checked in
test_book_build.py (it needs the session's book build).
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
import tomllib

import logreg_course
import logreg_ref

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# A release heading: "## 0.1.0 (unreleased)", "## 1.2.0 (2027-01-15)".
HEADING = re.compile(r"^## (\S+) \((unreleased|\d{4}-\d{2}-\d{2})\)\s*$")


def project_version():
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]


def changelog_releases():
    """(version, date) of every `## ` heading of CHANGELOG.md, in file order."""
    lines = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    headings = [line for line in lines if line.startswith("## ")]
    bad = [h for h in headings if not HEADING.match(h)]
    assert not bad, f"release headings must read '## X.Y.Z (YYYY-MM-DD or unreleased)': {bad}"
    return [HEADING.match(h).groups() for h in headings]


def test_package_version_is_the_pyproject_version():
    assert logreg_course.__version__ == project_version()
    assert logreg_ref.__version__ == logreg_course.__version__


def test_version_falls_back_to_pyproject_when_not_installed(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert logreg_course._read_version() == project_version()


def test_pyproject_is_parsed_without_tomllib_too(monkeypatch):
    """Python 3.10 has no tomllib: the fallback reads the [project] table's version line."""
    monkeypatch.setitem(sys.modules, "tomllib", None)  # `import tomllib` now fails
    text = PYPROJECT.read_text(encoding="utf-8")
    assert logreg_course._version_from_pyproject(text) == project_version()
    other_tables = ('[tool.x]\nversion = "9.9"\n[project]\nname = "a"\nversion = "1.2.3"\n'
                    '[tool.y]\nversion = "8.8"\n')
    assert logreg_course._version_from_pyproject(other_tables) == "1.2.3"
    assert logreg_course._version_from_pyproject('[project]\nname = "a"\n') is None


def test_version_is_unknown_without_metadata_or_pyproject(monkeypatch, tmp_path):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    monkeypatch.setattr(logreg_course, "_PYPROJECT", tmp_path / "missing.toml")
    assert logreg_course._read_version() == "0+unknown"


def test_top_changelog_entry_is_the_package_version():
    releases = changelog_releases()
    assert releases, "CHANGELOG.md has no release heading"
    assert releases[0][0] == project_version(), (
        f"CHANGELOG.md starts with {releases[0][0]}, pyproject.toml says {project_version()}: "
        "add a section for the new version at the top")


def test_changelog_releases_are_newest_first_and_only_the_top_one_unreleased():
    from packaging.version import Version

    releases = changelog_releases()
    versions = [Version(v) for v, _ in releases]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert all(date != "unreleased" for _, date in releases[1:])


@pytest.mark.parametrize("group", ["### Chapters", "### Graded notebooks",
                                   "### Reference implementation", "### Instructor tools"])
def test_top_changelog_entry_is_grouped_for_teachers(group):
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    top = re.split(r"^## ", text, flags=re.M)[1]
    assert re.search(rf"^{re.escape(group)}", top, re.M), f"no '{group}' section"
