/* Reads an envelope's QR code from a photo: <input type="file" data-qr-for="code"> (on a
   phone, capture="environment" opens the camera) decoded in the page with the vendored
   jsQR, the code put into the text field it names. Nothing leaves the browser; without
   JavaScript, or when no code is found, the code is typed. */
(function () {
  "use strict";

  var CODE = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;

  function say(input, text) {
    var status = document.getElementById(input.dataset.qrStatus);
    if (status) {
      status.textContent = text;
    }
  }

  function pixels(bitmap) {
    var canvas = document.createElement("canvas");
    var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    var context = canvas.getContext("2d");
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }

  function read(input) {
    var file = input.files && input.files[0];
    var field = document.getElementById(input.dataset.qrFor);
    if (!file || !field) {
      return;
    }
    say(input, "Reading the photo…");
    window.createImageBitmap(file)
      .then(function (bitmap) {
        var image = pixels(bitmap);
        var found = window.jsQR(image.data, image.width, image.height);
        var text = found ? found.data.trim().toUpperCase() : "";
        if (!CODE.test(text)) {
          say(input, found ? "That QR code is not an envelope code. Type the code instead."
            : "No QR code found in the photo. Try again closer, or type the code.");
          return;
        }
        field.value = text;
        field.focus();
        say(input, "Read " + text + ". Check it matches the label, then record the envelope.");
      })
      .catch(function () {
        say(input, "The photo could not be read. Type the code instead.");
      });
  }

  function wire(attempt) {
    if (typeof window.jsQR !== "function" || typeof window.createImageBitmap !== "function") {
      /* the decoder is still loading (htmx loads swapped-in scripts async) */
      if ((attempt || 0) < 100) {
        window.setTimeout(function () { wire((attempt || 0) + 1); }, 100);
      }
      return;
    }
    document.querySelectorAll("input[data-qr-for]").forEach(function (input) {
      if (input.dataset.wired === "yes") {
        return;
      }
      input.dataset.wired = "yes";
      input.closest(".scan").hidden = false;
      input.addEventListener("change", function () { read(input); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { wire(0); });
  } else {
    wire(0);
  }
  document.addEventListener("htmx:afterSettle", function () { wire(0); });
})();
