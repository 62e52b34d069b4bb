/* django-celery-beat's periodic task form (templates/admin/djcelery/change_periodictask_form.html):
   the chosen crontab's reading goes under the crontab field's help text. Its own inline script,
   as a static file. */
(function () {
  "use strict";

  var script = document.currentScript;
  var $ = window.django && window.django.jQuery;
  var data = document.getElementById("readable-crontabs");
  if (!$ || !data) return;
  var readableCrontabs = JSON.parse(data.textContent);
  var originalHelp = script ? script.getAttribute("data-crontab-help") || "" : "";

  function updateCrontabHelp(additional) {
    var help = $(".field-crontab .help");
    help.text(originalHelp);
    help.append(document.createElement("br"), document.createTextNode("Translation: " + (additional || "")));
  }

  $(function () {
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      updateCrontabHelp(readableCrontabs[$("#id_crontab").val()]);
    });
  });
})();
