/* Live progress of summary reports being built.
 *
 * Each [data-report-progress] block polls its JSON endpoint (data-url) about every 1.5 s, moves
 * its Bootstrap progress bar and step text, shows why the job was queued again (the watchdog's
 * reason, when it gives one), and reloads the page once the report has finished so
 * that the downloads or the error appear. A static file, no inline script: the site's Content
 * Security Policy allows scripts from 'self' only.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 1500;
  var MAX_FAILURES = 5;

  function show(block, percent) {
    var outer = block.querySelector('[role="progressbar"]');
    var bar = block.querySelector("[data-progress-bar]");
    var value = Math.max(0, Math.min(100, Number(percent) || 0));
    outer.setAttribute("aria-valuenow", String(value));
    outer.setAttribute("aria-valuetext", value + "%");
    bar.style.width = value + "%";
    bar.textContent = value + "%";
  }

  function watch(block) {
    var url = block.getAttribute("data-url");
    var step = block.querySelector("[data-progress-step]");
    var card = block.closest("article");
    var badge = card ? card.querySelector("[data-report-status]") : null;
    var failures = 0;
    show(block, block.querySelector('[role="progressbar"]').getAttribute("aria-valuenow"));

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/json") !== 0) {
            // Signed out or refused: polling again would not help.
            throw new Error("stop");
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(block, data.progress);
          if (data.step && step.textContent !== data.step) {
            step.textContent = data.step;
          }
          var reason = card ? card.querySelector('[data-report-reason][role="status"]') : null;
          if (reason && reason.textContent !== (data.reason || "")) {
            reason.textContent = data.reason || "";
            reason.hidden = !data.reason;
          }
          if (badge && data.status === "running" && badge.textContent !== data.status_label) {
            badge.textContent = data.status_label;
            badge.classList.remove("text-bg-secondary");
            badge.classList.add("text-bg-primary");
          }
          if (data.finished) {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, INTERVAL_MS);
        })
        .catch(function (error) {
          failures += 1;
          if (error.message !== "stop" && failures < MAX_FAILURES) {
            window.setTimeout(poll, INTERVAL_MS * (failures + 1));
          }
        });
    }

    window.setTimeout(poll, INTERVAL_MS);
  }

  document.querySelectorAll("[data-report-progress]").forEach(watch);
})();
