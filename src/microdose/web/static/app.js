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
