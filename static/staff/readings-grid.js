/* The meter-reading grid from the keyboard: Enter (or ↓) moves to the next room's current
   reading instead of sending the form, ↑ to the previous room; Tab stops once per room (the
   "meter changed" box and the start reading are out of the Tab order, the start reading comes
   back in when its row's box is ticked; ← and → move along a row to reach them). Enter on the
   last room moves to the save button. */
(function () {
  "use strict";

  var form = document.getElementById("readings-form");
  if (!form) return;
  var save = document.getElementById("readings-save");

  function currents() {
    return Array.prototype.slice.call(form.querySelectorAll("[data-reading=current]"));
  }

  function move(from, step) {
    var list = currents();
    var row = from.closest("tr");
    var index = list.findIndex(function (input) { return input.closest("tr") === row; });
    var target = list[index + step];
    if (target) {
      target.focus();
      target.select();
    } else if (step > 0 && save) {
      save.focus();
    }
  }

  var ORDER = ["current", "change", "start"];

  function along(from, step) {
    var row = from.closest("tr");
    var at = ORDER.indexOf(from.getAttribute("data-reading")) + step;
    var target = at >= 0 && at < ORDER.length && row.querySelector("[data-reading=" + ORDER[at] + "]");
    if (target) {
      target.focus();
      return true;
    }
    return false;
  }

  function atEdge(input, step) {
    if (input.type === "checkbox") return true;
    var end = step > 0 ? input.value.length : 0;
    return input.selectionStart === end && input.selectionEnd === end;
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    var kind = input.getAttribute && input.getAttribute("data-reading");
    if (ORDER.indexOf(kind) < 0) return;
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && atEdge(input, event.key === "ArrowRight" ? 1 : -1)) {
      if (along(input, event.key === "ArrowRight" ? 1 : -1)) event.preventDefault();
      return;
    }
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault();
      move(input, 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(input, -1);
    }
  });

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.getAttribute("data-reading") !== "change") return;
    var start = box.closest("tr").querySelector("[data-reading=start]");
    if (!start) return;
    start.tabIndex = box.checked ? 0 : -1;
    if (box.checked) start.focus();
  });
})();
