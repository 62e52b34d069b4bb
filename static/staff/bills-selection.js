/* The bills page (staff): the selection count, the select-page box, and printing the chosen
   bills' dunning notices without the CSRF token in the address. */
(function () {
  function boxes() { return document.querySelectorAll("input[type=checkbox][name=bill]"); }
  function refresh() {
    var chosen = Array.prototype.filter.call(boxes(), function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = chosen; });
    document.querySelectorAll("[data-needs-selection]").forEach(function (button) { button.disabled = chosen === 0; });
    var all = document.getElementById("select-page");
    if (all) {
      all.checked = chosen > 0 && chosen === boxes().length;
      all.indeterminate = chosen > 0 && chosen < boxes().length;
    }
  }
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
