"""Links that open the course's notebooks on Binder, Colab or a JupyterHub.

The links are built from ``_config.yml`` (``repository`` and ``launch_buttons``), the
same values the site's launch buttons use, so changing the repository or a hub there
changes every link. The URL patterns are sphinx-book-theme's:

* Binder: ``{binderhub}/v2/gh/{org}/{repo}/{branch}?urlpath=lab/tree/{path}``
* Colab: ``{colab}/github/{org}/{repo}/blob/{branch}/{path}``
* JupyterHub (nbgitpuller): ``{hub}/hub/user-redirect/git-pull?repo=...&urlpath=...&branch=...``
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlencode, urlparse

__all__ = ["launch_links", "launch_table", "repository_configured"]

_ROOT = Path(__file__).resolve().parent.parent


def _read_config(config):
    import yaml

    path = Path(config) if config is not None else _ROOT / "_config.yml"
    if not path.is_file():
        raise ValueError(f"no Jupyter Book configuration at {path}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def launch_links(path, *, config=None):
    """Return ``{"Binder": url, "Colab": url, "JupyterHub": url}`` for a repository file.

    Parameters
    ----------
    path : str
        The notebook's path inside the repository, e.g.
        ``"chapters/exercises/01-sigmoid.ipynb"``.
    config : path-like, optional
        The ``_config.yml`` to read; default: the one at the repository root.

    Returns
    -------
    dict
        One URL per configured service (a service with an empty URL is left out).

    Raises
    ------
    ValueError
        If the configuration has no GitHub ``repository.url`` of the form
        ``https://github.com/<org>/<repo>``.
    """
    cfg = _read_config(config)
    repo_url = str(cfg.get("repository", {}).get("url", "")).rstrip("/")
    branch = cfg.get("repository", {}).get("branch", "main")
    parsed = urlparse(repo_url)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc != "github.com" or len(parts) != 2:
        raise ValueError("repository.url in _config.yml must look like "
                         f"https://github.com/<org>/<repo>, got {repo_url!r}")
    org, repo = parts
    buttons = cfg.get("launch_buttons", {}) or {}
    ui = "lab/tree" if buttons.get("notebook_interface") == "jupyterlab" else "tree"
    path = str(path).lstrip("/")
    links = {}
    if buttons.get("binderhub_url"):
        links["Binder"] = (f"{buttons['binderhub_url'].rstrip('/')}/v2/gh/{org}/{repo}/{branch}"
                           f"?urlpath={ui}/{path}")
    if buttons.get("colab_url"):
        links["Colab"] = (f"{buttons['colab_url'].rstrip('/')}/github/{org}/{repo}/blob/"
                          f"{branch}/{path}")
    if buttons.get("jupyterhub_url"):
        query = urlencode({"repo": repo_url, "urlpath": f"{ui}/{repo}/{path}", "branch": branch},
                          safe="/")
        links["JupyterHub"] = (f"{buttons['jupyterhub_url'].rstrip('/')}"
                               f"/hub/user-redirect/git-pull?{query}")
    return links


def repository_configured(*, config=None):
    """True when ``_config.yml`` names a repository (``repository.url`` is not empty)."""
    cfg = _read_config(config)
    return bool(str((cfg.get("repository") or {}).get("url") or "").strip())


def launch_table(paths, *, config=None):
    """An HTML table with one row per notebook and a link per launch service.

    Without a repository in ``_config.yml`` (``repository.url`` empty) there is nothing
    to launch from, and the result is a note saying so instead of a table of dead
    links; the site's launch buttons are hidden in that case too
    (`logreg_course.sphinxext`).

    Parameters
    ----------
    paths : mapping of str to str
        Row label -> notebook path inside the repository.
    config : path-like, optional
        As in `launch_links`.

    Returns
    -------
    IPython.display.HTML
        Every URL is HTML-escaped exactly once, so ``&`` in a query string reaches the
        browser as ``&``.
    """
    from IPython.display import HTML

    if not repository_configured(config=config):
        return HTML(
            '<p class="lr-launch-note"><strong>No launch links in this build.</strong> '
            "This copy of the course names no public repository "
            "(<code>repository.url</code> in <code>_config.yml</code> is empty), so there "
            "is nothing for Binder, Colab or a JupyterHub to open. Download a notebook "
            "from its chapter page, or run the course on your own computer as described "
            "above.</p>")
    rows = {label: launch_links(path, config=config) for label, path in paths.items()}
    services = sorted({s for links in rows.values() for s in links})
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(s)}</th>' for s in services)
    lines = ['<table class="lr-launch-table"><caption>Open a graded notebook</caption>'
             f'<thead><tr><th scope="col">notebook</th>{head}</tr></thead><tbody>']
    for label, links in rows.items():
        cells = "".join(
            f'<td><a href="{esc(links[s], quote=True)}" '
            f'aria-label="{esc(label, quote=True)} on {esc(s, quote=True)}">open</a></td>'
            if s in links else "<td></td>" for s in services)
        lines.append(f'<tr><th scope="row">{esc(label)}</th>{cells}</tr>')
    lines.append("</tbody></table>")
    return HTML("".join(lines))
