"""logreg_course.explorers and logreg_course.launch: argument checks and what they embed.

Fast unit tests; the browser test (test_site_browser.py) checks that the embedded
explorers work, against scikit-learn's metrics.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from logreg_course.explorers import sigmoid_explorer, threshold_explorer
from logreg_course.launch import launch_links


def embedded(html_obj):
    """The JSON configuration inside an explorer's HTML."""
    match = re.search(r'<script type="application/json" class="lr-explorer-data">(.*?)</script>',
                      html_obj.data, flags=re.S)
    assert match, "no JSON payload"
    return json.loads(match.group(1))


def test_sigmoid_explorer_embeds_its_settings_and_a_correct_fallback():
    out = sigmoid_explorer(w=2.0, b=1.0, x=0.5)
    cfg = embedded(out)
    assert (cfg["w"], cfg["b"], cfg["x"]) == (2.0, 1.0, 0.5)
    assert 'data-explorer="sigmoid"' in out.data
    # Fallback numbers, by hand: z = 2·0.5 + 1 = 2, σ(2) = 1/(1 + e^-2), x* = -1/2.
    assert f"{1 / (1 + np.exp(-2.0)):.4f}" in out.data
    assert "x* = −b/w = -0.50" in out.data


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"w": float("nan")}, "w must be finite"),
    ({"w": 9.0}, "outside w_range"),
    ({"w_range": (1.0, -1.0)}, "low < high"),
    ({"step": 0.0}, "step must be positive"),
    ({"b": "a"}, "b must be a real number"),
])
def test_sigmoid_explorer_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sigmoid_explorer(**kwargs)


def test_threshold_explorer_embeds_labels_and_scores_exactly():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=40)
    y[:2] = [0, 1]
    s = rng.random(40)
    out = threshold_explorer(y, s, c_fp=2.0, c_fn=3.0, threshold=0.4)
    cfg = embedded(out)
    assert cfg["y"] == y.tolist()
    assert cfg["s"] == s.tolist()  # full precision: JSON floats round-trip exactly
    assert (cfg["c_fp"], cfg["c_fn"], cfg["t"]) == (2.0, 3.0, 0.4)
    # The static fallback's confusion matrix, against scikit-learn's (rows = true class).
    from sklearn.metrics import confusion_matrix

    tn, fp, fn, tp = confusion_matrix(y, (s >= 0.4).astype(int)).ravel()
    assert f"TN = {tn}, FP = {fp}, FN = {fn}, TP = {tp}" in out.data


def test_threshold_explorer_escapes_script_end_in_labels():
    out = threshold_explorer([0, 1], [0.2, 0.9], positive_label="</script><b>")
    assert embedded(out)["labels"]["positive"] == "</script><b>"
    assert out.data.count("</script>") == 1


@pytest.mark.parametrize(("y", "s", "kwargs", "message"), [
    ([0, 1, 2], [0.1, 0.2, 0.3], {}, "only 0 and 1"),
    ([1, 1], [0.1, 0.2], {}, "both classes"),
    ([0, 1], [0.1], {}, "shape"),
    ([0, 1], [0.1, 1.5], {}, r"probabilities in \[0, 1\]"),
    ([0, 1], [0.1, np.nan], {}, "finite"),
    ([0, 1], [0.1, 0.9], {"c_fp": -1.0}, "costs must be >= 0"),
    ([0, 1], [0.1, 0.9], {"threshold": 1.5}, r"threshold must lie in \[0, 1\]"),
    ([[0, 1]], [0.1, 0.9], {}, "1-D"),
    (["a", "b"], [0.1, 0.9], {}, "0/1 labels"),
])
def test_threshold_explorer_rejects_bad_input(y, s, kwargs, message):
    with pytest.raises(ValueError, match=message):
        threshold_explorer(y, s, **kwargs)


def test_launch_links_follow_the_configuration(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(
        "repository: {url: 'https://github.com/org/repo', branch: dev}\n"
        "launch_buttons: {notebook_interface: jupyterlab, binderhub_url: 'https://b.org/',"
        " colab_url: 'https://c.com', jupyterhub_url: ''}\n", encoding="utf-8")
    links = launch_links("chapters/x.ipynb", config=config)
    assert links == {
        "Binder": "https://b.org/v2/gh/org/repo/dev?urlpath=lab/tree/chapters/x.ipynb",
        "Colab": "https://c.com/github/org/repo/blob/dev/chapters/x.ipynb",
    }


def test_launch_links_reject_a_non_github_repository(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository: {url: 'https://example.org/x'}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"github\.com"):
        launch_links("a.ipynb", config=config)
