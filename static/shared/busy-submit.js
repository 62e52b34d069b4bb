/* One tap, one piece of work: a form that starts work (method="post") shows that it is busy
   from the moment it is sent until the next page arrives. Its submit buttons are disabled,
   the pressed one shows a spinner and "处理中…", and a second tap does nothing. The form's
   fields are left alone, so nothing typed or chosen is lost.

   - GET forms (filters, searches), forms that open elsewhere (target="_blank") and forms or
     buttons marked data-busy="off" are not touched; data-busy on a GET form opts it in.
   - A handler that cancels the submit (a confirm() answered no, a script sending the form
     itself) leaves the form as it was. htmx forms are busy while their request runs.
   - The pressed button's name=value is still sent: the buttons are disabled only after the
     browser has read the form.
   - Coming back (back button, page cache) or a download that leaves the page in place gives
     the buttons back.
   - htmx requests that are no GET are busy while they run: a form's submit buttons, or the
     button that made the request (hx-post on a button).
   - Scripts that start work themselves (a form sent by XMLHttpRequest, a button that calls
     an API) use the same look: window.linliBusy.start(formOrButton, pressedButton) and
     window.linliBusy.stop(formOrButton).

   The server does not rely on this: starting the same payment twice still gives one. */
(function () {
  "use strict";

  var script = document.currentScript;
  var BUSY_TEXT = (script && script.getAttribute("data-busy-text")) || "Processing…";
  // A response that does not replace the page (a file download) ends the busy state here.
  var GIVE_BACK_MS = 20000;
  var saved = new WeakMap();

  function submitButtons(form) {
    if (!(form instanceof HTMLFormElement)) return [form]; // a button on its own
    return Array.prototype.filter.call(form.elements, function (element) {
      var type = (element.getAttribute("type") || (element.tagName === "BUTTON" ? "submit" : "")).toLowerCase();
      return (element.tagName === "BUTTON" || element.tagName === "INPUT") && (type === "submit" || type === "image");
    });
  }

  function attribute(form, submitter, name) {
    var own = submitter && submitter.getAttribute("form" + name);
    return (own || form.getAttribute(name) || "").toLowerCase();
  }

  function startsWork(form, submitter) {
    if (form.getAttribute("data-busy") === "off" || (submitter && submitter.getAttribute("data-busy") === "off")) return false;
    var target = attribute(form, submitter, "target");
    if (target && target !== "_self") return false; // this page stays usable
    if (form.hasAttribute("data-busy")) return true;
    return attribute(form, submitter, "method") === "post";
  }

  function markBusy(form, submitter) {
    if (saved.has(form)) return;
    var buttons = submitButtons(form);
    var shown = submitter && buttons.indexOf(submitter) !== -1 ? submitter : buttons[0];
    var state = { buttons: [], timer: null };
    saved.set(form, state);
    form.setAttribute("aria-busy", "true");
    buttons.forEach(function (button) {
      var entry = { button: button, disabled: button.disabled };
      if (button === shown) {
        entry.width = button.style.minWidth;
        button.style.minWidth = button.getBoundingClientRect().width + "px";
        if (button.tagName === "INPUT") {
          entry.value = button.value;
          button.value = BUSY_TEXT;
        } else {
          entry.html = button.innerHTML;
          button.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>';
          button.appendChild(document.createTextNode(BUSY_TEXT));
        }
        button.classList.add("is-busy");
      }
      button.disabled = true;
      state.buttons.push(entry);
    });
    state.timer = window.setTimeout(function () { clearBusy(form); }, GIVE_BACK_MS);
  }

  function clearBusy(form) {
    var state = saved.get(form);
    delete form.dataset.busySending;
    if (!state) return;
    saved.delete(form);
    window.clearTimeout(state.timer);
    form.removeAttribute("aria-busy");
    state.buttons.forEach(function (entry) {
      var button = entry.button;
      if ("html" in entry) button.innerHTML = entry.html;
      if ("value" in entry) button.value = entry.value;
      if ("width" in entry) button.style.minWidth = entry.width;
      button.classList.remove("is-busy");
      button.disabled = entry.disabled;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.busySending) {
      event.preventDefault(); // the second tap of a double tap
      return;
    }
    var submitter = event.submitter || null;
    if (event.defaultPrevented || !startsWork(form, submitter)) return;
    form.dataset.busySending = "1";
    // After every other handler (one may still cancel) and after the browser read the form.
    window.setTimeout(function () {
      if (event.defaultPrevented) delete form.dataset.busySending;
      else markBusy(form, submitter);
    }, 0);
  });

  function htmxBusyTarget(element) {
    if (element instanceof HTMLFormElement) return element;
    if (element instanceof HTMLButtonElement && !element.form) return element;
    return null;
  }

  // htmx sends its forms itself (the submit event is cancelled): busy while the request runs.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = htmxBusyTarget(event.detail && event.detail.elt);
    var config = event.detail && event.detail.requestConfig;
    if (!target || !config || config.verb === "get") return;
    if (target.getAttribute("data-busy") === "off") return;
    var trigger = config.triggeringEvent;
    markBusy(target, (trigger && trigger.submitter) || target);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = htmxBusyTarget(event.detail && event.detail.elt);
    if (target) clearBusy(target);
  });

  window.linliBusy = {
    start: function (target, pressed) { markBusy(target, pressed || null); },
    stop: clearBusy
  };

  // Back from the provider's page (or any page) with this one restored from the cache.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.forms, clearBusy);
    Array.prototype.forEach.call(document.querySelectorAll("button[aria-busy]"), clearBusy);
  });
})();
