"""One figure style for every chapter of the book.

Each chapter calls `use` once, in its import cell. It makes matplotlib write SVG (sharp
at any zoom, text as outlines so a page looks the same on every machine), sets every
font to at least `MIN_FONT_PT` points, and replaces the default colour cycle by the
Okabe–Ito palette, which people with the common forms of colour blindness can tell
apart, combined with a cycle of line styles and markers, so that no series is told
from another by colour alone.

Sizes: a figure is `WIDTH` inches wide at most. In the book's text column (676 CSS px
at a 1280 px window, with both sidebars open) an SVG of width w ≤ 7 inches is shown
at its natural size, 96·w px, so a label of s points in the figure is s points on the
screen (tests/test_site_browser.py measures it at 1280 px). On narrower screens
figures scale down with the column.

Functions
---------
use
    Apply the style (rcParams and the notebook's inline SVG output).
styles
    The first *n* (colour, line style, marker) triples of the cycle, for plots that
    draw series in a loop or need matching scatter markers.
"""

from __future__ import annotations

from itertools import cycle, islice

__all__ = ["LINESTYLES", "MARKERS", "MIN_FONT_PT", "OKABE_ITO", "WIDTH", "styles", "use"]

#: Okabe & Ito (2008), "Color Universal Design": black first, then orange, sky blue,
#: bluish green, yellow, blue, vermillion, reddish purple. Yellow is dropped from the
#: cycle (too light on white for thin lines) and kept for fills only.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
_CYCLE_COLOURS = ["blue", "vermillion", "bluish green", "reddish purple", "orange",
                  "sky blue", "black"]
#: Line styles paired with the colours, so that two series differ in dash as well.
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1.5, 1, 1.5, 1, 1.5)), (0, (8, 2)), (0, (1, 1))]
#: Markers paired with the colours, for scatter plots and points on lines.
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
#: The smallest font size (points) any text in a figure may have.
MIN_FONT_PT = 9.5
#: The widest figure, in inches (96 px per inch: 672 px, inside the 676 px column).
WIDTH = 7.0


def styles(n):
    """Return the first `n` entries of the course's series cycle.

    Parameters
    ----------
    n : int
        Number of series.

    Returns
    -------
    list of dict
        Each with keys ``color`` (hex), ``ls`` (a matplotlib line style) and
        ``marker``; entry ``k`` matches the ``k``-th line matplotlib draws by default
        after `use`.
    """
    colours = [OKABE_ITO[c] for c in _CYCLE_COLOURS]
    triples = zip(cycle(colours), cycle(LINESTYLES), cycle(MARKERS), strict=False)
    return [{"color": c, "ls": ls, "marker": m} for c, ls, m in islice(triples, n)]


def _rc():
    from cycler import cycler

    colours = [OKABE_ITO[c] for c in _CYCLE_COLOURS]
    size = MIN_FONT_PT + 0.5  # 10 pt body text, ticks and legends at the minimum
    return {
        "figure.figsize": (7.0, 3.6),
        "figure.dpi": 96,
        "savefig.dpi": 96,
        "svg.fonttype": "path",
        "font.size": size,
        "axes.titlesize": size,
        "axes.labelsize": size,
        "xtick.labelsize": MIN_FONT_PT,
        "ytick.labelsize": MIN_FONT_PT,
        "legend.fontsize": MIN_FONT_PT,
        "legend.title_fontsize": MIN_FONT_PT,
        "figure.titlesize": size,
        "axes.prop_cycle": cycler(color=colours) + cycler(linestyle=LINESTYLES),
        "lines.linewidth": 2.0,
        "lines.markersize": 5.0,
        "scatter.marker": "o",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
        "image.cmap": "cividis",
    }


def use():
    """Apply the course's figure style to matplotlib and to the notebook's output.

    Sets the rcParams of `_rc` (fonts of at least `MIN_FONT_PT` points, the Okabe–Ito
    colours paired with line styles, no top and right spines, a light grid) and, when
    running inside IPython, makes inline figures SVG.

    Returns
    -------
    None
    """
    import matplotlib as mpl

    mpl.rcParams.update(_rc())
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the book extra
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")
