/* The period chooser of the technicians' performance pages: a GET form that works without
   JavaScript; this only keeps the select and the dates in step and sends the form on a change. */
(function () {
  "use strict";

  var form = document.getElementById("period-form");
  if (!form) return;
  var period = form.querySelector("[name=period]");
  var dates = form.querySelectorAll("input[type=date]");
  dates.forEach(function (input) {
    input.addEventListener("change", function () { if (input.value && period) { period.value = "custom"; } });
  });
  if (period) {
    period.addEventListener("change", function () {
      if (period.value !== "custom") { dates.forEach(function (input) { input.value = ""; }); form.requestSubmit(); }
    });
  }
  form.querySelectorAll("[name=technician], [name=low]").forEach(function (el) {
    el.addEventListener("change", function () { form.requestSubmit(); });
  });
})();
