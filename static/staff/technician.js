/* The technician's phone pages: one tap per action, photo count checks, and — while a job is
   being repaired and the technician agreed — the position sent to the server every
   REPAIR_POSITION_INTERVAL_SECONDS until the server answers {"stop": true}. */
(function () {
  "use strict";

  // A second tap on a slow connection must not post the action twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
      // Re-enable if the browser keeps the page (back button, bfcache).
      window.addEventListener("pageshow", function () {
        delete form.dataset.sent;
        form.querySelectorAll("button").forEach(function (button) {
          button.disabled = false;
        });
      }, { once: true });
    });
  });

  document.querySelectorAll("input[type=file][data-max-files]").forEach(function (input) {
    input.addEventListener("change", function () {
      var tooMany = input.files.length > parseInt(input.dataset.maxFiles, 10);
      input.setCustomValidity(tooMany ? input.dataset.tooMany : "");
      if (tooMany) input.reportValidity();
    });
  });

  var box = document.getElementById("position-sharing");
  if (!box) return;

  var url = box.dataset.positionUrl;
  var intervalMs = Math.max(5, parseInt(box.dataset.interval, 10) || 20) * 1000;
  var pill = box.querySelector("[data-position-status]");
  var text = box.querySelector("[data-position-text]");
  var timer = null;
  var busy = false;
  var stopped = false;

  function show(message, state) {
    text.textContent = message;
    pill.classList.toggle("error", state === "error");
    pill.classList.toggle("stopped", state === "stopped");
  }

  function stop(message) {
    stopped = true;
    if (timer) window.clearInterval(timer);
    show(message || box.dataset.msgStopped, "stopped");
  }

  function clock(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds());
  }

  function send(position) {
    var body = new URLSearchParams();
    body.set("latitude", position.coords.latitude);
    body.set("longitude", position.coords.longitude);
    if (position.coords.accuracy != null) body.set("accuracy", Math.round(position.coords.accuracy));
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf, "X-Requested-With": "fetch" },
      body: body,
    }).then(function (response) {
      if (response.status === 403 || response.status === 404) {
        stop();
        return null;
      }
      return response.json().then(function (data) {
        if (data.stop) {
          stop();
        } else if (data.ok) {
          show(box.dataset.msgSent.replace("{time}", clock(new Date())), "ok");
        } else if (data.error) {
          show(data.error, "error");
        }
      });
    }).catch(function () {
      show(box.dataset.msgNetwork, "error");
    });
  }

  function locationError(error) {
    if (error.code === error.PERMISSION_DENIED) {
      // Asking again every 20 s would only repeat the refusal; coming back to the page
      // (after allowing it in the settings) tries once more.
      if (timer) window.clearInterval(timer);
      timer = null;
      show(box.dataset.msgDenied, "error");
    } else if (error.code === error.TIMEOUT) {
      show(box.dataset.msgTimeout, "error");
    } else {
      show(box.dataset.msgUnavailable, "error");
    }
  }

  function tick() {
    if (stopped || busy) return;
    busy = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        if (!timer && !stopped) timer = window.setInterval(tick, intervalMs);
        send(position).finally(function () { busy = false; });
      },
      function (error) {
        busy = false;
        locationError(error);
      },
      { enableHighAccuracy: true, maximumAge: intervalMs / 2, timeout: Math.min(intervalMs, 15000) }
    );
  }

  if (!("geolocation" in navigator) || !window.isSecureContext) {
    show(box.dataset.msgUnsupported, "error");
    return;
  }
  show(box.dataset.msgWaiting, "ok");
  tick();
  timer = window.setInterval(tick, intervalMs);
  // Phones pause timers in the background: report at once when the page is shown again.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") tick();
  });
})();
