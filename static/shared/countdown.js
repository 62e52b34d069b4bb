/* "Resend in 59s": a button with data-countdown waits that many seconds before it can be used;
   data-wait-label is the text meanwhile, with %(seconds)s for the seconds left. */
(function () {
  "use strict";

  document.querySelectorAll("[data-countdown]").forEach(function (button) {
    // The partial that loads this may be included twice on a page: one countdown per button.
    if (button.dataset.countdownStarted) return;
    button.dataset.countdownStarted = "1";
    var left = parseInt(button.dataset.countdown, 10);
    var label = button.textContent;
    var template = button.dataset.waitLabel || "%(seconds)s";
    if (!left) return;
    button.disabled = true;
    (function tick() {
      if (left <= 0) { button.disabled = false; button.textContent = label; return; }
      button.textContent = template.replace("%(seconds)s", left);
      left -= 1;
      setTimeout(tick, 1000);
    })();
  });
})();
