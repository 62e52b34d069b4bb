// The check-in desk: a code put into the box by the camera scanner (a synthetic input event)
// is recorded as scanned, one typed by hand as typed.
(function () {
  "use strict";
  var input = document.getElementById("id_code");
  var via = document.getElementById("id_via");
  if (!input || !via) return;
  input.addEventListener("input", function (event) {
    via.value = event.isTrusted ? "code" : "scan";
  });
})();
