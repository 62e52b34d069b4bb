/* Receiving payment at the counter (staff): the total of the chosen bills, the check-all box,
   and one click, one payment. */
(function () {
  var form = document.getElementById("counter-form");
  var boxes = Array.prototype.slice.call(form.querySelectorAll(".bill-check"));
  var all = document.getElementById("check-all");
  var button = document.getElementById("pay-button");
  function money(fen) {
    return "¥" + (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  function update() {
    var fen = 0, checked = 0;
    boxes.forEach(function (box) { if (box.checked) { fen += parseInt(box.dataset.fen, 10); checked += 1; } });
    form.querySelectorAll(".js-total").forEach(function (el) { el.textContent = money(fen); });
    if (all) { all.checked = checked === boxes.length; all.indeterminate = checked > 0 && checked < boxes.length; }
    if (button) { button.disabled = checked === 0; }
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (all) { all.addEventListener("change", function () { boxes.forEach(function (box) { box.checked = all.checked; }); update(); }); }
  // One click, one payment: a second click while the first is on its way does nothing.
  form.addEventListener("submit", function () { if (button) { setTimeout(function () { button.disabled = true; }, 0); } });
  update();
})();
