"""What the site tests measure in a page, as JavaScript run in one `page.evaluate` call.

Shared by tests/test_site_browser.py and by anyone who wants the same numbers by hand:
`LAYOUT` measures every display equation, code-output box, explorer slider and figure
of a page at the current viewport; `AXE_ALLOWED` lists the accessibility findings that
come from the theme or an extension rather than from the course's own markup, each
with its reason.
"""

from __future__ import annotations

import re

# Display maths (Sphinx's div.math; display maths inside concept checks) and code
# outputs (each output box of a cell). For each: does its content fit its box, and if
# not, is the box visibly scrollable (overflow-x auto/scroll, a horizontal scrollbar
# that takes room, the page's "scrolls sideways" cue, reachable by the keyboard)?
# Also: does the box itself stay inside the window?
LAYOUT = r"""async () => {
  if (document.querySelector('script[src*="mathjax"]')) {
    for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup
                                 && MathJax.startup.promise); i++)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  await new Promise(r => setTimeout(r, 100));   // overflow.js runs after typesetting
  const winW = document.documentElement.clientWidth;
  const describe = (el) => {
    const id = el.id || (el.closest('[id]') || {}).id || '';
    const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 60);
    return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}#${id} "${text}"`;
  };
  const boxes = [];
  // A typeset display equation is a div.math (Sphinx; it also holds the equation
  // number) around MathJax's mjx-container, which scrolls; both are measured.
  const targets = [];
  for (const e of document.querySelectorAll('div.math, .lr-q-display')) {
    targets.push(['equation', e]);
    const m = e.querySelector('mjx-container[display="true"]');
    if (m) targets.push(['equation', m]);
  }
  for (const e of document.querySelectorAll('.cell_output > .output')) targets.push(['output', e]);
  for (const [kind, el] of targets) {
    if (!el.getClientRects().length) continue;          // not rendered (hidden)
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const bt = parseFloat(cs.borderTopWidth), bb = parseFloat(cs.borderBottomWidth);
    const overflowing = el.scrollWidth > el.clientWidth + 1;
    boxes.push({
      kind, where: describe(el),
      overflowing,
      scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
      overflowX: cs.overflowX,
      scrollbar: el.offsetHeight - el.clientHeight - bt - bb > 0,
      cue: el.classList.contains('lr-scrolls'),
      focusable: el.tabIndex >= 0,
      outside: r.left < -1 || r.right > winW + 1,
    });
  }
  const sliders = [...document.querySelectorAll('.lr-explorer input[type="range"]')]
    .map(s => ({id: s.id, width: s.getBoundingClientRect().width}));
  const images = [...document.images].map(i => ({
    src: i.currentSrc || i.src, alt: i.getAttribute('alt'),
    shown: i.getBoundingClientRect().width, natural: i.naturalWidth}));
  return {winW, pageW: document.documentElement.scrollWidth, boxes, sliders, images};
}"""


def clipped(boxes):
    """The boxes whose content is cut off: too wide, and not in a visibly scrollable box.

    Parameters
    ----------
    boxes : list of dict
        `LAYOUT`'s ``boxes``.

    Returns
    -------
    list of str
        One description per clipped box.
    """
    out = []
    for b in boxes:
        if b["outside"]:
            out.append(f"{b['kind']} sticks out of the window: {b['where']}")
        if not b["overflowing"]:
            continue
        scrollable = (b["overflowX"] in ("auto", "scroll") and b["scrollbar"] and b["cue"]
                      and b["focusable"])
        if not scrollable:
            out.append(f"{b['kind']} clipped ({b['scrollWidth']} px of content in "
                       f"{b['clientWidth']} px, overflow-x {b['overflowX']}, scrollbar "
                       f"{b['scrollbar']}, cue {b['cue']}, focusable {b['focusable']}): "
                       f"{b['where']}")
    return out


def overflowing(boxes):
    """The boxes whose content does not fit, scrollable or not (descriptions)."""
    return [f"{b['kind']} {b['scrollWidth']} > {b['clientWidth']} px: {b['where']}"
            for b in boxes if b["overflowing"] or b["outside"]]


# Accessibility findings (axe-core rule id, CSS selector pattern of the offending
# element) that come from the theme or an extension, with the reason we accept them.
# A finding is excused only when EVERY node it reports matches the pattern; anything
# in the course's own markup (chapters, explorers, concept checks, figures) must be
# fixed instead. tests/test_site_browser.py checks that each entry is still needed.
AXE_ALLOWED = [
    # (rule, selector regex, reason)
]


def excused(violation):
    """The reason a serious or critical axe finding is accepted, or None.

    Parameters
    ----------
    violation : dict
        One entry of axe-core's ``violations``.

    Returns
    -------
    str or None
    """
    for rule, pattern, reason in AXE_ALLOWED:
        if violation["id"] != rule:
            continue
        targets = [" ".join(map(str, n["target"])) for n in violation["nodes"]]
        if targets and all(re.search(pattern, t) for t in targets):
            return reason
    return None
