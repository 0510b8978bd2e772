// microdose: small progressive enhancements; every page works without this file.
// Crisis help at once: on a questionnaire item that can raise a crisis flag (PHQ-9 item 9,
// DASS-21 item 21), choosing an answer at or above the item's threshold shows the help
// panel before the questionnaire is finished. Without JavaScript the help comes on the next
// step (the crisis page after saving).
(function () {
  "use strict";
  function update(form) {
    var panel = document.getElementById("crisis-now");
    if (!panel || panel.hasAttribute("data-shown")) { return; }
    var chosen = form.querySelector('input[name="answer"]:checked');
    var min = Number(form.getAttribute("data-crisis-min"));
    if (chosen !== null && Number(chosen.value) >= min) {
      panel.removeAttribute("hidden");
    } else {
      panel.setAttribute("hidden", "");
    }
  }
  document.addEventListener("change", function (event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-crisis-min")) { update(form); }
  });
})();

// Installable and offline (static/sw.js): register the service worker where the browser
// allows one (HTTPS, or this computer), send what was saved offline when a page opens or the
// connection comes back, and say how many are still waiting.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) { return; }

  function banner(state) {
    var box = document.getElementById("outbox");
    if (!box) { return; }
    var parts = [];
    if (state.left) {
      parts.push(state.left + (state.left === 1 ? " entry" : " entries") +
        " saved on this device, waiting to be sent.");
    }
    if (state.refused && state.refused.length) {
      parts.push(state.refused.length + " saved offline could not be recorded (the server " +
        "refused it, e.g. a day already in the future or past its limits): please enter it again.");
    }
    box.textContent = parts.join(" ");
    box.hidden = parts.length === 0;
  }

  function ask(what) {
    var worker = navigator.serviceWorker.controller;
    if (worker) { worker.postMessage(what); }
  }

  // a page the service worker kept from an earlier visit: its forms get a new
  // idempotency key (two entries from one kept page are two entries) and today's date
  function freshen() {
    var main = document.getElementById("main");
    if (!main || main.getAttribute("data-from-cache") !== "yes") { return; }
    var now = new Date();
    var pad = function (n) { return String(n).padStart(2, "0"); };
    var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    main.querySelectorAll('input[name="idempotency_key"]').forEach(function (input) {
      if (window.crypto && window.crypto.randomUUID) { input.value = window.crypto.randomUUID(); }
    });
    main.querySelectorAll('input[type="date"][name="date"]').forEach(function (input) {
      if (input.value === input.defaultValue) { input.value = today; input.defaultValue = today; }
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.outbox) { banner(event.data.outbox); }
  });
  navigator.serviceWorker.register("/sw.js").catch(function () { /* stays online-only */ });
  window.addEventListener("online", function () { ask("flush"); });
  function opened() { freshen(); ask(navigator.onLine ? "flush" : "count"); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", opened);
  } else {
    opened();
  }
  document.addEventListener("htmx:afterSettle", opened);
})();
