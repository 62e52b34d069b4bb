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
    totalFen = fen;
    if (typeof updateChange === "function") { updateChange(); }
  }
  // Cash: what was handed over and the change; POS and transfer: their reference.
  var tendered = document.getElementById("id_tendered");
  var amount = document.getElementById("id_amount");
  var changeDue = document.getElementById("change-due");
  var totalFen = 0;
  function fenOf(text) {
    var value = parseFloat(String(text || "").replace(/[,，¥\s]/g, ""));
    return isNaN(value) ? null : Math.round(value * 100);
  }
  function method() {
    var chosen = form.querySelector(".js-method:checked");
    return chosen ? chosen.value : "";
  }
  function updateChange() {
    var cash = method() === "cash";
    form.querySelectorAll(".js-cash").forEach(function (el) { el.hidden = !cash; });
    form.querySelectorAll(".js-reference").forEach(function (el) { el.hidden = method() !== "pos" && method() !== "transfer"; });
    if (!changeDue) { return; }
    var due = amount && fenOf(amount.value) !== null ? fenOf(amount.value) : totalFen;
    var given = tendered ? fenOf(tendered.value) : null;
    if (given === null) { changeDue.textContent = "—"; changeDue.classList.remove("text-danger"); return; }
    changeDue.textContent = money(given - due);
    changeDue.classList.toggle("text-danger", given < due);
    changeDue.classList.toggle("text-success", given >= due);
  }
  [tendered, amount].forEach(function (input) { if (input) { input.addEventListener("input", updateChange); } });
  form.querySelectorAll(".js-method").forEach(function (radio) { radio.addEventListener("change", updateChange); });
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (all) { all.addEventListener("change", function () { boxes.forEach(function (box) { box.checked = all.checked; }); update(); }); }
  // One click, one payment: a second click while the first is on its way does nothing.
  form.addEventListener("submit", function () { if (button) { setTimeout(function () { button.disabled = true; }, 0); } });
  update();
})();
