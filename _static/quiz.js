/*
 * Concept checks of the logistic-regression course (see logreg_course/quiz.py).
 *
 * The page already holds each question as plain HTML: a <form class="lr-q"> with a
 * fieldset (radio buttons or a labelled text field), a Check button, an empty
 * aria-live feedback region, hidden explanations, and a <details> with the answers
 * for readers without JavaScript. The right answers and tolerances are in the
 * quiz's <script type="application/json" class="lr-quiz-data">, computed when the
 * book was built. This file (no dependencies, no network) checks an answer when the
 * reader presses Check (or Enter), says right or wrong, and shows the explanation of
 * the option chosen, or the worked answer of a numeric question.
 */
(function () {
  "use strict";

  /* A number as a reader may type it: 0.25, -1.5e-3, 1/4, "−0.3" with a true minus,
     "25%" (= 0.25), a comma as decimal mark when there is no dot. */
  function parseNumber(text) {
    var t = String(text).trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") < 0) t = t.replace(",", ".");
    var scale = 1;
    if (/%$/.test(t)) { scale = 0.01; t = t.slice(0, -1); }
    var num = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
    if (num.test(t)) return Number(t) * scale;
    var parts = t.split("/");
    if (parts.length === 2 && num.test(parts[0]) && num.test(parts[1]) && Number(parts[1]) !== 0) {
      return Number(parts[0]) / Number(parts[1]) * scale;
    }
    return NaN;
  }

  function verdict(box, ok, text) {
    var p = document.createElement("p");
    p.className = "lr-q-verdict " + (ok ? "lr-q-right" : "lr-q-wrong");
    var mark = document.createElement("span");
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = ok ? "\u2714 " : "\u2718 ";
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text));
    box.appendChild(p);
  }

  /* Show a (typeset) explanation inside the feedback region: a copy, so that the
     original stays put and can be shown again. */
  function explain(box, why) {
    if (!why) return;
    var copy = why.cloneNode(true);
    copy.hidden = false;
    copy.removeAttribute("data-option");
    copy.classList.add("lr-q-shown");
    box.appendChild(copy);
  }

  /* The nearest explorer of a kind above the question, in document order. */
  function explorerBefore(form, kind) {
    var all = document.querySelectorAll('.lr-explorer[data-explorer="' + kind + '"]');
    var found = null;
    all.forEach(function (ex) {
      if (ex.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING) found = ex;
    });
    return found;
  }

  function offerExplorer(form, box, spec) {
    var ex = explorerBefore(form, spec.kind);
    if (!ex) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "lr-q-try";
    button.textContent = "Try it in the " + spec.kind + " explorer above: " + spec.label;
    button.addEventListener("click", function () {
      var first = null;
      Object.keys(spec.set).forEach(function (name) {
        var input = document.getElementById(ex.id + "-" + name);
        if (!input) return;
        input.value = String(spec.set[name]);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        if (!first) first = input;
      });
      ex.scrollIntoView({ block: "center" });
      if (first) first.focus({ preventScroll: true });
    });
    box.appendChild(button);
  }

  function checkChoice(form, spec, box) {
    var picked = form.querySelector('input[type="radio"]:checked');
    if (!picked) {
      verdict(box, false, "Pick an option first.");
      return;
    }
    var i = Number(picked.value);
    var ok = i === spec.correct;
    verdict(box, ok, ok ? "Correct." : "Not quite.");
    explain(box, form.querySelector('.lr-q-why[data-option="' + i + '"]'));
    if (!ok) {
      var hint = document.createElement("p");
      hint.className = "lr-q-hint";
      hint.textContent = "Pick another option and check again.";
      box.appendChild(hint);
    }
    form.setAttribute("data-answered", ok ? "right" : "wrong");
  }

  function checkNumeric(form, spec, box) {
    var input = form.querySelector(".lr-q-input");
    var x = parseNumber(input.value);
    if (!isFinite(x)) {
      input.setAttribute("aria-invalid", "true");
      verdict(box, false, "Type a number, such as 0.25, 1/4 or 2.5e-3.");
      return;
    }
    input.setAttribute("aria-invalid", "false");
    var ok = Math.abs(x - spec.value) <= spec.tol * (1 + 1e-9);
    if (ok) {
      verdict(box, true, "Correct.");
      explain(box, form.querySelector(".lr-q-solution"));
    } else {
      verdict(box, false, "Not quite: " + (x > spec.value ? "too high." : "too low."));
      var show = document.createElement("button");
      show.type = "button";
      show.className = "lr-q-show";
      show.textContent = "Show the worked answer";
      show.addEventListener("click", function () {
        show.remove();
        explain(box, form.querySelector(".lr-q-solution"));
      });
      box.appendChild(show);
    }
    form.setAttribute("data-answered", ok ? "right" : "wrong");
  }

  function init(section) {
    if (section.getAttribute("data-ready") === "true") return;
    var raw = section.querySelector("script.lr-quiz-data");
    if (!raw) return;
    var data = JSON.parse(raw.textContent);
    section.querySelectorAll("form.lr-q").forEach(function (form) {
      var spec = data[form.id];
      if (!spec) return;
      var box = form.querySelector(".lr-q-feedback");
      var details = form.querySelector("details.lr-q-static");
      if (details) details.remove();
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        box.textContent = "";
        if (spec.kind === "choice") checkChoice(form, spec, box);
        else checkNumeric(form, spec, box);
        if (spec.explorer) offerExplorer(form, box, spec.explorer);
      });
    });
    section.setAttribute("data-ready", "true");
  }

  function initAll() { document.querySelectorAll("section.lr-quiz").forEach(init); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
