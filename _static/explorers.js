/*
 * Interactive explorers of the logistic-regression course.
 *
 * logreg_course/explorers.py writes placeholders
 *   <div class="lr-explorer" data-explorer="sigmoid|threshold" id="...">
 *     <script type="application/json" class="lr-explorer-data">{...}</script>
 *     <div class="lr-explorer-fallback">static summary</div>
 *   </div>
 * into a page at build time. This file (loaded on every page, no dependencies, no
 * network) replaces each fallback with native range/number inputs, an SVG figure and
 * live numbers. Conventions follow scikit-learn: predicted positive iff score >= t;
 * confusion-matrix rows are true classes; sigma is evaluated in its stable form.
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  }

  /* sigma(z) without overflow: exp of a non-positive number only. */
  function sigmoid(z) {
    if (z >= 0) return 1 / (1 + Math.exp(-z));
    var e = Math.exp(z);
    return e / (1 + e);
  }

  /* Fixed decimals with a true minus sign, and no "-0.00". */
  function fmt(value, digits) {
    var text = value.toFixed(digits);
    if (Number(text) === 0) text = (0).toFixed(digits);
    return text.replace("-", "\u2212");
  }

  function slider(parent, id, label, range, step, value) {
    var row = el("div", { "class": "lr-control" });
    var lab = el("label", { "for": id }, label);
    var input = el("input", {
      type: "range", id: id, min: String(range[0]), max: String(range[1]),
      step: String(step), value: String(value)
    });
    var out = el("output", { "for": id, "class": "lr-output", "aria-hidden": "true" });
    row.appendChild(lab);
    row.appendChild(input);
    row.appendChild(out);
    parent.appendChild(row);
    return { input: input, out: out };
  }

  /* A labelled value in a readout: <span data-field="name">. */
  function field(parent, name, label) {
    var item = el("div", { "class": "lr-field" });
    item.appendChild(el("span", { "class": "lr-field-label" }, label));
    var value = el("span", { "class": "lr-field-value", "data-field": name });
    item.appendChild(value);
    parent.appendChild(item);
    return value;
  }

  /* ------------------------------------------------------------------ sigmoid */

  function buildSigmoid(root, cfg) {
    var id = root.id;
    var R = cfg.ranges;
    var box = el("div", { "class": "lr-sigmoid", role: "group", "aria-labelledby": id + "-title" });
    box.appendChild(el("p", { "class": "lr-title", id: id + "-title" },
      "Sigmoid explorer: p(x) = \u03c3(w\u00b7x + b)"));
    var controls = el("div", { "class": "lr-controls" });
    box.appendChild(controls);
    var sw = slider(controls, id + "-w", "weight w", R.w, cfg.step, cfg.w);
    var sb = slider(controls, id + "-b", "intercept b", R.b, cfg.step, cfg.b);
    var sx = slider(controls, id + "-x", "probe point x", R.x, cfg.step, cfg.x);

    // Figure: plot area in SVG user units.
    var W = 640, H = 300, L = 48, Rm = 16, T = 14, B = 36;
    var xr = R.x;
    var X = function (x) { return L + (x - xr[0]) / (xr[1] - xr[0]) * (W - L - Rm); };
    var Y = function (p) { return T + (1 - p) * (H - T - B); };
    var svg = svgEl("svg", {
      viewBox: "0 0 " + W + " " + H, "class": "lr-plot", role: "img",
      "aria-labelledby": id + "-svg-title"
    });
    var title = svgEl("title", { id: id + "-svg-title" });
    svg.appendChild(title);
    [0, 0.25, 0.5, 0.75, 1].forEach(function (p) {
      svg.appendChild(svgEl("line", { x1: L, x2: W - Rm, y1: Y(p), y2: Y(p), "class": "lr-grid" }));
      var tick = svgEl("text", { x: L - 6, y: Y(p) + 4, "text-anchor": "end", "class": "lr-tick" });
      tick.textContent = String(p);
      svg.appendChild(tick);
    });
    var span = xr[1] - xr[0];
    var stepTick = span > 10 ? 2 : 1;
    for (var t = Math.ceil(xr[0] / stepTick) * stepTick; t <= xr[1] + 1e-9; t += stepTick) {
      svg.appendChild(svgEl("line", { x1: X(t), x2: X(t), y1: Y(0), y2: Y(0) + 4, "class": "lr-axis" }));
      var lab = svgEl("text", { x: X(t), y: Y(0) + 18, "text-anchor": "middle", "class": "lr-tick" });
      lab.textContent = fmt(t, 0);
      svg.appendChild(lab);
    }
    svg.appendChild(svgEl("line", { x1: L, x2: W - Rm, y1: Y(0), y2: Y(0), "class": "lr-axis" }));
    svg.appendChild(svgEl("line", { x1: L, x2: L, y1: Y(0), y2: Y(1), "class": "lr-axis" }));
    var xlab = svgEl("text", { x: (L + W - Rm) / 2, y: H - 4, "text-anchor": "middle", "class": "lr-label" });
    xlab.textContent = "x";
    svg.appendChild(xlab);
    var curve = svgEl("path", { "class": "lr-curve", "data-role": "curve" });
    var decision = svgEl("line", { "class": "lr-decision", "data-role": "decision", y1: Y(0), y2: Y(1) });
    var decisionDot = svgEl("circle", { r: 5, "class": "lr-decision-dot", cy: Y(0.5) });
    var probe = svgEl("circle", { r: 6, "class": "lr-probe", "data-role": "probe" });
    svg.appendChild(curve);
    svg.appendChild(decision);
    svg.appendChild(decisionDot);
    svg.appendChild(probe);
    box.appendChild(svg);

    var readout = el("div", { "class": "lr-readout", "aria-live": "polite" });
    var fW = field(readout, "w", "w =");
    var fB = field(readout, "b", "b =");
    var fX = field(readout, "x", "x =");
    var fZ = field(readout, "z", "z = w\u00b7x + b =");
    var fP = field(readout, "sigma", "\u03c3(z) = 1 / (1 + e^(\u2212z)) =");
    var fD = field(readout, "decision", "decision point x* = \u2212b/w =");
    var fS = field(readout, "slope", "slope at x*, w/4 =");
    box.appendChild(readout);

    function update() {
      var w = Number(sw.input.value), b = Number(sb.input.value), x = Number(sx.input.value);
      sw.out.textContent = fmt(w, 2);
      sb.out.textContent = fmt(b, 2);
      sx.out.textContent = fmt(x, 2);
      var n = 240, d = "";
      for (var i = 0; i <= n; i++) {
        var xi = xr[0] + (xr[1] - xr[0]) * i / n;
        d += (i ? "L" : "M") + X(xi).toFixed(2) + "," + Y(sigmoid(w * xi + b)).toFixed(2);
      }
      curve.setAttribute("d", d);
      var z = w * x + b, p = sigmoid(z);
      probe.setAttribute("cx", X(x).toFixed(2));
      probe.setAttribute("cy", Y(p).toFixed(2));
      fW.textContent = fmt(w, 2);
      fB.textContent = fmt(b, 2);
      fX.textContent = fmt(x, 2);
      fZ.textContent = fmt(z, 2);
      fP.textContent = fmt(p, 4);
      fS.textContent = fmt(w / 4, 3);
      var text;
      if (w === 0) {
        decision.setAttribute("visibility", "hidden");
        decisionDot.setAttribute("visibility", "hidden");
        fD.textContent = "none: w = 0, so p = \u03c3(b) = " + fmt(sigmoid(b), 4) + " everywhere";
        text = "flat curve at " + fmt(sigmoid(b), 3);
      } else {
        var xs = -b / w;
        fD.textContent = fmt(xs, 2) + (xs < xr[0] || xs > xr[1] ? " (outside the plotted range)" : "");
        var inside = xs >= xr[0] && xs <= xr[1];
        decision.setAttribute("visibility", inside ? "visible" : "hidden");
        decisionDot.setAttribute("visibility", inside ? "visible" : "hidden");
        decision.setAttribute("x1", X(xs).toFixed(2));
        decision.setAttribute("x2", X(xs).toFixed(2));
        decisionDot.setAttribute("cx", X(xs).toFixed(2));
        text = (w > 0 ? "rising" : "falling") + " S-curve crossing 0.5 at x = " + fmt(xs, 2);
      }
      title.textContent = "Plot of sigma(w x + b) for w = " + fmt(w, 2) + ", b = " + fmt(b, 2) +
        ": " + text + "; probe at x = " + fmt(x, 2) + " gives p = " + fmt(p, 3) + ".";
    }
    [sw, sb, sx].forEach(function (s) { s.input.addEventListener("input", update); });
    update();
    return box;
  }

  /* ---------------------------------------------------------------- threshold */

  function confusion(y, s, t) {
    var tn = 0, fp = 0, fn = 0, tp = 0;
    for (var i = 0; i < y.length; i++) {
      var pred = s[i] >= t;
      if (y[i] === 1) { if (pred) tp++; else fn++; } else { if (pred) fp++; else tn++; }
    }
    return { tn: tn, fp: fp, fn: fn, tp: tp };
  }

  function numberInput(parent, id, label, value) {
    var row = el("div", { "class": "lr-control lr-cost" });
    row.appendChild(el("label", { "for": id }, label));
    var input = el("input", { type: "number", id: id, min: "0", step: "any", value: String(value) });
    row.appendChild(input);
    parent.appendChild(row);
    return input;
  }

  function buildThreshold(root, cfg) {
    var id = root.id, y = cfg.y, s = cfg.s, n = y.length;
    var posName = cfg.labels.positive, negName = cfg.labels.negative;
    var nPos = y.reduce(function (a, v) { return a + v; }, 0);
    var box = el("div", { "class": "lr-threshold", role: "group", "aria-labelledby": id + "-title" });
    box.appendChild(el("p", { "class": "lr-title", id: id + "-title" },
      "Threshold explorer: " + n + " cases (" + nPos + " " + posName + ", " + (n - nPos) +
      " " + negName + "); predict \u201c" + posName + "\u201d when the score is \u2265 t"));

    var controls = el("div", { "class": "lr-controls" });
    box.appendChild(controls);
    var st = slider(controls, id + "-t", "threshold t", [0, 1], 0.01, cfg.t);
    // The Bayes threshold is marked on the slider track itself.
    var track = el("div", { "class": "lr-track" });
    st.input.parentNode.replaceChild(track, st.input);
    track.appendChild(st.input);
    var marker = el("span", { "class": "lr-bayes-marker", "data-role": "bayes-marker", "aria-hidden": "true" });
    var markerLabel = el("span", { "class": "lr-bayes-label" });
    marker.appendChild(markerLabel);
    track.appendChild(marker);
    var costs = el("div", { "class": "lr-costs" });
    controls.appendChild(costs);
    var cfp = numberInput(costs, id + "-cfp", "cost of a false positive, c_FP", cfg.c_fp);
    var cfn = numberInput(costs, id + "-cfn", "cost of a false negative, c_FN", cfg.c_fn);
    var toBayes = el("button", { type: "button", "class": "lr-button" }, "set t to t*");
    costs.appendChild(toBayes);

    // Score histograms: negatives above the axis, positives below.
    var W = 640, H = 170, L = 16, Rm = 16, mid = 85, bins = 25;
    var X = function (t) { return L + t * (W - L - Rm); };
    var svg = svgEl("svg", {
      viewBox: "0 0 " + W + " " + H, "class": "lr-plot lr-hist", role: "img",
      "aria-labelledby": id + "-svg-title"
    });
    var title = svgEl("title", { id: id + "-svg-title" });
    svg.appendChild(title);
    var counts = [new Array(bins).fill(0), new Array(bins).fill(0)];
    for (var i = 0; i < n; i++) counts[y[i]][Math.min(bins - 1, Math.floor(s[i] * bins))]++;
    // Bar heights grow with the square root of the count, so that the few cases with
    // middling scores stay visible next to the many confident ones.
    var maxCount = Math.sqrt(Math.max.apply(null, counts[0].concat(counts[1])));
    var hmax = mid - 18;
    for (var k = 0; k < bins; k++) {
      var x0 = X(k / bins) + 1, bw = (W - L - Rm) / bins - 2;
      var hn = Math.sqrt(counts[0][k]) / maxCount * hmax;
      var hp = Math.sqrt(counts[1][k]) / maxCount * hmax;
      svg.appendChild(svgEl("rect", { x: x0, y: mid - hn, width: bw, height: hn, "class": "lr-bar-neg" }));
      svg.appendChild(svgEl("rect", { x: x0, y: mid, width: bw, height: hp, "class": "lr-bar-pos" }));
    }
    svg.appendChild(svgEl("line", { x1: L, x2: W - Rm, y1: mid, y2: mid, "class": "lr-axis" }));
    var tn1 = svgEl("text", { x: L + 4, y: 12, "class": "lr-label" });
    tn1.textContent = "scores of " + negName + " cases";
    var tp1 = svgEl("text", { x: L + 4, y: H - 4, "class": "lr-label" });
    tp1.textContent = "scores of " + posName + " cases";
    svg.appendChild(tn1);
    svg.appendChild(tp1);
    var bayesLine = svgEl("line", { y1: 2, y2: H - 2, "class": "lr-bayes", "data-role": "bayes-line" });
    var tLine = svgEl("line", { y1: 2, y2: H - 2, "class": "lr-threshold-line", "data-role": "threshold-line" });
    svg.appendChild(bayesLine);
    svg.appendChild(tLine);
    box.appendChild(svg);

    // Confusion matrix, rows = true class (scikit-learn's layout).
    var table = el("table", { "class": "lr-cm" });
    var caption = el("caption", {});
    table.appendChild(caption);
    var head = el("tr", {});
    head.appendChild(el("td", {}));
    head.appendChild(el("th", { scope: "col" }, "predicted " + negName));
    head.appendChild(el("th", { scope: "col" }, "predicted " + posName));
    table.appendChild(head);
    var cells = {};
    [["true " + negName, "tn", "fp"], ["true " + posName, "fn", "tp"]].forEach(function (r) {
      var tr = el("tr", {});
      tr.appendChild(el("th", { scope: "row" }, r[0]));
      [r[1], r[2]].forEach(function (key) {
        var td = el("td", { "data-field": key });
        cells[key] = td;
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    var results = el("div", { "class": "lr-results" });
    results.appendChild(table);
    var readout = el("div", { "class": "lr-readout", "aria-live": "polite" });
    var fT = field(readout, "threshold", "threshold t =");
    var fPrec = field(readout, "precision", "precision TP/(TP+FP) =");
    var fRec = field(readout, "recall", "recall TP/(TP+FN) =");
    var fF1 = field(readout, "f1", "F1 = 2PR/(P+R) =");
    var fAcc = field(readout, "accuracy", "accuracy (TP+TN)/n =");
    var fCost = field(readout, "cost", "expected cost per case (c_FP\u00b7FP + c_FN\u00b7FN)/n =");
    var fBayes = field(readout, "bayes", "Bayes threshold t* = c_FP/(c_FP + c_FN) =");
    var fBest = field(readout, "best", "lowest cost over slider positions =");
    results.appendChild(readout);
    box.appendChild(results);
    var note = el("p", { "class": "lr-note", "data-field": "cost-note", role: "status" });
    box.appendChild(note);

    var lastGood = { fp: cfg.c_fp, fn: cfg.c_fn };
    function readCosts() {
      var a = Number(cfp.value), b = Number(cfn.value);
      var ok = cfp.value !== "" && cfn.value !== "" && isFinite(a) && isFinite(b) &&
        a >= 0 && b >= 0 && a + b > 0;
      cfp.setAttribute("aria-invalid", ok ? "false" : "true");
      cfn.setAttribute("aria-invalid", ok ? "false" : "true");
      note.textContent = ok ? "" :
        "Costs must be numbers \u2265 0 with a positive sum; using c_FP = " + lastGood.fp +
        ", c_FN = " + lastGood.fn + ".";
      if (ok) lastGood = { fp: a, fn: b };
      return lastGood;
    }

    function ratio(num, den) { return den > 0 ? num / den : NaN; }

    function update() {
      var t = Number(st.input.value), c = readCosts();
      var m = confusion(y, s, t);
      st.out.textContent = fmt(t, 2);
      ["tn", "fp", "fn", "tp"].forEach(function (k) { cells[k].textContent = String(m[k]); });
      caption.textContent = "Confusion matrix at t = " + fmt(t, 2) + " (rows: true class)";
      var P = ratio(m.tp, m.tp + m.fp), Rc = ratio(m.tp, m.tp + m.fn);
      fT.textContent = fmt(t, 2);
      fPrec.textContent = isNaN(P) ? "undefined (nothing predicted " + posName + ")" : fmt(P, 3);
      fRec.textContent = fmt(Rc, 3);
      fF1.textContent = (isNaN(P) || P + Rc === 0) ? "undefined" : fmt(2 * P * Rc / (P + Rc), 3);
      fAcc.textContent = fmt((m.tp + m.tn) / n, 3);
      fCost.textContent = fmt((c.fp * m.fp + c.fn * m.fn) / n, 3);
      var tb = c.fp / (c.fp + c.fn);
      fBayes.textContent = fmt(tb, 3);
      var best = { cost: Infinity, t: 0 };
      for (var j = 0; j <= 100; j++) {
        var tj = j / 100, mj = confusion(y, s, tj), cj = (c.fp * mj.fp + c.fn * mj.fn) / n;
        if (cj < best.cost - 1e-12) best = { cost: cj, t: tj };
      }
      fBest.textContent = fmt(best.cost, 3) + " at t = " + fmt(best.t, 2);
      var pct = (tb * 100).toFixed(3) + "%";
      marker.style.setProperty("--lr-at", String(tb));
      marker.setAttribute("data-value", tb.toFixed(6));
      markerLabel.textContent = "t* = " + fmt(tb, 2);
      marker.setAttribute("title", "Bayes threshold t* = " + fmt(tb, 3) + " (at " + pct + " of the track)");
      bayesLine.setAttribute("x1", X(tb).toFixed(2));
      bayesLine.setAttribute("x2", X(tb).toFixed(2));
      tLine.setAttribute("x1", X(t).toFixed(2));
      tLine.setAttribute("x2", X(t).toFixed(2));
      st.input.setAttribute("aria-valuetext", fmt(t, 2) + "; Bayes threshold " + fmt(tb, 2));
      title.textContent = "Histograms (bar height: square root of the count) of the scores " +
        "of the " + (n - nPos) + " " + negName +
        " and " + nPos + " " + posName + " cases, with the threshold at " + fmt(t, 2) +
        " (solid line) and the Bayes threshold at " + fmt(tb, 2) + " (dashed line).";
    }
    st.input.addEventListener("input", update);
    cfp.addEventListener("input", update);
    cfn.addEventListener("input", update);
    toBayes.addEventListener("click", function () {
      var c = readCosts();
      st.input.value = String(Math.round(c.fp / (c.fp + c.fn) * 100) / 100);
      update();
      st.input.focus();
    });
    update();
    return box;
  }

  var BUILDERS = { sigmoid: buildSigmoid, threshold: buildThreshold };

  function init(root) {
    if (root.getAttribute("data-ready") === "true") return;
    var data = root.querySelector("script.lr-explorer-data");
    var build = BUILDERS[root.getAttribute("data-explorer")];
    if (!data || !build) return;
    var ui = build(root, JSON.parse(data.textContent));
    var fallback = root.querySelector(".lr-explorer-fallback");
    if (fallback) fallback.remove();
    root.appendChild(ui);
    root.setAttribute("data-ready", "true");
  }

  function initAll() {
    document.querySelectorAll("div.lr-explorer").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
