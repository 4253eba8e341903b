"""Links that open the course's notebooks on Binder, Colab or a JupyterHub.

The links are built from ``_config.yml`` (``repository`` and ``launch_buttons``), the
same values the site's launch buttons use, so changing the repository or a hub there
changes every link. The URL patterns are sphinx-book-theme's:

* Binder: ``{binderhub}/v2/gh/{org}/{repo}/{branch}?urlpath=lab/tree/{path}``
* Colab: ``{colab}/github/{org}/{repo}/blob/{branch}/{path}``
* JupyterHub (nbgitpuller): ``{hub}/hub/user-redirect/git-pull?repo=...&urlpath=...&branch=...``
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlparse

__all__ = ["launch_links", "launch_table"]

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


def launch_table(paths, *, config=None):
    """A Markdown table with one row per notebook and a link per launch service.

    Parameters
    ----------
    paths : mapping of str to str
        Row label -> notebook path inside the repository.
    config : path-like, optional
        As in `launch_links`.

    Returns
    -------
    IPython.display.Markdown
    """
    from IPython.display import Markdown

    rows = {label: launch_links(path, config=config) for label, path in paths.items()}
    services = sorted({s for links in rows.values() for s in links})
    lines = ["| notebook | " + " | ".join(services) + " |",
             "|---|" + "---|" * len(services)]
    for label, links in rows.items():
        cells = [f"[open]({links[s]})" if s in links else "" for s in services]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return Markdown("\n".join(lines))
