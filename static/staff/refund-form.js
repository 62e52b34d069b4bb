/* The refund form of a payment asks first, naming the amount typed (data-refund-confirm has
   __AMOUNT__ where it goes). A listener on the document: the form may arrive through htmx. */
(function () {
  "use strict";

  // Loaded again when htmx swaps the form in: one listener is enough.
  if (window.linliRefundConfirm) return;
  window.linliRefundConfirm = true;
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form.id !== "refund-form") return;
      var value = parseFloat(form.elements.amount.value);
      if (isNaN(value)) return; // the server says what is wrong with it
      var amount = value.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      if (!window.confirm(form.dataset.refundConfirm.replace("__AMOUNT__", amount))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
