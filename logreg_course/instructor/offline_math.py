"""Maths on the feedback pages without MathJax or a network: LaTeX turned into MathML.

nbgrader's feedback template loads MathJax 2 from a CDN; a learner who opens the page
offline (or a browser that blocks the CDN) sees raw ``$...$``, and one online sends a
request to a third party. `typeset` rewrites a generated page instead: every ``$...$``
and ``$$...$$`` in the text of the markdown cells (never in code or outputs) becomes
MathML, which browsers render natively (MathML Core: Chromium 109+, Firefox, Safari),
with the TeX kept as the annotation (copyable, read by screen readers); the MathJax
scripts are removed. The conversion is ``latex2mathml``'s (pure Python); a formula it
cannot convert stays as TeX, so nothing is ever lost.
"""

from __future__ import annotations

import re

__all__ = ["typeset"]

_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$(?!\d)", re.S)
_SKIP = ("code", "pre", "script", "style", "math", "textarea")


def _mathml(tex: str, display: bool) -> str | None:
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:
        return None


def _replace(text: str):
    """Pieces of `text`: strings and ('math', MathML) for each formula that converts."""
    out, last = [], 0
    for m in _MATH.finditer(text):
        display = m.group(1) is not None
        tex = m.group(1) if display else m.group(2)
        markup = _mathml(tex, display)
        if markup is None:
            continue
        out.append(text[last:m.start()])
        out.append(("math", markup))
        last = m.end()
    out.append(text[last:])
    return out


def typeset(html: str) -> str:
    """`html` with the markdown cells' maths as MathML and no MathJax."""
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        src = (script.get("src") or "").lower()
        if "mathjax" in src or script.get("type") == "text/x-mathjax-config":
            script.decompose()
    for cell in soup.select("div.text_cell_render"):
        # a formula may be split over several text nodes only by tags nbconvert does not
        # put inside maths; each text node is converted on its own
        for node in list(cell.find_all(string=True)):
            if not isinstance(node, NavigableString) or "$" not in node:
                continue
            if any(parent.name in _SKIP for parent in node.parents):
                continue
            pieces = _replace(str(node))
            if len(pieces) == 1:
                continue
            new = []
            for piece in pieces:
                if isinstance(piece, tuple):
                    new.append(BeautifulSoup(piece[1], "html.parser"))
                elif piece:
                    new.append(NavigableString(piece))
            node.replace_with(*new)
    return str(soup)
