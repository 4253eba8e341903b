"""A small fix for the course website, loaded by ``_config.yml`` (``extra_extensions``).

sphinx-thebe's inline ``const THEBE_JS_URL = ...`` script reaches every page of a stock
Jupyter Book 1.x site twice (Sphinx 7.4), and the second ``const`` is a SyntaxError in
the browser console (tests/test_site_browser.py fails on console errors). Keep one copy
of every identical script.
"""

from __future__ import annotations


def _script_key(script):
    attributes = getattr(script, "attributes", {}) or {}
    # An inline script has filename None or "" depending on who added it.
    return (getattr(script, "filename", script) or "",
            tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _course_version(app, config):
    """Put the course version into Sphinx's config and into every page's footer.

    ``version`` and ``release`` (Sphinx) and ``html_context["course_version"]`` become
    ``logreg_course.__version__`` (the distribution's version, pyproject.toml), and a line
    "Course version X.Y.Z (what changed)" linking CHANGELOG.md in the configured
    repository is appended to sphinx-book-theme's ``extra_footer`` (after anything
    ``html.extra_footer`` in ``_config.yml`` puts there), which every page's footer shows.
    """
    from html import escape

    from logreg_course import __version__

    config.version = config.release = __version__
    config.html_context = {**(config.html_context or {}), "course_version": __version__}
    options = dict(config.html_theme_options or {})
    text = f"Course version {escape(__version__)}"
    repository = str(options.get("repository_url") or "").strip().rstrip("/")
    if repository:
        branch = options.get("repository_branch") or "main"
        changelog = f"{repository}/blob/{branch}/CHANGELOG.md"
        text += f' (<a href="{escape(changelog)}">what changed</a>)'
    options["extra_footer"] = (f'{options.get("extra_footer") or ""}'
                               f'<p class="course-version">{text}</p>')
    config.html_theme_options = options


def _unique_scripts(app, pagename, templatename, context, doctree):
    """Wrap the page's ``js_tag`` so a script identical to one already written is skipped.

    Wrapping the tag function (rather than editing ``script_files``) also covers scripts
    that later handlers add to the page; this handler runs first because Sphinx stops
    at the first ``html-page-context`` handler that returns a template name.
    """
    js_tag = context.get("js_tag")
    if js_tag is None:
        return
    written = set()

    def unique_js_tag(script):
        key = _script_key(script)
        if key in written:
            return ""
        written.add(key)
        return js_tag(script)

    context["js_tag"] = unique_js_tag


def setup(app):
    app.connect("config-inited", _course_version)
    app.connect("html-page-context", _unique_scripts, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
