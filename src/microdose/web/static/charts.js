/* Draws every <figure data-spec> (a Vega-Lite spec as JSON) with the vendored Vega-Embed bundle.
   CSP-safe: the expression interpreter (ast: true) instead of eval, no injected styles. */
(function () {
  "use strict";

  /* On a narrow screen the spec is re-laid rather than shrunk: each view as wide as the
     screen allows, legends under the chart instead of beside it, and no text under 12px
     (a shrunk SVG would scale its text down to 4-5px on a phone). */
  var NARROW = 600;
  var TEXT = 12;
  var AXIS_ROOM = 96;
  var LINE = 44;

  function wrap(text) {
    var lines = [];
    var line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > LINE) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    return line ? lines.concat([line]) : lines;
  }

  function relay(node, width) {
    if (Array.isArray(node)) {
      node.forEach(function (item) { relay(item, width); });
      return;
    }
    if (!node || typeof node !== "object") {
      return;
    }
    if (typeof node.width === "number") {
      node.width = Math.min(node.width, width);
    }
    if (node.legend && node.legend.orient === "right") {
      node.legend.orient = "bottom";
      node.legend.direction = "horizontal";
      node.legend.columns = 2;
    }
    if (node.title && typeof node.title === "object") {
      ["text", "subtitle"].forEach(function (key) {
        if (typeof node.title[key] === "string") {
          node.title[key] = wrap(node.title[key]);
        }
      });
    } else if (typeof node.title === "string" && node.title.length > LINE && !node.field) {
      node.title = wrap(node.title);
    }
    if (node.mark && typeof node.mark === "object" && node.mark.fontSize < TEXT) {
      node.mark.fontSize = TEXT;
    }
    Object.keys(node).forEach(function (key) {
      if (key !== "datasets" && key !== "data") {
        relay(node[key], width);
      }
    });
  }

  function forScreen(spec, available) {
    if (available >= NARROW) {
      return spec;
    }
    var config = spec.config || {};
    ["axis", "legend"].forEach(function (key) {
      config[key] = Object.assign({}, config[key], { labelFontSize: TEXT, titleFontSize: TEXT });
    });
    config.title = Object.assign({}, config.title, { fontSize: TEXT + 2, subtitleFontSize: TEXT });
    spec.config = config;
    relay(spec, Math.max(160, Math.floor(available) - AXIS_ROOM));
    return spec;
  }

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
        var spec = forScreen(JSON.parse(text), target.clientWidth || window.innerWidth);
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
