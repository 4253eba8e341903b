"""Write where the course is published into _config.yml, before `make book` builds it.

The site workflow (.github/workflows/site.yml) runs, on GitHub::

    python3 scripts/set_site_address.py --repository "$GITHUB_REPOSITORY" \\
        --branch "$GITHUB_REF_NAME" --site-url "<the GitHub Pages URL>"

which sets, in the workflow's own checkout of _config.yml:

* ``repository.url`` = ``https://github.com/<owner>/<repo>`` and ``repository.branch``
  (the block "THE ONE PLACE TO CHANGE when you publish or fork the course"): every
  launch button, the repository button, the footer's CHANGELOG link and the links on
  the landing page (logreg_course.launch) are built from them, so a fork's site points
  at the fork, never at the course it was forked from;
* ``html.baseurl`` = the Pages address (Jupyter Book's key for "where the book will be
  hosted"; Sphinx writes each page's canonical URL from it).

Only those values change: the rest of the file, comments included, is kept as it is.
Run it by hand to preview a fork's site locally (then `git checkout _config.yml`).
Standard library only: it runs before the course's environment exists.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "_config.yml"
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_SECTION = re.compile(r"^(?P<name>[A-Za-z_][\w-]*):\s*(?:#.*)?$")


def _set(lines, section, key, value, note):
    """Set `key: value` inside the top-level mapping `section`, adding what is missing."""
    rendered = f"{json.dumps(value)}  # {note}\n"
    start = next((i for i, line in enumerate(lines)
                  if (m := _SECTION.match(line)) and m["name"] == section), None)
    if start is None:  # no such section: add it at the end
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += [f"{section}:\n", f"  {key}: {rendered}"]
        return
    indent = "  "
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line[0].isspace() and not line.lstrip().startswith("#"):
            break  # the next top-level key: the section has ended
        entry = re.match(r"^(?P<indent>\s+)(?P<key>[\w-]+):", line)
        if entry and not line.lstrip().startswith("#"):
            indent = entry["indent"]
            if entry["key"] == key:
                lines[i] = f"{indent}{key}: {rendered}"
                return
    lines.insert(start + 1, f"{indent}{key}: {rendered}")


def set_site_address(text, *, repository, branch, site_url):
    """Return the text of a _config.yml with the repository, branch and site address set.

    Parameters
    ----------
    text : str
        The configuration file's text.
    repository : str
        ``owner/name`` on GitHub (``$GITHUB_REPOSITORY``).
    branch : str
        The branch the site is built from (``$GITHUB_REF_NAME``).
    site_url : str
        The published site's address, e.g. ``https://owner.github.io/name/``.

    Raises
    ------
    ValueError
        If `repository` is not ``owner/name``, `branch` is empty, or `site_url` is not an
        http(s) URL.
    """
    if not _REPOSITORY.match(repository or ""):
        raise ValueError(f"--repository must look like owner/name; got {repository!r}")
    if not (branch or "").strip():
        raise ValueError("--branch must not be empty")
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", site_url or ""):
        raise ValueError(f"--site-url must be an http(s) address; got {site_url!r}")
    site_url = site_url.rstrip("/") + "/"
    note = "set by scripts/set_site_address.py"
    lines = text.splitlines(keepends=True)
    _set(lines, "repository", "url", f"https://github.com/{repository}", note)
    _set(lines, "repository", "branch", branch.strip(), note)
    _set(lines, "html", "baseurl", site_url, note)
    return "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", required=True, help="owner/name on GitHub")
    parser.add_argument("--branch", required=True, help="the branch the site is built from")
    parser.add_argument("--site-url", required=True, help="the published site's address")
    parser.add_argument("--config", type=Path, default=CONFIG, help="default: %(default)s")
    args = parser.parse_args(argv)
    try:
        text = set_site_address(args.config.read_text(encoding="utf-8"),
                                repository=args.repository, branch=args.branch,
                                site_url=args.site_url)
    except (OSError, ValueError) as error:
        parser.exit(2, f"set_site_address: {error}\n")
    args.config.write_text(text, encoding="utf-8")
    print(f"{args.config}: repository https://github.com/{args.repository} "
          f"({args.branch}), site {args.site_url.rstrip('/')}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
