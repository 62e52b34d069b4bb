// The providers part's forms: filter a list of choices as one types, and add a formset row.
(function () {
  "use strict";

  document.querySelectorAll("[data-filter-list]").forEach(function (input) {
    var list = document.querySelector(input.dataset.filterList);
    if (!list) return;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("[data-filter-item]").forEach(function (item) {
        var text = item.textContent.toLowerCase();
        item.hidden = needle !== "" && text.indexOf(needle) === -1;
      });
    });
  });

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var rows = document.querySelector(button.dataset.addRow);
    var template = document.querySelector(button.dataset.template);
    if (!rows || !template) return;
    var prefix = rows.dataset.formsetPrefix;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild.querySelector("input[type=text]");
      if (first) first.focus();
    });
  });
})();
