// The phone camera as a scanner (QR codes and the barcodes on parcels), with @zxing/browser.
// A button `<button type="button" data-scan-into="id_code" data-scan-submit>` fills the input
// with what the camera read and, with data-scan-submit, submits its form. Typing stays possible:
// without a camera (or on plain http, where browsers refuse it) the button says so.
(function () {
  "use strict";
  function stopAll(state) {
    if (state.controls) { state.controls.stop(); state.controls = null; }
    state.box.hidden = true;
  }
  function setup(button) {
    if (button.dataset.scanReady) return;
    button.dataset.scanReady = "1";
    var input = document.getElementById(button.dataset.scanInto);
    var box = document.getElementById(button.dataset.scanBox);
    if (!input || !box) return;
    var video = box.querySelector("video");
    var status = box.querySelector("[data-scan-status]");
    var closer = box.querySelector("[data-scan-close]");
    var state = { controls: null, box: box };
    if (!window.ZXingBrowser || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      button.disabled = true;
      button.title = button.dataset.scanUnavailable || "";
      return;
    }
    closer && closer.addEventListener("click", function () { stopAll(state); });
    button.addEventListener("click", function () {
      box.hidden = false;
      if (status) status.textContent = button.dataset.scanWaiting || "";
      var reader = new window.ZXingBrowser.BrowserMultiFormatReader();
      reader.decodeFromVideoDevice(undefined, video, function (result, error, controls) {
        state.controls = controls;
        if (!result) return;
        input.value = result.getText();
        input.dispatchEvent(new Event("input", { bubbles: true }));
        stopAll(state);
        if ("scanSubmit" in button.dataset && input.form) input.form.requestSubmit();
      }).then(function (controls) { state.controls = controls; }).catch(function () {
        if (status) status.textContent = button.dataset.scanUnavailable || "";
      });
    });
  }
  document.querySelectorAll("[data-scan-into]").forEach(setup);
})();
