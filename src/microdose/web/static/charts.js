/* Draws every <figure data-spec> (a Vega-Lite spec as JSON) with the vendored Vega-Embed bundle.
   CSP-safe: the expression interpreter (ast: true) instead of eval, no injected styles. */
(function () {
  "use strict";

  function draw(figure, attempt) {
    var target = figure.querySelector(".chart-canvas");
    if (!target || figure.dataset.drawn === "yes") {
      return;
    }
    if (typeof window.vegaEmbed !== "function") {
      /* the bundle is still loading (pages swapped in by htmx load scripts async) */
      if ((attempt || 0) < 100) {
        window.setTimeout(function () { draw(figure, (attempt || 0) + 1); }, 100);
      }
      return;
    }
    figure.dataset.drawn = "yes";
    Promise.resolve(figure.dataset.spec)
      .then(function (text) {
        var spec = JSON.parse(text);
        target.textContent = "";
        return window.vegaEmbed(target, spec, {
          ast: true,
          actions: false,
          defaultStyle: false,
          renderer: "svg",
          tooltip: false
        });
      })
      .then(function () {
        figure.classList.add("chart-ready");
      })
      .catch(function (error) {
        target.textContent = "The chart could not be drawn (" + error.message + "). " +
          "The table below has the same numbers.";
      });
  }

  function drawAll() {
    document.querySelectorAll("figure[data-spec]").forEach(function (figure) {
      draw(figure, 0);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", drawAll);
})();
