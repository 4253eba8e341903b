"""Small fixes for the course website, loaded by ``_config.yml`` (``extra_extensions``).

1. **One copy of each script.** sphinx-thebe's inline ``const THEBE_JS_URL = ...``
   script reaches every page of a stock Jupyter Book 1.x site twice (Sphinx 7.4), and
   the second ``const`` is a SyntaxError in the browser console
   (tests/test_site_browser.py fails on console errors). Keep one copy of every
   identical script.
2. **No launch link that goes nowhere.** Launch buttons (Binder, Colab, JupyterHub) and
   the repository button are shown only when ``repository.url`` in ``_config.yml`` names
   a repository; without one the build shows none and logs that it hides them, and
   ``logreg_course.launch.launch_table`` says so on the landing page. Colab opens only
   ``.ipynb`` files, so its button is dropped from pages whose source is Markdown.
3. **Notebook downloads stay.** The theme copies a MyST page's executed notebook for
   its download button only while it makes launch buttons; without them the copy is
   made here.
4. **Bibliography markup.** docutils writes the bibliography as ``role="list"`` whose
   entries have ``role="doc-biblioentry"``, a role that is deprecated and not a list
   item, so axe-core reports a critical ``aria-required-children`` finding on the
   references page. The entries become ``role="listitem"``.
"""

from __future__ import annotations

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


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


def repository_configured(theme_options):
    """True when the theme options name a repository URL (``repository.url``)."""
    return bool(str(theme_options.get("repository_url", "") or "").strip())


def _launch_buttons_need_a_repository(app, config):
    """Hide launch and repository buttons when no repository is configured."""
    options = dict(config.html_theme_options or {})
    if repository_configured(options):
        options["use_repository_button"] = True  # (Jupyter Book writes False by default)
    else:
        if options.get("launch_buttons"):
            LOGGER.info("logreg_course: no repository.url in _config.yml, so the site "
                        "shows no launch buttons (Binder, Colab, JupyterHub)")
        options["launch_buttons"] = {}
        for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
            options[button] = False
    config.html_theme_options = options


def _without_colab_for_text(buttons):
    kept = []
    for button in buttons:
        if isinstance(button, dict) and isinstance(button.get("buttons"), list):
            button = {**button, "buttons": _without_colab_for_text(button["buttons"])}
            if not button["buttons"]:
                continue
        elif (isinstance(button, dict) and button.get("text") == "Colab"
              and not str(button.get("url", "")).endswith(".ipynb")):
            continue
        kept.append(button)
    return kept


def _colab_only_for_notebooks(app, pagename, templatename, context, doctree):
    """Drop the Colab launch button where the page's source is not an .ipynb file."""
    if "header_buttons" in context:
        context["header_buttons"] = _without_colab_for_text(context["header_buttons"])


def _notebook_download_without_launch_buttons(app, pagename, templatename, context, doctree):
    """Offer the executed notebook of a MyST page for download when launch buttons are off.

    sphinx-book-theme copies ``jupyter_execute/<page>.ipynb`` to ``_sources`` (for the
    download button) only while it builds launch buttons; without a repository there are
    none, so the copy is made here, before the theme builds its download buttons.
    """
    import shutil
    from pathlib import Path

    if repository_configured(app.config.html_theme_options or {}):
        return
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    if not str(context.get("sourcename", "")).endswith((".md", ".md.txt")):
        return
    built = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not built.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(built, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _bibliography_list_items(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("config-inited", _course_version)
    app.connect("html-page-context", _unique_scripts, priority=1)
    app.connect("config-inited", _launch_buttons_need_a_repository, priority=900)
    # After sphinx-book-theme's add_launch_buttons (default priority 500).
    # Before sphinx-book-theme's header buttons (priority 501).
    app.connect("html-page-context", _notebook_download_without_launch_buttons, priority=500)
    app.connect("html-page-context", _colab_only_for_notebooks, priority=600)
    app.connect("html-page-context", _bibliography_list_items, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
