/* Results as toasts above the tab bar (templates/resident/_toasts.html): "已提交", "缴费成功",
   and errors. Successes and notes go after a few seconds (not while touched or focused);
   errors stay until closed.

   Screen readers: the toasts live in two regions that are on the page from the start (role=
   status for results, role=alert for errors). The server's toasts are taken out and put back
   a moment after the page loads, so that the change is announced like any later one.

   Later results: window.linliToast(text, level) from a script, or an htmx response with the
   header  HX-Trigger: {"linli:toast": {"text": "…", "level": "success"}}  (level: success,
   info, warning or error). */
(function () {
  "use strict";

  var STAY_MS = 4500;
  var ANNOUNCE_AFTER_MS = 150;
  // Whole class names, so that the CSS purge finds them.
  var KINDS = {
    success: { toast: "linli-toast linli-toast-success", icon: "bi bi-check-circle-fill" },
    info: { toast: "linli-toast linli-toast-info", icon: "bi bi-info-circle-fill" },
    warning: { toast: "linli-toast linli-toast-warning", icon: "bi bi-exclamation-triangle-fill" },
    error: { toast: "linli-toast linli-toast-error", icon: "bi bi-x-circle-fill" }
  };

  var root = document.querySelector("[data-toasts]");
  if (!root) return;
  var polite = root.querySelector('[data-toast-region="polite"]');
  var assertive = root.querySelector('[data-toast-region="assertive"]');

  function close(toast) {
    if (!toast.parentNode || toast.classList.contains("is-leaving")) return;
    window.clearTimeout(toast.linliTimer);
    toast.classList.add("is-leaving");
    window.setTimeout(function () { if (toast.parentNode) toast.parentNode.removeChild(toast); }, 200);
  }

  function schedule(toast) {
    if (toast.hasAttribute("data-toast-stay")) return;
    window.clearTimeout(toast.linliTimer);
    toast.linliTimer = window.setTimeout(function () {
      // Not while someone reads it with a finger on it or has focused its close button.
      if (toast.matches(":hover") || toast.contains(document.activeElement)) schedule(toast);
      else close(toast);
    }, STAY_MS);
  }

  // Above whatever sits at the bottom of the screen: the tab bar, and a pay bar stuck on it
  // (linli.css has the tab bar's place for when this cannot measure).
  var BARS = ".tab-bar, .pay-bar";
  var placing = false;

  function place() {
    placing = false;
    var bottom = window.innerHeight;
    var top = bottom;
    Array.prototype.forEach.call(document.querySelectorAll(BARS), function (bar) {
      var box = bar.getBoundingClientRect();
      if (box.height && box.top < top && box.bottom > bottom - 160) top = box.top;
    });
    if (top < bottom) root.style.bottom = Math.round(bottom - top + 8) + "px";
  }

  function placeSoon() {
    if (placing || !root.querySelector("[data-toast]")) return;
    placing = true;
    window.requestAnimationFrame(place);
  }
  window.addEventListener("scroll", placeSoon, { passive: true });
  window.addEventListener("resize", placeSoon);

  function show(toast, region) {
    region.appendChild(toast);
    place();
    schedule(toast);
  }

  function build(text, level) {
    var kind = KINDS[level] || KINDS.info;
    var toast = document.createElement("div");
    toast.className = kind.toast;
    toast.setAttribute("data-toast", "");
    if (level === "error") toast.setAttribute("data-toast-stay", "");
    var icon = document.createElement("i");
    icon.className = kind.icon;
    icon.setAttribute("aria-hidden", "true");
    var body = document.createElement("div");
    body.className = "linli-toast-text";
    body.textContent = text;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn-close btn-close-white";
    button.setAttribute("data-toast-close", "");
    button.setAttribute("aria-label", root.getAttribute("data-close-label") || "Close");
    toast.appendChild(icon);
    toast.appendChild(body);
    toast.appendChild(button);
    return toast;
  }

  window.linliToast = function (text, level) {
    if (!text) return;
    show(build(String(text), level), level === "error" ? assertive : polite);
  };

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toast-close]");
    if (button) close(button.closest("[data-toast]"));
  });

  // htmx: HX-Trigger {"linli:toast": {...}} is dispatched on the element that made the request.
  document.addEventListener("linli:toast", function (event) {
    var detail = event.detail || {};
    window.linliToast(detail.text || detail.value, detail.level);
  });

  // The server's toasts: out, and back in a moment later, to be announced.
  [polite, assertive].forEach(function (region) {
    var toasts = Array.prototype.slice.call(region.querySelectorAll("[data-toast]"));
    if (!toasts.length) return;
    toasts.forEach(function (toast) { region.removeChild(toast); });
    window.setTimeout(function () {
      toasts.forEach(function (toast) { show(toast, region); });
    }, ANNOUNCE_AFTER_MS);
  });
})();
