/* The bills page (staff): the selection count, the select-page box, and printing the chosen
   bills' dunning notices without the CSRF token in the address. */
(function () {
  function boxes() { return document.querySelectorAll("input[type=checkbox][name=bill]"); }
  // "Select all N matching the filters" (as Gmail does): the batch form then sends all=1 and
  // the filters, and the server acts on everything they match.
  function allMode(on) {
    document.querySelectorAll("[data-all-matching]").forEach(function (set) { set.disabled = !on; });
    document.querySelectorAll("[data-all-selected]").forEach(function (el) { el.hidden = !on; });
    document.querySelectorAll("[data-page-selection]").forEach(function (el) { el.hidden = on; });
  }
  function inAllMode() {
    var set = document.querySelector("[data-all-matching]");
    return !!set && !set.disabled;
  }
  function refresh() {
    var chosen = Array.prototype.filter.call(boxes(), function (box) { return box.checked; }).length;
    var whole = chosen > 0 && chosen === boxes().length;
    if (!whole && inAllMode()) { allMode(false); }
    document.querySelectorAll("[data-select-all-offer]").forEach(function (el) { el.hidden = !whole || inAllMode(); });
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = chosen; });
    document.querySelectorAll("[data-needs-selection]").forEach(function (button) { button.disabled = chosen === 0; });
    var all = document.getElementById("select-page");
    if (all) {
      all.checked = chosen > 0 && chosen === boxes().length;
      all.indeterminate = chosen > 0 && chosen < boxes().length;
    }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-select-all]")) { allMode(true); refresh(); }
    if (event.target.closest("[data-clear-all]")) {
      allMode(false);
      boxes().forEach(function (box) { box.checked = false; });
      refresh();
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-page") {
      boxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.id === "select-page" || event.target.name === "bill") { refresh(); }
  });
  // Printing opens the notices with only the chosen bills in the address (no CSRF token).
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "bills-form" || !event.submitter || event.submitter.getAttribute("formmethod") !== "get") { return; }
    var hidden = event.target.querySelectorAll("[name=csrfmiddlewaretoken], [data-post-only]");
    hidden.forEach(function (input) { input.disabled = true; });
    setTimeout(function () { hidden.forEach(function (input) { input.disabled = false; }); }, 0);
  });
  document.body.addEventListener("htmx:afterSwap", refresh);
  refresh();
})();
