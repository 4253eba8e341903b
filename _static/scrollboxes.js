/*
 * Wide equations and outputs scroll sideways, and say so (logistic-regression course).
 *
 * A display equation (MathJax's mjx-container) or a code-output box whose content is
 * wider than the text column gets the class "lr-scrolls" (a visible scrollbar and
 * edge shadows, see layout.css), keyboard focus (tabindex=0) so it can be scrolled
 * with the arrow keys, and, for outputs, a label for screen readers. Boxes are checked
 * after MathJax has typeset the page and again whenever the window is resized.
 * tests/test_site_browser.py fails on any equation or output whose content is cut off
 * without such a box.
 */
(function () {
  "use strict";

  function boxes() {
    return document.querySelectorAll(
      'mjx-container[display="true"], .cell_output > .output, .lr-q-display');
  }

  function mark() {
    boxes().forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.classList.contains("lr-scrolls")) {
        box.classList.add("lr-scrolls");
        if (box.tabIndex < 0) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("data-lr-tabindex", "added");
        }
        if (box.matches(".output")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Cell output, scrolls sideways");
        }
      } else if (!wide && box.classList.contains("lr-scrolls")) {
        box.classList.remove("lr-scrolls");
        if (box.getAttribute("data-lr-tabindex") === "added") {
          box.removeAttribute("tabindex");
          box.removeAttribute("data-lr-tabindex");
        }
        if (box.matches(".output")) {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      }
    });
  }

  var pending = null;
  function later() {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () { pending = null; mark(); });
  }

  function start() {
    mark();
    window.addEventListener("resize", later);
    var tries = 0;
    (function waitForMathJax() {
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        MathJax.startup.promise.then(mark);
      } else if (tries++ < 100) {
        setTimeout(waitForMathJax, 50);
      }
    })();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
