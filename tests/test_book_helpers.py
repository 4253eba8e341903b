"""The book's helpers, without building the book: concept checks (logreg_course.quiz),
the figure style (logreg_course.figures), launch links without a repository
(logreg_course.launch) and the Colab filter (logreg_course.sphinxext).

The browser tests (test_site_browser.py) check that the built pages behave.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from logreg_course import quiz as quiz_mod
from logreg_course.figures import MIN_FONT_PT, OKABE_ITO, WIDTH, styles, use
from logreg_course.launch import launch_table
from logreg_course.sphinxext import _without_colab_for_text


@pytest.fixture(autouse=True)
def fresh_keys(monkeypatch):
    monkeypatch.setattr(quiz_mod, "_seen_keys", set())


def payload(out):
    m = re.search(r'<script type="application/json" class="lr-quiz-data">(.*?)</script>',
                  out.data, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_a_quiz_embeds_answers_and_renders_maths_for_mathjax():
    out = quiz_mod.quiz(
        quiz_mod.choice("k-one", r"Is $\sigma(0) = 1/2$?", [
            ("yes", True, "because $e^0 = 1$"), ("no", False, "**look** again")]),
        quiz_mod.numeric("k-two", "Value?", value=0.25, tol=0.01, explanation="$1/4$"))
    data = payload(out)
    assert data == {"q-k-one": {"kind": "choice", "correct": 0},
                    "q-k-two": {"kind": "numeric", "value": 0.25, "tol": 0.01}}
    # inline maths in Sphinx's markup, so the page's MathJax typesets it
    assert r'<span class="math notranslate nohighlight">\(\sigma(0) = 1/2\)</span>' in out.data
    assert "<strong>look</strong>" in out.data
    # the options are native radio buttons with labels; the numeric field has a label
    assert out.data.count('type="radio"') == 2
    assert '<label class="lr-q-label" for="q-k-two-input">' in out.data
    assert 'aria-live="polite"' in out.data
    # without JavaScript the answers are in a <details>
    assert out.data.count('<details class="lr-q-static">') == 2


def test_text_is_escaped_and_script_end_cannot_break_out():
    out = quiz_mod.quiz(quiz_mod.choice("k-esc", "<b>x</b> & </script>", [
        ("a < b", True, "ok"), ("b", False, "no")]))
    assert "<b>x</b>" not in out.data and "&lt;b&gt;x&lt;/b&gt; &amp;" in out.data
    assert out.data.count("</script>") == 1
    assert html.unescape("a &lt; b") in html.unescape(out.data)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: quiz_mod.choice("k", "q", [("a", True, "x"), ("b", True, "y")]), "exactly one"),
    (lambda: quiz_mod.choice("k", "q", [("a", False, "x"), ("b", False, "y")]), "exactly one"),
    (lambda: quiz_mod.choice("k", "q", [("a", True, "x")]), "2 to 6"),
    (lambda: quiz_mod.choice("K_bad", "q", [("a", True, "x"), ("b", False, "y")]), "key"),
    (lambda: quiz_mod.choice("k", "", [("a", True, "x"), ("b", False, "y")]), "non-empty"),
    (lambda: quiz_mod.numeric("k", "q", value=1.0, tol=0.0, explanation="e"), "tol > 0"),
    (lambda: quiz_mod.numeric("k", "q", value=float("nan"), tol=1.0, explanation="e"),
     "finite"),
    (lambda: quiz_mod.choice("k", "q", [("a", True, "x"), ("b", False, "y")],
                             explorer={"kind": "roc", "set": {"t": 1}}), "explorer"),
])
def test_bad_questions_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_key_used_twice_on_a_page_is_refused():
    q = lambda: quiz_mod.choice("same", "q", [("a", True, "x"), ("b", False, "y")])  # noqa: E731
    quiz_mod.quiz(q())
    with pytest.raises(ValueError, match="used twice"):
        quiz_mod.quiz(q())


def test_explorer_settings_are_embedded_for_predict_the_figure_questions():
    out = quiz_mod.quiz(quiz_mod.choice("k-ex", "q", [("a", True, "x"), ("b", False, "y")],
                                        explorer={"kind": "sigmoid", "set": {"w": 2}}))
    assert payload(out)["q-k-ex"]["explorer"] == {"kind": "sigmoid", "set": {"w": 2.0},
                                                  "label": "w = 2"}


def test_figure_style_sets_readable_fonts_and_a_colour_and_dash_cycle():
    import matplotlib as mpl

    with mpl.rc_context():
        use()
        rc = mpl.rcParams
        sizes = [rc[k] for k in ("font.size", "axes.labelsize", "xtick.labelsize",
                                 "ytick.labelsize", "legend.fontsize", "axes.titlesize")]
        assert min(float(s) for s in sizes) >= MIN_FONT_PT >= 9
        assert rc["svg.fonttype"] == "path"
        cycle = list(rc["axes.prop_cycle"])
        colours = [c["color"].lower() for c in cycle]
        dashes = [str(c["linestyle"]) for c in cycle]
        assert set(colours) <= {v.lower() for v in OKABE_ITO.values()}
        assert len(set(dashes)) == len(cycle)          # no two series share a dash
        assert rc["figure.figsize"][0] <= WIDTH
    triples = styles(9)
    assert len({(t["color"], str(t["ls"]), t["marker"]) for t in triples[:7]}) == 7


def test_launch_table_without_a_repository_says_so(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository: {url: ''}\nlaunch_buttons: {colab_url: 'https://c.com'}\n",
                      encoding="utf-8")
    out = launch_table({"one": "chapters/exercises/01-sigmoid.ipynb"}, config=config)
    assert "No launch links in this build" in out.data
    assert "href" not in out.data


def test_launch_table_escapes_each_url_exactly_once(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(
        "repository: {url: 'https://github.com/org/repo', branch: dev}\n"
        "launch_buttons: {notebook_interface: jupyterlab, jupyterhub_url: 'https://hub.x'}\n",
        encoding="utf-8")
    out = launch_table({"one": "chapters/exercises/01-sigmoid.ipynb"}, config=config)
    (href,) = re.findall(r'href="([^"]+)"', out.data)
    assert "&amp;urlpath=" in href and "&amp;amp;" not in href
    assert html.unescape(href) == (
        "https://hub.x/hub/user-redirect/git-pull?repo=https%3A//github.com/org/repo"
        "&urlpath=lab/tree/repo/chapters/exercises/01-sigmoid.ipynb&branch=dev")


def test_colab_buttons_are_kept_only_for_notebooks():
    buttons = [{"type": "group", "buttons": [
        {"text": "Binder", "url": "https://b/x.md"},
        {"text": "Colab", "url": "https://c/github/o/r/blob/main/x.md"},
        {"text": "Colab", "url": "https://c/github/o/r/blob/main/x.ipynb"}]},
        {"type": "group", "buttons": [{"text": "Colab", "url": "https://c/y.md"}]}]
    kept = _without_colab_for_text(buttons)
    assert kept == [{"type": "group", "buttons": [
        {"text": "Binder", "url": "https://b/x.md"},
        {"text": "Colab", "url": "https://c/github/o/r/blob/main/x.ipynb"}]}]
