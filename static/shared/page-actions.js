/* The small behaviours that templates used to write inline (onsubmit=, onchange=, href=
   "javascript:"), as listeners on the document so that they also work in content htmx swaps
   in. The Content-Security-Policy allows no inline code (tests/test_csp.py).

   - <form data-confirm="…">: asks first; "no" cancels the submit (before busy-submit.js sees it).
   - <select data-autosubmit>: choosing an option sends its form.
   - <a data-history-back href="…">: goes back when there is somewhere to go back to, else follows
     the link.
   - <button data-print>: prints the page (the staff lists' print layout is in staff.css).
   - <button data-bs-dismiss="alert">: closes its alert where Bootstrap's script is not loaded
     (the residents' pages, templates/_head.html). */
(function () {
  "use strict";

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-autosubmit]") || !select.form) return;
    if (select.form.requestSubmit) select.form.requestSubmit();
    else select.form.submit();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (!link || window.history.length < 2) return;
    event.preventDefault();
    window.history.back();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });

  document.addEventListener("click", function (event) {
    if (window.bootstrap) return;
    var button = event.target.closest && event.target.closest('[data-bs-dismiss="alert"]');
    var alert = button && button.closest(".alert");
    if (alert) alert.remove();
  });
})();
