r"""Concept checks for the book: questions written in a chapter, answered in the browser.

A chapter ends a section with one code cell (tagged ``remove-input``, so the reader
sees only the questions)::

    from logreg_course.quiz import choice, numeric, quiz

    quiz(
        choice("sigmoid-range", "Which values can $\sigma(z)$ take?", [
            ("every number in $(0, 1)$", True, "Because $e^{-z} > 0$ ..."),
            ("every number in $[0, 1]$", False, "0 and 1 are limits, never values ..."),
        ]),
        numeric("sigmoid-at-2", r"What is $\sigma(2)$?", value=lr.sigmoid(2.0),
                tol=5e-4, explanation=f"$1/(1 + e^{{-2}}) = {lr.sigmoid(2.0):.4f}$"),
    )

This is the one source format of every check: the question text is Markdown with
``$…$`` maths, ``**bold**``, ``*emphasis*`` and ```code```; the numeric answers and tolerances are
Python values computed by the chapter's own code (with `logreg_ref`) while the book
builds, never typed by hand.

`quiz` returns HTML that works without JavaScript (a ``<details>`` element holds the
answers) and that the site's ``_static/quiz.js`` turns into a self-check: the reader
picks an option or types a number, presses *Check*, and sees at once whether it is
right and why, with the explanation of the very option chosen, so each wrong option
can answer the misconception it stands for. A multiple-choice question may name an
explorer setting (``explorer={"kind": "sigmoid", "set": {"w": 2.0}}``): after the
answer, a button moves the nearest explorer of that kind above the question to that
setting, so the reader can check the prediction on the figure.

We wrote this rather than use jupyterquiz (2.9) because the book's checks must pass
axe-core and work with the keyboard: jupyterquiz's numeric question has a label that
is not tied to its input, checks only on an Enter key press (no button), blocks
pasting, clears the answer on focus, and logs to the console; its tolerance is a
number of significant digits or a range, not an interval computed from the
reference. Our markup is native HTML (fieldset, legend, radio buttons, a labelled
text field, a submit button, an ``aria-live`` feedback region), typeset by the page's
own MathJax, with no per-cell copy of the script.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re

__all__ = ["choice", "numeric", "quiz"]

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_seen_keys: set[str] = set()
_quiz_ids = itertools.count(1)
# $$...$$ (display), $...$ (inline, no space after the opening $), `code`, **bold**.
_TOKENS = re.compile(r"\$\$(.+?)\$\$|\$(?!\s)(.+?)(?<!\s)\$|`([^`]+)`|\*\*(.+?)\*\*"
                     r"|\*(?!\s)([^*]+?)(?<!\s)\*", re.S)


def _markup(text):
    r"""Render the small Markdown subset of a question as HTML (maths left for MathJax).

    Parameters
    ----------
    text : str
        Plain text with ``$inline$`` and ``$$display$$`` maths, ```code``` and
        ``**bold**``. Everything else is escaped.

    Returns
    -------
    str
        HTML. Maths becomes ``<span class="math notranslate nohighlight">\(…\)</span>``
        (or a ``div`` for display maths), the markup Sphinx itself writes, so the
        page's MathJax typesets it.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"question text must be a non-empty string, got {text!r}")
    out, pos = [], 0
    for m in _TOKENS.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        display, inline, code, bold, em = m.groups()
        if display is not None:
            out.append('<span class="math notranslate nohighlight lr-q-display">'
                       f"\\[{html.escape(display, quote=False)}\\]</span>")
        elif inline is not None:
            out.append('<span class="math notranslate nohighlight">'
                       f"\\({html.escape(inline, quote=False)}\\)</span>")
        elif code is not None:
            out.append(f"<code>{html.escape(code, quote=False)}</code>")
        elif bold is not None:
            out.append(f"<strong>{html.escape(bold, quote=False)}</strong>")
        else:
            out.append(f"<em>{html.escape(em, quote=False)}</em>")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _check_key(key):
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(f"key must be lowercase letters, digits and hyphens, got {key!r}")
    return key


class _Question:
    kind = ""

    def __init__(self, key, text, explorer=None):
        self.key = _check_key(key)
        self.text = text
        self.text_html = _markup(text)
        self.explorer = _check_explorer(explorer)


