// Paying online: the bills page keeps the chosen bills to one room and shows their total
// (the server computes the amount again; this is only a preview), the provider hand-off pages
// submit their form or call WeChat's JS bridge by themselves.
(function () {
  "use strict";

  function fen(text) {
    var parts = String(text).split(".");
    var whole = parseInt(parts[0], 10) || 0;
    var cents = parseInt(((parts[1] || "") + "00").slice(0, 2), 10) || 0;
    return whole * 100 + cents;
  }

  function yuan(amountFen) {
    var whole = Math.floor(amountFen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = ("0" + (amountFen % 100)).slice(-2);
    return "¥" + whole + "." + cents;
  }

  function setUpBills() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="bills"][form="pay-form"]'));
    var count = document.getElementById("pay-count");
    var total = document.getElementById("pay-total");
    var button = document.getElementById("pay-button");
    if (!boxes.length || !count || !total || !button) return;
    function update() {
      var chosen = boxes.filter(function (box) { return box.checked; });
      var sum = chosen.reduce(function (acc, box) { return acc + fen(box.dataset.amount); }, 0);
      count.textContent = chosen.length;
      var money = total.querySelector(".money") || total;
      money.textContent = yuan(sum);
      button.disabled = chosen.length === 0;
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (box.checked) {
          // One payment covers one room: choosing a bill of another room starts over there.
          boxes.forEach(function (other) {
            if (other.dataset.room !== box.dataset.room) other.checked = false;
          });
        }
        update();
      });
    });
    update();
  }

  function submitHandOff() {
    var form = document.getElementById("provider-form");
    if (form) form.submit();
  }

  function callWeChat() {
    var holder = document.getElementById("jsapi-params");
    if (!holder) return;
    var params = JSON.parse(holder.textContent);
    var done = document.getElementById("jsapi-done").getAttribute("href");
    function invoke() {
      window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function () {
        // Whatever the bridge says, the status page asks our server, which believes only
        // WeChat Pay's signed notification or its order query.
        window.location.href = done;
      });
    }
    if (window.WeixinJSBridge) invoke();
    else document.addEventListener("WeixinJSBridgeReady", invoke, false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpBills();
    submitHandOff();
    callWeChat();
  });
})();
