// The notice text editor: Quill edits a div and keeps the plain <textarea name="body"> up to
// date, so the form (and the htmx preview) send HTML as they would without JavaScript.
(function () {
  "use strict";

  function start() {
    var textarea = document.querySelector("textarea[data-rich-text]");
    var holder = document.getElementById("notice-editor");
    if (!textarea || !holder || typeof window.Quill === "undefined") return;

    holder.hidden = false;
    var quill = new window.Quill(holder, {
      theme: "snow",
      modules: {
        toolbar: [
          [{ header: [2, 3, 4, false] }],
          ["bold", "italic", "underline", "strike"],
          [{ list: "ordered" }, { list: "bullet" }],
          ["blockquote", "link"],
          ["clean"],
        ],
      },
    });
    // Quill's heading picker says "Normal", "Heading 2"… from its CSS unless an item carries
    // data-label: the template gives the translated names.
    var labels = JSON.parse(holder.dataset.headingLabels || "{}");
    var picker = holder.parentNode.querySelector(".ql-picker.ql-header");
    if (picker) {
      picker.querySelectorAll(".ql-picker-item").forEach(function (item) {
        var label = labels[item.dataset.value || ""];
        if (label) item.dataset.label = label;
      });
      var current = picker.querySelector(".ql-picker-label");
      function relabel() {
        var selected = picker.querySelector(".ql-picker-item.ql-selected");
        var label = labels[(selected && selected.dataset.value) || ""];
        if (label) current.dataset.label = label;
      }
      quill.on("editor-change", relabel);
      relabel();
    }
    if (textarea.value.trim()) {
      quill.clipboard.dangerouslyPasteHTML(textarea.value);
    }
    textarea.hidden = true;
    if (textarea.classList.contains("is-invalid")) holder.classList.add("border-danger");

    function sync() {
      // An empty editor is "<p><br></p>": send nothing, so "please write the notice" shows.
      textarea.value = quill.getText().trim() ? quill.getSemanticHTML() : "";
    }
    quill.on("text-change", sync);
    var form = textarea.form;
    if (form) {
      form.addEventListener("submit", sync);
      // Before htmx collects the fields for the preview.
      form.addEventListener("htmx:configRequest", function (event) {
        sync();
        if (event.detail.parameters && "body" in event.detail.parameters) {
          event.detail.parameters.body = textarea.value;
        }
      });
    }
    sync();
  }

  // Show the building checkboxes only when "chosen buildings" is picked.
  function audience() {
    var choices = document.getElementById("building-choices");
    if (!choices) return;
    var radios = document.querySelectorAll("input[name=audience]");
    function update() {
      var chosen = document.querySelector("input[name=audience]:checked");
      choices.hidden = !chosen || chosen.value !== "buildings";
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // The publishing time only matters for "publish at a set time".
  function publishing() {
    var at = document.querySelector("input[name=publish_at]");
    if (!at) return;
    var row = at.closest(".mb-3") || at.parentElement;
    function update() {
      var chosen = document.querySelector("input[name=publish]:checked");
      row.hidden = !chosen || chosen.value !== "scheduled";
    }
    document.querySelectorAll("input[name=publish]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function init() { start(); audience(); publishing(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
