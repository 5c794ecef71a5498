// The import job page: while the check or the import runs, fetch the page again every two
// seconds and bring its job panel up to date without a reload. The live status region stays
// the same element (only its content changes), so that screen readers announce the change.
(function () {
  "use strict";
  var PANEL = "#import-job";
  var STATUS = "[role=status]";

  function update(panel, fresh) {
    var status = panel.querySelector(STATUS);
    var freshStatus = fresh.querySelector(STATUS);
    Array.prototype.slice.call(panel.children).forEach(function (child) {
      if (child !== status) {
        panel.removeChild(child);
      }
    });
    Array.prototype.slice.call(fresh.children).forEach(function (child) {
      if (child.matches(STATUS)) {
        return;
      }
      var copy = document.importNode(child, true);
      if (status && child.compareDocumentPosition(freshStatus) & Node.DOCUMENT_POSITION_FOLLOWING) {
        panel.insertBefore(copy, status);
      } else {
        panel.appendChild(copy);
      }
    });
    if (status && freshStatus) {
      status.innerHTML = freshStatus.innerHTML;
      status.setAttribute("data-import-state", freshStatus.getAttribute("data-import-state"));
    }
    if (!fresh.hasAttribute("data-import-running")) {
      panel.removeAttribute("data-import-running");
    }
  }

  function poll() {
    var panel = document.querySelector(PANEL);
    if (!panel || !panel.hasAttribute("data-import-running")) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(PANEL);
          if (fresh) {
            update(panel, fresh);
          }
          poll();
        })
        .catch(poll);
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", poll);
})();
