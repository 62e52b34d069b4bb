/* The analysis reports' pages (templates/admin/platform/reports/): while a report is being
   generated, ask the progress endpoint every few seconds and update its row; once every report
   on the page has finished, reload it for the links and the findings. */
(function () {
  "use strict";

  var INTERVAL = 2500;

  function poll(table) {
    var rows = table.querySelectorAll("[data-report-running]");
    if (!rows.length) return;
    var ids = Array.prototype.map.call(rows, function (row) { return row.getAttribute("data-report-id"); });
    var url = table.getAttribute("data-progress-url") + "?ids=" + ids.join(",");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { reports: [] }; })
      .then(function (data) {
        var finished = 0;
        data.reports.forEach(function (report) {
          var row = table.querySelector('[data-report-id="' + report.id + '"]');
          if (!row) return;
          var status = row.querySelector("[data-report-status]");
          var bar = row.querySelector("[data-report-progress]");
          var step = row.querySelector("[data-report-step]");
          if (status) status.textContent = report.status_label;
          if (bar) { bar.value = report.progress; bar.textContent = report.progress + "%"; }
          if (step) step.textContent = report.step;
          if (report.finished) finished += 1;
        });
        if (finished && finished === data.reports.length) {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(table); }, INTERVAL);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(table); }, INTERVAL * 4); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress-url]").forEach(function (table) {
      window.setTimeout(function () { poll(table); }, INTERVAL);
    });
  });
})();
