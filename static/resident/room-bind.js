/* Binding a room: each select loads the next one's options (htmx, hx-get on change). A select
   marked data-change-after-swap passes its new options on at once, and one marked
   data-hide-row-when-single="<id>" hides that row when it has only one option (a building
   without units). Listeners here, not hx-on: the Content-Security-Policy forbids eval. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-change-after-swap")) return;
    var rowId = select.getAttribute("data-hide-row-when-single");
    var row = rowId && document.getElementById(rowId);
    if (row) row.hidden = select.options.length < 2;
    window.htmx.trigger(select, "change");
  });
})();