def _check_explorer(explorer):
    if explorer is None:
        return None
    if (not isinstance(explorer, dict) or explorer.get("kind") not in ("sigmoid", "threshold")
            or not isinstance(explorer.get("set"), dict) or not explorer["set"]):
        raise ValueError("explorer must be {'kind': 'sigmoid' | 'threshold', "
                         f"'set': {{slider: value, ...}}}}, got {explorer!r}")
    settings = {}
    for name, value in explorer["set"].items():
        if not isinstance(name, str) or not _KEY.match(name):
            raise ValueError(f"explorer slider names are short identifiers, got {name!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"explorer setting {name} must be finite, got {value}")
        settings[name] = value
    label = explorer.get("label") or ", ".join(f"{k} = {v:g}" for k, v in settings.items())
    return {"kind": explorer["kind"], "set": settings, "label": str(label)}


class _Choice(_Question):
    kind = "choice"

    def __init__(self, key, text, options, explorer=None):
        super().__init__(key, text, explorer)
        if not isinstance(options, list | tuple) or not 2 <= len(options) <= 6:
            raise ValueError(f"{key}: give 2 to 6 options, got {options!r}")
        self.options = []
        for opt in options:
            try:
                label, correct, why = opt
            except (TypeError, ValueError):
                raise ValueError(f"{key}: each option is (text, correct, explanation), "
                                 f"got {opt!r}") from None
            if not isinstance(correct, bool):
                raise ValueError(f"{key}: 'correct' must be True or False, got {correct!r}")
            self.options.append((_markup(label), correct, _markup(why), _plain(label)))
        n_right = sum(c for _, c, _, _ in self.options)
        if n_right != 1:
            raise ValueError(f"{key}: exactly one option must be correct, got {n_right}")


class _Numeric(_Question):
    kind = "numeric"

    def __init__(self, key, text, value, tol, explanation, unit="", explorer=None):
        super().__init__(key, text, explorer)
        try:
            value, tol = float(value), float(tol)
        except (TypeError, ValueError):
            raise ValueError(f"{key}: value and tol must be numbers") from None
        if not (math.isfinite(value) and math.isfinite(tol) and tol > 0):
            raise ValueError(f"{key}: need a finite value and a finite tol > 0, "
                             f"got value={value}, tol={tol}")
        self.value, self.tol = value, tol
        self.explanation = _markup(explanation)
        self.unit = str(unit)


def choice(key, text, options, *, explorer=None):
    """A multiple-choice question with exactly one right option.

    Parameters
    ----------
    key : str
        Identifier, unique in the book (lowercase, digits, hyphens); it becomes the
        HTML id ``q-<key>``.
    text : str
        The question (Markdown subset, see `_markup`).
    options : list of (str, bool, str)
        ``(option text, is it right, explanation)``; the explanation of each wrong
        option should answer the misconception that makes it tempting.
    explorer : dict, optional
        ``{"kind": "sigmoid" | "threshold", "set": {slider: value}, "label": str}``:
        offer to set the nearest explorer of that kind above the question.

    Returns
    -------
    object
        A question for `quiz`.
    """
    return _Choice(key, text, options, explorer)


def numeric(key, text, *, value, tol, explanation, unit="", explorer=None):
    """A question whose answer is a number, right within ``value ± tol``.

    Parameters
    ----------
    key, text : str
        As in `choice`.
    value : float
        The answer, computed by the page's code when the book is built.
    tol : float
        Absolute tolerance (> 0); state in the question how to round.
    explanation : str
        The worked answer, shown after the reader checks.
    unit : str, optional
        Shown after the input field.
    explorer : dict, optional
        As in `choice`.

    Returns
    -------
    object
        A question for `quiz`.
    """
    return _Numeric(key, text, value, tol, explanation, unit, explorer)


_TEX_WORDS = {
    r"\sigma": "σ", r"\lambda": "λ", r"\theta": "θ", r"\rho": "ρ", r"\pi": "π",
    r"\infty": "∞", r"\top": "ᵀ", r"\le": "≤", r"\ge": "≥", r"\ne": "≠",
    r"\cdot": "·", r"\times": "×", r"\approx": "≈", r"\in": "∈", r"\lVert": "‖",
    r"\rVert": "‖", r"\star": "*", r"\log": "log", r"\sum": "Σ",
}


def _plain(text):
    """A plain-text reading of a question's text, for an accessible name.

    Maths rendered by MathJax gives a form control no accessible name of its own (the
    ``math`` role takes no name from its content), so each option's radio button is
    also labelled with this text: ``$`` signs dropped, common TeX commands turned into
    their symbols, ``\\frac{a}{b}`` into ``a/b``.
    """
    t = re.sub(r"\\[,;:! ]|\\quad", " ", text).replace("^\\top", "\\top")
    t = re.sub(r"\\[td]?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", t)
    t = re.sub(r"\\[td]?frac(\w)(\w)", r"\1/\2", t)
    t = re.sub(r"\\operatorname\{([^{}]*)\}", r"\1", t)
    for tex, sym in sorted(_TEX_WORDS.items(), key=lambda kv: -len(kv[0])):
        t = re.sub(re.escape(tex) + r"(?![A-Za-z])", sym, t)
    t = re.sub(r"\\[A-Za-z]+", "", t).replace("\\", "")
    t = t.replace("$", "").replace("{", "").replace("}", "").replace("`", "")
    return re.sub(r"\s+", " ", t.replace("**", "").replace("*", "")).strip()


def _legend(q, number):
    return f'<span class="lr-q-number">{number}.</span> {q.text_html}'


def _choice_html(q, qid, number):
    opts = []
    for i, (label, _, why, plain) in enumerate(q.options):
        oid = f"{qid}-{i}"
        opts.append(
            f'<div class="lr-q-option"><input type="radio" name="{qid}" id="{oid}" '
            f'value="{i}" aria-label="{html.escape(plain, quote=True)}">'
            f'<label for="{oid}">{label}</label>'
            f'<div class="lr-q-why" data-option="{i}" hidden>{why}</div></div>')
    right = next(label for label, c, _, _ in q.options if c)
    answer = ("<p>Answer: " + right + "</p><ul>"
              + "".join(f"<li>{label}: {why}</li>" for label, _, why, _ in q.options)
              + "</ul>")
    body = (f'<fieldset><legend>{_legend(q, number)}</legend>'
            f'<div class="lr-q-options">{"".join(opts)}</div></fieldset>')
    return body, answer


def _numeric_html(q, qid, number):
    unit = f' <span class="lr-q-unit">{html.escape(q.unit)}</span>' if q.unit else ""
    body = (f'<fieldset><legend>{_legend(q, number)}</legend>'
            f'<label class="lr-q-label" for="{qid}-input">Your answer</label> '
            f'<input type="text" inputmode="decimal" autocomplete="off" spellcheck="false" '
            f'id="{qid}-input" class="lr-q-input">{unit}</fieldset>'
            f'<div class="lr-q-why lr-q-solution" hidden>{q.explanation}</div>')
    answer = f"<p>Answer: {q.value:.6g} (± {q.tol:g}).</p><p>{q.explanation}</p>"
    return body, answer


def quiz(*questions, title="Check your understanding"):
    """Render concept-check questions as one self-checking box.

    Parameters
    ----------
    *questions
        Results of `choice` and `numeric`, in the order shown.
    title : str
        The box's heading.

    Returns
    -------
    IPython.display.HTML
        As the last expression of a code cell it becomes part of the page.

    Raises
    ------
    ValueError
        If there are no questions or a key is used twice in one kernel session
        (one page).
    """
    from IPython.display import HTML

    if not questions:
        raise ValueError("quiz() needs at least one question")
    qz = f"lr-quiz-{next(_quiz_ids)}"
    parts, data = [], {}
    for number, q in enumerate(questions, start=1):
        if not isinstance(q, _Question):
            raise ValueError(f"not a question: {q!r} (use choice() or numeric())")
        if q.key in _seen_keys:
            raise ValueError(f"question key {q.key!r} is used twice on this page")
        _seen_keys.add(q.key)
        qid = f"q-{q.key}"
        if isinstance(q, _Choice):
            body, answer = _choice_html(q, qid, number)
            data[qid] = {"kind": "choice",
                         "correct": next(i for i, (_, c, _, _) in enumerate(q.options) if c)}
        else:
            body, answer = _numeric_html(q, qid, number)
            data[qid] = {"kind": "numeric", "value": q.value, "tol": q.tol}
        if q.explorer:
            data[qid]["explorer"] = q.explorer
        parts.append(
            f'<form class="lr-q lr-q-{q.kind}" id="{qid}" data-number="{number}" novalidate>'
            f"{body}"
            '<div class="lr-q-actions"><button type="submit" class="lr-q-check">Check'
            "</button></div>"
            '<div class="lr-q-feedback" role="status" aria-live="polite"></div>'
            f'<details class="lr-q-static"><summary>Answer</summary>{answer}</details>'
            "</form>")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    number = qz.rsplit("-", 1)[1]
    return HTML(
        f'<section class="lr-quiz" id="{qz}" aria-label="{html.escape(title, quote=True)}, '
        f'set {number}">'
        f'<p class="lr-quiz-title" id="{qz}-title">{html.escape(title)}</p>'
        f'<script type="application/json" class="lr-quiz-data">{payload}</script>'
        + "".join(parts) + "</section>")
