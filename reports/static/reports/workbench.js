/* The question workbench: "Insert quote" puts an answer's quote and its response marker into the
 * text box of the response being drafted that was last focused (our response in English when
 * none was). The server keeps the link through the marker [[quote:REFERENCE]] and refuses a
 * marker of a confidential response. A static file, no inline script: the site's Content
 * Security Policy allows scripts from 'self' only.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-workbench-draft]");
  if (!form) {
    return;
  }
  var boxes = form.querySelectorAll("[data-quote-target]");
  var target = form.querySelector("[data-quote-default]") || boxes[0];
  var status = form.querySelector("[data-quote-status]");

  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("focus", function () {
      target = box;
    });
  });

  function insert(box, text) {
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    if (document.activeElement !== box) {
      start = end = box.value.length;
    }
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    box.value = before + spacer + text + after;
    var caret = (before + spacer + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
  }

  document.querySelectorAll("[data-insert-quote]").forEach(function (button) {
    button.addEventListener("click", function () {
      var reference = button.getAttribute("data-reference");
      var quote = button.getAttribute("data-quote");
      if (!target || !reference || !quote) {
        return;
      }
      insert(target, quote + " [[quote:" + reference + "]]");
      if (status) {
        status.textContent = button.textContent.trim();
      }
    });
  });
})();
