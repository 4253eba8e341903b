"""Build the instructor edition of the book: the public site plus every solution notebook.

    python scripts/build_instructor_edition.py [--source DIR]      (or: make book-instructor)

The public build (``make book``) never reads ``solutions/``: ``_config.yml`` excludes it.
This script derives a second configuration and table of contents from the public ones,
written to ``_build/instructor/``:

* ``_config.yml`` without the ``solutions`` exclusion, with an "instructor edition"
  banner, and sharing the public build's execution cache (the chapters are not re-run);
* ``_toc.yml`` = the public table of contents + a part listing
  ``solutions/<id>/<id>.ipynb``.

The solution notebooks are rendered as stored, never executed (``solutions/*/*`` is in
``execute.exclude_patterns``). The site lands in ``_build/instructor/html``. It contains
solutions and hidden tests: never publish it.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BANNER = ("Instructor edition: this site shows solutions and hidden tests. "
          "Do not publish it.")


def solution_notebooks(source):
    """``solutions/<id>/<id>.ipynb`` files, sorted (nbgrader's source layout)."""
    return sorted(p for p in source.glob("solutions/*/*.ipynb")
                  if p.stem == p.parent.name and ".ipynb_checkpoints" not in p.parts)


def instructor_config(public, source):
    """The public configuration, opened up to ``solutions/`` and marked as instructor-only."""
    cfg = copy.deepcopy(public)
    cfg["title"] = f"{public.get('title', 'Course')} (instructor edition)"
    cfg["exclude_patterns"] = [p for p in public.get("exclude_patterns", [])
                               if str(p).strip("/") != "solutions"]
    execute = cfg.setdefault("execute", {})
    patterns = list(execute.get("exclude_patterns", []))
    # myst-nb matches these against the end of each path: solutions/<id>/<id>.ipynb.
    if "solutions/*/*" not in patterns:
        patterns.append("solutions/*/*")
    execute["exclude_patterns"] = patterns
    execute["cache"] = str(source / "_build" / ".jupyter_cache")
    cfg.setdefault("html", {})["announcement"] = BANNER
    return cfg


def instructor_toc(public, source, notebooks):
    """The public table of contents plus a part with one entry per solution notebook."""
    toc = copy.deepcopy(public)
    entries = [{"file": nb.relative_to(source).with_suffix("").as_posix()} for nb in notebooks]
    if entries:
        toc.setdefault("parts", []).append(
            {"caption": "Instructor edition: solutions", "chapters": entries})
    return toc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the book's root folder (default: this repository)")
    args = parser.parse_args(argv)
    source = args.source.resolve()
    out = source / "_build" / "instructor"
    out.mkdir(parents=True, exist_ok=True)

    public_cfg = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    public_toc = yaml.safe_load((source / "_toc.yml").read_text(encoding="utf-8"))
    notebooks = solution_notebooks(source)
    if not notebooks:
        print("build_instructor_edition: no solutions/<id>/<id>.ipynb found; "
              "the instructor edition will equal the public site.", file=sys.stderr)
    (out / "_config.yml").write_text(
        yaml.safe_dump(instructor_config(public_cfg, source), sort_keys=False), encoding="utf-8")
    (out / "_toc.yml").write_text(
        yaml.safe_dump(instructor_toc(public_toc, source, notebooks), sort_keys=False),
        encoding="utf-8")

    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(source), "--path-output", str(out),
               "--config", str(out / "_config.yml"), "--toc", str(out / "_toc.yml"),
               "--warningiserror", "--nitpick", "--keep-going", "--all"]
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        return result.returncode
    # Jupyter Book writes to <path-output>/_build/html; move it to _build/instructor/html.
    target = out / "html"
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(out / "_build" / "html"), str(target))
    print(f"Instructor edition: file://{target / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
