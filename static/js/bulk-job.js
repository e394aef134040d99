// Refreshes a bulk job's progress from GET /api/v1/bulk-jobs/<uuid> (the URL in data-progress-url) once a
// second, until the job is done and, for renewals, every new credential is sealed or has failed; then, if the page
// was opened while the job ran, it is loaded once more so that the list of every credential's outcome is complete.
// Values are written with textContent only: holder names and errors are never parsed as HTML.
(function () {
  "use strict";
  var section = document.getElementById("bulk-job");
  if (!section || !window.fetch) { return; }
  var url = section.getAttribute("data-progress-url");
  var bar = document.getElementById("bulk-progress");
  var failures = document.getElementById("bulk-failures");
  var noFailures = document.getElementById("bulk-no-failures");
  var texts = document.getElementById("status-texts").content;
  var openedRunning = section.getAttribute("data-status") !== "done";
  var manageUrl = function (id) { return "/credentials/manage/" + encodeURIComponent(id) + "/"; };

  function finished(p) {
    if (p.status !== "done") { return false; }
    return p.issued === null || p.issued + p.issuance_failed >= p.done;
  }

  function render(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + " %";
    ["percent", "done", "skipped", "failed", "pending", "total", "issued"].forEach(function (name) {
      section.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
        el.textContent = p[name] === null ? "" : String(p[name]);
      });
    });
    var text = texts.querySelector('[data-status="' + (p.status === "done" ? "done" : "other") + '"]');
    section.querySelector('[data-field="status-text"]').textContent = text.textContent;
    var rows = document.createDocumentFragment();
    p.failures.forEach(function (f) {
      var tr = document.createElement("tr");
      var link = document.createElement("a");
      link.href = manageUrl(f.credential);
      link.textContent = f.serial;
      [link, f.holder, f.error].forEach(function (value) {
        var td = document.createElement("td");
        if (typeof value === "string") { td.textContent = value; } else { td.appendChild(value); }
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    failures.replaceChildren(rows);
    noFailures.hidden = p.failures.length > 0;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (p) {
        render(p);
        if (!finished(p)) { window.setTimeout(poll, 1000); }
        else if (openedRunning) { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
