// A background job's page (campaign detection): while the job runs, fetch the page again every
// two seconds and replace the job panel's content. The live status region stays the same
// element (only its content changes), so that screen readers announce the change.
(function () {
  "use strict";
  var PANEL = "[data-job-panel]";
  var STATUS = "[role=status]";

  function poll() {
    var panel = document.querySelector(PANEL);
    if (!panel || !panel.hasAttribute("data-job-running")) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(PANEL);
          var status = panel.querySelector(STATUS);
          var freshStatus = fresh && fresh.querySelector(STATUS);
          if (status && freshStatus) {
            status.innerHTML = freshStatus.innerHTML;
            status.setAttribute("data-job-state", freshStatus.getAttribute("data-job-state"));
          }
          if (fresh && !fresh.hasAttribute("data-job-running")) {
            panel.removeAttribute("data-job-running");
          }
          poll();
        })
        .catch(poll);
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", poll);
})();
