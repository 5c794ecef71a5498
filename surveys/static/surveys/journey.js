/*
 * Consult HK respondent form: small progressive enhancements. The form works without this file;
 * the server decides which questions apply and discards answers to the others.
 *  - shows and hides conditional questions as the answers they depend on change;
 *  - unticks the other options when "None of these" (an option ticked alone) is ticked, and
 *    unticks it when another option is ticked;
 *  - counts characters left in free-text answers;
 *  - moves focus to the error summary after a failed submit, and from its links to the field;
 *  - ignores a second click on a submit button while the first submit is on its way;
 *  - keeps what the respondent typed but has not saved across a switch of language: the switch
 *    reloads the page, so the page's answers wait in this tab's sessionStorage meanwhile.
 */
(function () {
  "use strict";

  function selectedValues(form, name) {
    var values = [];
    var controls = form.querySelectorAll('[name="' + name + '"]');
    Array.prototype.forEach.call(controls, function (control) {
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) { values.push(control.value); }
      } else if (control.value) {
        values.push(control.value);
      }
    });
    return values;
  }

  function updateConditionals(form) {
    var blocks = form.querySelectorAll(".chk-conditional[data-condition-field]");
    // A condition may depend on another conditional question: repeat until nothing changes.
    for (var pass = 0; pass < blocks.length + 1; pass++) {
      var changed = false;
      Array.prototype.forEach.call(blocks, function (block) {
        var name = block.getAttribute("data-condition-field");
        var parent = form.querySelector('[name="' + name + '"]');
        var parentBlock = parent ? parent.closest(".chk-conditional") : null;
        var parentShown = !parentBlock || !parentBlock.hidden;
        var show = parentShown &&
          selectedValues(form, name).indexOf(block.getAttribute("data-condition-value")) !== -1;
        if (block.hidden === show) {
          block.hidden = !show;
          changed = true;
        }
      });
      if (!changed) { break; }
    }
  }

  function setUpConditionals(form) {
    if (!form.querySelector(".chk-conditional")) { return; }
    form.addEventListener("change", function () { updateConditionals(form); });
    updateConditionals(form);
  }

  function setUpExclusive(form) {
    // Registered before the conditionals' listener, so they see the boxes as they end up.
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (box.type !== "checkbox" || !box.checked || !box.hasAttribute("data-exclusive")) {
        return;
      }
      var alone = box.getAttribute("data-exclusive").split(" ");
      var ticked = alone.indexOf(box.value) !== -1;
      var group = form.querySelectorAll('input[type="checkbox"][name="' + box.name + '"]');
      Array.prototype.forEach.call(group, function (other) {
        if (other !== box && other.checked && (ticked || alone.indexOf(other.value) !== -1)) {
          other.checked = false;
        }
      });
    });
  }

  function setUpCounter(counter) {
    var field = document.getElementById(counter.getAttribute("data-count-for"));
    if (!field) { return; }
    var max = parseInt(field.getAttribute("data-max-chars"), 10);
    var live = document.createElement("span");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    counter.parentNode.insertBefore(live, counter.nextSibling);
    var timer = null;
    function update() {
      var left = max - field.value.length;
      var template = counter.getAttribute(left < 0 ? "data-template-over" : "data-template-left");
      var text = template.replace("%(n)s", Math.abs(left).toLocaleString());
      counter.textContent = text;
      counter.classList.toggle("text-danger", left < 0);
      counter.classList.toggle("fw-bold", left < 0);
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { live.textContent = text; }, 1000);
    }
    field.addEventListener("input", update);
    update();
    live.textContent = "";
  }

  function setUpErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var group = target.closest("fieldset");
      (group || target).scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  function setUpSingleSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitting") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitting", "true");
    });
  }

  var UNSAVED_KEY = "chk-unsaved:" + window.location.pathname;

  function answerFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrfmiddlewaretoken" &&
        ["hidden", "file", "submit", "button"].indexOf(field.type) === -1;
    });
  }

  function keepUnsaved(form) {
    var values = {};
    answerFields(form).forEach(function (field) {
      var list = values[field.name] || (values[field.name] = []);
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) { list.push(field.value); }
      } else {
        list.push(field.value);
      }
    });
    try {
      window.sessionStorage.setItem(UNSAVED_KEY, JSON.stringify(values));
    } catch (error) { /* storage full or disabled: the switch still works */ }
  }

  function restoreUnsaved(form) {
    var stored = null;
    try {
      stored = window.sessionStorage.getItem(UNSAVED_KEY);
      window.sessionStorage.removeItem(UNSAVED_KEY);
    } catch (error) { return; }
    if (!stored) { return; }
    var values = JSON.parse(stored);
    var seen = {};
    answerFields(form).forEach(function (field) {
      var list = values[field.name];
      if (!list) { return; }
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = list.indexOf(field.value) !== -1;
      } else {
        var index = seen[field.name] || 0;
        field.value = list[index] === undefined ? field.value : list[index];
        seen[field.name] = index + 1;
      }
    });
  }

  function setUpLanguageSwitch(form) {
    var switcher = document.querySelector("form.chk-language");
    if (!switcher) { return; }
    switcher.addEventListener("submit", function () { keepUnsaved(form); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var answers = document.querySelector("form.chk-form");
    if (answers) {
      restoreUnsaved(answers);
      setUpLanguageSwitch(answers);
    }
    Array.prototype.forEach.call(document.querySelectorAll("form.chk-form"), setUpExclusive);
    Array.prototype.forEach.call(document.querySelectorAll("form.chk-form"), setUpConditionals);
    Array.prototype.forEach.call(document.querySelectorAll(".chk-count[data-count-for]"), setUpCounter);
    Array.prototype.forEach.call(document.querySelectorAll("form.chk-submit"), setUpSingleSubmit);
    setUpErrorSummary();
  });
}());
