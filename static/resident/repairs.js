/* The resident's repair pages (报修).
 *
 * Report form: character counter, the public-area field shown only when it applies, past slots
 * of today disabled, and sending by XMLHttpRequest with a progress bar. The photo and video
 * pickers are static/shared/photo-picker.js. A refused form comes back as a 400 page whose form
 * replaces this one, with the chosen files handed over to its pickers; success answers
 * {"redirect": url}. Without this script the plain form posts and works the same.
 *
 * Order page: the technician's marker on a Leaflet map, moved (never re-created) when htmx
 * swaps in a new #order-position from the live endpoint.
 */
(function () {
  "use strict";

  // ---- Report form ------------------------------------------------------------------------

  function updatePublicArea(form) {
    var box = form.querySelector("[data-public-area]");
    if (!box) return;
    var checked = form.querySelector("input[data-place]:checked");
    var show = !checked || checked.value === "public" || !!box.querySelector(".invalid-feedback");
    box.hidden = !show;
  }

  function updateSlots(form) {
    var day = form.querySelector("input[data-day]:checked");
    var isToday = day && day.value === form.getAttribute("data-today");
    var now = form.getAttribute("data-now");
    var anyPassed = false;
    form.querySelectorAll("input[data-slot-end]").forEach(function (slot) {
      var passed = !!isToday && slot.getAttribute("data-slot-end") <= now;
      slot.disabled = passed;
      if (passed) { anyPassed = true; slot.checked = false; }
    });
    var note = form.querySelector("[data-slot-note]");
    if (note) note.hidden = !anyPassed;
  }

  function updateCounter(textarea) {
    var target = document.getElementById(textarea.getAttribute("data-counter"));
    if (target) target.textContent = textarea.value.length;
  }

  function setupForm(form) {
    form.querySelectorAll("textarea[data-counter]").forEach(function (textarea) {
      textarea.addEventListener("input", function () { updateCounter(textarea); });
      updateCounter(textarea);
    });
    form.querySelectorAll("input[data-place]").forEach(function (radio) {
      radio.addEventListener("change", function () { updatePublicArea(form); });
    });
    form.querySelectorAll("input[data-day]").forEach(function (radio) {
      radio.addEventListener("change", function () { updateSlots(form); });
    });
    updatePublicArea(form);
    updateSlots(form);
    form.addEventListener("submit", function (event) { send(form, event); });
  }

  function send(form, event) {
    if (!window.FormData || !window.XMLHttpRequest || !window.Promise) return; // the plain post works too
    event.preventDefault();
    var pickers = window.LinliPhotoPicker;
    var button = form.querySelector("[data-submit]");
    button.disabled = true;
    // Photos still being shrunk on the phone are sent once they are ready.
    (pickers ? pickers.ready(form) : Promise.resolve()).then(function () { upload(form, pickers); });
  }

  function upload(form, pickers) {
    var button = form.querySelector("[data-submit]");
    var box = form.querySelector("[data-progress]");
    var bar = box.querySelector(".progress-bar");
    var meter = box.querySelector(".progress");
    var label = box.querySelector("[data-progress-label]");
    var percent = box.querySelector("[data-progress-percent]");
    var failure = form.querySelector("[data-upload-error]");
    var data = new FormData(form);
    var request = new XMLHttpRequest();

    function show(value) {
      bar.style.width = value + "%";
      meter.setAttribute("aria-valuenow", value);
      percent.textContent = value + "%";
    }
    function fail() {
      box.hidden = true;
      busy(false);
      failure.textContent = form.getAttribute("data-msg-failed");
      failure.hidden = false;
    }

    // The same busy button as every other form (static/shared/busy-submit.js).
    function busy(on) {
      if (window.linliBusy) {
        if (on) window.linliBusy.start(form, button);
        else window.linliBusy.stop(form);
      } else {
        button.disabled = on;
      }
    }

    busy(true);
    failure.hidden = true;
    box.hidden = false;
    label.textContent = form.getAttribute("data-msg-uploading");
    show(0);
    request.open("POST", form.action);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.onprogress = function (e) {
      if (e.lengthComputable) show(Math.min(100, Math.round((e.loaded / e.total) * 100)));
    };
    request.upload.onload = function () {
      show(100);
      label.textContent = form.getAttribute("data-msg-processing");
    };
    request.onerror = fail;
    request.onload = function () {
      if (request.status === 200) {
        try {
          window.location.assign(JSON.parse(request.responseText).redirect);
          return;
        } catch (e) { /* not JSON: fall through */ }
      }
      if (request.status === 400) {
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var fresh = page.getElementById("repair-form");
        if (fresh) {
          // The files chosen stay chosen: the pickers of the refused form get them back.
          var kept = pickers ? pickers.files(form) : null;
          var adopted = document.importNode(fresh, true);
          form.replaceWith(adopted);
          setupForm(adopted);
          if (pickers) pickers.setup(adopted, kept);
          var summary = adopted.querySelector("#repair-form-errors");
          var first = adopted.querySelector(".field-invalid") || summary;
          if (first) first.scrollIntoView({ block: "start", behavior: "smooth" });
          if (summary) summary.focus({ preventScroll: true });
          return;
        }
      }
      if (request.status === 403 || request.status === 302) { window.location.reload(); return; }
      fail();
    };
    request.send(data);
  }

  // ---- Order page: the technician on a map --------------------------------------------------

  var map = null;
  var marker = null;
  var accuracyCircle = null;

  function showPosition() {
    var card = document.getElementById("order-map-card");
    var holder = document.getElementById("order-position");
    if (!card || !holder) return;
    var lat = parseFloat(holder.getAttribute("data-lat"));
    var lng = parseFloat(holder.getAttribute("data-lng"));
    if (isNaN(lat) || isNaN(lng)) {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    if (!window.L) return;
    var at = [lat, lng];
    var accuracy = parseFloat(holder.getAttribute("data-accuracy"));
    if (!map) {
      var settings = JSON.parse(document.getElementById("repair-map-settings").textContent);
      map = L.map("repair-map", { zoomControl: true, attributionControl: true }).setView(at, 16);
      // Only the tile provider's credit: not Leaflet's default prefix (a flag and a link).
      map.attributionControl.setPrefix(false);
      L.tileLayer(settings.url, {
        subdomains: settings.subdomains,
        attribution: settings.attribution,
        maxZoom: 18,
      }).addTo(map);
      var icon = L.divIcon({
        className: "tech-marker",
        html: '<span><i class="bi bi-person-fill"></i></span>',
        iconSize: [36, 36],
        iconAnchor: [18, 18],
      });
      marker = L.marker(at, { icon: icon, keyboard: false }).addTo(map);
    } else {
      marker.setLatLng(at);
      map.panTo(at);
      map.invalidateSize();
    }
    if (!isNaN(accuracy) && accuracy > 0 && accuracy < 2000) {
      if (accuracyCircle) accuracyCircle.setLatLng(at).setRadius(accuracy);
      else accuracyCircle = L.circle(at, { radius: accuracy, weight: 1, color: "#0e8a6a", fillOpacity: 0.12 }).addTo(map);
    } else if (accuracyCircle) {
      accuracyCircle.remove();
      accuracyCircle = null;
    }
  }

  document.addEventListener("htmx:afterSettle", showPosition);

  // The live status asks again as soon as the page is seen again. (An hx-trigger filter,
  // visibilitychange[...], would need eval, which the Content-Security-Policy forbids.)
  document.addEventListener("visibilitychange", function () {
    var poller = document.getElementById("order-poller");
    if (document.visibilityState === "visible" && poller && window.htmx) window.htmx.trigger(poller, "linli:visible");
  });

  function start() {
    var form = document.getElementById("repair-form");
    if (form) setupForm(form);
    if (document.getElementById("order-map-card")) showPosition();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
